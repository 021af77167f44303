"""Allocation proposals (issue 6, point 5): how to spend the available pledges on candidate
projects (and, optionally, directly on open needs) so that the money serves paragraph (d) of
decision 2/6 — each regional group and each legal-system family near its fair share — and, at
that equity, the priority-weighted needs met are as large as possible, within each pledge's
earmarks and amount and each target's cost.

The core (``Source``, ``Target``, ``Parameters``, ``solve``, ``greedy``, ``tradeoff_curve``,
``equity_summary``, ``explain_shortfalls``) works on plain data and does no database work, so
that it can be tested and benchmarked alone. The ORM glue at the end (``load_problem``,
``run_allocation``, ``compute_allocation``, ``proposal_accept``, ``latest_tradeoff_curve``)
loads the problem from the database and stores proposals; a proposal allocates nothing until
a person accepts it.

The model (mixed-integer linear programmes solved by HiGHS through ``highspy``)
-------------------------------------------------------------------------------

Variables: ``x[s,t] ≥ 0`` — US dollars of source ``s`` given to target ``t``, only for the
compatible pairs (a pair an earmark forbids has no variable at all, so no solution can cross an
earmark); ``y[t] ∈ [0, 1]`` — the fraction of target ``t`` funded, binary for projects when
``projects_all_or_nothing`` (and for needs when ``needs_all_or_nothing``); ``short[k] ≥ 0`` —
how far the solution falls short of floor ``k``.

Constraints:

- each source: ``Σ_t x[s,t] ≤ available[s]``; each target: ``Σ_s x[s,t] = cost[t] · y[t]``;
- each floor ``k``: ``funds(k) + short[k] ≥ floor[k]``, where ``funds(k) = Σ_{t ∈ k}
  cost[t]·y[t]``. For a regional group ``g`` (when ``equity_fraction_group`` α > 0)
  ``floor[g] = α · fair_share(g) · M``: ``fair_share(g)`` is the group's share of the
  priority-weighted needs among all the targets and ``M`` the most money the pledges can give
  to the targets (a linear programme, all-or-nothing relaxed, solved first). The same per
  legal-system family with ``equity_fraction_family``; a target counts in *each* of its
  families (and groups) with its fraction, on both sides. An instrument minimum is a floor of
  its own (USD).

Floors are counted against the money that *can* be given, not the money given, because a floor
on a share of the money given is met by giving nothing: with all-or-nothing projects and a group
that no pledge can reach, giving nothing was the only allocation that met every floor. Counted
against ``M``, giving more never puts a floor further out of reach; and a floor that cannot be
met makes a shortfall, never an empty proposal.

Objective: maximise ``Σ_t weight[t] · y[t] − price · excess``, the priority-weighted needs met
minus a priced shortfall, where ``excess ≥ Σ_k short[k] / floor[k] − Σ_k least[k]`` (each
shortfall as a fraction of its floor, so a small group counts as much as a large one, beyond
``least[k]``: the part of the floor no compatible money can reach, a constant). The price is
twice what the money of the largest floor could meet at the best rate (weight per dollar) any
target offers: no money that can be moved toward a floor is kept from it for the needs it would
meet elsewhere — equity first wherever money is divisible, then the most needs met at that
equity; only whole projects can make the optimizer accept a little shortfall for many needs.
Without floors the objective is the needs met alone.

Solving: the relaxation (all-or-nothing relaxed) is solved first and rounded — every project it
funds at all held funded, the others dropped, the rest solved again — and HiGHS starts from the
better of that point and the greedy baseline's allocation (both feasible): its own heuristics
take far longer to find as good a point. Without floors the optimizer therefore never meets
fewer needs than the baseline (should the time run out first, the baseline is kept).

Sources that may fund exactly the same targets (all the unearmarked pledges, the pledges for
the same regional group or the same project …) are interchangeable: the model pools them, which
divides the number of variables by ten at world scale, and each pool's amounts are then spent
over its sources in their given order (``_split``: the first until it is used up, then the next).

Money is rounded once: availability down to the cent and costs to the cent (half up) before the
model is built; the solver's amounts are then rounded to cents and repaired so that no source
ever gives more than it has and a fully funded target receives exactly its cost (see
``_round_amounts``). Each floor is raised by half a cent for each pair that may fund it, so that
a floor the solver meets stays met once the amounts are rounded; should one still be missed by
cents, the model is solved again with that floor raised by the cents missed and held (at most
``ROUNDING_ATTEMPTS`` solves). Inside the solver money is counted in thousands of dollars.

Report: the solver status (``optimal`` — proven within ``mip_gap``; ``time_limit`` — the best
solution found when the time ran out, with its proven gap; ``time_limit_no_solution``), the
objective, the gap, the constraints that bind (pledges exhausted, floors and minimums met
exactly — with, when ``explain`` is set, the objective the proposal would reach without each:
the price of that floor), the floors it falls short of with the amount and the reason
(``explain_shortfalls``: no pledge may reach the group's candidates, those that may hold too
little, every candidate that can be funded is, the pledges that could are used in full …, with
the largest pledges whose earmarks keep their money away), the equity index of the money given
(as ``funding.equity``: ``1 − ½ Σ |share of money − share of needs|``), each target's funded
fraction and each (source, target) amount.

The trade-off curve (``tradeoff_curve``): one proposal for each of a range of floor levels (the
same level for groups and legal systems), with its priority-weighted needs met, its equity
indices and its shortfalls, so that the working group can choose the level.

The greedy baseline ("highest score first")
-------------------------------------------

Targets by weight, highest first (ties: the cheaper first, then by id). A target is funded in
full when the compatible money still available covers its cost, and skipped otherwise: projects
and needs alike are all-or-nothing in the baseline (a partly funded need is not a need met, and
it keeps the baseline simple to explain). The money is taken from the compatible sources with
the least flexibility first — the fewest compatible targets, then the least money left, then by
id — so that money earmarked narrowly is used where it can be used and unearmarked money is kept
for targets nothing else can fund. The baseline ignores the equity floors and the instrument
minimums; ``equity_summary`` and ``explain_shortfalls`` say which of them its result misses.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np
from scipy.sparse import coo_array, csr_array
from scipy.sparse.csgraph import maximum_flow

if TYPE_CHECKING:
    from infobase.funding.models import Proposal

CENT = Decimal("0.01")
SCALE = 1000.0  # money inside the solver: thousands of US dollars
TOLERANCE_USD = 0.01  # a constraint whose slack is at most this binds
ROUNDING_ATTEMPTS = 3  # solves at most, when rounding to cents breaks a floor by cents
PROJECT = "project"
NEED = "need"
METHODS = ("optimizer", "greedy")
SOLVED_STATUSES = ("optimal", "time_limit", "heuristic")  # a solution exists to accept
HALF_CENT = Decimal("0.005")
SHOWN_PLEDGES = 5  # pledges named in the explanation of a shortfall
CURVE_LEVELS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # floor levels of the trade-off curve
CURVE_GAP = 0.005  # the curve serves to choose a level: each point proven within 0.5 %


def gettext_noop(message: str) -> str:
    """Marks a message id for the catalogs (translated when shown) without needing settings:
    the core runs without Django configured (benchmarks)."""
    return message


Progress = Callable[[float, str], None]  # percent, step (a message id)
PROGRESS_SOLVE = 10.0
STEP_SOLVE = gettext_noop("Solving: equity first, then the most priority-weighted needs met")
STEP_CURVE = gettext_noop("Computing the trade-off curve")
STEP_LOADING = gettext_noop("Loading the pledges and candidates")
STEP_STORING = gettext_noop("Storing the proposals")


# --- Plain data -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Target:
    """Something money can be given to: a candidate project or an open need."""

    id: Hashable
    kind: str  # "project" | "need"
    cost_usd: float | Decimal  # what it still needs
    weight: float | Decimal  # priority-weighted needs it meets (score, or sum of its needs' scores)
    # Where its money and needs lie: one regional group, several (each counts in full), or a
    # mapping group → fraction (a project whose needs lie in several groups).
    regional_group: str | tuple[str, ...] | Mapping[str, float] = ""
    # Legal-system families: each counts in full, or a mapping family → fraction.
    legal_families: tuple[str, ...] | Mapping[str, float] = ()
    instruments: tuple[str, ...] = ()  # instrument codes it addresses
    label: str = ""

    def group_fractions(self) -> dict[str, float]:
        return _fractions(self.regional_group)

    def family_fractions(self) -> dict[str, float]:
        return _fractions(self.legal_families)

    def instrument_fractions(self) -> dict[str, float]:
        return _fractions(self.instruments)


def _fractions(value: str | Iterable[str] | Mapping[str, float]) -> dict[str, float]:
    if isinstance(value, str):
        return {value: 1.0} if value else {}
    if isinstance(value, Mapping):
        return {k: float(v) for k, v in value.items() if k and float(v) > 0}
    return dict.fromkeys((k for k in value if k), 1.0)


Allows = Callable[[Target], bool] | AbstractSet[Hashable] | None


@dataclass(frozen=True, eq=False)
class Source:
    """Money that can be allocated: a pledge's remaining amount in US dollars. ``allows`` is a
    predicate on targets, or the set of the ids of the targets it may fund (None: any).
    ``earmark`` (none, thematic, geographic, project) and ``earmark_detail`` (what it is
    earmarked to, e.g. a project code) serve only to explain the floors it keeps money from."""

    id: Hashable
    available_usd: float | Decimal
    allows: Allows = None
    label: str = ""
    earmark: str = ""
    earmark_detail: str = ""

    def may_fund(self, target: Target) -> bool:
        if self.allows is None:
            return True
        if callable(self.allows):
            return bool(self.allows(target))
        return target.id in self.allows


@dataclass(frozen=True)
class Parameters:
    equity_fraction_group: float = 0.0  # α for regional groups, 0..1
    equity_fraction_family: float = 0.0  # α for legal-system families, 0..1
    instrument_minimums: Mapping[str, float] = field(default_factory=dict)  # code → USD
    projects_all_or_nothing: bool = True
    needs_all_or_nothing: bool = False
    time_limit: float = 60.0  # seconds, for each solve
    mip_gap: float = 0.001  # relative gap at which a solution counts as optimal
    explain: bool = True  # price each binding floor/minimum by solving again without it
    explain_limit: int = 12  # at most this many such re-solves

    def __post_init__(self) -> None:
        for name in ("equity_fraction_group", "equity_fraction_family"):
            value = getattr(self, name)
            if not (0.0 <= float(value) <= 1.0):
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        for code, minimum in self.instrument_minimums.items():
            if not float(minimum) >= 0:
                raise ValueError(f"minimum for {code} must be 0 or more, not {minimum}")
        if not float(self.time_limit) > 0:
            raise ValueError("time_limit must be positive")
        if not float(self.mip_gap) >= 0:
            raise ValueError("mip_gap must be 0 or more")

    @property
    def has_floors(self) -> bool:
        return (
            float(self.equity_fraction_group) > 0
            or float(self.equity_fraction_family) > 0
            or any(float(v) > 0 for v in self.instrument_minimums.values())
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "equity_fraction_group": float(self.equity_fraction_group),
            "equity_fraction_family": float(self.equity_fraction_family),
            "instrument_minimums": {k: float(v) for k, v in self.instrument_minimums.items()},
            "projects_all_or_nothing": self.projects_all_or_nothing,
            "needs_all_or_nothing": self.needs_all_or_nothing,
            "time_limit": float(self.time_limit),
            "mip_gap": float(self.mip_gap),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Parameters:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class ConstraintKey:
    """One side constraint: kind "equity_group" | "equity_family" | "instrument_minimum" |
    "pledge"; ``key`` the group, family, instrument code or source id."""

    kind: str
    key: Hashable

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "key": str(self.key)}


@dataclass
class Binding:
    """A constraint the solution meets with (almost) no slack."""

    constraint: ConstraintKey
    value_usd: float  # what the solution gives (funds to the group, pledge used …)
    limit_usd: float  # the floor, minimum or amount available
    objective_without: float | None = None  # the objective when this constraint is dropped

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.constraint.as_dict(),
            "value_usd": clean(self.value_usd, 2),
            "limit_usd": clean(self.limit_usd, 2),
            "objective_without": (
                None if self.objective_without is None else clean(self.objective_without, 6)
            ),
        }


@dataclass
class ShareRow:
    """One regional group, legal-system family or instrument in a solution."""

    key: str
    need_weight: float  # priority-weighted needs of the targets in it
    fair_share: float  # its share of all the priority-weighted needs
    funds_usd: float  # money the solution gives to targets in it
    funds_share: float  # its share of all the money the solution gives
    ratio: float | None  # funds_share / fair_share (None when the fair share is 0)
    weight_met: float  # priority-weighted needs met in it
    floor_usd: float  # α · fair share · total funds (0 without a floor) or the minimum
    met: bool  # the floor or minimum is met

    @property
    def shortfall_usd(self) -> float:
        return 0.0 if self.met else max(0.0, self.floor_usd - self.funds_usd)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "need_weight": clean(self.need_weight, 6),
            "fair_share": clean(self.fair_share, 6),
            "funds_usd": clean(self.funds_usd, 2),
            "funds_share": clean(self.funds_share, 6),
            "ratio": None if self.ratio is None else clean(self.ratio, 6),
            "weight_met": clean(self.weight_met, 6),
            "floor_usd": clean(self.floor_usd, 2),
            "shortfall_usd": clean(self.shortfall_usd, 2),
            "met": self.met,
        }


# Why a floor or minimum is missed (``Shortfall.reason``):
NO_PLEDGE = "no_pledge"  # no pledge with money may fund any of its candidates (earmarks)
TOO_LITTLE = "too_little"  # the pledges that may fund its candidates hold less than any costs
SATURATED = "saturated"  # every candidate the pledges can fund is funded in full
PLEDGES_USED = "pledges_used"  # the pledges that may fund its other candidates are used up
INDIVISIBLE = "indivisible"  # what is left for it is less than any of its remaining projects
TRADE_OFF = "trade_off"  # money could reach it: kept for floors further below theirs
IGNORED = "ignored"  # the greedy baseline ignores the floors
REASONS = (NO_PLEDGE, TOO_LITTLE, SATURATED, PLEDGES_USED, INDIVISIBLE, TRADE_OFF, IGNORED)


@dataclass
class Shortfall:
    """A floor or minimum the solution misses, by how much, and why: ``reason`` (one of
    ``REASONS``); ``pledges``: the pledges that could fund its candidates (used in full, or
    holding too little); ``blocking``: the largest pledges whose earmarks keep their money
    from all of its candidates, ``blocking_usd`` the money of all such pledges."""

    constraint: ConstraintKey
    floor_usd: float
    funds_usd: float
    reason: str
    candidates: int = 0  # targets in the group, family or instrument
    fundable: int = 0  # of which the pledges could fund
    funded: int = 0  # of which the solution funds in full
    compatible_usd: float = 0.0  # money of the pledges that may fund some of its candidates
    pledges: list[str] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    blocking_usd: float = 0.0

    @property
    def shortfall_usd(self) -> float:
        return max(0.0, self.floor_usd - self.funds_usd)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.constraint.as_dict(),
            "floor_usd": clean(self.floor_usd, 2),
            "funds_usd": clean(self.funds_usd, 2),
            "shortfall_usd": clean(self.shortfall_usd, 2),
            "reason": self.reason,
            "candidates": self.candidates,
            "fundable": self.fundable,
            "funded": self.funded,
            "compatible_usd": clean(self.compatible_usd, 2),
            "pledges": list(self.pledges),
            "blocking": list(self.blocking),
            "blocking_usd": clean(self.blocking_usd, 2),
        }


@dataclass
class Solution:
    method: str  # "optimizer" | "greedy"
    status: str  # optimal | time_limit | time_limit_no_solution | error | heuristic
    message: str = ""
    objective: float = 0.0  # Σ weight · funded fraction, of the rounded amounts
    solver_objective: float | None = None  # as the solver reported it (before rounding)
    bound: float | None = None  # the solver's proven upper bound on the objective
    mip_gap: float | None = None
    seconds: float = 0.0  # every solve of the proposal (model building included)
    explain_seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)  # spendable, equity, needs
    equity_shortfall: float | None = None  # the least Σ shortfall/floor the optimizer found
    money_base_usd: float = 0.0  # the most money the pledges can give: the floors' base
    funded: dict[Hashable, float] = field(default_factory=dict)  # target → fraction 0..1
    amounts: dict[tuple[Hashable, Hashable], Decimal] = field(default_factory=dict)
    binding: list[Binding] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)
    # Kept for the reports of proposals computed before floors could fall short (always empty).
    infeasible_because: list[list[ConstraintKey]] = field(default_factory=list)
    groups: list[ShareRow] = field(default_factory=list)
    families: list[ShareRow] = field(default_factory=list)
    instruments: list[ShareRow] = field(default_factory=list)
    unreachable: list[ConstraintKey] = field(default_factory=list)  # floors no money can reach
    size: dict[str, int] = field(default_factory=dict)

    @property
    def has_solution(self) -> bool:
        return self.status in SOLVED_STATUSES

    @property
    def total_usd(self) -> Decimal:
        return sum(self.amounts.values(), Decimal("0"))

    @property
    def equity_index_groups(self) -> float | None:
        return equity_index(self.groups)

    @property
    def equity_index_families(self) -> float | None:
        return equity_index(self.families)

    def by_source(self) -> dict[Hashable, Decimal]:
        out: dict[Hashable, Decimal] = defaultdict(Decimal)
        for (s, _t), amount in self.amounts.items():
            out[s] += amount
        return dict(out)

    def by_target(self) -> dict[Hashable, Decimal]:
        out: dict[Hashable, Decimal] = defaultdict(Decimal)
        for (_s, t), amount in self.amounts.items():
            out[t] += amount
        return dict(out)

    def as_report(self) -> dict[str, Any]:
        """JSON-serialisable summary (everything but the per-pair amounts)."""
        index_g, index_f = self.equity_index_groups, self.equity_index_families
        return {
            "method": self.method,
            "status": self.status,
            "message": self.message,
            "objective": clean(self.objective, 6),
            "solver_objective": (
                None if self.solver_objective is None else clean(self.solver_objective, 6)
            ),
            "bound": None if self.bound is None else clean(self.bound, 6),
            "mip_gap": None if self.mip_gap is None else clean(self.mip_gap, 9),
            "seconds": clean(self.seconds, 3),
            "explain_seconds": clean(self.explain_seconds, 3),
            "stage_seconds": {k: clean(v, 3) for k, v in self.stage_seconds.items()},
            "equity_shortfall": (
                None if self.equity_shortfall is None else clean(self.equity_shortfall, 6)
            ),
            "money_base_usd": clean(self.money_base_usd, 2),
            "equity_index_groups": None if index_g is None else clean(index_g, 4),
            "equity_index_families": None if index_f is None else clean(index_f, 4),
            "total_usd": str(self.total_usd),
            "funded": {str(k): clean(v, 6) for k, v in self.funded.items() if v > 0},
            "binding": [b.as_dict() for b in self.binding],
            "shortfalls": [s.as_dict() for s in self.shortfalls],
            "infeasible_because": [
                [c.as_dict() for c in combo] for combo in self.infeasible_because
            ],
            "groups": [r.as_dict() for r in self.groups],
            "families": [r.as_dict() for r in self.families],
            "instruments": [r.as_dict() for r in self.instruments],
            "unreachable": [c.as_dict() for c in self.unreachable],
            "size": self.size,
        }


# --- Helpers --------------------------------------------------------------------------------


def clean(value: float | Decimal, places: int) -> float:
    """``value`` rounded to ``places`` decimals, a negative zero made 0.0 (so that nothing
    prints "-0.000")."""
    rounded = round(float(value), places)
    return rounded + 0.0 if rounded != 0 else 0.0


def plain_number(value: float | Decimal | None, places: int = 2) -> str:
    """``value`` with thousands separators and ``places`` decimals, never a signed zero
    ("-0.000" is written "0.000")."""
    if value is None:
        return "—"
    return f"{clean(value, places):,.{places}f}"


def _cents_down(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_DOWN)


def _cents_up_half(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _check(sources: Sequence[Source], targets: Sequence[Target]) -> None:
    seen: set[Hashable] = set()
    for s in sources:
        if s.id in seen:
            raise ValueError(f"source id {s.id!r} is given twice")
        seen.add(s.id)
        if not float(s.available_usd) >= 0:
            raise ValueError(f"source {s.id!r}: available amount must be 0 or more")
    seen = set()
    for t in targets:
        if t.id in seen:
            raise ValueError(f"target id {t.id!r} is given twice")
        seen.add(t.id)
        if not float(t.cost_usd) > 0:
            raise ValueError(f"target {t.id!r}: cost must be positive")
        if not float(t.weight) >= 0:
            raise ValueError(f"target {t.id!r}: weight must be 0 or more")
        if t.kind not in (PROJECT, NEED):
            raise ValueError(f"target {t.id!r}: kind must be 'project' or 'need'")


def compatible_pairs(sources: Sequence[Source], targets: Sequence[Target]) -> list[tuple[int, int]]:
    """(source index, target index) of every pair the earmarks allow, in a stable order."""
    index = {t.id: j for j, t in enumerate(targets)}
    pairs: list[tuple[int, int]] = []
    for i, s in enumerate(sources):
        if s.allows is None:
            pairs.extend((i, j) for j in range(len(targets)))
        elif callable(s.allows):
            pairs.extend((i, j) for j, t in enumerate(targets) if s.allows(t))
        else:
            pairs.extend(sorted((i, index[tid]) for tid in s.allows if tid in index))
    return pairs


Fractions = Callable[[Target], dict[str, float]]


def _fair_shares(
    targets: Sequence[Target], fractions: Fractions
) -> tuple[dict[str, float], dict[str, list[tuple[int, float]]]]:
    """Each key's (group, family, instrument) fair share — its part of the priority-weighted
    needs of all the targets — and its members (target index, fraction)."""
    total = sum(float(t.weight) for t in targets)
    weight: dict[str, float] = defaultdict(float)
    index: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for j, t in enumerate(targets):
        for key, fraction in fractions(t).items():
            weight[key] += fraction * float(t.weight)
            index[key].append((j, fraction))
    shares = {k: (w / total if total > 0 else 0.0) for k, w in weight.items()}
    return shares, dict(index)


def _groups(t: Target) -> dict[str, float]:
    return t.group_fractions()


def _families(t: Target) -> dict[str, float]:
    return t.family_fractions()


def _instruments(t: Target) -> dict[str, float]:
    return t.instrument_fractions()


FRACTIONS: dict[str, Fractions] = {
    "equity_group": _groups,
    "equity_family": _families,
    "instrument_minimum": _instruments,
}


def equity_summary(
    targets: Sequence[Target],
    funded_usd: Mapping[Hashable, Decimal | float],
    params: Parameters | None = None,
) -> tuple[list[ShareRow], list[ShareRow], list[ShareRow]]:
    """Regional groups, legal-system families and instruments of a solution: each one's share
    of the priority-weighted needs (the fair share) against its share of the money given, and
    whether the floors and minimums of ``params`` are met. Recomputed from the amounts alone,
    so it judges the greedy baseline and the optimizer alike."""
    params = params or Parameters()
    total_funds = sum(float(funded_usd.get(t.id, 0)) for t in targets)
    cost = [float(_cents_up_half(t.cost_usd)) for t in targets]

    def rows(fractions: Fractions, alpha: float) -> list[ShareRow]:
        shares, index = _fair_shares(targets, fractions)
        out = []
        for key in sorted(index):
            funds = sum(f * float(funded_usd.get(targets[j].id, 0)) for j, f in index[key])
            met_weight = sum(
                f
                * float(targets[j].weight)
                * min(1.0, float(funded_usd.get(targets[j].id, 0)) / cost[j])
                for j, f in index[key]
            )
            fair = shares[key]
            funds_share = funds / total_funds if total_funds > 0 else 0.0
            floor = alpha * fair * total_funds
            out.append(
                ShareRow(
                    key=key,
                    need_weight=sum(f * float(targets[j].weight) for j, f in index[key]),
                    fair_share=fair,
                    funds_usd=funds,
                    funds_share=funds_share,
                    ratio=(funds_share / fair) if fair > 0 else None,
                    weight_met=met_weight,
                    floor_usd=floor,
                    # Rounding to cents may move a group's money by a cent per target.
                    met=funds >= floor - max(TOLERANCE_USD, 0.005 * len(index[key])),
                )
            )
        return out

    groups = rows(_groups, float(params.equity_fraction_group))
    families = rows(_families, float(params.equity_fraction_family))
    instruments = rows(_instruments, 0.0)
    minimums = {k: float(v) for k, v in params.instrument_minimums.items()}
    known = {r.key for r in instruments}
    for row in instruments:
        row.floor_usd = minimums.get(row.key, 0.0)
        row.met = row.funds_usd >= row.floor_usd - TOLERANCE_USD
    for code in sorted(set(minimums) - known):  # a minimum for an instrument no target addresses
        instruments.append(
            ShareRow(code, 0.0, 0.0, 0.0, 0.0, None, 0.0, minimums[code], minimums[code] <= 0)
        )
    return groups, families, instruments


def equity_index(rows: Sequence[ShareRow]) -> float | None:
    """``1 − ½ Σ |r̂ − n̂|`` over the rows (as ``funding.equity``): 1 when the money is
    proportional to the priority-weighted needs, None when no money is given."""
    funds = sum(max(0.0, r.funds_usd) for r in rows)
    needs = sum(max(0.0, r.need_weight) for r in rows)
    if funds <= 0 or needs <= 0:
        return None
    return 1 - 0.5 * sum(abs(r.funds_usd / funds - r.need_weight / needs) for r in rows)


def _fill_summary(solution: Solution, targets: Sequence[Target], params: Parameters | None) -> None:
    by_target = solution.by_target()
    solution.funded = {
        t.id: min(1.0, float(by_target.get(t.id, 0)) / float(_cents_up_half(t.cost_usd)))
        for t in targets
    }
    solution.objective = sum(float(t.weight) * solution.funded[t.id] for t in targets)
    solution.groups, solution.families, solution.instruments = equity_summary(
        targets, by_target, params
    )


def unmet_floors(solution: Solution) -> list[ShareRow]:
    """The equity floors and instrument minimums a solution misses."""
    return [r for r in (*solution.groups, *solution.families, *solution.instruments) if not r.met]


def explain_shortfalls(
    solution: Solution,
    sources: Sequence[Source],
    targets: Sequence[Target],
    compatible: Mapping[int, Sequence[int]] | None = None,
    params: Parameters | None = None,
) -> list[Shortfall]:
    """Each floor or minimum the solution misses, by how much and why (see ``REASONS``), from
    the amounts, the earmarks (``compatible``: target index → the indices of the sources that
    may fund it; computed when not given) and the costs alone."""
    params = params or Parameters()
    missed = unmet_floors(solution)
    if not missed:
        return []
    if compatible is None:
        by_target: dict[int, list[int]] = defaultdict(list)
        for i, j in compatible_pairs(sources, targets):
            by_target[j].append(i)
        compatible = by_target
    available = [_cents_down(s.available_usd) for s in sources]
    source_index = {s.id: i for i, s in enumerate(sources)}
    target_index = {t.id: j for j, t in enumerate(targets)}
    given = [Decimal(0)] * len(sources)
    received = [Decimal(0)] * len(targets)
    for (s, t), amount in solution.amounts.items():
        given[source_index[s]] += amount
        received[target_index[t]] += amount
    left = [available[i] - given[i] for i in range(len(sources))]
    cost = [_cents_up_half(t.cost_usd) for t in targets]

    def all_or_nothing(j: int) -> bool:
        return (targets[j].kind == PROJECT and params.projects_all_or_nothing) or (
            targets[j].kind == NEED and params.needs_all_or_nothing
        )

    def money_of(j: int) -> Decimal:
        return sum((available[i] for i in compatible.get(j, ())), Decimal(0))

    def fundable(j: int) -> bool:
        money = money_of(j)
        return money >= cost[j] if all_or_nothing(j) else money > 0

    def largest(indices: Iterable[int]) -> list[str]:
        ranked = sorted(set(indices), key=lambda i: (-available[i], str(sources[i].id)))
        return [str(sources[i].id) for i in ranked[:SHOWN_PLEDGES]]

    out: list[Shortfall] = []
    for kind, rows in (
        ("equity_group", solution.groups),
        ("equity_family", solution.families),
        ("instrument_minimum", solution.instruments),
    ):
        fractions = FRACTIONS[kind]
        for row in rows:
            if row.met:
                continue
            members = [j for j, t in enumerate(targets) if row.key in fractions(t)]
            reach = {i for j in members for i in compatible.get(j, ()) if available[i] > 0}
            blocking = [i for i in range(len(sources)) if available[i] > 0 and i not in reach]
            can = [j for j in members if fundable(j)]
            full = [j for j in members if received[j] >= cost[j] - HALF_CENT]
            entry = Shortfall(
                ConstraintKey(kind, row.key),
                floor_usd=row.floor_usd,
                funds_usd=row.funds_usd,
                reason=TRADE_OFF,
                candidates=len(members),
                fundable=len(can),
                funded=len(full),
                compatible_usd=float(sum((available[i] for i in reach), Decimal(0))),
                blocking=largest(blocking),
                blocking_usd=float(sum((available[i] for i in blocking), Decimal(0))),
            )
            open_ = [j for j in can if received[j] < cost[j] - HALF_CENT]
            if not reach:
                entry.reason = NO_PLEDGE
            elif not can:
                entry.reason = TOO_LITTLE
                entry.pledges = largest(reach)
            elif not open_:
                entry.reason = SATURATED
            else:
                spare = {
                    j: sum((left[i] for i in compatible.get(j, ())), Decimal(0)) for j in open_
                }
                if all(spare[j] <= HALF_CENT for j in open_):
                    entry.reason = PLEDGES_USED
                    entry.pledges = largest(i for j in open_ for i in compatible.get(j, ()))
                elif all(all_or_nothing(j) and spare[j] < cost[j] - received[j] for j in open_):
                    entry.reason = INDIVISIBLE
                    entry.pledges = largest(
                        i for j in open_ for i in compatible.get(j, ()) if left[i] > 0
                    )
                elif solution.method == "greedy":
                    entry.reason = IGNORED
            out.append(entry)
    return out


# --- The optimizer --------------------------------------------------------------------------


@dataclass
class _Floor:
    """One soft floor ``Σ_{j ∈ k} fraction_j·cost_j·y_j + short_k ≥ floor_k`` (money in
    thousands): an equity floor (α · fair share · the money base) or an instrument minimum.
    ``margin`` (half a cent for each pair that may fund a member) keeps a floor the solver meets
    met once the amounts are rounded to cents."""

    key: ConstraintKey
    members: list[tuple[int, float]]  # (target index, fraction) of the targets money can reach
    floor: float  # thousands of USD, the margin included
    margin: float = 0.0  # thousands of USD
    reach: float = 0.0  # at most this much money can reach it (thousands of USD)
    base_floor: float = 0.0  # what is asked (without the margin or a raise for the rounding)
    hard: bool = False  # raised for the rounding: to be met without shortfall

    def __post_init__(self) -> None:
        self.base_floor = self.floor
        self.floor += self.margin

    @property
    def least_short(self) -> float:
        """A lower bound on its shortfall as a fraction of it: what no money can reach."""
        return max(0.0, self.floor - self.reach) / self.floor if self.floor > 0 else 0.0


@dataclass
class _Model:
    sources: Sequence[Source]
    targets: Sequence[Target]
    params: Parameters
    available: list[Decimal]  # each pool's money
    cost: list[Decimal]
    pairs: list[tuple[int, int]]  # (pool, target)
    integral: np.ndarray
    y_upper: np.ndarray
    pools: list[list[int]]  # source indices of each pool
    member_available: list[Decimal]  # each source's money, in cents
    original_pairs: int  # compatible (source, target) pairs before pooling
    compatible: dict[int, list[int]]  # target → the sources that may fund it
    money_base: float = 0.0  # USD: the most the pledges can give (LP bound)
    seconds_base: float = 0.0
    _static: Any = None
    _vectors: Any = None

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)


def _build(sources: Sequence[Source], targets: Sequence[Target], params: Parameters) -> _Model:
    member_available = [_cents_down(s.available_usd) for s in sources]
    cost = [_cents_up_half(t.cost_usd) for t in targets]
    # Sources that may fund exactly the same targets are interchangeable: the model pools them
    # (far fewer variables) and ``_split`` spends each pool's amounts over its members.
    by_source: dict[int, list[int]] = defaultdict(list)
    by_target: dict[int, list[int]] = defaultdict(list)
    original = compatible_pairs(sources, targets)
    for i, j in original:
        by_source[i].append(j)
        if member_available[i] > 0:
            by_target[j].append(i)
    pool_of: dict[tuple[int, ...], int] = {}
    pools: list[list[int]] = []
    for i in range(len(sources)):
        if not by_source[i] or member_available[i] <= 0:
            continue
        same = tuple(by_source[i])
        if same not in pool_of:
            pool_of[same] = len(pools)
            pools.append([])
        pools[pool_of[same]].append(i)
    available = [sum((member_available[i] for i in members), Decimal(0)) for members in pools]
    pairs = [(k, j) for k, members in enumerate(pools) for j in by_source[members[0]]]
    reach = [Decimal("0")] * len(targets)
    for i, j in pairs:
        reach[j] += available[i]
    integral = np.array(
        [
            1
            if (t.kind == PROJECT and params.projects_all_or_nothing)
            or (t.kind == NEED and params.needs_all_or_nothing)
            else 0
            for t in targets
        ],
        dtype=np.uint8,
    )
    y_upper = np.ones(len(targets))
    for j in range(len(targets)):
        if reach[j] <= 0 or (integral[j] and reach[j] < cost[j]):
            y_upper[j] = 0.0
        elif reach[j] < cost[j]:
            y_upper[j] = float(reach[j] / cost[j])
    model = _Model(
        sources,
        targets,
        params,
        available,
        cost,
        pairs,
        integral,
        y_upper,
        pools,
        member_available,
        len(original),
        dict(by_target),
    )
    started = time.perf_counter()
    model.money_base = _money_base(model)
    model.seconds_base = time.perf_counter() - started
    return model


def _floors(model: _Model, params: Parameters) -> list[_Floor]:
    """The floors of ``params``: each group's and family's α · fair share of the money base
    (the most the pledges can give, so that giving less never helps to meet a floor), and
    the instrument minimums."""
    out: list[_Floor] = []
    base = model.money_base / SCALE
    pairs_of = np.zeros(len(model.targets))
    pools_of: dict[int, list[int]] = defaultdict(list)
    for i, j in model.pairs:
        pairs_of[j] += 1
        pools_of[j].append(i)

    def floor(key: ConstraintKey, members: list[tuple[int, float]], amount: float) -> _Floor:
        money = sum(
            fraction * float(model.cost[j]) * float(model.y_upper[j]) for j, fraction in members
        )
        pools = {i for j, _f in members for i in pools_of[j]}
        reach = min(money, float(sum((model.available[i] for i in pools), Decimal(0)))) / SCALE
        margin = 0.005 * sum(pairs_of[j] for j, _f in members) / SCALE
        return _Floor(key, members, amount, margin=margin, reach=reach)

    for kind, alpha in (
        ("equity_group", float(params.equity_fraction_group)),
        ("equity_family", float(params.equity_fraction_family)),
    ):
        if alpha <= 0 or base <= 0:
            continue
        shares, index = _fair_shares(model.targets, FRACTIONS[kind])
        for key in sorted(index):
            if shares[key] <= 0:
                continue
            members = [(j, f) for j, f in index[key] if model.y_upper[j] > 0]
            out.append(floor(ConstraintKey(kind, key), members, alpha * shares[key] * base))
    if params.instrument_minimums:
        _shares, index = _fair_shares(model.targets, _instruments)
        for code in sorted(params.instrument_minimums):
            minimum = float(params.instrument_minimums[code])
            if minimum <= 0:
                continue
            members = [(j, f) for j, f in index.get(code, []) if model.y_upper[j] > 0]
            out.append(floor(ConstraintKey("instrument_minimum", code), members, minimum / SCALE))
    return out


def _static(model: _Model) -> tuple[list[int], list[int], list[float], list[float], list[float]]:
    """The rows every solve shares (COO triplets and bounds): each pool gives at most what it
    has; each target receives exactly cost · funded fraction."""
    if model._static is not None:
        return model._static
    n_p = model.n_pairs
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    by_pool: dict[int, list[int]] = defaultdict(list)
    by_target: dict[int, list[int]] = defaultdict(list)
    for p, (i, j) in enumerate(model.pairs):
        by_pool[i].append(p)
        by_target[j].append(p)
    row = 0
    for i in range(len(model.pools)):
        rows.extend([row] * len(by_pool[i]))
        cols.extend(by_pool[i])
        vals.extend([1.0] * len(by_pool[i]))
        lo.append(-highspy.kHighsInf)
        hi.append(float(model.available[i]) / SCALE)
        row += 1
    for j in range(len(model.targets)):
        rows.extend([row] * len(by_target[j]))
        cols.extend(by_target[j])
        vals.extend([1.0] * len(by_target[j]))
        rows.append(row)
        cols.append(n_p + j)
        vals.append(-float(model.cost[j]) / SCALE)
        lo.append(0.0)
        hi.append(0.0)
        row += 1
    model._static = (rows, cols, vals, lo, hi)
    return model._static


@dataclass
class _Result:
    status: str
    message: str
    values: np.ndarray | None  # x (pairs), y (targets), short (floors)
    objective: float | None  # as the solver minimised it
    bound: float | None
    gap: float | None
    seconds: float


def _vectors(model: _Model) -> tuple[np.ndarray, np.ndarray]:
    """The targets' weights and each pair's largest amount (thousands), computed once."""
    if model._vectors is None:
        model._vectors = (
            np.array([float(t.weight) for t in model.targets]),
            np.array(
                [float(min(model.available[i], model.cost[j])) / SCALE for i, j in model.pairs]
            ),
        )
    return model._vectors


def _price(model: _Model, floors: Sequence[_Floor]) -> float:
    """The price of a shortfall (per floor's worth, in priority-weighted needs): twice what
    the money of the largest floor could meet at the best rate any target offers, so that no
    money that can be moved is kept from a floor for the needs it would meet elsewhere."""
    if not floors:
        return 0.0
    rate = max(
        (
            float(t.weight) / (float(c) / SCALE)
            for t, c in zip(model.targets, model.cost, strict=True)
        ),
        default=0.0,
    )
    return max(1.0, 2 * rate * max(f.floor for f in floors))


def _run(
    model: _Model,
    floors: Sequence[_Floor],
    *,
    warm: np.ndarray | None = None,
    time_limit: float,
    mip_gap: float,
    relax: bool = False,
    fixed: Mapping[int, float] | None = None,
) -> _Result:
    """One HiGHS solve: maximise the priority-weighted needs met minus the price of the
    shortfalls beyond what no money can reach (``excess``: Σ short_k / floor_k − Σ of the
    floors' ``least_short``). ``relax``: all-or-nothing relaxed (a linear programme);
    ``fixed``: target index → its funded fraction, held."""
    started = time.perf_counter()
    n_p, n_t, n_f = model.n_pairs, len(model.targets), len(floors)
    n = n_p + n_t + n_f + (1 if n_f else 0)
    if n_p == 0:
        return _Result("optimal", "nothing can be funded", np.zeros(n), 0.0, 0.0, 0.0, 0.0)
    rows, cols, vals, lo, hi = (list(a) for a in _static(model))
    row = len(lo)
    weights, pair_upper = _vectors(model)
    cost_vector = np.zeros(n)
    cost_vector[n_p : n_p + n_t] = -weights
    upper = np.empty(n)
    upper[:n_p] = pair_upper
    upper[n_p : n_p + n_t] = model.y_upper
    upper[n_p + n_t : n_p + n_t + n_f] = [0.0 if f.hard else f.floor for f in floors]
    lower = np.zeros(n)
    for j, value in (fixed or {}).items():
        lower[n_p + j] = upper[n_p + j] = value
    for k, f in enumerate(floors):
        for j, fraction in f.members:
            rows.append(row)
            cols.append(n_p + j)
            vals.append(fraction * float(model.cost[j]) / SCALE)
        rows.append(row)
        cols.append(n_p + n_t + k)
        vals.append(1.0)
        lo.append(f.floor)
        hi.append(highspy.kHighsInf)
        row += 1
    if n_f:
        excess = n - 1
        cost_vector[excess] = _price(model, floors)
        upper[excess] = highspy.kHighsInf
        for k, f in enumerate(floors):
            rows.append(row)
            cols.append(n_p + n_t + k)
            vals.append(1.0 / f.floor)
        rows.append(row)
        cols.append(excess)
        vals.append(-1.0)
        lo.append(-highspy.kHighsInf)
        hi.append(sum(f.least_short for f in floors))
        row += 1
    matrix = coo_array((vals, (rows, cols)), shape=(row, n)).tocsc()
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = row
    lp.col_cost_ = cost_vector
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.array(lo)
    lp.row_upper_ = np.array(hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    free = [int(j) for j in np.flatnonzero(model.integral) if int(j) not in (fixed or {})]
    mip = bool(free) and not relax
    if mip:
        kinds = [highspy.HighsVarType.kContinuous] * n
        for j in free:
            kinds[n_p + j] = highspy.HighsVarType.kInteger
        lp.integrality_ = kinds
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    h.setOptionValue("mip_abs_gap", 1e-6)
    h.passModel(lp)
    if warm is not None and mip:
        start = highspy.HighsSolution()
        start.col_value = list(map(float, warm))
        start.value_valid = True
        h.setSolution(start)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    found = info.primal_solution_status == 2  # a feasible point
    values = np.array(h.getSolution().col_value) if found else None
    if status == highspy.HighsModelStatus.kOptimal:
        name = "optimal"
    elif status == highspy.HighsModelStatus.kTimeLimit:
        name = "time_limit" if found else "time_limit_no_solution"
    elif status == highspy.HighsModelStatus.kInfeasible:
        name = "infeasible"
    else:
        name = "error"
    objective = float(info.objective_function_value) if found else None
    bound: float | None = None
    gap: float | None = None
    if mip:
        raw = float(info.mip_dual_bound)
        bound = raw if math.isfinite(raw) else None
        gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else None
    elif name == "optimal":
        bound, gap = objective, 0.0
    return _Result(
        name,
        h.modelStatusToString(status),
        values,
        objective,
        bound,
        gap,
        time.perf_counter() - started,
    )


def _money_base(model: _Model) -> float:
    """The most money (USD, to the dollar) the pledges can give to the targets, all-or-nothing
    relaxed: the base of the equity floors. A maximum flow from the pools to the targets."""
    if not model.pairs:
        return 0.0
    n_pools, n_t = len(model.pools), len(model.targets)
    # Integral capacities (int32): whole dollars, or larger units for very large sums.
    unit = max(1.0, float(sum(model.available, Decimal(0))) / 1e9)
    sink = n_pools + n_t + 1
    heads: list[int] = []
    tails: list[int] = []
    caps: list[int] = []
    for i in range(n_pools):
        heads.append(0)
        tails.append(1 + i)
        caps.append(int(float(model.available[i]) // unit))
    for i, j in model.pairs:
        heads.append(1 + i)
        tails.append(1 + n_pools + j)
        caps.append(int(float(min(model.available[i], model.cost[j])) // unit))
    for j in range(n_t):
        heads.append(1 + n_pools + j)
        tails.append(sink)
        caps.append(int(float(model.cost[j]) * float(model.y_upper[j]) // unit))
    graph = csr_array(
        (np.array(caps, dtype=np.int32), (np.array(heads), np.array(tails))),
        shape=(sink + 1, sink + 1),
    )
    return float(maximum_flow(graph, 0, sink, method="dinic").flow_value) * unit


def _equity_value(floors: Sequence[_Floor], values: np.ndarray, offset: int) -> float:
    """Σ short_k / floor_k of a point of the model."""
    return float(sum(values[offset + k] / f.floor for k, f in enumerate(floors)))


def _warm(model: _Model, floors: Sequence[_Floor], baseline: Solution) -> np.ndarray:
    """A baseline's amounts as a starting point for the solver (pooled; always feasible)."""
    n_p, n_t, n_f = model.n_pairs, len(model.targets), len(floors)
    values = np.zeros(n_p + n_t + n_f + (1 if n_f else 0))
    source_index = {s.id: i for i, s in enumerate(model.sources)}
    target_index = {t.id: j for j, t in enumerate(model.targets)}
    pool_of = {i: k for k, members in enumerate(model.pools) for i in members}
    pair_index = {pair: p for p, pair in enumerate(model.pairs)}
    received = np.zeros(n_t)
    for (s, t), amount in baseline.amounts.items():
        j = target_index[t]
        p = pair_index.get((pool_of.get(source_index[s], -1), j))
        if p is None:
            continue
        values[p] += float(amount) / SCALE
        received[j] += float(amount) / SCALE
    for j in range(n_t):
        values[n_p + j] = min(float(model.y_upper[j]), received[j] * SCALE / float(model.cost[j]))
    for k, f in enumerate(floors):
        funds = sum(
            fraction * float(model.cost[j]) / SCALE * values[n_p + j] for j, fraction in f.members
        )
        values[n_p + n_t + k] = 0.0 if f.hard else max(0.0, f.floor - funds)
    if n_f:
        least = sum(f.least_short for f in floors)
        values[-1] = max(0.0, _equity_value(floors, values, n_p + n_t) - least)
    return values


@dataclass
class _Outcome:
    result: _Result
    equity: float | None  # Σ short/floor of the solution (None without floors)
    seconds: dict[str, float]


def _optimize(
    model: _Model,
    floors: Sequence[_Floor],
    params: Parameters,
    baseline: Solution | None = None,
    progress: Progress | None = None,
) -> _Outcome:
    """The priced model, started from the better of the baseline's allocation and the
    relaxation rounded (see the module's doc)."""
    if progress:
        progress(PROGRESS_SOLVE, STEP_SOLVE)
    seconds: dict[str, float] = {}
    starts = []
    if baseline is not None and baseline.amounts:
        starts.append(_warm(model, floors, baseline))
    integral = np.flatnonzero(model.integral)
    # Without floors the greedy baseline is a good start already.
    if floors and len(integral) and model.pairs:
        relaxed = _run(model, floors, time_limit=params.time_limit, mip_gap=0.0, relax=True)
        seconds["relaxation"] = relaxed.seconds
        if relaxed.values is not None:
            n_p = model.n_pairs
            # Every project the relaxation funds at all is held funded (the money it lacks
            # comes off what is divisible), the others dropped; should that not fit, the
            # projects it funds in part are dropped too.
            for rule in (1e-6, 1 - 1e-6):
                held = {
                    int(j): 1.0 if relaxed.values[n_p + int(j)] > rule else 0.0 for j in integral
                }
                rounded = _run(model, floors, time_limit=params.time_limit, mip_gap=0.0, fixed=held)
                seconds["rounding"] = seconds.get("rounding", 0.0) + rounded.seconds
                if rounded.values is not None:
                    starts.append(rounded.values)
                    break
    price = _price(model, floors)
    warm = max(
        starts, key=lambda v: _needs(model, v) - price * (v[-1] if floors else 0.0), default=None
    )
    result = _run(model, floors, warm=warm, time_limit=params.time_limit, mip_gap=params.mip_gap)
    seconds["solve"] = result.seconds
    equity = None
    if floors and result.values is not None:
        equity = _equity_value(floors, result.values, model.n_pairs + len(model.targets))
    return _Outcome(result, equity, seconds)


def _needs(model: _Model, values: np.ndarray) -> float:
    n_p = model.n_pairs
    return float(_vectors(model)[0] @ values[n_p : n_p + len(model.targets)])


def _round_amounts(model: _Model, x: np.ndarray, y: np.ndarray) -> dict[tuple[int, int], Decimal]:
    """The solver's amounts in cents: no source gives more than it has, and a target the solver
    funds in full gets exactly its cost whenever its sources' spare cents allow (they always do
    unless the solver's tolerance was used to the full)."""
    amounts: dict[int, Decimal] = {}
    for p in range(model.n_pairs):
        value = Decimal(repr(float(x[p]) * SCALE)).quantize(CENT, rounding=ROUND_HALF_EVEN)
        if value > 0:
            amounts[p] = value
    full = {j for j in range(len(model.targets)) if y[j] >= 1 - 1e-6}
    by_source: dict[int, list[int]] = defaultdict(list)
    by_target: dict[int, list[int]] = defaultdict(list)
    for p, (i, j) in enumerate(model.pairs):
        by_source[i].append(p)
        by_target[j].append(p)

    def reduce(lines: list[int], excess: Decimal) -> Decimal:
        for p in sorted(lines, key=lambda q: (-amounts.get(q, Decimal(0)), q)):
            if excess <= 0:
                break
            take = min(excess, amounts.get(p, Decimal(0)))
            if take > 0:
                amounts[p] -= take
                excess -= take
        return excess

    # A target never gets more than its cost.
    for j in range(len(model.targets)):
        over = sum((amounts.get(p, Decimal(0)) for p in by_target[j]), Decimal(0)) - model.cost[j]
        if over > 0:
            reduce(by_target[j], over)
    # No source gives more than it has: take the excess from partly funded targets first.
    for i, lines in by_source.items():
        over = sum((amounts.get(p, Decimal(0)) for p in lines), Decimal(0)) - model.available[i]
        if over > 0:
            partial = [p for p in lines if model.pairs[p][1] not in full]
            over = reduce(partial, over)
            reduce(lines, over)
    # Top up fully funded targets a cent or two short from their sources' spare money.
    spare = {
        i: model.available[i] - sum((amounts.get(p, Decimal(0)) for p in lines), Decimal(0))
        for i, lines in by_source.items()
    }
    for j in sorted(full):
        short = model.cost[j] - sum((amounts.get(p, Decimal(0)) for p in by_target[j]), Decimal(0))
        for p in sorted(by_target[j], key=lambda q: (-spare[model.pairs[q][0]], q)):
            if short <= 0:
                break
            i = model.pairs[p][0]
            give = min(short, spare[i])
            if give > 0:
                amounts[p] = amounts.get(p, Decimal(0)) + give
                spare[i] -= give
                short -= give
    return {model.pairs[p]: a for p, a in amounts.items() if a > 0}


def _split(model: _Model, pooled: dict[tuple[int, int], Decimal]) -> dict[tuple[int, int], Decimal]:
    """Each pool's amounts spent over its sources in their given order: the first source until
    it is used up, then the next (a pool never gives more than its sources have together)."""
    out: dict[tuple[int, int], Decimal] = {}
    by_pool: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for (k, j), amount in sorted(pooled.items()):
        by_pool[k].append((j, amount))
    for k, lines in by_pool.items():
        members = model.pools[k]
        left = [model.member_available[i] for i in members]
        m = 0
        for j, amount in lines:
            while amount > 0 and m < len(members):
                take = min(amount, left[m])
                if take > 0:
                    key = (members[m], j)
                    out[key] = out.get(key, Decimal(0)) + take
                    left[m] -= take
                    amount -= take
                if left[m] <= 0:
                    m += 1
    return out


def _tighten(
    model: _Model,
    floors: Sequence[_Floor],
    values: np.ndarray,
    pooled: Mapping[tuple[int, int], Decimal],
) -> bool:
    """Raise, by the cents missed and half a cent, each floor the solver met in full but the
    amounts rounded to cents miss; False when there is none."""
    received: dict[int, float] = defaultdict(float)
    for (_k, j), amount in pooled.items():
        received[j] += float(amount)
    offset = model.n_pairs + len(model.targets)
    tightened = False
    for k, f in enumerate(floors):
        if values[offset + k] * SCALE > TOLERANCE_USD:
            continue  # a floor the solver could not meet: cents do not matter
        funds = sum(fraction * received.get(j, 0.0) for j, fraction in f.members)
        short = f.base_floor * SCALE - funds
        if short > 1e-9:
            f.floor += (short + 0.005) / SCALE
            f.hard = True
            tightened = True
    return tightened


def _bindings(
    model: _Model, floors: Sequence[_Floor], x: np.ndarray, y: np.ndarray, short: np.ndarray
) -> list[Binding]:
    out: list[Binding] = []
    used: dict[int, float] = defaultdict(float)
    for p, (i, _j) in enumerate(model.pairs):
        used[i] += float(x[p]) * SCALE
    for k, members in enumerate(model.pools):
        if k in used and float(model.available[k]) - used[k] <= TOLERANCE_USD:
            for i in members:  # an exhausted pool: each of its sources is used in full
                avail = float(model.member_available[i])
                out.append(Binding(ConstraintKey("pledge", model.sources[i].id), avail, avail))
    for k, f in enumerate(floors):
        if float(short[k]) * SCALE > TOLERANCE_USD:
            continue  # missed: a shortfall, explained elsewhere
        funds = sum(fr * float(model.cost[j]) * float(y[j]) for j, fr in f.members)
        limit = f.base_floor * SCALE
        slack = max(TOLERANCE_USD, 1e-7 * abs(limit)) + (f.floor - f.base_floor) * SCALE
        if limit > 0 and funds - limit <= slack:
            out.append(Binding(f.key, funds, limit))
    return out


def solve(
    sources: Sequence[Source],
    targets: Sequence[Target],
    params: Parameters | None = None,
    *,
    baseline: Solution | None = None,
    progress: Progress | None = None,
    _model: _Model | None = None,
) -> Solution:
    """The allocation that comes closest to the floors and, at that equity, meets the most
    priority-weighted needs (see the module's doc). ``baseline`` (the greedy solution on the
    same data; computed here when there is no floor) is the solver's starting point."""
    params = params or Parameters()
    _check(sources, targets)
    started = time.perf_counter()
    model = _model if _model is not None else _build(sources, targets, params)
    floors = _floors(model, params)
    solution = Solution(method="optimizer", status="optimal", money_base_usd=model.money_base)
    solution.size = {
        "sources": len(sources),
        "targets": len(targets),
        "pairs": model.original_pairs,
        "pooled_sources": len(model.pools),
        "pooled_pairs": model.n_pairs,
        "integer_variables": int(model.integral.sum()),
        "side_constraints": len(floors),
    }
    solution.unreachable = [f.key for f in floors if not f.members]
    if baseline is None and not floors:
        baseline = greedy(sources, targets, params)
    outcome = _optimize(model, floors, params, baseline, progress)
    pooled: dict[tuple[int, int], Decimal] = {}
    for attempt in range(1, ROUNDING_ATTEMPTS + 1):
        values = outcome.result.values
        if values is None:
            break
        pooled = _round_amounts(
            model, values[: model.n_pairs], values[model.n_pairs : model.n_pairs + len(targets)]
        )
        if attempt == ROUNDING_ATTEMPTS or not _tighten(model, floors, values, pooled):
            break
        # Rounding to cents broke a floor the solver met by a few cents: solve again with that
        # floor raised by the cents and held (the allocation moves by cents).
        solution.size["rounding_resolves"] = attempt
        again = _optimize(model, floors, params, baseline, None)
        if again.result.values is None:
            break
        outcome = again
    result = outcome.result
    solution.stage_seconds = {"spendable": model.seconds_base, **outcome.seconds}
    solution.seconds = time.perf_counter() - started
    solution.status = result.status
    solution.message = result.message
    solution.equity_shortfall = outcome.equity
    # With floors the solver's bound is on needs met less the price of the shortfalls (and so
    # is its gap): not a bound on the needs met alone.
    solution.bound = None if result.bound is None or floors else clean(-result.bound, 9)
    solution.mip_gap = result.gap
    if result.values is not None:
        values = result.values
        n_p, n_t = model.n_pairs, len(targets)
        x, y, short = values[:n_p], values[n_p : n_p + n_t], values[n_p + n_t :]
        solution.solver_objective = _needs(model, values)
        amounts = _split(model, pooled)
        solution.amounts = {(sources[i].id, targets[j].id): a for (i, j), a in amounts.items()}
        solution.binding = _bindings(model, floors, x, y, short)
    _fill_summary(solution, targets, params)
    if (
        baseline is not None
        and baseline.method == "greedy"
        and not params.has_floors
        and baseline.objective > solution.objective
    ):
        # Only when the time ran out: the baseline is a feasible allocation, never do worse.
        solution.amounts = dict(baseline.amounts)
        solution.binding = list(baseline.binding)
        solution.message = "greedy baseline kept: the solver found nothing better in time"
        _fill_summary(solution, targets, params)
    solution.shortfalls = explain_shortfalls(solution, sources, targets, model.compatible, params)
    if params.explain and solution.has_solution:
        explain_started = time.perf_counter()
        priced = [b for b in solution.binding if b.constraint.kind != "pledge"]
        for b in priced[: params.explain_limit]:
            kept = [
                _Floor(f.key, f.members, f.base_floor, margin=f.margin, reach=f.reach)
                for f in floors
                if f.key != b.constraint
            ]
            without = _optimize(model, kept, params, baseline, None).result
            if without.values is not None:
                b.objective_without = clean(_needs(model, without.values), 6)
        solution.explain_seconds = time.perf_counter() - explain_started
    return solution


# --- The trade-off curve --------------------------------------------------------------------


@dataclass
class CurvePoint:
    """The optimizer's proposal with every group and legal-system floor at ``level``."""

    level: float
    objective: float  # priority-weighted needs met
    total_usd: float
    equity_index_groups: float | None
    equity_index_families: float | None
    shortfalls: int  # floors (and minimums) missed
    shortfall_usd: float  # by how much in all
    status: str
    mip_gap: float | None
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": clean(self.level, 4),
            "objective": clean(self.objective, 6),
            "total_usd": clean(self.total_usd, 2),
            "equity_index_groups": (
                None if self.equity_index_groups is None else clean(self.equity_index_groups, 4)
            ),
            "equity_index_families": (
                None if self.equity_index_families is None else clean(self.equity_index_families, 4)
            ),
            "shortfalls": self.shortfalls,
            "shortfall_usd": clean(self.shortfall_usd, 2),
            "status": self.status,
            "mip_gap": None if self.mip_gap is None else clean(self.mip_gap, 6),
            "seconds": clean(self.seconds, 3),
        }


@dataclass
class Curve:
    points: list[CurvePoint]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"points": [p.as_dict() for p in self.points], "seconds": clean(self.seconds, 3)}


