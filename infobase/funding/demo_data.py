"""Illustrative demo data for resources and projects: a dated rate table, pledges of real donor
organizations (amounts, dates and earmarks invented) in their own currencies, projects designed
from the demo needs register in every state of their life, and allocations within earmarks.

The picture is meant to show tension: most money is earmarked to themes and regions that suit
the donors (trafficking in persons, extradition and mutual legal assistance, training,
Asia-Pacific), while African needs, above all firearms and institution building, stay
underfunded.

Idempotent and deterministic: rates are found by currency and date, pledges by the key at the
start of their notes, projects by code; allocations are made once; a project only ever moves
forward to its target status. Needs are chosen from the register by rules (group, States,
instrument, articles, kinds), in a fixed order, so any seed gives a sensible portfolio; a
project with no matching need is skipped.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from infobase.core.errors import InvalidInput
from infobase.demo.services import DemoContext, demo_contributor
from infobase.funding.models import (
    Allocation,
    BudgetLine,
    Earmark,
    ExchangeRate,
    Pledge,
    Project,
    ProjectStatus,
)
from infobase.funding.services import (
    NEXT_STATUS,
    allocate,
    pledge_save,
    project_save,
    project_transition,
)
from infobase.needs.models import LessonLearned, Need, NeedStatus
from infobase.reference.models import Article, Instrument, Organization, State

log = logging.getLogger(__name__)

SOURCE = "Illustrative demo rates"
D = Decimal

# Units per US dollar (illustrative, not official rates).
RATES: dict[date, dict[str, str]] = {
    date(2024, 1, 1): {
        "EUR": "0.920000",
        "GBP": "0.790000",
        "NOK": "10.500000",
        "SEK": "10.400000",
        "JPY": "145.000000",
        "CHF": "0.860000",
        "CAD": "1.350000",
        "AUD": "1.500000",
    },
    date(2025, 1, 1): {
        "EUR": "0.950000",
        "GBP": "0.800000",
        "NOK": "11.200000",
        "SEK": "11.000000",
        "JPY": "155.000000",
        "CHF": "0.900000",
        "CAD": "1.420000",
        "AUD": "1.580000",
    },
}


@dataclass(frozen=True)
class ProjectSpec:
    code: str
    title: dict[str, str]
    status: str
    currency: str
    lines: tuple[tuple[str, str], ...]
    instrument: str
    articles: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    group: str = ""
    limit: int = 6
    starts: date | None = None
    ends: date | None = None
    outputs: str = ""


PROJECTS = [
    ProjectSpec(
        "demo-egy-mla",
        {
            "en": "Extradition and mutual legal assistance reform in Egypt (illustrative)",
            "ar": "إصلاح تسليم المجرمين والمساعدة القانونية المتبادلة في مصر (توضيحي)",
        },
        ProjectStatus.IN_DELIVERY,
        "USD",
        (
            ("Legislative drafting missions", "220000"),
            ("Training of the central authority", "200000"),
        ),
        "untoc",
        articles=(16, 18),
        states=("EGY",),
        starts=date(2024, 9, 1),
        ends=date(2026, 8, 31),
        outputs="Draft extradition law; 60 officials of the central authority trained.",
    ),
    ProjectSpec(
        "demo-sen-sit",
        {
            "en": "Special investigative techniques in Senegal (illustrative)",
            "ar": "أساليب التحرّي الخاصة في السنغال (توضيحي)",
            "fr": "Techniques d'enquête spéciales au Sénégal (illustratif)",
        },
        ProjectStatus.FUNDED,
        "EUR",
        (("Training courses", "180000"), ("Mentoring of investigators", "70000")),
        "untoc",
        articles=(20, 29),
        kinds=("training",),
        states=("SEN",),
        starts=date(2025, 3, 1),
        ends=date(2026, 12, 31),
    ),
    ProjectSpec(
        "demo-weog-extradition",
        {
            "en": "Extradition practice network, Western Europe and others (illustrative)",
            "ar": "شبكة الممارسين في مجال تسليم المطلوبين، أوروبا الغربية ودول أخرى (توضيحي)",
        },
        ProjectStatus.FUNDED,
        "USD",
        (("Network meetings", "350000"), ("Practitioners' guide", "250000")),
        "untoc",
        articles=(16,),
        group="weog",
        starts=date(2024, 6, 1),
        ends=date(2026, 5, 31),
    ),
    ProjectSpec(
        "demo-tip-europe",
        {
            "en": "Victims of trafficking: referral and training in Europe (illustrative)",
            "ar": "ضحايا الاتجار بالأشخاص: الإحالة والتدريب في أوروبا (توضيحي)",
        },
        ProjectStatus.APPROVED,
        "USD",
        (("National referral mechanisms", "500000"), ("Training of labour inspectors", "400000")),
        "tip",
        articles=(6, 9),
        group="eastern_european",
        starts=date(2025, 1, 1),
        ends=date(2027, 12, 31),
    ),
    ProjectSpec(
        "demo-grulac-witness",
        {
            "en": "Witness protection in Latin America and the Caribbean (illustrative)",
            "ar": "حماية الشهود في أمريكا اللاتينية ومنطقة البحر الكاريبي (توضيحي)",
            "es": "Protección de testigos en América Latina y el Caribe (ilustrativo)",
        },
        ProjectStatus.APPROVED,
        "USD",
        (("Legislative advice", "150000"), ("Good-practice exchanges", "200000")),
        "untoc",
        articles=(24, 25),
        group="latin_american_caribbean",
        starts=date(2025, 6, 1),
        ends=date(2027, 5, 31),
    ),
    ProjectSpec(
        "demo-asia-training",
        {
            "en": "Training for investigators and prosecutors in Asia and the Pacific "
            "(illustrative)",
            "ar": "تدريب المحققين وأعضاء النيابة العامة في آسيا والمحيط الهادئ (توضيحي)",
        },
        ProjectStatus.APPROVED,
        "JPY",
        (("Regional training courses", "60000000"), ("E-learning modules", "15000000")),
        "untoc",
        kinds=("training",),
        group="asia_pacific",
        starts=date(2025, 4, 1),
        ends=date(2027, 3, 31),
    ),
    ProjectSpec(
        "demo-africa-firearms",
        {
            "en": "Firearms marking and record-keeping in Africa (illustrative)",
            "ar": "وسم الأسلحة النارية وحفظ سجلاتها في أفريقيا (توضيحي)",
            "fr": "Marquage et registres des armes à feu en Afrique (illustratif)",
        },
        ProjectStatus.CONCEPT,
        "USD",
        (("Marking equipment", "650000"), ("National registers", "400000"), ("Training", "150000")),
        "firearms",
        group="african",
        starts=date(2026, 1, 1),
        ends=date(2028, 12, 31),
    ),
    ProjectSpec(
        "demo-africa-institutions",
        {
            "en": "Central authorities and specialised units in Africa (illustrative)",
            "ar": "السلطات المركزية والوحدات المتخصصة في أفريقيا (توضيحي)",
            "fr": "Autorités centrales et unités spécialisées en Afrique (illustratif)",
        },
        ProjectStatus.APPROVED,
        "EUR",
        (("Institutional assessments", "200000"), ("Specialised units", "550000")),
        "untoc",
        kinds=("institution_building",),
        group="african",
        limit=8,
        starts=date(2025, 9, 1),
        ends=date(2028, 8, 31),
    ),
    ProjectSpec(
        "demo-africa-legislation",
        {
            "en": "Model legislation on organized crime, pilot in Africa (illustrative)",
            "ar": "تشريعات نموذجية بشأن الجريمة المنظمة، مشروع تجريبي في أفريقيا (توضيحي)",
        },
        ProjectStatus.CLOSED,
        "USD",
        (("Drafting workshops", "80000"),),
        "untoc",
        articles=(5,),
        group="african",
        limit=3,
        starts=date(2024, 2, 1),
        ends=date(2024, 12, 31),
    ),
]


@dataclass(frozen=True)
class PledgeSpec:
    key: str
    donor: str
    amount: str
    currency: str
    pledged_on: date
    status: str
    earmark: str = Earmark.NONE
    instrument: str = ""
    article: int | None = None
    kind: str = ""
    group: str = ""
    states: tuple[str, ...] = ()
    project: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


PLEDGES = [
    PledgeSpec("P01", "no-mfa", "5000000", "NOK", date(2024, 2, 15), "received"),
    PledgeSpec(
        "P02", "no-mfa", "3000000", "NOK", date(2025, 2, 1), "agreed", "geographic", group="african"
    ),
    PledgeSpec(
        "P03",
        "no-mfa",
        "1000000",
        "NOK",
        date(2024, 5, 20),
        "received",
        "thematic",
        instrument="untoc",
        kind="legislative",
    ),
    PledgeSpec(
        "P04",
        "se-sida",
        "8000000",
        "SEK",
        date(2024, 3, 10),
        "received",
        "thematic",
        instrument="tip",
    ),
    PledgeSpec(
        "P05", "se-sida", "2000000", "SEK", date(2025, 4, 1), "pledged", "thematic", kind="training"
    ),
    PledgeSpec(
        "P06",
        "se-sida",
        "1500000",
        "SEK",
        date(2025, 5, 5),
        "pledged",
        "geographic",
        group="african",
    ),
    PledgeSpec(
        "P07",
        "de-aa",
        "1200000",
        "EUR",
        date(2024, 4, 1),
        "received",
        "thematic",
        instrument="untoc",
        article=16,
    ),
    PledgeSpec(
        "P08",
        "de-aa",
        "900000",
        "EUR",
        date(2024, 9, 1),
        "agreed",
        "thematic",
        instrument="untoc",
        article=18,
    ),
    PledgeSpec(
        "P09",
        "de-aa",
        "300000",
        "EUR",
        date(2024, 11, 1),
        "agreed",
        "project",
        project="demo-sen-sit",
    ),
    PledgeSpec(
        "P10",
        "gb-fcdo",
        "1000000",
        "GBP",
        date(2024, 5, 1),
        "received",
        "thematic",
        instrument="tip",
    ),
    PledgeSpec(
        "P11",
        "gb-fcdo",
        "400000",
        "GBP",
        date(2025, 1, 20),
        "agreed",
        "geographic",
        states=("JAM", "TTO", "BRB", "GUY"),
    ),
    PledgeSpec(
        "P12",
        "jp-mofa",
        "150000000",
        "JPY",
        date(2024, 6, 1),
        "received",
        "geographic",
        group="asia_pacific",
    ),
    PledgeSpec(
        "P13", "jp-mofa", "60000000", "JPY", date(2025, 3, 1), "agreed", "thematic", kind="training"
    ),
    PledgeSpec(
        "P14",
        "eu",
        "2500000",
        "EUR",
        date(2025, 2, 10),
        "pledged",
        "thematic",
        instrument="untoc",
        article=16,
    ),
    PledgeSpec(
        "P15",
        "eu",
        "1000000",
        "EUR",
        date(2024, 10, 1),
        "agreed",
        "geographic",
        group="latin_american_caribbean",
    ),
    PledgeSpec(
        "P16",
        "ch-fdfa",
        "600000",
        "CHF",
        date(2024, 3, 1),
        "received",
        "thematic",
        instrument="untoc",
        article=18,
    ),
    PledgeSpec(
        "P17",
        "ch-fdfa",
        "200000",
        "CHF",
        date(2025, 5, 1),
        "agreed",
        "project",
        project="demo-grulac-witness",
    ),
    PledgeSpec(
        "P18", "ca-gac", "750000", "CAD", date(2024, 8, 15), "agreed", "thematic", instrument="tip"
    ),
    PledgeSpec(
        "P19",
        "au-dfat",
        "900000",
        "AUD",
        date(2024, 7, 1),
        "received",
        "geographic",
        group="asia_pacific",
    ),
    PledgeSpec(
        "P20",
        "us-state-inl",
        "2000000",
        "USD",
        date(2024, 1, 20),
        "received",
        "thematic",
        instrument="tip",
    ),
    PledgeSpec(
        "P21",
        "us-state-inl",
        "1500000",
        "USD",
        date(2025, 1, 15),
        "pledged",
        "thematic",
        instrument="firearms",
        kind="technology",
    ),
    PledgeSpec(
        "P22",
        "untf-trafficking",
        "500000",
        "USD",
        date(2024, 4, 15),
        "received",
        "thematic",
        instrument="tip",
        kind="institution_building",
    ),
    PledgeSpec("P23", "demo-donor-fund", "400000", "USD", date(2024, 1, 10), "received"),
    PledgeSpec(
        "P24",
        "demo-donor-fund",
        "250000",
        "USD",
        date(2024, 5, 1),
        "agreed",
        "geographic",
        states=("EGY", "SEN"),
    ),
    PledgeSpec(
        "P25",
        "demo-donor-fund",
        "150000",
        "EUR",
        date(2025, 6, 1),
        "pledged",
        "thematic",
        kind="training",
    ),
]

# (pledge key, project code, amount in the pledge's currency, allocated on)
ALLOCATIONS = [
    # Funded projects are covered at the latest demo rates, which the pages and the move to
    # "funded" use from 2025 on: 2,128,000 NOK at 11.2 = 190,000 USD (+ 230,000 USD = the
    # 420,000 USD budget); 570,000 EUR at 0.95 = the 600,000 USD budget.
    ("P01", "demo-egy-mla", "2128000", date(2024, 8, 1)),
    ("P24", "demo-egy-mla", "230000", date(2024, 8, 1)),
    ("P09", "demo-sen-sit", "250000", date(2025, 2, 1)),
    ("P07", "demo-weog-extradition", "570000", date(2024, 6, 1)),
    ("P04", "demo-tip-europe", "4000000", date(2025, 2, 1)),
    ("P20", "demo-tip-europe", "300000", date(2025, 2, 1)),
    ("P17", "demo-grulac-witness", "200000", date(2025, 6, 1)),
    ("P15", "demo-grulac-witness", "100000", date(2025, 6, 1)),
    ("P12", "demo-asia-training", "30000000", date(2025, 4, 1)),
    ("P13", "demo-asia-training", "20000000", date(2025, 4, 1)),
    ("P02", "demo-africa-institutions", "1500000", date(2025, 9, 1)),
    ("P23", "demo-africa-legislation", "80000", date(2024, 2, 1)),
]

ORDER = list(ProjectStatus.values)


def demo_rates(ctx: DemoContext) -> None:
    for valid_from, rates in RATES.items():
        for currency, per_usd in rates.items():
            _rate, created = ExchangeRate.objects.get_or_create(
                currency=currency,
                valid_from=valid_from,
                defaults={"per_usd": D(per_usd), "source": SOURCE},
            )
            ctx.count("exchange_rates", int(created))


def choose_needs(spec: ProjectSpec) -> list[Need]:
    """Open, non-confidential needs matching the spec, in a fixed order, at most ``limit``."""
    needs = Need.objects.filter(
        status=NeedStatus.OPEN, confidential=False, article__instrument__code=spec.instrument
    )
    if spec.states:
        needs = needs.filter(state__iso3__in=spec.states)
    if spec.group:
        needs = needs.filter(state__regional_group=spec.group)
    if spec.articles:
        needs = needs.filter(article__number__in=spec.articles)
    if spec.kinds:
        needs = needs.filter(kind__in=spec.kinds)
    needs = needs.select_related("state").order_by("state__iso3", "article__number", "kind", "pk")
    return list(needs[: spec.limit])


def demo_projects(ctx: DemoContext) -> dict[str, Project]:
    secretariat = ctx.users["secretariat"]
    made: dict[str, Project] = {}
    for spec in PROJECTS:
        existing = Project.objects.filter(code=spec.code).first()
        if existing is not None:
            made[spec.code] = existing
            continue
        needs = choose_needs(spec)
        if not needs:
            log.info("No demo need matches %s: the project is skipped", spec.code)
            continue
        made[spec.code] = project_save(
            user=secretariat,
            instance=Project(),
            data={
                "code": spec.code,
                "title": spec.title,
                "description": {
                    "en": "Illustrative project of the demonstration system, designed from the "
                    "demo needs register; not an official UNODC project."
                },
                "outputs": spec.outputs,
                "starts": spec.starts,
                "ends": spec.ends,
                "currency": spec.currency,
                "is_demo": True,
            },
            needs=needs,
            budget_lines=[(text, D(amount)) for text, amount in spec.lines],
            reason="demo-data",
        )
        ctx.count("projects")
    return made


def demo_pledges(ctx: DemoContext, projects: dict[str, Project]) -> dict[str, Pledge]:
    secretariat = ctx.users["secretariat"]
    made: dict[str, Pledge] = {}
    for spec in PLEDGES:
        marker = f"[{spec.key}]"
        existing = Pledge.objects.filter(is_demo=True, notes__startswith=marker).first()
        if existing is not None:
            made[spec.key] = existing
            continue
        donor = Organization.objects.filter(code=spec.donor).first()
        if donor is None or (spec.project and spec.project not in projects):
            continue
        instrument = (
            Instrument.objects.filter(code=spec.instrument).first() if spec.instrument else None
        )
        article = (
            Article.objects.filter(instrument=instrument, number=spec.article).first()
            if instrument is not None and spec.article
            else None
        )
        made[spec.key] = pledge_save(
            user=secretariat,
            instance=Pledge(),
            data={
                "donor": donor,
                "amount": D(spec.amount),
                "currency": spec.currency,
                "pledged_on": spec.pledged_on,
                "status": spec.status,
                "earmark": spec.earmark,
                "instrument": instrument,
                "article": article,
                "kind": spec.kind,
                "regional_group": spec.group,
                "project": projects.get(spec.project) if spec.project else None,
                "notes": f"{marker} Illustrative pledge: the donor is real, the amount, date "
                "and earmark are invented for the demonstration.",
                "is_demo": True,
            },
            states=list(State.objects.filter(iso3__in=spec.states).order_by("iso3")),
            reason="demo-data",
        )
        ctx.count("pledges")
    return made


def demo_allocations(
    ctx: DemoContext, pledges: dict[str, Pledge], projects: dict[str, Project]
) -> None:
    secretariat = ctx.users["secretariat"]
    for key, code, amount, on in ALLOCATIONS:
        pledge, project = pledges.get(key), projects.get(code)
        if pledge is None or project is None:
            continue
        if Allocation.objects.filter(pledge=pledge, project=project).exists():
            continue
        try:
            allocate(
                user=secretariat,
                pledge=pledge,
                project=project,
                amount=D(amount),
                on=on,
                reason="demo-data",
            )
        except InvalidInput as exc:  # an earmark the chosen needs do not fit: skip, say why
            log.info("Demo allocation %s → %s skipped: %s", key, code, exc)
            continue
        ctx.count("allocations")


def demo_lifecycle(ctx: DemoContext, projects: dict[str, Project]) -> None:
    """Move each project forward to its target status, as far as its funding allows."""
    secretariat = ctx.users["secretariat"]
    targets = {spec.code: spec.status for spec in PROJECTS}
    for code, project in projects.items():
        target = targets[code]
        while ORDER.index(project.status) < ORDER.index(target):
            following = NEXT_STATUS[ProjectStatus(project.status)]
            lesson_data = None
            lesson = None
            if following == ProjectStatus.CLOSED:
                lesson = LessonLearned.objects.filter(is_demo=True).order_by("pk").first()
                if lesson is None:
                    lesson_data = {
                        "title": "Drafting workshops need the drafters in the room (illustrative)",
                        "what_worked": "Workshops with the officials who would draft the law.",
                        "recommendations": "Plan a follow-up review of the draft.",
                    }
            try:
                project_transition(
                    user=secretariat,
                    project=project,
                    to=following,
                    reason="demo-data",
                    lesson=lesson,
                    lesson_data=lesson_data,
                )
            except InvalidInput as exc:
                log.info("Demo project %s stays %s: %s", code, project.status, exc)
                break
            ctx.count("project_steps")


@demo_contributor(order=70)
def funding(ctx: DemoContext) -> None:
    demo_rates(ctx)
    projects = demo_projects(ctx)
    pledges = demo_pledges(ctx, projects)
    demo_allocations(ctx, pledges, projects)
    demo_lifecycle(ctx, projects)
    if ctx.scale == "world":
        world_funding(ctx)


# --- World scale: pledges and projects in proportion to the world's needs -------------------

WORLD_PLEDGES = 600  # at size 1
WORLD_PROJECTS = 300
WORLD_CODE = "world-"  # the start of every world-scale project's code
WORLD_PROJECT_STATUS: dict[str, float] = {
    ProjectStatus.CONCEPT: 0.25,
    ProjectStatus.APPROVED: 0.3,
    ProjectStatus.FUNDED: 0.2,
    ProjectStatus.IN_DELIVERY: 0.15,
    ProjectStatus.CLOSED: 0.1,
}
WORLD_EARMARK: dict[str, float] = {
    Earmark.NONE: 0.4,
    Earmark.THEMATIC: 0.35,
    Earmark.GEOGRAPHIC: 0.25,
}
WORLD_PLEDGE_STATUS = {"pledged": 0.25, "agreed": 0.35, "received": 0.4}
WORLD_CURRENCIES = {"USD": 0.6, "EUR": 0.25, "GBP": 0.1, "JPY": 0.05}
WORLD_CURRENCY_SCALE = {"USD": 1, "EUR": 1, "GBP": 1, "JPY": 150}
WORLD_INSTRUMENTS = ("untoc", "tip", "som", "firearms")


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def world_funding(ctx: DemoContext) -> None:
    """Pledges of the reference donors and projects designed from open needs of one State each,
    in bulk without history rows; funded, delivering and closed projects are covered by
    allocations of unearmarked dollar pledges. Deterministic per seed; written once."""
    if Project.objects.filter(code__startswith=WORLD_CODE).exists():
        return
    rng = random.Random(f"infobase-demo:{ctx.seed}:funding")
    secretariat = ctx.users.get("secretariat")
    donors = list(
        Organization.objects.filter(kind__in=["government", "fund", "international"]).order_by(
            "code"
        )
    )
    instruments = list(Instrument.objects.filter(code__in=WORLD_INSTRUMENTS).order_by("position"))
    groups = sorted({g for g in State.objects.values_list("regional_group", flat=True) if g})
    pledges = []
    for n in range(1, ctx.scaled(WORLD_PLEDGES) + 1):
        currency = _pick(rng, WORLD_CURRENCIES)
        earmark = _pick(rng, WORLD_EARMARK)
        amount = D(rng.randint(2, 60) * 50_000 * WORLD_CURRENCY_SCALE[currency])
        if earmark == Earmark.NONE and currency == "USD":
            amount *= 4  # the flexible money that covers the funded projects below
        pledges.append(
            Pledge(
                donor=rng.choice(donors),
                amount=amount,
                currency=currency,
                pledged_on=date(2015, 1, 1) + timedelta(days=rng.randint(0, 4000)),
                status=_pick(rng, WORLD_PLEDGE_STATUS),
                earmark=earmark,
                instrument=rng.choice(instruments) if earmark == Earmark.THEMATIC else None,
                regional_group=rng.choice(groups) if earmark == Earmark.GEOGRAPHIC else "",
                notes=f"[W{n:04d}] Illustrative pledge of the world-scale demonstration data.",
                is_demo=True,
            )
        )
    pledges = Pledge.objects.bulk_create(pledges, batch_size=2000)
    ctx.count("pledges", len(pledges))

    by_state: dict[int, list[int]] = {}
    for pk, state_id in (
        Need.objects.filter(status=NeedStatus.OPEN, confidential=False)
        .order_by("pk")
        .values_list("pk", "state_id")
    ):
        by_state.setdefault(state_id, []).append(pk)
    states = sorted(by_state)
    if not states:
        return
    projects, plans = [], []
    for n in range(1, ctx.scaled(WORLD_PROJECTS) + 1):
        state_id = rng.choice(states)
        needs = rng.sample(by_state[state_id], min(len(by_state[state_id]), rng.randint(1, 6)))
        lines = [D(rng.randint(2, 30) * 10_000) for _ in range(rng.randint(1, 3))]
        starts = date(2018, 1, 1) + timedelta(days=rng.randint(0, 3300))
        projects.append(
            Project(
                code=f"{WORLD_CODE}{n:04d}",
                title={
                    "en": f"Technical assistance project {n:04d} (illustrative)",
                    "ar": f"مشروع المساعدة التقنية {n:04d} (توضيحي)",
                },
                description={
                    "en": "Illustrative project of the world-scale demonstration data, designed "
                    "from the demo needs register."
                },
                status=_pick(rng, WORLD_PROJECT_STATUS),
                starts=starts,
                ends=starts + timedelta(days=rng.randint(365, 1460)),
                currency="USD",
                created_by=secretariat,
                is_demo=True,
            )
        )
        plans.append((state_id, needs, lines))
    projects = Project.objects.bulk_create(projects, batch_size=2000)
    Project.needs.through.objects.bulk_create(
        (
            Project.needs.through(project_id=p.pk, need_id=need)
            for p, (_s, needs, _l) in zip(projects, plans, strict=True)
            for need in needs
        ),
        batch_size=5000,
    )
    Project.states.through.objects.bulk_create(
        Project.states.through(project_id=p.pk, state_id=state_id)
        for p, (state_id, _n, _l) in zip(projects, plans, strict=True)
    )
    BudgetLine.objects.bulk_create(
        (
            BudgetLine(project=p, description=f"Component {k} (illustrative)", amount=amount)
            for p, (_s, _n, lines) in zip(projects, plans, strict=True)
            for k, amount in enumerate(lines, start=1)
        ),
        batch_size=5000,
    )
    ctx.count("projects", len(projects))
    # Funded and later projects: their whole budget from flexible dollar pledges, in turn.
    flexible = [p for p in pledges if p.earmark == Earmark.NONE and p.currency == "USD"]
    left = {p.pk: p.amount for p in flexible}
    allocations = []
    for project, (_s, _n, lines) in zip(projects, plans, strict=True):
        if ORDER.index(project.status) < ORDER.index(ProjectStatus.FUNDED):
            continue
        need = sum(lines, D(0))
        for pledge in flexible:
            if need <= 0:
                break
            give = min(need, left[pledge.pk])
            if give <= 0:
                continue
            left[pledge.pk] -= give
            need -= give
            allocations.append(
                Allocation(
                    pledge=pledge,
                    project=project,
                    amount=give,
                    allocated_on=max(project.starts or pledge.pledged_on, pledge.pledged_on),
                    decided_by=secretariat,
                )
            )
        if need > 0:  # not enough flexible money left: the project stays approved
            project.status = ProjectStatus.APPROVED
    Allocation.objects.bulk_create(allocations, batch_size=5000)
    Project.objects.bulk_update(projects, ["status"], batch_size=2000)
    ctx.count("allocations", len(allocations))
