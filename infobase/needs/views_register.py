"""The working group's review of the needs register: ranked list, heat tables, a need's page
with its evidence, history, score and related lessons, decisions, and exports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infobase.accounts.permissions import is_secretariat
from infobase.accounts.permissions import require as _require
from infobase.core.exporters import render as render_export
from infobase.needs import decisions, selectors
from infobase.needs.exports import NeedsRegisterExporter
from infobase.needs.lessons import related_lessons
from infobase.needs.models import Need, NeedEvidence, NeedStatus, WorkProgramme
from infobase.needs.programmes import ThemeSpec, active_themes
from infobase.needs.scoring import RankedNeed, Weights, explain, ranked_register, weights_in_use
from infobase.reference.models import (
    Article,
    AssistanceKind,
    Instrument,
    LegalFamily,
    Priority,
    RegionalGroup,
)


class RegisterFilterForm(forms.Form):
    instrument = forms.ModelChoiceField(
        label=gettext_lazy("Instrument"),
        queryset=Instrument.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=gettext_lazy("Any instrument"),
    )
    article = forms.ModelChoiceField(
        label=gettext_lazy("Article"),
        required=False,
        empty_label=gettext_lazy("Any article"),
        queryset=Article.objects.select_related("instrument"),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of assistance"),
        required=False,
        choices=[("", gettext_lazy("Any kind")), *AssistanceKind.choices],
    )
    regional_group = forms.ChoiceField(
        label=gettext_lazy("Regional group"),
        required=False,
        choices=[
            ("", gettext_lazy("All groups")),
            *RegionalGroup.choices,
            ("none", gettext_lazy("No group")),
        ],
    )
    legal_family = forms.ChoiceField(
        label=gettext_lazy("Legal system"),
        required=False,
        choices=[("", gettext_lazy("All legal systems")), *LegalFamily.choices],
    )
    state = forms.CharField(label=gettext_lazy("State (ISO code)"), required=False, max_length=3)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Any status")),
            *[c for c in NeedStatus.choices if c[0] != "merged"],
        ],
        initial=NeedStatus.OPEN,
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("State's priority"),
        required=False,
        choices=[("", gettext_lazy("Any priority")), *Priority.choices],
    )

    def filters(self) -> selectors.RegisterFilters:
        data = self.cleaned_data if self.is_valid() else {}
        article = data.get("article")
        instrument = data.get("instrument")
        return selectors.RegisterFilters(
            instrument=instrument.code if instrument else "",
            article=article.pk if article else None,
            kind=data.get("kind", ""),
            regional_group=data.get("regional_group", ""),
            legal_family=data.get("legal_family", ""),
            state=data.get("state", ""),
            status=data.get("status", NeedStatus.OPEN) if self.is_bound else NeedStatus.OPEN,
        )


def _ranked(
    request: HttpRequest, form: RegisterFilterForm, weights: Weights, themes: list[ThemeSpec]
) -> list[RankedNeed]:
    """The register's needs the user may see, filtered and ranked (totals only)."""
    needs = selectors.register(user=request.user, filters=form.filters())
    ranked = ranked_register(needs_qs=needs, weights=weights, themes=themes)
    priority = form.cleaned_data.get("priority") if form.is_valid() else ""
    if priority:
        ranked = [r for r in ranked if r.facts.urgency == priority]
    return ranked


