"""The optimizer: the mixed-integer programmes of the package's doc, built with numpy and SciPy
and solved by HiGHS, and the trade-off curve computed on one model."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

import highspy
import numpy as np
from scipy.sparse import coo_array, csr_array
from scipy.sparse.csgraph import maximum_flow

from infobase.funding.allocation.core import (
    CENT,
    CURVE_GAP,
    CURVE_LEVELS,
    FRACTIONS,
    NEED,
    PROGRESS_SOLVE,
    PROJECT,
    ROUNDING_ATTEMPTS,
    SCALE,
    STEP_CURVE,
    STEP_SOLVE,
    TOLERANCE_USD,
    Binding,
    Bounds,
    ConstraintKey,
    Curve,
    Parameters,
    Progress,
    Solution,
    Source,
    Target,
    cents_down,
    cents_up_half,
    check_inputs,
    clean,
    compatible_targets,
    explain_shortfalls,
    fair_shares,
    fill_summary,
    greedy,
    instrument_shares,
    point_of,
)

if TYPE_CHECKING:
    pass

# --- The optimizer --------------------------------------------------------------------------

# HiGHS options of the last solve, which starts from a good point and has mostly to prove it:
# presolve removes little from these programmes and costs more than it saves; feasibility jump
# looks for a first point, which the start already is.
MIP_OPTIONS: dict[str, bool | int | float | str] = {
    "presolve": "off",
    "mip_heuristic_run_feasibility_jump": False,
}
# The options of the small programme that chooses the projects the relaxation funds in part
# (RENS): a branch-and-bound over a few binaries, with none of the sub-MIP heuristics that
# would solve it again inside itself.
SUB_MIP_OPTIONS: dict[str, bool | int | float | str] = {
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
}


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
class Model:
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
    # Targets the same pools may fund (a class): the solver sees one flow per (pool, class)
    # and the funded fraction of each of its targets (see ``_static``).
    classes: list[list[int]] = field(default_factory=list)  # target indices of each class
    class_pools: list[list[int]] = field(default_factory=list)  # pool indices of each class
    money_base: float = 0.0  # USD: the most the pledges can give (LP bound)
    seconds_base: float = 0.0
    _static: Any = None
    _vectors: Any = None
    _flows: Any = None
    _pair_index: Any = None

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)

    @property
    def n_flows(self) -> int:
        return sum(len(pools) for pools in self.class_pools)


def build_model(
    sources: Sequence[Source],
    targets: Sequence[Target],
    params: Parameters,
    *,
    aggregate: bool = True,
) -> Model:
    """The model of ``sources`` and ``targets``: pooled sources, bounds and the money base.
    ``aggregate=False`` gives each target a class of its own (one flow per pair: the same
    optimum, a larger programme)."""
    member_available = [cents_down(s.available_usd) for s in sources]
    cost = [cents_up_half(t.cost_usd) for t in targets]
    # Sources that may fund exactly the same targets are interchangeable: the model pools them
    # (far fewer variables) and ``_split`` spends each pool's amounts over its members.
    by_source = compatible_targets(sources, targets)
    by_target: dict[int, list[int]] = defaultdict(list)
    for i, js in enumerate(by_source):
        if member_available[i] > 0:
            for j in js:
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
    pools_of: dict[int, list[int]] = defaultdict(list)
    for i, j in pairs:
        pools_of[j].append(i)
    class_of: dict[tuple[int, ...], int] = {}
    classes: list[list[int]] = []
    class_pools: list[list[int]] = []
    for j in range(len(targets)):
        same = tuple(pools_of[j]) if aggregate else (j,)
        if same not in class_of:
            class_of[same] = len(classes)
            classes.append([])
            class_pools.append(pools_of[j])
        classes[class_of[same]].append(j)
    model = Model(
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
        sum(len(js) for js in by_source),
        dict(by_target),
        classes,
        class_pools,
    )
    started = time.perf_counter()
    model.money_base = _money_base(model)
    model.seconds_base = time.perf_counter() - started
    return model


def _floors(model: Model, params: Parameters) -> list[_Floor]:
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
        shares, index = fair_shares(model.targets, FRACTIONS[kind])
        for key in sorted(index):
            if shares[key] <= 0:
                continue
            members = [(j, f) for j, f in index[key] if model.y_upper[j] > 0]
            out.append(floor(ConstraintKey(kind, key), members, alpha * shares[key] * base))
    if params.instrument_minimums:
        _shares, index = fair_shares(model.targets, instrument_shares)
        for code in sorted(params.instrument_minimums):
            minimum = float(params.instrument_minimums[code])
            if minimum <= 0:
                continue
            members = [(j, f) for j, f in index.get(code, []) if model.y_upper[j] > 0]
            out.append(floor(ConstraintKey("instrument_minimum", code), members, minimum / SCALE))
    return out


def _flows(model: Model) -> list[tuple[int, int]]:
    """(pool, class) of each flow variable, class by class, computed once."""
    if model._flows is None:
        model._flows = [(i, c) for c, pools in enumerate(model.class_pools) for i in pools]
    return model._flows


def _static(model: Model) -> tuple[list[int], list[int], list[float], list[float], list[float]]:
    """The rows every solve shares (COO triplets and bounds): each pool gives at most what it
    has; each class of targets receives exactly Σ cost · funded fraction of its targets. The
    flows of a class may be shared out over its targets in any proportions (they have the
    same pools), so this is the programme with one flow per (pool, target) pair, smaller."""
    if model._static is not None:
        return model._static
    flows = _flows(model)
    n_x = len(flows)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    by_pool: dict[int, list[int]] = defaultdict(list)
    for f, (i, _c) in enumerate(flows):
        by_pool[i].append(f)
    row = 0
    for i in range(len(model.pools)):
        rows.extend([row] * len(by_pool[i]))
        cols.extend(by_pool[i])
        vals.extend([1.0] * len(by_pool[i]))
        lo.append(-highspy.kHighsInf)
        hi.append(float(model.available[i]) / SCALE)
        row += 1
    f = 0
    for c, members in enumerate(model.classes):
        width = len(model.class_pools[c])
        rows.extend([row] * width)
        cols.extend(range(f, f + width))
        vals.extend([1.0] * width)
        f += width
        rows.extend([row] * len(members))
        cols.extend(n_x + j for j in members)
        vals.extend(-float(model.cost[j]) / SCALE for j in members)
        lo.append(0.0)
        hi.append(0.0)
        row += 1
    model._static = (rows, cols, vals, lo, hi)
    return model._static


def _aggregate(model: Model, values: np.ndarray) -> np.ndarray:
    """A point with one amount per (pool, target) pair as a point of the solver's programme
    (one flow per (pool, class)): the amounts summed."""
    flows = _flows(model)
    index = {pair: f for f, pair in enumerate(flows)}
    class_of = np.empty(len(model.targets), dtype=np.int64)
    for c, members in enumerate(model.classes):
        class_of[members] = c
    n_p = model.n_pairs
    out = np.zeros(len(flows) + len(values) - n_p)
    for p, (i, j) in enumerate(model.pairs):
        out[index[(i, int(class_of[j]))]] += values[p]
    out[len(flows) :] = values[n_p:]
    return out


def _disaggregate(model: Model, values: np.ndarray) -> np.ndarray:
    """The solver's point with one amount per (pool, target) pair: each class's flows shared
    out over its targets in order (the first target from the first pools until it has its
    cost · funded fraction, then the next), so that each target draws on few pools."""
    flows = _flows(model)
    n_x, n_p = len(flows), model.n_pairs
    if model._pair_index is None:
        model._pair_index = {pair: p for p, pair in enumerate(model.pairs)}
    index = model._pair_index
    out = np.zeros(n_p + len(values) - n_x)
    out[n_p:] = values[n_x:]
    f = 0
    for c, members in enumerate(model.classes):
        pools = model.class_pools[c]
        left = [max(0.0, float(values[f + k])) for k in range(len(pools))]
        f += len(pools)
        k = 0
        for j in members:
            due = float(model.cost[j]) / SCALE * max(0.0, float(values[n_x + j]))
            while due > 0 and k < len(pools):
                take = min(due, left[k])
                if take > 0:
                    out[index[(pools[k], j)]] += take
                    left[k] -= take
                    due -= take
                if left[k] <= 0:
                    k += 1
    return out


def _moved(before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return before is not after
    return abs(after - before) > 1e-9 * max(1.0, abs(before))


@dataclass
class _Trace:
    """The bounds of one proposal's solves as they improve (``Solution.trace``), in the
    objective the solver maximises; a bound is kept until a better one comes (``restart``:
    a new programme, whose bounds start afresh)."""

    started: float = field(default_factory=time.perf_counter)
    cpu_started: float = field(default_factory=time.process_time)
    points: list[Bounds] = field(default_factory=list)
    primal: float | None = None
    dual: float | None = None

    def restart(self) -> None:
        self.primal = self.dual = None

    def record(self, primal: float | None = None, dual: float | None = None) -> None:
        if primal is not None and math.isfinite(primal):
            self.primal = float(primal if self.primal is None else max(self.primal, primal))
        if dual is not None and math.isfinite(dual):
            self.dual = float(dual if self.dual is None else min(self.dual, dual))
        last = self.points[-1] if self.points else None
        if last is None or _moved(last.primal, self.primal) or _moved(last.dual, self.dual):
            self.points.append(
                Bounds(
                    time.perf_counter() - self.started,
                    time.process_time() - self.cpu_started,
                    self.primal,
                    self.dual,
                )
            )

    def follow(self, h: highspy.Highs) -> None:
        """Record the bounds of a branch-and-bound as HiGHS reports them."""

        def bounds(event: Any) -> None:
            # HiGHS minimises the negated objective.
            self.record(-event.data_out.mip_primal_bound, -event.data_out.mip_dual_bound)

        h.cbMipInterrupt.subscribe(bounds)
        h.cbMipImprovingSolution.subscribe(bounds)


@dataclass
class _Result:
    status: str
    message: str
    values: np.ndarray | None  # x (pairs), y (targets), short (floors)
    objective: float | None  # as the solver minimised it
    bound: float | None
    gap: float | None
    seconds: float


def _vectors(model: Model) -> tuple[np.ndarray, np.ndarray]:
    """The targets' weights and each flow's largest amount (thousands), computed once."""
    if model._vectors is None:
        demand = [
            sum(float(model.cost[j]) * float(model.y_upper[j]) for j in members)
            for members in model.classes
        ]
        model._vectors = (
            np.array([float(t.weight) for t in model.targets]),
            np.array([min(float(model.available[i]), demand[c]) / SCALE for i, c in _flows(model)]),
        )
    return model._vectors


def _price(model: Model, floors: Sequence[_Floor]) -> float:
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


def _programme(
    model: Model, floors: Sequence[_Floor], fixed: Mapping[int, float] | None = None
) -> highspy.HighsLp:
    """The linear programme (all-or-nothing relaxed) over the solver's columns: flows (one per
    (pool, class), see ``_static``), funded fractions, shortfalls and the excess. It maximises
    the priority-weighted needs met minus the price of the shortfalls beyond what no money can
    reach (``excess``: Σ short_k / floor_k − Σ of the floors' ``least_short``); ``fixed``:
    target index → its funded fraction, held."""
    n_t, n_f = len(model.targets), len(floors)
    n_p = len(_flows(model))
    n = n_p + n_t + n_f + (1 if n_f else 0)
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
    return lp


def _run(
    model: Model,
    floors: Sequence[_Floor],
    *,
    warm: np.ndarray | None = None,
    time_limit: float,
    mip_gap: float,
    relax: bool = False,
    fixed: Mapping[int, float] | None = None,
    options: Mapping[str, bool | int | float | str] | None = None,
    trace: _Trace | None = None,
) -> _Result:
    """One HiGHS solve of ``_programme``: ``relax``: all-or-nothing relaxed (a linear
    programme); ``fixed``: target index → its funded fraction, held. ``warm`` and the result's
    values have one amount per (pool, target) pair."""
    started = time.perf_counter()
    n_t, n_f = len(model.targets), len(floors)
    if model.n_pairs == 0:
        n_old = model.n_pairs + n_t + n_f + (1 if n_f else 0)
        return _Result("optimal", "nothing can be funded", np.zeros(n_old), 0.0, 0.0, 0.0, 0.0)
    n_p = len(_flows(model))
    n = n_p + n_t + n_f + (1 if n_f else 0)
    lp = _programme(model, floors, fixed)
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
    for name, value in (options or {}).items() if mip else ():
        h.setOptionValue(name, value)
    h.passModel(lp)
    if warm is not None and mip:
        start = highspy.HighsSolution()
        start.col_value = list(map(float, _aggregate(model, warm)))
        start.value_valid = True
        h.setSolution(start)
    if trace is not None and mip:
        trace.follow(h)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    found = info.primal_solution_status == 2  # a feasible point
    values = _disaggregate(model, np.array(h.getSolution().col_value)) if found else None
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
    if trace is not None and mip:
        trace.record(None if objective is None else -objective, None if bound is None else -bound)
    return _Result(
        name,
        h.modelStatusToString(status),
        values,
        objective,
        bound,
        gap,
        time.perf_counter() - started,
    )


def _money_base(model: Model) -> float:
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


def _warm(model: Model, floors: Sequence[_Floor], baseline: Solution) -> np.ndarray:
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
    model: Model,
    floors: Sequence[_Floor],
    params: Parameters,
    baseline: Solution | None = None,
    progress: Progress | None = None,
    trace: _Trace | None = None,
) -> _Outcome:
    """The priced model, started from the better of the baseline's allocation and the
    relaxation's projects chosen (see the module's doc)."""
    if progress:
        progress(PROGRESS_SOLVE, STEP_SOLVE)
    if trace is not None:
        trace.restart()
    seconds: dict[str, float] = {}
    starts = []
    if baseline is not None and baseline.amounts:
        starts.append(_warm(model, floors, baseline))
    integral = np.flatnonzero(model.integral)
    # Without floors the greedy baseline is a good start already.
    if floors and len(integral) and model.pairs:
        relaxed = _run(model, floors, time_limit=params.time_limit, mip_gap=0.0, relax=True)
        seconds["relaxation"] = relaxed.seconds
        if trace is not None and relaxed.status == "optimal" and relaxed.objective is not None:
            trace.record(dual=-relaxed.objective)
        if relaxed.values is not None:
            y = relaxed.values[model.n_pairs : model.n_pairs + len(model.targets)]
            # The projects the relaxation funds in full or not at all are held so; the few it
            # funds in part are chosen by a small programme of their own (RENS).
            held = {int(j): float(round(y[j])) for j in integral if not 1e-6 < y[j] < 1 - 1e-6}
            rens = _run(
                model,
                floors,
                time_limit=params.time_limit / 4,
                mip_gap=params.mip_gap / 2,
                fixed=held,
                options=SUB_MIP_OPTIONS,
            )
            seconds["start"] = rens.seconds
            if rens.values is not None:
                starts.append(rens.values)
            else:
                # Every project the relaxation funds at all is held funded (the money it
                # lacks comes off what is divisible), the others dropped; should that not
                # fit, the projects it funds in part are dropped too.
                for rule in (1e-6, 1 - 1e-6):
                    held = {int(j): 1.0 if y[j] > rule else 0.0 for j in integral}
                    rounded = _run(
                        model, floors, time_limit=params.time_limit, mip_gap=0.0, fixed=held
                    )
                    seconds["start"] += rounded.seconds
                    if rounded.values is not None:
                        starts.append(rounded.values)
                        break
    price = _price(model, floors)

    def value(v: np.ndarray) -> float:
        return _needs(model, v) - price * (v[-1] if floors else 0.0)

    warm = max(starts, key=value, default=None)
    if trace is not None and warm is not None:
        trace.record(primal=value(warm))
    result = _run(
        model,
        floors,
        warm=warm,
        time_limit=params.time_limit,
        mip_gap=params.mip_gap,
        options=MIP_OPTIONS,
        trace=trace,
    )
    seconds["solve"] = result.seconds
    equity = None
    if floors and result.values is not None:
        equity = _equity_value(floors, result.values, model.n_pairs + len(model.targets))
    return _Outcome(result, equity, seconds)


def _needs(model: Model, values: np.ndarray) -> float:
    n_p = model.n_pairs
    return float(_vectors(model)[0] @ values[n_p : n_p + len(model.targets)])


def _round_amounts(model: Model, x: np.ndarray, y: np.ndarray) -> dict[tuple[int, int], Decimal]:
    """The solver's amounts in cents: no source gives more than it has, and a target the solver
    funds in full gets exactly its cost whenever its sources' spare cents allow (they always do
    unless the solver's tolerance was used to the full)."""
    amounts: dict[int, Decimal] = {}
    # Amounts under half a cent round to nothing: only the others are rounded one by one.
    for p in map(int, np.flatnonzero(x * SCALE > 0.004)):
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


