"""Three holes an attacker's afternoon found: an API token that outlives the password reset
meant to shut its taker out, an export file that outlives the rights it was made with, and
report jobs started without end."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from infobase.accounts.models import Role
from infobase.api.models import AccessToken
from infobase.core.exports import EXPORT_JOB, export_folder
from infobase.core.models import Job
from infobase.reference.models import Organization
from infobase.reports.models import ReportRun
from infobase.reports.services import REPORTS_UNDER_WAY
from tests.api.conftest import make_need, token_client
from tests.conftest import client_for, make_user
from tests.core.test_jobs import DB_QUEUE

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "amber-glacier-meadow-77"


# --- API tokens after a new password ------------------------------------------------------------


def reset_by_mail(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.post(reverse("password_reset"), {"email": user.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    form = client.get(link.group(1), follow=True).redirect_chain[-1][0]
    done = client.post(
        form, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    return done


def test_a_password_reset_by_mail_revokes_the_tokens_and_says_so(focal_egypt):
    focal_egypt.email = "hoda@example.org"
    focal_egypt.save()
    api = token_client(focal_egypt)
    assert api.get("/api/v1/needs/").status_code == 200
    done = reset_by_mail(focal_egypt)
    assert api.get("/api/v1/needs/").status_code == 401
    assert not AccessToken.objects.filter(owner=focal_egypt, revoked_at__isnull=True).exists()
    assert "API token was revoked" in done.content.decode()


def test_a_password_change_revokes_the_tokens_and_says_so(focal_senegal):
    api = [token_client(focal_senegal), token_client(focal_senegal)]
    client = client_for(focal_senegal)
    done = client.post(
        reverse("password_change") + "?lang=en",
        {
            "old_password": "pw-awa",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )
    assert done.redirect_chain[-1][0] == reverse("password_change_done")
    assert [c.get("/api/v1/needs/").status_code for c in api] == [401, 401]
    assert "Your 2 API tokens were revoked" in done.content.decode()


def test_a_new_password_without_tokens_says_nothing_of_them(focal_senegal):
    done = client_for(focal_senegal).post(
        reverse("password_change") + "?lang=en",
        {"old_password": "pw-awa", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.status_code == 200
    assert "API token" not in done.content.decode()


def test_the_changepassword_command_and_deactivation_revoke_the_tokens(
    focal_egypt, focal_senegal, monkeypatch
):
    by_command = token_client(focal_egypt)
    monkeypatch.setattr("getpass.getpass", lambda *args, **kwargs: NEW_PASSWORD)
    call_command("changepassword", "hoda", stdout=None)
    assert by_command.get("/api/v1/needs/").status_code == 401

    deactivated = token_client(focal_senegal)
    focal_senegal.is_active = False
    focal_senegal.save()
    # Made active again, the person does not find the old token working again.
    focal_senegal.is_active = True
    focal_senegal.save()
    assert deactivated.get("/api/v1/needs/").status_code == 401


def test_other_saves_and_a_hash_upgrade_keep_the_tokens(focal_egypt):
    api = token_client(focal_egypt)
    focal_egypt.language = "fr"
    focal_egypt.save()
    focal_egypt.save(update_fields=["language"])
    # Signing in may re-hash the same password (a hasher's upgrade): no new password.
    focal_egypt.set_password("pw-hoda")
    focal_egypt._password = None
    focal_egypt.save(update_fields=["password"])
    assert api.get("/api/v1/needs/").status_code == 200


# --- Export files after a change of rights ------------------------------------------------------


def web_export(client: Client):  # type: ignore[no-untyped-def]
    job_page = client.post("/needs/export.csv?lang=en")["Location"]
    return Job.objects.get(pk=job_page.strip("/").split("/")[-1]), job_page + "file"


def test_a_page_export_is_served_while_the_rights_it_was_made_with_hold(focal_egypt):
    make_need("EGY", 5)
    client = client_for(focal_egypt)
    _job, file = web_export(client)
    focal_egypt.language = "fr"  # no change of rights
    focal_egypt.save()
    served = client.get(file)
    assert served.status_code == 200 and b"EGY" in b"".join(served.streaming_content)
    assert client.get(file).status_code == 200


def test_a_page_export_made_for_one_state_is_refused_once_the_person_acts_for_another(
    focal_egypt, senegal
):
    make_need("EGY", 5)
    client = client_for(focal_egypt)
    job, file = web_export(client)
    assert export_folder(job).is_dir()
    focal_egypt.state = senegal
    focal_egypt.save()
    refused = client.get(file + "?lang=en")
    assert refused.status_code == 404
    assert "Your rights have changed since this file was made" in refused.content.decode()
    assert not export_folder(job).exists()  # removed, not merely withheld


def test_an_api_export_made_as_secretariat_is_refused_once_the_role_is_lost(secretariat, egypt):
    make_need("KEN", 20, kind="technology", confidential=True)
    client = token_client(secretariat, HTTP_ACCEPT_LANGUAGE="en")
    export = client.get(
        client.post(
            "/api/v1/exports/",
            {"resource": "needs", "format": "csv", "filters": {}},
            content_type="application/json",
        )["Location"]
    ).json()
    assert export["file"]
    same = client.get(export["file"])
    assert same.status_code == 200 and b"KEN" in b"".join(same.streaming_content)
    secretariat.role = Role.FOCAL_POINT
    secretariat.state = egypt
    secretariat.save()
    assert client.get(export["url"]).json()["file"] is None
    refused = client.get(export["file"])
    assert refused.status_code == 404
    assert "Your rights have changed" in refused.json()["detail"]
    assert not export_folder(Job.objects.get(pk=export["id"], kind=EXPORT_JOB)).exists()


def test_a_permission_taken_since_refuses_the_file_made_with_it(focal_egypt):
    make_need("EGY", 5)
    focal_egypt.user_permissions.add(Permission.objects.get(codename="view_job"))
    client = client_for(focal_egypt)
    _job, file = web_export(client)
    focal_egypt.user_permissions.remove(Permission.objects.get(codename="view_job"))
    assert client.get(file).status_code == 404


def test_a_permission_given_since_keeps_the_file(focal_egypt):
    # More rights than the file was made with: it holds less than the person may now see.
    make_need("EGY", 5)
    client = client_for(focal_egypt)
    _job, file = web_export(client)
    focal_egypt.user_permissions.add(Permission.objects.get(codename="view_job"))
    assert client.get(file).status_code == 200


def new_permission(codename: str):  # type: ignore[no-untyped-def]
    """A permission as ``migrate`` creates it for a new model."""
    kind = ContentType.objects.get_or_create(app_label="needs", model=codename)[0]
    return Permission.objects.create(codename=f"view_{codename}", name=codename, content_type=kind)


def test_a_superusers_file_is_served_after_a_migration_adds_permissions(db):
    make_need("EGY", 5)
    root = make_user("root", is_superuser=True, is_staff=True)
    client = client_for(root)
    _job, file = web_export(client)
    new_permission("newthing")  # a superuser has it as they had every other
    assert client.get(file).status_code == 200


def test_a_superuser_who_is_one_no_longer_gets_no_file(db):
    make_need("EGY", 5)
    root = make_user("root", is_superuser=True, is_staff=True, role=Role.SECRETARIAT)
    client = client_for(root)
    _job, file = web_export(client)
    root.is_superuser = False
    root.save()
    assert client.get(file).status_code == 404


def test_a_permission_a_migration_gives_a_group_keeps_its_members_files(focal_egypt):
    make_need("EGY", 5)
    group = Group.objects.create(name="focal points")
    group.permissions.add(new_permission("older"))
    focal_egypt.groups.add(group)
    client = client_for(focal_egypt)
    _job, kept = web_export(client)
    group.permissions.add(new_permission("newthing"))
    assert client.get(kept).status_code == 200
    # The group losing a permission its members' file was made with: refused.
    group.permissions.remove(group.permissions.get(codename="view_older"))
    assert client.get(kept).status_code == 404


def test_a_flag_lost_refuses_the_file_and_one_gained_keeps_it(delegate, focal_egypt):
    make_need("EGY", 5)
    chair = client_for(delegate)
    _job, chairs_file = web_export(chair)
    delegate.is_wg_chair = False
    delegate.save()
    assert chair.get(chairs_file).status_code == 404

    client = client_for(focal_egypt)
    _job, file = web_export(client)
    focal_egypt.is_bureau_member = True
    focal_egypt.save()
    assert client.get(file).status_code == 200


def test_a_donor_who_acts_for_another_organization_gets_no_file(donor):
    make_need("EGY", 5)
    client = client_for(donor)
    _job, file = web_export(client)
    donor.organization = Organization.objects.create(code="other", name_en="Other", kind="fund")
    donor.save()
    assert client.get(file).status_code == 404


# --- Reports started one after another ------------------------------------------------------------

LANGS = ["en", "fr", "es", "ru"]


def test_a_fourth_report_under_way_is_refused_on_the_web(secretariat, focal_egypt):
    client = client_for(secretariat)
    url = reverse("reports:new", args=["secretariat"]) + "?lang=en"
    period = {"start": "2024-01-01", "end": "2026-12-31", "fmt": "html"}
    with override_settings(TASKS=DB_QUEUE):  # queued for a worker, not made at once
        asked = [client.post(url, {**period, "lang": lang}) for lang in LANGS]
        again = client.post(url, {**period, "lang": "fr"})  # the same report: the same run
        other = client.post(
            reverse("reports:other", args=[asked[0]["Location"].split("/")[-2]]) + "?lang=en",
            {"lang": "ar", "fmt": "html"},
            follow=True,
        )
    assert REPORTS_UNDER_WAY == 3
    runs = list(ReportRun.objects.filter(requested_by=secretariat).order_by("requested_at"))
    assert len(runs) == 3 and [run.lang for run in runs] == LANGS[:3]
    # Sent to the first of their reports, told why no other was started.
    assert asked[3]["Location"] == reverse("reports:run", args=[runs[0].pk])
    assert again["Location"] == reverse("reports:run", args=[runs[1].pk])
    assert other.redirect_chain[-1][0] == reverse("reports:run", args=[runs[0].pk])
    assert "You have 3 reports being made" in other.content.decode()


def test_a_fourth_report_under_way_is_refused_by_the_api(secretariat):
    client = token_client(secretariat, HTTP_ACCEPT_LANGUAGE="en")

    def start(lang: str):  # type: ignore[no-untyped-def]
        return client.post(
            "/api/v1/report-runs/",
            {
                "report": "secretariat",
                "params": {"start": "2024-01-01", "end": "2026-12-31"},
                "lang": lang,
                "fmt": "html",
                "confirm": True,
            },
            content_type="application/json",
        )

    with override_settings(TASKS=DB_QUEUE):
        asked = [start(lang) for lang in LANGS]
    assert [r.status_code for r in asked] == [202, 202, 202, 429]
    problem = asked[3].json()
    assert problem["type"] == "urn:infobase:problem:reports-under-way"
    assert "3 reports being made" in problem["detail"]
    assert sorted(problem["under_way"]) == sorted(
        f"http://testserver{r['Location']}" for r in asked[:3]
    )
    assert ReportRun.objects.count() == 3
