"""Screens for projects: the list, a project's page (needs, beneficiaries, budget, funding and
gap with the rates used, delivery, allocations, its life), allocating from a pledge, and the
"design from needs" form."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from infobase.accounts.permissions import is_secretariat
from infobase.accounts.permissions import require as _require
from infobase.activities.models import Activity, LinkStatus, NeedLink
from infobase.core.errors import InvalidInput
from infobase.core.forms import LanguageBoxes, NamedEmptyChoice
from infobase.core.i18n import format_date, format_number, list_separator, pick_label
from infobase.core.once import OnceField, save_once
from infobase.core.params import ids_from
from infobase.core.widgets import Checklist
from infobase.funding.models import Pledge, Project, ProjectStatus
from infobase.funding.money import MoneyRule, RatesUsed
from infobase.funding.selectors import projects_to_review, states_to_review
from infobase.funding.services import (
    ProjectFunding,
    allocate,
    allowed_transitions,
    beneficiary_keep,
    beneficiary_remove,
    default_beneficiaries,
    pledges_allowing,
    project_funding,
    project_save,
    project_transition,
    published_beneficiaries,
    with_funding,
)
from infobase.funding.views_equity import report_date
from infobase.funding.views_money import currency_choices, earmark_text, pledges_visible_to
from infobase.needs.lessons import kind_labels
from infobase.needs.models import LessonLearned, Need, NeedStatus
from infobase.needs.selectors import RegisterFilters, needs_visible_to, register
from infobase.reference.forms import (
    StateMultipleChoiceField,
    instrument_filter,
    kind_filter,
    regional_group_filter,
    state_filter,
)
from infobase.reference.models import (
    AssistanceKind,
    State,
)
from infobase.reference.selectors import by_state_name


def _title(labels: dict[str, str] | None) -> dict[str, str]:
    text, lang = pick_label(labels)
    return {"text": text, "lang": lang, "dir": "rtl" if lang == "ar" else "auto"}


# --- List ----------------------------------------------------------------------------------


class ProjectFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *ProjectStatus.choices],
    )
    review = forms.BooleanField(
        label=gettext_lazy("Beneficiary States to review"),
        required=False,
    )

    def __init__(self, *args: Any, secretariat: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not secretariat:  # which needs are confidential is the secretariat's to know
            del self.fields["review"]


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "funding.view_project")
    # Grouped for the budget total: the model's ordering must be given again.
    projects = with_funding(Project.objects.prefetch_related("states")).order_by("code")
    form = ProjectFilterForm(request.GET or None, secretariat=is_secretariat(request.user))
    if form.is_valid() and form.cleaned_data["status"]:
        projects = projects.filter(status=form.cleaned_data["status"])
    if form.is_valid() and form.cleaned_data.get("review"):
        projects = projects.filter(pk__in=projects_to_review().values("pk"))
    on, date_problem = report_date(request)
    page = Paginator(projects, 50).get_page(request.GET.get("page"))
    rows = []
    rates = RatesUsed()
    for p in page:
        funding = project_funding(p, on=on, rates=rates)
        rows.append({"project": p, "title": _title(p.title), "funding": funding, **_gap(funding)})
    return render(
        request,
        "funding/project_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "on": on,
            "date_problem": date_problem,
            "rule": MoneyRule(on),
            "rates": list(rates),
            "can_add": request.user.has_perm("funding.add_project"),
            "can_pledges": request.user.has_perm("funding.view_pledge"),
        },
    )


def _gap(funding: ProjectFunding) -> dict[str, Decimal]:
    """The gap as shown: what is missing (never negative) and what exceeds the budget."""
    return {"gap": max(funding.gap, Decimal(0)), "surplus": max(-funding.gap, Decimal(0))}


# --- A project's page ----------------------------------------------------------------------


class AllocateForm(NamedEmptyChoice, forms.Form):
    pledge = forms.ModelChoiceField(label=gettext_lazy("Pledge"), queryset=Pledge.objects.none())
    amount = forms.DecimalField(
        label=gettext_lazy("Amount in the pledge's currency"),
        max_digits=18,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    allocated_on = forms.DateField(
        label=gettext_lazy("Allocated on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)

    def __init__(self, *args: Any, allowed: list[tuple[Pledge, Decimal]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pledge"]
        field.queryset = Pledge.objects.filter(  # type: ignore[attr-defined]
            pk__in=[p.pk for p, _r in allowed]
        )
        labels = {
            p.pk: _("%(donor)s, %(date)s — %(remaining)s %(currency)s left (%(earmark)s)")
            % {
                "donor": p.donor,
                "date": format_date(p.pledged_on),
                "remaining": format_number(remaining, 2),
                "currency": p.currency,
                "earmark": earmark_text(p),
            }
            for p, remaining in allowed
        }
        field.label_from_instance = lambda obj: (  # type: ignore[attr-defined]
            labels[obj.pk] if obj.pk in labels else str(obj)
        )


class TransitionForm(NamedEmptyChoice, forms.Form):
    to = forms.ChoiceField(choices=ProjectStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)
    lesson = forms.ModelChoiceField(
        label=gettext_lazy("Link an existing lesson learned"),
        queryset=LessonLearned.objects.all(),
        required=False,
    )
    lesson_title = forms.CharField(
        label=gettext_lazy("Or record a draft lesson: title"), max_length=300, required=False
    )
    what_worked = forms.CharField(
        label=gettext_lazy("What worked"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    what_did_not = forms.CharField(
        label=gettext_lazy("What did not work"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    recommendations = forms.CharField(
        label=gettext_lazy("Recommendations"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )


class BeneficiaryReviewForm(forms.Form):
    """The secretariat's answer for one beneficiary State resting only on confidential needs:
    remove it, or keep it on purpose saying why (the services check the reason)."""

    state = forms.ModelChoiceField(queryset=State.objects.all(), widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )


def _allowed_pledges(project: Project) -> list[tuple[Pledge, Decimal]]:
    pledges = Pledge.objects.select_related(
        "donor", "instrument", "article", "project"
    ).prefetch_related("states")
    return pledges_allowing(project, pledges.order_by("pledged_on", "pk"))


def _project_page(
    request: HttpRequest,
    project: Project,
    *,
    allocate_form: AllocateForm | None = None,
    transition_form: TransitionForm | None = None,
    problems: list[str] | None = None,
) -> HttpResponse:
    user = request.user
    # Only the needs the viewer may see, and nothing derived from the others (no count, no
    # article or kind): for the secretariat these are all the project's needs.
    visible = by_state_name(
        project.needs.filter(pk__in=needs_visible_to(user).values("pk"))
        .select_related("state", "article__instrument")
        .order_by("article__instrument__position", "article__number", "kind"),
        lambda need: need.state,
    )
    on, date_problem = report_date(request)
    funding = project_funding(project, on=on)
    visible_pledges = set(pledges_visible_to(user).values_list("pk", flat=True))
    shown, others = [], Decimal(0)
    for allocation, value in funding.rows:
        if allocation.pledge_id in visible_pledges:
            shown.append((allocation, value))
        else:
            others += value
    can_allocate = user.has_perm("funding.allocate", project)
    can_change = user.has_perm("funding.change_project", project)
    if can_allocate and allocate_form is None and project.status != ProjectStatus.CLOSED:
        allocate_form = AllocateForm(
            allowed=_allowed_pledges(project), initial={"allocated_on": date.today()}
        )
    transitions = allowed_transitions(project) if can_change else []
    # Which needs are confidential is the secretariat's to know: no one else is told of them.
    review = states_to_review(project) if can_change else []
    if transitions and transition_form is None:
        transition_form = TransitionForm(initial={"to": transitions[0]})
    return render(
        request,
        "funding/project_detail.html",
        {
            "project": project,
            "title": _title(project.title),
            "description": _title(project.description),
            "needs": visible,
            # As published, whoever reads: a State the secretariat took out stays out.
            "states": published_beneficiaries(project),
            "articles": sorted(
                {n.article for n in visible}, key=lambda a: (a.instrument_id, a.number)
            ),
            "kinds": kind_labels(sorted({n.kind for n in visible})),
            "budget_lines": project.budget_lines.all(),
            "funding": funding,
            **_gap(funding),
            "on": on,
            "date_problem": date_problem,
            "rule": MoneyRule(on),
            "rates": list(funding.rates),
            "allocations": shown,
            "others": others,
            "activities": project.activities.all(),
            "lessons": project.lessons.all(),
            "transitions": [(t, ProjectStatus(t).label) for t in transitions],
            "closing": ProjectStatus.CLOSED.value in transitions,
            "allocate_form": allocate_form if project.status != ProjectStatus.CLOSED else None,
            "transition_form": transition_form,
            "problems": problems or [],
            "can_change": can_change,
            "review": review,
        },
        status=400 if problems else 200,
    )


def _form_problems(form: forms.Form) -> list[str]:
    """A form's errors as lines "label: messages"."""
    return [
        f"{form.fields[k].label if k in form.fields else k}: {' '.join(str(e) for e in v)}"
        for k, v in form.errors.items()
    ]


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=pk)
    _require(request.user, "funding.view_project", project)
    return _project_page(request, project)


