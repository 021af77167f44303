"""Budgets and descriptions keep their structure through an IATI import and export, and amounts
in another currency than the activity's are converted at their value date, or shown as unknown
with the reason."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from lxml import etree

from infobase.accounts.models import User
from infobase.activities import money as activity_money
from infobase.activities.iati_export import iati_export, validate_iati
from infobase.activities.iati_import import iati_import
from infobase.activities.models import Activity, Budget, Description
from infobase.funding.models import ExchangeRate
from tests.activities.test_iati_import import iati_file, run_bytes
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def structured_activity(identifier: str, *, updated: str = "2024-01-01T00:00:00Z") -> str:
    return f"""
 <iati-activity last-updated-datetime="{updated}" xml:lang="en" default-currency="EUR">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="XX-TEST-9" type="21"><narrative>Test publisher</narrative></reporting-org>
  <title><narrative>Support to prosecutors</narrative></title>
  <description type="1"><narrative>General text.</narrative>
   <narrative xml:lang="fr">Texte général.</narrative></description>
  <description type="2"><narrative>Objectives text.</narrative>
   <narrative xml:lang="ar">نص الأهداف</narrative></description>
  <description type="3"><narrative>Target groups text.</narrative></description>
  <description type="4"><narrative>Other text.</narrative></description>
  <participating-org role="4" ref="XX-TEST-9" type="21"><narrative>Doer</narrative>
  </participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2023-01-01"/>
  <activity-date type="2" iso-date="2023-02-01"/>
  <recipient-country code="EG" percentage="100"/>
  <sector vocabulary="1" code="15130" percentage="100"/>
  <budget type="1" status="1"><period-start iso-date="2023-01-01"/>
   <period-end iso-date="2023-12-31"/><value value-date="2023-01-01">1000</value></budget>
  <budget type="2" status="2"><period-start iso-date="2023-01-01"/>
   <period-end iso-date="2023-12-31"/><value value-date="2023-06-01">1200</value></budget>
  <budget type="1" status="1"><period-start iso-date="2024-01-01"/>
   <period-end iso-date="2024-12-31"/>
   <value currency="USD" value-date="2024-01-15">500</value></budget>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2023-03-01"/>
   <value currency="USD" value-date="2023-03-01">100.00</value></transaction>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2023-04-01"/>
   <value value-date="2023-04-01">40.00</value></transaction>
 </iati-activity>"""


def budgets_of(activity: Activity) -> list[tuple[object, ...]]:
    return [
        (b.kind, b.status, b.period_start, b.period_end, b.value, b.currency, b.value_date)
        for b in Budget.objects.filter(activity=activity).order_by("period_start", "kind")
    ]


def test_each_budget_is_kept_as_its_own_row_with_type_status_period_currency_and_value_date() -> (
    None
):
    run_bytes("b.xml", iati_file(structured_activity("XX-TEST-9-B")))
    activity = Activity.objects.get(iati_identifier="XX-TEST-9-B")
    assert budgets_of(activity) == [
        (
            "1",
            "1",
            dt.date(2023, 1, 1),
            dt.date(2023, 12, 31),
            Decimal("1000.00"),
            "EUR",
            dt.date(2023, 1, 1),
        ),
        (
            "2",
            "2",
            dt.date(2023, 1, 1),
            dt.date(2023, 12, 31),
            Decimal("1200.00"),
            "EUR",
            dt.date(2023, 6, 1),
        ),
        (
            "1",
            "1",
            dt.date(2024, 1, 1),
            dt.date(2024, 12, 31),
            Decimal("500.00"),
            "USD",
            dt.date(2024, 1, 15),
        ),
    ]
    # No rate for the USD budget: the total is unknown, never a partial sum.
    assert activity.budget is None


def test_total_budget_and_disbursements_convert_other_currencies_at_their_value_dates() -> None:
    ExchangeRate.objects.create(currency="EUR", per_usd="0.9", valid_from="2023-01-01")
    run_bytes("t.xml", iati_file(structured_activity("XX-TEST-9-T")))
    activity = Activity.objects.get(iati_identifier="XX-TEST-9-T")
    # 1200 EUR (the revised 2023 budget replaces the original) + 500 USD × 0.9.
    assert activity.budget == Decimal("1650.00")
    # 100 USD × 0.9 + 40 EUR.
    assert activity.disbursed == Decimal("130.00")


def test_a_total_that_cannot_be_converted_is_unknown_with_a_warning_not_zero() -> None:
    run = run_bytes("w.xml", iati_file(structured_activity("XX-TEST-9-W")))
    activity = Activity.objects.get(iati_identifier="XX-TEST-9-W")
    assert activity.budget is None and activity.disbursed is None
    [entry] = run.report
    warnings = " ".join(entry["warnings"])
    assert "the total budget is unknown: 500.00 USD cannot be converted to EUR" in warnings
    assert "There is no exchange rate for EUR valid on 15 January 2024" in warnings


def test_each_description_type_is_kept_separately_with_its_languages() -> None:
    run_bytes("d.xml", iati_file(structured_activity("XX-TEST-9-D")))
    activity = Activity.objects.get(iati_identifier="XX-TEST-9-D")
    assert activity.description == {"en": "General text.", "fr": "Texte général."}
    typed = {d.kind: d.texts for d in Description.objects.filter(activity=activity)}
    assert typed == {
        "2": {"en": "Objectives text.", "ar": "نص الأهداف"},
        "3": {"en": "Target groups text."},
        "4": {"en": "Other text."},
    }


def test_a_description_without_type_is_general_and_an_unknown_type_is_kept_as_other() -> None:
    xml = structured_activity("XX-TEST-9-U").replace(
        '<description type="3">', '<description type="9">'
    )
    xml = xml.replace('<description type="1">', "<description>")
    run = run_bytes("u.xml", iati_file(xml))
    activity = Activity.objects.get(iati_identifier="XX-TEST-9-U")
    assert activity.description["en"] == "General text."
    other = Description.objects.get(activity=activity, kind="4").texts["en"]
    assert other == "Target groups text.\n\nOther text."
    [entry] = run.report
    assert any("unknown type “9”" in w for w in entry["warnings"])


def test_reimport_is_idempotent_and_a_newer_copy_replaces_the_rows() -> None:
    data = iati_file(structured_activity("XX-TEST-9-R"))
    run_bytes("r.xml", data)
    again = run_bytes("r.xml", data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    activity = Activity.objects.get(iati_identifier="XX-TEST-9-R")
    assert Budget.objects.filter(activity=activity).count() == 3
    assert Description.objects.filter(activity=activity).count() == 3
    newer = structured_activity("XX-TEST-9-R", updated="2024-06-01T00:00:00Z").replace(
        '<description type="4"><narrative>Other text.</narrative></description>', ""
    )
    updated = run_bytes("r.xml", iati_file(newer))
    assert updated.updated == 1
    assert Budget.objects.filter(activity=activity).count() == 3
    assert set(Description.objects.filter(activity=activity).values_list("kind", flat=True)) == {
        "2",
        "3",
    }


def test_export_writes_each_budget_and_description_type_back_and_validates(
    shared: Path,
) -> None:
    run_bytes("e.xml", iati_file(structured_activity("XX-TEST-9-E")))
    content = iati_export(activities=Activity.objects.filter(iati_identifier="XX-TEST-9-E"))
    assert validate_iati(content) == []
    schema = etree.XMLSchema(
        etree.parse(str(shared / "iati" / "schemas" / "iati-activities-schema.xsd"))
    )
    document = etree.fromstring(content)
    assert schema.validate(document.getroottree()), schema.error_log
    activity = document.find("iati-activity")
    assert activity is not None
    descriptions = {
        d.get("type"): {n.get(XML_LANG, "en"): n.text for n in d.iterfind("narrative")}
        for d in activity.iterfind("description")
    }
    assert descriptions == {
        "1": {"en": "General text.", "fr": "Texte général."},
        "2": {"en": "Objectives text.", "ar": "نص الأهداف"},
        "3": {"en": "Target groups text."},
        "4": {"en": "Other text."},
    }
    budgets = [
        (
            b.get("type"),
            b.get("status"),
            b.find("period-start").get("iso-date"),  # type: ignore[union-attr]
            b.find("value").get("currency"),  # type: ignore[union-attr]
            b.find("value").get("value-date"),  # type: ignore[union-attr]
            b.findtext("value"),
        )
        for b in activity.iterfind("budget")
    ]
    assert budgets == [
        ("1", "1", "2023-01-01", None, "2023-01-01", "1000"),
        ("2", "2", "2023-01-01", None, "2023-06-01", "1200"),
        ("1", "1", "2024-01-01", "USD", "2024-01-15", "500"),
    ]


def test_real_file_keeps_every_budget_and_description_type_of_every_activity(
    shared: Path,
) -> None:
    path = shared / "iati" / "activities" / "dportal-covid-multipublisher-2021.xml"
    iati_import(paths=[path])
    # Independent of the importer: count the elements per activity with lxml.
    tree = etree.parse(str(path))
    expected_budgets: dict[str, int] = {}
    expected_types: dict[str, set[str]] = {}
    for element in tree.getroot().iterfind("iati-activity"):
        identifier = (element.findtext("iati-identifier") or "").strip()
        expected_budgets[identifier] = sum(
            1 for b in element.iterfind("budget") if b.find("value") is not None
        )
        expected_types[identifier] = {
            d.get("type") or "1"
            for d in element.iterfind("description")
            if "".join(str(t) for t in d.itertext()).strip()
        } - {"1"}
    held = {a.iati_identifier: a.pk for a in Activity.objects.filter(source="iati")}
    stored_budgets: dict[str, int] = dict.fromkeys(held, 0)
    for activity_id in Budget.objects.values_list("activity_id", flat=True):
        identifier = next(i for i, pk in held.items() if pk == activity_id)
        stored_budgets[identifier] += 1
    for identifier, pk in held.items():
        assert stored_budgets[identifier] == expected_budgets[identifier], identifier
        kinds = set(Description.objects.filter(activity_id=pk).values_list("kind", flat=True))
        assert kinds == expected_types[identifier], identifier
    assert sum(len(kinds) for kinds in expected_types.values()) >= 90  # 87 type 2, 4 type 3, …


REAL_ID = "CH-FDJP-CHE-106823242-20119723b"


@pytest.fixture
def real_eur_activity(shared: Path) -> Activity:
    """A real activity whose default currency is EUR, with its budget and transactions in USD."""
    iati_import(paths=[shared / "iati" / "activities" / "dportal-covid-multipublisher-2021.xml"])
    return Activity.objects.get(iati_identifier=REAL_ID)


def test_usd_amounts_of_a_eur_activity_are_converted_at_their_value_date_or_unknown(
    real_eur_activity: Activity, secretariat: User
) -> None:
    assert real_eur_activity.default_currency == "EUR"
    # EUR per US dollar; none valid before 2020-09-01.
    ExchangeRate.objects.create(currency="EUR", per_usd="0.900000", valid_from="2020-09-01")
    ExchangeRate.objects.create(currency="EUR", per_usd="0.800000", valid_from="2021-01-01")
    page = client_for(secretariat).get(reverse("activity_detail", args=[real_eur_activity.pk]))
    text = html.unescape(page.content.decode())
    # The budget of 1,198,000 USD stated on 2020-09-18: 1,078,200.00 EUR at 0.9.
    assert "1,078,200.00" in text
    # A disbursement of 860,335 USD with value date 2021-03-30: 688,268.00 EUR at 0.8.
    assert "688,268.00" in text
    # Value date 2020-06-30: no EUR rate yet, so unknown with the reason, never 0.00.
    assert "There is no exchange rate for EUR valid on 30 June 2020" in text
    assert "unknown" in text
    assert ">0.00" not in text


def test_without_a_converter_amounts_show_in_their_own_currency_only(
    monkeypatch: pytest.MonkeyPatch, secretariat: User
) -> None:
    monkeypatch.setattr(activity_money, "_converter", None)
    run_bytes("c.xml", iati_file(structured_activity("XX-TEST-9-C")))
    activity = Activity.objects.get(iati_identifier="XX-TEST-9-C")
    page = client_for(secretariat).get(reverse("activity_detail", args=[activity.pk]))
    text = html.unescape(page.content.decode())
    assert "100.00" in text and "USD" in text
    assert "In EUR" not in text and "unknown" not in text


def test_conversion_rules_same_currency_missing_date_and_missing_rate() -> None:
    ExchangeRate.objects.create(currency="EUR", per_usd="0.5", valid_from="2023-01-01")
    same = activity_money.convert_amount(Decimal("7.00"), "EUR", to="EUR", on=None)
    assert same is not None and same.amount == Decimal("7.00") and not same.needed
    converted = activity_money.convert_amount(
        Decimal("0.05"), "USD", to="EUR", on=dt.date(2023, 2, 1)
    )
    assert converted is not None and converted.amount == Decimal("0.03")  # 0.025 half up
    undated = activity_money.convert_amount(Decimal("1"), "USD", to="EUR", on=None)
    assert undated is not None and undated.amount is None and "value date" in undated.reason
    missing = activity_money.convert_amount(Decimal("1"), "GBP", to="EUR", on=dt.date(2023, 2, 1))
    assert missing is not None and missing.amount is None and "GBP" in missing.reason
    total = activity_money.total_of([converted, missing], "EUR")
    assert total.amount is None and total.reasons == (missing.reason,)


def test_page_shows_budgets_with_the_total_in_the_activity_currency(secretariat: User) -> None:
    ExchangeRate.objects.create(currency="EUR", per_usd="0.9", valid_from="2023-01-01")
    run_bytes("p.xml", iati_file(structured_activity("XX-TEST-9-P")))
    activity = Activity.objects.get(iati_identifier="XX-TEST-9-P")
    page = client_for(secretariat).get(reverse("activity_detail", args=[activity.pk]))
    text = html.unescape(page.content.decode())
    assert "Objectives" in text and "نص الأهداف" in text and "Target groups" in text
    # 1200 EUR (revised 2023) + 500 USD at 0.9 on 2024-01-15 = 450.00 EUR.
    assert "450.00" in text
    # The number isolated left to right, its code kept beside it (``money``).
    assert '<span class="money" dir="ltr"><bdi dir="ltr">1,650.00</bdi>\xa0EUR</span>' in text
    # The USD transaction of 2023-03-01: 90.00 EUR.
    assert "90.00" in text


@pytest.mark.parametrize(("lang", "name"), [("en", "Disbursement"), ("ar", "صرف")])
def test_a_transaction_is_named_by_its_type_in_the_readers_language(
    secretariat: User, lang: str, name: str
) -> None:
    run_bytes("t.xml", iati_file(structured_activity("XX-TEST-9-T")))
    activity = Activity.objects.get(iati_identifier="XX-TEST-9-T")
    # A code of a later version of the standard is shown as it is; a correction is negative.
    activity.transactions.create(
        kind="99", date=dt.date(2030, 1, 1), value=Decimal("-34822"), currency="USD"
    )
    page = client_for(secretariat).get(
        reverse("activity_detail", args=[activity.pk]), {"lang": lang}
    )
    heading = {"en": "Transactions", "ar": "المعاملات"}[lang]
    rows = etree.HTML(page.content).xpath(
        "//h2[normalize-space()=$h]/following-sibling::table[1]/tbody/tr", h=heading
    )
    assert [row.xpath("string(td[2])") for row in rows] == [name, name, "99"]
    # Its minus sign stays before the digits in Arabic too: the amount is isolated left to
    # right (in a right-to-left line the bidi algorithm would draw "-34,822.00" as "34,822.00-").
    value = rows[-1].xpath("td[3]/bdi[@dir='ltr']")
    assert [v.text for v in value] == ["-34,822.00"]