def point_of(level: float, solution: Solution) -> CurvePoint:
    return CurvePoint(
        level=level,
        objective=solution.objective,
        total_usd=float(solution.total_usd),
        equity_index_groups=solution.equity_index_groups,
        equity_index_families=solution.equity_index_families,
        shortfalls=len(solution.shortfalls),
        shortfall_usd=sum(s.shortfall_usd for s in solution.shortfalls),
        status=solution.status,
        mip_gap=solution.mip_gap,
        seconds=solution.seconds,
    )


def tradeoff_curve(
    sources: Sequence[Source],
    targets: Sequence[Target],
    params: Parameters | None = None,
    *,
    levels: Sequence[float] = CURVE_LEVELS,
    baseline: Solution | None = None,
    progress: Progress | None = None,
    _model: _Model | None = None,
) -> Curve:
    """The priority-weighted needs met against the equity index when every regional group's
    and legal-system family's floor is at each of ``levels`` (the instrument minimums of
    ``params`` kept): one optimizer proposal per level, on one model, each proven within
    ``CURVE_GAP`` (enough to choose a level; the proposal chosen is then computed within
    ``params.mip_gap``)."""
    params = params or Parameters()
    started = time.perf_counter()
    model = _model if _model is not None else _build(sources, targets, params)
    if baseline is None:
        baseline = greedy(sources, targets, params)
    points = []
    start = baseline
    ordered = sorted({clean(level, 4) for level in levels})
    for n, level in enumerate(ordered):
        if progress:
            progress(100 * n / max(1, len(ordered)), STEP_CURVE)
        at = replace(
            params,
            equity_fraction_group=level,
            equity_fraction_family=level,
            explain=False,
            mip_gap=max(float(params.mip_gap), CURVE_GAP),
        )
        solution = solve(sources, targets, at, baseline=start, _model=model)
        points.append(point_of(level, solution))
        # The point of the level below is the next one's start: often it meets the higher
        # floors already, and then the solver has only to prove it.
        if solution.has_solution and solution.objective >= start.objective:
            start = solution
    return Curve(points, time.perf_counter() - started)


