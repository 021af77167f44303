"""Screens for money: pledges (a donor sees only its own), a pledge's page and form, and the
exchange-rate table kept by the secretariat."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infobase.accounts.permissions import require as _require
from infobase.accounts.permissions import scope_pledges
from infobase.core.errors import InvalidInput
from infobase.core.forms import NamedEmptyChoice
from infobase.core.i18n import currency_name, list_separator
from infobase.core.once import OnceField, save_once
from infobase.core.widgets import Checklist
from infobase.funding.models import (
    EARMARK_FIELDS,
    Earmark,
    ExchangeRate,
    Pledge,
    PledgeStatus,
    Project,
)
from infobase.funding.money import MissingRate, MoneyRule, RatesUsed, parse_as_of, to_usd
from infobase.funding.services import (
    pledge_allocated,
    pledge_remaining,
    pledge_save,
    rate_save,
)
from infobase.reference.forms import ArticleChoiceField, StateMultipleChoiceField
from infobase.reference.models import (
    Article,
    AssistanceKind,
    CodelistItem,
    Instrument,
    Organization,
    OrganizationKind,
    RegionalGroup,
)


def pledges_visible_to(user: Any) -> QuerySet[Pledge]:
    """The pledges ``user`` may see (``scope_pledges``), with what their rows show."""
    return scope_pledges(
        user,
        Pledge.objects.select_related("donor", "instrument", "article__instrument", "project"),
    )


def currency_choices() -> list[tuple[str, str]]:
    """The currencies of IATI's codelist, each by its code and its name in the reader's
    language (CLDR's; the codelist names them in English only), else its English name."""
    items = CodelistItem.objects.filter(codelist__name="Currency", withdrawn=False).order_by("code")

    def named(item: CodelistItem) -> str:
        name = currency_name(item.code, item.name_en)
        return f"{item.code} — {name}" if name else item.code

    return [(item.code, named(item)) for item in items]


def earmark_text(pledge: Pledge) -> str:
    """The pledge's earmark in words (translated)."""
    if pledge.earmark == Earmark.THEMATIC:
        parts = []
        if pledge.article:
            parts.append(str(pledge.article))
        elif pledge.instrument:
            parts.append(str(pledge.instrument))
        if pledge.kind:
            parts.append(str(AssistanceKind(pledge.kind).label))
        return _("Thematic: %(theme)s") % {"theme": list_separator().join(parts)}
    if pledge.earmark == Earmark.GEOGRAPHIC:
        parts = [str(RegionalGroup(pledge.regional_group).label)] if pledge.regional_group else []
        parts.extend(str(s) for s in pledge.states.all())
        return _("Geographic: %(where)s") % {"where": list_separator().join(parts)}
    if pledge.earmark == Earmark.PROJECT and pledge.project:
        return _("Project: %(project)s") % {"project": pledge.project.code}
    return str(Earmark.NONE.label)


# --- Pledges -------------------------------------------------------------------------------


class PledgeFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *PledgeStatus.choices],
    )
    earmark = forms.ChoiceField(
        label=gettext_lazy("Earmarking"),
        required=False,
        choices=[("", gettext_lazy("Any earmarking")), *Earmark.choices],
    )
    currency = forms.CharField(label=gettext_lazy("Currency"), required=False, max_length=3)


@login_required
def pledge_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "funding.view_pledge")
    pledges = pledges_visible_to(request.user).prefetch_related("states", "allocations")
    form = PledgeFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            pledges = pledges.filter(status=data["status"])
        if data["earmark"]:
            pledges = pledges.filter(earmark=data["earmark"])
        if data["currency"]:
            pledges = pledges.filter(currency=data["currency"].strip().upper())
    page = Paginator(pledges, 50).get_page(request.GET.get("page"))
    today, date_problem = parse_as_of(request.GET.get("on", ""), today=timezone.localdate())
    used = RatesUsed()
    rows = []
    for pledge in page:
        allocated = sum((a.amount for a in pledge.allocations.all()), Decimal(0))
        try:
            usd: Decimal | None = to_usd(pledge.amount, pledge.currency, today, used=used)
        except MissingRate:
            usd = None
        rows.append(
            {
                "pledge": pledge,
                "earmark": earmark_text(pledge),
                "allocated": allocated,
                "remaining": pledge.amount - allocated,
                "usd": usd,
            }
        )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "funding/pledge_list.html",
        {
            "form": form,
            "query": params.urlencode(),
            "page": page,
            "rows": rows,
            "total": page.paginator.count,
            "rates": list(used),
            "today": today,
            "on": today,
            "date_problem": date_problem,
            "rule": MoneyRule(today),
            "can_add": request.user.has_perm("funding.add_pledge"),
        },
    )


@login_required
def pledge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = get_object_or_404(
        Pledge.objects.select_related("donor", "instrument", "article__instrument", "project"),
        pk=pk,
    )
    _require(request.user, "funding.view_pledge", pledge)
    return render(
        request,
        "funding/pledge_detail.html",
        {
            "pledge": pledge,
            "earmark": earmark_text(pledge),
            "allocated": pledge_allocated(pledge),
            "remaining": pledge_remaining(pledge),
            "allocations": pledge.allocations.select_related("project", "decided_by"),
            "can_edit": request.user.has_perm("funding.change_pledge", pledge),
        },
    )


# The pledge form's parts, each earmark in its own (``pledge_form.html``): an empty thematic field
# allows any value; the geographic earmark is a regional group, States, or both.
_GENERAL = ("donor", "amount", "currency", "pledged_on", "status", "earmark")
_THEMATIC = EARMARK_FIELDS[Earmark.THEMATIC]
_GEOGRAPHIC = EARMARK_FIELDS[Earmark.GEOGRAPHIC]
_PROJECT = EARMARK_FIELDS[Earmark.PROJECT]


