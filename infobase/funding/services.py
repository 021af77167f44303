"""Writes and checks of the funding app: pledges and their earmarks, allocations, projects and
their life (concept → approved → funded → in delivery → closed), and a project's funding.

Earmarks are never crossed:

* thematic — every need the project addresses must match the pledge's instrument, article and
  kind of assistance where the pledge sets them (all needs, not at least one: money given for
  article 16 must not pay for article 20 work in the same project). A project that addresses no
  need of the register cannot receive thematic money: there is nothing to check it against;
* geographic — every beneficiary State of the project (its States and the States of its needs)
  must be in the pledge's regional group or among its States (either suffices when both are
  set); a project with no beneficiary State cannot receive geographic money;
* project — only that project.

Every refusal comes with its reasons (translated); nothing is half written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from infobase.accounts.permissions import require as _require
from infobase.activities.models import Activity
from infobase.core.errors import InputProblem, InvalidInput
from infobase.core.history import one_version, reason_with
from infobase.core.i18n import format_date
from infobase.funding.models import (
    EARMARK_FIELDS,
    MONEY,
    Allocation,
    BudgetLine,
    Earmark,
    ExchangeRate,
    Pledge,
    PledgeStatus,
    Project,
    ProjectStatus,
)
from infobase.funding.money import (
    MissingRate,
    RatesUsed,
    cents,
    convert_exact,
    normalise,
)
from infobase.funding.selectors import beneficiaries_to_review
from infobase.needs.models import LessonLearned, Need
from infobase.needs.selectors import needs_visible_to
from infobase.reference.models import (
    Article,
    AssistanceKind,
    CodelistItem,
    Instrument,
    Organization,
    RegionalGroup,
    State,
)
from infobase.reference.selectors import states_by_name

ZERO = Decimal("0")
MAX_AMOUNT = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"])

PLEDGE_FIELDS = frozenset(
    {
        "donor",
        "amount",
        "currency",
        "pledged_on",
        "status",
        "earmark",
        "instrument",
        "article",
        "kind",
        "regional_group",
        "project",
        "notes",
        "is_demo",
    }
)
PROJECT_FIELDS = frozenset(
    {"code", "title", "description", "outputs", "starts", "ends", "currency", "is_demo"}
)

# The life of a project: the one step forward from each status.
NEXT_STATUS = {
    ProjectStatus.CONCEPT: ProjectStatus.APPROVED,
    ProjectStatus.APPROVED: ProjectStatus.FUNDED,
    ProjectStatus.FUNDED: ProjectStatus.IN_DELIVERY,
    ProjectStatus.IN_DELIVERY: ProjectStatus.CLOSED,
}


def _history(instance: Any, user: Any, reason: str) -> None:
    instance._change_reason = reason
    if getattr(user, "pk", None):
        instance._history_user = user


def known_currency(code: str) -> bool:
    """True for a code of the IATI Currency codelist."""
    return CodelistItem.objects.filter(codelist__name="Currency", code=normalise(code)).exists()


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _money_problem(place: str, column: str, value: Any) -> InputProblem | None:
    """A problem with an amount: not a number, not above zero, more than cents, too large."""
    amount = _amount(value)
    if amount is None:
        return InputProblem(
            place, _("“%(value)s” is not an amount.") % {"value": value}, column=column
        )
    if amount <= ZERO:
        return InputProblem(
            place,
            _("The amount must be greater than zero, not %(value)s.") % {"value": amount},
            column=column,
        )
    if amount != amount.quantize(Decimal("0.01")):
        return InputProblem(
            place,
            _("The amount %(value)s has more than two decimals.") % {"value": amount},
            column=column,
        )
    if amount >= MAX_AMOUNT:
        return InputProblem(
            place, _("The amount %(value)s is too large.") % {"value": amount}, column=column
        )
    return None


def _currency_problem(place: str, value: Any) -> InputProblem | None:
    code = normalise(str(value or ""))
    if not code:
        return InputProblem(place, _("A currency is required."), column="currency")
    if not known_currency(code):
        return InputProblem(
            place,
            _("“%(code)s” is not a currency of the IATI Currency codelist.") % {"code": code},
            column="currency",
        )
    return None


# --- Pledges -------------------------------------------------------------------------------


def pledge_label(pledge: Pledge) -> str:
    if pledge.pk:
        return _("Pledge %(pk)s") % {"pk": pledge.pk}
    return _("New pledge")


def pledge_allocated(pledge: Pledge) -> Decimal:
    """Money of the pledge already allocated, in the pledge's currency."""
    if not pledge.pk:
        return ZERO
    total = pledge.allocations.aggregate(total=Sum("amount"))["total"]
    return Decimal(total or 0)


