"""Who may do what: the one place permissions are defined.

Views, the admin (through ``rules``' object permission backend), exports and the API all ask
``user.has_perm(name, obj)`` or use the scoping functions below; none decides on its own.
"""

from __future__ import annotations

from typing import Any, TypeVar

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from infobase.accounts.models import Role

M = TypeVar("M", bound=Model)


@rules.predicate
def is_secretariat(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_secretariat)


@rules.predicate
def is_focal_point(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.FOCAL_POINT)


@rules.predicate
def is_wg_member(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.WG_MEMBER)


@rules.predicate
def is_donor(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == Role.DONOR)


def state_id_of(obj: Any) -> int | None:
    """The State a record belongs to: the State itself, or the record's ``state``."""
    # Recognised by its model label: the reference app sits above accounts and is not imported.
    if getattr(getattr(obj, "_meta", None), "label_lower", "") == "reference.state":
        return obj.pk
    return getattr(obj, "state_id", None)


@rules.predicate
def acts_for_state_of(user: Any, obj: Any) -> bool:
    """True for a focal point bound to the record's State.

    With no object (a list or "add" screen) it is true for any focal point: the list is then
    scoped with ``scope_to_user``.
    """
    if not (user.is_authenticated and user.state_id):
        return False
    if obj is None:
        return True
    return state_id_of(obj) == user.state_id


everyone = rules.always_allow
state_focal_point = is_focal_point & acts_for_state_of

# Reference data is public; only the secretariat changes it.
for model in (
    "state",
    "instrument",
    "article",
    "participation",
    "organization",
    "codelist",
    "codelistitem",
):
    rules.add_perm(f"reference.view_{model}", everyone)
    for action in ("add", "change", "delete"):
        rules.add_perm(f"reference.{action}_{model}", is_secretariat)

# National contacts are personal data: the secretariat, and the State's own focal points.
for action in ("view", "add", "change", "delete"):
    rules.add_perm(f"reference.{action}_statecontact", is_secretariat | state_focal_point)

for action in ("view", "add", "change", "delete"):
    rules.add_perm(f"accounts.{action}_user", is_secretariat)
    rules.add_perm(f"demo.{action}_demodataset", is_secretariat)

rules.add_perm("infobase.view_history", is_secretariat | state_focal_point)


@rules.predicate
def requested_job(user: Any, job: Any) -> bool:
    return bool(user.is_authenticated and job is not None and job.requested_by_id == user.pk)


# A background job's page: the person who asked for it, and the secretariat.
rules.add_perm("core.view_job", is_secretariat | requested_job)