# --- The greedy baseline --------------------------------------------------------------------


def greedy(
    sources: Sequence[Source], targets: Sequence[Target], params: Parameters | None = None
) -> Solution:
    """ "Highest score first" (see the module's doc). ``params`` only serves to judge the
    result against the floors and minimums, which the baseline itself ignores."""
    _check(sources, targets)
    started = time.perf_counter()
    available = [_cents_down(s.available_usd) for s in sources]
    pairs = compatible_pairs(sources, targets)
    flexibility: dict[int, int] = defaultdict(int)
    compatible: dict[int, list[int]] = defaultdict(list)
    for i, j in pairs:
        flexibility[i] += 1
        compatible[j].append(i)
    order = sorted(
        range(len(targets)),
        key=lambda j: (
            -float(targets[j].weight),
            _cents_up_half(targets[j].cost_usd),
            str(targets[j].id),
        ),
    )
    amounts: dict[tuple[Hashable, Hashable], Decimal] = {}
    for j in order:
        cost = _cents_up_half(targets[j].cost_usd)
        usable = [i for i in compatible[j] if available[i] > 0]
        if sum((available[i] for i in usable), Decimal(0)) < cost:
            continue
        usable.sort(key=lambda i: (flexibility[i], available[i], str(sources[i].id)))
        short = cost
        for i in usable:
            take = min(short, available[i])
            available[i] -= take
            short -= take
            amounts[(sources[i].id, targets[j].id)] = take
            if short <= 0:
                break
    solution = Solution(method="greedy", status="heuristic", amounts=amounts)
    solution.seconds = time.perf_counter() - started
    solution.size = {"sources": len(sources), "targets": len(targets), "pairs": len(pairs)}
    _fill_summary(solution, targets, params)
    for i, s in enumerate(sources):
        if _cents_down(s.available_usd) > 0 and available[i] <= 0 and flexibility[i]:
            used = float(_cents_down(s.available_usd))
            solution.binding.append(Binding(ConstraintKey("pledge", s.id), used, used))
    if params is not None and params.has_floors:
        solution.shortfalls = explain_shortfalls(solution, sources, targets, compatible, params)
    return solution


