"""The optimizer's programme with one flow per (pool, class of targets the same pools may fund)
against the programme with one flow per (pool, target) pair: the same optima, solved to
optimality on generated instances; points carried between the two keep every amount; and the
trace of the bounds the optimizer records as it runs."""

from __future__ import annotations

import random

import numpy as np
import pytest

from infobase.funding.allocation import Parameters, Source, Target, greedy, solve
from infobase.funding.allocation import solver as optimizer

GROUPS = ("african", "asia_pacific", "weog")
FAMILIES = ("civil", "common", "islamic")
INSTRUMENTS = ("untoc", "tip", "firearms")


def generated(seed: int) -> tuple[list[Source], list[Target], Parameters]:
    """A small instance shaped like the register: needs and all-or-nothing projects in groups,
    families and instruments; pledges unearmarked, earmarked to an instrument, to a group or
    to one project; floors that bind."""
    rng = random.Random(seed)
    targets: list[Target] = []
    for n in range(rng.randint(10, 16)):
        kind = "project" if n % 3 == 0 else "need"
        if kind == "project":
            groups = dict.fromkeys(rng.sample(GROUPS, rng.randint(1, 2)), 0.0)
            groups = {g: 1 / len(groups) for g in groups}
            cost = rng.randint(150, 400)
        else:
            groups = {rng.choice(GROUPS): 1.0}
            cost = rng.randint(30, 120)
        targets.append(
            Target(
                f"{kind}:{n}",
                kind,
                cost,
                round(rng.uniform(1, 10) * (cost / 60 if kind == "project" else 1), 3),
                groups,
                tuple(sorted(set(rng.sample(FAMILIES, rng.randint(1, 2))))),
                (rng.choice(INSTRUMENTS),),
            )
        )
    projects = [t for t in targets if t.kind == "project"]
    sources = [Source("any", rng.randint(100, 300))]
    for i in range(rng.randint(3, 6)):
        roll = rng.random()
        if roll < 0.4:
            instrument = rng.choice(INSTRUMENTS)
            allowed = {t.id for t in targets if instrument in t.instruments}
        elif roll < 0.8:
            group = rng.choice(GROUPS)
            allowed = {t.id for t in targets if group in t.group_fractions()}
        else:
            allowed = {rng.choice(projects).id}
        sources.append(Source(f"pledge:{i}", rng.randint(50, 400), frozenset(allowed)))
    params = Parameters(
        equity_fraction_group=rng.choice((0.6, 0.9, 1.0)),
        equity_fraction_family=rng.choice((0.0, 0.5, 0.8)),
        instrument_minimums={rng.choice(INSTRUMENTS): float(rng.randint(50, 200))},
        mip_gap=0.0,
        explain=False,
    )
    return sources, targets, params


SEEDS = range(8)


@pytest.mark.parametrize("seed", SEEDS)
def test_flows_by_class_reach_the_optimum_of_flows_by_pair(seed: int) -> None:
    sources, targets, params = generated(seed)
    by_class = optimizer.build_model(sources, targets, params)
    by_pair = optimizer.build_model(sources, targets, params, aggregate=False)
    assert by_pair.n_flows == by_pair.n_pairs
    optima = []
    relaxations = []
    for model in (by_class, by_pair):
        floors = optimizer._floors(model, params)
        assert floors, "the floors are the point of the comparison"
        exact = optimizer._run(model, floors, time_limit=60, mip_gap=0.0)
        relaxed = optimizer._run(model, floors, time_limit=60, mip_gap=0.0, relax=True)
        assert exact.status == relaxed.status == "optimal"
        optima.append(exact.objective)
        relaxations.append(relaxed.objective)
    assert optima[0] == pytest.approx(optima[1], rel=1e-7, abs=1e-7)
    assert relaxations[0] == pytest.approx(relaxations[1], rel=1e-7, abs=1e-7)


def test_the_generated_instances_have_classes_to_merge() -> None:
    merged = 0
    for seed in SEEDS:
        sources, targets, params = generated(seed)
        model = optimizer.build_model(sources, targets, params)
        assert model.n_flows <= model.n_pairs
        merged += model.n_pairs - model.n_flows
    assert merged > len(SEEDS)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_solver_point_gives_each_target_its_share_within_each_pool(seed: int) -> None:
    sources, targets, params = generated(seed)
    model = optimizer.build_model(sources, targets, params)
    floors = optimizer._floors(model, params)
    values = optimizer._run(model, floors, time_limit=60, mip_gap=0.0).values
    assert values is not None
    n_p, n_t = model.n_pairs, len(targets)
    x, y = values[:n_p], values[n_p : n_p + n_t]
    received = np.zeros(n_t)
    given = np.zeros(len(model.pools))
    for p, (i, j) in enumerate(model.pairs):
        assert x[p] >= 0
        received[j] += x[p]
        given[i] += x[p]
    cost = np.array([float(c) for c in model.cost]) / 1000
    assert received == pytest.approx(cost * y, abs=1e-7)
    assert np.all(given <= np.array([float(a) for a in model.available]) / 1000 + 1e-7)
    # And back: the point summed by class is the solver's own.
    assert optimizer._disaggregate(model, optimizer._aggregate(model, values)) == pytest.approx(
        values, abs=1e-9
    )


def test_the_trace_follows_the_bounds_to_the_gap_reported() -> None:
    sources, targets, params = generated(6)  # the relaxation is well above the optimum
    solution = solve(sources, targets, params, baseline=greedy(sources, targets, params))
    trace = solution.trace
    assert solution.status == "optimal" and trace
    primal = [b.primal for b in trace if b.primal is not None]
    dual = [b.dual for b in trace if b.dual is not None]
    assert primal == sorted(primal) and dual == sorted(dual, reverse=True)
    assert dual[0] > dual[-1] + 1  # the bound improves as the solver runs
    last = trace[-1]
    assert last.primal is not None and last.dual is not None
    assert last.dual >= last.primal - 1e-6
    assert last.gap == pytest.approx(solution.mip_gap or 0.0, abs=1e-9)
