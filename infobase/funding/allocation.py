"""Allocation proposals (issue 6, point 5): how to spend the available pledges on candidate
projects (and, optionally, directly on open needs) so that the priority-weighted needs met are
as large as possible, within each pledge's earmarks and amount, each target's cost, the equity
floors of paragraph (d) and optional minimums per instrument.

The core (``Source``, ``Target``, ``Parameters``, ``solve``, ``greedy``, ``equity_summary``)
works on plain data and does no database work, so that it can be tested and benchmarked alone.
The ORM glue at the end (``build_problem``, ``propose``, ``compare``, ``proposal_accept``)
loads the problem from the database and stores proposals; a proposal allocates nothing until a
person accepts it.

The model (a mixed-integer linear programme solved by HiGHS through ``scipy.optimize.milp``)
-----------------------------------------------------------------------------------------------

Variables: ``x[s,t] ≥ 0`` — US dollars of source ``s`` given to target ``t``, only for the
compatible pairs (a pair an earmark forbids has no variable at all, so no solution can cross an
earmark); ``y[t] ∈ [0, 1]`` — the fraction of target ``t`` funded, binary for projects when
``projects_all_or_nothing`` (and for needs when ``needs_all_or_nothing``).

Constraints:

- each source: ``Σ_t x[s,t] ≤ available[s]``;
- each target: ``Σ_s x[s,t] = cost[t] · y[t]``;
- equity per regional group ``g`` (when ``equity_fraction_group`` α > 0):
  ``funds(g) ≥ α · fair_share(g) · total funds``, where ``funds(g) = Σ_{t ∈ g} cost[t]·y[t]``,
  ``total funds = Σ_t cost[t]·y[t]`` and ``fair_share(g)`` = the group's share of the
  priority-weighted needs among all the targets (``Σ_{t ∈ g} weight[t] / Σ_t weight[t]``);
  linear because both sides are linear in ``y``;
- the same per legal-system family with ``equity_fraction_family``; a target counts in *each* of
  its families (a State with a mixed system belongs to several), on both sides — its needs count
  fully in each family's needs and its money fully in each family's resources, so the shares of
  the families may add up to more than 1 on both sides alike; a target of several regional
  groups (a project for States of several groups) counts in each group the same way;
- optional minimum per instrument: ``Σ_{t addresses i} cost[t]·y[t] ≥ minimum[i]`` (USD).

Objective: maximise ``Σ_t weight[t] · y[t]`` (the priority-weighted needs met).

Sources that may fund exactly the same targets (all the unearmarked pledges, the pledges for
the same regional group or the same project …) are interchangeable: the model pools them, which
divides the number of variables by ten at world scale, and each pool's amounts are then spent
over its sources in their given order (``_split``: the first until it is used up, then the next).

Money is rounded once: availability down to the cent and costs to the cent (half up) before the
model is built; the solver's amounts are then rounded to cents and repaired so that no source
ever gives more than it has and a fully funded target receives exactly its cost (see
``_round_amounts``). Should the rounded amounts miss an equity floor or a minimum by cents, the
model is solved again with that constraint tightened by the shortfall and half a cent (at most
``ROUNDING_ATTEMPTS`` solves), so the floors hold on the amounts actually proposed. Inside the
solver money is counted in thousands of dollars (better scaled).

Report: the solver status (``optimal`` — proven within ``mip_gap``; ``time_limit`` — the best
solution found when the time ran out, with its proven gap; ``time_limit_no_solution``;
``infeasible`` — with the constraints that make it so, found by solving again without each kind
of constraint and then without each constraint of the offending kinds), the objective, the
gap, the constraints that bind (pledges exhausted, equity floors at their minimum, instrument
minimums at their minimum — with, when ``explain`` is set, the objective the proposal would
reach without each binding floor or minimum: the price of that constraint), each target's
funded fraction and each (source, target) amount.

The greedy baseline ("highest score first")
-------------------------------------------

Targets by weight, highest first (ties: the cheaper first, then by id). A target is funded in
full when the compatible money still available covers its cost, and skipped otherwise: projects
and needs alike are all-or-nothing in the baseline (a partly funded need is not a need met, and
it keeps the baseline simple to explain). The money is taken from the compatible sources with
the least flexibility first — the fewest compatible targets, then the least money left, then by
id — so that money earmarked narrowly is used where it can be used and unearmarked money is kept
for targets nothing else can fund. The baseline ignores the equity floors and the instrument
minimums; ``equity_summary`` says which of them its result misses.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

if TYPE_CHECKING:
    from infobase.funding.models import Proposal

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
    predicate on targets, or the set of the ids of the targets it may fund (None: any)."""

    id: Hashable
    available_usd: float | Decimal
    allows: Allows = None
    label: str = ""

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
    time_limit: float = 60.0  # seconds, for the main solve
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
            "value_usd": round(self.value_usd, 2),
            "limit_usd": round(self.limit_usd, 2),
            "objective_without": self.objective_without,
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "need_weight": round(self.need_weight, 6),
            "fair_share": round(self.fair_share, 6),
            "funds_usd": round(self.funds_usd, 2),
            "funds_share": round(self.funds_share, 6),
            "ratio": None if self.ratio is None else round(self.ratio, 6),
            "weight_met": round(self.weight_met, 6),
            "floor_usd": round(self.floor_usd, 2),
            "met": self.met,
        }


