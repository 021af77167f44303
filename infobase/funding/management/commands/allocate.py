"""``infobase allocate [--equity-group 0.8] [--equity-family 0.5] [--min untoc=100000 ...]
[--include-needs] [--method optimizer|greedy|both] [--on YYYY-MM-DD] [--time-limit 60]
[--levels 0,0.2,0.4,0.6,0.8,1] [--no-curve] [--save USERNAME]``: propose how to allocate the open
pledges (``funding.allocation``, the computation the web's background job runs) and print the
summary — status, objective, gap, funded targets, binding constraints, the optimizer against
the greedy baseline, each floor that cannot be met with its shortfall and reason, and the
trade-off curve. Nothing is allocated; ``--save`` stores the proposals (as that user, who must
be allowed to allocate) so that the secretariat can accept one on the screen."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from infobase.funding import allocation
from infobase.funding.allocation import plain_number
from infobase.funding.money import MissingRate


class Command(BaseCommand):
    help = "Propose an allocation of the open pledges (optimizer, greedy baseline, trade-off)."

    def add_arguments(self, parser: CommandParser) -> None:
        # The defaults of the allocation screen.
        parser.add_argument("--equity-group", type=float, default=0.8)
        parser.add_argument("--equity-family", type=float, default=0.5)
        parser.add_argument(
            "--min", action="append", default=[], metavar="CODE=USD", dest="minimums"
        )
        parser.add_argument("--include-needs", action="store_true")
        parser.add_argument("--method", choices=["optimizer", "greedy", "both"], default="both")
        parser.add_argument("--on", help="date of the exchange rates (YYYY-MM-DD; default today)")
        parser.add_argument("--time-limit", type=float, default=60.0)
        parser.add_argument(
            "--levels",
            default=",".join(f"{v:g}" for v in allocation.CURVE_LEVELS),
            help="floor levels of the trade-off curve, between 0 and 1, comma-separated",
        )
        parser.add_argument("--no-curve", action="store_true", help="skip the trade-off curve")
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
            levels = tuple(float(v) for v in options["levels"].split(",") if v.strip())
        except ValueError as exc:
            raise CommandError(f"--levels {options['levels']}: numbers between 0 and 1") from exc
        on = date.today()
        if options.get("on"):
            try:
                on = date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError(f"--on: not a date (YYYY-MM-DD): {options['on']}") from exc
        methods = allocation.METHODS if options["method"] == "both" else (options["method"],)
        try:
            params = allocation.Parameters(
                equity_fraction_group=options["equity_group"],
                equity_fraction_family=options["equity_family"],
                instrument_minimums=minimums,
                time_limit=options["time_limit"],
            )
            request = allocation.AllocationRequest(
                params=params,
                methods=tuple(methods),
                on=on,
                include_needs=options["include_needs"],
                curve=not options["no_curve"] and bool(levels),
                levels=levels or allocation.CURVE_LEVELS,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        user = None
        if options.get("save"):
            from infobase.accounts.models import User

            try:
                user = User.objects.get(username=options["save"])
            except User.DoesNotExist as exc:
                raise CommandError(f"--save: no user {options['save']!r}") from exc
            if not user.has_perm("funding.allocate"):
                raise CommandError(f"--save: {user.username} may not allocate")
        try:
            run = allocation.run_allocation(request=request)
        except MissingRate as exc:
            raise CommandError(str(exc)) from exc
        problem = run.problem
        self.stdout.write(
            f"{len(problem.sources)} pledges with money left, {len(problem.targets)} targets "
            f"({sum(t.kind == 'project' for t in problem.targets)} projects); rates of {on}: "
            + (", ".join(f"{r['currency']} {r['per_usd']}" for r in problem.rates.as_list()) or "-")
        )
        self.stdout.write(
            f"floors: regional groups {plain_number(params.equity_fraction_group, 2)}, "
            f"legal systems {plain_number(params.equity_fraction_family, 2)} of their fair share"
            + "".join(f"; minimum {k} {plain_number(v, 2)} USD" for k, v in minimums.items())
        )
        labels = {t.id: t.label for t in problem.targets}
        sources = {s.id: s for s in problem.sources}
        for solution in run.solutions.values():
            self._print(solution, labels, sources)
        if len(run.solutions) == 2:
            opt, base = run.solutions["optimizer"], run.solutions["greedy"]
            change = (
                f"{(opt.objective / base.objective - 1) * 100:+.2f} %" if base.objective else "n/a"
            )
            self.stdout.write(
                f"\noptimizer vs greedy: {plain_number(opt.objective, 3)} vs "
                f"{plain_number(base.objective, 3)} priority-weighted needs met ({change}); "
                f"{plain_number(opt.total_usd, 2)} vs {plain_number(base.total_usd, 2)} USD "
                "allocated"
            )
        if run.curve is not None:
            self._print_curve(run)
        if user is not None:
            proposals = allocation.store_run(user=user, run=run)
            self.stdout.write("saved proposals: " + ", ".join(str(p.pk) for p in proposals))

    def _print(
        self, s: allocation.Solution, labels: dict[Any, str], sources: dict[Any, Any]
    ) -> None:
        gap = "-" if s.mip_gap is None else f"{plain_number(s.mip_gap * 100, 3)} %"
        self.stdout.write(
            f"\n[{s.method}] status {s.status}; objective {plain_number(s.objective, 3)}; "
            f"gap {gap}; allocated {plain_number(s.total_usd, 2)} USD; "
            f"{plain_number(s.seconds, 2)} s"
        )
        funded = [(t, f) for t, f in s.funded.items() if f > 0]
        self.stdout.write(f"  funded targets: {len(funded)}")
        for t, f in sorted(funded, key=lambda tf: (-tf[1], str(tf[0])))[:30]:
            self.stdout.write(f"    {labels.get(t, t)}: {plain_number(f * 100, 1)} %")
        if len(funded) > 30:
            self.stdout.write(f"    … and {len(funded) - 30} more")
        for b in s.binding:
            without = (
                ""
                if b.objective_without is None
                else f"; without it: {plain_number(b.objective_without, 3)}"
            )
            self.stdout.write(
                f"  binds: {b.constraint.kind} {b.constraint.key} "
                f"({plain_number(b.value_usd, 2)} of {plain_number(b.limit_usd, 2)} USD{without})"
            )
        for short in s.shortfalls:
            self.stdout.write(
                f"  cannot meet {short.constraint.kind} {short.constraint.key}: "
                f"{plain_number(short.funds_usd, 2)} of {plain_number(short.floor_usd, 2)} USD, "
                f"short {plain_number(short.shortfall_usd, 2)} USD — {REASONS[short.reason]}"
                + self._pledges(" pledges", short.pledges, sources)
                + self._pledges(
                    f" earmarked away ({plain_number(short.blocking_usd, 2)} USD in all), largest",
                    short.blocking,
                    sources,
                )
            )

    @staticmethod
    def _pledges(title: str, ids: list[str], sources: dict[Any, Any]) -> str:
        if not ids:
            return ""
        names = []
        for key in ids:
            source = sources.get(key)
            earmark = ""
            if source is not None and source.earmark not in ("", "none"):
                detail = f": {source.earmark_detail}" if source.earmark_detail else ""
                earmark = f" [{source.earmark}{detail}]"
            names.append(f"{key}{earmark}")
        return f";{title}: " + ", ".join(names)

    def _print_curve(self, run: allocation.AllocationRun) -> None:
        assert run.curve is not None
        self.stdout.write(
            f"\ntrade-off curve (every group and legal-system floor at each level; "
            f"{plain_number(run.curve.seconds, 2)} s):"
        )
        self.stdout.write(
            f"  {'level':>5}  {'needs met':>12}  {'USD allocated':>18}  {'equity groups':>13}  "
            f"{'families':>8}  {'floors missed':>13}  {'short USD':>16}"
        )
        rows = [(plain_number(p.level, 2), p) for p in run.curve.points]
        rows.append(("greedy", allocation.point_of(0.0, run.baseline)))
        for level, p in rows:
            missed = "-" if level == "greedy" else str(p.shortfalls)
            short = "-" if level == "greedy" else plain_number(p.shortfall_usd, 2)
            self.stdout.write(
                f"  {level:>5}  {plain_number(p.objective, 3):>12}  "
                f"{plain_number(p.total_usd, 2):>18}  "
                f"{plain_number(p.equity_index_groups, 4):>13}  "
                f"{plain_number(p.equity_index_families, 4):>8}  {missed:>13}  {short:>16}"
            )


REASONS = {
    allocation.NO_PLEDGE: "no pledge with money left may fund any of its candidates",
    allocation.TOO_LITTLE: "the pledges that may fund its candidates hold less than any costs",
    allocation.SATURATED: "every candidate the pledges can fund is funded in full",
    allocation.PLEDGES_USED: "the pledges that may fund its other candidates are used in full",
    allocation.INDIVISIBLE: "what is left for its other candidates is less than any costs",
    allocation.TRADE_OFF: "money could reach it only by taking it from floors further below",
    allocation.IGNORED: "the greedy baseline ignores the floors",
}
