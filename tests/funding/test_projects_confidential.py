"""A project's page shows someone outside the secretariat only the needs they may see, and
nothing derived from the others; moving a project to "funded" uses the money rule of the pages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from infobase.accounts.models import User
from infobase.core.errors import InvalidInput
from infobase.core.i18n import format_date
from infobase.funding.models import ExchangeRate, Project, ProjectStatus
from infobase.funding.services import allocate, project_funding, project_transition
from infobase.needs.models import Need
from infobase.reference.models import State
from tests.conftest import client_for
from tests.funding.test_money_projects import need, pledge, project
from tests.html import visible_text

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def mixed_project(secretariat: User) -> tuple[Project, Need, Need]:
    """A project for Egypt's visible training need and Nigeria's confidential need (another
    article, another kind), with Egypt alone as its declared beneficiary."""
    shown = need("EGY", "untoc", 5, "training")
    hidden = need("NGA", "untoc", 16, "action_plan")
    hidden.confidential = True
    hidden.save()
    made = project(secretariat, "mixed", [shown, hidden], (("Work", "90000"),))
    made.states.set([State.objects.get(iso3="EGY")])
    return made, shown, hidden


@pytest.mark.parametrize("persona", ["donor", "delegate"])
def test_the_project_page_hides_confidential_needs_and_all_that_comes_from_them(
    persona: str, mixed_project: tuple[Project, Need, Need], request: pytest.FixtureRequest
) -> None:
    made, shown, hidden = mixed_project
    viewer: User = request.getfixturevalue(persona)
    page = client_for(viewer).get(reverse("project_detail", args=[made.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert list(page.context["needs"]) == [shown]
    assert [a.number for a in page.context["articles"]] == [5]
    assert [s.iso3 for s in page.context["states"]] == ["EGY"]
    assert reverse("need_detail", args=[shown.pk]) in html
    assert reverse("need_detail", args=[hidden.pk]) not in html
    assert "Nigeria" not in html and "UNTOC 16" not in html
    assert str(hidden.article.translated("title")) not in html  # article 16, only the hidden need's
    assert "Action plan" not in html  # the hidden need's kind
    assert "confidential" not in html.lower()  # not even a count of them
    # The budget is the project's, with no per-need share to divide it by.
    assert "90,000.00 USD" in visible_text(html)
    assert "45000" not in html and "45,000" not in html


def test_the_secretariat_sees_every_need_of_the_project(
    secretariat: User, mixed_project: tuple[Project, Need, Need]
) -> None:
    made, shown, hidden = mixed_project
    page = client_for(secretariat).get(reverse("project_detail", args=[made.pk]))
    assert {n.pk for n in page.context["needs"]} == {shown.pk, hidden.pk}
    assert sorted(a.number for a in page.context["articles"]) == [5, 16]
    # The beneficiary States as everyone reads them: Nigeria is not named, and its need is
    # confidential (once the secretariat takes a State out, the page no longer lists it).
    assert sorted(s.iso3 for s in page.context["states"]) == ["EGY"]


@pytest.fixture
def eur_rates() -> None:
    """1 USD = 0.90 EUR until a year ago, 0.95 EUR since: 570 EUR is 633.33 USD, then 600."""
    today = timezone.localdate()
    for per_usd, valid_from in [
        ("0.900000", date(2020, 1, 1)),
        ("0.950000", today - timedelta(365)),
    ]:
        ExchangeRate.objects.create(
            currency="EUR", per_usd=D(per_usd), valid_from=valid_from, source="Test rates"
        )


def test_moving_to_funded_uses_todays_rates_not_the_allocation_dates(
    secretariat: User, eur_rates: None
) -> None:
    made = project(secretariat, "fx", [need("SEN", "untoc", 20, "training")], (("A", "620"),))
    made.status = ProjectStatus.APPROVED
    made.save()
    eur = pledge(secretariat, amount="1000", currency="EUR")
    allocate(user=secretariat, pledge=eur, project=made, amount=D("570"), on=date(2024, 6, 1))
    assert project_funding(made).gap < 0  # at the allocation date's rate it looked covered …
    today = project_funding(made, on=timezone.localdate())
    assert today.gap == D("20.00")  # … the pages show 600.00 of 620 USD today
    with pytest.raises(InvalidInput, match=r"20\.00 USD is still missing") as refused:
        project_transition(user=secretariat, project=made, to=ProjectStatus.FUNDED)
    assert format_date(timezone.localdate()) in str(refused.value.problems[0])
    made.refresh_from_db()
    assert made.status == ProjectStatus.APPROVED
    allocate(user=secretariat, pledge=eur, project=made, amount=D("19"))  # 20.00 USD more
    project_transition(user=secretariat, project=made, to=ProjectStatus.FUNDED)
    made.refresh_from_db()
    assert made.status == ProjectStatus.FUNDED


def _designed_from_needs(
    secretariat: User, needs: list[Need], states: list[State] | None
) -> Project:
    """The secretariat's "design from needs": the form opened for ``needs``, sent with the
    beneficiary States it offered (``states`` None), or with ``states`` (none: left empty)."""
    client = client_for(secretariat)
    offered = client.get(reverse("project_new"), {"need": [n.pk for n in needs]})
    chosen = offered.context["form"].initial["states"] if states is None else states
    saved = client.post(
        reverse("project_new"),
        {
            "code": "designed",
            "title_en": "Designed",
            "needs": [n.pk for n in needs],
            "states": [s.pk for s in chosen],
            "description_language": "en",
            "currency": "USD",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    return Project.objects.get(code="designed")


def _published(viewer: User | None, made: Project) -> dict[str, object]:
    """What a reader is told of the project's beneficiaries: its page, Nigeria's public profile
    (projects counted for those who may not list them), the API's record."""
    client = client_for(viewer) if viewer else client_for(None)
    out: dict[str, object] = {
        "profile": visible_text(client.get(reverse("state_detail", args=["NGA"])).content.decode())
    }
    if viewer is not None:
        page = client.get(reverse("project_detail", args=[made.pk]))
        out["page"] = [s.iso3 for s in page.context["states"]]
        out["api"] = client.get(f"/api/v1/projects/{made.pk}/").json()["states"]
    return out


