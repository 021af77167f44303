"""Statistical disclosure control in the analytical report: an attacker holding every published
figure of the report (its tables, annexes, charts, the web page and the Excel file) tries to
derive the confidential answers, on a hand-made cycle where articles have one, three and four
confidential answers, and a regional group has confidential answers among its members."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from infobase.core.i18n import language
from infobase.questionnaires.models import (
    ArticleImplementation,
    Assignment,
    Questionnaire,
    ReportingCycle,
)
from infobase.reference.models import Article, Instrument, State
from infobase.reports import engine
from infobase.reports.blocks import HeatTable, ReportDocument, Table
from infobase.reports.render_html import fragment
from infobase.reports.render_xlsx import render_xlsx
from infobase.reports.services import report_document

pytestmark = pytest.mark.django_db

WEOG = ("FRA", "DEU", "ITA", "ESP", "NLD", "BEL", "AUT", "PRT", "SWE")
AFRICA = ("EGY", "SEN", "NGA", "KEN", "GHA")
LABELS = {"yes": "Yes", "partly": "Partly", "no": "No", "na": "N/A"}
ROTATE = {"yes": "no", "no": "partly", "partly": "na", "na": "yes"}


def answer(
    questionnaire: Questionnaire,
    iso3: str,
    article: Article,
    status: str,
    *,
    secret: bool = False,
    challenge: str = "",
) -> None:
    state = State.objects.get(iso3=iso3)
    assignment, _ = Assignment.objects.get_or_create(
        questionnaire=questionnaire,
        state=state,
        defaults={
            "status": "validated",
            "deadline": timezone.localdate(),
            "dispatched_at": timezone.now(),
        },
    )
    ArticleImplementation.objects.create(
        assignment=assignment,
        state=state,
        article=article,
        status=status,
        confidential=secret,
        challenges=challenge,
    )


@pytest.fixture
def cycle_with_secrets():  # type: ignore[no-untyped-def]
    """Cycle 1 all public; in cycle 2, article 5 has four confidential answers (three in the
    Western European group), article 6 three, article 8 one, article 10 none."""
    untoc = Instrument.objects.get(code="untoc")
    articles = {n: Article.objects.get(instrument=untoc, number=n) for n in (5, 6, 8, 10)}
    questionnaires = []
    for number in (1, 2):
        cycle = ReportingCycle.objects.create(number=number, name=f"Cycle {number}")
        questionnaire = Questionnaire.objects.create(
            cycle=cycle, code=f"q{number}", title={"en": "Q"}
        )
        questionnaire.instruments.add(untoc)
        questionnaires.append(questionnaire)
    first, second = questionnaires
    statuses = ("yes", "partly", "no", "yes", "na", "yes", "no")
    for n, article in articles.items():
        for i, iso3 in enumerate(WEOG + AFRICA):
            answer(first, iso3, article, statuses[(i + n) % len(statuses)])
    secrets = {5: {"NLD", "BEL", "AUT", "EGY"}, 6: {"SWE", "PRT", "KEN"}, 8: {"GHA"}, 10: set()}
    for n, article in articles.items():
        for i, iso3 in enumerate(WEOG + AFRICA):
            answer(
                second,
                iso3,
                article,
                statuses[(i * 3 + n) % len(statuses)],
                secret=iso3 in secrets[n],
                challenge="Lack of staff." if i % 2 else "",
            )
    return untoc


def document(lang: str = "en") -> ReportDocument:
    report = engine.get("analytical")
    params = report.clean({"instrument": "untoc", "cycle": "2"})
    with language(lang):
        return report_document(report=report, params=params, lang=lang)


def workbook_values(doc: ReportDocument) -> dict[str, list[tuple[Any, ...]]]:
    with language(doc.lang):
        book = load_workbook(io.BytesIO(render_xlsx(doc)))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def published(doc: ReportDocument) -> dict[str, Any]:
    """Every figure the report publishes: the document's blocks (web page, PDF and Word file
    are drawn from them), the web page itself and every cell of the Excel file."""
    with language(doc.lang):
        page = str(fragment(doc))
    return {"blocks": doc.blocks, "page": page, "excel": workbook_values(doc)}


def secret_rows() -> list[ArticleImplementation]:
    return list(ArticleImplementation.objects.filter(confidential=True).order_by("pk"))


def test_no_published_figure_changes_when_the_confidential_answers_change(cycle_with_secrets):  # type: ignore[no-untyped-def]
    """The strongest attack: if every published figure stays the same whatever the
    confidential answers are, no combination of them (sums, differences, table minus annex,
    group cell minus the group's annex rows, Excel cells) can determine one."""
    before = published(document())
    secrets = secret_rows()
    assert Counter(r.article.number for r in secrets) == {5: 4, 6: 3, 8: 1}
    for row in secrets:  # every confidential answer takes another value
        row.status = ROTATE[row.status]
        row.challenges = "" if row.challenges else "Another challenge."
        row.save()
    after = published(document())
    assert after["blocks"] == before["blocks"]
    assert after["excel"] == before["excel"]
    assert after["page"] == before["page"]


def test_table_minus_annex_derives_nothing(cycle_with_secrets):  # type: ignore[no-untyped-def]
    """The attack of the issue, written out on the Excel file: the article table's count of
    each status minus the States the annex names with that status, and each regional group's
    share minus the share computed from the annex rows of that group's States."""
    doc = document()
    sheets = workbook_values(doc)
    table = next(b for b in doc.blocks if isinstance(b, Table) and b.sheet.endswith("article"))
    annex = next(b for b in doc.blocks if isinstance(b, Table) and "Annex II" in b.sheet)
    excel_table = next(rows for name, rows in sheets.items() if table.sheet in name)
    excel_annex = next(rows for name, rows in sheets.items() if annex.sheet[:20] in name)
    header = excel_annex[2]
    groups = {
        str(s.translated("name", "en")): s.regional_group
        for s in State.objects.filter(iso3__in=WEOG + AFRICA)
    }
    by_state = {
        row[0]: dict(zip(header[1:], row[1:], strict=True))
        for row in excel_annex[3:]
        if row[0] in groups
    }
    assert len(by_state) == len(groups)
    derived = []
    for row in excel_table[3:]:
        if not row[0] or row[1] is None:
            continue
        number = row[0].split(" ")[1]
        named = Counter(statuses.get(number) for statuses in by_state.values())
        reporting, *counts = row[1:6]
        derived.append(reporting - sum(named[LABELS[s]] for s in LABELS))
        derived.extend(count - named[LABELS[s]] for s, count in zip(LABELS, counts, strict=True))
    assert derived and all(d == 0 for d in derived), derived

    heat = next(b for b in doc.blocks if isinstance(b, HeatTable) and "group" in b.sheet)
    group_codes = {"Western European and other States": "weog", "African States": "african"}
    for label, values in zip(heat.row_labels, heat.values, strict=True):
        number = label.split(" ")[1]
        for column, value in zip(heat.column_labels, values, strict=True):
            if value is None or column not in group_codes:
                continue
            members = [
                statuses.get(number)
                for state, statuses in by_state.items()
                if groups[state] == group_codes[column]
            ]
            applicable = [m for m in members if m in ("Yes", "Partly", "No")]
            yes, whole = applicable.count("Yes"), len(applicable)
            from_annex = ((2000 * yes + whole) // (2 * whole)) / 10  # half up, in tenths
            assert value == from_annex, (label, column)


def test_the_annex_names_confidential_states_without_their_answer(cycle_with_secrets):  # type: ignore[no-untyped-def]
    doc = document()
    annex = next(b for b in doc.blocks if isinstance(b, Table) and "Annex II" in b.sheet)
    text = [cell for row in annex.rows for cell in row]
    assert text.count("Confidential") == 8
    methodology = doc.text()
    assert "counted in no figure" in methodology
