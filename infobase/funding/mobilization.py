"""Resource mobilization (decision 2/6, paragraph (c)(iv)): which open needs with a funding gap
match which donors' stated interests.

Each match has its reasons and a score (interest points, below); the list is ordered by score,
then by the need's priority score (the register's, as on the report date:
``needs.selectors.priority_totals``), then by need, then by donor:

- earmarks — a pledge of the donor whose earmark the need satisfies entirely (the rules of
  ``services.earmark_allows``, applied to the need): a named project addressing the need (5),
  thematic (2, plus 1 for each of instrument, article and kind it restricts), geographic (4 when
  it names the need's State, 3 when the need's State is in its regional group), not earmarked
  (1, only while money of the pledge remains unallocated); the donor's best pledge counts;
- past funding — allocations of the donor's pledges to projects addressing needs with the same
  State (2), article (2), regional group (1) or kind of assistance (1); each counted once.

The open needs with a gap are those of ``gaps`` (a need no project addresses has its kind's unit
cost as gap). Donors see only their own matches; reasons never show pledge amounts to someone
who may not see the pledge.

At world scale the list holds over a million matches (50,000 needs × 25 donors). The points are
worked out for every need at once, one array per pledge (``_pledge_points``, the one statement
of the earmark rules), and kept as a needs × donors table of scores; a page of the list builds
only its own matches, with their reasons, from the same rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, overload

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infobase.accounts.permissions import is_donor, is_secretariat
from infobase.funding.gaps import NEED_COLUMNS, ZERO, NeedShares, need_gap, need_shares
from infobase.funding.models import Allocation, Earmark, Pledge, Project
from infobase.funding.money import RatesUsed, cents
from infobase.funding.services import pledges_remaining
from infobase.needs.models import Need, NeedStatus
from infobase.needs.selectors import needs_visible_to, priority_totals

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Points = NDArray[np.int16]


@dataclass(frozen=True)
class Match:
    need_id: int
    donor_id: int
    donor: str
    score: int
    priority: Decimal  # the need's priority score
    gap_usd: Decimal  # rounded to cents
    reasons: tuple[str, ...]  # translated
    pledge_ids: tuple[int, ...]  # the pledges whose earmarks the need satisfies (shown only to
    # those who may see them one by one: ``accounts.permissions.scope_pledges``)


@dataclass(frozen=True)
class _Needs:
    """Needs as parallel arrays (one element per need), in the list's order; regional groups
    and kinds as codes of ``codes``."""

    ids: NDArray[np.int64]
    state: NDArray[np.int64]
    group: NDArray[np.int64]
    instrument: NDArray[np.int64]
    article: NDArray[np.int64]
    kind: NDArray[np.int64]
    codes: Mapping[str, int]

    def code(self, value: str) -> int:
        return self.codes.get(value, -1)

    def only(self, index: int) -> _Needs:
        """The need at ``index`` alone."""
        part = slice(index, index + 1)
        return _Needs(
            self.ids[part],
            self.state[part],
            self.group[part],
            self.instrument[part],
            self.article[part],
            self.kind[part],
            self.codes,
        )


@dataclass(frozen=True)
class _Donor:
    pk: int
    name: str
    pledges: list[Pledge]
    past: Mapping[str, set[Any]]  # features of the needs it funded before (``PAST``)


# Past funding: (feature, points, reason); the feature's value of a need is ``_Needs``' field.
PAST: tuple[tuple[str, int, Any], ...] = (
    ("state", 2, gettext_lazy("funded needs of this State before")),
    ("article", 2, gettext_lazy("funded needs under this article before")),
    ("group", 1, gettext_lazy("funded needs in this regional group before")),
    ("kind", 1, gettext_lazy("funded this kind of assistance before")),
)


def _pledge_points(
    pledge: Pledge,
    needs: _Needs,
    *,
    project_needs: set[int],
    remaining: Decimal | None,
) -> Points:
    """How well ``pledge``'s earmark fits each need (0: the need is outside the earmark)."""
    import numpy as np

    n = len(needs.ids)
    if pledge.earmark == Earmark.PROJECT:
        if not (pledge.project_id and project_needs):
            return np.zeros(n, dtype=np.int16)
        inside = np.isin(needs.ids, np.fromiter(project_needs, dtype=np.int64))
        return np.where(inside, 5, 0).astype(np.int16)
    if pledge.earmark == Earmark.THEMATIC:
        restrictions = []
        if pledge.instrument_id:
            restrictions.append(needs.instrument == pledge.instrument_id)
        if pledge.article_id:
            restrictions.append(needs.article == pledge.article_id)
        if pledge.kind:
            restrictions.append(needs.kind == needs.code(pledge.kind))
        fits = np.logical_and.reduce(restrictions) if restrictions else np.ones(n, dtype=bool)
        return np.where(fits, 2 + len(restrictions), 0).astype(np.int16)
    if pledge.earmark == Earmark.GEOGRAPHIC:
        # As ``services.earmark_allows``: the pledge's States and its regional group's States.
        states = np.fromiter((s.pk for s in pledge.states.all()), dtype=np.int64)
        points = np.where(np.isin(needs.state, states), 4, 0)
        if pledge.regional_group:
            in_group = needs.group == needs.code(pledge.regional_group)
            points = np.where((points == 0) & in_group, 3, points)
        return points.astype(np.int16)
    # Not earmarked: any need, while money remains.
    return np.full(n, 1 if remaining is not None and remaining > 0 else 0, dtype=np.int16)