def pledge_remaining(pledge: Pledge) -> Decimal:
    """What remains of the pledge to allocate, in the pledge's currency."""
    return Decimal(pledge.amount) - pledge_allocated(pledge)


def pledges_remaining(pledges: Sequence[Pledge]) -> dict[int, Decimal]:
    """``pledge_remaining`` of each of ``pledges`` (saved ones), in one query."""
    allocated = dict(
        Allocation.objects.filter(pledge__in=[p.pk for p in pledges])
        .order_by()
        .values("pledge_id")
        .annotate(total=Sum("amount"))
        .values_list("pledge_id", "total")
    )
    return {p.pk: Decimal(p.amount) - Decimal(allocated.get(p.pk) or 0) for p in pledges}


def _validate_pledge(
    pledge: Pledge, data: Mapping[str, Any], states: list[State]
) -> list[InputProblem]:
    place = pledge_label(pledge)
    problems: list[InputProblem] = []
    for name in sorted(set(data) - PLEDGE_FIELDS):
        problems.append(
            InputProblem(place, _("“%(field)s” is not a field of a pledge.") % {"field": name})
        )

    def value(name: str) -> Any:
        return data[name] if name in data else getattr(pledge, name, None)

    if not isinstance(value("donor"), Organization):
        problems.append(InputProblem(place, _("A donor is required."), column="donor"))
    problem = _money_problem(place, "amount", value("amount"))
    if problem:
        problems.append(problem)
    problem = _currency_problem(place, value("currency"))
    if problem:
        problems.append(problem)
    if not isinstance(value("pledged_on"), date):
        problems.append(InputProblem(place, _("A date is required."), column="pledged_on"))
    if value("status") not in PledgeStatus.values:
        problems.append(
            InputProblem(
                place,
                _("“%(value)s” is not a status of a pledge.") % {"value": value("status")},
                column="status",
            )
        )
    earmark = value("earmark") or Earmark.NONE
    instrument, article, kind = value("instrument"), value("article"), value("kind") or ""
    group, project = value("regional_group") or "", value("project")
    if earmark not in Earmark.values:
        problems.append(
            InputProblem(
                place,
                _("“%(value)s” is not a kind of earmarking.") % {"value": earmark},
                column="earmark",
            )
        )
    elif earmark == Earmark.THEMATIC:
        if not (instrument or article or kind):
            problems.append(
                InputProblem(
                    place,
                    _(
                        "A thematic earmark needs at least one of an instrument, an article "
                        "or a kind of assistance."
                    ),
                    column="earmark",
                )
            )
        if kind and kind not in AssistanceKind.values:
            problems.append(
                InputProblem(
                    place,
                    _("“%(kind)s” is not a kind of assistance.") % {"kind": kind},
                    column="kind",
                )
            )
        if (
            isinstance(instrument, Instrument)
            and isinstance(article, Article)
            and article.instrument_id != instrument.pk
        ):
            problems.append(
                InputProblem(
                    place,
                    _("%(article)s is not an article of %(instrument)s.")
                    % {"article": article, "instrument": instrument},
                    column="article",
                )
            )
    elif earmark == Earmark.GEOGRAPHIC:
        if not (group or states):
            problems.append(
                InputProblem(
                    place,
                    _("A geographic earmark needs a regional group or at least one State."),
                    column="earmark",
                )
            )
        if group and group not in RegionalGroup.values:
            problems.append(
                InputProblem(
                    place,
                    _("“%(value)s” is not a regional group.") % {"value": group},
                    column="regional_group",
                )
            )
    elif earmark == Earmark.PROJECT and not isinstance(project, Project):
        problems.append(
            InputProblem(place, _("An earmark to a project needs the project."), column="project")
        )
    return problems


