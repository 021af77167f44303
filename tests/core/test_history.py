from __future__ import annotations

import pytest
from django.urls import reverse

from infobase.core.history import history_of
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_history_lists_who_changed_what_and_why(focal_egypt, egypt_contact):
    client = client_for(focal_egypt)
    client.post(
        reverse("contact_edit", args=["EGY", egypt_contact.pk]),
        {
            "name": "Contact EG",
            "email": "changed@example.org",
            "language": "ar",
            "reason": "Moved office",
        },
    )
    entries = history_of(egypt_contact)
    assert entries[0].who == "hoda" and entries[0].reason == "Moved office"
    assert [(c.old, c.new) for c in entries[0].changes] == [
        ("eg@example.org", "changed@example.org")
    ]
    html = client.get(
        reverse("history", args=["reference.statecontact", egypt_contact.pk])
    ).content.decode()
    assert "changed@example.org" in html and "Moved office" in html


def test_reference_history_is_public_but_hides_who(client, egypt):
    html = client.get(reverse("history", args=["reference.state", egypt.pk])).content.decode()
    assert "states.csv" in html


def test_history_of_unknown_models_is_not_found(client, secretariat):
    response = client_for(secretariat).get(
        reverse("history", args=["accounts.user", secretariat.pk])
    )
    assert response.status_code == 404


