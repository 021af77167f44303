"""The reports to the Conference (decision 2/6, paras. (g), (h), (i)): their figures checked
against the data, and their files in Arabic and English."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.db.models import Q
from docx import Document as WordDocument
from pypdf import PdfReader

from infobase.activities.models import Activity
from infobase.funding.reports import compute as delivery
from infobase.meetings.models import Body, Document, DocumentKind, Session
from infobase.meetings.reports import chair_figures, effectiveness_figures
from infobase.questionnaires.models import Assignment
from infobase.reports import engine
from infobase.reports.services import report_document, report_render

pytestmark = pytest.mark.django_db

START, END = date(2006, 1, 1), date(2026, 11, 29)


def params(slug: str, **extra: str) -> dict[str, object]:
    return engine.get(slug).clean({"start": "2006-01-01", "end": "2026-11-29", **extra})


def test_the_chair_report_counts_the_sessions_and_needs_reviewed(demo):  # type: ignore[no-untyped-def]
    body = Body.objects.get(code="wg-ta")
    figures = chair_figures(body=body, start=START, end=END)
    sessions = Session.objects.filter(body=body, starts_on__range=(START, END))
    assert [s.session.pk for s in figures.sessions] == list(
        sessions.order_by("starts_on", "pk").values_list("pk", flat=True)
    )
    reviewed = {
        need.pk
        for session in sessions
        for need in session.needs_reviewed.all()
        if not need.confidential and need.status != "merged"
    }
    assert figures.needs_reviewed == len(reviewed) > 0
    assert sum(figures.needs_by_group.values()) == len(reviewed)
    assert figures.recommendations, "the demo working group made recommendations"


def test_the_secretariat_report_counts_activities_running_in_the_period(demo):  # type: ignore[no-untyped-def]
    start, end = date(2024, 1, 1), date(2025, 12, 31)
    figures = delivery(start=start, end=end)
    running = 0
    for a in Activity.objects.filter(missing_from_source=False):
        begins = a.actual_start or a.planned_start
        ends = a.actual_end or a.planned_end
        if begins is not None and begins <= end and (ends is None or ends >= start):
            running += 1
    assert figures.activities == running > 0
    assert sum(figures.by_provider.values()) == running
    reached = {
        r.state_id
        for a in Activity.objects.filter(
            pk__in=Activity.objects.filter(
                Q(actual_start__lte=end) | Q(actual_start__isnull=True, planned_start__lte=end)
            )
        )
        for r in a.recipients.all()
        if r.state_id
    }
    assert figures.states_reached <= len(reached)


def test_the_effectiveness_review_follows_the_data(demo):  # type: ignore[no-untyped-def]
    body = Body.objects.get(code="wg-ta")
    figures = effectiveness_figures(body=body, start=START, end=END)
    for cycle, asked, answered in figures.response:
        states = set(
            Assignment.objects.filter(questionnaire__cycle__number=cycle).values_list(
                "state_id", flat=True
            )
        )
        replied = set(
            Assignment.objects.filter(
                questionnaire__cycle__number=cycle,
                status__in=["submitted", "returned", "validated"],
            ).values_list("state_id", flat=True)
        )
        assert (asked, answered) == (len(states), len(replied))
    sessions = {y.year: y.sessions for y in figures.years}
    for session in Session.objects.filter(body=body):
        assert sessions[session.starts_on.year] >= 1
    satisfied = figures.mandates["satisfied"]
    # Without the chair's report the mandate of paragraph (g) is no longer carried out.
    Document.objects.filter(kind=DocumentKind.CHAIR_REPORT).delete()
    after = effectiveness_figures(body=body, start=START, end=END)
    assert after.mandates["satisfied"] == satisfied - 1
    assert after.mandates["failing"] == figures.mandates["failing"] + 1


@pytest.mark.parametrize("slug", ["chair", "secretariat", "effectiveness"])
def test_each_report_comes_out_in_arabic_and_english_as_pdf_and_word(demo, slug):  # type: ignore[no-untyped-def]
    report = engine.get(slug)
    for lang in ("ar", "en"):
        title = report_document(report=report, params=params(slug), lang=lang).meta.title
        pdf = PdfReader(
            io.BytesIO(report_render(slug=slug, params=params(slug), lang=lang, fmt="pdf"))
        )
        assert pdf.trailer["/Root"]["/Lang"] == lang
        doc = WordDocument(
            io.BytesIO(report_render(slug=slug, params=params(slug), lang=lang, fmt="docx"))
        )
        assert title in "\n".join(p.text for p in doc.paragraphs)
        bidi = doc.element.body.findall(
            ".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}bidi"
        )
        assert bool(bidi) is (lang == "ar")


def test_the_chair_report_names_the_priorities_a_recommendation_concerns_in_its_language(demo):  # type: ignore[no-untyped-def]
    from infobase.meetings.models import Outcome
    from infobase.reports.blocks import Paragraph

    outcome = Outcome.objects.filter(
        kind="recommendation", priority_themes__isnull=False, session__body__code="wg-ta"
    ).first()
    assert outcome is not None, "the demo links a recommendation to a priority"
    themes = list(outcome.priority_themes.all())
    notes = {}
    for lang in ("ar", "en"):
        document = report_document(report=engine.get("chair"), params=params("chair"), lang=lang)
        # One note to a paragraph: two markers side by side (¹²) read as one number.
        assert all(len(b.notes) <= 1 for b in document.blocks if isinstance(b, Paragraph))
        notes[lang] = [
            note
            for block in document.blocks
            if isinstance(block, Paragraph)
            for note in block.notes
        ]
    for theme in themes:
        assert any(theme.title_ar in note for note in notes["ar"])
        assert any(theme.title_en in note for note in notes["en"])
        assert not any(theme.title_en in note for note in notes["ar"])


def test_a_chair_report_filed_before_the_fourth_session_meets_paragraph_g(demo, secretariat):  # type: ignore[no-untyped-def]
    from infobase.meetings.selectors import mandate_statuses
    from infobase.meetings.services import document_from_report
    from infobase.reports.services import report_request

    def paragraph_g() -> str:
        states = mandate_statuses("2/6", today=date(2009, 1, 1))
        return next(s.status for s in states if s.mandate.paragraph == "g")

    Document.objects.filter(kind=DocumentKind.CHAIR_REPORT).delete()
    assert paragraph_g() == "not_met"
    chosen = params("chair", symbol="CTOC/COP/2008/TEST.1", date="2008-08-01", end="2008-08-01")
    run = report_request(user=secretariat, slug="chair", params=chosen, lang="ar", fmt="pdf")
    fourth = Session.objects.get(body__code="cop", number=4)
    document = document_from_report(user=secretariat, run=run, session=fourth)
    assert document.kind == DocumentKind.CHAIR_REPORT and document.body.code == "wg-ta"
    assert document.files.get().language == "ar"
    assert paragraph_g() == "met"


def test_the_effectiveness_review_quotes_the_mandates_in_the_report_language(demo):  # type: ignore[no-untyped-def]
    from infobase.reports.blocks import Table

    report = engine.get("effectiveness")
    for lang, script in (("ar", "\u0600-\u06ff"), ("en", "a-z")):
        document = report_document(report=report, params=params("effectiveness"), lang=lang)
        mandates = [b for b in document.blocks if isinstance(b, Table)][-1]
        assert len(mandates.rows) == 13
        import re

        assert all(re.search(f"[{script}]", str(row[1])) for row in mandates.rows)
        statuses = {str(row[2]) for row in mandates.rows}
        assert not statuses & {"done", "ongoing", "in_progress", "met", "not_met"}
