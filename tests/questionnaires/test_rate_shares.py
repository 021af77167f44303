"""Response rates and coverage confidences are shares: written by the one rule of shares
(``core.i18n.format_share``: one decimal, half up), not Python's ``round`` (half to even)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils import translation

from infobase.activities.home import _suggestion
from infobase.questionnaires.selectors import Rate


def test_a_response_rate_is_rounded_half_up() -> None:
    rate = Rate("all", "", asked=16, answered=1)  # 6.25 %: half to even would write 6.2
    assert rate.percent == Decimal("6.3")
    with translation.override("fr"):
        html = render_to_string("questionnaires/_rates.html", {"rates": [rate], "heading": "x"})
    assert "6,3\xa0%" in html and "6.2" not in html


def test_a_coverage_confidence_is_written_as_a_share() -> None:
    need = SimpleNamespace(
        state=SimpleNamespace(translated=lambda _field: SimpleNamespace(text="Egypt")),
        article=SimpleNamespace(number=5),
        get_kind_display=lambda: "Legislative",
    )
    link = SimpleNamespace(
        need=need,
        need_id=1,
        activity="Training",
        confidence=Decimal("0.125"),  # 12.5 %: round() wrote 12
        status="suggested",
        get_status_display=lambda: "Suggested",
    )
    assert _suggestion(link).detail == "Confidence 12.5%"  # type: ignore[arg-type]
