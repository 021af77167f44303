"""Activity screens: the list, an activity's page, recording by hand, comments, who does what
where (the matrix, with exports) and the world map."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from infobase.accounts.permissions import require as _require
from infobase.activities import form_pickers as pickers
from infobase.activities import money as activity_money
from infobase.activities import selectors
from infobase.activities.models import (
    Activity,
    ActivitySource,
    Comment,
    ParticipantRole,
    ProviderKind,
)
from infobase.activities.services import (
    ParticipantSpec,
    RecipientSpec,
    activity_save,
    comment_add,
)
from infobase.core.errors import InvalidInput
from infobase.core.exporters import Exporter
from infobase.core.exports import export_requested
from infobase.core.forms import NONE, LanguageBoxes, NamedEmptyChoice
from infobase.core.i18n import (
    FIELD_LANGUAGES,
    format_percent,
    format_percent_range,
    format_share_percent,
    html_lang,
)
from infobase.core.once import OnceField, once
from infobase.reference.forms import (
    ArticleChoiceField,
    article_filter,
    instrument_filter,
    kind_filter,
    regional_group_filter,
    state_filter,
)
from infobase.reference.models import (
    Article,
    AssistanceKind,
    CodelistItem,
    Instrument,
    Organization,
    State,
)
from infobase.reference.regions import name_regions
from infobase.reference.selectors import (
    activity_status_name,
    activity_statuses,
    states_by_name,
)
from infobase.reports import worldmap

UN_LANGUAGES = FIELD_LANGUAGES  # ar zh en fr ru es
RTL = set(settings.LANGUAGES_RTL)


def _active() -> str:
    return (translation.get_language() or "en").split("-")[0]


def texts_in_order(texts: dict[str, str]) -> list[dict[str, str]]:
    """A language → text map as a list for the page: the active language first, then the
    others in code order, each with its ``lang`` and ``dir``."""
    active = (translation.get_language() or "en").lower()
    active = "zh" if active.startswith("zh") else active.split("-")[0]
    order = sorted(texts, key=lambda code: (code.lower().split("-")[0] != active, code))
    return [
        {
            "code": code,
            "lang": html_lang(code.lower()),
            "dir": "rtl" if code.lower().split("-")[0] in RTL else "ltr",
            "text": texts[code],
            "active": str(code.lower().split("-")[0] == active),
        }
        for code in order
        if texts[code]
    ]


# --- The list -----------------------------------------------------------------------------


class ActivityFilterForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    provider = forms.ModelChoiceField(
        label=gettext_lazy("Provider"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any provider"),
    )
    provider_kind = forms.ChoiceField(
        label=gettext_lazy("Kind of provider"),
        required=False,
        choices=[("", gettext_lazy("Any kind of provider")), *ProviderKind.choices],
    )
    recipient = state_filter(label=gettext_lazy("Recipient State"))
    regional_group = regional_group_filter(any_label=gettext_lazy("All groups"))
    instrument = instrument_filter()
    article = article_filter()
    kind = kind_filter()
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        required=False,
        choices=[("", gettext_lazy("Any source")), *ActivitySource.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = selectors.provider_choices()  # type: ignore[attr-defined]
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", _("Any status")),
            *activity_statuses(),
        ]

    def filters(self) -> selectors.ActivityFilters:
        data = self.cleaned_data if self.is_valid() else {}
        provider, recipient = data.get("provider"), data.get("recipient")
        instrument, article = data.get("instrument"), data.get("article")
        return selectors.ActivityFilters(
            provider=provider.pk if provider else None,
            provider_kind=data.get("provider_kind", ""),
            recipient=recipient.iso3 if recipient else "",
            regional_group=data.get("regional_group", ""),
            instrument=instrument.code if instrument else "",
            article=article.pk if article else None,
            kind=data.get("kind", ""),
            status=data.get("status", ""),
            source=data.get("source", ""),
            text=data.get("text", ""),
        )


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "activities.view_activity")
    form = ActivityFilterForm(request.GET or None)
    qs = selectors.activities(filters=form.filters()).prefetch_related("recipients__state")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    name_regions(r for activity in page for r in activity.recipients.all())
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "activities/activity_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(a, next(iter(texts_in_order(a.title)), None)) for a in page],
            "query": query.urlencode(),
            "can_add": request.user.has_perm("activities.add_activity"),
        },
    )


# --- An activity --------------------------------------------------------------------------


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(
        Activity.objects.select_related("provider", "provider_state"), pk=pk
    )
    user = request.user
    _require(user, "activities.view_activity", activity)
    sectors = list(activity.sectors.all())
    names = dict(
        CodelistItem.objects.filter(
            codelist__name__in=["Sector", "SectorCategory"], code__in=[s.code for s in sectors]
        ).values_list("code", "name_en" if _active() != "fr" else "name_fr")
    )
    recipients = list(activity.recipients.select_related("state"))
    name_regions(recipients)
    comment_states = [r.state for r in recipients if r.state is not None]
    own_state = getattr(user, "state_id", None)
    if not getattr(user, "is_secretariat", False) and own_state:
        comment_states = [s for s in comment_states if s.pk == own_state]
    comments = Comment.objects.filter(activity=activity).select_related("state", "author")
    currency = activity.default_currency
    budgets = activity_money.amount_rows(activity.budgets.all(), to=currency)
    transactions = activity_money.amount_rows(
        activity.transactions.order_by("date", "pk"), to=currency
    )
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "titles": texts_in_order(activity.title),
            "descriptions": texts_in_order(activity.description),
            "typed_descriptions": [
                (d.get_kind_display(), texts_in_order(d.texts)) for d in activity.descriptions.all()
            ],
            "budgets": budgets,
            "budget_total": activity_money.budget_total(budgets, currency=currency),
            "participants": activity.participants.select_related("organization"),
            "recipients": recipients,
            "sectors": [(s, names.get(s.code, "")) for s in sectors],
            "themes": activity.themes.select_related("article__instrument"),
            "instruments": activity.instruments.all(),
            "transactions": transactions,
            "spent_total": activity_money.spent_total(transactions, currency=currency),
            "converts": activity_money.money_converter() is not None,
            "documents": activity.documents.all(),
            "need_links": selectors.need_links_shown(activity, user),
            "comments": comments,
            "status_name": activity_status_name(activity.status) if activity.status else "",
            "can_comment": user.has_perm("activities.comment_activity", activity)
            and bool(comment_states),
            "comment_states": comment_states,
            "can_edit": user.has_perm("activities.change_activity", activity)
            and activity.source == ActivitySource.MANUAL,
            "can_see_history": user.has_perm("activities.view_activity", activity),
            # The links listed are to needs the reader may see: their history follows.
            "can_see_link_history": user.has_perm("activities.view_coverage"),
        },
    )


@require_POST
@login_required
def activity_comment(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    _require(request.user, "activities.comment_activity", activity)
    state = get_object_or_404(State, iso3=request.POST.get("state", ""))
    try:
        comment_add(
            user=request.user, activity=activity, state=state, text=request.POST.get("text", "")
        )
    except InvalidInput as exc:
        for problem in exc.problems:
            messages.error(request, problem.message)
    else:
        messages.success(request, _("Your comment was recorded."))
    return redirect("activity_detail", pk=activity.pk)


# --- Recording by hand --------------------------------------------------------------------

THEME_ROWS = 5
SECTOR_ROWS = 4
RECIPIENT_ROWS = 4
PARTICIPANT_ROWS = 4


TITLES = LanguageBoxes("title", gettext_lazy("Title (%(language)s)"), max_length=500)
DESCRIPTIONS = LanguageBoxes("description", gettext_lazy("Description (%(language)s)"), rows=3)


class ActivityForm(NamedEmptyChoice, forms.Form):
    def __init__(self, *args: Any, user: Any, instance: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
        f = self.fields
        f["once"] = OnceField()
        TITLES.add_to(self, instance.title)
        DESCRIPTIONS.add_to(self, instance.description)
        if getattr(user, "is_secretariat", False):
            f["provider"] = forms.ModelChoiceField(
                label=_("Provider"), queryset=Organization.objects.all()
            )
        f["status"] = forms.ChoiceField(
            label=_("Status"),
            required=False,
            choices=[("", NONE), *activity_statuses()],
        )
        for name, label in (
            ("planned_start", _("Planned start")),
            ("planned_end", _("Planned end")),
            ("actual_start", _("Actual start")),
            ("actual_end", _("Actual end")),
        ):
            f[name] = forms.DateField(
                label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
        f["default_currency"] = forms.CharField(
            label=_("Currency (ISO 4217)"),
            required=False,
            max_length=3,
            widget=pickers.picker_input(pickers.CURRENCIES_LIST, size=6, placeholder="USD"),
            help_text=_("Type the code or the currency's name and choose from the list."),
        )
        f["budget"] = forms.DecimalField(label=_("Total budget"), required=False, min_value=0)
        f["disbursed"] = forms.DecimalField(
            label=_("Disbursed and spent"), required=False, min_value=0
        )
        recipients = (
            list(instance.recipients.filter(state__isnull=False).select_related("state"))
            if instance.pk
            else []
        )
        self.recipient_rows = max(RECIPIENT_ROWS, len(recipients) + 1)
        for i in range(self.recipient_rows):
            f[f"recipient_state_{i}"] = pickers.StatePickerField(
                label=_("Recipient State"), required=False
            )
            f[f"recipient_percentage_{i}"] = forms.DecimalField(
                label=_("Percentage of the activity"),
                required=False,
                min_value=0,
                max_value=100,
                max_digits=6,
                decimal_places=2,
            )
        f["instruments"] = forms.ModelMultipleChoiceField(
            label=_("Instruments"),
            queryset=Instrument.objects.all(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        articles = Article.objects.select_related("instrument")
        kinds = [("", NONE), *AssistanceKind.choices]
        themes = list(instance.themes.all()) if instance.pk else []
        for i in range(max(THEME_ROWS, len(themes) + 2)):
            f[f"theme_article_{i}"] = ArticleChoiceField(
                label=_("Article"), queryset=articles, required=False
            )
            f[f"theme_kind_{i}"] = forms.ChoiceField(
                label=_("Kind of assistance"), choices=kinds, required=False
            )
        self.theme_rows = max(THEME_ROWS, len(themes) + 2)
        sectors = list(instance.sectors.all()) if instance.pk else []
        self.sector_rows = max(SECTOR_ROWS, len(sectors) + 1)
        for i in range(self.sector_rows):
            f[f"sector_code_{i}"] = forms.CharField(
                label=_("DAC sector code"),
                required=False,
                max_length=10,
                widget=pickers.picker_input(pickers.SECTORS_LIST, size=8, placeholder="15130"),
            )
            f[f"sector_percentage_{i}"] = forms.DecimalField(label=_("Percentage"), required=False)
        participants = list(instance.participants.all()) if instance.pk else []
        self.participant_rows = max(PARTICIPANT_ROWS, len(participants) + 1)
        for i in range(self.participant_rows):
            f[f"participant_role_{i}"] = forms.ChoiceField(
                label=_("Role"), choices=[("", NONE), *ParticipantRole.choices], required=False
            )
            f[f"participant_org_{i}"] = forms.ModelChoiceField(
                label=_("Organization"), queryset=Organization.objects.all(), required=False
            )
            f[f"participant_name_{i}"] = forms.CharField(
                label=_("Name"), required=False, max_length=500
            )
        if instance.pk and not self.is_bound:
            self.initial.update(self._initial(instance, themes, sectors, participants, recipients))

    @staticmethod
    def _initial(
        instance: Activity,
        themes: Sequence[Any],
        sectors: Sequence[Any],
        participants: Sequence[Any],
        recipients: Sequence[Any],
    ) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for name in (
            "status",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "default_currency",
            "budget",
            "disbursed",
        ):
            initial[name] = getattr(instance, name)
        initial["provider"] = instance.provider_id
        for i, r in enumerate(recipients):
            initial[f"recipient_state_{i}"] = r.state
            initial[f"recipient_percentage_{i}"] = r.percentage
        initial["instruments"] = list(instance.instruments.values_list("pk", flat=True))
        for i, t in enumerate(themes):
            initial[f"theme_article_{i}"], initial[f"theme_kind_{i}"] = t.article_id, t.kind
        for i, s in enumerate(sectors):
            initial[f"sector_code_{i}"], initial[f"sector_percentage_{i}"] = s.code, s.percentage
        for i, p in enumerate(participants):
            initial[f"participant_role_{i}"] = p.role
            initial[f"participant_org_{i}"] = p.organization_id
            initial[f"participant_name_{i}"] = p.name
        return initial

    def row_fields(self, prefix: str, count: int, names: Iterable[str]) -> list[list[Any]]:
        return [[self[f"{prefix}_{n}_{i}"] for n in names] for i in range(count)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for i in range(self.recipient_rows):
            if cleaned.get(f"recipient_percentage_{i}") is not None and not cleaned.get(
                f"recipient_state_{i}"
            ):
                self.add_error(
                    f"recipient_state_{i}", _("Choose the State this percentage is for.")
                )
        return cleaned

    def parts(self) -> dict[str, Any]:
        d = self.cleaned_data
        data: dict[str, Any] = {
            # Languages the form does not show (from an earlier record) are kept.
            "title": TITLES.value(d, held=self.instance.title),
            "description": DESCRIPTIONS.value(d, held=self.instance.description),
            "status": d["status"],
            "planned_start": d["planned_start"],
            "planned_end": d["planned_end"],
            "actual_start": d["actual_start"],
            "actual_end": d["actual_end"],
            "default_currency": (d["default_currency"] or "").upper(),
            "budget": d["budget"],
            "disbursed": d["disbursed"],
        }
        if "provider" in d:
            data["provider"] = d["provider"]
        themes = [
            (d[f"theme_article_{i}"], d[f"theme_kind_{i}"])
            for i in range(self.theme_rows)
            if d.get(f"theme_article_{i}") or d.get(f"theme_kind_{i}")
        ]
        sectors: list[tuple[str, Decimal | None]] = [
            (d[f"sector_code_{i}"].strip(), d[f"sector_percentage_{i}"])
            for i in range(self.sector_rows)
            if (d.get(f"sector_code_{i}") or "").strip()
        ]
        recipients: list[RecipientSpec] = [
            (d[f"recipient_state_{i}"], d[f"recipient_percentage_{i}"])
            for i in range(self.recipient_rows)
            if d.get(f"recipient_state_{i}")
        ]
        participants: list[ParticipantSpec] = [
            (d[f"participant_role_{i}"], d[f"participant_org_{i}"], d[f"participant_name_{i}"])
            for i in range(self.participant_rows)
            if d.get(f"participant_role_{i}")
            or d.get(f"participant_org_{i}")
            or d.get(f"participant_name_{i}")
        ]
        return {
            "data": data,
            "recipients": recipients,
            "instruments": list(d["instruments"]),
            "themes": themes,
            "sectors": sectors,
            "participants": participants,
        }


def _activity_form(request: HttpRequest, instance: Activity) -> HttpResponse:
    form = ActivityForm(request.POST or None, user=request.user, instance=instance)
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid():
        token = "" if instance.pk else form.cleaned_data["once"]  # edits are idempotent anyway
        try:
            with once(token=token, user=request.user) as claim:
                if claim.done is not None:  # this form was sent before: its activity
                    return redirect(claim.done or reverse("activity_list"))
                saved = activity_save(user=request.user, instance=instance, **form.parts())
                claim.fulfil(reverse("activity_detail", args=[saved.pk]))
        except InvalidInput as exc:
            problems = exc.problems
        else:
            messages.success(request, _("The activity was saved."))
            return redirect("activity_detail", pk=saved.pk)
    return render(
        request,
        "activities/activity_form.html",
        {
            "form": form,
            "activity": instance if instance.pk else None,
            "problems": problems,
            "languages": UN_LANGUAGES,
            "theme_rows": form.row_fields("theme", form.theme_rows, ("article", "kind")),
            "sector_rows": form.row_fields("sector", form.sector_rows, ("code", "percentage")),
            "recipient_rows": form.row_fields(
                "recipient", form.recipient_rows, ("state", "percentage")
            ),
            "recipient_problems": [p.message for p in problems if p.column == "recipients"],
            "participant_rows": form.row_fields(
                "participant", form.participant_rows, ("role", "org", "name")
            ),
            "picker_lists": pickers.picker_lists(),
        },
    )


@login_required
def activity_new(request: HttpRequest) -> HttpResponse:
    _require(request.user, "activities.add_activity")
    return _activity_form(request, Activity(source=ActivitySource.MANUAL))


@login_required
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    _require(request.user, "activities.change_activity", activity)
    if activity.source != ActivitySource.MANUAL:
        raise PermissionDenied
    return _activity_form(request, activity)


# --- Who does what where ------------------------------------------------------------------


class MatrixFilterForm(ActivityFilterForm):
    axis = forms.ChoiceField(
        label=gettext_lazy("Themes by"),
        required=False,
        choices=[
            ("instrument", gettext_lazy("Instrument")),
            ("article", gettext_lazy("Article")),
            ("kind", gettext_lazy("Kind of assistance")),
        ],
    )

    def axis_value(self) -> selectors.ThemeAxis:
        value = self.cleaned_data.get("axis") if self.is_valid() else ""
        for axis in selectors.THEME_AXES:
            if value == axis:
                return axis
        return "instrument"


class MatrixExporter(Exporter):
    identifier = "who-does-what-where"

    def __init__(self, matrix: selectors.Matrix) -> None:
        self.matrix = matrix

    def columns(self) -> Sequence[str]:
        return [
            _("Provider"),
            _("Recipient"),
            _("ISO code"),
            _("Theme"),
            _("Activities"),
            _("Budget (share for this recipient)"),
            _("Activity identifiers"),
        ]

    def rows(self) -> Iterable[Sequence[Any]]:
        ids = {r for row in self.matrix.rows for r in row.activity_ids}
        idents = dict(Activity.objects.filter(pk__in=ids).values_list("pk", "iati_identifier"))
        for row in self.matrix.rows:
            yield [
                row.provider,
                row.state,
                row.state_key if not row.state_key.startswith("region:") else "",
                row.theme,
                row.activities,
                row.budget_text(),
                [idents[i] for i in row.activity_ids],
            ]


@login_required
def who_what_where(request: HttpRequest) -> HttpResponse:
    _require(request.user, "activities.view_activity")
    form = MatrixFilterForm(request.GET or None)
    matrix = selectors.who_what_where_kept(filters=form.filters(), axis=form.axis_value())
    page = Paginator(matrix.rows, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "activities/matrix.html",
        {"form": form, "matrix": matrix, "page": page, "query": query.urlencode()},
    )


@login_required
@require_POST
def who_what_where_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The matrix's file with the page's filters, made in the background (``matrix_file``)."""
    _require(request.user, "activities.view_activity")
    return export_requested(request, name="activities.matrix", fmt=fmt)


