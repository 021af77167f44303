"""The automatic checks of decision 2/6: each met, not met, not yet due."""

from __future__ import annotations

from datetime import date

import pytest

from infobase.meetings.mandates import (
    CheckStatus,
    chair_report_before,
    decision_taken_at,
    evaluate_decision,
    evaluate_mandate,
    intersessional_between,
    needs_reviewed,
    secretariat_report_before,
    wg_met_during_session,
)
from infobase.meetings.models import Document, Mandate, Session, SessionKind
from tests.meetings.conftest import Data

pytestmark = pytest.mark.django_db

AFTER_COP4 = date(2009, 1, 1)
COP3 = {"body": "cop", "number": 3}
COP4 = {"body": "cop", "number": 4}
DUE = date(2008, 12, 31)


def states(data: Data, today: date) -> dict[str, str]:
    return {s.mandate.paragraph: s.status for s in evaluate_decision(data.decision, today=today)}


def test_every_automatic_check_of_decision_2_6_is_met_on_complete_data(met: Data) -> None:
    found = states(met, AFTER_COP4)
    assert {p: found[p] for p in ("c(i)", "e", "g", "h", "i")} == dict.fromkeys(
        ("c(i)", "e", "g", "h", "i"), CheckStatus.MET
    )


def test_the_evidence_names_the_records_found(met: Data) -> None:
    e = evaluate_mandate(Mandate.objects.get(paragraph="e"), today=AFTER_COP4)
    assert {item.pk for item in e.evidence if item.kind == "session"} == {
        met.during_cop3.pk,  # type: ignore[union-attr]
        met.intersessional.pk,  # type: ignore[union-attr]
    }
    assert e.automatic and e.on_time is True
    g = evaluate_mandate(Mandate.objects.get(paragraph="g"), today=AFTER_COP4)
    assert [item.label.split(" ")[0] for item in g.evidence] == ["CTOC/COP/2008/90"]
    assert "CTOC/COP/2008/90" not in g.explanation and g.explanation


# --- wg_met_during_session -------------------------------------------------------------------


def test_wg_met_during_session_is_met_by_a_meeting_held_during_cop3(met: Data) -> None:
    result = wg_met_during_session({"body": "wg-ta", "conference": COP3}, today=AFTER_COP4)
    assert result.status == CheckStatus.MET


def test_wg_met_during_session_is_not_met_when_the_meeting_was_not_during_cop3(
    met: Data,
) -> None:
    Session.objects.filter(pk=met.during_cop3.pk).update(  # type: ignore[union-attr]
        during=None, kind=SessionKind.OTHER
    )
    result = wg_met_during_session({"body": "wg-ta", "conference": COP3}, today=AFTER_COP4)
    assert result.status == CheckStatus.NOT_MET
    assert result.evidence == ()


def test_wg_met_during_session_is_not_yet_due_before_cop3_ends(decision_data: Data) -> None:
    result = wg_met_during_session({"body": "wg-ta", "conference": COP3}, today=date(2006, 10, 10))
    assert result.status == CheckStatus.NOT_YET_DUE


def test_a_check_cannot_be_made_when_the_session_is_not_recorded(decision_data: Data) -> None:
    result = wg_met_during_session(
        {"body": "wg-ta", "conference": {"body": "cop", "number": 9}}, today=AFTER_COP4
    )
    assert result.status == CheckStatus.CANNOT_CHECK


# --- intersessional_between ------------------------------------------------------------------

BETWEEN = {"body": "wg-ta", "after": COP3, "before": COP4}


def test_intersessional_between_is_met_by_the_2007_meeting(met: Data) -> None:
    result = intersessional_between(BETWEEN, today=AFTER_COP4, due_on=DUE)
    assert result.status == CheckStatus.MET
    assert result.met_on == date(2007, 10, 5)


def test_moving_the_intersessional_meeting_after_cop4_makes_it_not_met(met: Data) -> None:
    meeting = met.intersessional
    assert meeting is not None
    meeting.starts_on, meeting.ends_on = date(2008, 11, 3), date(2008, 11, 5)
    meeting.save()
    assert intersessional_between(BETWEEN, today=AFTER_COP4, due_on=DUE).status == (
        CheckStatus.NOT_MET
    )
    assert states(met, AFTER_COP4)["e"] == CheckStatus.NOT_MET


def test_a_meeting_during_cop3_is_not_an_intersessional_one(met: Data) -> None:
    Session.objects.filter(pk=met.intersessional.pk).delete()  # type: ignore[union-attr]
    assert intersessional_between(BETWEEN, today=AFTER_COP4, due_on=DUE).status == (
        CheckStatus.NOT_MET
    )


def test_intersessional_between_is_not_yet_due_before_cop4(met: Data) -> None:
    Session.objects.filter(pk=met.intersessional.pk).delete()  # type: ignore[union-attr]
    result = intersessional_between(BETWEEN, today=date(2008, 3, 1), due_on=DUE)
    assert result.status == CheckStatus.NOT_YET_DUE
    assert states(met, date(2008, 3, 1))["e"] == CheckStatus.NOT_YET_DUE
    # Paragraph (e) needs both meetings: without the one during COP3 it is not met already.
    Session.objects.filter(pk=met.during_cop3.pk).delete()  # type: ignore[union-attr]
    assert states(met, date(2008, 3, 1))["e"] == CheckStatus.NOT_MET