@login_required
@require_POST
def project_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=pk)
    _require(request.user, "funding.allocate", project)
    form = AllocateForm(request.POST, allowed=_allowed_pledges(project))
    problems: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            allocate(
                user=request.user,
                pledge=data["pledge"],
                project=project,
                amount=data["amount"],
                on=data["allocated_on"],
                reason=data["reason"],
            )
        except InvalidInput as exc:
            problems = [str(p) for p in exc.problems]
        else:
            messages.success(request, _("The allocation was recorded."))
            return redirect("project_detail", pk=project.pk)
    else:
        problems = _form_problems(form)
    return _project_page(request, project, allocate_form=form, problems=problems)


@login_required
@require_POST
def project_move(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=pk)
    _require(request.user, "funding.change_project", project)
    form = TransitionForm(request.POST)
    problems: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        lesson_data = None
        if data["lesson_title"].strip():
            lesson_data = {
                "title": data["lesson_title"],
                "what_worked": data["what_worked"],
                "what_did_not": data["what_did_not"],
                "recommendations": data["recommendations"],
                "delivered_on": project.ends,
            }
        try:
            project_transition(
                user=request.user,
                project=project,
                to=data["to"],
                reason=data["reason"],
                lesson=data["lesson"],
                lesson_data=lesson_data,
            )
        except InvalidInput as exc:
            problems = [str(p) for p in exc.problems]
        else:
            messages.success(
                request,
                _("The project is now “%(status)s”.")
                % {"status": ProjectStatus(project.status).label},
            )
            return redirect("project_detail", pk=project.pk)
    else:
        problems = _form_problems(form)
    project.refresh_from_db()
    return _project_page(request, project, transition_form=form, problems=problems)


