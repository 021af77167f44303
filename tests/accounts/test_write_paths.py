"""Every URL that changes something, found by walking the URLconf, and who may use it.

``write_methods`` tells a write endpoint from a page: an API route with a POST, PUT, PATCH or
DELETE action, a class-based view with such a handler, a function view limited to POST, or a
function view that reads the request's form or files (itself or through a function of its own
module it calls). Each one must be in ``WRITES`` (the role matrix below: every persona who may
not use it sends a body the allowed persona's succeeds with, and the database records no write
at all) or in ``OWN_ACCOUNT`` (what one does to one's own account) with the tests that cover it.
A new write endpoint in neither makes ``test_every_write_endpoint_names_a_test_of_who_may_use_it``
fail.

Writes are seen in the SQL itself (``connection.execute_wrapper``): INSERT, UPDATE and DELETE
statements on any table but the session's, the sign-in throttle's and a token's time of last
use.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import rest_framework.authentication
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.views.generic import RedirectView
from rest_framework.views import APIView

from infobase.accounts.models import Role, User
from infobase.activities.models import Activity, ActivitySource, ProviderKind, Recipient
from infobase.api.authentication import SessionAuthentication
from infobase.api.tokens import token_create
from infobase.funding.models import Pledge, Project, Proposal
from infobase.meetings.loaders import load_mandates
from infobase.meetings.models import Mandate, Session
from infobase.needs.models import AssistanceRequest, LessonLearned, Need, RequestStatus
from infobase.questionnaires.models import Answer, Assignment, AssignmentStatus, Questionnaire
from infobase.reference.models import Article, Instrument, Organization, State, StateContact
from infobase.reports.models import Publication, ReportRun, RunStatus
from tests.api.conftest import make_need
from tests.conftest import client_for, make_user, request_form
from tests.questionnaires.conftest import build_questionnaire

ROOT = Path(__file__).resolve().parents[2]
WRITE_METHODS = {"post", "put", "patch", "delete"}

# --- Finding the write endpoints ----------------------------------------------------------------


def endpoints() -> Iterator[tuple[str, str, Callable[..., Any]]]:
    """(name with its namespace, route, view) of every URL but the admin's."""

    def walk(patterns: list[Any], prefix: str, space: list[str]) -> Iterator[Any]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route.startswith("admin/"):
                    continue  # the secretariat's, behind use_admin (test_permissions)
                inner = [*space, pattern.namespace] if pattern.namespace else space
                yield from walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                yield ":".join([*space, pattern.name or route]), route, pattern.callback

    return walk(get_resolver().url_patterns, "", [])


def allowed_methods(view: Callable[..., Any]) -> set[str] | None:
    """The methods a ``require_http_methods`` decorator (``require_POST`` …) lets through, or
    None when the view takes any method."""
    func: Any = view
    while func is not None:
        for cell in getattr(func, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if (
                isinstance(value, list | tuple)
                and value
                and all(isinstance(m, str) and m.isupper() for m in value)
            ):
                return {m.lower() for m in value}
        func = getattr(func, "__wrapped__", None)
    return None


@cache
def _module_functions(module: str) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(inspect.getsource(sys.modules[module]))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def reads_the_form(view: Callable[..., Any]) -> bool:
    """Whether the view, or a function of its module it calls, reads ``request.POST`` or
    ``request.FILES``."""
    func = inspect.unwrap(view)
    functions = _module_functions(func.__module__)
    todo, seen = [func.__name__], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Attribute) and node.attr in ("POST", "FILES"):
                return True
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                todo.append(node.func.id)
    return False


def write_methods(view: Callable[..., Any]) -> set[str]:
    actions = getattr(view, "actions", None)
    if actions is not None:  # a route of an API viewset
        return set(actions) & WRITE_METHODS
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    if view_class is not None:
        if issubclass(view_class, RedirectView):
            return set()  # answers every method with the same redirect
        return {
            m for m in WRITE_METHODS if m in view_class.http_method_names and hasattr(view_class, m)
        }
    allowed = allowed_methods(view)
    if allowed is not None and not allowed & WRITE_METHODS:
        return set()
    if allowed is not None and not allowed - WRITE_METHODS:
        return allowed
    return {"post"} if reads_the_form(view) else set()