@login_required
def register(request: HttpRequest) -> HttpResponse:
    _require(request.user, "needs.view_register")
    form = RegisterFilterForm(request.GET or None)
    weights, themes = weights_in_use(), active_themes()
    ranked = _ranked(request, form, weights, themes)
    page = Paginator(ranked, 50).get_page(request.GET.get("page"))
    # Every need is ranked; only the shown page is explained.
    scored = explain(page.object_list, weights=weights, themes=themes)
    shown = Need.objects.filter(pk__in=[s.need_id for s in scored])
    by_id = {n.pk: n for n in shown.select_related("state", "article__instrument")}
    rows = [(s, by_id[s.need_id]) for s in scored]
    return render(
        request,
        "needs/register.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "total": len(ranked),
            "weights": weights,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def heat(request: HttpRequest) -> HttpResponse:
    _require(request.user, "needs.view_register")
    form = RegisterFilterForm(request.GET or None)
    needs = selectors.register(user=request.user, filters=form.filters())
    return render(
        request,
        "needs/heat.html",
        {
            "form": form,
            "articles": selectors.heat_articles_by_group(needs),
            "kinds": selectors.heat_kinds_by_group(needs),
        },
    )


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    _require(request.user, "needs.view_register")
    if fmt not in ("csv", "xlsx"):
        raise PermissionDenied
    form = RegisterFilterForm(request.GET or None)
    weights, themes = weights_in_use(), active_themes()
    ranked = _ranked(request, form, weights, themes)
    result = render_export(
        NeedsRegisterExporter(scored=explain(ranked, weights=weights, themes=themes)),
        fmt=fmt,
        lang=get_language() or "en",
    )
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response


def _evidence_rows(need: Need, user: Any) -> tuple[list[NeedEvidence], int]:
    """Evidence the user may see, and how many confidential sources are hidden."""
    shown, hidden = [], 0
    evidence = need.evidence.select_related(
        "stated_need__assignment__questionnaire", "request_line__request"
    )
    own = is_secretariat(user) or getattr(user, "state_id", None) == need.state_id
    for item in evidence:
        confidential = (
            item.stated_need.confidential
            if item.stated_need
            else item.request_line.request.confidential  # type: ignore[union-attr]
        )
        if confidential and not own:
            hidden += 1
        else:
            shown.append(item)
    return shown, hidden


@login_required
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(
        Need.objects.select_related("state", "article__instrument", "merged_into"), pk=pk
    )
    _require(request.user, "needs.view_need", need)
    scored, in_register = selectors.need_rank(user=request.user, need=need)
    evidence, hidden = _evidence_rows(need, request.user)
    siblings = (
        Need.objects.filter(state=need.state)
        .exclude(pk=need.pk)
        .exclude(status=NeedStatus.MERGED)
        .select_related("article__instrument")
    )
    return render(
        request,
        "needs/need_detail.html",
        {
            "need": need,
            "scored": scored,
            "in_register": in_register,
            "evidence": evidence,
            "hidden_evidence": hidden,
            "lessons": related_lessons(need=need),
            "can_decide": request.user.has_perm("needs.decide_need", need),
            "can_rank": request.user.has_perm("needs.rank_need", need),
            "siblings": siblings,
            "articles": Article.objects.select_related("instrument"),
            "kinds": AssistanceKind.choices,
            "close_choices": [
                (NeedStatus.MET, NeedStatus.MET.label),
                (NeedStatus.NOT_RELEVANT, NeedStatus.NOT_RELEVANT.label),
            ],
        },
    )


@require_POST
@login_required
def need_decide(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(Need, pk=pk)
    _require(request.user, "needs.view_need", need)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    user = request.user
    try:
        if action == "close":
            decisions.need_close(
                user=user, need=need, status=request.POST.get("status", ""), reason=reason
            )
        elif action == "reopen":
            decisions.need_reopen(user=user, need=need, reason=reason)
        elif action == "merge":
            into = get_object_or_404(Need, pk=request.POST.get("into") or 0)
            decisions.need_merge(user=user, need=need, into=into, reason=reason)
            need = into
        elif action == "split":
            chosen = list(need.evidence.filter(pk__in=request.POST.getlist("evidence")))
            article = get_object_or_404(Article, pk=request.POST.get("article") or 0)
            new = decisions.need_split(
                user=user,
                need=need,
                evidence=chosen,
                article=article,
                kind=request.POST.get("kind", ""),
                reason=reason,
            )
            need = new
        elif action in ("pin", "unpin"):
            decisions.need_pin(user=user, need=need, pinned=action == "pin", reason=reason)
        elif action in ("exclude", "include"):
            decisions.need_exclude(
                user=user, need=need, excluded=action == "exclude", reason=reason
            )
        else:
            raise PermissionDenied
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("need_detail", pk=pk)
    messages.success(request, _("The decision was recorded."))
    return redirect("need_detail", pk=need.pk)


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "needs.view_workprogramme")
    programmes = WorkProgramme.objects.prefetch_related(
        "themes__articles__instrument", "themes__instrument"
    )
    return render(
        request,
        "needs/programmes.html",
        {
            "programmes": programmes,
            "weights": weights_in_use(),
            "can_edit": request.user.has_perm("needs.change_workprogramme"),
        },
    )