# --- ORM glue: the problem from the database, proposals, acceptance -------------------------
#
# Sources are the open pledges (pledged, agreed, received) with what remains of them, converted
# to US dollars exactly with the rates valid on ``on`` and rounded down to the cent. Targets are
# the candidate projects (concept or approved) with a gap (``gaps.project_gaps``: budget − funding
# in USD; a project with no budget line yet is costed at the unit costs of its needs) and, when
# ``include_needs``, the open needs not excluded from the ranking and addressed by no project
# that is not closed (those are met through their projects), costed at the illustrative unit
# cost of their kind of assistance (``gaps.unit_costs``). Weights are the priority scores of the
# open needs (``scoring.scored_register``): a need's own score; a project's, the sum of the
# scores of its open needs (a project that addresses no open need has weight 0: funding it meets
# no identified need). A project's money and needs lie in the groups and families of its needs'
# States, shared equally among its needs (as ``equity.attribute`` shares money), or of its own
# States when it addresses no need. Compatibility: ``services.earmark_allows`` for projects; for
# needs the same rules applied to the need alone (``need_allowed``).


def source_id(pledge_pk: int) -> str:
    return f"pledge:{pledge_pk}"


def target_id(kind: str, pk: int) -> str:
    return f"{kind}:{pk}"


def parse_id(value: Hashable) -> tuple[str, int]:
    kind, _sep, pk = str(value).partition(":")
    return kind, int(pk)