def pledge_save(
    *,
    user: Any,
    instance: Pledge,
    data: Mapping[str, Any],
    states: Iterable[State] = (),
    reason: str = "",
) -> Pledge:
    """Record a new pledge or change one (the secretariat only).

    ``data``: donor, amount (Decimal, > 0, cents at most), currency (IATI Currency code),
    pledged_on, status, earmark and its fields (thematic: instrument / article / kind;
    geographic: regional_group and ``states``; project: project), notes, is_demo. Fields of the
    other kinds of earmark are cleared. A pledge already allocated keeps its currency, cannot
    fall below what was allocated, and cannot take an earmark its allocations would cross.
    Every problem is reported at once (``InvalidInput``); nothing is written.
    """
    action = "change" if instance.pk else "add"
    _require(user, f"funding.{action}_pledge", instance if instance.pk else None)
    states = list(states)
    problems = _validate_pledge(instance, data, states)
    if problems:
        raise InvalidInput(problems)

    old_currency = instance.currency if instance.pk else None
    for name, value in data.items():
        if name == "currency":
            value = normalise(value)
        elif name == "amount":
            value = _amount(value)
        elif name == "notes":
            value = str(value or "").strip()
        setattr(instance, name, value)
    earmark = instance.earmark or Earmark.NONE
    instance.earmark = earmark
    for kind, names in EARMARK_FIELDS.items():
        if kind == earmark:
            continue
        for name in names:
            field = Pledge._meta.get_field(name)
            if field.many_to_many:
                states = []
            else:
                setattr(instance, name, None if field.null else "")
    if earmark == Earmark.THEMATIC and instance.article is not None and instance.instrument is None:
        instance.instrument = instance.article.instrument

    with transaction.atomic():
        if instance.pk:
            place = pledge_label(instance)
            allocated = pledge_allocated(instance)
            later: list[InputProblem] = []
            if allocated and old_currency and old_currency != instance.currency:
                later.append(
                    InputProblem(
                        place,
                        _("The pledge has allocations in %(currency)s: its currency cannot change.")
                        % {"currency": old_currency},
                        column="currency",
                    )
                )
            if instance.amount < allocated:
                later.append(
                    InputProblem(
                        place,
                        _(
                            "%(allocated)s %(currency)s is already allocated: the amount "
                            "cannot be less."
                        )
                        % {"allocated": allocated, "currency": instance.currency},
                        column="amount",
                    )
                )
            if not later:
                projects = Project.objects.filter(allocations__pledge=instance).distinct()
                for project in projects:
                    allowed, reasons = _earmark_allows(instance, project, states)
                    if not allowed:
                        for why in reasons:
                            later.append(
                                InputProblem(
                                    place,
                                    _("Allocated to %(project)s: %(reason)s")
                                    % {"project": project.code, "reason": why},
                                    column="earmark",
                                )
                            )
            if later:
                raise InvalidInput(later)
        _history(instance, user, reason)
        with one_version(instance):  # its earmarked States kept with it
            instance.save()
            instance.states.set(states)
    return instance


# --- Earmarks ------------------------------------------------------------------------------


def default_beneficiaries(*, needs: Iterable[Need]) -> list[State]:
    """The beneficiary States a project designed from ``needs`` takes when none is named: the
    States of those needs everyone may see. A project's States are published (its page and the
    API's record, the State's public profile, the Secretariat's report), so a State whose need
    rests only on confidential information is named by a choice, never by default: else its
    name beside the needs shown would tell that it stated a need in confidence."""
    ids = [n.pk for n in needs]
    public = needs_visible_to(AnonymousUser()).filter(pk__in=ids).values("state_id")
    return list(State.objects.filter(pk__in=public).order_by("name_en"))


def project_beneficiaries(project: Project) -> list[State]:
    """The States a project serves, for its earmarks: its own and those of all the needs it
    addresses (confidential ones too; what is shown is ``published_beneficiaries``)."""
    if not project.pk:
        return []
    ids = set(project.states.values_list("pk", flat=True))
    ids |= set(project.needs.values_list("state_id", flat=True))
    return states_by_name(State.objects.filter(pk__in=ids))


def published_beneficiaries(project: Project) -> list[State]:
    """The beneficiary States everyone is shown, in the reader's order: the States the project
    names and those of its needs everyone may see (``default_beneficiaries``), never the State
    of a confidential need the secretariat did not name. The project's page (whoever reads
    it) and the lesson learned recorded on closing it."""
    if not project.pk:
        return []
    return states_by_name(
        {*project.states.all(), *default_beneficiaries(needs=project.needs.all())}
    )


