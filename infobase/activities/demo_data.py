"""Demo data for who does what where: the real IATI files shipped in ``data/iati-demo/`` (sources
in its SOURCES.md) imported with the relevance filter, plus illustrative activities of the
secretariat (UNODC) addressing some of the illustrative needs, and a few accepted links.

Idempotent: the IATI import updates by identifier and never duplicates; the illustrative
activities are found again by their English title; links already decided are left alone.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from infobase.activities.models import (
    PROVIDER_KIND_BY_ORGANIZATION,
    Activity,
    ActivitySource,
    LinkStatus,
    NeedLink,
    Participant,
    Recipient,
    Sector,
    Theme,
)
from infobase.activities.services import activity_save
from infobase.demo.services import DemoContext, demo_contributor
from infobase.needs.models import Need, NeedStatus
from infobase.reference.models import Article, AssistanceKind, Instrument, Organization, State

log = logging.getLogger(__name__)

IATI_DEMO_DIR = Path(__file__).resolve().parent / "data" / "iati-demo"

# (English title, other language, its title, recipients with their percentage of the activity,
#  [(instrument, article, kind)], DAC sector, status, (start, end), budget in USD). Several
#  recipients carry percentages adding up to 100, as IATI requires (one alone is 100).
ACTIVITIES: list[dict[str, Any]] = [
    {
        "en": "Legislative advice on extradition and mutual legal assistance (illustrative)",
        "other": (
            "ar",
            "مشورة تشريعية بشأن تسليم المجرمين والمساعدة القانونية المتبادلة (توضيحي)",
        ),
        "states": {"EGY": None},
        "themes": [("untoc", 16, "legislative"), ("untoc", 18, "legislative")],
        "sector": "15130",
        "status": "2",
        "dates": (date(2024, 3, 1), date(2027, 6, 30)),
        "budget": Decimal("420000"),
    },
    {
        "en": "Training of the central authority for mutual legal assistance (illustrative)",
        "other": ("ar", "تدريب السلطة المركزية المعنية بالمساعدة القانونية المتبادلة (توضيحي)"),
        "states": {"EGY": None},
        "themes": [("untoc", 18, "training")],
        "sector": "15130",
        "status": "2",
        "dates": (date(2025, 1, 15), date(2026, 12, 31)),
        "budget": Decimal("180000"),
    },
    {
        "en": "Special investigative techniques: training of investigators (illustrative)",
        "other": (
            "fr",
            "Techniques d'enquête spéciales : formation des enquêteurs (illustratif)",
        ),
        "states": {"SEN": None},
        "themes": [("untoc", 20, "training")],
        "sector": "15210",
        "status": "2",
        "dates": (date(2024, 9, 1), date(2027, 8, 31)),
        "budget": Decimal("350000"),
    },
    {
        "en": "Witness protection: legislative drafting support (illustrative)",
        "other": ("es", "Protección de testigos: apoyo a la redacción legislativa (ilustrativo)"),
        "states": {"GTM": None},
        "themes": [("untoc", 24, "legislative"), ("untoc", 25, "good_practices")],
        "sector": "15130",
        "status": "2",
        "dates": (date(2024, 5, 1), date(2026, 10, 31)),
        "budget": Decimal("260000"),
    },
    {
        "en": "Witness protection programmes: good practices exchange (illustrative)",
        "other": (
            "es",
            "Programas de protección de testigos: intercambio de buenas prácticas (ilustrativo)",
        ),
        "states": {"MEX": Decimal("60"), "GTM": Decimal("40")},
        "themes": [("untoc", 24, "good_practices")],
        "sector": "15130",
        "status": "1",
        "dates": (date(2026, 9, 1), date(2028, 3, 31)),
        "budget": Decimal("150000"),
    },
    {
        "en": "Assistance to and protection of victims of trafficking (illustrative)",
        "other": ("fr", "Assistance et protection des victimes de la traite (illustratif)"),
        "states": {"NGA": None},
        "themes": [("tip", 6, "institution_building"), ("tip", 10, "training")],
        "sector": "15130",
        "status": "2",
        "dates": (date(2023, 11, 1), date(2026, 12, 31)),
        "budget": Decimal("510000"),
    },
    {
        "en": "National referral mechanism for victims of trafficking (illustrative)",
        "other": ("ar", "آلية وطنية لإحالة ضحايا الاتجار بالأشخاص (توضيحي)"),
        "states": {"MAR": None},
        "themes": [("tip", 6, "institution_building"), ("tip", 9, "training")],
        "sector": "15130",
        "status": "2",
        "dates": (date(2025, 2, 1), date(2027, 1, 31)),
        "budget": Decimal("300000"),
    },
    {
        "en": "Marking and record-keeping of firearms (illustrative)",
        "other": ("fr", "Marquage et enregistrement des armes à feu (illustratif)"),
        "states": {"CIV": None},
        "themes": [("firearms", 8, "technology"), ("firearms", 7, "technology")],
        "sector": "15210",
        "status": "2",
        "dates": (date(2024, 6, 1), date(2026, 11, 30)),
        "budget": Decimal("275000"),
    },
    {
        "en": "West African network of central authorities (illustrative)",
        "other": ("fr", "Réseau ouest-africain des autorités centrales (illustratif)"),
        "states": {"SEN": Decimal("40"), "NGA": Decimal("35"), "CIV": Decimal("25")},
        "themes": [("untoc", 18, "institution_building"), ("untoc", 16, "good_practices")],
        "sector": "15130",
        "status": "2",
        "dates": (date(2024, 1, 1), date(2027, 12, 31)),
        "budget": Decimal("640000"),
    },
    {
        "en": "Smuggling of migrants: cooperation at sea (illustrative)",
        "other": ("es", "Tráfico ilícito de migrantes: cooperación en el mar (ilustrativo)"),
        "states": {"MEX": None},
        "themes": [("som", 8, "training"), ("som", 7, "good_practices")],
        "sector": "15190",
        "status": "3",
        "dates": (date(2019, 4, 1), date(2021, 3, 31)),
        "budget": Decimal("120000"),
    },
]

LINKS_TO_ACCEPT = 6


def import_iati_demo(ctx: DemoContext) -> None:
    try:
        from infobase.activities.iati_import import RelevanceFilter, iati_import
    except ImportError:  # pragma: no cover - the import is another part of the activities app
        log.warning("infobase.activities.iati_import is missing: the IATI demo files were skipped")
        ctx.count("iati_skipped_no_importer")
        return
    paths = sorted(IATI_DEMO_DIR.glob("*.xml"))
    run = iati_import(
        paths=paths, user=ctx.users.get("secretariat"), relevance=RelevanceFilter.from_settings()
    )
    ctx.count("iati_files", len(paths))
    ctx.count("iati_created", run.created)
    ctx.count("iati_updated", run.updated)
    ctx.count("iati_skipped", run.skipped)


def illustrative_activities(ctx: DemoContext) -> list[Activity]:
    secretariat = ctx.users["secretariat"]
    unodc = Organization.objects.get(code="unodc")
    instruments = {i.code: i for i in Instrument.objects.all()}
    made = []
    for spec in ACTIVITIES:
        existing = Activity.objects.filter(
            is_demo=True, source=ActivitySource.MANUAL, title__en=spec["en"]
        ).first()
        if existing is not None:
            _give_recipient_percentages(existing, spec["states"])
            made.append(existing)
            continue
        lang, other = spec["other"]
        start, end = spec["dates"]
        themes = [
            (Article.objects.get(instrument=instruments[code], number=n), kind)
            for code, n, kind in spec["themes"]
        ]
        activity = activity_save(
            user=secretariat,
            instance=Activity(),
            data={
                "title": {"en": spec["en"], lang: other},
                "description": {
                    "en": "Illustrative activity of the demonstration system, not an official "
                    "record of UNODC."
                },
                "default_language": "en",
                "provider": unodc,
                "status": spec["status"],
                "planned_start": start,
                "actual_start": start if spec["status"] != "1" else None,
                "planned_end": end,
                "actual_end": end if spec["status"] == "3" else None,
                "default_currency": "USD",
                "budget": spec["budget"],
                "disbursed": (spec["budget"] * Decimal("0.4")).quantize(Decimal("1")),
                "is_demo": True,
            },
            recipients=[
                (state, spec["states"][state.iso3])
                for state in State.objects.filter(iso3__in=spec["states"]).order_by("iso3")
            ],
            sectors=[(spec["sector"], None)],
            themes=themes,
            participants=[("4", unodc, "")],
            instruments=[instruments[code] for code, _n, _k in spec["themes"]],
            reason="demo-data",
        )
        made.append(activity)
        ctx.count("activities")
    return made


def _give_recipient_percentages(activity: Activity, shares: dict[str, Decimal | None]) -> None:
    """Percentages for a demo activity made before the demo gave them (earlier versions)."""
    if len(shares) < 2:
        return
    for recipient in activity.recipients.filter(percentage__isnull=True, state__isnull=False):
        share = shares.get(recipient.state.iso3) if recipient.state else None
        if share is not None:
            recipient.percentage = share
            recipient.save(update_fields=["percentage"])


def accept_links(ctx: DemoContext, activities: list[Activity]) -> None:
    """Suggest links for the illustrative activities and accept the best suggestion of the
    first few (highest confidence, then lowest need id), as the secretariat would."""
    try:
        from infobase.activities.coverage.links import link_decide
        from infobase.activities.coverage.suggestions import suggest_links
    except ImportError:  # pragma: no cover
        log.warning("infobase.activities.coverage is missing: no demo links")
        return
    ids = [a.pk for a in activities]
    suggest_links(activities=Activity.objects.filter(pk__in=ids))
    accepted = NeedLink.objects.filter(
        activity_id__in=ids, status__in=[LinkStatus.ACCEPTED, LinkStatus.MANUAL]
    ).count()
    for activity in activities:
        if accepted >= LINKS_TO_ACCEPT:
            break
        best = (
            NeedLink.objects.filter(activity=activity, status=LinkStatus.SUGGESTED)
            .order_by("-confidence", "need_id")
            .first()
        )
        if (
            best is None
            or NeedLink.objects.filter(
                activity=activity, status__in=[LinkStatus.ACCEPTED, LinkStatus.REJECTED]
            ).exists()
        ):
            continue
        link_decide(
            user=ctx.users["secretariat"],
            link=best,
            accept=True,
            reason="Illustrative demo decision",
        )
        accepted += 1
        ctx.count("links_accepted")


@demo_contributor(order=60)
def activities(ctx: DemoContext) -> None:
    import_iati_demo(ctx)
    made = illustrative_activities(ctx)
    accept_links(ctx, made)
    if ctx.scale == "world":
        world_activities(ctx)


# --- World scale: IATI-like activities across providers, States, sectors and years ----------

WORLD_ACTIVITIES = 100_000  # at size 1
WORLD_PREFIX = "XM-DEMO-WORLD-"
WORLD_INSTRUMENTS = {"untoc": 0.55, "tip": 0.2, "som": 0.12, "firearms": 0.13}
# DAC 5 sectors of justice, security, migration and anti-corruption work.
WORLD_SECTORS = ("15130", "15210", "15190", "15113", "15220", "15160", "16063")
WORLD_LANGUAGES = {"en": 0.6, "fr": 0.15, "es": 0.15, "ar": 0.1}
KIND_TITLES: dict[str, dict[str, str]] = {
    "en": {
        AssistanceKind.LEGISLATIVE: "Legislative assistance",
        AssistanceKind.MODEL_LEGISLATION: "Model legislation",
        AssistanceKind.TRAINING: "Training",
        AssistanceKind.INSTITUTION_BUILDING: "Institution-building",
        AssistanceKind.ONSITE_EXPERT: "On-site expert",
        AssistanceKind.GOOD_PRACTICES: "Good practices",
        AssistanceKind.TECHNOLOGY: "Technology and equipment",
        AssistanceKind.ACTION_PLAN: "Action plan",
        AssistanceKind.OTHER: "Assistance",
    },
    "fr": {
        AssistanceKind.LEGISLATIVE: "Assistance législative",
        AssistanceKind.MODEL_LEGISLATION: "Législation type",
        AssistanceKind.TRAINING: "Formation",
        AssistanceKind.INSTITUTION_BUILDING: "Renforcement des institutions",
        AssistanceKind.ONSITE_EXPERT: "Expert sur place",
        AssistanceKind.GOOD_PRACTICES: "Bonnes pratiques",
        AssistanceKind.TECHNOLOGY: "Technologie et équipement",
        AssistanceKind.ACTION_PLAN: "Plan d'action",
        AssistanceKind.OTHER: "Assistance",
    },
    "es": {
        AssistanceKind.LEGISLATIVE: "Asistencia legislativa",
        AssistanceKind.MODEL_LEGISLATION: "Legislación modelo",
        AssistanceKind.TRAINING: "Capacitación",
        AssistanceKind.INSTITUTION_BUILDING: "Fortalecimiento institucional",
        AssistanceKind.ONSITE_EXPERT: "Experto in situ",
        AssistanceKind.GOOD_PRACTICES: "Buenas prácticas",
        AssistanceKind.TECHNOLOGY: "Tecnología y equipo",
        AssistanceKind.ACTION_PLAN: "Plan de acción",
        AssistanceKind.OTHER: "Asistencia",
    },
    "ar": {
        AssistanceKind.LEGISLATIVE: "المساعدة التشريعية",
        AssistanceKind.MODEL_LEGISLATION: "التشريعات النموذجية",
        AssistanceKind.TRAINING: "التدريب",
        AssistanceKind.INSTITUTION_BUILDING: "بناء المؤسسات",
        AssistanceKind.ONSITE_EXPERT: "خبير في الموقع",
        AssistanceKind.GOOD_PRACTICES: "الممارسات الجيدة",
        AssistanceKind.TECHNOLOGY: "التكنولوجيا والمعدات",
        AssistanceKind.ACTION_PLAN: "خطة عمل",
        AssistanceKind.OTHER: "المساعدة",
    },
}
ILLUSTRATIVE = {
    "en": "(illustrative)",
    "fr": "(illustratif)",
    "es": "(ilustrativo)",
    "ar": "(توضيحي)",
}
WORLD_TODAY = date(2026, 6, 1)
WORLD_DECIDED_AT = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _world_title(lang: str, kind: str, article: Article, state: State) -> str:
    subject = getattr(article, f"title_{lang}") or article.title_en
    place = getattr(state, f"name_{lang}", "") or state.name_en
    return f"{KIND_TITLES[lang][kind]}: {subject} — {place} {ILLUSTRATIVE[lang]}"


def world_activities(ctx: DemoContext) -> None:
    """About 100,000 IATI-like activities (at size 1) of the reference organizations for every
    State, written in bulk without history rows, and links to the needs they address: accepted
    for some, suggested for others. Deterministic per seed; written once."""
    if Activity.objects.filter(iati_identifier__startswith=WORLD_PREFIX).exists():
        return
    rng = random.Random(f"infobase-demo:{ctx.seed}:activities")
    providers = list(Organization.objects.exclude(is_demo=True).order_by("code"))
    states = list(State.objects.order_by("iso3"))
    instruments = {i.code: i for i in Instrument.objects.filter(code__in=WORLD_INSTRUMENTS)}
    by_instrument: dict[str, list[Article]] = {code: [] for code in instruments}
    codes = {i.pk: code for code, i in instruments.items()}
    for article in Article.objects.filter(instrument__code__in=instruments).order_by("pk"):
        by_instrument[codes[article.instrument_id]].append(article)
    kinds = list(AssistanceKind.values)
    activities: list[Activity] = []
    plans: list[tuple[list[tuple[State, Decimal | None]], list[tuple[Article, str]], str]] = []
    for n in range(1, ctx.scaled(WORLD_ACTIVITIES) + 1):
        provider = rng.choice(providers)
        lang = _pick(rng, WORLD_LANGUAGES)
        code = _pick(rng, WORLD_INSTRUMENTS)
        themes = list(
            dict.fromkeys(
                (rng.choice(by_instrument[code]), rng.choice(kinds))
                for _ in range(rng.choice((1, 1, 2)))
            )
        )
        if rng.random() < 0.9:
            recipients: list[tuple[State, Decimal | None]] = [(rng.choice(states), None)]
        else:
            chosen = rng.sample(states, 2)
            share = Decimal(rng.choice((50, 60, 70)))
            recipients = [(chosen[0], share), (chosen[1], Decimal(100) - share)]
        start = date(2005, 1, 1) + timedelta(days=rng.randint(0, 8000))
        end = start + timedelta(days=rng.randint(180, 1800))
        status = "1" if start > WORLD_TODAY else ("2" if end > WORLD_TODAY else "4")
        budget = Decimal(int(rng.lognormvariate(12.5, 1.0)) // 1000 * 1000 + 10000)
        spent = {"1": 0.0, "2": rng.uniform(0.1, 0.8), "4": rng.uniform(0.85, 1.0)}[status]
        article, kind = themes[0]
        activities.append(
            Activity(
                iati_identifier=f"{WORLD_PREFIX}{n:06d}",
                source=ActivitySource.IATI,
                provider=provider,
                provider_kind=PROVIDER_KIND_BY_ORGANIZATION.get(provider.kind, "other"),
                reporting_org_ref=provider.code,
                reporting_org_name=provider.name_en,
                title={lang: _world_title(lang, kind, article, recipients[0][0])},
                description={
                    "en": "Illustrative activity of the world-scale demonstration data, not an "
                    "IATI record."
                },
                default_language=lang,
                status=status,
                planned_start=start,
                actual_start=start if status != "1" else None,
                planned_end=end,
                actual_end=end if status == "4" else None,
                default_currency="USD",
                budget=budget,
                disbursed=(budget * Decimal(str(round(spent, 2)))).quantize(Decimal("1")),
                iati_version="2.03",
                is_demo=True,
            )
        )
        plans.append((recipients, themes, rng.choice(WORLD_SECTORS)))
    made = Activity.objects.bulk_create(activities, batch_size=2000)
    recipient_rows, theme_rows, sector_rows, participant_rows, instrument_rows = [], [], [], [], []
    through = Activity.instruments.through
    for activity, (recipients, themes, sector) in zip(made, plans, strict=True):
        recipient_rows += [
            Recipient(activity=activity, state=state, percentage=share)
            for state, share in recipients
        ]
        theme_rows += [Theme(activity=activity, article=a, kind=k) for a, k in themes]
        sector_rows.append(Sector(activity=activity, vocabulary="1", code=sector))
        participant_rows.append(
            Participant(
                activity=activity,
                role="1",
                organization=activity.provider,
                ref=activity.reporting_org_ref,
                name=activity.reporting_org_name,
            )
        )
        instrument_rows += [
            through(activity_id=activity.pk, instrument_id=i)
            for i in dict.fromkeys(a.instrument_id for a, _k in themes)
        ]
    Recipient.objects.bulk_create(recipient_rows, batch_size=5000)
    Theme.objects.bulk_create(theme_rows, batch_size=5000)
    Sector.objects.bulk_create(sector_rows, batch_size=5000)
    Participant.objects.bulk_create(participant_rows, batch_size=5000)
    through.objects.bulk_create(instrument_rows, batch_size=5000)
    ctx.count("activities", len(made))
    world_links(ctx, made, plans, rng)


def world_links(
    ctx: DemoContext,
    made: list[Activity],
    plans: list[tuple[list[tuple[State, Decimal | None]], list[tuple[Article, str]], str]],
    rng: random.Random,
) -> None:
    """Links from activities to the open needs they address (same State, article and kind):
    a third accepted by the secretariat, the rest suggested."""
    needs = dict(
        (((s, a, k), pk))
        for pk, s, a, k in Need.objects.filter(status=NeedStatus.OPEN).values_list(
            "pk", "state_id", "article_id", "kind"
        )
    )
    secretariat = ctx.users.get("secretariat")
    links: list[NeedLink] = []
    for activity, (recipients, themes, _sector) in zip(made, plans, strict=True):
        for state, _share in recipients:
            for article, kind in themes:
                need = needs.get((state.pk, article.pk, kind))
                if need is None:
                    continue
                accepted = rng.random() < 1 / 3
                links.append(
                    NeedLink(
                        need_id=need,
                        activity=activity,
                        status=LinkStatus.ACCEPTED if accepted else LinkStatus.SUGGESTED,
                        confidence=Decimal("0.900"),
                        reasons=["state", "article", "kind"],
                        decided_by=secretariat if accepted else None,
                        decided_at=WORLD_DECIDED_AT if accepted else None,
                    )
                )
    NeedLink.objects.bulk_create(links, batch_size=5000)
    ctx.count("need_links", len(links))
