"""Illustrative demo data for the needs app: requests for assistance (some in Arabic, French and
Spanish), lessons learned, the 2007 priority areas as the work programme, and the register
derived from the demo answers and requests. Every record is marked as illustrative."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from infobase.demo.services import DemoContext, demo_contributor
from infobase.needs.derivation import needs_derive
from infobase.needs.lessons import lesson_save
from infobase.needs.models import (
    AssistanceRequest,
    LessonLearned,
    RequestLine,
    RequestSource,
    RequestStatus,
)
from infobase.needs.programmes import demo_programme
from infobase.needs.requests import request_create, request_transition
from infobase.needs.score_table import need_scores_refresh_exclusive
from infobase.questionnaires.models import ReportingCycle
from infobase.reference.models import Article, AssistanceKind, Instrument, State
from infobase.reports import engine
from infobase.reports.services import publication_create, report_request

# (iso3, instrument, [(article, paragraph, kind)], language, title, description, urgency,
#  received_on, status)
REQUESTS = [
    (
        "EGY",
        "untoc",
        [(16, None, "legislative"), (18, None, "training")],
        "ar",
        "طلب مساعدة في صياغة تشريع بشأن تسليم المجرمين والمساعدة القانونية المتبادلة (توضيحي)",
        "توضيحي: تطلب الدولة مشورة تشريعية لتحديث قانون تسليم المجرمين وتدريب السلطة المركزية "
        "المعنية بالمساعدة القانونية المتبادلة.",
        "high",
        date(2007, 2, 12),
        "matched",
    ),
    (
        "MAR",
        "tip",
        [(6, None, "institution_building"), (9, None, "training")],
        "ar",
        "دعم حماية ضحايا الاتجار بالأشخاص (توضيحي)",
        "توضيحي: إنشاء آلية وطنية للإحالة وتدريب المفتشين والقضاة على تحديد هوية الضحايا.",
        "medium",
        date(2007, 5, 3),
        "under_review",
    ),
    (
        "SEN",
        "untoc",
        [(20, None, "training"), (29, None, "training")],
        "fr",
        "Formation aux techniques d'enquête spéciales (illustratif)",
        "Illustratif : formation des enquêteurs et des magistrats aux livraisons surveillées et à "
        "la surveillance électronique, dans le respect des garanties procédurales.",
        "high",
        date(2007, 3, 20),
        "received",
    ),
    (
        "CIV",
        "firearms",
        [(7, None, "technology"), (8, None, "technology")],
        "fr",
        "Marquage et registre des armes à feu (illustratif)",
        "Illustratif : équipement de marquage et création d'un registre national informatisé.",
        "medium",
        date(2006, 11, 8),
        "in_delivery",
    ),
    (
        "GTM",
        "untoc",
        [(24, None, "legislative"), (25, None, "good_practices")],
        "es",
        "Programa de protección de testigos (ilustrativo)",
        "Ilustrativo: asesoramiento para la ley de protección de testigos y buenas prácticas de "
        "asistencia a las víctimas.",
        "high",
        date(2007, 1, 15),
        "met",
    ),
    (
        "PER",
        "som",
        [(6, None, "legislative"), (16, None, "training")],
        "es",
        "Tipificación del tráfico ilícito de migrantes (ilustrativo)",
        "Ilustrativo: revisión del código penal y formación de fiscales.",
        "low",
        date(2007, 6, 1),
        "received",
    ),
    (
        "KHM",
        "untoc",
        [(10, None, "model_legislation"), (12, None, "legislative")],
        "en",
        "Liability of legal persons and confiscation (illustrative)",
        "Illustrative: model provisions on corporate liability and a confiscation regime.",
        "medium",
        date(2007, 4, 2),
        "declined",
    ),
]

LESSONS: list[dict[str, Any]] = [
    {
        "title": "تدريب السلطات المركزية على المساعدة القانونية المتبادلة (توضيحي)",
        "activity": "Illustrative regional workshop on mutual legal assistance, Cairo 2006",
        "delivered_on": date(2006, 10, 5),
        "what_worked": "توضيحي: التمارين العملية على صياغة طلبات المساعدة القانونية المتبادلة.",
        "what_did_not": "توضيحي: قِصَر مدة الدورة وعدم توفر المواد باللغة العربية في البداية.",
        "recommendations": "توضيحي: إعداد أدلة باللغة العربية ومتابعة التدريب بعد ستة أشهر.",
        "language": "ar",
        "ratings": (4, 3, 3, 2, 3, 2),
        "states": ["EGY", "JOR", "MAR"],
        "articles": [18],
        "kinds": ["training"],
    },
    {
        "title": (
            "Rédaction législative sur la participation à un groupe criminel organisé (illustratif)"
        ),
        "activity": "Illustrative legislative assistance mission, Dakar 2006",
        "delivered_on": date(2006, 6, 12),
        "what_worked": "Illustratif : l'association des parlementaires dès le début.",
        "what_did_not": "Illustratif : l'absence de traduction des lois types en wolof.",
        "recommendations": "Illustratif : prévoir un suivi de l'adoption de la loi.",
        "language": "fr",
        "ratings": (4, 4, 3, 3, 2, 3),
        "states": ["SEN", "MLI"],
        "articles": [5, 6],
        "kinds": ["legislative", "model_legislation"],
    },
    {
        "title": "Witness protection: sustaining a programme after the project ends (illustrative)",
        "activity": "Illustrative witness protection project, Central America 2005–2006",
        "delivered_on": date(2006, 12, 1),
        "what_worked": "Illustrative: exchanges between protection units of neighbouring States.",
        "what_did_not": "Illustrative: no budget line for relocation after the project ended.",
        "recommendations": "Illustrative: agree national funding before the project starts.",
        "language": "en",
        "ratings": (3, 3, 2, 2, 2, 1),
        "states": ["GTM", "HND", "SLV"],
        "articles": [24, 25],
        "kinds": ["institution_building", "good_practices"],
    },
]

CRITERIA = ("relevance", "coherence", "effectiveness", "efficiency", "impact", "sustainability")


@demo_contributor(order=50)
def needs(ctx: DemoContext) -> None:
    secretariat = ctx.users["secretariat"]
    demo_programme()
    if not AssistanceRequest.objects.filter(is_demo=True).exists():
        for iso3, code, lines, lang, title, text, urgency, received, status in REQUESTS:
            instrument = Instrument.objects.get(code=code)
            made = request_create(
                user=secretariat,
                state=State.objects.get(iso3=iso3),
                instrument=instrument,
                title=title,
                description=text,
                language=lang,
                urgency=urgency,
                received_on=received,
                lines=[
                    (Article.objects.get(instrument=instrument, number=n), p, kind)
                    for n, p, kind in lines
                ],
                source=RequestSource.NOTE_VERBALE,
                reference=f"NV/{received.year}/{iso3}/illustrative",
            )
            made.is_demo = True
            made.save(update_fields=["is_demo"])
            path = ["received", "under_review", "matched", "in_delivery", "met"]
            steps = path[1 : path.index(status) + 1] if status in path else [status]
            for step in steps:
                request_transition(
                    request=made, user=secretariat, to=step, reason="Illustrative demo step"
                )
            ctx.count("requests")
    if not LessonLearned.objects.filter(is_demo=True).exists():
        untoc = Instrument.objects.get(code="untoc")
        for spec in LESSONS:
            data = {
                k: spec[k]
                for k in (
                    "title",
                    "activity",
                    "delivered_on",
                    "what_worked",
                    "what_did_not",
                    "recommendations",
                    "language",
                )
            }
            data.update(dict(zip(CRITERIA, spec["ratings"], strict=True)))
            data["is_demo"] = True
            lesson_save(
                user=secretariat,
                instance=LessonLearned(),
                data=data,
                states=State.objects.filter(iso3__in=spec["states"]),
                articles=Article.objects.filter(instrument=untoc, number__in=spec["articles"]),
                kinds=list(spec["kinds"]),
            )
            ctx.count("lessons")
    if ctx.scale == "world":
        world_requests(ctx)
    result = needs_derive()
    ctx.count("needs_linked", result.linked)


# Last of all (after the activities' coverage links and the projects): the register's stored
# scores, as the derivation job leaves them, so the first page read does not score every need.
@demo_contributor(order=95)
def register_scores(ctx: DemoContext) -> None:
    result = need_scores_refresh_exclusive()
    ctx.count("need_scores", result.written)


# --- World scale: requests from every State ------------------------------------------------

WORLD_REQUESTS_PER_STATE = 30  # at size 1: about 5,900 requests, 23,000 lines, 20,000 needs
WORLD_MARKER = "/world-"  # in the reference of every world-scale request
WORLD_INSTRUMENTS = {"untoc": 0.55, "tip": 0.2, "som": 0.12, "firearms": 0.13}
WORLD_STATUSES = {
    RequestStatus.RECEIVED: 0.15,
    RequestStatus.UNDER_REVIEW: 0.15,
    RequestStatus.MATCHED: 0.1,
    RequestStatus.IN_DELIVERY: 0.15,
    RequestStatus.MET: 0.3,
    RequestStatus.DECLINED: 0.08,
    RequestStatus.WITHDRAWN: 0.07,
}
WORLD_URGENCY = {"high": 0.3, "medium": 0.5, "low": 0.2}
WORLD_FIRST, WORLD_DAYS = date(2005, 1, 1), (date(2026, 5, 31) - date(2005, 1, 1)).days


def _pick(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def world_requests(ctx: DemoContext) -> None:
    """Requests for assistance from every State (bulk; no history rows), each with two to six
    lines (article × kind) of one instrument. Deterministic per seed and State; written once."""
    if AssistanceRequest.objects.filter(is_demo=True, reference__contains=WORLD_MARKER).exists():
        return
    instruments = {i.code: i for i in Instrument.objects.filter(code__in=WORLD_INSTRUMENTS)}
    articles: dict[str, list[Article]] = {code: [] for code in instruments}
    for article in Article.objects.filter(instrument__code__in=instruments).order_by("pk"):
        articles[next(c for c, i in instruments.items() if i.pk == article.instrument_id)].append(
            article
        )
    kinds = list(AssistanceKind.values)
    per_state = ctx.scaled(WORLD_REQUESTS_PER_STATE)
    secretariat = ctx.users.get("secretariat")
    requests: list[AssistanceRequest] = []
    wanted: list[set[tuple[Article, str]]] = []
    for state in State.objects.order_by("iso3"):
        rng = random.Random(f"infobase-demo:{ctx.seed}:requests:{state.iso3}")
        for k in range(1, per_state + 1):
            code = _pick(rng, WORLD_INSTRUMENTS)
            received = WORLD_FIRST + timedelta(days=rng.randint(0, WORLD_DAYS))
            requests.append(
                AssistanceRequest(
                    state=state,
                    instrument=instruments[code],
                    title=f"Request for assistance {state.iso3}-{k:03d} (illustrative)",
                    description="Illustrative request of the world-scale demonstration data.",
                    language="en",
                    urgency=_pick(rng, WORLD_URGENCY),
                    received_on=received,
                    status=_pick(rng, WORLD_STATUSES),
                    source=RequestSource.NOTE_VERBALE,
                    reference=f"NV/{received.year}/{state.iso3}{WORLD_MARKER}{k:03d}",
                    filed_by=secretariat,
                    confidential=rng.random() < 0.03,
                    is_demo=True,
                )
            )
            wanted.append(
                {(rng.choice(articles[code]), rng.choice(kinds)) for _ in range(rng.randint(2, 6))}
            )
    made = AssistanceRequest.objects.bulk_create(requests, batch_size=2000)
    lines = [
        RequestLine(request=request, article=article, kind=kind)
        for request, pairs in zip(made, wanted, strict=True)
        for article, kind in sorted(pairs, key=lambda pair: (pair[0].pk, pair[1]))
    ]
    RequestLine.objects.bulk_create(lines, batch_size=5000)
    ctx.count("requests", len(made))
    ctx.count("request_lines", len(lines))


# The analytical report of the first cycle, produced and published (web pages in the six
# languages and the Excel tables; with ``ctx.documents``, also the PDF and Word files in English
# and Arabic), so that the public pages show a published report.
@demo_contributor(order=90)
def published_analytical_report(ctx: DemoContext) -> None:
    secretariat = ctx.users.get("secretariat")
    if secretariat is None or not ReportingCycle.objects.filter(number=1).exists():
        return
    params = engine.get("analytical").clean(
        {
            "instrument": "untoc",
            "cycle": "1",
            "date": date(2026, 6, 1).isoformat(),
            "symbol": "CTOC/COP/2026/DEMO.1",
        }
    )
    runs = [
        report_request(
            user=secretariat, slug="analytical", params=params, lang=lang, fmt=fmt, run_now=True
        )
        for lang, fmt in (
            ("en", "html"),
            ("ar", "html"),
            ("fr", "html"),
            ("es", "html"),
            ("ru", "html"),
            ("zh-hans", "html"),
            ("en", "xlsx"),
        )
    ]
    if ctx.documents:
        runs += [
            report_request(
                user=secretariat, slug="analytical", params=params, lang=lang, fmt=fmt, run_now=True
            )
            for lang in ("en", "ar")
            for fmt in ("pdf", "docx")
        ]
    publication_create(user=secretariat, run=runs[0])
    ctx.count("published reports")