def _earmark_allows(
    pledge: Pledge,
    project: Project,
    pledge_states: list[State] | None = None,
    *,
    project_needs: list[Need] | None = None,
    beneficiaries: list[State] | None = None,
) -> tuple[bool, list[str]]:
    """``project_needs`` and ``beneficiaries``: the project's, when already read (one read for
    many pledges)."""
    earmark = pledge.earmark or Earmark.NONE
    if earmark == Earmark.NONE:
        return True, [_("The pledge is not earmarked.")]

    if earmark == Earmark.PROJECT:
        if pledge.project_id and pledge.project_id == project.pk:
            return True, [_("The pledge is earmarked to this project.")]
        other = pledge.project.code if pledge.project else "—"
        return False, [_("The pledge is earmarked to the project %(code)s only.") % {"code": other}]

    if earmark == Earmark.THEMATIC:
        needs = project_needs
        if needs is None:
            needs = (
                list(project.needs.select_related("article__instrument", "state"))
                if project.pk
                else []
            )
        if not needs:
            return False, [
                _(
                    "The pledge is earmarked to a theme, and the project addresses no need of "
                    "the register to check it against."
                )
            ]
        reasons: list[str] = []
        for need in needs:
            if pledge.instrument_id and need.article.instrument_id != pledge.instrument_id:
                reasons.append(
                    _("The need %(need)s concerns %(instrument)s, not %(earmark)s.")
                    % {
                        "need": need,
                        "instrument": need.article.instrument,
                        "earmark": pledge.instrument,
                    }
                )
            if pledge.article_id and need.article_id != pledge.article_id:
                reasons.append(
                    _("The need %(need)s concerns %(article)s, not %(earmark)s.")
                    % {"need": need, "article": need.article, "earmark": pledge.article}
                )
            if pledge.kind and need.kind != pledge.kind:
                reasons.append(
                    _("The need %(need)s asks for “%(kind)s”, not “%(earmark)s”.")
                    % {
                        "need": need,
                        "kind": AssistanceKind(need.kind).label,
                        "earmark": AssistanceKind(pledge.kind).label,
                    }
                )
        if reasons:
            return False, reasons
        return True, [_("Every need of the project is within the pledge's theme.")]

    # Geographic.
    states = project_beneficiaries(project) if beneficiaries is None else beneficiaries
    if not states:
        return False, [
            _(
                "The pledge is earmarked to a region or to States, and the project has no "
                "beneficiary State."
            )
        ]
    if pledge_states is None:
        pledge_states = list(pledge.states.all()) if pledge.pk else []
    allowed_ids = {s.pk for s in pledge_states}
    group = pledge.regional_group
    reasons = []
    for state in states:
        if state.pk in allowed_ids or (group and state.regional_group == group):
            continue
        if group:
            reasons.append(
                _("%(state)s is not in the %(group)s group nor among the pledge's States.")
                % {"state": state, "group": RegionalGroup(group).label}
            )
        else:
            reasons.append(_("%(state)s is not among the pledge's States.") % {"state": state})
    if reasons:
        return False, reasons
    return True, [_("Every beneficiary State of the project is within the pledge's region.")]


def earmark_allows(pledge: Pledge, project: Project) -> tuple[bool, list[str]]:
    """Whether the pledge's earmark allows money for ``project``, with the reasons why (or why
    not), translated."""
    return _earmark_allows(pledge, project)


# --- Allocations ---------------------------------------------------------------------------


def allocate(
    *,
    user: Any,
    pledge: Pledge,
    project: Project,
    amount: Decimal,
    on: date | None = None,
    proposal: Any = None,
    reason: str = "",
) -> Allocation:
    """Give ``amount`` of the pledge (in its currency) to ``project`` (the secretariat only).

    Refused, with every reason, when the amount is not above zero, exceeds what remains of the
    pledge, crosses its earmark, or the project is closed. Nothing is written then.
    """
    _require(user, "funding.allocate", project)
    on = on or date.today()
    place = _("Allocation of %(pledge)s to %(project)s") % {
        "pledge": pledge_label(pledge),
        "project": project.code,
    }
    with transaction.atomic():
        # Lock the pledge so that two allocations cannot both take the last of it.
        pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
        problems: list[InputProblem] = []
        money = _money_problem(place, "amount", amount)
        if money:
            problems.append(money)
        else:
            remaining = pledge_remaining(pledge)
            if Decimal(amount) > remaining:
                problems.append(
                    InputProblem(
                        place,
                        _(
                            "%(amount)s %(currency)s is more than what remains of the pledge "
                            "(%(remaining)s %(currency)s)."
                        )
                        % {"amount": amount, "currency": pledge.currency, "remaining": remaining},
                        column="amount",
                    )
                )
        if project.status == ProjectStatus.CLOSED:
            problems.append(
                InputProblem(place, _("The project is closed: it takes no more money."))
            )
        allowed, reasons = earmark_allows(pledge, project)
        if not allowed:
            problems.extend(InputProblem(place, why, column="earmark") for why in reasons)
        if problems:
            raise InvalidInput(problems)
        allocation = Allocation(
            pledge=pledge,
            project=project,
            amount=Decimal(amount),
            allocated_on=on,
            decided_by=user if getattr(user, "pk", None) else None,
            proposal=proposal,
        )
        _history(allocation, user, reason)
        allocation.save()
    return allocation


