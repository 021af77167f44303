"""Mandates looked at as on a day: evidence dated later does not count, every automatic check has
a window with two ends, and a decision the session must take is on time when taken during it."""

from __future__ import annotations

import contextlib
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from infobase.meetings.mandates import (
    CheckStatus,
    chair_report_before,
    decision_taken_at,
    evaluate_mandate,
    needs_reviewed,
    secretariat_report_before,
    wg_met_during_session,
)
from infobase.meetings.models import Document, Mandate, Outcome, Session
from infobase.meetings.reports import effectiveness_figures
from tests.meetings.conftest import Data

pytestmark = pytest.mark.django_db

AFTER_COP4 = date(2009, 1, 1)
COP3 = {"body": "cop", "number": 3}
COP4 = {"body": "cop", "number": 4}
CHAIR = {"body": "wg-ta", "conference": COP4}


def test_a_report_dated_after_the_day_looked_at_does_not_count(met: Data) -> None:
    # The chair's report is dated 1 August 2008; on 1 June 2008 it did not exist yet.
    assert chair_report_before(CHAIR, today=date(2008, 6, 1)).status == CheckStatus.NOT_YET_DUE
    assert chair_report_before(CHAIR, today=date(2008, 8, 1)).status == CheckStatus.MET
    assert secretariat_report_before({"conference": COP4}, today=date(2008, 7, 1)).status == (
        CheckStatus.NOT_YET_DUE
    )


def test_a_meeting_counts_once_it_has_been_held(met: Data) -> None:
    # The working group met on 12–13 October 2006, during the third session (ends 2006-10-18).
    params = {"body": "wg-ta", "conference": COP3}
    assert wg_met_during_session(params, today=date(2006, 10, 11)).status == (
        CheckStatus.NOT_YET_DUE
    )
    assert wg_met_during_session(params, today=date(2006, 10, 14)).status == CheckStatus.MET
    # Needs reviewed at the 2007 intersessional meeting (3–5 October 2007).
    reviewed = {"body": "wg-ta", "before": COP4}
    assert not needs_reviewed(reviewed, today=date(2007, 10, 1)).evidence
    assert needs_reviewed(reviewed, today=date(2007, 10, 6)).status == CheckStatus.MET


def test_a_decision_adopted_after_the_day_looked_at_does_not_count(met: Data) -> None:
    cop4 = met.cop4
    Outcome.objects.filter(pk=met.review.pk).update(adopted_on=cop4.ends_on)  # type: ignore[union-attr]
    params = {"body": "wg-ta", "conference": COP4}
    day_before = date.fromordinal(cop4.ends_on.toordinal() - 1)
    assert decision_taken_at(params, today=day_before).status == CheckStatus.NOT_YET_DUE
    assert decision_taken_at(params, today=cop4.ends_on).status == CheckStatus.MET


def test_the_chairs_report_check_refuses_a_report_dated_before_the_third_session(
    met: Data,
) -> None:
    Document.objects.filter(pk=met.chair_report.pk).update(  # type: ignore[union-attr]
        session=None, date=date(2006, 5, 1)
    )
    assert chair_report_before(CHAIR, today=AFTER_COP4).status == CheckStatus.NOT_MET
    # Attached to the fourth session but dated before the third: not the report for the fourth.
    Document.objects.filter(pk=met.chair_report.pk).update(  # type: ignore[union-attr]
        session=met.cop4, date=date(2006, 5, 1)
    )
    assert chair_report_before(CHAIR, today=AFTER_COP4).status == CheckStatus.NOT_MET
    # Dated between the third and fourth sessions: the report.
    Document.objects.filter(pk=met.chair_report.pk).update(date=date(2007, 6, 1))  # type: ignore[union-attr]
    assert chair_report_before(CHAIR, today=AFTER_COP4).status == CheckStatus.MET


def test_a_secretariat_report_dated_before_the_third_session_does_not_count(met: Data) -> None:
    Document.objects.filter(pk=met.secretariat_report.pk).update(  # type: ignore[union-attr]
        date=date(2006, 1, 15)
    )
    assert secretariat_report_before({"conference": COP4}, today=AFTER_COP4).status == (
        CheckStatus.NOT_MET
    )


def test_needs_reviewed_before_the_previous_conference_session_do_not_count(met: Data) -> None:
    Session.objects.filter(pk=met.intersessional.pk).update(  # type: ignore[union-attr]
        starts_on=date(2006, 3, 1), ends_on=date(2006, 3, 2)
    )
    result = needs_reviewed({"body": "wg-ta", "before": COP4}, today=AFTER_COP4)
    assert result.status == CheckStatus.NOT_MET