@dataclass
class Solution:
    method: str  # "optimizer" | "greedy"
    status: str  # optimal | time_limit | time_limit_no_solution | infeasible | error | heuristic
    message: str = ""
    objective: float = 0.0  # Σ weight · funded fraction, of the rounded amounts
    solver_objective: float | None = None  # as the solver reported it (before rounding)
    bound: float | None = None  # the solver's proven upper bound on the objective
    mip_gap: float | None = None
    seconds: float = 0.0  # the main solve (model building included)
    explain_seconds: float = 0.0
    funded: dict[Hashable, float] = field(default_factory=dict)  # target → fraction 0..1
    amounts: dict[tuple[Hashable, Hashable], Decimal] = field(default_factory=dict)
    binding: list[Binding] = field(default_factory=list)
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
        return {
            "method": self.method,
            "status": self.status,
            "message": self.message,
            "objective": round(self.objective, 6),
            "solver_objective": self.solver_objective,
            "bound": self.bound,
            "mip_gap": self.mip_gap,
            "seconds": round(self.seconds, 3),
            "explain_seconds": round(self.explain_seconds, 3),
            "total_usd": str(self.total_usd),
            "funded": {str(k): round(v, 6) for k, v in self.funded.items() if v > 0},
            "binding": [b.as_dict() for b in self.binding],
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
                    met=funds >= floor - TOLERANCE_USD,
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


# --- The optimizer --------------------------------------------------------------------------


@dataclass
class _Side:
    """One side constraint ``Σ_j coef[j]·y[j] ≥ lower`` (money in thousands): ``members`` the
    targets in the group, family or instrument with their fractions; ``fraction`` = α · fair
    share (equity rows)."""

    key: ConstraintKey
    coef: dict[int, float]
    lower: float
    members: list[tuple[int, float]]
    fraction: float = 0.0
    # What the constraint asks for (``fraction`` and ``lower`` may be tightened by cents so that
    # the amounts rounded to cents still meet it).
    base_fraction: float = 0.0
    base_lower: float = 0.0

    def __post_init__(self) -> None:
        self.base_fraction = self.fraction
        self.base_lower = self.lower


@dataclass
class _Model:
    sources: Sequence[Source]
    targets: Sequence[Target]
    params: Parameters
    available: list[Decimal]
    cost: list[Decimal]
    pairs: list[tuple[int, int]]
    integral: np.ndarray
    y_upper: np.ndarray
    side: list[_Side]
    pools: list[list[int]]  # source indices of each pool
    member_available: list[Decimal]  # each source's money, in cents
    original_pairs: int  # compatible (source, target) pairs before pooling

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)