def _pledge_reasons(pledge: Pledge, points: int) -> list[str]:
    """Why ``pledge`` fits a need it gave ``points`` (> 0) by ``_pledge_points``."""
    if pledge.earmark == Earmark.PROJECT:
        return [_("earmarked for a project that addresses this need")]
    if pledge.earmark == Earmark.THEMATIC:
        reasons = []
        if pledge.instrument_id:
            reasons.append(_("thematic earmark: the same instrument"))
        if pledge.article_id:
            reasons.append(_("thematic earmark: the same article"))
        if pledge.kind:
            reasons.append(_("thematic earmark: the same kind of assistance"))
        return reasons or [_("thematic earmark without restriction")]
    if pledge.earmark == Earmark.GEOGRAPHIC:
        if points == 4:
            return [_("geographic earmark: this State")]
        return [_("geographic earmark: this regional group")]
    return [_("a pledge that is not earmarked still has unallocated money")]


def _past_points(
    donor: _Donor, needs: _Needs, features: Sequence[tuple[str, int, Any]] = PAST
) -> Points:
    """The points of ``donor``'s past funding for each need (``PAST``)."""
    import numpy as np

    total = np.zeros(len(needs.ids), dtype=np.int16)
    for feature, points, _reason in features:
        values = donor.past.get(feature, set())
        if feature in ("group", "kind"):
            values = {needs.code(v) for v in values}
        if values:
            known = np.fromiter(values, dtype=np.int64)
            total += np.where(np.isin(getattr(needs, feature), known), points, 0).astype(np.int16)
    return total


class _Context:
    """What scoring a need for a donor reads: the pledges' projects' needs and the money left
    of the pledges that are not earmarked."""

    def __init__(self, pledges: list[Pledge]) -> None:
        self.project_needs: dict[int, set[int]] = defaultdict(set)
        for project_id, need_id in Project.needs.through.objects.filter(
            project_id__in={p.project_id for p in pledges if p.project_id}
        ).values_list("project_id", "need_id"):
            self.project_needs[project_id].add(need_id)
        self.remaining = pledges_remaining([p for p in pledges if p.earmark == Earmark.NONE])

    def points(self, pledge: Pledge, needs: _Needs) -> Points:
        return _pledge_points(
            pledge,
            needs,
            project_needs=self.project_needs.get(pledge.project_id or 0, set()),
            remaining=self.remaining.get(pledge.pk),
        )


