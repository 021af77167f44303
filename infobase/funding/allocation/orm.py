"""The allocation's ORM glue: the problem loaded from the database, proposals stored and
accepted, the stored trade-off curve."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from infobase.funding.allocation.core import (
    CENT,
    CURVE_LEVELS,
    METHODS,
    NEED,
    PROJECT,
    SOLVED_STATUSES,
    STEP_LOADING,
    STEP_STORING,
    Curve,
    Parameters,
    Progress,
    Solution,
    Source,
    Target,
    cents_down,
    cents_up_half,
    greedy,
    point_of,
)

if TYPE_CHECKING:
    from infobase.funding.models import Proposal

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
# needs the same rules applied to the need alone (``need_allowed``). The published targets are
# the same projects weighed and placed by their public needs only, and the public needs.


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
    # The targets as everyone may see them (weights and places from the public needs alone,
    # confidential needs left out): what the published curve is weighed on.
    published: list[Target] = field(default_factory=list)


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
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Sum

    from infobase.funding import gaps, services
    from infobase.funding.models import Allocation, Pledge, PledgeStatus, Project, ProjectStatus
    from infobase.funding.money import RatesUsed, to_usd_exact
    from infobase.needs.models import Need, NeedStatus
    from infobase.needs.scoring import scored_register
    from infobase.needs.selectors import needs_visible_to

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
    # A public need's score does not depend on the confidential ones (``needs.scoring``).
    public = set(
        needs_visible_to(AnonymousUser())
        .filter(status=NeedStatus.OPEN)
        .values_list("pk", flat=True)
    )

    def place_fractions(states: list[Any]) -> tuple[dict[str, float], dict[str, float]]:
        groups: dict[str, float] = defaultdict(float)
        families: dict[str, float] = defaultdict(float)
        for state in states:
            if state.regional_group:
                groups[state.regional_group] += 1 / len(states)
            for family in state.legal_families:
                families[str(family.value)] += 1 / len(states)
        return dict(groups), dict(families)

    def project_target(project: Any, cost: Decimal, needs: list[Any]) -> Target:
        weight = sum(
            (scored[n.pk][0].explanation.total for n in needs if n.pk in scored), Decimal(0)
        )
        states = [n.state for n in needs] or sorted(project.states.all(), key=lambda s: s.pk)
        groups, families = place_fractions(states) if states else ({}, {})
        return Target(
            id=target_id("project", project.pk),
            kind=PROJECT,
            cost_usd=cost,
            weight=weight,
            regional_group=groups,
            legal_families=families,
            instruments=tuple(sorted({n.article.instrument.code for n in needs})),
            label=project.code,
        )

    targets: list[Target] = []
    published: list[Target] = []
    for row in project_rows:
        project = project_objs[row.project_id]
        needs = sorted(project.needs.all(), key=lambda n: n.pk)
        targets.append(project_target(project, row.gap_usd, needs))
        published.append(project_target(project, row.gap_usd, [n for n in needs if n.pk in public]))

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
            if need.pk in public:
                published.append(targets[-1])

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
                available_usd=cents_down(usd),
                allows=frozenset(allowed),
                label=f"{pledge.donor} · {remaining[pledge.pk]} {pledge.currency}",
                earmark=pledge.earmark or "none",
                earmark_detail=earmark_detail(pledge),
                facts={
                    "donor": str(pledge.donor),
                    "amount": str(remaining[pledge.pk]),
                    "currency": pledge.currency,
                    **earmark_facts(pledge),
                },
            )
        )
    return Problem(sources, targets, rates, on, include_needs, published)


def earmark_facts(pledge: Any) -> dict[str, Any]:
    """What a pledge is earmarked to, as codes a page names in its reader's language: a
    project's code; an instrument's code, an article's number and a kind of assistance; a
    regional group and States' ISO codes."""
    from infobase.funding.models import Earmark

    if pledge.earmark == Earmark.PROJECT:
        return {"project": pledge.project.code if pledge.project else ""}
    if pledge.earmark == Earmark.THEMATIC:
        return {
            "instrument": pledge.instrument.code if pledge.instrument else "",
            "article": pledge.article.number if pledge.article else "",
            "kind": pledge.kind or "",
        }
    if pledge.earmark == Earmark.GEOGRAPHIC:
        return {
            "regional_group": pledge.regional_group or "",
            "states": sorted(s.iso3 for s in pledge.states.all()),
        }
    return {}


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
            "available_usd": str(cents_down(s.available_usd)),
            "earmark": s.earmark,
            "earmark_detail": s.earmark_detail,
            "facts": dict(s.facts),
        }
        for s in problem.sources
    }
    funded = {t for (_s, t) in solution.amounts}
    report["targets"] = {
        str(t.id): {
            "label": t.label,
            "kind": t.kind,
            "cost_usd": str(cents_up_half(t.cost_usd)),
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
    # numpy, SciPy and HiGHS load here, when a solve runs, not when the web or a command starts.
    from infobase.funding.allocation import solver

    baseline = greedy(problem.sources, problem.targets, params)
    model = (
        solver.build_model(problem.sources, problem.targets, params) if problem.targets else None
    )
    solutions: dict[str, Solution] = {}
    for method in request.methods:
        if method == "greedy":
            solutions[method] = baseline
        else:
            solutions[method] = solver.solve(
                problem.sources,
                problem.targets,
                params,
                baseline=baseline,
                progress=_scaled(progress, 10, 50 if request.curve else 95),
                _model=model,
            )
    curve = None
    if request.curve and "optimizer" in request.methods:
        curve = solver.tradeoff_curve(
            problem.sources,
            problem.targets,
            params,
            levels=request.levels,
            baseline=baseline,
            progress=_scaled(progress, 50, 95),
            published=problem.published,
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
    from django.utils.translation import gettext_noop

    from infobase.core.errors import InputProblem, InvalidInput
    from infobase.core.history import reason_with
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
                            reason=reason_with(
                                gettext_noop("Accepted proposal %(pk)s"), pk=proposal.pk
                            ),
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