def test_without_cop4_recorded_the_due_date_bounds_the_window(met: Data) -> None:
    Document.objects.filter(session=met.cop4).delete()
    met.review.delete()  # type: ignore[union-attr]
    met.cop4.delete()
    assert intersessional_between(BETWEEN, today=AFTER_COP4, due_on=DUE).status == (CheckStatus.MET)
    Session.objects.filter(pk=met.intersessional.pk).update(  # type: ignore[union-attr]
        starts_on=date(2009, 3, 1), ends_on=date(2009, 3, 2)
    )
    assert intersessional_between(BETWEEN, today=date(2008, 6, 1), due_on=DUE).status == (
        CheckStatus.NOT_YET_DUE
    )
    assert intersessional_between(BETWEEN, today=AFTER_COP4, due_on=DUE).status == (
        CheckStatus.NOT_MET
    )


# --- chair_report_before ---------------------------------------------------------------------

CHAIR = {"body": "wg-ta", "conference": COP4}


def test_chair_report_before_is_met_by_the_report_submitted_to_cop4(met: Data) -> None:
    assert chair_report_before(CHAIR, today=AFTER_COP4).status == CheckStatus.MET


def test_deleting_the_chairs_report_makes_it_not_met(met: Data) -> None:
    met.chair_report.delete()  # type: ignore[union-attr]
    assert chair_report_before(CHAIR, today=AFTER_COP4).status == CheckStatus.NOT_MET
    assert states(met, AFTER_COP4)["g"] == CheckStatus.NOT_MET


def test_a_chairs_report_dated_before_cop4_counts_even_if_not_attached(met: Data) -> None:
    Document.objects.filter(pk=met.chair_report.pk).update(session=None)  # type: ignore[union-attr]
    assert chair_report_before(CHAIR, today=AFTER_COP4).status == CheckStatus.MET
    Document.objects.filter(pk=met.chair_report.pk).update(  # type: ignore[union-attr]
        date=date(2008, 12, 1)
    )
    assert chair_report_before(CHAIR, today=AFTER_COP4).status == CheckStatus.NOT_MET


def test_a_report_of_another_body_is_not_the_chairs_report(met: Data) -> None:
    Document.objects.filter(pk=met.chair_report.pk).update(body=met.cop)  # type: ignore[union-attr]
    assert chair_report_before(CHAIR, today=AFTER_COP4).status == CheckStatus.NOT_MET


def test_chair_report_before_is_not_yet_due_before_cop4(decision_data: Data) -> None:
    assert chair_report_before(CHAIR, today=date(2008, 1, 1)).status == CheckStatus.NOT_YET_DUE


# --- secretariat_report_before ---------------------------------------------------------------


def test_secretariat_report_before_is_met_when_dated_before_cop4(met: Data) -> None:
    result = secretariat_report_before({"conference": COP4}, today=AFTER_COP4)
    assert result.status == CheckStatus.MET


def test_a_secretariat_report_dated_after_cop4_starts_is_not_met(met: Data) -> None:
    Document.objects.filter(pk=met.secretariat_report.pk).update(  # type: ignore[union-attr]
        date=date(2008, 10, 9)
    )
    result = secretariat_report_before({"conference": COP4}, today=AFTER_COP4)
    assert result.status == CheckStatus.NOT_MET


def test_secretariat_report_before_is_not_yet_due_before_cop4(decision_data: Data) -> None:
    result = secretariat_report_before({"conference": COP4}, today=date(2008, 9, 1))
    assert result.status == CheckStatus.NOT_YET_DUE


# --- needs_reviewed --------------------------------------------------------------------------

NEEDS = {"body": "wg-ta", "before": COP4}


def test_needs_reviewed_is_met_by_a_session_that_reviewed_the_register(met: Data) -> None:
    assert needs_reviewed(NEEDS, today=AFTER_COP4).status == CheckStatus.MET


def test_needs_reviewed_is_not_met_when_no_session_reviewed_needs(met: Data) -> None:
    met.intersessional.needs_reviewed.clear()  # type: ignore[union-attr]
    assert needs_reviewed(NEEDS, today=AFTER_COP4).status == CheckStatus.NOT_MET
    assert needs_reviewed(NEEDS, today=date(2008, 1, 1)).status == CheckStatus.NOT_YET_DUE


# --- decision_taken_at -----------------------------------------------------------------------

REVIEW = {"body": "wg-ta", "conference": COP4}


def test_decision_taken_at_is_met_by_a_cop4_decision_reviewing_the_group(met: Data) -> None:
    assert decision_taken_at(REVIEW, today=AFTER_COP4).status == CheckStatus.MET


def test_decision_taken_at_is_not_met_without_a_review_decision(met: Data) -> None:
    met.review.reviews_body = None  # type: ignore[union-attr]
    met.review.save()  # type: ignore[union-attr]
    assert decision_taken_at(REVIEW, today=AFTER_COP4).status == CheckStatus.NOT_MET
    assert decision_taken_at(REVIEW, today=date(2008, 10, 10)).status == CheckStatus.NOT_YET_DUE


def test_a_review_decision_at_another_session_does_not_count(met: Data) -> None:
    met.review.session = met.cop3  # type: ignore[union-attr]
    met.review.save()  # type: ignore[union-attr]
    assert decision_taken_at(REVIEW, today=AFTER_COP4).status == CheckStatus.NOT_MET
