"""Automatic checks of mandates, and the status of a mandate.

Each check is a plain function ``(params, *, today, due_on) -> CheckResult`` registered in
``CHECKS`` under the code stored in ``Mandate.check_code``. A check reads only the information
base (sessions, documents, outcomes) and says what it looked for, in the active language.

Sessions are named in parameters as ``{"body": "cop", "number": 4}`` and looked up at each
evaluation, so a check follows the data when a session is added, moved or removed.

Every check looks at the information base as it stood on ``today``: a session counts once it has
ended by then, a document once it is dated by then, a decision once adopted by then. Every check
has a window with two ends: nothing before the previous Conference session counts for a
mandate due by the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, Q, prefetch_related_objects
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from infobase.core.i18n import format_date
from infobase.meetings.models import (
    Body,
    Document,
    DocumentKind,
    Mandate,
    MandateEvidence,
    ManualStatus,
    Outcome,
    OutcomeKind,
    Session,
    SessionKind,
    label,
)


class CheckStatus:
    MET = "met"
    NOT_MET = "not_met"
    NOT_YET_DUE = "not_yet_due"
    CANNOT_CHECK = "cannot_check"


STATUS_LABELS: dict[str, Any] = {
    CheckStatus.MET: pgettext_lazy("mandate check", "Met"),
    CheckStatus.NOT_MET: gettext_lazy("Not met"),
    CheckStatus.NOT_YET_DUE: gettext_lazy("Not yet due"),
    CheckStatus.CANNOT_CHECK: gettext_lazy("Cannot be checked"),
    **{value: label for value, label in ManualStatus.choices},
}

# Statuses that show a mandate carried out (or, for standing functions, being carried out).
SATISFIED = {CheckStatus.MET, ManualStatus.DONE, ManualStatus.ONGOING}


@dataclass(frozen=True)
class EvidenceItem:
    """A record that shows (part of) what a mandate asked for."""

    kind: str  # "session" | "document" | "outcome" | "link"
    label: str
    url: str
    on: date | None = None
    pk: int | None = None
    record: int | None = None  # the evidence row a person recorded (its history), if any


@dataclass(frozen=True)
class CheckResult:
    status: str
    explanation: str
    evidence: tuple[EvidenceItem, ...] = ()
    met_on: date | None = None  # when the mandate was first met, as far as the data shows
    # The last day on which meeting the mandate is on time, when the check knows it better than
    # the mandate's due date (a decision a session must take: that session's last day).
    due_by: date | None = None


CheckFunction = Callable[..., CheckResult]


# --- Helpers ----------------------------------------------------------------------------------


def find_session(ref: dict[str, Any] | None) -> Session | None:
    """The session named by ``{"body": code, "number": n}``, or None when not recorded."""
    if not ref:
        return None
    return (
        Session.objects.select_related("body")
        .filter(body__code=ref.get("body"), number=ref.get("number"))
        .first()
    )


def session_name(ref: dict[str, Any] | None) -> str:
    """A readable name for a session reference, whether or not the session is recorded."""
    session = find_session(ref)
    if session is not None:
        return str(session)
    ref = ref or {}
    body = Body.objects.filter(code=ref.get("body")).first()
    return _("session %(number)s of %(body)s") % {
        "number": ref.get("number", "?"),
        "body": body or ref.get("body", "?"),
    }


def previous_ref(ref: dict[str, Any] | None) -> dict[str, Any] | None:
    """The session before ``ref`` of the same body (Conference session N-1)."""
    if not ref or not isinstance(ref.get("number"), int) or ref["number"] < 2:
        return None
    return {"body": ref.get("body"), "number": ref["number"] - 1}


def body_name(code: str | None) -> str:
    body = Body.objects.filter(code=code).first()
    return str(body) if body else str(code or "?")


def session_evidence(session: Session) -> EvidenceItem:
    return EvidenceItem(
        "session",
        _("%(session)s, %(start)s – %(end)s")
        % {
            "session": session,
            "start": format_date(session.starts_on),
            "end": format_date(session.ends_on),
        },
        reverse("session_detail", args=[session.pk]),
        session.starts_on,
        session.pk,
    )


def _titled(name: str, labels: dict[str, str] | None) -> str:
    """``name — title`` (the title in the active language), or just ``name`` without a title."""
    title = label(labels)
    return f"{name} — {title}" if title else name


def document_evidence(document: Document) -> EvidenceItem:
    return EvidenceItem(
        "document",
        _titled(document.symbol, document.title),
        reverse("document_detail", args=[document.pk]),
        document.date,
        document.pk,
    )


def outcome_evidence(outcome: Outcome) -> EvidenceItem:
    return EvidenceItem(
        "outcome",
        _titled(str(outcome), outcome.title),
        reverse("outcome_detail", args=[outcome.pk]),
        outcome.adopted_on or outcome.session.ends_on,
        outcome.pk,
    )


def _found(
    what: str,
    evidence: tuple[EvidenceItem, ...],
    met_on: date | None,
    *,
    pending: bool,
    pending_explanation: str | None = None,
) -> CheckResult:
    """The result of looking for ``what``: met when ``evidence`` was found; otherwise not yet
    due while ``pending`` (explained by ``pending_explanation`` when given), else not met."""
    if evidence:
        return CheckResult(
            CheckStatus.MET, _("Looked for %(what)s: found.") % {"what": what}, evidence, met_on
        )
    if pending:
        return CheckResult(
            CheckStatus.NOT_YET_DUE,
            pending_explanation or _("Looked for %(what)s: none yet.") % {"what": what},
        )
    return CheckResult(CheckStatus.NOT_MET, _("Looked for %(what)s: none found.") % {"what": what})


def _not_recorded(ref: dict[str, Any] | None, *, today: date, due_on: date | None) -> CheckResult:
    """The session the check needs is not recorded: not yet due before the due date, else we
    cannot tell."""
    name = session_name(ref)
    if due_on is not None and today < due_on:
        return CheckResult(
            CheckStatus.NOT_YET_DUE,
            _("%(session)s is not recorded yet; the mandate is due on %(due)s.")
            % {"session": name, "due": format_date(due_on)},
        )
    return CheckResult(
        CheckStatus.CANNOT_CHECK,
        _("%(session)s is not recorded in the information base, so this cannot be checked.")
        % {"session": name},
    )


# --- The checks -------------------------------------------------------------------------------


def wg_met_during_session(
    params: dict[str, Any], *, today: date, due_on: date | None = None
) -> CheckResult:
    """The body had a session held during Conference session N (``params["conference"]``)."""
    conference = find_session(params.get("conference"))
    if conference is None:
        return _not_recorded(params.get("conference"), today=today, due_on=due_on)
    looked_for = _("a meeting of %(body)s held during %(session)s") % {
        "body": body_name(params.get("body")),
        "session": conference,
    }
    found = list(
        Session.objects.select_related("body")
        .filter(
            body__code=params.get("body"),
            during=conference,
            starts_on__gte=conference.starts_on,
            starts_on__lte=conference.ends_on,
            ends_on__lte=today,
        )
        .order_by("starts_on", "pk")
    )
    result = _found(
        looked_for,
        tuple(session_evidence(s) for s in found),
        found[0].ends_on if found else None,
        pending=today <= conference.ends_on,
        pending_explanation=_("Looked for %(what)s: none yet; the session ends on %(end)s.")
        % {"what": looked_for, "end": format_date(conference.ends_on)},
    )
    return replace(result, due_by=conference.ends_on)


def intersessional_between(
    params: dict[str, Any], *, today: date, due_on: date | None = None
) -> CheckResult:
    """At least one intersessional session of the body starting after the end of Conference
    session N (``after``) and before the start of session M (``before``; when M is not
    recorded, before the mandate's due date)."""
    after = find_session(params.get("after"))
    if after is None:
        return _not_recorded(params.get("after"), today=today, due_on=due_on)
    before = find_session(params.get("before"))
    limit = before.starts_on if before is not None else due_on
    if limit is None:
        return _not_recorded(params.get("before"), today=today, due_on=due_on)
    looked_for = _(
        "an intersessional meeting of %(body)s starting after %(after)s (ended %(end)s) and "
        "before %(limit)s"
    ) % {
        "body": body_name(params.get("body")),
        "after": after,
        "end": format_date(after.ends_on),
        "limit": format_date(limit),
    }
    found = list(
        Session.objects.select_related("body")
        .filter(
            body__code=params.get("body"),
            kind=SessionKind.INTERSESSIONAL,
            starts_on__gt=after.ends_on,
            starts_on__lt=limit,
            ends_on__lte=today,
        )
        .order_by("starts_on", "pk")
    )
    return _found(
        looked_for,
        tuple(session_evidence(s) for s in found),
        found[0].ends_on if found else None,
        pending=today < limit,
    )


def _report_check(
    *,
    kinds: Sequence[str],
    body: str | None,
    ref: dict[str, Any] | None,
    strictly_before: bool,
    today: date,
    due_on: date | None,
    what: str,
    after: dict[str, Any] | None = None,
) -> CheckResult:
    target = find_session(ref)
    limit = target.starts_on if target is not None else due_on
    if limit is None:
        return _not_recorded(ref, today=today, due_on=due_on)
    # The window opens when the previous session ends: a report for the third session is not
    # the report for the fourth.
    previous = find_session(after) if after else find_session(previous_ref(ref))
    if previous is None:
        return _not_recorded(after or previous_ref(ref), today=today, due_on=due_on)
    documents = Document.objects.filter(kind__in=kinds)
    if body:
        documents = documents.filter(body__code=body)
    dated = Q(date__lt=limit) if strictly_before else Q(date__lte=limit)
    if target is None:
        documents = documents.filter(dated)
    elif strictly_before:
        documents = documents.filter(Q(session=target) & dated)
    else:
        # Submitted to the session: undated, or dated no later than its last day.
        documents = documents.filter(
            Q(session=target, date__isnull=True)
            | Q(session=target, date__lte=target.ends_on)
            | dated
        )
    documents = documents.filter(Q(date__gt=previous.ends_on) | Q(date__isnull=True))
    # What was known on ``today``: dated by then (an undated one once its session began).
    documents = documents.filter(
        Q(date__lte=today) | Q(date__isnull=True, session__starts_on__lte=today)
    )
    found = list(documents.order_by("date", "symbol"))
    dates = [d.date for d in found if d.date]
    return _found(
        what,
        tuple(document_evidence(d) for d in found),
        min(dates) if dates else limit,
        pending=today < limit,
    )


def chair_report_before(
    params: dict[str, Any], *, today: date, due_on: date | None = None
) -> CheckResult:
    """A chair's report of the body, attached to Conference session N or dated on or before
    its first day."""
    what = _(
        "a report of the chair of %(body)s for %(session)s (dated after the previous session "
        "and on or before its first day, or submitted to it)"
    ) % {"body": body_name(params.get("body")), "session": session_name(params.get("conference"))}
    return _report_check(
        kinds=[DocumentKind.CHAIR_REPORT],
        body=params.get("body"),
        ref=params.get("conference"),
        after=params.get("after"),
        strictly_before=False,
        today=today,
        due_on=due_on,
        what=what,
    )


def secretariat_report_before(
    params: dict[str, Any], *, today: date, due_on: date | None = None
) -> CheckResult:
    """A report of the Secretariat on technical assistance for Conference session N, dated
    before it starts."""
    what = _(
        "a report of the Secretariat on technical assistance for %(session)s, dated after the "
        "previous session and before it starts"
    ) % {"session": session_name(params.get("conference"))}
    return _report_check(
        kinds=[DocumentKind.SECRETARIAT_TA_REPORT],
        body=None,
        ref=params.get("conference"),
        after=params.get("after"),
        strictly_before=True,
        today=today,
        due_on=due_on,
        what=what,
    )


def needs_reviewed(
    params: dict[str, Any], *, today: date, due_on: date | None = None
) -> CheckResult:
    """A session of the body whose record lists needs of the register it reviewed (before
    Conference session ``before`` when given)."""
    sessions = Session.objects.select_related("body").filter(
        body__code=params.get("body"), needs_reviewed__isnull=False, ends_on__lte=today
    )
    before = find_session(params.get("before")) if params.get("before") else None
    limit = before.starts_on if before is not None else due_on
    if limit is not None:
        sessions = sessions.filter(starts_on__lt=limit)
    # The window opens with the previous Conference session (sessions held during it count).
    opening = find_session(params.get("after") or previous_ref(params.get("before")))
    if opening is not None:
        sessions = sessions.filter(starts_on__gte=opening.starts_on)
    what = _("a session of %(body)s that reviewed needs of the register") % {
        "body": body_name(params.get("body"))
    }
    if limit is not None:
        what = _("%(what)s before %(limit)s") % {"what": what, "limit": format_date(limit)}
    found = list(sessions.distinct().order_by("starts_on", "pk"))
    return _found(
        what,
        tuple(session_evidence(s) for s in found),
        found[0].ends_on if found else None,
        pending=limit is None or today < limit,
    )


def decision_taken_at(
    params: dict[str, Any], *, today: date, due_on: date | None = None
) -> CheckResult:
    """A decision of Conference session N that reviews the body."""
    conference = find_session(params.get("conference"))
    if conference is None:
        return _not_recorded(params.get("conference"), today=today, due_on=due_on)
    what = _("a decision of %(session)s reviewing %(body)s") % {
        "session": conference,
        "body": body_name(params.get("body")),
    }
    found = list(
        Outcome.objects.select_related("session")
        .filter(
            kind=OutcomeKind.DECISION,
            session=conference,
            reviews_body__code=params.get("body"),
        )
        # Adopted during the session and by ``today`` (undated: on the session's last day).
        .filter(
            Q(adopted_on__gte=conference.starts_on, adopted_on__lte=conference.ends_on)
            | Q(adopted_on__isnull=True)
        )
        .filter(Q(adopted_on__lte=today) | Q(adopted_on__isnull=True, session__ends_on__lte=today))
        .order_by("number")
    )
    result = _found(
        what,
        tuple(outcome_evidence(o) for o in found),
        (found[0].adopted_on or conference.ends_on) if found else None,
        pending=today <= conference.ends_on,
        pending_explanation=_("Looked for %(what)s: none yet; the session ends on %(end)s.")
        % {"what": what, "end": format_date(conference.ends_on)},
    )
    # The decision is the session's to take: taken during it is on time.
    return replace(result, due_by=conference.ends_on)


def all_of(params: dict[str, Any], *, today: date, due_on: date | None = None) -> CheckResult:
    """Several checks that must all be met (``params["checks"]``: a list of parameter maps,
    each with its ``check`` code): not met when one is not met; otherwise not yet due or
    cannot be checked when one is; met when all are."""
    results = [
        run_check(str(sub.get("check", "")), sub, today=today, due_on=due_on)
        for sub in params.get("checks", [])
    ]
    if not results:
        return CheckResult(CheckStatus.CANNOT_CHECK, _("No check is configured."))
    statuses = {r.status for r in results}
    for status in (CheckStatus.NOT_MET, CheckStatus.CANNOT_CHECK, CheckStatus.NOT_YET_DUE):
        if status in statuses:
            break
    else:
        status = CheckStatus.MET
    met_dates = [r.met_on for r in results if r.met_on]
    due_bys = [r.due_by for r in results if r.due_by]
    return CheckResult(
        status,
        " ".join(r.explanation for r in results),
        tuple(item for r in results for item in r.evidence),
        max(met_dates) if status == CheckStatus.MET and met_dates else None,
        # On time only when every part is: the latest part against the earliest own deadline.
        min(due_bys) if due_bys and len(due_bys) == len(results) else None,
    )


CHECKS: dict[str, CheckFunction] = {
    "wg_met_during_session": wg_met_during_session,
    "intersessional_between": intersessional_between,
    "chair_report_before": chair_report_before,
    "secretariat_report_before": secretariat_report_before,
    "needs_reviewed": needs_reviewed,
    "decision_taken_at": decision_taken_at,
    "all_of": all_of,
}


def run_check(
    code: str, params: dict[str, Any], *, today: date, due_on: date | None
) -> CheckResult:
    check = CHECKS.get(code)
    if check is None:
        return CheckResult(
            CheckStatus.CANNOT_CHECK, _("Unknown automatic check “%(code)s”.") % {"code": code}
        )
    return check(params, today=today, due_on=due_on)


# --- A mandate's status -----------------------------------------------------------------------


@dataclass(frozen=True)
class MandateState:
    """Where a mandate stands on ``today``: from its automatic check, or as set by a person."""

    mandate: Mandate
    automatic: bool
    status: str
    explanation: str
    evidence: tuple[EvidenceItem, ...]
    due_date: date | None
    is_due: bool
    met_on: date | None
    set_by: str = ""
    # The last day on which being met is on time (the due date unless the check knows better).
    due_by: date | None = None
    set_on: datetime | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def is_satisfied(self) -> bool:
        return self.status in SATISFIED

    @property
    def is_failing(self) -> bool:
        """Not met (or not done), or due and not shown to be met: what ``mandates-check`` fails
        on."""
        if self.status in {CheckStatus.NOT_MET, ManualStatus.NOT_DONE}:
            return True
        return self.is_due and not self.is_satisfied and self.status != CheckStatus.NOT_YET_DUE

    @property
    def on_time(self) -> bool | None:
        """Met by the due date (for a decision a session must take: during or before that
        session); None when it is not met or has no due date."""
        deadline = self.due_by or self.due_date
        if not self.is_satisfied or self.met_on is None or deadline is None:
            return None
        return self.met_on <= deadline


# The evidence rows of mandates with what they point to, fetched once for a list of mandates.
EVIDENCE = Prefetch(
    "evidence",
    queryset=MandateEvidence.objects.select_related(
        "session__body", "document", "outcome__session"
    ),
)


def manual_evidence(mandate: Mandate) -> tuple[EvidenceItem, ...]:
    prefetch_related_objects([mandate], EVIDENCE)  # no query when already prefetched
    items = []
    for row in mandate.evidence.all():
        if row.document_id:
            item = document_evidence(row.document)  # type: ignore[arg-type]
        elif row.outcome_id:
            item = outcome_evidence(row.outcome)  # type: ignore[arg-type]
        elif row.session_id:
            item = session_evidence(row.session)  # type: ignore[arg-type]
        else:
            item = EvidenceItem("link", row.label or row.url, row.url)
        items.append(replace(item, record=row.pk))
    return tuple(items)


def evaluate_mandate(mandate: Mandate, *, today: date) -> MandateState:
    """The mandate's state as on ``today``: evidence dated later does not count."""
    due = mandate.due_date
    is_due = due is not None and due <= today
    extra = tuple(item for item in manual_evidence(mandate) if item.on is None or item.on <= today)
    if mandate.check_code:
        result = run_check(
            mandate.check_code, mandate.check_params or {}, today=today, due_on=mandate.due_on
        )
        return MandateState(
            mandate=mandate,
            automatic=True,
            status=result.status,
            explanation=result.explanation,
            evidence=result.evidence + extra,
            due_date=due,
            is_due=is_due,
            met_on=result.met_on,
            due_by=result.due_by or due,
        )
    user = mandate.status_set_by
    met_on = None
    if mandate.manual_status in SATISFIED and mandate.status_set_on:
        met_on = mandate.status_set_on.date()
    return MandateState(
        mandate=mandate,
        automatic=False,
        status=mandate.manual_status,
        explanation=mandate.evidence_note,
        evidence=extra,
        due_date=due,
        is_due=is_due,
        met_on=met_on,
        set_by=(user.get_full_name() or user.get_username()) if user else "",
        set_on=mandate.status_set_on,
    )


def evaluate_decision(decision: Outcome, *, today: date) -> list[MandateState]:
    mandates = (
        decision.mandates.select_related("due_session__body", "body", "status_set_by", "decision")
        .prefetch_related(EVIDENCE)
        .order_by("position", "pk")
    )
    return [evaluate_mandate(m, today=today) for m in mandates]