def write_endpoints() -> dict[str, set[str]]:
    return {name: m for name, _route, view in endpoints() if (m := write_methods(view))}


# --- Seeing writes -------------------------------------------------------------------------------

WRITE_SQL = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)\s+"?([\w.]+)"?',
    re.IGNORECASE,
)
# Tables any request may write: the session (and its expiry), the sign-in throttle and a
# personal access token's time of last use.
BOOKKEEPING = {
    "django_session",
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
    "api_accesstoken",
}


@contextmanager
def writes() -> Iterator[list[str]]:
    """The tables written by the statements run inside the block."""
    tables: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        found = WRITE_SQL.match(sql)
        if found and found.group(1) not in BOOKKEEPING:
            tables.append(found.group(1))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield tables


# --- A small world with one record of each kind a write endpoint names ---------------------------


@dataclass
class World:
    egypt: State
    senegal: State
    contact: StateContact
    questionnaire: Questionnaire
    assignment: Assignment  # Egypt's, being answered
    submitted: Assignment  # Egypt's, waiting for review
    request: AssistanceRequest  # Egypt's
    lesson: LessonLearned
    need: Need  # Egypt's
    activity: Activity  # recorded by hand by the donor's organization, in Egypt
    pledge: Pledge
    project: Project
    proposal: Proposal
    session: Session
    mandate: Mandate
    run: ReportRun  # the Chair's report
    publication: Publication


PERSONAS = ("anonymous", "focal_egypt", "focal_senegal", "delegate", "donor", "secretariat")


def _personas() -> dict[str, User | None]:
    """The shared personas of ``tests/conftest.py``, under names of their own."""
    mexico = State.objects.get(iso3="MEX")
    fund = Organization.objects.create(code="write-fund", name_en="Write Fund", kind="fund")
    return {
        "anonymous": None,
        "focal_egypt": make_user(
            "w-hoda",
            role=Role.FOCAL_POINT,
            state=State.objects.get(iso3="EGY"),
            email="hoda@example.org",  # the reminder goes to the State's focal points
        ),
        "focal_senegal": make_user(
            "w-awa", role=Role.FOCAL_POINT, state=State.objects.get(iso3="SEN")
        ),
        "delegate": make_user("w-diego", role=Role.WG_MEMBER, state=mexico, is_wg_chair=True),
        "donor": make_user("w-dana", role=Role.DONOR, organization=fund),
        "secretariat": make_user("w-alice", role=Role.SECRETARIAT, is_staff=True),
    }


