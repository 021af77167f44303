"""Money: exact decimals in their own currency, converted with the secretariat's dated rates.

Rates are kept as units of a currency per one US dollar from a date (``ExchangeRate``). The
rate used on a date is the latest one valid on that date; the US dollar is always 1. Every
conversion is done with exact ``Decimal`` arithmetic at a high precision and rounded to cents
(half up, ``cents``).

The one rule for the figures shown on pages and in files (``MoneyRule``): every amount of a
page or file is converted at the rates valid on one stated *as-of date* (today unless the
reader picks another), each amount shown is rounded half up to the cent, and a total is the
sum of the rounded amounts it adds up (where it cannot be, the page says why). The page or file
states the as-of date and the rule (``MoneyRule.statement``).

Reports pass a ``RatesUsed`` collector to every conversion so they can say which rates they
used (currency, rate, valid from, source).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.utils.translation import gettext as _

from infobase.core.i18n import format_date
from infobase.funding.models import ExchangeRate

USD = "USD"
CENT = Decimal("0.01")
# Precision of intermediate results: far more digits than any amount × rate needs.
PRECISION = 50
# valid_from shown for the US dollar, which needs no rate.
USD_SINCE = date(1, 1, 1)


class MissingRate(LookupError):
    """No exchange rate of ``currency`` is valid on ``on``. The message is translated."""

    def __init__(self, currency: str, on: date) -> None:
        self.currency = currency
        self.on = on
        super().__init__(
            _(
                "There is no exchange rate for %(currency)s valid on %(date)s: "
                "the secretariat must add one to the rate table."
            )
            % {"currency": currency, "date": format_date(on)}
        )


@dataclass(frozen=True, order=True)
class RateUsed:
    currency: str
    valid_from: date
    per_usd: Decimal
    source: str


class RatesUsed:
    """Collects the rates used by a report, once each, in currency and date order."""

    def __init__(self) -> None:
        self._rates: set[RateUsed] = set()
        # The rates looked up, by currency and day: a report reads each one once.
        self.found: dict[tuple[str, date], ExchangeRate] = {}

    def add(self, rate: ExchangeRate) -> None:
        if rate.currency == USD:
            return
        self._rates.add(RateUsed(rate.currency, rate.valid_from, rate.per_usd, rate.source))

    def extend(self, other: RatesUsed) -> None:
        self._rates |= set(other)

    def __iter__(self) -> Iterator[RateUsed]:
        return iter(sorted(self._rates))

    def __len__(self) -> int:
        return len(self._rates)

    def __bool__(self) -> bool:
        return bool(self._rates)

    def as_list(self) -> list[dict[str, str]]:
        """The rates as JSON-friendly dicts (for stored reports)."""
        return [
            {
                "currency": r.currency,
                "per_usd": str(r.per_usd),
                "valid_from": r.valid_from.isoformat(),
                "source": r.source,
            }
            for r in self
        ]


def normalise(currency: str) -> str:
    return (currency or "").strip().upper()


def rate_on(currency: str, on: date, *, used: RatesUsed | None = None) -> ExchangeRate:
    """The latest rate of ``currency`` valid on ``on`` (US dollar: 1, unsaved).

    Raises ``MissingRate`` (translated, naming the currency and the date) when there is none.
    """
    code = normalise(currency)
    if code == USD:
        return ExchangeRate(
            currency=USD, per_usd=Decimal(1), valid_from=USD_SINCE, source=_("US dollar")
        )
    rate = used.found.get((code, on)) if used is not None else None
    if rate is None:
        rate = (
            ExchangeRate.objects.filter(currency=code, valid_from__lte=on)
            .order_by("-valid_from")
            .first()
        )
    if rate is None:
        raise MissingRate(code, on)
    if used is not None:
        used.found[(code, on)] = rate
        used.add(rate)
    return rate


def cents(amount: Decimal) -> Decimal:
    """``amount`` rounded to cents, half up (away from zero)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def split_cents(amount: Decimal, parts: int) -> list[Decimal]:
    """``amount`` (in cents) shared into ``parts`` shares of whole cents that add up to it
    exactly: equal shares, the cents left over going one each to the first shares."""
    if parts <= 0:
        return []
    total = int(cents(amount) / CENT)
    base, extra = divmod(abs(total), parts)
    sign = -1 if total < 0 else 1
    return [sign * (base + (1 if n < extra else 0)) * CENT for n in range(parts)]


@dataclass(frozen=True)
class MoneyRule:
    """How the amounts of a page or file are converted and rounded, to be stated with them."""

    on: date

    def statement(self) -> str:
        return _(
            "Amounts converted at the exchange rates valid on %(date)s (the as-of date, the "
            "same for every amount on this page or file); each amount is rounded half up to the "
            "cent, and each total is the sum of the rounded amounts it adds up."
        ) % {"date": format_date(self.on)}


def parse_as_of(raw: str, *, today: date) -> tuple[date, str]:
    """The as-of date written ``YYYY-MM-DD`` (``today`` when empty), and a translated problem
    naming the value when it is not a date (``today`` is used then)."""
    raw = (raw or "").strip()
    if not raw:
        return today, ""
    try:
        return date.fromisoformat(raw), ""
    except ValueError:
        return today, _("“%(value)s” is not a date (YYYY-MM-DD); today's date is used.") % {
            "value": raw
        }


def convert_exact(
    amount: Decimal,
    from_currency: str,
    to_currency: str,
    on: date,
    *,
    used: RatesUsed | None = None,
) -> Decimal:
    """``amount`` of ``from_currency`` in ``to_currency`` at the rates valid on ``on``, not
    rounded (sum these, then round the total with ``cents``)."""
    source, target = normalise(from_currency), normalise(to_currency)
    if source == target:
        return Decimal(amount)
    from_rate = rate_on(source, on, used=used).per_usd
    to_rate = rate_on(target, on, used=used).per_usd
    with localcontext() as ctx:
        ctx.prec = PRECISION
        # Multiply first, divide once: the only inexact step is the one division.
        return Decimal(amount) * Decimal(to_rate) / Decimal(from_rate)


def convert(
    amount: Decimal,
    from_currency: str,
    to_currency: str,
    on: date,
    *,
    used: RatesUsed | None = None,
) -> Decimal:
    """``amount`` of ``from_currency`` in ``to_currency`` on ``on``, rounded to cents."""
    return cents(convert_exact(amount, from_currency, to_currency, on, used=used))


def to_usd(amount: Decimal, currency: str, on: date, *, used: RatesUsed | None = None) -> Decimal:
    """``amount`` of ``currency`` in US dollars on ``on``, rounded to cents."""
    return convert(amount, currency, USD, on, used=used)


def to_usd_exact(
    amount: Decimal, currency: str, on: date, *, used: RatesUsed | None = None
) -> Decimal:
    """``amount`` of ``currency`` in US dollars on ``on``, not rounded."""
    return convert_exact(amount, currency, USD, on, used=used)
