"""Allocation proposals: how to spend the available pledges on candidate
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

Solving: the relaxation (all-or-nothing relaxed) is solved first; the projects it funds in
full or not at all are held so and the few it funds in part chosen by a small branch-and-bound
of their own (RENS; should it find nothing, every project the relaxation funds at all is held
funded and the others dropped). HiGHS starts from the better of that point and the greedy
baseline's allocation (both feasible), and has then mostly to prove it: its own heuristics take
far longer to find as good a point. Without floors the optimizer therefore never meets fewer
needs than the baseline (should the time run out first, the baseline is kept). Each solve
records its bounds as they improve (``Solution.trace``: the time-to-gap curve).

Sources that may fund exactly the same targets (all the unearmarked pledges, the pledges for
the same regional group or the same project …) are interchangeable: the model pools them, which
divides the number of variables by ten at world scale, and each pool's amounts are then spent
over its sources in their given order (``_split``: the first until it is used up, then the next).
Likewise targets that exactly the same pools may fund (a class: the needs of one State and
instrument, say) need no flow each: the programme has one flow per (pool, class), with
``Σ_pools x[pool, class] = Σ_{t ∈ class} cost[t] · y[t]`` — any such flows can be shared out
over the class's targets, so the optimum is that of one flow per pair, with a third of the
variables and a fifth of the rows at world scale. The flows are shared out in order (the first
target from the first pools until it has its due, then the next).

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
indices and its shortfalls, so that the working group can choose the level. Each point is
also weighed on the targets as everyone may see them (``published_point``: weights and places
from the public needs alone, confidential needs left out as targets): the published reports show
only those figures.

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

The package: ``core`` (plain data, equity, explanations, the greedy baseline), ``solver`` (the
optimizer and the trade-off curve; numpy, SciPy and HiGHS are imported only when it runs) and
``orm`` (the problem from the database, proposals stored and accepted).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from infobase.funding.allocation.core import (
    CENT,
    CURVE_GAP,
    CURVE_LEVELS,
    IGNORED,
    INDIVISIBLE,
    METHODS,
    NEED,
    NO_PLEDGE,
    PLEDGES_USED,
    PROJECT,
    REASONS,
    SATURATED,
    SOLVED_STATUSES,
    TOO_LITTLE,
    TRADE_OFF,
    Binding,
    ConstraintKey,
    Curve,
    CurvePoint,
    Parameters,
    Progress,
    ShareRow,
    Shortfall,
    Solution,
    Source,
    Target,
    clean,
    compatible_pairs,
    equity_index,
    equity_summary,
    explain_shortfalls,
    greedy,
    plain_number,
    point_of,
    published_point,
    unmet_floors,
)
from infobase.funding.allocation.orm import (
    Acceptance,
    AllocationRequest,
    AllocationRun,
    Problem,
    StoredCurve,
    build_problem,
    compare,
    compute_allocation,
    earmark_detail,
    latest_tradeoff_curve,
    load_problem,
    missing_rate,
    need_allowed,
    parse_id,
    proposal_accept,
    proposal_acceptable,
    propose,
    run_allocation,
    source_id,
    store_run,
    stored_curve,
    target_id,
    usd_to_pledge_currency,
)

if TYPE_CHECKING:
    from infobase.funding.allocation.solver import Model


def solve(
    sources: Sequence[Source],
    targets: Sequence[Target],
    params: Parameters | None = None,
    *,
    baseline: Solution | None = None,
    progress: Progress | None = None,
    _model: Model | None = None,
) -> Solution:
    """``solver.solve``, loading the solver (numpy, SciPy, HiGHS) on first use."""
    from infobase.funding.allocation import solver

    return solver.solve(
        sources, targets, params, baseline=baseline, progress=progress, _model=_model
    )


def tradeoff_curve(
    sources: Sequence[Source],
    targets: Sequence[Target],
    params: Parameters | None = None,
    *,
    levels: Sequence[float] = CURVE_LEVELS,
    baseline: Solution | None = None,
    progress: Progress | None = None,
    published: Sequence[Target] | None = None,
) -> Curve:
    """``solver.tradeoff_curve``, loading the solver on first use."""
    from infobase.funding.allocation import solver

    return solver.tradeoff_curve(
        sources,
        targets,
        params,
        levels=levels,
        baseline=baseline,
        progress=progress,
        published=published,
    )


__all__ = [
    "CENT",
    "CURVE_GAP",
    "CURVE_LEVELS",
    "IGNORED",
    "INDIVISIBLE",
    "METHODS",
    "NEED",
    "NO_PLEDGE",
    "PLEDGES_USED",
    "PROJECT",
    "REASONS",
    "SATURATED",
    "SOLVED_STATUSES",
    "TOO_LITTLE",
    "TRADE_OFF",
    "Acceptance",
    "AllocationRequest",
    "AllocationRun",
    "Binding",
    "ConstraintKey",
    "Curve",
    "CurvePoint",
    "Parameters",
    "Problem",
    "Progress",
    "ShareRow",
    "Shortfall",
    "Solution",
    "Source",
    "StoredCurve",
    "Target",
    "build_problem",
    "clean",
    "compare",
    "compatible_pairs",
    "compute_allocation",
    "earmark_detail",
    "equity_index",
    "equity_summary",
    "explain_shortfalls",
    "greedy",
    "latest_tradeoff_curve",
    "load_problem",
    "missing_rate",
    "need_allowed",
    "parse_id",
    "plain_number",
    "point_of",
    "proposal_accept",
    "proposal_acceptable",
    "propose",
    "published_point",
    "run_allocation",
    "solve",
    "source_id",
    "store_run",
    "stored_curve",
    "target_id",
    "tradeoff_curve",
    "unmet_floors",
    "usd_to_pledge_currency",
]