def _build(sources: Sequence[Source], targets: Sequence[Target], params: Parameters) -> _Model:
    member_available = [_cents_down(s.available_usd) for s in sources]
    cost = [_cents_up_half(t.cost_usd) for t in targets]
    # Sources that may fund exactly the same targets are interchangeable: the model pools them
    # (far fewer variables) and ``_split`` spends each pool's amounts over its members.
    compatible: dict[int, list[int]] = defaultdict(list)
    original = compatible_pairs(sources, targets)
    for i, j in original:
        compatible[i].append(j)
    pool_of: dict[tuple[int, ...], int] = {}
    pools: list[list[int]] = []
    for i in range(len(sources)):
        if not compatible[i] or member_available[i] <= 0:
            continue
        same = tuple(compatible[i])
        if same not in pool_of:
            pool_of[same] = len(pools)
            pools.append([])
        pools[pool_of[same]].append(i)
    available = [sum((member_available[i] for i in members), Decimal(0)) for members in pools]
    pairs = [(k, j) for k, members in enumerate(pools) for j in compatible[members[0]]]
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
    side: list[_Side] = []
    for kind, alpha, fractions in (
        ("equity_group", float(params.equity_fraction_group), _groups),
        ("equity_family", float(params.equity_fraction_family), _families),
    ):
        if alpha <= 0:
            continue
        shares, index = _fair_shares(targets, fractions)
        for key in sorted(index):
            if shares[key] <= 0:
                continue
            inside = dict(index[key])
            # funds(g) − α·f_g·total = Σ_j cost_j·(fraction_jg − α·f_g)·y_j ≥ 0
            coef = {
                j: float(cost[j]) / SCALE * (inside.get(j, 0.0) - alpha * shares[key])
                for j in range(len(targets))
                if y_upper[j] > 0
            }
            members = [(j, f) for j, f in index[key] if y_upper[j] > 0]
            fraction = alpha * shares[key]
            side.append(_Side(ConstraintKey(kind, key), coef, 0.0, members, fraction))
    if params.instrument_minimums:
        _shares, index = _fair_shares(targets, _instruments)
        for code in sorted(params.instrument_minimums):
            minimum = float(params.instrument_minimums[code])
            if minimum <= 0:
                continue
            members = [(j, f) for j, f in index.get(code, []) if y_upper[j] > 0]
            coef = {j: f * float(cost[j]) / SCALE for j, f in members}
            side.append(
                _Side(ConstraintKey("instrument_minimum", code), coef, minimum / SCALE, members)
            )
    return _Model(
        sources,
        targets,
        params,
        available,
        cost,
        pairs,
        integral,
        y_upper,
        side,
        pools,
        member_available,
        len(original),
    )


def _run(model: _Model, drop: AbstractSet[ConstraintKey], time_limit: float, mip_gap: float) -> Any:
    """Solve the model without the side constraints in ``drop``; the scipy result."""
    n_s, n_t, n_p = len(model.pools), len(model.targets), model.n_pairs
    n_var = n_p + n_t
    c = np.zeros(n_var)
    c[n_p:] = -np.array([float(t.weight) for t in model.targets])
    lower = np.zeros(n_var)
    upper = np.empty(n_var)
    for p, (i, j) in enumerate(model.pairs):
        upper[p] = float(min(model.available[i], model.cost[j])) / SCALE
    upper[n_p:] = model.y_upper
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    row = 0
    # Sources: Σ_t x[s,t] ≤ available[s].
    by_source: dict[int, list[int]] = defaultdict(list)
    by_target: dict[int, list[int]] = defaultdict(list)
    for p, (i, j) in enumerate(model.pairs):
        by_source[i].append(p)
        by_target[j].append(p)
    for i in range(n_s):
        if not by_source[i]:
            continue
        for p in by_source[i]:
            rows.append(row)
            cols.append(p)
            vals.append(1.0)
        lo.append(-np.inf)
        hi.append(float(model.available[i]) / SCALE)
        row += 1
    # Targets: Σ_s x[s,t] − cost[t]·y[t] = 0.
    for j in range(n_t):
        for p in by_target[j]:
            rows.append(row)
            cols.append(p)
            vals.append(1.0)
        rows.append(row)
        cols.append(n_p + j)
        vals.append(-float(model.cost[j]) / SCALE)
        lo.append(0.0)
        hi.append(0.0)
        row += 1
    for side in model.side:
        if side.key in drop:
            continue
        for j, v in side.coef.items():
            if v != 0.0:
                rows.append(row)
                cols.append(n_p + j)
                vals.append(v)
        lo.append(side.lower)
        hi.append(np.inf)
        row += 1
    integrality = np.concatenate([np.zeros(n_p, dtype=np.uint8), model.integral])
    options: dict[str, Any] = {"disp": False, "time_limit": float(time_limit)}
    if model.integral.any():
        options["mip_rel_gap"] = float(mip_gap)
    if row == 0:  # nothing can be funded: the empty allocation is the only one
        return None
    matrix = coo_array((vals, (rows, cols)), shape=(row, n_var)).tocsr()
    return milp(
        c,
        integrality=integrality,
        bounds=Bounds(lower, upper),
        constraints=[LinearConstraint(matrix, np.array(lo), np.array(hi))],
        options=options,
    )


