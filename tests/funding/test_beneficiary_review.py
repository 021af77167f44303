"""A project saved before its States were proposed from public needs alone may name a State
whose needs in it are all confidential: the secretariat, and it alone, is told (the project's
page, its home queue, the projects list, a command) and settles each one, removing the State or
keeping it on purpose with a reason kept in the project's history."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from lxml import html as lxml_html

from infobase.accounts.models import User
from infobase.core.errors import InvalidInput
from infobase.funding.models import Project
from infobase.funding.selectors import beneficiaries_to_review, projects_to_review, states_to_review
from infobase.funding.services import beneficiary_keep, beneficiary_remove, project_save
from infobase.needs.models import Need
from infobase.reference.models import State
from tests.conftest import client_for
from tests.funding.test_money_projects import need
from tests.html import visible_text

pytestmark = pytest.mark.django_db

NOTICE = "beneficiary-review"


def _confidential(n: Need) -> Need:
    n.confidential = True
    n.save()
    return n


@pytest.fixture
def older(secretariat: User) -> Project:
    """A project as saved before the fix: its States those of all its needs. Egypt's need is
    public; Nigeria's only need is confidential; Senegal has a confidential and a public one."""
    needs = [
        need("EGY", "untoc", 5, "training"),
        _confidential(need("NGA", "untoc", 16, "action_plan")),
        _confidential(need("SEN", "untoc", 20, "training")),
        need("SEN", "untoc", 5, "training"),
    ]
    return project_save(
        user=secretariat,
        instance=Project(),
        data={"code": "older", "title": {"en": "Border control"}, "currency": "USD"},
        needs=needs,
        states=list(State.objects.filter(iso3__in=["EGY", "NGA", "SEN"])),
    )


def _iso3(states: list[State]) -> list[str]:
    return [s.iso3 for s in states]


def test_a_state_whose_needs_in_the_project_are_all_confidential_is_to_review(
    older: Project,
) -> None:
    # Egypt (a public need) and Senegal (a public need beside a confidential one) are not.
    assert _iso3(states_to_review(older)) == ["NGA"]
    assert list(projects_to_review()) == [older]


def test_a_state_named_without_any_need_of_its_own_is_not_to_review(older: Project) -> None:
    older.states.add(State.objects.get(iso3="MEX"))  # no need of Mexico: a choice, nothing told
    assert _iso3(states_to_review(older)) == ["NGA"]


def test_a_state_kept_on_purpose_is_no_longer_to_review(secretariat: User, older: Project) -> None:
    nigeria = State.objects.get(iso3="NGA")
    beneficiary_keep(user=secretariat, project=older, state=nigeria, reason="Agreed with Nigeria.")
    assert states_to_review(older) == []
    assert not projects_to_review().exists()
    assert _iso3(list(older.states.order_by("iso3"))) == ["EGY", "NGA", "SEN"]
    # Named again after being taken out, it is to review again: the choice was for that naming.
    project_save(user=secretariat, instance=older, data={}, states=older.states.exclude(iso3="NGA"))
    project_save(user=secretariat, instance=older, data={}, states=State.objects.filter(iso3="NGA"))
    assert _iso3(states_to_review(older)) == ["NGA"]


def test_keeping_on_purpose_needs_a_reason_and_a_state_to_review(
    secretariat: User, older: Project
) -> None:
    nigeria, egypt = State.objects.get(iso3="NGA"), State.objects.get(iso3="EGY")
    with pytest.raises(InvalidInput, match="Say why"):
        beneficiary_keep(user=secretariat, project=older, state=nigeria, reason="  ")
    with pytest.raises(InvalidInput, match="not a beneficiary State of this project waiting"):
        beneficiary_keep(user=secretariat, project=older, state=egypt, reason="Because.")
    with pytest.raises(InvalidInput, match="not a beneficiary State of this project waiting"):
        beneficiary_remove(user=secretariat, project=older, state=egypt)
    assert _iso3(states_to_review(older)) == ["NGA"]
    assert older.history.count() == 1


def test_the_secretariat_sees_the_notice_naming_the_states_to_review(
    secretariat: User, older: Project
) -> None:
    page = client_for(secretariat).get(reverse("project_detail", args=[older.pk]))
    tree = lxml_html.fromstring(page.content)
    notice = tree.xpath(f'//section[contains(@class, "{NOTICE}")]')
    assert len(notice) == 1
    text = visible_text(lxml_html.tostring(notice[0], encoding="unicode"))
    assert "Beneficiary States to review" in text and "Nigeria" in text
    assert "Egypt" not in text and "Senegal" not in text
    assert notice[0].xpath(".//input[@name='state']/@value") == [
        str(State.objects.get(iso3="NGA").pk)
    ]


def test_the_notice_is_in_the_readers_language(secretariat: User, older: Project) -> None:
    secretariat.language = "fr"
    secretariat.save()
    page = client_for(secretariat).get(reverse("project_detail", args=[older.pk]))
    text = visible_text(page.content.decode())
    assert "États bénéficiaires à examiner" in text and "Garder délibérément" in text
    assert "Beneficiary States to review" not in text and "Keep on purpose" not in text