def matrix_file(*, user: Any, query: QueryDict) -> MatrixExporter:
    """Who does what where with the filters of ``query``, as its page shows it."""
    form = MatrixFilterForm(query or None)
    return MatrixExporter(
        selectors.who_what_where_kept(filters=form.filters(), axis=form.axis_value())
    )


# --- The map ------------------------------------------------------------------------------

MEASURE_LABELS = {
    "needs": gettext_lazy("Open needs"),
    "coverage": gettext_lazy("Coverage of open needs"),
    "funding": gettext_lazy("Funded activities"),
}


def _value_label(measure: str, value: Decimal | int | None) -> str:
    if value is None:
        return _("no open needs") if measure == "coverage" else "—"
    if measure == "coverage":
        return format_share_percent(value)
    return str(value)


def _state_url(request: HttpRequest, measure: str, iso3: str) -> str:
    if measure == "needs" and request.user.has_perm("needs.view_register"):
        return reverse("need_register") + "?" + urlencode({"state": iso3})
    if request.user.has_perm("activities.view_activity"):
        return reverse("activity_list") + "?" + urlencode({"recipient": iso3})
    return reverse("state_detail", args=[iso3])  # the public State profile


def activity_map(request: HttpRequest) -> HttpResponse:
    """The world map, public: its figures are counts of what the viewer may see (open needs by
    the register's rule, funded activities); coverage only for those who may see coverage."""
    measure = request.GET.get("measure", "needs")
    if measure not in selectors.MEASURES:
        measure = "needs"
    if measure == "coverage" and not request.user.has_perm("activities.view_coverage"):
        raise PermissionDenied
    figures = selectors.map_figures(measure=measure, user=request.user)  # type: ignore[arg-type]
    states = states_by_name(State.objects.all())
    map_states = []
    for state in states:
        name = state.translated("name")
        value = figures.get(state.iso3)
        map_states.append(
            worldmap.MapState(
                iso3=state.iso3,
                m49=state.m49,
                name=name.text,
                lang=name.html_lang,
                value=value,
                label=_value_label(measure, value),
                url=_state_url(request, measure, state.iso3),
            )
        )
    if measure == "coverage":
        scale = worldmap.share_scale(
            label=lambda lo, hi: format_percent_range(lo, hi),
            zero_label=_("%(percent)s (uncovered)") % {"percent": format_percent(0, 0)},
            no_value_label=_("No open needs"),
        )
    else:
        scale = worldmap.count_scale(
            figures.values(),
            label=lambda lo, hi: (
                str(lo) if lo == hi else _("%(low)s–%(high)s") % {"low": lo, "high": hi}
            ),
            zero_label=_("None"),
            no_value_label=_("No data"),
        )
    title = str(MEASURE_LABELS[measure])
    funding = {
        iso3: "; ".join(f"{amount:,} {currency}" for currency, amount in sums.items())
        for iso3, sums in (selectors.funding_by_currency() if measure == "funding" else {}).items()
    }
    return render(
        request,
        "activities/map.html",
        {
            "measure": measure,
            "measures": [
                (m, MEASURE_LABELS[m])
                for m in selectors.MEASURES
                if m != "coverage" or request.user.has_perm("activities.view_coverage")
            ],
            "title": title,
            "svg": worldmap.svg(states=map_states, scale=scale, title=title),
            "legend": worldmap.legend(scale, _("Not a State in the information base")),
            "rows": [(s, funding.get(s.iso3, "")) for s in map_states],
            "small": worldmap.unmapped(map_states),
        },
    )
