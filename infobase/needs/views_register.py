"""The working group's review of the needs register: ranked list, heat tables, a need's page
with its evidence, history, score and related lessons, decisions, and exports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from infobase.accounts.permissions import require as _require
from infobase.accounts.permissions import require_seen
from infobase.core.exports import export_requested
from infobase.core.params import ids_from
from infobase.core.widgets import FastSelect
from infobase.needs import decisions, selectors
from infobase.needs.jobs import needs_derive_request
from infobase.needs.lessons import related_lessons
from infobase.needs.models import Need, NeedEvidence, NeedStatus, PriorityTheme, WorkProgramme
from infobase.needs.score_table import need_scores_rescore, score_table
from infobase.needs.scoring import ScoredNeed, weights_in_use, weights_record_in_use
from infobase.questionnaires.models import ImplementationStatus
from infobase.reference.models import (
    Article,
    AssistanceKind,
    Instrument,
    LegalFamily,
    Priority,
    RegionalGroup,
)


def article_choices() -> list[tuple[str, Any]]:
    """Articles grouped by instrument, each labelled "Art. 18 — Mutual legal assistance" in
    the interface language (one query)."""
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for article in Article.objects.select_related("instrument"):
        instrument = article.instrument
        group = groups.setdefault(instrument.pk, (str(instrument.translated("short_name")), []))
        group[1].append(
            (
                article.pk,
                _("Art. %(number)s — %(title)s")
                % {"number": article.number, "title": article.translated("title")},
            )
        )
    return [("", _("Any article")), *groups.values()]


class RegisterFilterForm(forms.Form):
    """The register's filters, all in the URL (a filtered register is a link to share)."""

    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=gettext_lazy("A State's name or code, an article's number or title."),
    )
    coverage = forms.ChoiceField(
        label=gettext_lazy("Coverage by activities"),
        required=False,
        choices=[("", gettext_lazy("Any coverage")), *selectors.CoverageStatus.choices],
    )
    instrument = forms.ModelChoiceField(
        label=gettext_lazy("Instrument"),
        queryset=Instrument.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=gettext_lazy("Any instrument"),
    )
    article = forms.TypedChoiceField(
        label=gettext_lazy("Article"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=FastSelect,  # every article
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
            (selectors.ANY_STATUS, gettext_lazy("Any status")),
            *[c for c in NeedStatus.choices if c[0] != "merged"],
        ],
        initial=NeedStatus.OPEN,
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("State's priority"),
        required=False,
        choices=[("", gettext_lazy("Any priority")), *Priority.choices],
    )
    theme = forms.TypedChoiceField(
        label=gettext_lazy("Priority theme"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=gettext_lazy("The needs a theme of the current work programmes matches."),
    )

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and not data.get("status"):
            # A request naming no status is the open needs (``selectors.status_filter``): the
            # form holds it so that its select, the filters in force and the list agree.
            data = data.copy()
            data["status"] = NeedStatus.OPEN
        super().__init__(data, *args, **kwargs)
        article = self.fields["article"]
        assert isinstance(article, forms.TypedChoiceField)
        article.choices = article_choices()
        theme = self.fields["theme"]
        assert isinstance(theme, forms.TypedChoiceField)
        theme.choices = [
            ("", _("Any priority theme")),
            *[(t.pk, str(t)) for t in PriorityTheme.objects.filter(programme__is_active=True)],
        ]

    def filters(self) -> selectors.RegisterFilters:
        data = self.cleaned_data if self.is_valid() else {}
        instrument = data.get("instrument")
        return selectors.RegisterFilters(
            instrument=instrument.code if instrument else "",
            article=data.get("article"),
            kind=data.get("kind", ""),
            regional_group=data.get("regional_group", ""),
            legal_family=data.get("legal_family", ""),
            state=data.get("state", ""),
            status=selectors.status_filter(data.get("status")),
            coverage=data.get("coverage", ""),
            query=data.get("q", ""),
            theme=data.get("theme"),
        )


@dataclass(frozen=True)
class RegisterRow:
    """A row of the register: the need's score explained, the need, and its labels; unpacks
    as the pair (scored, need)."""

    scored: ScoredNeed
    need: Need

    def __iter__(self) -> Iterator[Any]:
        return iter((self.scored, self.need))

    def __getitem__(self, index: int) -> Any:
        return (self.scored, self.need)[index]

    @property
    def coverage(self) -> str:
        """A ``CoverageStatus`` value."""
        return selectors.coverage_status(self.scored.facts.coverage)

    @property
    def coverage_label(self) -> str:
        return selectors.status_label(self.coverage)

    @property
    def severity_label(self) -> str:
        """The worst implementation status of the article, as a translated label."""
        value = self.scored.facts.severity
        return str(ImplementationStatus(value).label) if value else ""

    @property
    def urgency_label(self) -> str:
        value = self.scored.facts.urgency
        return str(Priority(value).label) if value in Priority.values else ""


def page_priority(form: RegisterFilterForm) -> str:
    return form.cleaned_data.get("priority", "") if form.is_valid() else ""


@login_required
def register(request: HttpRequest) -> HttpResponse:
    _require(request.user, "needs.view_register")
    form = RegisterFilterForm(request.GET or None)
    # Filtered, sorted and paginated in SQL on the stored scores; only the page is explained.
    found = selectors.register_page(
        user=request.user,
        filters=form.filters(),
        priority=page_priority(form),
        page=request.GET.get("page"),
    )
    rows = [RegisterRow(s, need) for s, need in found.scored]
    query = request.GET.copy()
    query.pop("page", None)
    base = {k: v for k, v in query.items() if k != "coverage"}
    return render(
        request,
        "needs/register.html",
        {
            "form": form,
            "page": found.page,
            "rows": rows,
            "total": found.total,
            "definition": selectors.register_definition(),
            "weights": found.table.weights,
            "scores_as_of": found.table.as_of,
            "scores_pending": found.pending,
            "query": query.urlencode(),
            "coverage_links": [
                (
                    status,
                    label,
                    found.coverage_counts[status],
                    urlencode({**base, "coverage": status}),
                )
                for status, label in selectors.CoverageStatus.choices
            ],
            "can_decide": request.user.has_perm("needs.decide_need")
            or request.user.has_perm("needs.rank_need"),
            "bulk_actions": bulk_action_choices(),
            "can_derive": request.user.has_perm("needs.decide_need"),
        },
    )


def bulk_action_choices() -> list[tuple[str, str]]:
    return [
        ("met", _("Close as met")),
        ("not_relevant", _("Close as no longer relevant")),
        ("reopen", _("Reopen")),
        ("pin", _("Pin to the top of the ranking")),
        ("unpin", _("Unpin")),
        ("exclude", _("Exclude from the ranking")),
        ("include", _("Include in the ranking again")),
    ]


@require_POST
@login_required
def register_decide(request: HttpRequest) -> HttpResponse:
    """One decision with one reason on the needs selected in the register."""
    _require(request.user, "needs.view_register")
    ids = ids_from(request.POST.getlist("need"))
    # A need the person may not see is taken as one that does not exist.
    needs = list(selectors.needs_visible_to(request.user).filter(pk__in=ids).order_by("pk"))
    back = request.POST.get("next", "")
    target = f"{reverse('need_register')}?{back}" if back else reverse("need_register")
    try:
        done = decisions.needs_decide(
            user=request.user,
            needs=needs,
            action=request.POST.get("action", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(target)
    # The register shows the decision at once: its needs' scores (and those it moves).
    need_scores_rescore(need_ids=[n.pk for n in done])
    messages.success(
        request,
        ngettext(
            "The decision was recorded for %(count)s need.",
            "The decision was recorded for %(count)s needs.",
            len(done),
        )
        % {"count": len(done)},
    )
    return redirect(target)


@require_POST
@login_required
def register_derive(request: HttpRequest) -> HttpResponse:
    """Bring the register up to date with the answers and requests now, as a background job
    (the one already queued or running, if any); its page shows the progress."""
    job = needs_derive_request(user=request.user)
    return redirect("job", pk=job.pk)


@login_required
def heat(request: HttpRequest) -> HttpResponse:
    _require(request.user, "needs.view_register")
    form = RegisterFilterForm(request.GET or None)
    needs = selectors.register(user=request.user, filters=form.filters())
    kept = [
        (k, v)
        for k, values in request.GET.lists()
        for v in values
        if k not in ("article", "kind", "regional_group", "page")
    ]
    return render(
        request,
        "needs/heat.html",
        {
            "form": form,
            "articles": selectors.heat_articles_by_group(needs),
            "kinds": selectors.heat_kinds_by_group(needs),
            "link_base": urlencode(kept) + "&" if kept else "",
        },
    )


@login_required
@require_POST
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The register's file with the page's filters, made in the background
    (``needs.exports.register_file``)."""
    _require(request.user, "needs.view_register")
    return export_requested(request, name="needs.register", fmt=fmt)


def _evidence_rows(need: Need, user: Any) -> list[NeedEvidence]:
    """The evidence of ``need`` the user may see (``selectors.visible_evidence_q``)."""
    return list(
        need.evidence.filter(selectors.visible_evidence_q(user)).select_related(
            "stated_need__assignment__questionnaire", "request_line__request"
        )
    )


@login_required
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(
        Need.objects.select_related("state", "article__instrument", "merged_into"), pk=pk
    )
    require_seen(request.user, "needs.view_need", need)
    scored, in_register = selectors.need_rank(user=request.user, need=need)
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
            "scores_as_of": score_table().as_of,
            "evidence": _evidence_rows(need, request.user),
            "lessons": related_lessons(need=need, user=request.user),
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
    require_seen(request.user, "needs.view_need", need)
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
    need_scores_rescore(need_ids={pk, need.pk})
    messages.success(request, _("The decision was recorded."))
    return redirect("need_detail", pk=need.pk)


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "needs.view_workprogramme")
    programmes = list(
        WorkProgramme.objects.prefetch_related("themes__articles__instrument", "themes__instrument")
    )
    # The open needs each theme of the current programmes matches, as the reader's register
    # counts them (and links to them).
    counts = selectors.active_theme_need_counts(user=request.user)
    return render(
        request,
        "needs/programmes.html",
        {
            "programmes": programmes,
            "need_counts": counts,
            "weights": weights_in_use(),
            "weights_record": weights_record_in_use(),
            "can_edit": request.user.has_perm("needs.change_workprogramme"),
        },
    )
