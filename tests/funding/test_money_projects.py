"""Money, pledges and their earmarks, allocations, projects and their life, the donor's view,
and the demo data of the funding app."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import escape

from infobase.activities.models import Activity, ActivitySource, LinkStatus, NeedLink
from infobase.core.errors import InvalidInput
from infobase.funding import views_projects
from infobase.funding.models import (
    Allocation,
    Earmark,
    ExchangeRate,
    Pledge,
    Project,
    ProjectStatus,
)
from infobase.funding.money import (
    MissingRate,
    RatesUsed,
    cents,
    convert,
    convert_exact,
    rate_on,
    to_usd,
)
from infobase.funding.services import (
    allocate,
    earmark_allows,
    pledge_remaining,
    pledge_save,
    project_funding,
    project_save,
    project_transition,
    rate_save,
)
from infobase.needs.models import LessonLearned, Need
from infobase.reference.models import Article, Instrument, Organization, State
from tests.conftest import client_for
from tests.html import visible_text

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def rates() -> None:
    for currency, per_usd, valid_from in [
        ("EUR", "0.900000", date(2024, 1, 1)),
        ("EUR", "0.800000", date(2025, 1, 1)),
        ("NOK", "10.000000", date(2024, 1, 1)),
        ("JPY", "150.000000", date(2024, 1, 1)),
        ("GBP", "0.750000", date(2024, 6, 1)),
    ]:
        ExchangeRate.objects.create(
            currency=currency, per_usd=D(per_usd), valid_from=valid_from, source="Test rates"
        )


def article(code: str, number: int) -> Article:
    return Article.objects.get(instrument__code=code, number=number)


def need(iso3: str, code: str, number: int, kind: str) -> Need:
    return Need.objects.create(
        state=State.objects.get(iso3=iso3),
        article=article(code, number),
        kind=kind,
        first_seen=date(2024, 1, 1),
    )


def pledge(user, *, amount="100000", currency="USD", states=(), **data) -> Pledge:  # type: ignore[no-untyped-def]
    donor = data.pop("donor", None) or Organization.objects.get(code="no-mfa")
    return pledge_save(
        user=user,
        instance=Pledge(),
        data={
            "donor": donor,
            "amount": D(amount),
            "currency": currency,
            "pledged_on": date(2024, 3, 1),
            "status": "agreed",
            **data,
        },
        states=states,
    )


def project(user, code: str, needs: list[Need], lines=(("Work", "100000"),), currency="USD"):  # type: ignore[no-untyped-def]
    return project_save(
        user=user,
        instance=Project(),
        data={"code": code, "title": {"en": f"Project {code}"}, "currency": currency},
        needs=needs,
        budget_lines=[(d, D(a)) for d, a in lines],
    )


# --- Rates and conversion ------------------------------------------------------------------


def test_the_rate_used_is_the_latest_valid_on_the_date(rates):
    assert rate_on("EUR", date(2024, 12, 31)).per_usd == D("0.9")
    assert rate_on("eur", date(2025, 1, 1)).per_usd == D("0.8")
    assert rate_on("EUR", date(2030, 1, 1)).per_usd == D("0.8")
    assert rate_on("USD", date(1990, 1, 1)).per_usd == 1


def test_a_missing_rate_names_the_currency_and_the_date(rates):
    with pytest.raises(MissingRate) as exc:
        rate_on("EUR", date(2023, 12, 31))
    assert "EUR" in str(exc.value) and "31 December 2023" in str(exc.value)
    with pytest.raises(MissingRate, match="CHF"):
        to_usd(D("10"), "CHF", date(2025, 1, 1))


def test_conversion_is_exact_and_rounds_half_up_at_the_end(rates):
    on = date(2024, 7, 1)
    assert to_usd(D("100"), "NOK", on) == D("10.00")
    # 1 EUR = 1/0.9 USD = 1.1111… → 1.11
    assert to_usd(D("1"), "EUR", on) == D("1.11")
    # The money rule rounds half up: 0.125 → 0.13, 0.135 → 0.14 (and away from zero below it)
    assert cents(D("0.125")) == D("0.13") and cents(D("0.135")) == D("0.14")
    assert cents(D("-0.125")) == D("-0.13")
    # 3 JPY at 150/USD = 0.02 USD exactly; GBP→NOK goes through the dollar exactly
    assert to_usd(D("3"), "JPY", on) == D("0.02")
    assert convert(D("75"), "GBP", "NOK", on) == D("1000.00")
    # Rounding only at the end: three thirds of a euro-cent add up before rounding.
    third = convert_exact(D("0.003"), "EUR", "USD", on)
    assert cents(third * 3) == D("0.01")
    assert cents(third) * 3 == D("0.00")


def test_rates_used_are_collected_once_each(rates):
    used = RatesUsed()
    on = date(2024, 7, 1)
    to_usd(D("1"), "EUR", on, used=used)
    to_usd(D("2"), "EUR", on, used=used)
    convert(D("1"), "NOK", "GBP", on, used=used)
    to_usd(D("1"), "USD", on, used=used)
    assert [(r.currency, r.per_usd, r.valid_from, r.source) for r in used] == [
        ("EUR", D("0.9"), date(2024, 1, 1), "Test rates"),
        ("GBP", D("0.75"), date(2024, 6, 1), "Test rates"),
        ("NOK", D("10"), date(2024, 1, 1), "Test rates"),
    ]


def test_the_secretariat_adds_rates_and_others_may_not(secretariat, donor):
    rate = rate_save(user=secretariat, currency="sek", per_usd="10.5", valid_from=date(2025, 1, 1))
    assert rate.currency == "SEK" and rate_on("SEK", date(2025, 2, 1)).per_usd == D("10.5")
    with pytest.raises(InvalidInput) as exc:
        rate_save(user=secretariat, currency="XYZ", per_usd="0", valid_from=None)
    assert len(exc.value.problems) == 3
    with pytest.raises(PermissionDenied):
        rate_save(user=donor, currency="SEK", per_usd="10", valid_from=date(2025, 1, 1))


# --- Pledges -------------------------------------------------------------------------------


def test_a_pledge_needs_a_positive_amount_and_a_known_currency(secretariat):
    with pytest.raises(InvalidInput) as exc:
        pledge(secretariat, amount="0", currency="XXQ")
    messages = " ".join(p.message for p in exc.value.problems)
    assert "greater than zero" in messages and "XXQ" in messages
    assert not Pledge.objects.exists()


@pytest.mark.parametrize(
    ("earmark", "message"),
    [
        (Earmark.THEMATIC, "thematic earmark needs"),
        (Earmark.GEOGRAPHIC, "regional group or at least one State"),
        (Earmark.PROJECT, "needs the project"),
    ],
)
def test_an_earmark_must_say_what_it_earmarks(secretariat, earmark, message):
    with pytest.raises(InvalidInput, match=message):
        pledge(secretariat, earmark=earmark)


def test_a_thematic_article_must_belong_to_its_instrument(secretariat):
    with pytest.raises(InvalidInput, match="is not an article of"):
        pledge(
            secretariat,
            earmark=Earmark.THEMATIC,
            instrument=Instrument.objects.get(code="tip"),
            article=article("untoc", 16),
        )


def test_only_the_secretariat_records_pledges(donor):
    with pytest.raises(PermissionDenied):
        pledge(donor)


# --- Earmarks and allocations --------------------------------------------------------------


@pytest.fixture
def african_project(secretariat):  # type: ignore[no-untyped-def]
    return project(
        secretariat,
        "afr-extradition",
        [need("SEN", "untoc", 16, "legislative"), need("EGY", "untoc", 16, "training")],
    )


@pytest.fixture
def weog_project(secretariat):  # type: ignore[no-untyped-def]
    return project(secretariat, "weog-tip", [need("PRT", "tip", 6, "training")])


def test_a_thematic_earmark_is_not_crossed(secretariat, african_project, weog_project):
    art16 = pledge(secretariat, earmark=Earmark.THEMATIC, article=article("untoc", 16))
    assert art16.instrument.code == "untoc"  # the instrument follows the article
    assert earmark_allows(art16, african_project)[0]
    allowed, reasons = earmark_allows(art16, weog_project)
    assert not allowed and any("tip" in r.lower() or "Protocol" in r for r in reasons)
    with pytest.raises(InvalidInput) as exc:
        allocate(user=secretariat, pledge=art16, project=weog_project, amount=D("10"))
    assert any(p.column == "earmark" for p in exc.value.problems)
    assert not Allocation.objects.exists()


def test_every_need_must_match_a_thematic_earmark(secretariat, african_project):
    training = pledge(secretariat, earmark=Earmark.THEMATIC, kind="training")
    allowed, reasons = earmark_allows(training, african_project)
    assert not allowed
    assert len(reasons) == 1 and "Senegal" in reasons[0]  # the need named as a reader knows it


def test_a_geographic_earmark_is_not_crossed(secretariat, african_project, weog_project):
    africa = pledge(secretariat, earmark=Earmark.GEOGRAPHIC, regional_group="african")
    assert earmark_allows(africa, african_project) == (
        True,
        ["Every beneficiary State of the project is within the pledge's region."],
    )
    allowed, reasons = earmark_allows(africa, weog_project)
    assert not allowed and "Portugal" in reasons[0]
    senegal_only = pledge(
        secretariat, earmark=Earmark.GEOGRAPHIC, states=[State.objects.get(iso3="SEN")]
    )
    allowed, reasons = earmark_allows(senegal_only, african_project)
    assert not allowed and len(reasons) == 1 and "Egypt" in reasons[0]
    with pytest.raises(InvalidInput, match="Egypt"):
        allocate(user=secretariat, pledge=senegal_only, project=african_project, amount=D("1"))


def test_a_project_earmark_is_not_crossed(secretariat, african_project, weog_project):
    to_africa = pledge(secretariat, earmark=Earmark.PROJECT, project=african_project)
    assert earmark_allows(to_africa, african_project)[0]
    allowed, reasons = earmark_allows(to_africa, weog_project)
    assert not allowed and "afr-extradition" in reasons[0]
    with pytest.raises(InvalidInput):
        allocate(user=secretariat, pledge=to_africa, project=weog_project, amount=D("1"))


def test_a_pledge_keeps_only_the_fields_of_its_kind_of_earmark(secretariat, african_project):
    senegal = State.objects.get(iso3="SEN")
    made = pledge(
        secretariat, earmark=Earmark.THEMATIC, article=article("untoc", 16), kind="training"
    )
    assert made.instrument is not None and made.instrument.code == "untoc"  # from the article

    def moved(data, states=()):  # type: ignore[no-untyped-def]
        pledge_save(user=secretariat, instance=made, data=data, states=states, reason="Moved")
        made.refresh_from_db()
        return made

    moved({"earmark": Earmark.GEOGRAPHIC, "regional_group": "african"}, [senegal])
    assert (made.instrument, made.article, made.kind) == (None, None, "")
    assert made.regional_group == "african" and list(made.states.all()) == [senegal]
    moved({"earmark": Earmark.PROJECT, "project": african_project}, [senegal])
    assert made.regional_group == "" and not made.states.exists()
    assert made.project == african_project
    moved({"earmark": Earmark.NONE})
    assert made.project is None


def test_allocations_never_exceed_what_remains(secretariat, african_project):
    free = pledge(secretariat, amount="1000.00", currency="EUR")
    assert pledge_remaining(free) == D("1000.00")
    allocate(user=secretariat, pledge=free, project=african_project, amount=D("600.50"))
    assert pledge_remaining(free) == D("399.50")
    with pytest.raises(InvalidInput, match="more than what remains"):
        allocate(user=secretariat, pledge=free, project=african_project, amount=D("399.51"))
    allocate(user=secretariat, pledge=free, project=african_project, amount=D("399.50"))
    assert pledge_remaining(free) == 0
    with pytest.raises(InvalidInput, match="already allocated"):
        pledge_save(user=secretariat, instance=free, data={"amount": D("999")})
    with pytest.raises(InvalidInput, match="greater than zero"):
        allocate(user=secretariat, pledge=free, project=african_project, amount=D("0"))


def test_an_allocated_pledge_cannot_take_an_earmark_its_allocations_cross(
    secretariat, african_project
):
    free = pledge(secretariat)
    allocate(user=secretariat, pledge=free, project=african_project, amount=D("10"))
    with pytest.raises(InvalidInput, match="afr-extradition"):
        pledge_save(
            user=secretariat,
            instance=free,
            data={"earmark": Earmark.GEOGRAPHIC, "regional_group": "weog"},
        )
    free.refresh_from_db()
    assert free.earmark == Earmark.NONE


def test_a_donor_cannot_allocate(secretariat, donor, african_project):
    free = pledge(secretariat)
    with pytest.raises(PermissionDenied):
        allocate(user=donor, pledge=free, project=african_project, amount=D("1"))


def test_allocations_keep_history(secretariat, african_project):
    free = pledge(secretariat)
    made = allocate(
        user=secretariat, pledge=free, project=african_project, amount=D("5"), reason="Board"
    )
    entry = made.history.first()
    assert entry.history_change_reason == "Board" and entry.history_user == secretariat


# --- Projects ------------------------------------------------------------------------------


def test_a_project_designed_from_needs_takes_their_states(african_project):
    assert sorted(african_project.states.values_list("iso3", flat=True)) == ["EGY", "SEN"]
    assert african_project.needs.count() == 2


def test_funding_converts_each_allocation_at_its_date_and_rounds_once(
    secretariat, rates, african_project
):
    eur = pledge(secretariat, amount="900", currency="EUR")
    nok = pledge(secretariat, amount="10000", currency="NOK")
    allocate(
        user=secretariat, pledge=eur, project=african_project, amount=D("1"), on=date(2024, 7, 1)
    )
    allocate(
        user=secretariat, pledge=eur, project=african_project, amount=D("1"), on=date(2024, 7, 2)
    )
    allocate(
        user=secretariat, pledge=nok, project=african_project, amount=D("1000"), on=date(2024, 7, 1)
    )
    funding = project_funding(african_project)
    budget, allocated, gap = funding
    # 2 EUR at 0.9 = 2.2222… USD (rounded once: 2.22, not 1.11 + 1.11 by chance) + 100 USD
    assert (budget, allocated, gap) == (D("100000"), D("102.22"), D("99897.78"))
    assert {r.currency for r in funding.rates} == {"EUR", "NOK"}
    assert not funding.covered


def test_funding_lists_a_missing_rate_instead_of_failing(secretariat, african_project):
    chf = pledge(secretariat, amount="100", currency="CHF")
    allocate(user=secretariat, pledge=chf, project=african_project, amount=D("10"))
    funding = project_funding(african_project)
    assert funding.allocated == 0 and "CHF" in funding.missing[0]


def test_the_life_of_a_project(secretariat, rates):
    made = project(secretariat, "life", [need("SEN", "untoc", 20, "training")], (("A", "60"),))
    with pytest.raises(InvalidInput, match="cannot go from"):
        project_transition(user=secretariat, project=made, to=ProjectStatus.FUNDED)
    project_transition(user=secretariat, project=made, to=ProjectStatus.APPROVED, reason="ok")
    free = pledge(secretariat, amount="100", currency="EUR")
    allocate(user=secretariat, pledge=free, project=made, amount=D("50"), on=date(2024, 7, 1))
    # 50 EUR = 55.56 USD < 60 USD at the rates of 2024-07-01 (the as-of date): not funded yet
    with pytest.raises(InvalidInput, match=r"4\.44"):
        project_transition(
            user=secretariat, project=made, to=ProjectStatus.FUNDED, on=date(2024, 7, 1)
        )
    allocate(user=secretariat, pledge=free, project=made, amount=D("4"), on=date(2024, 7, 1))
    project_transition(user=secretariat, project=made, to=ProjectStatus.FUNDED, on=date(2024, 7, 1))
    project_transition(user=secretariat, project=made, to=ProjectStatus.IN_DELIVERY)
    with pytest.raises(InvalidInput, match="lessons learned"):
        project_transition(user=secretariat, project=made, to=ProjectStatus.CLOSED)
    made.refresh_from_db()
    assert made.status == ProjectStatus.IN_DELIVERY
    project_transition(
        user=secretariat,
        project=made,
        to=ProjectStatus.CLOSED,
        reason="Delivered",
        lesson_data={"title": "Train the trainers first", "what_worked": "Mentoring"},
    )
    made.refresh_from_db()
    assert made.status == ProjectStatus.CLOSED
    lesson = made.lessons.get()
    assert lesson.title == "Train the trainers first" and "life" in lesson.activity
    assert list(lesson.states.values_list("iso3", flat=True)) == ["SEN"]
    assert lesson.kinds == ["training"]
    assert made.history.first().history_change_reason == "Delivered"
    with pytest.raises(InvalidInput, match="closed"):
        allocate(user=secretariat, pledge=free, project=made, amount=D("1"))


def test_closing_with_an_existing_lesson(secretariat):
    made = project(secretariat, "short", [need("SEN", "untoc", 29, "training")], (("A", "1"),))
    made.status = ProjectStatus.IN_DELIVERY
    made.save()
    lesson = LessonLearned.objects.create(title="Known", activity="x")
    project_transition(user=secretariat, project=made, to=ProjectStatus.CLOSED, lesson=lesson)
    assert list(made.lessons.all()) == [lesson]


def test_project_input_is_validated_all_at_once(secretariat):
    with pytest.raises(InvalidInput) as exc:
        project_save(
            user=secretariat,
            instance=Project(),
            data={
                "code": "",
                "title": {},
                "currency": "ZZZ",
                "starts": date(2025, 1, 1),
                "ends": date(2024, 1, 1),
            },
            budget_lines=[("", D("-1"))],
        )
    assert len(exc.value.problems) == 6
    assert not Project.objects.exists()


# --- Screens: who sees which pledges -------------------------------------------------------


@pytest.fixture
def two_donors_pledges(secretariat, donor):  # type: ignore[no-untyped-def]
    own = pledge(secretariat, donor=donor.organization, amount="777.00", notes="own pledge")
    other = pledge(secretariat, amount="555.00", notes="norway pledge")
    return own, other


def test_a_donor_sees_only_its_own_pledges(donor, two_donors_pledges):
    own, other = two_donors_pledges
    client = client_for(donor)
    html = client.get(reverse("pledge_list")).content.decode()
    assert "777.00" in html and "555.00" not in html
    assert client.get(reverse("pledge_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("pledge_detail", args=[other.pk])).status_code == 403
    assert client.get(reverse("pledge_new")).status_code == 403
    assert client.get(reverse("pledge_edit", args=[own.pk])).status_code == 403
    assert client.get(reverse("history", args=["funding.pledge", own.pk])).status_code == 200
    assert client.get(reverse("history", args=["funding.pledge", other.pk])).status_code == 404


def test_the_secretariat_sees_every_pledge(secretariat, two_donors_pledges):
    html = client_for(secretariat).get(reverse("pledge_list")).content.decode()
    assert "777.00" in html and "555.00" in html


def test_others_may_not_list_pledges(focal_egypt, delegate, two_donors_pledges):
    for user in (focal_egypt, delegate):
        assert client_for(user).get(reverse("pledge_list")).status_code == 403
        assert (
            client_for(user)
            .get(reverse("pledge_detail", args=[two_donors_pledges[0].pk]))
            .status_code
            == 403
        )
    assert client_for(None).get(reverse("pledge_list")).status_code == 302


def test_the_secretariat_records_a_pledge_through_the_form(secretariat):
    client = client_for(secretariat)
    assert client.get(reverse("pledge_new")).status_code == 200
    response = client.post(
        reverse("pledge_new"),
        {
            "donor": Organization.objects.get(code="se-sida").pk,
            "amount": "1000.50",
            "currency": "SEK",
            "pledged_on": "2025-01-02",
            "status": "pledged",
            "earmark": "thematic",
            "kind": "",
        },
    )
    assert response.status_code == 200
    assert "thematic earmark needs" in response.content.decode()
    assert not Pledge.objects.exists()
    response = client.post(
        reverse("pledge_new"),
        {
            "donor": Organization.objects.get(code="se-sida").pk,
            "amount": "1000.50",
            "currency": "SEK",
            "pledged_on": "2025-01-02",
            "status": "pledged",
            "earmark": "thematic",
            "kind": "training",
        },
    )
    made = Pledge.objects.get()
    assert response.status_code == 302 and made.amount == D("1000.50") and made.kind == "training"


def test_the_pledge_form_sets_each_earmark_apart_and_names_what_an_empty_choice_means(
    secretariat,
):
    import lxml.html

    page = lxml.html.fromstring(client_for(secretariat).get(reverse("pledge_new")).content)
    # Each earmark's part (the States' checklist is a group of its own within its part).
    parts = {
        fieldset.findtext("legend"): sorted(
            {
                el.get("name")
                for el in fieldset.iter("select", "input", "textarea")
                if el.get("name")
            }
        )
        for fieldset in page.xpath('//fieldset[contains(@class, "earmark")]')
    }
    assert parts == {
        "Thematic earmark": ["article", "instrument", "kind"],
        "Geographic earmark": ["regional_group", "states"],
        "Project earmark": ["project"],
    }
    empty = {
        name: page.xpath(f'//select[@name="{name}"]/option[@value=""]/text()')
        for name in ("instrument", "article", "kind", "regional_group", "project")
    }
    assert empty == {
        "instrument": ["Any instrument"],
        "article": ["Any article"],
        "kind": ["Any kind of assistance"],
        "regional_group": ["No regional group"],
        "project": ["No project"],
    }


def test_a_pledges_page_writes_its_amounts_and_its_earmark_as_its_readers_language_does(
    secretariat, african_project
):
    states = [State.objects.get(iso3="SEN"), State.objects.get(iso3="EGY")]
    made = pledge(
        secretariat,
        amount="1250000",
        earmark=Earmark.GEOGRAPHIC,
        regional_group="african",
        states=states,
    )
    allocate(user=secretariat, pledge=made, project=african_project, amount=D("250000"))
    url = reverse("pledge_detail", args=[made.pk])
    english = client_for(secretariat).get(url, {"lang": "en"}).content.decode()
    # Grouped as on the list of pledges: the amount, what is allocated, what remains.
    for amount in ("1,250,000.00 USD", "250,000.00 USD", "1,000,000.00 USD"):
        assert amount in visible_text(english)
    assert "Geographic: African States, " in english
    arabic = client_for(secretariat).get(url, {"lang": "ar"}).content.decode()
    assert "جغرافي: مجموعة الدول الأفريقية، " in arabic and "الأفريقية, " not in arabic


def test_a_donor_cannot_allocate_through_the_screen(secretariat, donor, african_project):
    free = pledge(secretariat, donor=donor.organization)
    url = reverse("project_allocate", args=[african_project.pk])
    response = client_for(donor).post(
        url, {"pledge": free.pk, "amount": "1", "allocated_on": "2025-01-01"}
    )
    assert response.status_code == 403
    assert not Allocation.objects.exists()
    page = client_for(donor).get(reverse("project_detail", args=[african_project.pk]))
    assert page.status_code == 200 and "Allocate from a pledge" not in page.content.decode()


def test_the_project_page_offers_only_pledges_whose_earmarks_allow_it(secretariat, african_project):
    fits = pledge(secretariat, earmark=Earmark.GEOGRAPHIC, regional_group="african", notes="fits")
    crosses = pledge(secretariat, earmark=Earmark.GEOGRAPHIC, regional_group="weog")
    client = client_for(secretariat)
    response = client.get(reverse("project_detail", args=[african_project.pk]))
    form = response.context["allocate_form"]
    assert list(form.fields["pledge"].queryset) == [fits]
    refused = client.post(
        reverse("project_allocate", args=[african_project.pk]),
        {"pledge": crosses.pk, "amount": "10", "allocated_on": "2025-01-01"},
    )
    assert refused.status_code == 400 and not Allocation.objects.exists()
    done = client.post(
        reverse("project_allocate", args=[african_project.pk]),
        {"pledge": fits.pk, "amount": "10", "allocated_on": "2025-01-01"},
    )
    assert done.status_code == 302 and Allocation.objects.get().amount == D("10")
    html = client.get(reverse("project_detail", args=[african_project.pk])).content.decode()
    assert "99,990.00 USD" in visible_text(html)  # the gap, and what is left of the pledge


def test_a_donor_sees_other_donors_money_on_a_project_only_in_aggregate(
    secretariat, donor, african_project
):
    own = pledge(secretariat, donor=donor.organization)
    other = pledge(secretariat, amount="5000")
    allocate(user=secretariat, pledge=own, project=african_project, amount=D("100"))
    allocate(user=secretariat, pledge=other, project=african_project, amount=D("4000"))
    html = client_for(donor).get(reverse("project_detail", args=[african_project.pk])).content
    text = html.decode()
    assert "Test Fund" in text and "Norwegian" not in text
    assert "Other donors" in text and "4,000.00 USD" in visible_text(text)


def test_closing_on_the_screen_asks_for_a_lesson(secretariat):
    made = project(secretariat, "screen", [need("SEN", "untoc", 29, "training")], (("A", "1"),))
    made.status = ProjectStatus.IN_DELIVERY
    made.save()
    client = client_for(secretariat)
    page = client.get(reverse("project_detail", args=[made.pk])).content.decode()
    assert "lessons learned" in page
    url = reverse("project_move", args=[made.pk])
    refused = client.post(url, {"to": "closed", "reason": "done"})
    assert refused.status_code == 400
    made.refresh_from_db()
    assert made.status == ProjectStatus.IN_DELIVERY
    closed = client.post(url, {"to": "closed", "lesson_title": "Start with a needs assessment"})
    assert closed.status_code == 302
    made.refresh_from_db()
    assert made.status == ProjectStatus.CLOSED and made.lessons.get().title.startswith("Start")


def test_designing_a_project_from_needs_prefills_the_states(secretariat):
    first, second = need("SEN", "untoc", 20, "training"), need("EGY", "untoc", 18, "legislative")
    client = client_for(secretariat)
    response = client.get(reverse("project_new"), {"need": [first.pk, second.pk]})
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert {s.iso3 for s in initial["states"]} == {"SEN", "EGY"}
    saved = client.post(
        reverse("project_new"),
        {
            "code": "from-needs",
            "title_en": "From needs",
            "needs": [first.pk, second.pk],
            "description_language": "en",
            "currency": "EUR",
            "lines-TOTAL_FORMS": "3",
            "lines-INITIAL_FORMS": "0",
            "lines-0-description": "Training",
            "lines-0-amount": "1000.00",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    made = Project.objects.get(code="from-needs")
    assert {s.iso3 for s in made.states.all()} == {"SEN", "EGY"}
    assert made.budget_lines.get().amount == D("1000.00") and made.currency == "EUR"
    assert client_for(None).get(reverse("project_new")).status_code == 302


def test_the_rate_table_takes_new_rates_from_the_secretariat_only(secretariat, donor):
    url = reverse("rate_list")
    data = {"currency": "EUR", "per_usd": "0.93", "valid_from": "2025-03-01", "source": "ECB"}
    assert client_for(donor).get(url).status_code == 200
    assert client_for(donor).post(url, data).status_code == 403
    assert client_for(secretariat).post(url, data).status_code == 302
    assert rate_on("EUR", date(2025, 3, 2)).source == "ECB"
    assert "0.930000" in client_for(donor).get(url).content.decode()


def test_pledge_and_project_history_pages(secretariat, african_project):
    made = pledge(secretariat)
    client = client_for(secretariat)
    assert client.get(reverse("history", args=["funding.pledge", made.pk])).status_code == 200
    assert (
        client.get(reverse("history", args=["funding.project", african_project.pk])).status_code
        == 200
    )


# --- Demo data -----------------------------------------------------------------------------


def funding_snapshot() -> list[tuple]:
    return [
        *ExchangeRate.objects.order_by("currency", "valid_from").values_list(
            "currency", "valid_from", "per_usd"
        ),
        *Pledge.objects.order_by("notes").values_list(
            "donor__code", "amount", "currency", "earmark", "status", "notes"
        ),
        *Project.objects.order_by("code").values_list("code", "status", "currency"),
        *Allocation.objects.order_by("pledge__notes", "project__code").values_list(
            "pledge__notes", "project__code", "amount"
        ),
    ]


def test_the_demo_contributor_is_idempotent_and_shows_tension(demo_loaded: None):
    from infobase.demo.services import generate

    first = funding_snapshot()
    generate(scale="small", seed=1)
    assert funding_snapshot() == first
    assert Pledge.objects.filter(is_demo=True).count() >= 20
    assert set(Project.objects.values_list("status", flat=True)) == set(ProjectStatus.values)
    assert not Pledge.objects.filter(is_demo=False).exists()
    assert {p.earmark for p in Pledge.objects.all()} == set(Earmark.values)
    assert len({p.currency for p in Pledge.objects.all()}) >= 8
    # Every demo allocation is within its pledge's earmark and amount.
    for allocation in Allocation.objects.select_related("pledge", "project"):
        assert earmark_allows(allocation.pledge, allocation.project)[0]
    for made in Pledge.objects.all():
        assert pledge_remaining(made) >= 0
    # African projects are underfunded, the Western European one is covered.
    africa = project_funding(Project.objects.get(code="demo-africa-firearms"))
    weog = project_funding(Project.objects.get(code="demo-weog-extradition"))
    assert africa.gap == africa.budget > 0 and weog.covered
    # The demo donor sees its own pledges only.
    from infobase.accounts.models import User

    html = client_for(User.objects.get(username="donor")).get(reverse("pledge_list"))
    assert html.status_code == 200
    assert html.context["total"] == Pledge.objects.filter(donor__code="demo-donor-fund").count()


def _activity(identifier: str, title: str) -> Activity:
    return Activity.objects.create(
        iati_identifier=identifier, source=ActivitySource.IATI, provider_kind="state",
        title={"en": title},
    )  # fmt: skip


def test_the_project_form_lists_what_is_chosen_or_linked_not_everything(secretariat, monkeypatch):  # type: ignore[no-untyped-def]
    # At world scale the form listed every open need and every activity (17 MB, 28 s).
    monkeypatch.setattr(views_projects, "OFFERED", 2)
    needs = [need("SEN", "untoc", n, "training") for n in (20, 21, 22, 23)]
    linked, chosen = _activity("XM-LINKED", "Linked"), _activity("XM-CHOSEN", "Chosen")
    unrelated = _activity("XM-UNRELATED", "Unrelated")
    NeedLink.objects.create(need=needs[3], activity=linked, status=LinkStatus.ACCEPTED)
    client = client_for(secretariat)
    page = client.get(reverse("project_new"), {"need": [needs[3].pk]})
    form = page.context["form"]
    listed_needs = [value for value, _label in form.fields["needs"].widget.choices]
    assert len(page.context["offered"]) == 2  # the first two open needs, in step 1 and here
    assert needs[3].pk in listed_needs and len(listed_needs) == 3  # and the chosen one
    listed = {value for value, _label in form.fields["activities"].widget.choices}
    assert listed == {linked.pk}  # linked to the chosen need; nothing else
    # Each title laid out in its own direction (an English title in an Arabic page).
    html = str(form["activities"])
    assert f'value="{linked.pk}" id="id_activities_0">' in html
    assert f'<span dir="auto">{escape(str(linked))}</span>' in html
    data = {
        "code": "by-identifier",
        "title_en": "By identifier",
        "needs": [needs[3].pk],
        "activities": [linked.pk],
        "description_language": "en",
        "currency": "USD",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
    }
    # Any other activity is added by its IATI identifier; an unknown one is named.
    refused = client.post(reverse("project_new"), {**data, "activity_identifiers": "XM-NONE\n"})
    assert refused.status_code == 200
    assert "No activity has the IATI identifier XM-NONE." in refused.content.decode()
    assert not Project.objects.filter(code="by-identifier").exists()
    saved = client.post(reverse("project_new"), {**data, "activity_identifiers": " XM-CHOSEN \n"})
    assert saved.status_code == 302
    made = Project.objects.get(code="by-identifier")
    assert set(made.activities.all()) == {linked, chosen}
    # Editing lists the project's own activities, still not the unrelated one.
    edit = client.get(reverse("project_edit", args=[made.pk])).context["form"]
    listed = {value for value, _label in edit.fields["activities"].widget.choices}
    assert listed == {linked.pk, chosen.pk} and unrelated.pk not in listed


def test_a_budget_line_changed_keeps_its_history_line_by_line(secretariat):  # type: ignore[no-untyped-def]
    # Saving a project changes its lines in place: each line's history shows what changed and
    # why (it was deleted and made again, so a line's history only ever said "created").
    made = project(
        secretariat,
        "lines",
        [need("EGY", "untoc", 5, "training")],
        lines=[("A", "10"), ("B", "20")],
    )
    first, second = made.budget_lines.order_by("pk")
    project_save(
        user=secretariat,
        instance=made,
        data={},
        budget_lines=[("A", D("10")), ("B, revised", D("25"))],
        reason="Revised estimate",
    )
    assert list(made.budget_lines.order_by("pk").values_list("pk", flat=True)) == [
        first.pk,
        second.pk,
    ]
    assert first.history.count() == 1  # unchanged: nothing written
    latest, created = second.history.all()[:2]
    assert (latest.description, latest.amount, latest.history_type) == ("B, revised", 25, "~")
    assert latest.history_change_reason == "Revised estimate" and latest.history_user == secretariat
    assert (created.description, created.history_type) == ("B", "+")
    project_save(
        user=secretariat, instance=made, data={}, budget_lines=[("A", D("10"))], reason="Cut"
    )
    assert list(made.budget_lines.values_list("pk", flat=True)) == [first.pk]
    assert second.history.first().history_type == "-"
    assert second.history.first().history_change_reason == "Cut"