def _split(model: Model, pooled: dict[tuple[int, int], Decimal]) -> dict[tuple[int, int], Decimal]:
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
    model: Model,
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
    model: Model, floors: Sequence[_Floor], x: np.ndarray, y: np.ndarray, short: np.ndarray
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
    _model: Model | None = None,
) -> Solution:
    """The allocation that comes closest to the floors and, at that equity, meets the most
    priority-weighted needs (see the module's doc). ``baseline`` (the greedy solution on the
    same data; computed here when there is no floor) is the solver's starting point."""
    params = params or Parameters()
    check_inputs(sources, targets)
    trace = _Trace()
    started = trace.started
    model = _model if _model is not None else build_model(sources, targets, params)
    floors = _floors(model, params)
    solution = Solution(method="optimizer", status="optimal", money_base_usd=model.money_base)
    solution.size = {
        "sources": len(sources),
        "targets": len(targets),
        "pairs": model.original_pairs,
        "pooled_sources": len(model.pools),
        "pooled_pairs": model.n_pairs,
        "flows": model.n_flows,  # one per (pool, class of targets the same pools may fund)
        "integer_variables": int(model.integral.sum()),
        "side_constraints": len(floors),
    }
    solution.unreachable = [f.key for f in floors if not f.members]
    if baseline is None and not floors:
        baseline = greedy(sources, targets, params)
    outcome = _optimize(model, floors, params, baseline, progress, trace)
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
        again = _optimize(model, floors, params, baseline, None, trace)
        if again.result.values is None:
            break
        outcome = again
    result = outcome.result
    solution.stage_seconds = {"spendable": model.seconds_base, **outcome.seconds}
    solution.trace = trace.points
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
    fill_summary(solution, targets, params)
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
        fill_summary(solution, targets, params)
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


def tradeoff_curve(
    sources: Sequence[Source],
    targets: Sequence[Target],
    params: Parameters | None = None,
    *,
    levels: Sequence[float] = CURVE_LEVELS,
    baseline: Solution | None = None,
    progress: Progress | None = None,
    published: Sequence[Target] | None = None,
    _model: Model | None = None,
) -> Curve:
    """The priority-weighted needs met against the equity index when every regional group's
    and legal-system family's floor is at each of ``levels`` (the instrument minimums of
    ``params`` kept): one optimizer proposal per level, on one model, each proven within
    ``CURVE_GAP`` (enough to choose a level; the proposal chosen is then computed within
    ``params.mip_gap``). Each point also carries its figures weighed on ``published`` when
    given (``core.published_point``)."""
    params = params or Parameters()
    started = time.perf_counter()
    model = _model if _model is not None else build_model(sources, targets, params)
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
        points.append(point_of(level, solution, published, at))
        # The point of the level below is the next one's start: often it meets the higher
        # floors already, and then the solver has only to prove it.
        if solution.has_solution and solution.objective >= start.objective:
            start = solution
    return Curve(points, time.perf_counter() - started)
