"""Builds the browser suite's database once: schema, reference data, the small demo data set.

Run in its own process (``python -m tests.browser.prepare OUT.json``) with ``DATABASE_URL``
pointing at a fresh SQLite file and ``DJANGO_SETTINGS_MODULE=tests.browser.settings``. It adds
what the journeys need beyond the demo (an English-speaking focal point, a verified session for
each persona, a confidential need linked to an outcome, a session and an activity) and writes
the facts the tests read (session keys, assignment ids, what those pages show) as JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

PASSWORD = "infobase-demo"  # the documented demo password
# A single-use recovery code of the secretariat persona, for the test that signs in by the form.
RECOVERY_CODE = "browser-recovery-1"
ENGLISH_COMMENT = "Please complete the answer on article 5."


def build() -> dict[str, Any]:
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from infobase.accounts.models import Role, User
    from infobase.accounts.permissions import needs_second_factor
    from infobase.questionnaires import services
    from infobase.questionnaires.models import Assignment, AssignmentStatus, Questionnaire
    from infobase.reference.models import State

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load-reference", verbosity=0)
    call_command("demo-data", scale="small", seed=1, verbosity=0)

    open_questionnaire = (
        Questionnaire.objects.filter(assignments__state__iso3="EGY")
        .order_by("-cycle__number")
        .first()
    )
    assert open_questionnaire is not None, "the demo data has no questionnaire for Egypt"
    assignments = Assignment.objects.filter(questionnaire=open_questionnaire)
    # An English-speaking focal point whose State has not started: the English journey.
    fresh = (
        assignments.filter(status=AssignmentStatus.NOT_STARTED)
        .exclude(state__iso3__in=["EGY", "SEN"])
        .order_by("state__iso3")
        .first()
    )
    assert fresh is not None, "the demo data has no State left to start the questionnaire"
    User.objects.create_user(
        username="focal.browser",
        password=PASSWORD,
        role=Role.FOCAL_POINT,
        state=fresh.state,
        language="en",
        first_name="Browser",
        last_name="Focal point",
    )
    # One more, for the tests that save a draft without submitting.
    spare = (
        assignments.filter(status=AssignmentStatus.NOT_STARTED)
        .exclude(state__iso3__in=["EGY", "SEN", fresh.state.iso3])
        .order_by("state__iso3")
        .first()
    )
    assert spare is not None, "the demo data has no second State left to start"
    User.objects.create_user(
        username="focal.spare",
        password=PASSWORD,
        role=Role.FOCAL_POINT,
        state=spare.state,
        language="en",
    )
    submitted = list(
        assignments.filter(status=AssignmentStatus.SUBMITTED)
        .order_by("state__iso3")
        .values_list("pk", flat=True)[:5]
    )
    assert len(submitted) == 5, "the demo data has fewer than five submitted questionnaires"
    # One already returned with an English comment, read by an Arabic-speaking focal point.
    commented = submitted.pop()
    secretariat = User.objects.get(username="secretariat")
    services.assignment_return(
        assignment=assignments.get(pk=commented),
        user=secretariat,
        comment=ENGLISH_COMMENT,
    )
    User.objects.create_user(
        username="focal.commented",
        password=PASSWORD,
        role=Role.FOCAL_POINT,
        state=assignments.get(pk=commented).state,
        language="ar",
    )
    # The focal points of the States the secretariat returns a questionnaire to (en, ar).
    for username, pk, language in (
        ("focal.returned.en", submitted[0], "en"),
        ("focal.returned.ar", submitted[2], "ar"),
    ):
        User.objects.create_user(
            username=username,
            password=PASSWORD,
            role=Role.FOCAL_POINT,
            state=assignments.get(pk=pk).state,
            language=language,
        )

    # An enrolled authenticator (never used here) and recovery codes, as after enrolment.
    TOTPDevice.objects.create(user=secretariat, name="browser", confirmed=True)
    device = StaticDevice.objects.create(user=secretariat, name="browser", confirmed=True)
    StaticToken.objects.create(device=device, token=RECOVERY_CODE)

    pages = _meetings_pages()
    pages["running_report"] = _running_report(secretariat)
    used = [assignments.get(state__iso3="EGY").pk, fresh.pk, spare.pk, commented, *submitted]
    pages["history"] = _history_pages(secretariat, assignments.exclude(pk__in=used))

    sessions: dict[str, str] = {}
    for user in User.objects.filter(
        username__in=[
            "secretariat",
            "focal.egypt",
            "focal.browser",
            "focal.spare",
            "focal.commented",
            "focal.returned.en",
            "focal.returned.ar",
            "delegate.mexico",
            "donor",
        ]
    ):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if needs_second_factor(user):
            store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.create()
        assert store.session_key is not None
        sessions[user.username] = store.session_key

    return {
        "sessions": sessions,
        "questionnaire": open_questionnaire.code,
        "egypt_assignment": assignments.get(state__iso3="EGY").pk,
        "fresh_assignment": fresh.pk,
        "fresh_state": State.objects.get(pk=fresh.state_id).iso3,
        "spare_assignment": spare.pk,
        "commented_assignment": commented,
        "english_comment": ENGLISH_COMMENT,
        "submitted_assignments": submitted,
        "recovery_code": RECOVERY_CODE,
        "password": PASSWORD,
        **pages,
    }


def _meetings_pages() -> dict[str, Any]:
    """An outcome, its working-group session and an activity that concern needs, each made to
    concern one more: a confidential need of a State none of the personas acts for (only the
    secretariat may see it); and the session whose source is longest (a URL, unbroken).

    The facts hold what the pages show, per language: headings, and the needs (State — article
    — kind) that everyone (outcome, session) and a donor (activity) may see."""
    from django.db.models import Count, Q
    from django.db.models.functions import Length
    from django.utils import translation

    from infobase.activities.models import Activity, NeedLink
    from infobase.meetings.models import Outcome, Session
    from infobase.needs.models import Need, NeedStatus

    def line(need: Need) -> str:
        return f"{need.state.translated('name').text} — {need.article} — {need.get_kind_display()}"

    outcome = (
        Outcome.objects.annotate(n=Count("needs"), r=Count("session__needs_reviewed"))
        .filter(n__gt=0, r__gt=0)
        .select_related("session")
        .order_by("pk")
        .first()
    )
    assert outcome is not None, "the demo data has no outcome concerning needs of a session"
    session = outcome.session
    activity = (
        Activity.objects.annotate(n=Count("need_links", filter=~Q(need_links__status="rejected")))
        .filter(n__gt=0)
        .order_by("pk")
        .first()
    )
    assert activity is not None, "the demo data has no activity that addresses a need"
    shown = {n.state_id for n in outcome.needs.all()} | {
        link.need.state_id for link in activity.need_links.select_related("need")
    }
    confidential = (
        Need.objects.filter(confidential=True)
        .exclude(status=NeedStatus.MERGED)
        .exclude(state__iso3__in=["EGY", "SEN", "MEX"])
        .exclude(state_id__in=shown)
        .select_related("state", "article__instrument")
        .order_by("pk")
        .first()
    )
    assert confidential is not None, "the demo data has no confidential need to link"
    outcome.needs.add(confidential)
    session.needs_reviewed.add(confidential)
    NeedLink.objects.create(need=confidential, activity=activity, status="suggested")
    sourced = Session.objects.exclude(source="").order_by(Length("source").desc(), "pk").first()
    assert sourced is not None, "the demo data has no session with a source"

    public = (
        Need.objects.filter(confidential=False)
        .exclude(status=NeedStatus.MERGED)
        .select_related("state", "article__instrument")
    )
    links = activity.need_links.exclude(status="rejected").values("need")
    facts: dict[str, Any] = {
        "outcome": outcome.pk,
        "wg_session": session.pk,
        "activity": activity.pk,
        "sourced_session": sourced.pk,
        "wg_session_public_needs": public.filter(reviewed_at=session).count(),
        "meetings_pages": {},
    }
    for lang in ("en", "ar"):
        with translation.override(lang):
            facts["meetings_pages"][lang] = {
                "wg_session_title": session.title[lang],
                "outcome_heading": f"{outcome} — {outcome.title[lang]}",
                "activity_title": activity.title[lang],
                "outcome_needs": sorted(line(n) for n in public.filter(outcomes=outcome)),
                "activity_needs": sorted(line(n) for n in public.filter(pk__in=links)),
                "confidential_need": line(confidential),
            }
    return facts


def _running_report(secretariat: Any) -> str:
    """A report run stopped at 40 % on a step, with no job behind it: its page shows the
    progress bar for as long as the journey looks at it (a real run may end first)."""
    from django.utils import timezone

    from infobase.reports.models import ReportRun, RunStatus

    run = ReportRun.objects.create(
        report="analytical",
        params={"instrument": "untoc", "cycle": 1},
        lang="en",
        fmt="pdf",
        fingerprint="f" * 64,  # no request for a report computes it
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
        progress=40,
        step="Counting the needs",
        requested_by=secretariat,
    )
    return str(run.pk)


def _history_pages(secretariat: Any, assignments: Any) -> dict[str, int]:
    """Records whose history pages the walk opens, each changed once more with a reason: a
    need closed (a choice), an activity's end moved (a date), an answer to a choice question
    corrected by the secretariat (the choices' labels); and the assignment and the project
    changed most often. Records that no other test counts (``assignments``: those no journey
    uses)."""
    from datetime import timedelta

    from django.db.models import Count

    from infobase.activities.models import Activity, NeedLink
    from infobase.funding.models import Project
    from infobase.needs import decisions
    from infobase.needs.models import Need, NeedStatus
    from infobase.questionnaires import services
    from infobase.questionnaires.models import Answer, Assignment, ItemKind

    need = (
        Need.objects.filter(confidential=False, status=NeedStatus.OPEN)
        .exclude(state__iso3__in=["EGY", "SEN", "MEX"])
        .exclude(pk__in=NeedLink.objects.values("need"))
        .filter(outcomes__isnull=True, reviewed_at__isnull=True)
        .order_by("-pk")
        .first()
    )
    assert need is not None, "the demo data has no open need left to close"
    decisions.need_close(
        user=secretariat, need=need, status=NeedStatus.MET, reason="Met by the 2026 training"
    )
    activity = (
        Activity.objects.filter(need_links__isnull=True)
        .filter(planned_end__isnull=False)
        .order_by("pk")
        .first()
    )
    assert activity is not None, "the demo data has no activity with a planned end"
    ends = activity.planned_end
    assert ends is not None
    activity.planned_end = ends + timedelta(days=90)
    activity._change_reason = "Extended by three months"  # type: ignore[attr-defined]
    activity.save()
    answer = (
        Answer.objects.filter(
            assignment__in=assignments.exclude(state__iso3__in=["EGY", "SEN", "MEX"]),
            item__kind=ItemKind.SELECT_ONE,
        )
        .exclude(value=None)
        .select_related("assignment", "item__choice_list")
        .order_by("pk")
        .first()
    )
    assert answer is not None, "the demo data has no answer to a choice question"
    assert answer.item.choice_list is not None
    other = answer.item.choice_list.choices.exclude(name=answer.value).order_by("position")[0]
    # The demo's answers are written in bulk, without a first version: two changes, the second
    # back to the answer as it was (nothing else in the suite counts differently).
    for value, reason in (
        (other.name, "Answered again"),
        (answer.value, "Corrected after the national consultation"),
    ):
        result = services.answers_save(
            assignment=answer.assignment,
            user=secretariat,
            answers=[services.AnswerInput(item=answer.item, value=value, version=None)],
            reason=reason,
        )
        assert result.saved == 1, result

    def most_changed(model: Any) -> int:
        versions = model.history.model.objects.values("id").annotate(n=Count("history_id"))
        return int(versions.order_by("-n", "id")[0]["id"])

    return {
        "need": need.pk,
        "activity": activity.pk,
        "answer": answer.pk,
        "answer_assignment": answer.assignment_id,
        "assignment": most_changed(Assignment),
        "project": most_changed(Project),
    }


if __name__ == "__main__":
    facts = build()
    Path(sys.argv[1]).write_text(json.dumps(facts, indent=2), encoding="utf-8")