def need_allowed(pledge: Any, need: Any, pledge_state_ids: AbstractSet[int]) -> bool:
    """Whether the pledge's earmark allows money for the need alone (the rules of
    ``services.earmark_allows`` applied to one need)."""
    from infobase.funding.models import Earmark

    earmark = pledge.earmark or Earmark.NONE
    if earmark == Earmark.NONE:
        return True
    if earmark == Earmark.PROJECT:
        return False
    if earmark == Earmark.THEMATIC:
        return (
            (not pledge.instrument_id or need.article.instrument_id == pledge.instrument_id)
            and (not pledge.article_id or need.article_id == pledge.article_id)
            and (not pledge.kind or need.kind == pledge.kind)
        )
    return need.state_id in pledge_state_ids or bool(
        pledge.regional_group and need.state.regional_group == pledge.regional_group
    )


@dataclass
class Problem:
    sources: list[Source]
    targets: list[Target]
    rates: Any  # money.RatesUsed
    on: date
    include_needs: bool


def build_problem(
    *,
    on: date,
    pledges: Any = None,
    projects: Any = None,
    include_needs: bool = False,
) -> tuple[list[Source], list[Target], Any]:
    """Sources, targets and the rates used (``money.RatesUsed``) — see above. Raises
    ``money.MissingRate`` when a currency has no rate valid on ``on``."""
    problem = load_problem(on=on, pledges=pledges, projects=projects, include_needs=include_needs)
    return problem.sources, problem.targets, problem.rates