class PledgeForm(NamedEmptyChoice, forms.ModelForm):
    once = OnceField()
    donor = forms.ModelChoiceField(
        label=gettext_lazy("Donor"),
        queryset=Organization.objects.all(),
    )
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=[])
    instrument = forms.ModelChoiceField(
        label=gettext_lazy("Instrument"),
        queryset=Instrument.objects.all(),
        required=False,
        empty_label=gettext_lazy("Any instrument"),
    )
    article = ArticleChoiceField(
        label=gettext_lazy("Article"),
        queryset=Article.objects.select_related("instrument"),
        required=False,
        empty_label=gettext_lazy("Any article"),
    )
    states = StateMultipleChoiceField(
        label=gettext_lazy("States"),
        required=False,
        widget=Checklist,
    )
    project = forms.ModelChoiceField(
        label=gettext_lazy("Project"),
        queryset=Project.objects.all(),
        required=False,
        empty_label=gettext_lazy("No project"),
    )

    class Meta:
        model = Pledge
        fields = [*_GENERAL, *_THEMATIC, *_GEOGRAPHIC, *_PROJECT, "notes"]
        widgets = {
            "pledged_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"dir": "auto", "rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        donors = Organization.objects.filter(
            kind__in=[
                OrganizationKind.GOVERNMENT,
                OrganizationKind.FUND,
                OrganizationKind.REGIONAL,
                OrganizationKind.INTERNATIONAL,
            ]
        )
        if self.instance.pk:
            donors = donors | Organization.objects.filter(pk=self.instance.donor_id)
        self.fields["donor"].queryset = donors.distinct()  # type: ignore[attr-defined]
        self.fields["currency"].choices = currency_choices()  # type: ignore[attr-defined]
        # Named for what an empty choice means here: any kind (as "Any instrument"); no group
        # (the States chosen, if any, make the geographic earmark alone).
        kind = self.fields["kind"]
        kind.choices = [("", _("Any kind of assistance")), *list(kind.choices)[1:]]  # type: ignore[attr-defined]
        group = self.fields["regional_group"]
        group.choices = [("", _("No regional group")), *list(group.choices)[1:]]  # type: ignore[attr-defined]

    def parts(self) -> list[tuple[Any, Any, list[Any]]]:
        """(legend, hint, bound fields) of each part of the form, in order."""
        return [
            ("", "", [self[name] for name in _GENERAL]),
            (
                _("Thematic earmark"),
                _("Leave a field empty to allow any value."),
                [self[name] for name in _THEMATIC],
            ),
            (
                _("Geographic earmark"),
                _("A regional group, States, or both: a State in either is allowed."),
                [self[name] for name in _GEOGRAPHIC],
            ),
            (_("Project earmark"), "", [self[name] for name in _PROJECT]),
            ("", "", [self["notes"]]),
        ]


def _pledge_edit(request: HttpRequest, pledge: Pledge | None) -> HttpResponse:
    if pledge is None:
        _require(request.user, "funding.add_pledge")
    else:
        _require(request.user, "funding.change_pledge", pledge)
    form = PledgeForm(
        request.POST or None,
        instance=pledge,
        initial={} if pledge else {"currency": "USD", "pledged_on": date.today()},
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        states = data.pop("states")
        token = data.pop("once", "")
        response, problems = save_once(
            request,
            token=token if pledge is None else "",
            save=lambda: pledge_save(
                user=request.user,
                instance=pledge or Pledge(),
                data=data,
                states=states,
                reason=request.POST.get("reason", "").strip(),
            ),
            detail="pledge_detail",
            fallback="pledge_list",
            saved=_("The pledge was saved."),
        )
        if response is not None:
            return response
    return render(
        request, "funding/pledge_form.html", {"form": form, "pledge": pledge, "problems": problems}
    )


@login_required
def pledge_new(request: HttpRequest) -> HttpResponse:
    return _pledge_edit(request, None)


@login_required
def pledge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _pledge_edit(request, get_object_or_404(Pledge, pk=pk))


# --- Exchange rates ------------------------------------------------------------------------


class RateForm(forms.Form):
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=[])
    per_usd = forms.DecimalField(
        label=gettext_lazy("Units per US dollar"), max_digits=18, decimal_places=6, min_value=0
    )
    valid_from = forms.DateField(
        label=gettext_lazy("Valid from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    source = forms.CharField(label=gettext_lazy("Source"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [  # type: ignore[attr-defined]
            c for c in currency_choices() if c[0] != "USD"
        ]


@login_required
def rate_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "funding.view_exchangerate")
    can_add = request.user.has_perm("funding.add_exchangerate")
    form = RateForm(request.POST or None) if can_add else None
    problems: list[str] = []
    if request.method == "POST":
        _require(request.user, "funding.add_exchangerate")
        assert form is not None
        if form.is_valid():
            data = form.cleaned_data
            try:
                rate_save(
                    user=request.user,
                    currency=data["currency"],
                    per_usd=data["per_usd"],
                    valid_from=data["valid_from"],
                    source=data["source"],
                    reason=request.POST.get("reason", "").strip(),
                )
            except InvalidInput as exc:
                problems = [str(p) for p in exc.problems]
            else:
                messages.success(request, _("The exchange rate was saved."))
                return redirect("rate_list")
    rates = ExchangeRate.objects.order_by("currency", "-valid_from")
    today = date.today()
    current = {}
    for rate in rates:
        if rate.valid_from <= today and rate.currency not in current:
            current[rate.currency] = rate.pk
    return render(
        request,
        "funding/rate_list.html",
        {
            "rates": rates,
            "current": set(current.values()),
            "form": form,
            "problems": problems,
            "today": today,
        },
    )