class MatchList(Sequence[Match]):
    """Every (need, donor) with a positive score, in the list's order; a slice builds its own
    matches. ``scores`` is the needs × donors table, rows and columns in the list's order."""

    def __init__(
        self,
        *,
        needs: _Needs,
        donors: list[_Donor],
        scores: NDArray[np.int16],
        priority: Mapping[int, Decimal],
        context: _Context,
        shares: NeedShares,
    ) -> None:
        import numpy as np

        self.needs, self.donors, self.scores = needs, donors, scores
        self.priority, self.context, self.shares = priority, context, shares
        levels, counts = np.unique(scores[scores > 0], return_counts=True)
        self.levels = [(int(s), int(c)) for s, c in zip(levels[::-1], counts[::-1], strict=True)]

    def __len__(self) -> int:
        return sum(count for _level, count in self.levels)

    @overload
    def __getitem__(self, index: int) -> Match: ...

    @overload
    def __getitem__(self, index: slice) -> list[Match]: ...

    def __getitem__(self, index: int | slice) -> Match | list[Match]:
        import numpy as np

        if isinstance(index, int):
            at = range(len(self))[index]  # IndexError outside the list
            return self[at : at + 1][0]
        start, stop, _step = index.indices(len(self))
        cells: list[tuple[int, int]] = []
        before = 0  # matches of the higher levels
        flat = self.scores.ravel()
        for level, count in self.levels:
            low, high = max(start - before, 0), min(stop - before, count)
            if low < high:
                # Row-major order within a level: by need (the list's order), then by donor.
                found = np.flatnonzero(flat == level)[low:high]
                cells += [divmod(int(i), len(self.donors)) for i in found]
            before += count
            if before >= stop:
                break
        return self._matches(cells)

    def _matches(self, cells: list[tuple[int, int]]) -> list[Match]:
        if not cells:
            return []
        ids = [int(self.needs.ids[i]) for i, _j in cells]
        gaps = {
            row[0]: need_gap(row, self.shares)
            for row in Need.objects.filter(pk__in=ids).values_list(*NEED_COLUMNS)
        }
        out = []
        for (i, j), need_id in zip(cells, ids, strict=True):
            donor, one = self.donors[j], self.needs.only(i)
            best, reasons, fitting = 0, [], []
            for pledge in donor.pledges:
                points = int(self.context.points(pledge, one)[0])
                if points:
                    fitting.append(pledge.pk)
                if points > best:
                    best, reasons = points, _pledge_reasons(pledge, points)
            past = int(_past_points(donor, one)[0])
            reasons += [str(item[2]) for item in PAST if _past_points(donor, one, (item,))[0]]
            out.append(
                Match(
                    need_id=need_id,
                    donor_id=donor.pk,
                    donor=donor.name,
                    score=best + past,
                    priority=self.priority.get(need_id, ZERO),
                    gap_usd=cents(gaps[need_id].gap_usd),
                    reasons=tuple(reasons),
                    pledge_ids=tuple(fitting),
                )
            )
        return out


