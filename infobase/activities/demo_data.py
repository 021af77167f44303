"""Demo data for who does what where: the real IATI files shipped in ``data/iati-demo/`` (sources
in its SOURCES.md) imported with the relevance filter, plus illustrative activities of the
secretariat (UNODC) addressing some of the illustrative needs, and a few accepted links.

Idempotent: the IATI import updates by identifier and never duplicates; the illustrative
activities are found again by their English title; links already decided are left alone.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from infobase.activities.models import Activity, ActivitySource, LinkStatus, NeedLink
from infobase.activities.services import activity_save
from infobase.demo.services import DemoContext, demo_contributor
from infobase.reference.models import Article, Instrument, Organization, State

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
        from infobase.activities.coverage import link_decide, suggest_links
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