def _beneficiary_review(request: HttpRequest, pk: int, *, keep: bool) -> HttpResponse:
    project = get_object_or_404(Project, pk=pk)
    _require(request.user, "funding.change_project", project)
    form = BeneficiaryReviewForm(request.POST)
    problems: list[str] = []
    if form.is_valid():
        state, reason = form.cleaned_data["state"], form.cleaned_data["reason"]
        try:
            if keep:
                beneficiary_keep(user=request.user, project=project, state=state, reason=reason)
            else:
                beneficiary_remove(user=request.user, project=project, state=state, reason=reason)
        except InvalidInput as exc:
            problems = [str(p) for p in exc.problems]
        else:
            done = (
                _("%(state)s is kept among the beneficiary States on purpose.")
                if keep
                else _("%(state)s is no longer a beneficiary State of this project.")
            )
            messages.success(request, done % {"state": state})
            return redirect("project_detail", pk=project.pk)
    else:
        problems = _form_problems(form)
    return _project_page(request, project, problems=problems)


@login_required
@require_POST
def project_beneficiary_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _beneficiary_review(request, pk, keep=False)


@login_required
@require_POST
def project_beneficiary_keep(request: HttpRequest, pk: int) -> HttpResponse:
    return _beneficiary_review(request, pk, keep=True)


# --- Design from needs ---------------------------------------------------------------------


class NeedChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Need) -> str:
        return f"{obj.state} — {obj.article} — {AssistanceKind(obj.kind).label}"


class NeedFilterForm(forms.Form):
    instrument = instrument_filter()
    kind = kind_filter()
    regional_group = regional_group_filter(any_label=gettext_lazy("Any group"))
    state = state_filter()


# The description is given in one language, chosen among the six (keyed as the title's boxes).
DESCRIPTION_LANGUAGES = [(code.split("-")[0], name) for code, name in settings.LANGUAGES]
TITLES = LanguageBoxes("title", gettext_lazy("Title (%(language)s)"), max_length=300)
OFFERED = 300  # needs, and activities, listed at once in the project form


