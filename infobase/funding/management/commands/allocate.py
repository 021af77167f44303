"""``infobase allocate [--equity-group 0.8] [--equity-family 0.5] [--min untoc=100000 ...]
[--include-needs] [--method optimizer|greedy|both] [--on YYYY-MM-DD] [--time-limit 60]
[--save USERNAME]``: propose how to allocate the open pledges (``funding.allocation``) and print
the summary — status, objective, gap, funded targets, binding constraints and the comparison
with the greedy baseline. Nothing is allocated; ``--save`` stores the proposals (as that user,
who must be allowed to allocate) so that the secretariat can accept one on the screen."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.funding import allocation
from infobase.funding.money import MissingRate


class Command(BaseCommand):
    help = "Propose an allocation of the open pledges (optimizer and greedy baseline)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--equity-group", type=float, default=0.0)
        parser.add_argument("--equity-family", type=float, default=0.0)
        parser.add_argument(
            "--min", action="append", default=[], metavar="CODE=USD", dest="minimums"
        )
        parser.add_argument("--include-needs", action="store_true")
        parser.add_argument("--method", choices=["optimizer", "greedy", "both"], default="both")
        parser.add_argument("--on", help="date of the exchange rates (YYYY-MM-DD; default today)")
        parser.add_argument("--time-limit", type=float, default=60.0)
        parser.add_argument("--save", metavar="USERNAME", help="store the proposals as this user")

    def handle(self, *args: Any, **options: Any) -> None:
        minimums: dict[str, float] = {}
        for entry in options["minimums"]:
            code, _sep, amount = entry.partition("=")
            try:
                minimums[code.strip().lower()] = float(amount.replace(",", ""))
            except ValueError as exc:
                raise CommandError(f"--min {entry}: expected CODE=USD, e.g. untoc=100000") from exc
        try:
            params = allocation.Parameters(
                equity_fraction_group=options["equity_group"],
                equity_fraction_family=options["equity_family"],
                instrument_minimums=minimums,
                time_limit=options["time_limit"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        on = date.today()
        if options.get("on"):
            try:
                on = date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError(f"--on: not a date (YYYY-MM-DD): {options['on']}") from exc
        methods = list(allocation.METHODS) if options["method"] == "both" else [options["method"]]
        try:
            problem = allocation.load_problem(on=on, include_needs=options["include_needs"])
        except MissingRate as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{len(problem.sources)} pledges with money left, {len(problem.targets)} targets "
            f"({sum(t.kind == 'project' for t in problem.targets)} projects); rates of {on}: "
            + (", ".join(f"{r['currency']} {r['per_usd']}" for r in problem.rates.as_list()) or "-")
        )
        labels = {t.id: t.label for t in problem.targets}
        solutions = {}
        for method in methods:
            solution = (
                allocation.solve(problem.sources, problem.targets, params)
                if method == "optimizer"
                else allocation.greedy(problem.sources, problem.targets, params)
            )
            solutions[method] = solution
            self._print(solution, labels)
        if len(solutions) == 2:
            opt, base = solutions["optimizer"].objective, solutions["greedy"].objective
            change = f"{(opt / base - 1) * 100:+.2f} %" if base else "n/a"
            self.stdout.write(
                f"\noptimizer vs greedy: {opt:,.3f} vs {base:,.3f} priority-weighted needs met "
                f"({change})"
            )
        if options.get("save"):
            from infobase.accounts.models import User

            try:
                user = User.objects.get(username=options["save"])
            except User.DoesNotExist as exc:
                raise CommandError(f"--save: no user {options['save']!r}") from exc
            if not user.has_perm("funding.allocate"):
                raise CommandError(f"--save: {user.username} may not allocate")
            proposals = allocation.compare(
                user=user,
                params=params,
                methods=methods,
                on=on,
                include_needs=options["include_needs"],
            )
            self.stdout.write("saved proposals: " + ", ".join(str(p.pk) for p in proposals))

    def _print(self, s: allocation.Solution, labels: dict[Any, str]) -> None:
        gap = "-" if s.mip_gap is None else f"{s.mip_gap * 100:.3f} %"
        self.stdout.write(
            f"\n[{s.method}] status {s.status}; objective {s.objective:,.3f}; gap {gap}; "
            f"allocated {s.total_usd:,.2f} USD; {s.seconds:.2f} s"
        )
        for combo in s.infeasible_because:
            names = " + ".join(f"{c.kind} {c.key}" for c in combo)
            self.stdout.write(f"  infeasible: dropping {names} makes it feasible")
        for key in s.unreachable:
            self.stdout.write(f"  no pledge can reach {key.kind} {key.key}")
        funded = [(t, f) for t, f in s.funded.items() if f > 0]
        self.stdout.write(f"  funded targets: {len(funded)}")
        for t, f in sorted(funded, key=lambda tf: (-tf[1], str(tf[0])))[:30]:
            self.stdout.write(f"    {labels.get(t, t)}: {f * 100:.1f} %")
        if len(funded) > 30:
            self.stdout.write(f"    … and {len(funded) - 30} more")
        for b in s.binding:
            without = (
                "" if b.objective_without is None else f"; without it: {b.objective_without:,.3f}"
            )
            self.stdout.write(
                f"  binds: {b.constraint.kind} {b.constraint.key} "
                f"({b.value_usd:,.2f} of {b.limit_usd:,.2f} USD{without})"
            )
        for row in allocation.unmet_floors(s):
            self.stdout.write(
                f"  misses the floor of {row.key}: {row.funds_usd:,.2f} < {row.floor_usd:,.2f}"
            )