def load_problem(
    *,
    on: date,
    pledges: Any = None,
    projects: Any = None,
    include_needs: bool = False,
) -> Problem:
    from django.db.models import Sum

    from infobase.funding import gaps, services
    from infobase.funding.models import Allocation, Pledge, PledgeStatus, Project, ProjectStatus
    from infobase.funding.money import RatesUsed, to_usd_exact
    from infobase.needs.models import Need, NeedStatus
    from infobase.needs.scoring import scored_register

    rates = RatesUsed()
    pledges = Pledge.objects.all() if pledges is None else pledges
    pledge_list = list(
        pledges.filter(status__in=PledgeStatus.values)
        .select_related("donor", "instrument", "article", "project")
        .prefetch_related("states")
        .order_by("pk")
    )
    allocated = dict(
        Allocation.objects.filter(pledge__in=[p.pk for p in pledge_list])
        .values("pledge")
        .annotate(total=Sum("amount"))
        .values_list("pledge", "total")
    )
    remaining = {p.pk: Decimal(p.amount) - Decimal(allocated.get(p.pk) or 0) for p in pledge_list}
    pledge_list = [p for p in pledge_list if remaining[p.pk] > 0]

    projects = Project.objects.all() if projects is None else projects
    candidates = projects.filter(status__in=[ProjectStatus.CONCEPT, ProjectStatus.APPROVED])
    project_rows, _needs_of = gaps.project_gaps(on=on, rates=rates, projects=candidates)
    project_rows = [r for r in project_rows if r.gap_usd >= CENT]
    project_objs = {
        p.pk: p
        for p in Project.objects.filter(pk__in=[r.project_id for r in project_rows])
        .select_related()
        .prefetch_related("states", "needs__state", "needs__article__instrument")
    }

    scored = {
        s.need_id: (s, s.position is not None)
        for s in scored_register(needs_qs=Need.objects.filter(status=NeedStatus.OPEN))
    }

    def place_fractions(states: list[Any]) -> tuple[dict[str, float], dict[str, float]]:
        groups: dict[str, float] = defaultdict(float)
        families: dict[str, float] = defaultdict(float)
        for state in states:
            if state.regional_group:
                groups[state.regional_group] += 1 / len(states)
            for family in state.legal_families:
                families[str(family.value)] += 1 / len(states)
        return dict(groups), dict(families)

    targets: list[Target] = []
    for row in project_rows:
        project = project_objs[row.project_id]
        needs = sorted(project.needs.all(), key=lambda n: n.pk)
        weight = sum(
            (scored[n.pk][0].explanation.total for n in needs if n.pk in scored), Decimal(0)
        )
        states = [n.state for n in needs] or sorted(project.states.all(), key=lambda s: s.pk)
        groups, families = place_fractions(states) if states else ({}, {})
        targets.append(
            Target(
                id=target_id("project", project.pk),
                kind=PROJECT,
                cost_usd=row.gap_usd,
                weight=weight,
                regional_group=groups,
                legal_families=families,
                instruments=tuple(sorted({n.article.instrument.code for n in needs})),
                label=project.code,
            )
        )

    need_objs: list[Any] = []
    if include_needs:
        busy = set(
            Project.needs.through.objects.exclude(project__status=ProjectStatus.CLOSED).values_list(
                "need_id", flat=True
            )
        )
        costs = gaps.unit_costs()
        need_objs = [
            n
            for n in Need.objects.filter(pk__in=[k for k, (_s, ranked) in scored.items() if ranked])
            .select_related("state", "article__instrument")
            .order_by("pk")
            if n.pk not in busy and costs.get(n.kind, Decimal(0)) > 0
        ]
        for need in need_objs:
            groups, families = place_fractions([need.state])
            targets.append(
                Target(
                    id=target_id("need", need.pk),
                    kind=NEED,
                    cost_usd=costs[need.kind],
                    weight=scored[need.pk][0].explanation.total,
                    regional_group=groups,
                    legal_families=families,
                    instruments=(need.article.instrument.code,),
                    label=str(need),
                )
            )

    sources: list[Source] = []
    for pledge in pledge_list:
        usd = to_usd_exact(remaining[pledge.pk], pledge.currency, on, used=rates)
        allowed: set[Hashable] = set()
        for row in project_rows:
            if services.earmark_allows(pledge, project_objs[row.project_id])[0]:
                allowed.add(target_id("project", row.project_id))
        if need_objs:
            state_ids = {s.pk for s in pledge.states.all()}
            allowed.update(
                target_id("need", n.pk) for n in need_objs if need_allowed(pledge, n, state_ids)
            )
        sources.append(
            Source(
                id=source_id(pledge.pk),
                available_usd=_cents_down(usd),
                allows=frozenset(allowed),
                label=f"{pledge.donor} · {remaining[pledge.pk]} {pledge.currency}",
                earmark=pledge.earmark or "none",
                earmark_detail=earmark_detail(pledge),
            )
        )
    return Problem(sources, targets, rates, on, include_needs)