def test_the_decision_taken_during_the_fourth_session_is_on_time(met: Data) -> None:
    state = evaluate_mandate(Mandate.objects.get(paragraph="i"), today=AFTER_COP4)
    assert state.status == CheckStatus.MET
    assert state.met_on is not None and state.met_on > met.cop4.starts_on
    assert state.on_time is True
    # Taken at the session but recorded as adopted after it ended: not taken during it.
    Outcome.objects.filter(pk=met.review.pk).update(adopted_on=date(2008, 11, 20))  # type: ignore[union-attr]
    late = evaluate_mandate(Mandate.objects.get(paragraph="i"), today=AFTER_COP4)
    assert late.status == CheckStatus.NOT_MET


def test_a_report_due_before_a_session_is_late_when_dated_during_it(met: Data) -> None:
    Document.objects.filter(pk=met.chair_report.pk).update(date=met.cop4.starts_on)  # type: ignore[union-attr]
    on_day = evaluate_mandate(Mandate.objects.get(paragraph="g"), today=AFTER_COP4)
    assert on_day.on_time is True
    during = date.fromordinal(met.cop4.starts_on.toordinal() + 2)
    Document.objects.filter(pk=met.chair_report.pk).update(date=during)  # type: ignore[union-attr]
    late = evaluate_mandate(Mandate.objects.get(paragraph="g"), today=AFTER_COP4)
    assert late.status == CheckStatus.MET and late.on_time is False


def test_mandates_check_does_not_count_evidence_after_the_day_given(met: Data) -> None:
    out = io.StringIO()
    call_command("mandates-check", "--today", "2008-06-01", "--lang", "en", stdout=out)
    assert "CTOC/COP/2008/90" not in out.getvalue()  # the chair's report, dated 2008-08-01
    assert "CTOC/COP/2008/91" not in out.getvalue()  # the Secretariat's, dated 2008-07-15
    out = io.StringIO()
    # A mandate set by hand may be due and not met (exit status 1); the output is printed.
    with contextlib.suppress(CommandError):
        call_command("mandates-check", "--today", "2009-01-01", "--lang", "en", stdout=out)
    assert "CTOC/COP/2008/90" in out.getvalue()


def test_the_effectiveness_review_sees_the_mandates_as_on_its_last_day(met: Data) -> None:
    figures = effectiveness_figures(body=met.wg, start=date(2006, 1, 1), end=date(2008, 6, 30))
    statuses = {paragraph: status for paragraph, _t, status, _o in figures.mandate_rows}
    assert statuses["g"] == CheckStatus.NOT_YET_DUE
    assert statuses["h"] == CheckStatus.NOT_YET_DUE
    later = effectiveness_figures(body=met.wg, start=date(2006, 1, 1), end=AFTER_COP4)
    on_time = {paragraph: ok for paragraph, _t, _s, ok in later.mandate_rows}
    assert on_time["i"] is True


def test_a_pending_check_writes_its_date_as_the_language_writes_dates(met: Data) -> None:
    """An ISO date after Arabic words shows its parts reversed: the explanation names the day
    in the interface language's format."""
    from infobase.core.i18n import language

    params = {"body": "wg-ta", "conference": COP4}
    day_before = date.fromordinal(met.cop4.ends_on.toordinal() - 1)
    ends = met.cop4.ends_on
    with language("en"):
        english = decision_taken_at(params, today=day_before).explanation
    with language("ar"):
        arabic = decision_taken_at(params, today=day_before).explanation
    assert f"{ends.day} {ends.strftime('%B')} {ends.year}" in english
    assert ends.isoformat() not in english and ends.isoformat() not in arabic
    arabic_month = {10: "أكتوبر"}.get(ends.month)
    assert arabic_month is not None  # the fourth session ended in October 2008
    assert f"{ends.day} {arabic_month} {ends.year}" in arabic


def test_a_session_named_as_evidence_reads_its_dates_in_the_language(met: Data) -> None:
    from infobase.core.i18n import language
    from infobase.meetings.mandates import session_evidence

    assert met.during_cop3 is not None
    with language("ar"):
        label = session_evidence(met.during_cop3).label
    # Held 12–13 October 2006; ISO dates after Arabic words read 12-10-2006.
    assert "12 أكتوبر 2006 – 13 أكتوبر 2006" in label
    assert "2006-10-12" not in label
