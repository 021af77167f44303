"""Builds the browser suite's database once: schema, reference data, the small demo data set.

Run in its own process (``python -m tests.browser.prepare OUT.json``) with ``DATABASE_URL``
pointing at a fresh SQLite file and ``DJANGO_SETTINGS_MODULE=tests.browser.settings``. It adds
what the journeys need beyond the demo (an English-speaking focal point, a verified session for
each persona) and writes the facts the tests read (session keys, assignment ids) as JSON.
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
    }


if __name__ == "__main__":
    facts = build()
    Path(sys.argv[1]).write_text(json.dumps(facts, indent=2), encoding="utf-8")