def _status(result: Any) -> str:
    if result is None:
        return "optimal"
    if result.status == 0:
        return "optimal"
    if result.status == 1:
        return "time_limit" if result.x is not None else "time_limit_no_solution"
    if result.status == 2:
        return "infeasible"
    return "error"


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

    # A fully funded target never gets more than its cost.
    for j in full:
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


def _bindings(model: _Model, x: np.ndarray, y: np.ndarray) -> list[Binding]:
    out: list[Binding] = []
    used: dict[int, float] = defaultdict(float)
    for p, (i, _j) in enumerate(model.pairs):
        used[i] += float(x[p]) * SCALE
    for k, members in enumerate(model.pools):
        if k in used and float(model.available[k]) - used[k] <= TOLERANCE_USD:
            for i in members:  # an exhausted pool: each of its sources is used in full
                avail = float(model.member_available[i])
                out.append(Binding(ConstraintKey("pledge", model.sources[i].id), avail, avail))
    total = sum(float(model.cost[j]) * float(y[j]) for j in range(len(model.targets)))
    for row in model.side:
        funds = sum(f * float(model.cost[j]) * float(y[j]) for j, f in row.members)
        # With nothing allocated every floor is 0 and binds (the floors may be why).
        minimum = row.key.kind == "instrument_minimum"
        limit = row.base_lower * SCALE if minimum else row.base_fraction * total
        if funds - limit <= max(TOLERANCE_USD, 1e-7 * abs(limit)):
            out.append(Binding(row.key, funds, limit))
    return out


def solve(
    sources: Sequence[Source], targets: Sequence[Target], params: Parameters | None = None
) -> Solution:
    """The allocation that maximises the priority-weighted needs met (see the module's doc)."""
    params = params or Parameters()
    _check(sources, targets)
    started = time.perf_counter()
    model = _build(sources, targets, params)
    solution = Solution(method="optimizer", status="optimal")
    solution.size = {
        "sources": len(sources),
        "targets": len(targets),
        "pairs": model.original_pairs,
        "pooled_sources": len(model.pools),
        "pooled_pairs": model.n_pairs,
        "integer_variables": int(model.integral.sum()),
        "side_constraints": len(model.side),
    }
    solution.unreachable = _unreachable(model)
    result = _run(model, frozenset(), params.time_limit, params.mip_gap)
    pooled: dict[tuple[int, int], Decimal] = {}
    for attempt in range(1, ROUNDING_ATTEMPTS + 1):
        if result is None or result.x is None:
            break
        pooled = _round_amounts(model, result.x[: model.n_pairs], result.x[model.n_pairs :])
        if attempt == ROUNDING_ATTEMPTS or not _tighten(model, pooled):
            break
        # Rounding to cents broke a floor or minimum by a few cents: solve again with that
        # constraint tightened by the shortfall and half a cent (the allocation moves by cents).
        solution.size["rounding_resolves"] = attempt
        result = _run(model, frozenset(), params.time_limit, params.mip_gap)
    solution.seconds = time.perf_counter() - started
    solution.status = _status(result)
    if result is not None:
        solution.message = str(result.message)
        bound = getattr(result, "mip_dual_bound", None)
        solution.bound = None if bound is None or not math.isfinite(bound) else -float(bound)
        gap = getattr(result, "mip_gap", None)
        solution.mip_gap = None if gap is None or not math.isfinite(gap) else float(gap)
        if not model.integral.any() and solution.status == "optimal":
            solution.mip_gap = 0.0
            solution.bound = -float(result.fun)
    if solution.status == "infeasible":
        explain_started = time.perf_counter()
        solution.infeasible_because = _diagnose(model)
        solution.explain_seconds = time.perf_counter() - explain_started
        _fill_summary(solution, targets, params)
        return solution
    if result is None or result.x is None:
        _fill_summary(solution, targets, params)
        return solution
    x = result.x[: model.n_pairs]
    y = result.x[model.n_pairs :]
    solution.solver_objective = -float(result.fun)
    amounts = _split(model, pooled)
    solution.amounts = {(sources[i].id, targets[j].id): a for (i, j), a in amounts.items()}
    solution.binding = _bindings(model, x, y)
    _fill_summary(solution, targets, params)
    if params.explain:
        explain_started = time.perf_counter()
        priced = [b for b in solution.binding if b.constraint.kind != "pledge"]
        for b in priced[: params.explain_limit]:
            again = _run(model, {b.constraint}, params.time_limit, params.mip_gap)
            if again is not None and again.x is not None:
                b.objective_without = round(-float(again.fun), 6)
        solution.explain_seconds = time.perf_counter() - explain_started
    return solution