@pytest.mark.parametrize("persona", ["focal_egypt", "focal_senegal", "donor", "delegate"])
def test_no_one_but_the_secretariat_is_told_which_states_are_to_review(
    persona: str, older: Project, request: pytest.FixtureRequest
) -> None:
    viewer: User = request.getfixturevalue(persona)
    client = client_for(viewer)
    html = client.get(reverse("project_detail", args=[older.pk])).content.decode()
    assert NOTICE not in html
    assert reverse("project_beneficiary_keep", args=[older.pk]) not in html
    assert reverse("project_beneficiary_remove", args=[older.pk]) not in html
    # The list's filter is the secretariat's: asked for anyway, it narrows nothing.
    listed = client.get(reverse("project_list"), {"review": "on"})
    assert [row["project"] for row in listed.context["rows"]] == [older]
    assert "review" not in listed.context["form"].fields
    home = client.get(reverse("home")).content.decode()
    assert 'data-queue="beneficiaries-review"' not in home
    record = client.get(f"/api/v1/projects/{older.pk}/").json()
    assert "states_on_purpose" not in record and "review" not in str(record).lower()


def test_anonymous_visitors_get_neither_page_nor_notice(older: Project) -> None:
    page = client_for(None).get(reverse("project_detail", args=[older.pk]))
    assert page.status_code == 302 and NOTICE not in page.content.decode()
    api = client_for(None).get(f"/api/v1/projects/{older.pk}/")
    assert api.status_code in (401, 403, 404)


def test_the_secretariat_finds_the_projects_to_review_on_its_home_page_and_in_the_list(
    secretariat: User, older: Project
) -> None:
    project_save(  # designed since the fix: nothing to review
        user=secretariat,
        instance=Project(),
        data={"code": "newer", "title": {"en": "Newer"}, "currency": "USD"},
        needs=[need("EGY", "untoc", 6, "training")],
    )
    client = client_for(secretariat)
    home = lxml_html.fromstring(client.get(reverse("home")).content)
    queue = home.xpath('//*[@data-queue="beneficiaries-review"]')
    assert queue, "no queue of projects to review"
    assert queue[0].xpath('.//a[contains(@class, "queue-link")]/@href') == [
        reverse("project_detail", args=[older.pk])
    ]
    listed = client.get(reverse("project_list"), {"review": "on"})
    assert [row["project"].code for row in listed.context["rows"]] == ["older"]
    assert len(client.get(reverse("project_list")).context["rows"]) == 2


def test_removing_the_state_takes_it_out_of_the_beneficiaries_with_its_history(
    secretariat: User, donor: User, older: Project
) -> None:
    nigeria = State.objects.get(iso3="NGA")
    client = client_for(secretariat)
    sent = client.post(
        reverse("project_beneficiary_remove", args=[older.pk]), {"state": nigeria.pk, "reason": ""}
    )
    assert sent.status_code == 302
    assert _iso3(list(older.states.order_by("iso3"))) == ["EGY", "SEN"]
    assert not beneficiaries_to_review().exists()
    latest = older.history.first()
    assert latest.history_user == secretariat
    history = visible_text(
        client_for(donor)
        .get(reverse("history", args=["funding.project", older.pk]))
        .content.decode()
    )
    assert "removed Nigeria" in history and "Nigeria removed from the beneficiary States" in history
    page = client.get(reverse("project_detail", args=[older.pk])).content.decode()
    assert NOTICE not in page


def test_keeping_the_state_on_purpose_keeps_the_reason_for_the_secretariat_alone(
    secretariat: User, donor: User, focal_egypt: User, older: Project
) -> None:
    nigeria = State.objects.get(iso3="NGA")
    client = client_for(secretariat)
    url = reverse("project_beneficiary_keep", args=[older.pk])
    refused = client.post(url, {"state": nigeria.pk, "reason": ""})
    assert refused.status_code == 400
    assert "Say why the State is kept on purpose." in visible_text(refused.content.decode())
    assert older.history.count() == 1 and states_to_review(older) == [nigeria]
    sent = client.post(url, {"state": nigeria.pk, "reason": "Nigeria asked to be named."})
    assert sent.status_code == 302
    assert states_to_review(older) == [] and older.states.filter(pk=nigeria.pk).exists()
    latest = older.history.first()
    assert latest.history_user == secretariat
    assert latest.history_change_reason == "Nigeria asked to be named."
    history_url = reverse("history", args=["funding.project", older.pk])
    seen = visible_text(client.get(history_url).content.decode())
    assert "Nigeria asked to be named." in seen
    assert "Beneficiary States named on purpose" in seen and "added Nigeria" in seen
    for reader in (donor, focal_egypt):
        shown = client_for(reader).get(history_url)
        assert shown.status_code == 200
        text = visible_text(shown.content.decode())
        assert "Nigeria asked to be named." not in text and "on purpose" not in text
        assert len(shown.context["entries"]) == 1  # the project's creation alone


def test_the_command_lists_the_projects_to_review(secretariat: User, older: Project) -> None:
    out, err = StringIO(), StringIO()
    call_command("project-beneficiaries-review", stdout=out, stderr=err)
    assert out.getvalue().splitlines() == ["older\tNigeria"]
    with pytest.raises(CommandError) as failed:
        call_command("project-beneficiaries-review", "--check", stdout=StringIO())
    assert failed.value.returncode == 1 and str(failed.value) == (
        "1 project names a State through confidential needs alone."
    )
    beneficiary_keep(
        user=secretariat, project=older, state=State.objects.get(iso3="NGA"), reason="Agreed."
    )
    out = StringIO()
    call_command("project-beneficiaries-review", "--check", stdout=out)
    assert "No project names a State through confidential needs alone." in out.getvalue()
