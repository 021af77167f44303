"""Overlaps: several providers doing the same thing for the same State at the same time.

**Overlaps** (``overlaps``): at least two providers (the provider organization, else the
reporting organisation's identifier, else its name) with current or planned activities for the
same recipient State (recipient States only, not regions) and the same article — or, for
activities without an article, the same instrument — whose periods overlap (start: actual,
else planned, else open; end: actual, else planned, else open). Each overlap lists the
activities that overlap an activity of another provider. ``overlaps_kept``: the same, computed
once while the activities and the reference data are unchanged (``core.figures.kept``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import NamedTuple

from django.utils import timezone

from infobase.activities.coverage.counting import current_activities
from infobase.activities.models import Activity, Recipient, Theme, activity_figure_sources
from infobase.core.figures import kept, warmer
from infobase.core.text import fold
from infobase.reference.models import Article, Instrument, State


# Tuples: ~4,400 overlaps at world scale, kept and shared between processes (core.figures).
class OverlapActivity(NamedTuple):
    pk: int
    iati_identifier: str
    title: Mapping[str, str]
    provider: str
    start: date | None
    end: date | None


class Overlap(NamedTuple):
    state_id: int
    state_iso3: str
    state_name: str
    subject: str  # "article" | "instrument"
    subject_id: int
    subject_label: str
    providers: tuple[str, ...]
    activities: tuple[OverlapActivity, ...]
    start: date | None  # the earliest start of the activities listed (None: open)
    end: date | None  # the latest end (None: open)


def _overlaps(a: tuple[date | None, date | None], b: tuple[date | None, date | None]) -> bool:
    a_start, a_end = a
    b_start, b_end = b
    return (a_start is None or b_end is None or a_start <= b_end) and (
        b_start is None or a_end is None or b_start <= a_end
    )


def overlaps(*, today: date | None = None) -> list[Overlap]:
    """Several providers doing the same thing for the same State in overlapping periods."""
    today = today or timezone.localdate()
    acts = current_activities(today)
    info: dict[int, tuple[str, str, str, date | None, date | None, dict[str, str]]] = {}
    for row in acts.order_by().values_list(
        "pk",
        "iati_identifier",
        "provider_id",
        "provider__acronym",
        "provider__name_en",
        "reporting_org_ref",
        "reporting_org_name",
        "actual_start",
        "planned_start",
        "actual_end",
        "planned_end",
        "title",
    ):
        pk, ident, prov, acronym, name, ref, rname, a_s, p_s, a_e, p_e, title = row
        if prov:
            key, label = f"org:{prov}", acronym or name
        elif ref:
            key, label = f"ref:{fold(ref)}", rname or ref
        elif rname:
            key, label = f"name:{fold(rname)}", rname
        else:
            key, label = f"activity:{pk}", ident
        info[pk] = (ident, key, label, a_s or p_s, a_e or p_e, title or {})
    ids = acts.order_by().values("pk")
    subjects: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for activity_id, article_id in (
        Theme.objects.filter(activity_id__in=ids, article__isnull=False)
        .order_by()
        .values_list("activity_id", "article_id")
        .distinct()
    ):
        subjects[activity_id].append(("article", article_id))
    for activity_id, instrument_id in (
        Activity.instruments.through.objects.filter(activity_id__in=ids)
        .order_by()
        .values_list("activity_id", "instrument_id")
    ):
        if not any(s == "article" for s, _i in subjects.get(activity_id, ())):
            subjects[activity_id].append(("instrument", instrument_id))
    groups: dict[tuple[int, str, int], set[int]] = defaultdict(set)
    for activity_id, state_id in (
        Recipient.objects.filter(activity_id__in=ids, state__isnull=False)
        .order_by()
        .values_list("activity_id", "state_id")
    ):
        for subject, subject_id in subjects.get(activity_id, ()):
            groups[(state_id, subject, subject_id)].add(activity_id)
    found: list[tuple[tuple[int, str, int], list[int]]] = []
    for group, members in groups.items():
        if len({info[a][1] for a in members}) < 2:
            continue
        ordered = sorted(members, key=lambda a: (info[a][3] or date.min, a))
        chosen = [
            a
            for a in ordered
            if any(
                info[b][1] != info[a][1] and _overlaps(info[a][3:5], info[b][3:5]) for b in ordered
            )
        ]
        if chosen:
            found.append((group, chosen))
    if not found:
        return []
    states = {s.pk: s for s in State.objects.filter(pk__in={k[0] for k, _m in found})}
    articles = {
        a.pk: a
        for a in Article.objects.filter(
            pk__in={k[2] for k, _m in found if k[1] == "article"}
        ).select_related("instrument")
    }
    instruments = {i.pk: i for i in Instrument.objects.all()}
    out = []
    for (state_id, subject, subject_id), chosen in found:
        if subject == "article":
            a = articles[subject_id]
            label = f"{a.instrument.code.upper()} {a.number} — {a.translated('title')}"
        else:
            label = str(instruments[subject_id])
        listed = tuple(
            OverlapActivity(
                pk=pk,
                iati_identifier=info[pk][0],
                title=info[pk][5],
                provider=info[pk][2],
                start=info[pk][3],
                end=info[pk][4],
            )
            for pk in chosen
        )
        starts = [x.start for x in listed]
        ends = [x.end for x in listed]
        state = states[state_id]
        out.append(
            Overlap(
                state_id=state_id,
                state_iso3=state.iso3,
                state_name=str(state.translated("name")),
                subject=subject,
                subject_id=subject_id,
                subject_label=label,
                providers=tuple(sorted({x.provider for x in listed})),
                activities=listed,
                start=None if None in starts else min(s for s in starts if s),
                end=None if None in ends else max(e for e in ends if e),
            )
        )
    out.sort(key=lambda o: (o.state_name, o.subject_label))
    return out


def overlaps_kept(*, today: date | None = None) -> list[Overlap]:
    today = today or timezone.localdate()
    return kept(
        name="overlaps",
        params={"today": today},
        sources=activity_figure_sources(),
        compute=lambda: overlaps(today=today),
    )


@warmer
def _overlaps_today() -> list[Overlap]:
    return overlaps_kept()