def _tighten(model: _Model, pooled: Mapping[tuple[int, int], Decimal]) -> bool:
    """Tighten the floors and minimums the rounded amounts miss; False when none is missed."""
    received: dict[int, float] = defaultdict(float)
    for (_k, j), amount in pooled.items():
        received[j] += float(amount)
    total = sum(received.values())
    tightened = False
    for side in model.side:
        funds = sum(f * received.get(j, 0.0) for j, f in side.members)
        if side.key.kind == "instrument_minimum":
            short = side.base_lower * SCALE - funds
            if short > 1e-9:
                side.lower += (short + 0.005) / SCALE
                tightened = True
        else:
            short = side.base_fraction * total - funds
            if short > 1e-9 and total > 0:
                bump = (short + 0.005) / total
                side.fraction += bump
                for j in side.coef:
                    side.coef[j] -= float(model.cost[j]) / SCALE * bump
                tightened = True
    return tightened


def _unreachable(model: _Model) -> list[ConstraintKey]:
    """Floors and minimums that no compatible money can reach: with such an equity floor the
    only feasible allocation is none at all; with such a minimum there is none."""
    out = []
    for side in model.side:
        if not side.members:
            out.append(side.key)
    return out


def _diagnose(model: _Model) -> list[list[ConstraintKey]]:
    """Why the model is infeasible: the side constraints (alone, or whole kinds of them) whose
    removal makes it feasible. Each entry is one set of constraints to drop."""
    quick = min(float(model.params.time_limit), 10.0)

    def feasible(drop: AbstractSet[ConstraintKey]) -> bool:
        result = _run(model, drop, quick, 1.0)  # any feasible point will do
        return result is None or result.x is not None or result.status not in (2,)

    kinds: dict[str, list[ConstraintKey]] = defaultdict(list)
    for side in model.side:
        kinds[side.key.kind].append(side.key)
    culprits: list[list[ConstraintKey]] = []
    for _kind, keys in kinds.items():
        if not feasible(frozenset(keys)):
            continue
        singles = [k for k in keys if feasible(frozenset({k}))]
        if singles:
            culprits.extend([k] for k in singles)
        else:
            culprits.append(list(keys))
    if not culprits:
        culprits.append([side.key for side in model.side])
    return culprits


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
    return solution


def unmet_floors(solution: Solution) -> list[ShareRow]:
    """The equity floors and instrument minimums a solution misses (the baseline can)."""
    return [r for r in (*solution.groups, *solution.families, *solution.instruments) if not r.met]


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
            )
        )
    return Problem(sources, targets, rates, on, include_needs)


def _store(*, user: Any, problem: Problem, params: Parameters, solution: Solution) -> Proposal:
    from infobase.funding.models import Proposal, ProposalLine

    report = solution.as_report()
    report["on"] = problem.on.isoformat()
    report["rates"] = problem.rates.as_list()
    report["sources"] = {
        str(s.id): {"label": s.label, "available_usd": str(_cents_down(s.available_usd))}
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


def _run_method(method: str, problem: Problem, params: Parameters) -> Solution:
    if method == "greedy":
        return greedy(problem.sources, problem.targets, params)
    if method == "optimizer":
        return solve(problem.sources, problem.targets, params)
    raise ValueError(f"unknown method {method!r}: optimizer or greedy")


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
    naming the others (``compared_with``) so they can be shown side by side."""
    from django.core.exceptions import PermissionDenied
    from django.db import transaction

    if not user.has_perm("funding.allocate"):
        raise PermissionDenied
    for method in methods:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}: optimizer or greedy")
    problem = load_problem(on=on or date.today(), include_needs=include_needs)
    solutions = [_run_method(m, problem, params) for m in methods]
    with transaction.atomic():
        proposals = [
            _store(user=user, problem=problem, params=params, solution=s) for s in solutions
        ]
        if len(proposals) > 1:
            for proposal in proposals:
                proposal.report["compared_with"] = [p.pk for p in proposals if p != proposal]
                proposal.save(update_fields=["report"])
    return proposals


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
