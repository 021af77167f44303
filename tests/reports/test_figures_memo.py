"""One report run's figures serve its other languages and formats: a worker asked for the same
report and data in Arabic after English computes the figures once, and what it writes from them
is what it would write from figures computed afresh."""

from __future__ import annotations

from typing import Any

import pytest

from infobase.core.i18n import language
from infobase.questionnaires.models import ReportingCycle
from infobase.reference.models import State
from infobase.reports import engine
from infobase.reports.engine import no_progress
from infobase.reports.models import RunStatus
from infobase.reports.services import FIGURES, FiguresMemo, renderer, report_request

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2006-01-01", "end": "2026-11-29"}
RAW = {
    "analytical": {"instrument": "untoc", "cycle": "1", "date": "2008-08-01"},
    "chair": PERIOD,
    "secretariat": PERIOD,
    "effectiveness": PERIOD,
}


def counting_compute(monkeypatch: pytest.MonkeyPatch, slug: str) -> list[int]:
    report = engine.get(slug)
    original = report.compute
    calls: list[int] = []

    def compute(params: Any, progress: Any = no_progress) -> Any:
        calls.append(1)
        return original(params, progress)

    monkeypatch.setattr(report, "compute", compute)
    return calls


def test_the_other_languages_and_formats_of_a_run_reuse_its_figures(secretariat, monkeypatch):  # type: ignore[no-untyped-def]
    ReportingCycle.objects.create(number=1, name="Cycle 1")
    calls = counting_compute(monkeypatch, "analytical")
    params = engine.get("analytical").clean(RAW["analytical"])
    runs = [
        report_request(
            user=secretariat, slug="analytical", params=params, lang=lang, fmt=fmt, run_now=True
        )
        for lang, fmt in (("en", "html"), ("ar", "xlsx"), ("fr", "html"))
    ]
    assert [run.status for run in runs] == [RunStatus.DONE] * 3
    assert len({run.fingerprint for run in runs}) == 1
    assert len(calls) == 1

    egypt = State.objects.get(iso3="EGY")
    egypt.name_en = "Egypt (renamed)"
    egypt.save()
    changed = report_request(
        user=secretariat, slug="analytical", params=params, lang="en", fmt="html", run_now=True
    )
    assert changed.fingerprint != runs[0].fingerprint
    assert len(calls) == 2, "changed data: the figures are computed again"


@pytest.mark.parametrize("slug", sorted(RAW))
def test_figures_used_for_one_language_give_the_same_document_in_another(demo, slug):  # type: ignore[no-untyped-def]
    report = engine.get(slug)
    params = report.clean(RAW[slug])
    used = report.compute(params)
    for lang in ("ar", "zh-hans"):
        with language(lang):
            document = report.document(used, params, lang)
            if slug == "analytical":  # the one with charts, a map and long tables
                for fmt in ("html", "pdf", "docx", "xlsx"):
                    assert renderer(fmt)(document)
    with language("en"):
        again = report.document(used, params, "en")
        fresh = report.document(report.compute(params), params, "en")
    assert again == fresh


def test_the_memo_keeps_the_most_recently_used_entries() -> None:
    memo = FiguresMemo(size=2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # "a" is now the most recent
    memo.put("c", 3)
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (1, None, 3)
    memo.clear()
    assert memo.get("a") is None


def test_each_test_starts_with_no_figures_kept() -> None:
    # The suite's conftest forgets them: rolled-back test data can repeat a fingerprint.
    assert FIGURES.get("anything") is None and not FIGURES._entries
