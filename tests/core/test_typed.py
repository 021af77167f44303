"""Numbers and dates as people type them in a spreadsheet (``core.typed``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from infobase.core.typed import AmbiguousValue, date_orders, number_text, read_date, read_number


@pytest.mark.parametrize(
    ("typed", "whole", "read"),
    [
        ("1,234", True, "1234"),
        ("1.234", True, "1234"),
        ("1 234", False, "1234"),
        ("1\u00a0234", False, "1234"),  # no-break space (French)
        ("1\u202f234,5", False, "1234.5"),  # narrow no-break space (French, typeset)
        ("1.234,5", False, "1234.5"),
        ("1,234.5", False, "1234.5"),
        ("1,234,567", False, "1234567"),
        ("١٢٣٤", True, "1234"),  # Arabic-Indic digits
        ("۱۲۳۴", True, "1234"),  # Extended Arabic-Indic (Persian, Urdu)
        ("١٬٢٣٤٫٥", False, "1234.5"),  # Arabic thousands and decimal separators
        ("1,5", False, "1.5"),
        ("0,125", False, "0.125"),
        ("12.345", False, "12.345"),  # a point is what every program writes
        ("1.50", False, "1.50"),
        ("\u22125", True, "-5"),
        ("-1 234", True, "-1234"),
    ],
)
def test_numbers_are_read_as_people_type_them(typed: str, whole: bool, read: str) -> None:
    assert number_text(typed, whole=whole) == read


@pytest.mark.parametrize("typed", ["twelve", "12,34,567", "1,234.567.8", "1 23", "1,2,3"])
def test_what_is_no_number_is_left_for_the_field_to_refuse(typed: str) -> None:
    assert read_number(typed, whole=False) is None
    assert number_text(typed, whole=False) == typed


def test_a_comma_before_three_digits_in_a_decimal_field_is_refused_with_both_readings() -> None:
    assert read_number("1,234", whole=True) == Decimal(1234)
    with translation.override("en"), pytest.raises(AmbiguousValue) as caught:
        read_number("1,234", whole=False)
    assert "“1,234” could mean 1234 (a comma between thousands) or 1.234" in str(caught.value)
    with translation.override("ar"), pytest.raises(AmbiguousValue) as caught:
        read_number("1,234", whole=False)
    assert "1234" in str(caught.value) and "1.234" in str(caught.value)
    assert "فاصلة" in str(caught.value)


def test_dates_are_read_when_the_cell_settles_day_and_month() -> None:
    assert read_date("2024-03-20") == date(2024, 3, 20)
    assert read_date("2024-03-20T10:30") == date(2024, 3, 20)
    assert read_date("20/03/2024") == date(2024, 3, 20)  # French, Spanish, Arabic
    assert read_date("20.03.2024") == date(2024, 3, 20)  # Russian
    assert read_date("03/20/2024") == date(2024, 3, 20)  # American
    assert read_date("05/05/2024") == date(2024, 5, 5)
    assert read_date("2024/3/20") == date(2024, 3, 20)  # Chinese
    assert read_date("٢٠/٠٣/٢٠٢٤") == date(2024, 3, 20)
    assert read_date("31/02/2024") is None
    assert read_date("20/03/24") is None  # which century is not guessed
    with pytest.raises(AmbiguousValue, match="2024-04-03 or 2024-03-04"):
        read_date("03/04/2024")


def test_the_other_dates_of_a_column_settle_the_order_of_day_and_month() -> None:
    rows = [
        ["20/03/2024", "03/20/2024", "20/03/2024", "03/04/2024"],
        ["03/04/2024", "03/04/2024", "03/20/2024", "2024-01-01"],
    ]
    orders = date_orders(rows, first_line=2)
    assert read_date("03/04/2024", orders[0]) == date(2024, 4, 3)
    assert read_date("03/04/2024", orders[1]) == date(2024, 3, 4)
    assert 3 not in orders  # nothing in that column settles it
    with translation.override("en"), pytest.raises(AmbiguousValue) as caught:
        read_date("20/03/2024", orders[2])
    assert "day first (row 2) and month first (row 3)" in str(caught.value)


@pytest.mark.parametrize("text", ["1_000", "12'345", "1/000"])
def test_other_marks_between_digits_are_no_number(text):
    assert read_number(text, whole=True) is None