def _world(personas: dict[str, User | None]) -> World:
    egypt, senegal = State.objects.get(iso3="EGY"), State.objects.get(iso3="SEN")
    donor = personas["donor"]
    assert donor is not None
    questionnaire = build_questionnaire(cycle_number=95, code="write-q")
    reviewed = build_questionnaire(cycle_number=96, code="write-q-review")
    deadline = date(2030, 1, 31)
    now = timezone.now()
    activity = Activity.objects.create(
        iati_identifier="XM-INFOBASE-9001",
        source=ActivitySource.MANUAL,
        provider=donor.organization,
        provider_kind=ProviderKind.OTHER,
        title={"en": "Training of judges"},
    )
    Recipient.objects.create(activity=activity, state=egypt)
    load_mandates()
    return World(
        egypt=egypt,
        senegal=senegal,
        contact=StateContact.objects.create(
            state=egypt, name="Contact EG", email="eg@example.org", language="ar"
        ),
        questionnaire=questionnaire,
        assignment=Assignment.objects.create(
            questionnaire=questionnaire, state=egypt, deadline=deadline, dispatched_at=now
        ),
        submitted=Assignment.objects.create(
            questionnaire=reviewed,
            state=egypt,
            deadline=deadline,
            dispatched_at=now,
            status=AssignmentStatus.SUBMITTED,
            submitted_at=now,
        ),
        request=AssistanceRequest.objects.create(
            state=egypt,
            instrument=Instrument.objects.get(code="untoc"),
            title="Training of investigators",
            description="d",
            urgency="high",
            received_on=date(2026, 3, 1),
            source="web",
        ),
        lesson=LessonLearned.objects.create(title="Mentoring works", activity="Workshop"),
        need=make_need("EGY", 5),
        activity=activity,
        pledge=Pledge.objects.create(
            donor=donor.organization,
            amount=Decimal("1000"),
            currency="USD",
            pledged_on=date(2026, 1, 1),
            status="pledged",
        ),
        project=Project.objects.create(code="P-WRITE-1"),
        proposal=Proposal.objects.create(method="greedy", status="optimal"),
        session=Session.objects.order_by("pk").first(),  # type: ignore[arg-type]
        mandate=Mandate.objects.order_by("pk").first(),  # type: ignore[arg-type]
        run=ReportRun.objects.create(
            report="chair", lang="en", fmt="pdf", fingerprint="write-test", status=RunStatus.DONE
        ),
        publication=Publication.objects.create(report="chair", fingerprint="write-test"),
    )


@pytest.fixture(scope="module")
def shared(
    django_db_setup: Any, django_db_blocker: Any
) -> Iterator[tuple[World, dict[str, User | None]]]:
    """The personas and the world, made once for the module in a transaction rolled back after
    it; each test's own writes are rolled back after the test."""
    with django_db_blocker.unblock(), transaction.atomic():
        personas = _personas()
        yield _world(personas), personas
        transaction.set_rollback(True)


@pytest.fixture
def world(shared: tuple[World, dict[str, User | None]], db: None) -> World:
    return shared[0]


@pytest.fixture
def personas(shared: tuple[World, dict[str, User | None]], db: None) -> dict[str, User | None]:
    return shared[1]