@pytest.mark.parametrize("form", ["as offered", "left empty", "by the service"])
def test_a_project_designed_from_a_confidential_need_does_not_name_its_state(
    form: str, secretariat: User, donor: User
) -> None:
    # A project's beneficiary States are published (its page, the API, the State's public
    # profile, the Secretariat's report). Designed from Egypt's visible need and Nigeria's
    # confidential one, the States it takes by default must be what they would be had the
    # confidential need not been chosen: else "Nigeria" beside needs of Egypt alone tells that
    # Nigeria stated a need in confidence.
    shown = need("EGY", "untoc", 5, "training")
    hidden = need("NGA", "untoc", 16, "action_plan")
    hidden.confidential = True
    hidden.save()
    if form == "by the service":
        made = project(secretariat, "designed", [shown, hidden])
    else:
        states = [] if form == "left empty" else None
        made = _designed_from_needs(secretariat, [shown, hidden], states)
    assert [s.iso3 for s in made.states.all()] == ["EGY"]
    for viewer in (donor, None):
        seen = _published(viewer, made)
        profile = str(seen["profile"])
        assert "1 project is recorded" not in profile and "Designed" not in profile, viewer
        if viewer is not None:
            assert seen["page"] == ["EGY"] and seen["api"] == ["EGY"]


def test_the_secretariat_may_still_name_the_state_of_a_confidential_need(
    secretariat: User,
) -> None:
    # Naming Nigeria is then the secretariat's deliberate choice, kept as made.
    shown = need("EGY", "untoc", 5, "training")
    hidden = need("NGA", "untoc", 16, "action_plan")
    hidden.confidential = True
    hidden.save()
    both = list(State.objects.filter(iso3__in=["EGY", "NGA"]).order_by("iso3"))
    made = _designed_from_needs(secretariat, [shown, hidden], both)
    assert sorted(s.iso3 for s in made.states.all()) == ["EGY", "NGA"]


def test_the_lesson_recorded_on_closing_names_nothing_of_a_confidential_need(
    secretariat: User, mixed_project: tuple[Project, Need, Need]
) -> None:
    made, shown, hidden = mixed_project
    Project.objects.filter(pk=made.pk).update(status=ProjectStatus.IN_DELIVERY)
    made.refresh_from_db()
    project_transition(
        user=secretariat,
        project=made,
        to=ProjectStatus.CLOSED,
        reason="Delivered",
        lesson_data={"title": "Train the trainers first", "what_worked": "Mentoring"},
    )
    lesson = made.lessons.get()
    # Egypt's public training need, article 5; not Nigeria, article 16 or an action plan.
    assert list(lesson.states.values_list("iso3", flat=True)) == ["EGY"]
    assert list(lesson.articles.values_list("number", flat=True)) == [shown.article.number]
    assert lesson.kinds == ["training"]
    assert hidden.article.number not in lesson.articles.values_list("number", flat=True)