def pledges_allowing(project: Project, pledges: Iterable[Pledge]) -> list[tuple[Pledge, Decimal]]:
    """The pledges whose earmarks allow money for ``project`` and of which something remains,
    each with what remains."""
    pledges = list(pledges)
    ids = [p.pk for p in pledges if p.pk]
    # What each pledge needs read once for all of them, not once per pledge.
    allocated = dict(
        Allocation.objects.filter(pledge_id__in=ids)
        .values("pledge_id")
        .annotate(total=Sum("amount"))
        .values_list("pledge_id", "total")
    )
    states_of: dict[int, list[State]] = {}
    for row in Pledge.states.through.objects.filter(pledge_id__in=ids).select_related("state"):
        states_of.setdefault(row.pledge_id, []).append(row.state)
    needs = list(project.needs.select_related("article__instrument", "state")) if project.pk else []
    beneficiaries = project_beneficiaries(project)
    found = []
    for pledge in pledges:
        remaining = Decimal(pledge.amount) - Decimal(allocated.get(pledge.pk) or 0)
        if (
            remaining > ZERO
            and _earmark_allows(
                pledge,
                project,
                states_of.get(pledge.pk, []),
                project_needs=needs,
                beneficiaries=beneficiaries,
            )[0]
        ):
            found.append((pledge, remaining))
    return found


# --- Projects ------------------------------------------------------------------------------


def project_label(project: Project) -> str:
    if project.pk:
        return _("Project %(code)s") % {"code": project.code}
    return _("New project")


def _validate_project(
    project: Project,
    data: Mapping[str, Any],
    budget_lines: Sequence[tuple[str, Any]] | None,
) -> list[InputProblem]:
    place = project_label(project)
    problems: list[InputProblem] = []
    for name in sorted(set(data) - PROJECT_FIELDS):
        problems.append(
            InputProblem(place, _("“%(field)s” is not a field of a project.") % {"field": name})
        )

    def value(name: str) -> Any:
        return data[name] if name in data else getattr(project, name, None)

    code = str(value("code") or "").strip()
    if not code:
        problems.append(InputProblem(place, _("A code is required."), column="code"))
    elif Project.objects.filter(code=code).exclude(pk=project.pk).exists():
        problems.append(
            InputProblem(
                place, _("Another project has the code “%(code)s”.") % {"code": code}, column="code"
            )
        )
    title = value("title")
    if not isinstance(title, dict) or not any(str(t or "").strip() for t in title.values()):
        problems.append(
            InputProblem(place, _("A title in at least one language is required."), column="title")
        )
    problem = _currency_problem(place, value("currency"))
    if problem:
        problems.append(problem)
    starts, ends = value("starts"), value("ends")
    if isinstance(starts, date) and isinstance(ends, date) and ends < starts:
        problems.append(
            InputProblem(place, _("The project cannot end before it starts."), column="ends")
        )
    for number, (description, amount) in enumerate(budget_lines or [], start=1):
        line_place = _("%(place)s, budget line %(line)s") % {"place": place, "line": number}
        if not str(description or "").strip():
            problems.append(
                InputProblem(line_place, _("A description is required."), column="description")
            )
        problem = _money_problem(line_place, "amount", amount)
        if problem:
            problems.append(problem)
    return problems


