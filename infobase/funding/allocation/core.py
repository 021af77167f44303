"""The allocation core on plain data: sources, targets, parameters, solutions, equity summaries,
the explanations of shortfalls, the trade-off curve's points and the greedy baseline. The
optimizer itself (numpy, SciPy, HiGHS) is in ``solver`` and imported only when a solve runs."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

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
    earmarked to, e.g. a project code) serve only to explain the floors it keeps money from;
    ``facts`` (donor, amount, currency, what it is earmarked to, as values and codes) let a
    page write it in its reader's language."""

    id: Hashable
    available_usd: float | Decimal
    allows: Allows = None
    label: str = ""
    earmark: str = ""
    earmark_detail: str = ""
    facts: Mapping[str, Any] = field(default_factory=dict)

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


@dataclass(frozen=True)
class Bounds:
    """The optimizer's progress at one moment, in the objective it maximises (the priority-
    weighted needs met less the priced shortfalls): the best point found so far (``primal``)
    and the best proven bound (``dual``), each None until there is one."""

    seconds: float  # since the solve began
    cpu_seconds: float  # the process's CPU time since the solve began (all threads)
    primal: float | None
    dual: float | None

    @property
    def gap(self) -> float | None:
        """``(dual − primal) / |primal|``, as HiGHS counts its gap."""
        if self.primal is None or self.dual is None:
            return None
        if self.primal == 0:
            return 0.0 if self.dual == 0 else None
        return max(0.0, self.dual - self.primal) / abs(self.primal)


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
    stage_seconds: dict[str, float] = field(default_factory=dict)  # spendable, start, solve …
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
    trace: list[Bounds] = field(default_factory=list)  # the optimizer's bounds as it ran

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


def cents_down(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_DOWN)


def cents_up_half(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def check_inputs(sources: Sequence[Source], targets: Sequence[Target]) -> None:
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
    return [(i, j) for i, js in enumerate(compatible_targets(sources, targets)) for j in js]


def compatible_targets(sources: Sequence[Source], targets: Sequence[Target]) -> list[list[int]]:
    """Each source's compatible targets (indices, ascending): the pairs the earmarks allow."""
    index = {t.id: j for j, t in enumerate(targets)}
    out: list[list[int]] = []
    for s in sources:
        if s.allows is None:
            out.append(list(range(len(targets))))
        elif callable(s.allows):
            out.append([j for j, t in enumerate(targets) if s.allows(t)])
        else:
            out.append(sorted(map(index.__getitem__, index.keys() & s.allows)))
    return out


Fractions = Callable[[Target], dict[str, float]]


def fair_shares(
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


def instrument_shares(t: Target) -> dict[str, float]:
    return t.instrument_fractions()


FRACTIONS: dict[str, Fractions] = {
    "equity_group": _groups,
    "equity_family": _families,
    "instrument_minimum": instrument_shares,
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
    cost = [float(cents_up_half(t.cost_usd)) for t in targets]

    def rows(fractions: Fractions, alpha: float) -> list[ShareRow]:
        shares, index = fair_shares(targets, fractions)
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
    instruments = rows(instrument_shares, 0.0)
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


def fill_summary(solution: Solution, targets: Sequence[Target], params: Parameters | None) -> None:
    by_target = solution.by_target()
    solution.funded = {
        t.id: min(1.0, float(by_target.get(t.id, 0)) / float(cents_up_half(t.cost_usd)))
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
    available = [cents_down(s.available_usd) for s in sources]
    source_index = {s.id: i for i, s in enumerate(sources)}
    target_index = {t.id: j for j, t in enumerate(targets)}
    given = [Decimal(0)] * len(sources)
    received = [Decimal(0)] * len(targets)
    for (s, t), amount in solution.amounts.items():
        given[source_index[s]] += amount
        received[target_index[t]] += amount
    left = [available[i] - given[i] for i in range(len(sources))]
    cost = [cents_up_half(t.cost_usd) for t in targets]

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
    # The same solution weighed on the targets as everyone may see them (``published_point``):
    # what a published report shows. None when the curve was computed without them.
    published: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
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
        if self.published is not None:
            out["published"] = self.published
        return out


@dataclass
class Curve:
    points: list[CurvePoint]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"points": [p.as_dict() for p in self.points], "seconds": clean(self.seconds, 3)}


def published_point(
    solution: Solution, published: Sequence[Target], params: Parameters | None = None
) -> dict[str, Any]:
    """A solution's figures weighed on ``published``, the targets as everyone may see them
    (their weights and places from the public needs alone, confidential needs left out as
    targets): the priority-weighted needs met, the money they receive, the equity indexes
    and the shortfall against the floors of ``params``, each defined as for the whole
    solution. A report to the Conference shows these, so that no figure in it moves with a
    need a State asked to keep confidential."""
    ids = {t.id for t in published}
    public = Solution(
        method=solution.method,
        status=solution.status,
        amounts={pair: amount for pair, amount in solution.amounts.items() if pair[1] in ids},
    )
    fill_summary(public, published, params)
    index_g, index_f = public.equity_index_groups, public.equity_index_families
    return {
        "objective": clean(public.objective, 6),
        "total_usd": clean(public.total_usd, 2),
        "equity_index_groups": None if index_g is None else clean(index_g, 4),
        "equity_index_families": None if index_f is None else clean(index_f, 4),
        "shortfall_usd": clean(
            sum(max(0.0, r.floor_usd - r.funds_usd) for r in unmet_floors(public)), 2
        ),
    }


def point_of(
    level: float,
    solution: Solution,
    published: Sequence[Target] | None = None,
    params: Parameters | None = None,
) -> CurvePoint:
    """The curve's point of ``solution``, solved with ``params`` at ``level``; with the
    figures weighed on ``published`` when given (``published_point``)."""
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
        published=None if published is None else published_point(solution, published, params),
    )


# --- The greedy baseline --------------------------------------------------------------------


def greedy(
    sources: Sequence[Source], targets: Sequence[Target], params: Parameters | None = None
) -> Solution:
    """ "Highest score first" (see the module's doc). ``params`` only serves to judge the
    result against the floors and minimums, which the baseline itself ignores."""
    check_inputs(sources, targets)
    started = time.perf_counter()
    available = [cents_down(s.available_usd) for s in sources]
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
            cents_up_half(targets[j].cost_usd),
            str(targets[j].id),
        ),
    )
    amounts: dict[tuple[Hashable, Hashable], Decimal] = {}
    for j in order:
        cost = cents_up_half(targets[j].cost_usd)
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
    fill_summary(solution, targets, params)
    for i, s in enumerate(sources):
        if cents_down(s.available_usd) > 0 and available[i] <= 0 and flexibility[i]:
            used = float(cents_down(s.available_usd))
            solution.binding.append(Binding(ConstraintKey("pledge", s.id), used, used))
    if params is not None and params.has_floors:
        solution.shortfalls = explain_shortfalls(solution, sources, targets, compatible, params)
    return solution