class ProjectForm(NamedEmptyChoice, forms.Form):
    once = OnceField()
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=50)
    needs = NeedChoiceField(
        label=gettext_lazy("Needs addressed"),
        queryset=Need.objects.none(),
        required=False,
        widget=Checklist,
    )
    states = StateMultipleChoiceField(
        label=gettext_lazy("Beneficiary States"),
        required=False,
        widget=Checklist,
        help_text=gettext_lazy(
            "Left empty, the States of the chosen needs that everyone may see. Beneficiary "
            "States are published: a State whose chosen need is confidential is named only if "
            "you choose it here."
        ),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )
    description_language = forms.ChoiceField(
        label=gettext_lazy("Language of the description"),
        choices=DESCRIPTION_LANGUAGES,
        initial="en",
    )
    outputs = forms.CharField(
        label=gettext_lazy("Outputs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )
    starts = forms.DateField(
        label=gettext_lazy("Start"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends = forms.DateField(
        label=gettext_lazy("End"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    currency = forms.ChoiceField(label=gettext_lazy("Budget currency"), choices=[])
    # Any activity may be chosen; the list offers those already chosen and those linked to
    # the chosen needs (``_offer_activities``), any other is added by its identifier.
    activities = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Delivery: activities"),
        queryset=Activity.objects.order_by("iati_identifier"),
        required=False,
        widget=Checklist(auto_dir=True),
        help_text=gettext_lazy("The activities linked to the chosen needs, and those chosen."),
    )
    activity_identifiers = forms.CharField(
        label=gettext_lazy("Other activities: IATI identifiers, one per line"),
        required=False,
        max_length=OFFERED * 100,  # a few hundred identifiers; a pasted file is refused whole
        widget=forms.Textarea(attrs={"rows": 2, "dir": "ltr", "spellcheck": "false"}),
    )

    def __init__(
        self,
        *args: Any,
        needs: QuerySet[Need],
        offered: Sequence[Need],
        title: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        """``needs``: the needs that may be chosen; ``offered``: those the list shows (at most
        ``OFFERED``, as step 1 does), beside the chosen ones. Neither list grows with the
        register or the activities (a world-scale register listed 50,000 needs and 100,000
        activities here: 17 MB, 28 s). ``title``: the project's title as held."""
        super().__init__(*args, **kwargs)
        self.held_title = title or {}
        TITLES.add_to(self, self.held_title)
        self.order_fields(["code", *TITLES.names])
        self.fields["needs"].queryset = needs  # type: ignore[attr-defined]
        self.fields["currency"].choices = currency_choices()  # type: ignore[attr-defined]
        chosen_needs = self._chosen("needs")
        shown = {need.pk for need in offered}
        missing = [pk for pk in chosen_needs if pk not in shown]
        listed = [*(needs.filter(pk__in=missing) if missing else ()), *offered]
        field = self.fields["needs"]
        assert isinstance(field, NeedChoiceField)
        field.widget.choices = [(n.pk, field.label_from_instance(n)) for n in listed]
        self.fields["activities"].widget.choices = self._offer_activities(chosen_needs)

    def _chosen(self, name: str) -> list[int]:
        """The ids chosen in field ``name``: posted, else initial."""
        if self.is_bound:
            getlist = getattr(self.data, "getlist", None)
            return ids_from(getlist(name) if getlist else self.data.get(name) or [])
        return ids_from(str(getattr(v, "pk", v)) for v in self.initial.get(name) or [])

    def _offer_activities(self, needs: list[int]) -> list[tuple[int, str]]:
        linked = NeedLink.objects.filter(need_id__in=needs).exclude(status=LinkStatus.REJECTED)
        offered = Activity.objects.filter(
            Q(pk__in=self._chosen("activities")) | Q(pk__in=linked.values("activity_id"))
        ).order_by("iati_identifier")[:OFFERED]
        return [(activity.pk, str(activity)) for activity in offered]

    def clean_activity_identifiers(self) -> list[Activity]:
        wanted = [line.strip() for line in self.cleaned_data["activity_identifiers"].splitlines()]
        wanted = [identifier for identifier in wanted if identifier]
        found = {a.iati_identifier: a for a in Activity.objects.filter(iati_identifier__in=wanted)}
        unknown = [identifier for identifier in wanted if identifier not in found]
        if unknown:
            raise forms.ValidationError(
                _("No activity has the IATI identifier %(identifiers)s.")
                % {"identifiers": list_separator().join(unknown)}
            )
        return [found[identifier] for identifier in dict.fromkeys(wanted)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "activities" in data and "activity_identifiers" in data:
            chosen = {a.pk: a for a in data["activities"]}
            chosen.update((a.pk, a) for a in data["activity_identifiers"])
            data["activities"] = list(chosen.values())
        return data

    def title(self) -> dict[str, str]:
        return TITLES.value(self.cleaned_data, held=self.held_title)


class BudgetLineForm(forms.Form):
    description = forms.CharField(label=gettext_lazy("Budget line"), max_length=300, required=False)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"), max_digits=18, decimal_places=2, required=False
    )


BudgetLineFormSet = forms.formset_factory(BudgetLineForm, extra=3)


def _needs_for_form(
    request: HttpRequest, project: Project | None
) -> tuple[Any, QuerySet[Need], QuerySet[Need]]:
    """The filter form, the needs that may be chosen (the filtered open needs the user may
    see, plus the needs already chosen) and those offered (the filtered open ones)."""
    user = request.user
    filters = NeedFilterForm(request.GET or None)
    chosen_ids = set(request.GET.getlist("need")) | set(request.POST.getlist("needs"))
    if project is not None:
        chosen_ids |= {str(pk) for pk in project.needs.values_list("pk", flat=True)}
    visible = needs_visible_to(user)
    spec = RegisterFilters(status=NeedStatus.OPEN)
    if filters.is_valid():
        data = filters.cleaned_data
        spec = RegisterFilters(
            instrument=data["instrument"].code if data["instrument"] else "",
            kind=data["kind"],
            regional_group=data["regional_group"],
            state=data["state"].iso3 if data["state"] else "",
            status=NeedStatus.OPEN,
        )
    offered = visible.filter(pk__in=register(user=user, filters=spec).values("pk"))
    if request.method == "POST":
        needs = visible  # any need the user may see can be posted
    else:
        needs = visible.filter(Q(pk__in=offered.values("pk")) | Q(pk__in=ids_from(chosen_ids)))
    related = ("state", "article__instrument")
    return filters, needs.select_related(*related), offered.select_related(*related)


def _project_edit(request: HttpRequest, project: Project | None) -> HttpResponse:
    if project is None:
        _require(request.user, "funding.add_project")
    else:
        _require(request.user, "funding.change_project", project)
    filters, needs, offered_needs = _needs_for_form(request, project)
    chosen = ids_from(request.GET.getlist("need"))
    if project is not None:
        initial: dict[str, Any] = {
            "code": project.code,
            "needs": list(project.needs.all()),
            "states": list(project.states.all()),
            "description": pick_label(project.description)[0],
            "description_language": pick_label(project.description)[1],
            "outputs": project.outputs,
            "starts": project.starts,
            "ends": project.ends,
            "currency": project.currency,
            "activities": list(project.activities.all()),
        }
        lines_initial = [
            {"description": line.description, "amount": line.amount}
            for line in project.budget_lines.all()
        ]
    else:
        chosen_needs = list(needs.filter(pk__in=chosen))
        initial = {
            "currency": "USD",
            "needs": chosen_needs,
            # "Design from needs": the beneficiary States follow the chosen public needs.
            "states": default_beneficiaries(needs=chosen_needs),
        }
        lines_initial = []
    order = ("state__name_en", "article__instrument__position", "article__number")
    offered = list(offered_needs.order_by(*order)[:OFFERED])
    form = ProjectForm(
        request.POST or None,
        needs=needs,
        offered=offered,
        initial=initial,
        title=project.title if project is not None else None,
    )
    lines = BudgetLineFormSet(request.POST or None, initial=lines_initial, prefix="lines")
    problems: list[str] = []
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        budget = [
            (line["description"], line["amount"])
            for line in lines.cleaned_data
            if line and (line.get("description") or line.get("amount") is not None)
        ]
        description = dict(project.description or {}) if project else {}
        if data["description"].strip():
            description[data["description_language"]] = data["description"]
        else:
            description.pop(data["description_language"], None)
        response, problems = save_once(
            request,
            token=data.get("once", "") if project is None else "",
            save=lambda: project_save(
                user=request.user,
                instance=project or Project(),
                data={
                    "code": data["code"],
                    "title": form.title(),
                    "description": description,
                    "outputs": data["outputs"],
                    "starts": data["starts"],
                    "ends": data["ends"],
                    "currency": data["currency"],
                },
                needs=data["needs"],
                # Left empty, the States of the needs everyone may see (default_beneficiaries).
                states=data["states"] or default_beneficiaries(needs=data["needs"]),
                budget_lines=budget,
                activities=data["activities"],
                reason=request.POST.get("reason", "").strip(),
            ),
            detail="project_detail",
            fallback="project_list",
            saved=_("The project was saved."),
        )
        if response is not None:
            return response
    chosen_needs = list(form.initial.get("needs") or [])
    return render(
        request,
        "funding/project_form.html",
        {
            "form": form,
            "lines": lines,
            "filters": filters,
            "project": project,
            "problems": problems,
            "chosen": chosen_needs,
            "chosen_articles": sorted(
                {n.article for n in chosen_needs}, key=lambda a: (a.instrument_id, a.number)
            ),
            "chosen_kinds": kind_labels(sorted({n.kind for n in chosen_needs})),
            "offered": offered,
            "is_secretariat": is_secretariat(request.user),
        },
    )


@login_required
def project_new(request: HttpRequest) -> HttpResponse:
    return _project_edit(request, None)


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_edit(request, get_object_or_404(Project, pk=pk))