def project_save(
    *,
    user: Any,
    instance: Project,
    data: Mapping[str, Any],
    needs: Iterable[Need] | None = None,
    states: Iterable[State] | None = None,
    budget_lines: Sequence[tuple[str, Any]] | None = None,
    activities: Iterable[Activity] | None = None,
    reason: str = "",
) -> Project:
    """Design a new project or change one (the secretariat only).

    ``data``: code, title and description (language → text), outputs, starts, ends (the
    duration), currency of the budget, is_demo. ``needs``: the needs of the register it
    addresses. ``states``: its beneficiary States; ``None`` for a new project takes
    ``default_beneficiaries`` of its needs. ``budget_lines``: (description, amount in the
    project's currency) replacing the current lines; ``None`` keeps them. ``activities``: its
    delivery. ``None`` keeps any of these as they are on a change. Every problem is reported at
    once; nothing is written.
    """
    action = "change" if instance.pk else "add"
    _require(user, f"funding.{action}_project", instance if instance.pk else None)
    needs_list = list(needs) if needs is not None else None
    states_list = list(states) if states is not None else None
    lines = list(budget_lines) if budget_lines is not None else None
    problems = _validate_project(instance, data, lines)
    if instance.pk and "currency" in data:
        new = normalise(data["currency"])
        if new != instance.currency and lines is None and instance.budget_lines.exists():
            problems.append(
                InputProblem(
                    project_label(instance),
                    _("Changing the budget currency needs the budget lines in it."),
                    column="currency",
                )
            )
    if problems:
        raise InvalidInput(problems)
    for name, value in data.items():
        if name == "currency":
            value = normalise(value)
        elif name == "code":
            value = str(value).strip()
        elif name in ("title", "description"):
            value = {k: str(v).strip() for k, v in (value or {}).items() if str(v or "").strip()}
        elif name == "outputs":
            value = str(value or "").strip()
        setattr(instance, name, value)
    if not instance.pk:
        instance.created_by = user if getattr(user, "pk", None) else None
    if states_list is None and not instance.pk and needs_list is not None:
        states_list = default_beneficiaries(needs=needs_list)
    with transaction.atomic():
        _history(instance, user, reason)
        # One version of the project, its needs, States and delivery with it.
        with one_version(instance):
            instance.save()
            if needs_list is not None:
                instance.needs.set(needs_list)
            if states_list is not None:
                instance.states.set(states_list)
                # A State no longer named is no longer named on purpose either.
                instance.states_on_purpose.remove(
                    *instance.states_on_purpose.exclude(pk__in=[s.pk for s in states_list])
                )
            if activities is not None:
                instance.activities.set(list(activities))
        if lines is not None:
            _replace_lines(instance, lines, user=user, reason=reason)
    return instance


def _beneficiary_to_review(project: Project, state: State) -> InputProblem | None:
    """Why ``state`` may not be settled as one of ``project``'s beneficiary States resting only
    on confidential needs, or None."""
    if beneficiaries_to_review().filter(project_id=project.pk, state_id=state.pk).exists():
        return None
    return InputProblem(
        project_label(project),
        _("%(state)s is not a beneficiary State of this project waiting for review.")
        % {"state": state},
        column="state",
    )


def beneficiary_remove(*, user: Any, project: Project, state: State, reason: str = "") -> Project:
    """Take ``state`` out of ``project``'s beneficiary States, as the secretariat's answer to
    ``selectors.beneficiaries_to_review``: one version of the project, with ``reason`` or, left
    empty, a reason that says only what was done (everyone who reads the project's history
    reads it)."""
    _require(user, "funding.change_project", project)
    problem = _beneficiary_to_review(project, state)
    if problem:
        raise InvalidInput([problem])
    text = reason.strip() or reason_with(
        gettext_noop("%(state)s removed from the beneficiary States"), state=state.name_en
    )
    with transaction.atomic():
        _history(project, user, text)
        with one_version(project):
            project.states.remove(state)
    return project


def beneficiary_keep(*, user: Any, project: Project, state: State, reason: str) -> Project:
    """Keep ``state`` among ``project``'s beneficiary States though its needs in the project
    are all confidential: the secretariat's choice, made on purpose and said why (``reason``,
    required), kept in the project's history, which shows it to the secretariat alone
    (``Project.history_private``)."""
    _require(user, "funding.change_project", project)
    problems = []
    problem = _beneficiary_to_review(project, state)
    if problem:
        problems.append(problem)
    if not reason.strip():
        problems.append(
            InputProblem(
                project_label(project),
                _("Say why the State is kept on purpose."),
                column="reason",
            )
        )
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        _history(project, user, reason.strip())
        with one_version(project):
            project.states_on_purpose.add(state)
    return project