# --- The role matrix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """One write endpoint: its arguments, a body that works for ``allowed[0]`` (``control``: that
    persona's request must write, so the body is a real one), and who may use it. Without a
    control, everyone else must be refused (403 or 404) before the body is looked at."""

    name: str
    allowed: tuple[str, ...]
    args: Callable[[World], list[Any]] = lambda w: []
    body: Callable[[World], dict[str, Any]] = lambda w: {}
    control: bool = True
    method: str = "post"
    api: bool = False
    headers: Callable[[World], dict[str, str]] = lambda w: {}
    label: str = ""

    @property
    def id(self) -> str:
        return self.name + (f"-{self.label}" if self.label else "")

    def url(self, world: World) -> str:
        args = self.args(world)
        if self.api:
            names = re.findall(r"\(\?P<(\w+)>", _route(self.name))
            return reverse(self.name, kwargs=dict(zip(names, args, strict=True)))
        return reverse(self.name, args=args)


@cache
def _route(name: str) -> str:
    return next(route for found, route, _view in endpoints() if found == name)


SECRETARIAT = ("secretariat",)
READERS = ("secretariat", "delegate", "donor", "focal_egypt", "focal_senegal")
ARTICLE_5 = lambda: Article.objects.get(instrument__code="untoc", number=5)  # noqa: E731


def _request_form(w: World) -> dict[str, Any]:
    # ``state``: the secretariat's field; a focal point's State is its own.
    return request_form(state=w.egypt.pk, received_on=timezone.localdate().isoformat())


def _activity_form(w: World) -> dict[str, Any]:
    return {
        "title_en": "Training of judges",
        "provider": w.activity.provider_id,  # the secretariat's field; a donor's is its own
        "default_currency": "eur",
        "budget": "1000",
        "recipient_state_0": "egy",
        "sector_code_0": "15130",
    }


def _api_request(w: World) -> dict[str, Any]:
    return {
        "state": "EGY",
        "instrument": "untoc",
        "title": "Training of prosecutors",
        "description": "On article 5.",
        "language": "en",
        "urgency": "high",
        "received_on": timezone.localdate().isoformat(),
        "lines": [{"article": ARTICLE_5().pk, "kind": "training"}],
    }


LESSON = {"title": "Mentoring works", "activity": "Workshop", "kinds": ["training"]}

WRITES: list[Write] = [
    # reference
    Write(
        "contact_add",
        ("focal_egypt", "secretariat"),
        args=lambda w: ["EGY"],
        body=lambda w: {"name": "N", "email": "n@example.org", "language": "en"},
    ),
    Write(
        "contact_edit",
        ("focal_egypt", "secretariat"),
        args=lambda w: ["EGY", w.contact.pk],
        body=lambda w: {"name": "N", "email": "n@example.org", "language": "en"},
    ),
    # questionnaires
    Write("questionnaire_import", SECRETARIAT, control=False),
    Write(
        "questionnaire_dispatch",
        SECRETARIAT,
        args=lambda w: [w.questionnaire.code],
        body=lambda w: {"deadline": "2030-01-31", "states": [w.senegal.pk]},
    ),
    Write("submissions_upload", SECRETARIAT, args=lambda w: [w.questionnaire.code], control=False),
    Write(
        "assignment_answer",
        ("focal_egypt", "secretariat"),
        args=lambda w: [w.assignment.pk],
        body=lambda w: {"action": "save", "v-authority": "0", "q-authority": "Ministry"},
    ),
    Write(
        "workbook_upload",
        ("focal_egypt", "secretariat"),
        args=lambda w: [w.assignment.pk],
        control=False,
    ),
    Write(
        "assignment_review",
        SECRETARIAT,
        args=lambda w: [w.submitted.pk],
        body=lambda w: {"action": "return", "comment": "Please clarify."},
    ),
    Write("assignment_remind", SECRETARIAT, args=lambda w: [w.assignment.pk]),
    # requests, lessons, the register
    Write("request_new", ("focal_egypt", "focal_senegal", "secretariat"), body=_request_form),
    Write("requests_import", SECRETARIAT, control=False),
    Write(
        "request_transition",
        ("focal_egypt", "secretariat"),
        args=lambda w: [w.request.pk],
        body=lambda w: {"to": RequestStatus.WITHDRAWN, "reason": "No longer needed."},
    ),
    Write("lesson_new", SECRETARIAT, body=lambda w: LESSON),
    Write("lesson_edit", SECRETARIAT, args=lambda w: [w.lesson.pk], body=lambda w: LESSON),
    Write(
        "need_register_decide",
        ("delegate", "secretariat"),  # the chair pins; the delegate fixture chairs
        body=lambda w: {"need": [w.need.pk], "action": "pin", "reason": "Agreed."},
    ),
    Write("need_register_derive", SECRETARIAT),
    # A page's file is made by a job (core.exports): asking for it writes the job.
    Write("need_export", READERS, args=lambda w: ["csv"]),
    Write("who_what_where_export", READERS, args=lambda w: ["xlsx"]),
    Write("coverage_export", READERS, args=lambda w: ["gaps", "csv"]),
    Write("funding_gaps_export", ("secretariat", "delegate", "donor"), args=lambda w: ["csv"]),
    Write(
        "need_decide",
        SECRETARIAT,
        args=lambda w: [w.need.pk],
        body=lambda w: {"action": "close", "status": "met", "reason": "Delivered."},
    ),
    # activities and coverage
    Write("activity_new", ("donor", "secretariat"), body=_activity_form),
    Write(
        "activity_edit",
        ("donor", "secretariat"),
        args=lambda w: [w.activity.pk],
        body=_activity_form,
    ),
    Write(
        "activity_comment",
        ("focal_egypt", "secretariat"),
        args=lambda w: [w.activity.pk],
        body=lambda w: {"state": "EGY", "text": "Useful."},
    ),
    Write("iati_import_upload", SECRETARIAT, control=False),
    Write(
        "need_links",
        SECRETARIAT,
        args=lambda w: [w.need.pk],
        body=lambda w: {"action": "link", "activity": w.activity.iati_identifier, "reason": "x"},
    ),
    # funding
    Write("pledge_new", SECRETARIAT, control=False),
    Write("pledge_edit", SECRETARIAT, args=lambda w: [w.pledge.pk], control=False),
    Write(
        "rate_list",
        SECRETARIAT,
        body=lambda w: {"currency": "EUR", "per_usd": "0.9", "valid_from": "2026-01-01"},
    ),
    Write("project_new", SECRETARIAT, control=False),
    Write("project_edit", SECRETARIAT, args=lambda w: [w.project.pk], control=False),
    Write("project_allocate", SECRETARIAT, args=lambda w: [w.project.pk], control=False),
    Write("project_move", SECRETARIAT, args=lambda w: [w.project.pk], control=False),
    Write(
        "project_beneficiary_remove",
        SECRETARIAT,
        args=lambda w: [w.project.pk],
        body=lambda w: {"state": w.egypt.pk},
        control=False,
    ),
    Write(
        "project_beneficiary_keep",
        SECRETARIAT,
        args=lambda w: [w.project.pk],
        body=lambda w: {"state": w.egypt.pk, "reason": "Named on purpose."},
        control=False,
    ),
    Write("allocation", SECRETARIAT, control=False),
    Write("proposal_accept", SECRETARIAT, args=lambda w: [w.proposal.pk], control=False),
    # meetings and reports
    Write(
        "report_file",
        SECRETARIAT,
        args=lambda w: [w.run.pk],
        body=lambda w: {"session": w.session.pk},
        control=False,
    ),
    Write("mandate_status", SECRETARIAT, args=lambda w: [w.mandate.pk], control=False),
    Write("reports:new", ("secretariat", "delegate"), args=lambda w: ["chair"], control=False),
    Write(
        "reports:new",
        SECRETARIAT,
        args=lambda w: ["secretariat"],
        control=False,
        label="not-the-chairs",
    ),
    Write(
        "reports:other",
        ("secretariat", "delegate"),
        args=lambda w: [w.run.pk],
        body=lambda w: {"lang": "fr", "fmt": "pdf"},
        control=False,
    ),
    Write("reports:publish", SECRETARIAT, args=lambda w: [w.run.pk], control=False),
    Write(
        "reports:withdraw",
        SECRETARIAT,
        args=lambda w: [w.publication.pk],
        body=lambda w: {"reason": "Superseded."},
        control=False,
    ),
    # the API (personal access tokens)
    Write(
        "api:assignment-answer",
        ("focal_egypt", "secretariat"),
        args=lambda w: [w.assignment.pk, "authority"],
        body=lambda w: {"value": "Ministry"},
        method="put",
        api=True,
        headers=lambda w: {"HTTP_IF_MATCH": f'"a{w.assignment.pk}-authority-v0"'},
    ),
    Write(
        "api:assignment-submit",
        ("focal_egypt", "secretariat"),
        args=lambda w: [w.assignment.pk],
        api=True,
        control=False,
    ),
    Write("api:request-list", ("focal_egypt", "secretariat"), body=_api_request, api=True),
    Write("api:lesson-list", SECRETARIAT, body=lambda w: LESSON, api=True),
    Write(
        "api:lesson-detail",
        SECRETARIAT,
        args=lambda w: [w.lesson.pk],
        body=lambda w: LESSON,
        method="put",
        api=True,
        control=False,
        headers=lambda w: {"HTTP_IF_MATCH": '"stale"'},
    ),
    # Asking for a list's file writes the job that makes it (api.export_jobs); each signed-in
    # reader may, for what they may read (tests/api/test_exports.py scopes it).
    Write(
        "api:export-list",
        READERS,
        body=lambda w: {"resource": "needs", "format": "csv"},
        api=True,
    ),
    Write(
        "api:reportrun-list",
        ("secretariat", "delegate"),
        body=lambda w: {"report": "chair", "lang": "en", "fmt": "pdf"},
        api=True,
        control=False,
    ),
]

# What one does to one's own account or session; the tests that show it is one's own only.
OWN_ACCOUNT: dict[str, tuple[str, ...]] = {
    "login": (
        "tests/accounts/test_security.py::test_sixth_wrong_password_locks_out_and_refuses_the_right_one",
    ),
    "logout": ("tests/accounts/test_write_paths.py::test_signing_out_takes_a_post_with_its_token",),
    "switch_language": (
        "tests/core/test_i18n.py::test_the_language_switch_remembers_the_choice_for_the_user",
        "tests/core/test_i18n.py::test_the_switch_refuses_to_redirect_off_site",
    ),
    "otp_verify": ("tests/accounts/test_security.py::test_next_is_not_an_open_redirect",),
    "otp_setup": (
        "tests/accounts/test_security.py::test_unverified_user_cannot_replace_an_enrolled_device",
    ),
    "password_change": (
        "tests/accounts/test_security.py::test_password_change_refuses_short_then_changes",
    ),
    "password_reset": (
        "tests/accounts/test_security.py::test_password_reset_mails_are_limited_per_address_without_saying_so",
    ),
    "password_reset_confirm": (
        "tests/accounts/test_security.py::test_password_reset_by_email_link",
    ),
    "api_tokens": ("tests/api/test_api.py::test_a_read_only_token_reads_but_cannot_write",),
    "api_token_revoke": ("tests/api/test_api.py::test_a_person_cannot_revoke_someone_elses_token",),
    "notices_read": (
        "tests/core/test_notifications.py::test_nobody_marks_someone_elses_notices_read",
    ),
}

MATRIX = "tests/accounts/test_write_paths.py::test_who_may_not_use_a_write_endpoint_changes_nothing"
# Tests beside the matrix that attack the same endpoints with another State's ids or with
# fields the server fixes.
MORE = {
    "job_export_again": (
        "tests/core/test_exports.py::test_the_job_page_of_anothers_file_offers_neither_it_nor_to_make_it",
    ),
    "request_new": (
        "tests/accounts/test_write_scoping.py::test_a_state_posted_with_a_focal_points_web_request_is_ignored",
    ),
    "api:request-list": (
        "tests/accounts/test_write_scoping.py::test_a_request_a_focal_point_files_through_the_api_is_received_today",
        "tests/api/test_api.py::test_a_focal_point_cannot_file_a_request_for_another_state",
    ),
    "need_register_decide": (
        "tests/accounts/test_write_scoping.py::test_the_chair_cannot_pin_or_exclude_another_states_confidential_need",
    ),
    "request_transition": (
        "tests/needs/test_requests.py::test_focal_point_cannot_open_move_or_read_the_history_of_another_states_request",
    ),
    "assignment_answer": (
        "tests/questionnaires/test_reporting_flow.py::test_it_rejects_other_states_answers_by_url",
    ),
    "workbook_upload": (
        "tests/questionnaires/test_workbook.py::test_a_focal_point_of_senegal_cannot_import_into_egypt",
        "tests/questionnaires/test_workbook.py::test_a_workbook_for_another_states_assignment_is_refused",
    ),
    "api:assignment-answer": (
        "tests/api/test_api.py::test_a_focal_point_sees_and_changes_only_its_own_states_answers",
    ),
    "activity_comment": (
        "tests/activities/test_screens.py::test_focal_point_cannot_comment_for_another_state_on_a_shared_activity",
    ),
    "activity_edit": (
        "tests/activities/test_screens.py::test_donor_edits_only_its_own_organizations_activities",
    ),
    "contact_edit": (
        "tests/accounts/test_permissions.py::test_a_contact_cannot_be_moved_to_another_state_through_the_url",
    ),
}


def references_for(name: str) -> tuple[str, ...]:
    """The tests that show who may use the write endpoint ``name``."""
    found = [MATRIX] if any(w.name == name for w in WRITES) else []
    return (*found, *MORE.get(name, ()), *OWN_ACCOUNT.get(name, ()))


def reference_exists(reference: str) -> bool:
    path, _sep, name = reference.partition("::")
    file = ROOT / path
    if not file.is_file():
        return False
    tree = ast.parse(file.read_text(encoding="utf-8"))
    return any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body)


def test_every_write_endpoint_names_a_test_of_who_may_use_it() -> None:
    found = write_endpoints()
    # The walk sees the kinds of views there are (else the comparison below proves nothing).
    assert {"post"} <= found["request_transition"] and {"put"} <= found["api:assignment-answer"]
    assert "logout" in found and "state_list" not in found and "need_register" not in found
    untested = sorted(name for name in found if not references_for(name))
    assert not untested, (
        "write endpoints without a test of who may use them (add each to WRITES in "
        f"tests/accounts/test_write_paths.py, or to OWN_ACCOUNT with its tests): {untested}"
    )
    listed = {w.name for w in WRITES} | set(OWN_ACCOUNT) | set(MORE)
    assert sorted(listed - set(found)) == [], "listed here but no longer a write endpoint"
    missing = sorted(
        ref for name in found for ref in references_for(name) if not reference_exists(ref)
    )
    assert missing == [], f"tests named here that do not exist: {missing}"


# --- Sending -------------------------------------------------------------------------------------


def _client(write: Write, user: User | None) -> Client:
    if user is None:
        return Client()
    if write.api:
        secret = token_create(owner=user, name="write-paths").secret
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client_for(user)


def _send(client: Client, write: Write, world: World) -> Any:
    send = getattr(client, write.method)
    url, body, headers = write.url(world), write.body(world), write.headers(world)
    if write.api:
        return send(url, body, content_type="application/json", **headers)
    return send(url, body, **headers)


@pytest.mark.parametrize("write", WRITES, ids=[w.id for w in WRITES])
def test_who_may_not_use_a_write_endpoint_changes_nothing(
    write: Write, world: World, personas: dict[str, User | None]
) -> None:
    refused = []
    for persona, user in personas.items():
        if persona in write.allowed:
            continue
        client = _client(write, user)
        with writes() as tables:
            response = _send(client, write, world)
        assert response.status_code < 500, (persona, response.status_code)
        assert tables == [], f"{persona} wrote {tables} through {write.id}"
        if user is None:
            # Sent to sign in (a page) or refused (the API).
            assert response.status_code in (302, 401, 403), (persona, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("login")), persona
        elif not write.control:
            assert response.status_code in (403, 404), (persona, response.status_code)
        refused.append(persona)
    assert refused, "everyone may use it: it belongs in OWN_ACCOUNT"
    if write.control:
        allowed = personas[write.allowed[0]]
        with writes() as tables:
            response = _send(_client(write, allowed), write, world)
        assert tables, (
            f"{write.allowed[0]} could not use {write.id} ({response.status_code}): the body "
            "sent to the others is not one that works, so their refusal proves nothing"
        )


# --- GET changes nothing -------------------------------------------------------------------------

# GETs that write by design, with the tables they write.
GET_WRITES = {
    # The enrolment page stores the secret it shows, to check the first code against it.
    "otp_setup": {"otp_totp_totpdevice"},
}
OWN_ACCOUNT_ARGS = {"password_reset_confirm": ["MQ", "set-password"], "api_token_revoke": [1]}


def test_opening_a_write_endpoint_with_get_changes_nothing(
    world: World, personas: dict[str, User | None]
) -> None:
    views = {name: view for name, _route, view in endpoints()}
    urls = {w.name: w.url(world) for w in WRITES if not w.api}
    urls |= {name: reverse(name, args=OWN_ACCOUNT_ARGS.get(name, [])) for name in OWN_ACCOUNT}
    api = [w for w in WRITES if w.api]
    problems = []
    for persona, user in personas.items():
        web = client_for(user)
        for name, url in urls.items():
            with writes() as tables:
                response = web.get(url)
            extra = set(tables) - GET_WRITES.get(name, set())
            if extra or response.status_code >= 500:
                problems.append(f"{persona} GET {url}: {response.status_code}, wrote {extra}")
            post_only = allowed_methods(views[name]) == {"post"}
            if post_only and user is not None and response.status_code != 405:
                problems.append(f"{persona} GET {url}: {response.status_code}, not 405")
        for write in api:
            client = _client(write, user)
            with writes() as tables:
                response = client.get(write.url(world))
            if tables or response.status_code >= 500:
                problems.append(f"{persona} GET {write.id}: {response.status_code}, {tables}")
    assert problems == [], "\n".join(problems)


# --- CSRF ----------------------------------------------------------------------------------------


def test_no_view_outside_the_token_api_is_csrf_exempt() -> None:
    exempt = []
    for name, route, view in endpoints():
        if not getattr(view, "csrf_exempt", False):
            continue
        view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
        if not (route.startswith("api/v1/") and view_class and issubclass(view_class, APIView)):
            exempt.append(name)
    assert exempt == []
    # The API's views are exempt from Django's check because its session authentication makes
    # the same check itself (a token needs none: a browser never sends one by itself).
    base = rest_framework.authentication.SessionAuthentication
    assert issubclass(SessionAuthentication, base)
    assert SessionAuthentication.enforce_csrf is base.enforce_csrf


def _csrf_token(client: Client, page: str) -> str:
    client.get(page)
    return client.cookies["csrftoken"].value


def test_a_form_sent_without_its_csrf_token_is_refused_and_writes_nothing(
    world: World, personas: dict[str, User | None]
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["focal_egypt"])  # type: ignore[arg-type]
    url = reverse("request_transition", args=[world.request.pk])
    body = {"to": RequestStatus.WITHDRAWN, "reason": "No longer needed."}
    with writes() as tables:
        assert client.post(url, body).status_code == 403
    assert tables == []
    token = _csrf_token(client, reverse("request_detail", args=[world.request.pk]))
    assert client.post(url, {**body, "csrfmiddlewaretoken": token}).status_code == 302
    world.request.refresh_from_db()
    assert world.request.status == RequestStatus.WITHDRAWN


def test_the_api_in_a_browser_session_needs_the_csrf_token_a_personal_token_does_not(
    world: World, personas: dict[str, User | None]
) -> None:
    focal_egypt = personas["focal_egypt"]
    assert focal_egypt is not None
    url = reverse("api:assignment-answer", kwargs={"pk": world.assignment.pk, "key": "authority"})
    tag = f'"a{world.assignment.pk}-authority-v0"'
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(focal_egypt)
    sent = browser.put(
        url, {"value": "Ministry"}, content_type="application/json", HTTP_IF_MATCH=tag
    )
    assert sent.status_code == 403
    assert not Answer.objects.exists()
    token = _csrf_token(browser, reverse("assignment_answer", args=[world.assignment.pk]))
    sent = browser.put(
        url,
        {"value": "Ministry"},
        content_type="application/json",
        HTTP_IF_MATCH=tag,
        HTTP_X_CSRFTOKEN=token,
    )
    assert sent.status_code == 200
    script = Client(
        enforce_csrf_checks=True,
        HTTP_AUTHORIZATION=f"Bearer {token_create(owner=focal_egypt, name='s').secret}",
    )
    tag = sent["ETag"]
    sent = script.put(
        url, {"value": "Ministry 2"}, content_type="application/json", HTTP_IF_MATCH=tag
    )
    assert sent.status_code == 200
    assert Answer.objects.get().value == "Ministry 2"


def test_signing_out_takes_a_post_with_its_token(personas: dict[str, User | None]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["focal_egypt"])  # type: ignore[arg-type]
    assert client.get(reverse("logout")).status_code == 405  # a link or image cannot sign out
    assert client.post(reverse("logout")).status_code == 403  # nor another site's form
    assert "_auth_user_id" in client.session
    token = _csrf_token(client, reverse("home"))
    client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert "_auth_user_id" not in client.session
