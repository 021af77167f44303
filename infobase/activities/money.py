"""Amounts of an activity in another currency than its own, converted by the rule the funding
app registers when Django starts (activities never import funding).

The registered converter takes an amount, its currency, the target currency and the date whose
rates apply, and returns the amount rounded to the cent, or raises ``LookupError`` with a
translated message when no rate is known for that currency and date. Without a converter,
amounts are shown in their own currency only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.utils.translation import gettext as _

from infobase.activities.models import Budget, BudgetType, Transaction, TransactionType

# What an activity spent: its disbursements and its expenditure.
SPENT = (TransactionType.DISBURSEMENT, TransactionType.EXPENDITURE)


class MoneyConverter(Protocol):
    def __call__(
        self, amount: Decimal, from_currency: str, to_currency: str, on: date, /
    ) -> Decimal: ...


_converter: MoneyConverter | None = None


def register_money_converter(converter: MoneyConverter | None) -> None:
    """Make ``converter`` the rule converting an activity's amounts (None: no conversion)."""
    global _converter
    _converter = converter


def money_converter() -> MoneyConverter | None:
    return _converter


@dataclass(frozen=True)
class Converted:
    """An amount in the activity's currency: ``amount`` when known; otherwise ``reason`` says
    why it is unknown. ``needed`` is False when the amount is already in that currency."""

    amount: Decimal | None
    currency: str
    on: date | None = None
    reason: str = ""
    needed: bool = True

    @property
    def known(self) -> bool:
        return self.amount is not None


def convert_amount(amount: Decimal, currency: str, *, to: str, on: date | None) -> Converted | None:
    """``amount`` of ``currency`` in ``to`` at the rates valid on ``on``; None when there is
    no converter registered or no target currency (the amount is shown as it is)."""
    source = (currency or to or "").strip().upper()
    target = (to or "").strip().upper()
    if not target:
        return None
    if source == target:
        return Converted(amount=amount, currency=target, on=on, needed=False)
    converter = _converter
    if converter is None:
        return None
    if on is None:
        return Converted(
            amount=None,
            currency=target,
            reason=_("no value date to choose the exchange rate of %(currency)s")
            % {"currency": source},
        )
    try:
        return Converted(amount=converter(amount, source, target, on), currency=target, on=on)
    except LookupError as exc:
        return Converted(
            amount=None, currency=target, on=on, reason=str(exc.args[0] if exc.args else exc)
        )


@dataclass(frozen=True)
class ConvertedTotal:
    """The sum of converted amounts (each rounded first), or unknown with the reasons."""

    amount: Decimal | None
    currency: str
    reasons: tuple[str, ...] = ()


def total_of(amounts: Iterable[Converted], currency: str) -> ConvertedTotal:
    """The sum of the rounded ``amounts``; unknown when any of them is."""
    total = Decimal(0)
    reasons: list[str] = []
    for converted in amounts:
        if converted.amount is None:
            if converted.reason not in reasons:
                reasons.append(converted.reason)
        else:
            total += converted.amount
    if reasons:
        return ConvertedTotal(amount=None, currency=currency, reasons=tuple(reasons))
    return ConvertedTotal(amount=total, currency=currency)


@dataclass(frozen=True)
class AmountRow:
    """A budget or transaction with its amount in the activity's currency (``converted`` None:
    shown in its own currency only, as no converter is registered)."""

    row: Budget | Transaction
    currency: str
    converted: Converted | None


def amount_rows(rows: Iterable[Budget | Transaction], *, to: str) -> list[AmountRow]:
    """Budgets or transactions of an activity with their amounts converted to ``to`` at the
    rates of their value date (else a transaction's date, or a budget's period start)."""
    out = []
    for row in rows:
        currency = (row.currency or to or "").upper()
        fallback = row.period_start if isinstance(row, Budget) else row.date
        on = row.value_date or fallback
        converted = convert_amount(row.value, currency, to=to, on=on)
        out.append(AmountRow(row=row, currency=currency, converted=converted))
    return out


def budget_total(rows: list[AmountRow], *, currency: str) -> ConvertedTotal | None:
    """The total of budget rows in ``currency``, a revised budget (type 2) standing in place of
    the original one of its period; None when there is nothing to add or no converter."""
    by_period: dict[tuple[date | None, date | None], AmountRow] = {}
    for item in rows:
        row = item.row
        if not isinstance(row, Budget):
            continue
        period = (row.period_start, row.period_end)
        if period not in by_period or row.kind == BudgetType.REVISED:
            by_period[period] = item
    chosen = [item.converted for item in by_period.values()]
    if not chosen or not currency or any(c is None for c in chosen):
        return None
    return total_of((c for c in chosen if c is not None), currency)


def spent_total(rows: list[AmountRow], *, currency: str) -> ConvertedTotal | None:
    """Disbursements and expenditure (IATI transaction types 3 and 4) in ``currency``; None
    when there are none or no converter."""
    chosen = [
        item.converted
        for item in rows
        if isinstance(item.row, Transaction) and item.row.kind in SPENT
    ]
    if not chosen or not currency or any(c is None for c in chosen):
        return None
    return total_of((c for c in chosen if c is not None), currency)