def earmark_detail(pledge: Any) -> str:
    """What a pledge is earmarked to, in codes (a project code; instrument · article · kind;
    a regional group or States' ISO codes): shown beside the translated kind of earmark."""
    from infobase.funding.models import Earmark

    if pledge.earmark == Earmark.PROJECT:
        return pledge.project.code if pledge.project else ""
    if pledge.earmark == Earmark.THEMATIC:
        parts = [
            pledge.instrument.code if pledge.instrument else "",
            f"art. {pledge.article.number}" if pledge.article else "",
            pledge.kind or "",
        ]
        return " · ".join(p for p in parts if p)
    if pledge.earmark == Earmark.GEOGRAPHIC:
        states = sorted(s.iso3 for s in pledge.states.all())
        return " · ".join(p for p in [pledge.regional_group or "", ", ".join(states)] if p)
    return ""


def _store(*, user: Any, problem: Problem, params: Parameters, solution: Solution) -> Proposal:
    from infobase.funding.models import Proposal, ProposalLine

    report = solution.as_report()
    report["on"] = problem.on.isoformat()
    report["rates"] = problem.rates.as_list()
    report["sources"] = {
        str(s.id): {
            "label": s.label,
            "available_usd": str(_cents_down(s.available_usd)),
            "earmark": s.earmark,
            "earmark_detail": s.earmark_detail,
        }
        for s in problem.sources
    }
    funded = {t for (_s, t) in solution.amounts}
    report["targets"] = {
        str(t.id): {
            "label": t.label,
            "kind": t.kind,
            "cost_usd": str(_cents_up_half(t.cost_usd)),
            "weight": float(t.weight),
            "funded": round(solution.funded.get(t.id, 0.0), 6),
        }
        for t in problem.targets
        if t.kind == PROJECT or t.id in funded
    }
    proposal = Proposal.objects.create(
        created_by=user if getattr(user, "pk", None) else None,
        method=solution.method,
        parameters={**params.as_dict(), "include_needs": problem.include_needs},
        status=solution.status,
        objective=Decimal(str(round(solution.objective, 4))),
        report=report,
    )
    lines = []
    for (s, t), amount in sorted(solution.amounts.items(), key=lambda kv: (str(kv[0]), kv[1])):
        _kind, pledge_pk = parse_id(s)
        kind, pk = parse_id(t)
        lines.append(
            ProposalLine(
                proposal=proposal,
                pledge_id=pledge_pk,
                project_id=pk if kind == PROJECT else None,
                need_id=pk if kind == NEED else None,
                amount_usd=amount,
            )
        )
    ProposalLine.objects.bulk_create(lines)
    return proposal


@dataclass(frozen=True)
class AllocationRequest:
    """What to compute: the parameters, the methods, the date of the exchange rates, whether
    needs are targets too, and whether to compute the trade-off curve (at ``levels``)."""

    params: Parameters
    methods: tuple[str, ...] = METHODS
    on: date | None = None
    include_needs: bool = False
    curve: bool = True
    levels: tuple[float, ...] = CURVE_LEVELS

    def __post_init__(self) -> None:
        for method in self.methods:
            if method not in METHODS:
                raise ValueError(f"unknown method {method!r}: optimizer or greedy")
        if not self.methods:
            raise ValueError("no method: optimizer, greedy or both")
        for level in self.levels:
            if not 0 <= float(level) <= 1:
                raise ValueError(f"floor level {level} is not between 0 and 1")

    def as_job_params(self) -> dict[str, Any]:
        """JSON for a background job (``from_job_params`` reads it back)."""
        return {
            "params": self.params.as_dict(),
            "methods": list(self.methods),
            "on": self.on.isoformat() if self.on else None,
            "include_needs": self.include_needs,
            "curve": self.curve,
            "levels": [float(v) for v in self.levels],
        }

    @classmethod
    def from_job_params(cls, data: Mapping[str, Any]) -> AllocationRequest:
        return cls(
            params=Parameters.from_dict(data.get("params", {})),
            methods=tuple(data.get("methods") or METHODS),
            on=date.fromisoformat(data["on"]) if data.get("on") else None,
            include_needs=bool(data.get("include_needs")),
            curve=bool(data.get("curve", True)),
            levels=tuple(float(v) for v in data.get("levels") or CURVE_LEVELS),
        )