def _replace_lines(
    project: Project, lines: Sequence[tuple[str, Any]], *, user: Any, reason: str
) -> None:
    """The project's budget lines become ``lines``, line by line in their order: the n-th line
    is changed in place, so that its history shows each change of its description or amount
    (with ``reason``); lines beyond the new ones are deleted, new ones beyond the old added."""
    existing = list(project.budget_lines.order_by("pk"))
    for index, (description, amount) in enumerate(lines):
        text, value = str(description).strip(), Decimal(str(amount))
        line = existing[index] if index < len(existing) else BudgetLine(project=project)
        if line.pk and (line.description, line.amount) == (text, value):
            continue
        line.description, line.amount = text, value
        _history(line, user, reason)
        line.save()
    for line in existing[len(lines) :]:
        _history(line, user, reason)
        line.delete()


@dataclass
class ProjectFunding:
    """A project's budget, what is allocated to it and the gap, in the project's currency,
    with the rates used. Unpacks as ``budget, allocated, gap``."""

    currency: str
    budget: Decimal
    allocated: Decimal
    gap: Decimal
    rates: RatesUsed = field(default_factory=RatesUsed)
    # (allocation, amount in the project's currency, rounded) for each allocation.
    rows: list[tuple[Allocation, Decimal]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # translated MissingRate messages

    def __iter__(self) -> Any:
        return iter((self.budget, self.allocated, self.gap))

    @property
    def covered(self) -> bool:
        return not self.missing and self.budget > ZERO and self.gap <= ZERO


def project_budget(project: Project) -> Decimal:
    if hasattr(project, "budget_total"):  # annotated by a list of projects
        total = project.budget_total
    else:
        total = project.budget_lines.aggregate(total=Sum("amount"))["total"] if project.pk else None
    return cents(Decimal(total or 0))


def with_funding(projects: QuerySet[Project]) -> QuerySet[Project]:
    """``projects`` with what ``project_funding`` reads (budget and allocations) fetched for
    all of them at once."""
    return projects.annotate(budget_total=Sum("budget_lines__amount")).prefetch_related(
        Prefetch(
            "allocations",
            queryset=Allocation.objects.select_related("pledge__donor").order_by(
                "allocated_on", "pk"
            ),
            to_attr="allocations_in_order",
        )
    )


def project_funding(
    project: Project, *, on: date | None = None, rates: RatesUsed | None = None
) -> ProjectFunding:
    """Budget, allocated and gap in the project's currency. Each allocation is converted at the
    rate valid on the day it was made, or on ``on`` when given (screens and files give their
    as-of date: ``money.MoneyRule``), and rounded half up to the cent; the total is the sum of
    those rounded amounts. A missing rate does not raise: it is listed in ``missing`` and the
    allocation is left out of the total (so ``covered`` is False)."""
    budget = project_budget(project)
    rates = RatesUsed() if rates is None else rates  # a page's, shared by its projects
    rows: list[tuple[Allocation, Decimal]] = []
    missing: list[str] = []
    allocations = getattr(project, "allocations_in_order", None)
    if allocations is None:
        allocations = (
            project.allocations.select_related("pledge__donor").order_by("allocated_on", "pk")
            if project.pk
            else []
        )
    for allocation in allocations:
        when = on or allocation.allocated_on
        try:
            value = convert_exact(
                allocation.amount, allocation.pledge.currency, project.currency, when, used=rates
            )
        except MissingRate as exc:
            missing.append(str(exc))
            continue
        rows.append((allocation, cents(value)))
    allocated = cents(sum((value for _allocation, value in rows), ZERO))
    return ProjectFunding(
        currency=project.currency,
        budget=budget,
        allocated=allocated,
        gap=budget - allocated,
        rates=rates,
        rows=rows,
        missing=missing,
    )


def allowed_transitions(project: Project) -> list[str]:
    following = NEXT_STATUS.get(ProjectStatus(project.status))
    return [following.value] if following else []


def project_transition(
    *,
    user: Any,
    project: Project,
    to: str,
    reason: str = "",
    lesson: LessonLearned | None = None,
    lesson_data: Mapping[str, Any] | None = None,
    on: date | None = None,
) -> Project:
    """Move a project one step along concept → approved → funded → in delivery → closed.

    "Funded" needs allocations covering the whole budget under the money rule of the pages
    (``money.MoneyRule``): every allocation converted at the rates of one as-of date ``on``,
    today when not given, so that a project the pages show with a gap cannot be funded.
    Closing asks for the lessons learned: the project must already have one linked, or
    ``lesson`` links an existing one, or ``lesson_data`` (title, what_worked, what_did_not,
    recommendations …) records a draft lesson through ``lesson_save`` and links it.
    """
    _require(user, "funding.change_project", project)
    place = project_label(project)
    if to not in allowed_transitions(project):
        current = ProjectStatus(project.status).label
        target = ProjectStatus(to).label if to in ProjectStatus.values else to
        raise InvalidInput(
            [
                InputProblem(
                    place,
                    _("A project cannot go from “%(from)s” to “%(to)s”.")
                    % {"from": current, "to": target},
                )
            ]
        )
    if to == ProjectStatus.FUNDED:
        on = on or timezone.localdate()
        funding = project_funding(project, on=on)
        problems = [InputProblem(place, message) for message in funding.missing]
        if funding.budget <= ZERO:
            problems.append(InputProblem(place, _("The project has no budget yet.")))
        elif funding.gap > ZERO:
            problems.append(
                InputProblem(
                    place,
                    _(
                        "The allocations cover %(allocated)s of %(budget)s %(currency)s at "
                        "the exchange rates valid on %(date)s: %(gap)s %(currency)s is still "
                        "missing."
                    )
                    % {
                        "date": format_date(on),
                        "allocated": funding.allocated,
                        "budget": funding.budget,
                        "gap": funding.gap,
                        "currency": funding.currency,
                    },
                )
            )
        if problems:
            raise InvalidInput(problems)
    # One version of the project: its status and the lessons linked on closing.
    with transaction.atomic(), one_version(project):
        if to == ProjectStatus.CLOSED:
            if lesson is None and lesson_data:
                from infobase.needs.lessons import lesson_save

                data = dict(lesson_data)
                data.setdefault("activity", f"{project.code} — {project}")
                data.setdefault("is_demo", project.is_demo)
                # What the lesson says of the project comes from what the project publishes:
                # not a confidential need's State, article or kind.
                needs = list(
                    needs_visible_to(AnonymousUser()).filter(pk__in=project.needs.values("pk"))
                )
                lesson = lesson_save(
                    user=user,
                    instance=LessonLearned(),
                    data=data,
                    states=published_beneficiaries(project),
                    articles=Article.objects.filter(pk__in={n.article_id for n in needs}),
                    kinds=sorted({n.kind for n in needs}),
                    reason=reason,
                )
            if lesson is not None:
                project.lessons.add(lesson)
            if not project.lessons.exists():
                raise InvalidInput(
                    [
                        InputProblem(
                            place,
                            _(
                                "Closing a project asks for its lessons learned: link a lesson "
                                "or record a draft one."
                            ),
                        )
                    ]
                )
        project.status = to
        _history(project, user, reason)
        project.save(update_fields=["status"])
    return project


# --- Exchange rates ------------------------------------------------------------------------


def rate_save(
    *,
    user: Any,
    currency: str,
    per_usd: Any,
    valid_from: Any,
    source: str = "",
    reason: str = "",
) -> ExchangeRate:
    """Add a rate to the table, or correct the rate of a currency from the same day (the
    secretariat only)."""
    _require(user, "funding.add_exchangerate")
    place = _("Exchange rate")
    problems: list[InputProblem] = []
    code = normalise(currency)
    problem = _currency_problem(place, code)
    if problem:
        problems.append(problem)
    elif code == "USD":
        problems.append(
            InputProblem(
                place, _("The US dollar is always 1: it needs no rate."), column="currency"
            )
        )
    rate = _amount(per_usd)
    if rate is None or rate <= ZERO:
        problems.append(
            InputProblem(
                place,
                _("The rate must be a number greater than zero, not “%(value)s”.")
                % {"value": per_usd},
                column="per_usd",
            )
        )
    elif rate != rate.quantize(Decimal("0.000001")) or rate >= Decimal(10) ** 12:
        problems.append(
            InputProblem(
                place,
                _("The rate %(value)s has more than six decimals or is too large.")
                % {"value": rate},
                column="per_usd",
            )
        )
    if not isinstance(valid_from, date):
        problems.append(InputProblem(place, _("A date is required."), column="valid_from"))
    if problems:
        raise InvalidInput(problems)
    instance = ExchangeRate.objects.filter(currency=code, valid_from=valid_from).first()
    instance = instance or ExchangeRate(currency=code, valid_from=valid_from)
    instance.per_usd = rate  # type: ignore[assignment]
    instance.source = str(source or "").strip()
    _history(instance, user, reason)
    instance.save()
    return instance
