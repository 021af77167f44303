"""An IATI activity whose identifier is longer than its column or holds a control or bidi
character is rejected before anything is written, naming the element, in the reader's
language; a value longer than another column never makes an activity "could not be saved",
nor costs the rest of the file."""

from __future__ import annotations

import pytest
from django.utils import translation

from infobase.activities.models import Activity
from tests.activities.test_iati_import import activity_xml, iati_file, run_bytes

pytestmark = [pytest.mark.django_db]

LONG = "X" * 300


def _entry(run, identifier: str) -> dict:  # type: ignore[no-untyped-def]
    return next(e for e in run.report if identifier.startswith(e["identifier"]))


@pytest.mark.parametrize(
    ("identifier", "said"),
    [
        ("XX-TEST-1-\u202eGNOL", "U+202E"),
        ("XX-TEST-1-\u202dISO", "U+202D"),
        ("XX-TEST-1-" + "9" * 250, "at most 255 characters"),
    ],
)
def test_an_identifier_that_would_mislead_or_overflow_rejects_its_activity_only(
    identifier: str, said: str
) -> None:
    xml = iati_file(activity_xml(identifier), activity_xml("XX-TEST-1-FINE"))
    run = run_bytes("odd.xml", xml)
    rejected = _entry(run, identifier)
    assert rejected["outcome"] == "rejected"
    assert any(r.startswith("iati-identifier: ") and said in r for r in rejected["reasons"])
    assert not Activity.objects.filter(iati_identifier=identifier).exists()
    assert Activity.objects.filter(iati_identifier="XX-TEST-1-FINE").exists()


def test_the_rejection_is_in_the_readers_language() -> None:
    identifier = "XX-TEST-1-\u202eGNOL"
    with translation.override("fr"):
        run = run_bytes("odd.xml", iati_file(activity_xml(identifier)))
    reasons = _entry(run, identifier)["reasons"]
    assert any("U+202E" in r and "The text" not in r for r in reasons)


@pytest.mark.parametrize(
    "body",
    [
        f'<participating-org role="2" ref="{LONG}" type="{LONG}">'
        "<narrative>I</narrative></participating-org>",
        '<transaction><transaction-type code="3"/><transaction-date iso-date="2023-03-01"/>'
        '<value currency="USD" value-date="2023-03-01">5</value>'
        f'<provider-org ref="{LONG}"/><receiver-org ref="{LONG}"/></transaction>',
        f'<sector vocabulary="{LONG}" code="{LONG}" percentage="100"/>',
        f'<recipient-region code="{LONG}" vocabulary="{LONG}" percentage="100"/>',
        f'<document-link url="https://example.org/a.pdf" format="{LONG}">'
        f'<title><narrative>D</narrative></title><category code="{LONG}"/></document-link>',
    ],
)
def test_values_longer_than_their_columns_never_make_a_database_error(body: str) -> None:
    xml = iati_file(activity_xml("XX-TEST-1-LONG", body=body), activity_xml("XX-TEST-1-FINE"))
    run = run_bytes("long.xml", xml)
    assert "could not be saved" not in str(run.report)
    assert Activity.objects.filter(iati_identifier="XX-TEST-1-FINE").exists()