@dataclass
class AllocationRun:
    """The solutions of one request on one problem (loaded once), and its curve."""

    request: AllocationRequest
    problem: Problem
    solutions: dict[str, Solution]  # method → solution, in the order asked
    baseline: Solution  # the greedy baseline (the solver's starting point)
    curve: Curve | None = None


def _scaled(progress: Progress | None, low: float, high: float) -> Progress | None:
    if progress is None:
        return None

    def report(percent: float, step: str) -> None:
        progress(low + (high - low) * max(0.0, min(100.0, percent)) / 100, step)

    return report


def run_allocation(
    *, request: AllocationRequest, progress: Progress | None = None
) -> AllocationRun:
    """Load the problem (rates of ``request.on``, default today) and compute what the request
    asks, writing nothing. Raises ``money.MissingRate`` when a currency has no rate."""
    if progress:
        progress(2, STEP_LOADING)
    problem = load_problem(on=request.on or date.today(), include_needs=request.include_needs)
    params = request.params
    baseline = greedy(problem.sources, problem.targets, params)
    model = _build(problem.sources, problem.targets, params) if problem.targets else None
    solutions: dict[str, Solution] = {}
    for method in request.methods:
        if method == "greedy":
            solutions[method] = baseline
        else:
            solutions[method] = solve(
                problem.sources,
                problem.targets,
                params,
                baseline=baseline,
                progress=_scaled(progress, 10, 50 if request.curve else 95),
                _model=model,
            )
    curve = None
    if request.curve and "optimizer" in request.methods:
        curve = tradeoff_curve(
            problem.sources,
            problem.targets,
            params,
            levels=request.levels,
            baseline=baseline,
            progress=_scaled(progress, 50, 95),
            _model=model,
        )
    return AllocationRun(request, problem, solutions, baseline, curve)


def store_run(*, user: Any, run: AllocationRun) -> list[Proposal]:
    """One stored proposal per solution of the run (the secretariat only), each report naming
    the others (``compared_with``); the optimizer's carries the trade-off curve."""
    from django.core.exceptions import PermissionDenied
    from django.db import transaction

    if not user.has_perm("funding.allocate"):
        raise PermissionDenied
    with transaction.atomic():
        proposals = [
            _store(user=user, problem=run.problem, params=run.request.params, solution=solution)
            for solution in run.solutions.values()
        ]
        for proposal, (method, _solution) in zip(proposals, run.solutions.items(), strict=True):
            changed = []
            if len(proposals) > 1:
                proposal.report["compared_with"] = [p.pk for p in proposals if p != proposal]
                changed.append("report")
            if method == "optimizer" and run.curve is not None:
                proposal.report["curve"] = {
                    **run.curve.as_dict(),
                    "greedy": point_of(0.0, run.baseline).as_dict(),
                    "chosen": {
                        "equity_fraction_group": float(run.request.params.equity_fraction_group),
                        "equity_fraction_family": float(run.request.params.equity_fraction_family),
                    },
                }
                changed.append("report")
            if changed:
                proposal.save(update_fields=["report"])
    return proposals


def compute_allocation(
    *, params: AllocationRequest, user: Any, progress: Progress | None = None
) -> list[Proposal]:
    """Compute the request and store its proposals (the secretariat only): what the
    background job ``funding.allocation`` runs. Nothing is allocated."""
    from django.core.exceptions import PermissionDenied

    if not user.has_perm("funding.allocate"):
        raise PermissionDenied
    run = run_allocation(request=params, progress=progress)
    if progress:
        progress(97, STEP_STORING)
    return store_run(user=user, run=run)


def propose(
    *,
    user: Any,
    params: Parameters,
    method: str = "optimizer",
    on: date | None = None,
    include_needs: bool = False,
) -> Proposal:
    """Compute and store a proposal (the secretariat only). Nothing is allocated."""
    return compare(user=user, params=params, methods=(method,), on=on, include_needs=include_needs)[
        0
    ]


def compare(
    *,
    user: Any,
    params: Parameters,
    methods: Sequence[str] = METHODS,
    on: date | None = None,
    include_needs: bool = False,
) -> list[Proposal]:
    """One stored proposal per method, computed on the same problem (loaded once), each report
    naming the others (``compared_with``) so they can be shown side by side; no curve."""
    request = AllocationRequest(
        params=params,
        methods=tuple(methods),
        on=on,
        include_needs=include_needs,
        curve=False,
    )
    return compute_allocation(params=request, user=user)


def missing_rate(*, on: date) -> Exception | None:
    """The ``money.MissingRate`` that computing a proposal with the rates of ``on`` would
    meet (a currency of an open pledge without a rate), or None."""
    from infobase.funding.models import Pledge, PledgeStatus
    from infobase.funding.money import MissingRate, normalise, rate_on

    currencies = set(
        Pledge.objects.filter(status__in=PledgeStatus.values).values_list("currency", flat=True)
    )
    for currency in sorted({normalise(c) for c in currencies}):
        if currency == "USD":
            continue
        try:
            rate_on(currency, on)
        except MissingRate as exc:
            return exc
    return None


@dataclass(frozen=True)
class StoredCurve:
    """A trade-off curve as stored with an optimizer proposal: its points (``CurvePoint``
    dictionaries, by floor level), the greedy baseline's point, the floors chosen then."""

    proposal_id: int
    computed_at: Any  # datetime
    on: str  # date of the exchange rates
    points: list[dict[str, Any]]
    greedy: dict[str, Any] | None
    chosen: dict[str, float]
    seconds: float


def stored_curve(proposal: Proposal) -> StoredCurve | None:
    curve = (proposal.report or {}).get("curve")
    if not curve:
        return None
    return StoredCurve(
        proposal_id=proposal.pk,
        computed_at=proposal.created_at,
        on=(proposal.report or {}).get("on", ""),
        points=list(curve.get("points", [])),
        greedy=curve.get("greedy"),
        chosen=dict(curve.get("chosen", {})),
        seconds=float(curve.get("seconds", 0)),
    )


def latest_tradeoff_curve(*, until: Any = None) -> StoredCurve | None:
    """The most recent trade-off curve computed (optionally no later than the datetime
    ``until``), or None: for pages and reports that show the working group's choice."""
    from infobase.funding.models import Proposal

    proposals = Proposal.objects.filter(method="optimizer", report__has_key="curve")
    if until is not None:
        proposals = proposals.filter(created_at__lte=until)
    latest = proposals.order_by("-created_at", "-pk").first()
    return stored_curve(latest) if latest is not None else None


@dataclass
class Acceptance:
    allocations: list[Any]  # funding.Allocation, in the pledges' currencies
    need_lines: list[Any]  # ProposalLine to needs: suggestions only, nothing allocated


def usd_to_pledge_currency(
    lines: Sequence[tuple[Any, Decimal]], currency: str, per_usd: Decimal, remaining: Decimal
) -> list[tuple[Any, Decimal]]:
    """Lines of one pledge from USD back to its currency with the rate the proposal used,
    rounded to cents (half even); when the rounding would take a few cents more than
    ``remaining``, those cents come off the largest lines."""
    from infobase.funding.money import cents

    out = [(line, cents(Decimal(usd) * per_usd)) for line, usd in lines]
    excess = sum((a for _l, a in out), Decimal(0)) - remaining
    # Only the cents rounding may add are taken off: a real shortfall (the pledge was spent
    # since the proposal) is left for ``services.allocate`` to refuse.
    if 0 < excess <= CENT * len(out):
        order = sorted(range(len(out)), key=lambda k: -out[k][1])
        for k in order:
            if excess <= 0:
                break
            take = min(excess, out[k][1])
            out[k] = (out[k][0], out[k][1] - take)
            excess -= take
    return [(line, amount) for line, amount in out if amount > 0]


def proposal_acceptable(proposal: Proposal) -> bool:
    """Whether ``proposal_accept`` can take the proposal: not accepted yet, with a solution."""
    return not proposal.accepted_at and proposal.status in SOLVED_STATUSES


def proposal_accept(*, user: Any, proposal: Proposal, on: date | None = None) -> Acceptance:
    """Turn the proposal's project lines into allocations (``services.allocate``), converting
    the US dollars back to each pledge's currency with the rate the proposal used, all or
    nothing (the secretariat only). Need lines stay suggestions: they are returned as such."""
    from django.core.exceptions import PermissionDenied
    from django.db import transaction
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from infobase.core.errors import InputProblem, InvalidInput
    from infobase.funding import services
    from infobase.funding.models import Proposal

    if not user.has_perm("funding.allocate"):
        raise PermissionDenied
    place = _("Proposal %(pk)s") % {"pk": proposal.pk}
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.accepted_at:
            raise InvalidInput([InputProblem(place, _("The proposal was already accepted."))])
        if proposal.status not in SOLVED_STATUSES:
            raise InvalidInput([InputProblem(place, _("The proposal has no solution to accept."))])
        rates = {r["currency"]: Decimal(r["per_usd"]) for r in proposal.report.get("rates", [])}
        lines = list(proposal.lines.select_related("pledge", "project", "need").order_by("pk"))
        by_pledge: dict[int, list[Any]] = defaultdict(list)
        need_lines = []
        for line in lines:
            if line.project_id:
                by_pledge[line.pledge_id].append(line)
            else:
                need_lines.append(line)
        problems: list[InputProblem] = []
        allocations = []
        for pledge_lines in by_pledge.values():
            pledge = pledge_lines[0].pledge
            currency = pledge.currency.strip().upper()
            per_usd = Decimal(1) if currency == "USD" else rates.get(currency)
            if per_usd is None:
                problems.append(
                    InputProblem(
                        place,
                        _("The proposal used no rate for %(currency)s.") % {"currency": currency},
                    )
                )
                continue
            converted = usd_to_pledge_currency(
                [(line, line.amount_usd) for line in pledge_lines],
                currency,
                per_usd,
                services.pledge_remaining(pledge),
            )
            for line, amount in converted:
                try:
                    allocations.append(
                        services.allocate(
                            user=user,
                            pledge=pledge,
                            project=line.project,
                            amount=amount,
                            on=on,
                            proposal=proposal,
                            reason=_("Accepted proposal %(pk)s") % {"pk": proposal.pk},
                        )
                    )
                except InvalidInput as exc:
                    problems.extend(exc.problems)
        if problems:
            raise InvalidInput(problems)
        proposal.accepted_at = timezone.now()
        proposal.accepted_by = user if getattr(user, "pk", None) else None
        proposal.save(update_fields=["accepted_at", "accepted_by"])
    return Acceptance(allocations=allocations, need_lines=need_lines)
