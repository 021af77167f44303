"""Dates and numbers go through the locale, in one style per language: Arabic dates read
«3 فبراير 2027» on every page and in the reports, never «ديسمبر 5, 2026»; Arabic numbers keep
the decimal point; stored language codes are shown as language names."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from infobase.core.i18n import format_date, format_datetime, format_number, language, language_name
from infobase.reports.numbers import long_date


def render(source: str, **context: object) -> str:
    return Template("{% load l10n_labels %}" + source).render(Context(context))


def test_arabic_dates_have_one_style_in_pages_helpers_and_reports() -> None:
    day = date(2027, 2, 3)
    with language("ar"):
        page = render('{{ d|date:"DATE_FORMAT" }}', d=day)
        moment = render('{{ m|date:"DATETIME_FORMAT" }}', m=datetime(2026, 12, 5, 9, 30))
    assert page == format_date(day, "ar") == long_date(day, "ar") == "3 فبراير 2027"
    assert moment.startswith("5 ديسمبر 2026")
    assert "," not in moment


def test_english_dates_are_in_united_nations_style() -> None:
    assert format_date(date(2027, 2, 3), "en") == "3 February 2027"
    assert format_datetime(datetime(2026, 12, 5, 9, 30, tzinfo=UTC), "en").startswith(
        "5 December 2026"
    )


def test_arabic_numbers_keep_the_decimal_point_and_the_grouping_comma() -> None:
    assert format_number(10.5, 1, "ar") == "10.5"
    assert format_number(10500, 0, "ar") == "10,500"
    assert format_number(10.5, 1, "fr") == "10,5"
    with language("ar"):
        assert render("{{ v|number:1 }}", v=10.5) == "10.5"
        assert render('{{ v|floatformat:"1g" }}', v=10.5) == "10.5"
        # Grouped by thousands on pages as in the reports (the gaps page read 94276502.54).
        assert render('{{ v|floatformat:"2g" }}', v=94276502.54) == "94,276,502.54"


def test_chinese_numbers_are_grouped_on_pages_as_in_the_reports() -> None:
    assert format_number(94276502.54, 2, "zh") == "94,276,502.54"
    with language("zh-hans"):
        assert render('{{ v|floatformat:"2g" }}', v=94276502.54) == "94,276,502.54"


def test_language_codes_are_shown_as_names_in_the_interface_language() -> None:
    with language("ar"):
        assert language_name("ar") == "العربية"
        assert render("{{ c|language_label }}", c="en") == "الإنكليزية"
    with language("en"):
        assert language_name("zh") == "Simplified Chinese"
    assert translation.get_language() == "en"


def test_lists_are_separated_as_each_language_writes_them() -> None:
    """«السلفادور، غواتيمالا» in Arabic (a Latin comma read as a stray mark), 「、」 in Chinese."""
    states = ["A", "B", "C"]
    for code, separator in (("ar", "، "), ("zh-hans", "、"), ("en", ", "), ("fr", ", ")):
        with language(code):
            assert render("{{ v|join_list }}", v=states) == separator.join(states), code
            loop = (
                "{% for s in v %}{{ s }}{% if not forloop.last %}{% list_sep %}{% endif %}"
                "{% endfor %}"
            )
            assert render(loop, v=states) == separator.join(states), code
    with language("ar"):
        assert render("{{ v|join_list }}", v=["<b>"]) == "&lt;b&gt;"


LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh-hans")


def test_pages_and_reports_write_dates_and_numbers_alike_in_every_language() -> None:
    """A figure reads the same on a page and in the report that quotes it: the same
    separators (94.276.502,54 in Spanish, with a narrow no-break space in French) and the same
    long date, in each of the six languages."""

    from infobase.reports.numbers import integer, number

    day, amount, count = date(2027, 2, 3), Decimal("94276502.54"), 12345
    for code in LANGUAGES:
        with language(code):
            page_day = render('{{ d|date:"DATE_FORMAT" }}', d=day)
            page_amount = render('{{ v|floatformat:"2g" }}', v=amount)
            page_count = render('{{ v|floatformat:"0g" }}', v=count)
        assert page_day == format_date(day, code) == long_date(day, code), code
        assert page_amount == format_number(amount, 2, code) == number(amount, code, 2), code
        assert page_count == format_number(count, 0, code) == integer(count, code), code


def test_pages_and_reports_write_percentages_alike_in_every_language() -> None:
    """«31.9%» in English, «31,9 %» in French, «31.9‎%‎» in Arabic: CLDR's sign and spacing,
    on a page (a share, or a figure already in percent) as in a report."""

    from infobase.core.i18n import format_percent, format_share_percent
    from infobase.reports.numbers import percent

    share = Decimal("0.31949")  # 31.949 %: 31.9 with one decimal, rounded half up
    for code in LANGUAGES:
        with language(code):
            page_share = render("{% load infobase %}{{ v|percent }}", v=share)
            page_points = render("{% load infobase %}{{ v|percent_points:1 }}", v=share * 100)
        written = percent(share * 100, code)
        assert page_share == page_points == format_share_percent(share, code) == written, code
        assert written == format_percent(Decimal("31.9"), 1, code), code
    assert percent(Decimal("31.9"), "en") == "31.9%"
    assert percent(Decimal("31.9"), "fr") == "31,9\xa0%"
    assert percent(Decimal("31.9"), "ar") == "31.9\u200e%\u200e"


def test_a_maps_classes_of_percentages_are_written_by_the_same_rule() -> None:
    """The legend of a report's map of shares and of the coverage map on the web."""
    from infobase.core.i18n import format_percent_range
    from infobase.reports.blocks import WorldMap
    from infobase.reports.charts import map_scale

    assert format_percent_range(20, 40, "en") == "20–40%"
    assert format_percent_range(20, 40, "fr") == "20–40\xa0%"
    with language("ar"):
        scale = map_scale(WorldMap(title="x", areas=(), percent=True))
    assert [c.label for c in scale.classes][1] == "20–40\u200e%\u200e"


def test_percentages_inside_sentences_are_written_by_the_same_rule() -> None:
    """A percentage a translated sentence holds (a coverage suggestion's words in common, a
    need's coverage in its score, a map legend's uncovered class) is written as every page
    writes a percentage, not with the spacing each translator chose."""
    from infobase.activities.coverage.suggestions import reason_text
    from infobase.core.i18n import format_percent, format_share_percent
    from infobase.needs.scoring import score
    from infobase.reports.blocks import WorldMap
    from infobase.reports.charts import map_scale
    from tests.needs.test_scoring import THEMES, WEIGHTS, facts

    words = {"code": "text", "params": {"percent": 33, "words": ["corruption"]}}
    for code in ("en", "fr", "ar", "ru"):
        with language(code):
            reason = reason_text(words)
            coverage = score(facts(coverage=Decimal("0.25")), WEIGHTS, THEMES).term("coverage")
            legend = map_scale(WorldMap(title="x", areas=(), percent=True)).zero_label
        assert f"({format_percent(33, 0, code)})" in reason, code
        assert format_share_percent(Decimal("0.25"), code) in coverage.explanation, code
        assert format_percent(0, 0, code) in legend, code
    # French puts a no-break space before the sign, Arabic none (marks keep it after the number).
    with language("fr"):
        assert "(33\xa0%)" in reason_text(words)
    with language("ar"):
        assert "(33\u200e%\u200e)" in reason_text(words)
