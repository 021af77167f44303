"""Multi-year work programmes and their priority themes.

A programme approved by the Conference lists priority themes, each expressed by up to four
dimensions — an instrument, a set of articles, a kind of assistance, a regional group — and a
weight. A theme *matches* a need when every dimension it sets matches the need (an empty
dimension matches everything). A need's programme weight is the largest weight of the themes
that match it (``theme_weight``), taken from the themes of every active programme
(``active_themes``).

``demo_programme`` ships the priority areas of the working group's intersessional meeting of
3–5 October 2007 (CTOC/COP/WG.2/2007/2) as an illustrative programme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.db import transaction

from infobase.needs.models import PriorityTheme, ScoringWeights, WorkProgramme
from infobase.reference.models import Article, Instrument


class Matchable(Protocol):
    """What a theme is matched against (``scoring.NeedFacts`` has these)."""

    @property
    def instrument_code(self) -> str: ...
    @property
    def article_id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def regional_group(self) -> str: ...


@dataclass(frozen=True)
class ThemeSpec:
    """A priority theme as plain data (no ORM): empty dimensions match everything."""

    title: str
    weight: Decimal
    instrument_code: str = ""
    article_ids: frozenset[int] = frozenset()
    kind: str = ""
    regional_group: str = ""

    def matches(self, need: Matchable) -> bool:
        return (
            (not self.instrument_code or self.instrument_code == need.instrument_code)
            and (not self.article_ids or need.article_id in self.article_ids)
            and (not self.kind or self.kind == need.kind)
            and (not self.regional_group or self.regional_group == need.regional_group)
        )


def theme_weight(need_facts: Matchable, themes: list[ThemeSpec]) -> tuple[Decimal, list[str]]:
    """The largest weight of the themes matching the need (0 when none does), and the titles
    of the matching themes, heaviest first."""
    matching = sorted(
        (t for t in themes if t.matches(need_facts)), key=lambda t: (-t.weight, t.title)
    )
    if not matching:
        return Decimal("0"), []
    return matching[0].weight, [t.title for t in matching]


def themes_of(programmes: list[WorkProgramme]) -> list[ThemeSpec]:
    """The themes of the given programmes as ``ThemeSpec`` (two queries)."""
    themes = (
        PriorityTheme.objects.filter(programme__in=programmes)
        .select_related("instrument")
        .prefetch_related("articles")
        .order_by("programme_id", "-weight", "title", "pk")
    )
    return [
        ThemeSpec(
            title=t.title,
            weight=t.weight,
            instrument_code=t.instrument.code if t.instrument else "",
            article_ids=frozenset(a.pk for a in t.articles.all()),
            kind=t.kind,
            regional_group=t.regional_group,
        )
        for t in themes
    ]


def active_themes() -> list[ThemeSpec]:
    """The themes of every programme that guides the current priorities."""
    return themes_of(list(WorkProgramme.objects.filter(is_active=True)))


# --- The demo programme -----------------------------------------------------------------

DEMO_PROGRAMME_NAME = (
    "Priority areas identified at the intersessional meeting of the working group, "
    "3–5 October 2007 (CTOC/COP/WG.2/2007/2)"
)
DEMO_SESSION = "Working group, intersessional meeting 2007"
DEMO_REASON = "Illustrative demo data"


@dataclass(frozen=True)
class DemoTheme:
    title: str
    weight: str
    instrument: str = ""
    articles: tuple[int, ...] = ()  # article numbers of ``instrument`` (the Convention if unset)
    kind: str = ""


# The six priority areas of the secretariat's paper, mapped to the register's dimensions. The
# weights are illustrative (the paper does not weigh the areas). Choices made:
# - gathering information on implementation: article 32 (the Conference's mechanism to review
#   implementation, to which States report), every kind of assistance;
# - strengthening criminal justice responses: the Convention's criminalization articles (5, 6,
#   8, 23) and prosecution, adjudication and sanctions (11);
# - central authorities for mutual legal assistance and extradition: articles 16 and 18;
# - capacity to collect data on organized crime: article 28;
# - the Protocols: one theme per Protocol (a theme has a single instrument), all articles;
# - mobilization of resources: article 30 (implementation through economic development and
#   technical assistance, including voluntary contributions).
DEMO_THEMES = (
    DemoTheme("Strengthening criminal justice responses", "3", "untoc", (5, 6, 8, 11, 23)),
    DemoTheme(
        "Central authorities for mutual legal assistance and extradition",
        "3",
        "untoc",
        (16, 18),
    ),
    DemoTheme("Gathering information on implementation", "2", "untoc", (32,)),
    DemoTheme("Capacity to collect data on organized crime", "2", "untoc", (28,)),
    DemoTheme("The Protocols: trafficking in persons", "1.5", "tip"),
    DemoTheme("The Protocols: smuggling of migrants", "1.5", "som"),
    DemoTheme("The Protocols: firearms", "1.5", "firearms"),
    DemoTheme("Mobilization of resources", "1", "untoc", (30,)),
)


@transaction.atomic
def demo_programme() -> WorkProgramme:
    """Create (once) the demo programme, its themes, and the active default scoring weights.

    Running it again changes nothing; a theme deleted by hand is created again.
    """
    programme = WorkProgramme.objects.filter(name=DEMO_PROGRAMME_NAME, is_demo=True).first()
    if programme is None:
        programme = WorkProgramme(
            name=DEMO_PROGRAMME_NAME,
            approved_at="Open-ended interim working group on technical assistance, "
            "intersessional meeting (Vienna)",
            approved_on=date(2007, 10, 5),
            starts=2007,
            ends=2008,
            description=(
                "Illustrative: the priority areas proposed in the secretariat's paper "
                "CTOC/COP/WG.2/2007/2 for the intersessional meeting of 3–5 October 2007, "
                "mapped to instruments, articles and kinds of assistance. The weights are "
                "invented for the demonstration."
            ),
            is_active=True,
            is_demo=True,
        )
        programme._change_reason = DEMO_REASON  # type: ignore[attr-defined]
        programme.save()
    instruments = {i.code: i for i in Instrument.objects.all()}
    articles = {
        (a.instrument.code, a.number): a for a in Article.objects.select_related("instrument")
    }
    existing = {t.title for t in programme.themes.all()}
    for spec in DEMO_THEMES:
        if spec.title in existing:
            continue
        theme = PriorityTheme(
            programme=programme,
            title=spec.title,
            instrument=instruments[spec.instrument] if spec.instrument else None,
            kind=spec.kind,
            weight=Decimal(spec.weight),
        )
        theme._change_reason = DEMO_REASON  # type: ignore[attr-defined]
        theme.save()
        code = spec.instrument or "untoc"
        theme.articles.set([articles[(code, n)] for n in spec.articles])
    if not ScoringWeights.objects.filter(session=DEMO_SESSION).exists():
        weights = ScoringWeights(session=DEMO_SESSION, is_active=True)
        weights._change_reason = DEMO_REASON  # type: ignore[attr-defined]
        weights.save()
    return programme
