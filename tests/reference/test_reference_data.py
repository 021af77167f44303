"""The shipped reference data, checked against the shared source files read independently."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import pytest

from infobase.reference import selectors
from infobase.reference.loaders.reference import load_reference
from infobase.reference.models import Article, Instrument, Participation, State

pytestmark = pytest.mark.django_db

GROUPS = {
    "African States": "african",
    "Asia-Pacific States": "asia_pacific",
    "Eastern European States": "eastern_european",
    "Latin American and Caribbean States": "latin_american_caribbean",
    "Western European and other States": "weog",
    "": "",
}


def test_it_holds_the_193_members_and_2_observer_states():
    assert State.objects.filter(un_status="member_state").count() == 193
    observers = set(State.objects.filter(un_status="observer_state").values_list("iso3", flat=True))
    assert observers == {"VAT", "PSE"}


def test_regional_group_counts_match_the_dgacm_derived_table(shared):
    with (shared / "reference" / "un_member_states_regional_groups.csv").open(
        encoding="utf-8-sig"
    ) as f:
        expected = Counter(GROUPS[row["regional_group_electoral"]] for row in csv.DictReader(f))
    assert selectors.regional_group_counts() == dict(expected)
    assert expected["weog"] == 29 and expected[""] == 3


@pytest.mark.parametrize(
    ("iso3", "group"),
    [("TUR", "weog"), ("USA", "weog"), ("ISR", "weog"), ("KIR", ""), ("VAT", ""), ("PSE", "")],
)
def test_it_follows_the_electoral_group_rule_for_special_cases(iso3, group):
    assert State.objects.get(iso3=iso3).regional_group == group


def test_every_state_has_names_in_the_six_languages_and_a_legal_family():
    for state in State.objects.all():
        for suffix in ("ar", "zh", "en", "fr", "ru", "es"):
            assert getattr(state, f"name_{suffix}"), (state.iso3, suffix)
        assert state.legal_families, state.iso3
    assert State.objects.get(iso3="EGY").name_ar == "مصر"
    assert State.objects.get(iso3="CHN").name_zh == "中国"


def test_parties_per_instrument_match_the_untc_snapshot(shared):
    path = shared / "reference" / "untc" / "untoc_protocols_status_2014_tidy.csv"
    codes = dict(Instrument.objects.values_list("mtdsg_no", "code"))
    known = set(State.objects.values_list("iso3", flat=True))
    parties: Counter[str] = Counter()
    signatories: Counter[str] = Counter()
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["iso3"] not in known:
                continue  # the EU and non-State participants are not States
            instrument = codes[row["mtdsg_no"]]
            if row["consent_date"]:
                parties[instrument] += 1
            elif row["signature_date"]:
                signatories[instrument] += 1
    on = date(2014, 12, 31)
    for instrument in Instrument.objects.all():
        assert (
            selectors.parties_on(instrument=instrument, on=on).count() == parties[instrument.code]
        )
        assert (
            selectors.signatories_not_parties_on(instrument=instrument, on=on).count()
            == signatories[instrument.code]
        )
    assert parties["untoc"] > 170


def test_parties_on_a_date_excludes_later_ratifications():
    untoc = Instrument.objects.get(code="untoc")
    p = Participation.objects.filter(instrument=untoc, consent_date__isnull=False).first()
    assert p is not None and p.consent_date is not None
    before = (
        p.consent_date.replace(day=1)
        if p.consent_date.day > 1
        else date(p.consent_date.year - 1, 1, 1)
    )
    assert p.state in selectors.parties_on(instrument=untoc, on=p.consent_date)
    assert p.state not in selectors.parties_on(instrument=untoc, on=before)
    if p.signature_date and p.signature_date <= before:
        assert p.state in selectors.signatories_not_parties_on(instrument=untoc, on=before)


def test_the_instruments_and_their_articles_are_loaded():
    counts = {i.code: i.articles.count() for i in Instrument.objects.all()}
    assert counts == {"untoc": 41, "tip": 20, "som": 25, "firearms": 21}
    art5 = Article.objects.get(instrument__code="untoc", number=5)
    assert "organized criminal group" in art5.title_en
    assert art5.title_ar
    assert list(
        Instrument.objects.get(code="untoc")
        .protocols.order_by("position")
        .values_list("code", flat=True)
    ) == ["tip", "som", "firearms"]


def test_loading_twice_changes_nothing_and_writes_no_history():
    history_before = State.history.count() + Participation.history.count()
    result = load_reference()
    assert not [k for k, n in result.counts.items() if k.endswith((".created", ".updated")) and n]
    assert State.history.count() + Participation.history.count() == history_before