def test_history_shows_values_as_a_reader_knows_them(secretariat, focal_egypt):
    from datetime import date

    from django.conf import settings
    from django.utils import formats, translation

    from infobase.funding.models import Project, ProjectStatus

    project = Project.objects.create(
        code="border",
        title={"en": "Border control", "ar": "مراقبة الحدود"},
        created_by=secretariat,
    )
    project.title = {"en": "Border management", "ar": "إدارة الحدود"}
    project.status = ProjectStatus.APPROVED
    project.starts = date(2027, 2, 3)
    project.is_demo = True
    project.created_by = focal_egypt
    project.save()

    client = client_for(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    page = client.get(
        reverse("history", args=["funding.project", project.pk]), HTTP_ACCEPT_LANGUAGE="ar"
    )
    with translation.override("ar"):
        changes = {c.field: (c.old, c.new) for c in page.context["entries"][0].changes}
        assert changes[str(Project._meta.get_field("status").verbose_name)] == (
            str(ProjectStatus.CONCEPT.label),
            str(ProjectStatus.APPROVED.label),
        )
        assert changes[str(Project._meta.get_field("title").verbose_name)] == (
            "مراقبة الحدود",
            "إدارة الحدود",
        )
        assert changes[str(Project._meta.get_field("is_demo").verbose_name)] == ("لا", "نعم")
        assert changes[str(Project._meta.get_field("created_by").verbose_name)] == (
            secretariat.get_full_name() or secretariat.get_username(),
            focal_egypt.get_full_name() or focal_egypt.get_username(),
        )
        starts = formats.date_format(date(2027, 2, 3), "DATE_FORMAT")
    html = page.content.decode()
    assert "approved" not in html and "'ar'" not in html and "True" not in html
    assert f"<bdi>{starts}</bdi>" in html
    # Who a person is stays with those who may see who made each change.
    unnamed = history_of(project, people=False)[0].changes
    assert "created by" not in {c.field for c in unnamed} and len(unnamed) == 4


def test_history_names_what_a_key_points_to(egypt):
    from infobase.reference.models import Organization

    organization = Organization.objects.create(code="ngo", name_en="NGO", kind="ngo")
    organization.state = egypt
    organization.save()
    organization.name_en = "Network"
    organization.save()  # its search key changes too: no change a reader made
    page = client_for(None).get(
        reverse("history", args=["reference.organization", organization.pk])
    )
    entries = page.context["entries"]
    assert [(c.old, c.new) for c in entries[1].changes] == [(None, str(egypt))]
    assert [(c.old, c.new) for c in entries[0].changes] == [("NGO", "Network")]


def test_the_history_of_a_need_is_headed_by_its_kind_of_assistance(secretariat, egypt):
    from datetime import date

    from infobase.needs.models import Need
    from infobase.reference.models import Article, AssistanceKind

    article = Article.objects.get(instrument__code="untoc", number=5)
    need = Need.objects.create(
        state=egypt, article=article, kind=AssistanceKind.TRAINING, first_seen=date(2025, 1, 1)
    )
    page = client_for(secretariat).get(reverse("history", args=["needs.need", need.pk]))
    assert str(AssistanceKind.TRAINING.label) in page.content.decode()


def _heading(client, model: str, pk: int) -> str:  # type: ignore[no-untyped-def]
    import re

    html = client.get(
        reverse("history", args=[model, pk]), HTTP_ACCEPT_LANGUAGE="ar"
    ).content.decode()
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found, html
    return found.group(1)


def test_history_headings_name_records_as_an_arabic_reader_knows_them(demo_loaded, secretariat):
    """The heading of each history page in Arabic: the States by their Arabic names and the
    questionnaire by its title (not their codes); a title held in English alone marked so."""
    from django.conf import settings

    from infobase.funding.models import Pledge, Project
    from infobase.meetings.models import Membership
    from infobase.needs.models import Need
    from infobase.questionnaires.models import Answer, Assignment
    from infobase.reference.models import Participation, StateContact

    client = client_for(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    assert "سجل التغييرات: " in _heading(client, "reference.state", 1)

    assignment = Assignment.objects.select_related("state", "questionnaire").first()
    answer = Answer.objects.select_related("assignment__state").first()
    participation = Participation.objects.select_related("state", "instrument").first()
    membership = Membership.objects.select_related("state", "body").first()
    need = Need.objects.select_related("state").first()
    contact = StateContact.objects.select_related("state").first()
    # Each with the State's code as its name used to hold it.
    for model, record, state, coded in (
        ("needs.need", need, need.state, "{} /"),
        ("reference.statecontact", contact, contact.state, "({})"),
        ("questionnaires.assignment", assignment, assignment.state, "/ {}"),
        ("questionnaires.answer", answer, answer.assignment.state, "/ {}"),
        ("reference.participation", participation, participation.state, "{} /"),
        ("meetings.membership", membership, membership.state, "({})"),
    ):
        heading = _heading(client, model, record.pk)
        assert state.name_ar in heading, (model, heading)
        assert coded.format(state.iso3) not in heading, (model, heading)
    pledge = Pledge.objects.first()
    heading = _heading(client, "funding.pledge", pledge.pk)
    assert pledge.pledged_on.isoformat() not in heading and str(pledge.amount) not in heading
    heading = _heading(client, "questionnaires.assignment", assignment.pk)
    assert assignment.questionnaire.title["ar"] in heading, heading
    assert assignment.questionnaire.code not in heading, heading

    # A request: its State by its Arabic name, its title marked in the request's language.
    from infobase.needs.models import AssistanceRequest

    request = AssistanceRequest.objects.select_related("state").exclude(language="ar").first()
    heading = _heading(client, "needs.assistancerequest", request.pk)
    assert f"<bdi>{request.state.name_ar}</bdi>: " in heading, heading
    assert f'lang="{request.language}"' in heading and f"{request.state.iso3}:" not in heading

    project = Project.objects.create(code="only-en", title={"en": "Border control"})
    heading = _heading(client, "funding.project", project.pk)
    assert '<bdi lang="en" dir="ltr">Border control</bdi>' in heading, heading
    project.title = {"en": "Border control", "ar": "مراقبة الحدود"}
    project.save()
    assert "<bdi>مراقبة الحدود</bdi>" in _heading(client, "funding.project", project.pk)


def test_records_with_history_link_to_it_where_they_are_shown(demo_loaded, secretariat, delegate):
    """A State's participation, an organization, a body and its office holders keep history;
    the pages showing them link to it (office holders and bodies for who may see history),
    each link named by its record for a screen reader."""
    from infobase.meetings.models import Membership
    from infobase.reference.models import Organization, Participation

    participation = Participation.objects.select_related("state").first()
    html = client_for(None).get(f"/states/{participation.state.iso3}/").content.decode()
    assert f'href="/history/reference.participation/{participation.pk}/"' in html

    organization = Organization.objects.order_by("name_en").first()
    html = client_for(None).get("/organizations/").content.decode()
    assert f'href="/history/reference.organization/{organization.pk}/"' in html

    membership = Membership.objects.select_related("body").first()
    page = f"/meetings/bodies/{membership.body.code}/"
    html = client_for(secretariat).get(page).content.decode()
    assert f'href="/history/meetings.membership/{membership.pk}/"' in html
    assert f'href="/history/meetings.body/{membership.body.pk}/"' in html
    assert f'aria-label="History of {membership}"' in html
    assert "/history/" not in client_for(delegate).get(page).content.decode()


# Models that keep history but have no history page, each with the reason.
NO_HISTORY_PAGE = {
    # Personal data: its changes are shown in the secretariat's audit log.
    "accounts.user": "the secretariat's audit log shows changes to personal data",
}


def test_every_model_that_keeps_history_has_a_history_page() -> None:
    """A model given ``HistoricalRecords`` is in ``HISTORY_MODELS`` (its page) or named above
    with the reason it has none: the standard is that every change can be shown."""
    from django.apps import apps

    from infobase.home.views import HISTORY_MODELS

    kept = {
        model._meta.label_lower
        for model in apps.get_models()
        if hasattr(model._meta, "simple_history_manager_attribute")  # HistoricalRecords
    }
    assert kept, "no model keeps history?"
    assert kept - HISTORY_MODELS - set(NO_HISTORY_PAGE) == set()
    assert HISTORY_MODELS - kept == set()
    assert set(NO_HISTORY_PAGE) <= kept and not set(NO_HISTORY_PAGE) & HISTORY_MODELS