def _open_needs_with_gap(
    *, on: date, user: Any, shares: NeedShares
) -> tuple[_Needs, dict[int, Decimal]]:
    """The open needs ``user`` may see that have a funding gap on ``on``, in order of priority
    (highest first, then by id), with their priority scores."""
    import numpy as np

    visible = needs_visible_to(user).filter(status=NeedStatus.OPEN)
    rows = list(
        visible.order_by().values_list(
            "pk",
            "state_id",
            "state__regional_group",
            "article__instrument_id",
            "article_id",
            "kind",
        )
    )
    linked = Project.needs.through.objects.values("need_id")
    addressed = {
        row[0]: need_gap(row, shares)
        for row in visible.filter(pk__in=linked).values_list(*NEED_COLUMNS)
    }
    # A need no project addresses has its kind's unit cost as gap (``gaps``).
    costly = {kind for kind, cost in shares.costs.items() if cents(cost) > 0}
    rows = [
        row
        for row in rows
        if (addressed[row[0]].gap_usd > 0 if row[0] in addressed else row[5] in costly)
    ]
    priority = priority_totals(needs_qs=visible, on=on)
    rows.sort(key=lambda row: (-priority.get(row[0], ZERO), row[0]))
    codes: dict[str, int] = {}
    for row in rows:
        codes.setdefault(row[2] or "", len(codes))
        codes.setdefault(row[5], len(codes))

    def column(index: int, coded: bool = False) -> NDArray[np.int64]:
        values = (codes[str(row[index] or "")] if coded else row[index] for row in rows)
        return np.fromiter(values, dtype=np.int64, count=len(rows))

    needs = _Needs(
        ids=column(0),
        state=column(1),
        group=column(2, coded=True),
        instrument=column(3),
        article=column(4),
        kind=column(5, coded=True),
        codes=codes,
    )
    return needs, priority


def _donors(user: Any, on: date) -> list[_Donor]:
    """The donors whose matches ``user`` may see, by name, with their pledges and past funding."""
    pledges = Pledge.objects.select_related("donor").prefetch_related("states").order_by("pk")
    if is_donor(user) and not is_secretariat(user):
        pledges = pledges.filter(donor_id=getattr(user, "organization_id", None) or 0)
    by_donor: dict[int, list[Pledge]] = defaultdict(list)
    for pledge in pledges:
        by_donor[pledge.donor_id].append(pledge)
    past: dict[int, dict[str, set[Any]]] = defaultdict(lambda: defaultdict(set))
    for donor_id, state_id, group, article_id, kind in (
        Allocation.objects.filter(pledge__donor_id__in=list(by_donor), allocated_on__lte=on)
        .filter(project__needs__isnull=False)
        .values_list(
            "pledge__donor_id",
            "project__needs__state_id",
            "project__needs__state__regional_group",
            "project__needs__article_id",
            "project__needs__kind",
        )
        .distinct()
    ):
        past[donor_id]["state"].add(state_id)
        past[donor_id]["group"].add(group or "")
        past[donor_id]["article"].add(article_id)
        past[donor_id]["kind"].add(kind)
    donors = [
        _Donor(pk, str(pledges_of[0].donor), pledges_of, past.get(pk, {}))
        for pk, pledges_of in by_donor.items()
    ]
    return sorted(donors, key=lambda d: (d.name, d.pk))


def mobilization_matches(*, user: Any, on: date | None = None) -> MatchList:
    """Open needs with a funding gap that ``user`` may see, matched with donors' interests, in
    the list's order (see the module docstring). The secretariat and the working group see
    every donor's matches; a donor only its own. Raises ``money.MissingRate`` as the gaps do."""
    import numpy as np
    from django.utils import timezone

    on = on or timezone.localdate()
    # Projects' money shared among the needs the reader may see, as on the gaps page.
    shares = need_shares(on, RatesUsed(), needs_visible_to(user))
    needs, priority = _open_needs_with_gap(on=on, user=user, shares=shares)
    donors = _donors(user, on)
    context = _Context([p for d in donors for p in d.pledges])
    scores = np.zeros((len(needs.ids), len(donors)), dtype=np.int16)
    for j, donor in enumerate(donors):
        if len(needs.ids):
            best = np.zeros(len(needs.ids), dtype=np.int16)
            for pledge in donor.pledges:
                np.maximum(best, context.points(pledge, needs), out=best)
            scores[:, j] = best + _past_points(donor, needs)
    return MatchList(
        needs=needs, donors=donors, scores=scores, priority=priority, context=context, shares=shares
    )


def mobilization_list(*, user: Any, on: date | None = None) -> list[Match]:
    """``mobilization_matches``, every match built."""
    return mobilization_matches(user=user, on=on)[:]