@rules.predicate
def is_signed_in(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


state_delegate = is_wg_member & acts_for_state_of

# Questionnaires: the secretariat authors, dispatches and reviews; a State's focal points
# answer for their State only; its working-group delegate may read its answers.
rules.add_perm("questionnaires.view_questionnaire", is_signed_in)
for action in ("add", "change", "delete"):
    rules.add_perm(f"questionnaires.{action}_questionnaire", is_secretariat)
rules.add_perm("questionnaires.dispatch_questionnaire", is_secretariat)
rules.add_perm(
    "questionnaires.view_assignment", is_secretariat | state_focal_point | state_delegate
)
rules.add_perm("questionnaires.view_answer", is_secretariat | state_focal_point | state_delegate)
rules.add_perm("questionnaires.answer_assignment", is_secretariat | state_focal_point)
rules.add_perm("questionnaires.review_assignment", is_secretariat)
rules.add_perm("questionnaires.view_responses", is_secretariat)
rules.add_perm("questionnaires.import_submissions", is_secretariat)


@rules.predicate
def is_wg_chair(user: Any) -> bool:
    return bool(is_wg_member(user) and user.is_wg_chair)


@rules.predicate
def is_not_confidential(user: Any, obj: Any) -> bool:
    return obj is None or not getattr(obj, "confidential", False)


own_state = state_focal_point | state_delegate

# Requests for assistance: the State's own focal points file and follow them; the secretariat
# records, reviews and moves them on. Nobody else sees them one by one.
rules.add_perm("needs.view_assistancerequest", is_secretariat | own_state)
rules.add_perm("needs.add_assistancerequest", is_secretariat | state_focal_point)
rules.add_perm("needs.change_assistancerequest", is_secretariat)
rules.add_perm("needs.withdraw_assistancerequest", is_secretariat | state_focal_point)
rules.add_perm("needs.import_assistancerequests", is_secretariat)
# Lessons learned are shared knowledge for everyone signed in; the secretariat records them.
rules.add_perm("needs.view_lessonlearned", is_signed_in)
for action in ("add", "change", "delete"):
    rules.add_perm(f"needs.{action}_lessonlearned", is_secretariat)
# The needs register: the working group and donors review it, without confidential needs of
# other States; the secretariat decides (merge, split, close); the chair may pin or exclude.
# Whoever reads the register may open every need it lists (another State's public needs for a
# focal point too: the page shows it only the sources that are not confidential).
reads_register = is_secretariat | is_wg_member | is_donor | is_focal_point
sees_need = is_secretariat | own_state | (reads_register & is_not_confidential)
rules.add_perm("needs.view_need", sees_need)
rules.add_perm("needs.view_register", reads_register)
rules.add_perm("needs.decide_need", is_secretariat)
# The chair pins and excludes the needs the chair may see, never another State's confidential
# one (the bulk decision takes needs by their identifiers).
rules.add_perm("needs.rank_need", is_secretariat | (is_wg_chair & sees_need))
rules.add_perm("needs.view_workprogramme", everyone)
# A programme's priorities and the weights of the score are shown with the programmes.
rules.add_perm("needs.view_prioritytheme", everyone)
rules.add_perm("needs.view_scoringweights", everyone)
for action in ("add", "change", "delete"):
    rules.add_perm(f"needs.{action}_workprogramme", is_secretariat)
    rules.add_perm(f"needs.{action}_prioritytheme", is_secretariat)
    rules.add_perm(f"needs.{action}_scoringweights", is_secretariat)
rules.add_perm("infobase.use_admin", is_secretariat)


def scope_to_user(
    user: Any, queryset: QuerySet[M], *, delegates: bool = False, state_field: str = "state_id"
) -> QuerySet[M]:
    """Rows of a State-owned model that ``user`` may see: all for the secretariat, the own
    State's for a focal point (and, with ``delegates``, for a working-group delegate), none for
    anyone else."""
    if is_secretariat(user):
        return queryset
    own_state = is_focal_point(user) or (delegates and is_wg_member(user))
    if own_state and user.state_id:
        return queryset.filter(**{state_field: user.state_id})
    return queryset.none()


@rules.predicate
def provides_activity(user: Any, activity: Any) -> bool:
    """A donor's own activity: provided by the donor's organization."""
    if activity is None:
        return True
    org = getattr(user, "organization_id", None)
    return bool(org and activity.provider_id == org)


@rules.predicate
def activity_in_own_state(user: Any, activity: Any) -> bool:
    if activity is None:
        return True
    state = getattr(user, "state_id", None)
    return bool(state and activity.recipients.filter(state_id=state).exists())


# Activities: who does what where. Everyone signed in reads; the secretariat and donors record
# (donors only their own organization's); focal points comment on activities in their State.
rules.add_perm("activities.view_activity", is_signed_in)
rules.add_perm("activities.add_activity", is_secretariat | is_donor)
rules.add_perm("activities.change_activity", is_secretariat | (is_donor & provides_activity))
rules.add_perm("activities.delete_activity", is_secretariat)
rules.add_perm(
    "activities.comment_activity", is_secretariat | (is_focal_point & activity_in_own_state)
)
rules.add_perm("activities.import_iati", is_secretariat)
rules.add_perm("activities.export_iati", is_secretariat)
rules.add_perm("activities.decide_link", is_secretariat)
reads_coverage = is_secretariat | is_wg_member | is_donor | is_focal_point
rules.add_perm("activities.view_coverage", reads_coverage)


@rules.predicate
def sees_linked_need(user: Any, link: Any) -> bool:
    """A coverage link goes with its need: another State's confidential need stays hidden."""
    return link is None or user.has_perm("needs.view_need", link.need)


# A coverage link (and its decision) is shown on the page of its need's coverage.
rules.add_perm("activities.view_needlink", reads_coverage & sees_linked_need)


@rules.predicate
def is_own_pledge(user: Any, pledge: Any) -> bool:
    if pledge is None:
        return True
    org = getattr(user, "organization_id", None)
    return bool(org and pledge.donor_id == org)


# Resources and projects: a donor sees its own pledges one by one and everything else only in
# aggregates; the working group sees aggregates; the secretariat records and allocates.
rules.add_perm("funding.view_pledge", is_secretariat | (is_donor & is_own_pledge))
for action in ("add", "change", "delete"):
    rules.add_perm(f"funding.{action}_pledge", is_secretariat)
    rules.add_perm(f"funding.{action}_exchangerate", is_secretariat)
    rules.add_perm(f"funding.{action}_project", is_secretariat)
rules.add_perm("funding.view_exchangerate", is_signed_in)
rules.add_perm("funding.view_project", is_signed_in)


@rules.predicate
def sees_project_of(user: Any, row: Any) -> bool:
    return row is None or user.has_perm("funding.view_project", row.project)


@rules.predicate
def sees_pledge_of(user: Any, row: Any) -> bool:
    return row is None or user.has_perm("funding.view_pledge", row.pledge)


# A budget line follows its project; an allocation also its pledge (a donor sees only its own
# pledges one by one: the others' allocations appear on a project's page only in aggregate).
rules.add_perm("funding.view_budgetline", is_signed_in & sees_project_of)
rules.add_perm("funding.view_allocation", is_signed_in & sees_project_of & sees_pledge_of)
rules.add_perm("funding.view_overview", is_secretariat | is_wg_member | is_donor)
rules.add_perm("funding.allocate", is_secretariat)
rules.add_perm("funding.view_proposal", is_secretariat)


def scope_pledges(user: Any, queryset: QuerySet[M]) -> QuerySet[M]:
    """Pledges ``user`` may see one by one (``funding.view_pledge`` as a filter): all for the
    secretariat, a donor's own organization's, none for anyone else."""
    if is_secretariat(user):
        return queryset
    org = getattr(user, "organization_id", None)
    if is_donor(user) and org:
        return queryset.filter(donor_id=org)
    return queryset.none()


def require(user: Any, perm: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless ``user`` has ``perm`` (on ``obj``): for views and services."""
    if not user.has_perm(perm, obj):
        raise PermissionDenied


def require_seen(user: Any, perm: str, obj: Any) -> None:
    """Raise Http404 unless ``user`` has ``perm`` on ``obj``: for the page of one record that
    ``user`` may not see at all. It answers as for a record that does not exist: a 403 would
    confirm that the record exists, and trying identifiers one by one would then count what
    is kept from ``user`` (another State's confidential needs, its requests)."""
    if not user.has_perm(perm, obj):
        raise Http404


# --- Meetings: bodies, sessions, documents, outcomes and mandates (infobase.meetings) --------
# The public browses sessions, outcomes, mandates and documents of general distribution marked
# public; working-group members and the secretariat see every document; only the secretariat
# records and edits (also in the admin) and sets the status of mandates.


@rules.predicate
def is_public_document(user: Any, document: Any) -> bool:
    """A document anyone may read: public and of general distribution (true with no object:
    lists are scoped with ``scope_documents``)."""
    if document is None:
        return True
    return bool(document.is_public and document.distribution == "general")


for model in (
    "body",
    "membership",
    "session",
    "agendaitem",
    "sessionparticipant",
    "outcome",
    "mandate",
    "mandateevidence",
):
    if model != "mandateevidence":
        rules.add_perm(f"meetings.view_{model}", everyone)
    for action in ("add", "change", "delete"):
        rules.add_perm(f"meetings.{action}_{model}", is_secretariat)
for model in ("document", "documentfile"):
    for action in ("add", "change", "delete"):
        rules.add_perm(f"meetings.{action}_{model}", is_secretariat)
rules.add_perm("meetings.view_document", is_secretariat | is_wg_member | is_public_document)


@rules.predicate
def sees_evidence_document(user: Any, evidence: Any) -> bool:
    """A mandate's evidence row pointing at a document shows it: only to those who may see
    the document (a document of limited distribution is not named to the public)."""
    document = getattr(evidence, "document", None)
    return document is None or user.has_perm("meetings.view_document", document)


rules.add_perm("meetings.view_mandateevidence", sees_evidence_document)
rules.add_perm("meetings.view_documentfile", is_secretariat | is_wg_member)
rules.add_perm("meetings.view_all_documents", is_secretariat | is_wg_member)
rules.add_perm("meetings.set_mandate_status", is_secretariat)


def scope_documents(user: Any, queryset: QuerySet[M]) -> QuerySet[M]:
    """Documents ``user`` may see: all for the secretariat and working-group members, public
    documents of general distribution for everyone else."""
    if is_secretariat(user) or is_wg_member(user):
        return queryset
    return queryset.filter(is_public=True, distribution="general")


# --- Reports ------------------------------------------------------------------------------
# The secretariat produces and publishes reports; published reports are public. The delegate
# who chairs the working group reads and prepares the Chair's report (and no other report).
CHAIR_REPORT = "chair"


@rules.predicate
def is_chair_report(user: Any, report: Any) -> bool:
    """True for the Chair's report, given as its slug, a report class or a run (true with no
    object: the list of reports is then limited to those the user may request)."""
    if report is None:
        return True
    slug = report if isinstance(report, str) else getattr(report, "slug", None)
    if slug is None:
        slug = getattr(report, "report", None)  # a ReportRun
    return slug == CHAIR_REPORT


rules.add_perm("reports.request_report", is_secretariat | (is_wg_chair & is_chair_report))
rules.add_perm("reports.view_reportrun", is_secretariat | (is_wg_chair & is_chair_report))
rules.add_perm("reports.publish_report", is_secretariat)
rules.add_perm("reports.view_publication", everyone)


@rules.predicate
def needs_second_factor(user: Any) -> bool:
    """The secretariat and anyone who can reach the admin must verify a second factor."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_secretariat or user.is_staff or user.is_superuser)
    )


# The security audit log: read by the secretariat, written only by the application.
rules.add_perm("accounts.view_authevent", is_secretariat)
for action in ("add", "change", "delete"):
    rules.add_perm(f"accounts.{action}_authevent", rules.always_deny)

# Second-factor devices: the secretariat may see and remove a colleague's lost device (the
# colleague then enrols again); only their owner creates them, through the enrolment step.
for device in ("otp_totp.%s_totpdevice", "otp_static.%s_staticdevice"):
    for action in ("view", "delete"):
        rules.add_perm(device % action, is_secretariat)
