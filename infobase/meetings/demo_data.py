"""Demo data for the meetings app: the real history of the working group as far as public facts
go, marked as such with their source, and illustrative records around it, marked illustrative.

Public facts (``is_public_fact=True``): the first four sessions of the Conference (Vienna),
decision 2/6 (second session, 2005) establishing the working group, the group's meeting during
the third session (October 2006 — its exact dates here are illustrative), its intersessional
meeting in Vienna on 3–5 October 2007 and the Secretariat's background paper
CTOC/COP/WG.2/2007/2 (its priority areas from the mission file).

Illustrative (``is_demo=True``): the chair and Bureau, participants, agendas, the links from
sessions to needs reviewed, the chair's and the Secretariat's reports to the fourth session,
decision "4/3" reviewing the group, the later sessions of 2009–2012 and their recommendations
linked to needs and projects of the demo, and the manual statuses of the mandates. With them,
every automatic check of decision 2/6 evaluates to "met".

Idempotent: records are found by their natural keys; manual statuses are set only once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from infobase.demo.services import DemoContext, demo_contributor
from infobase.funding.models import Project
from infobase.meetings.loaders import load_mandates
from infobase.meetings.models import (
    AgendaItem,
    Body,
    Capacity,
    Distribution,
    Document,
    DocumentKind,
    Mandate,
    ManualStatus,
    Membership,
    MembershipRole,
    Outcome,
    OutcomeKind,
    Session,
    SessionKind,
    SessionParticipant,
)
from infobase.meetings.services import mandate_set_status
from infobase.needs.models import Need, NeedStatus, PriorityTheme, WorkProgramme
from infobase.reference.models import Article, Organization, OrganizationKind, Participation, State

REASON = "demo-data"
VIENNA = {
    "ar": "فيينا",
    "zh": "维也纳",
    "en": "Vienna",
    "fr": "Vienne",
    "ru": "Вена",
    "es": "Viena",
}
COP_SOURCE = (
    "UNODC, sessions of the Conference of the Parties to the United Nations Convention against "
    "Transnational Organized Crime (https://www.unodc.org/unodc/en/treaties/CTOC/CTOC-COP.html)."
)
# Shown on the session's page: what a reader can look up, not where the developers read it.
WG_SOURCE = (
    "Decision 2/6, paragraph (e): the intersessional meeting of 3-5 October 2007 in Vienna and "
    "document CTOC/COP/WG.2/2007/2."
)
ILLUSTRATIVE = {
    "en": " (illustrative)",
    "fr": " (illustratif)",
    "es": " (ilustrativo)",
    "ar": " (توضيحي)",
    "ru": " (условный пример)",
    "zh": "（示例）",
}


def _illustrative(labels: dict[str, str]) -> dict[str, str]:
    return {code: text + ILLUSTRATIVE.get(code, "") for code, text in labels.items()}


def _session(body: Body, *, kind: str, starts_on: date, **values: Any) -> Session:
    session = Session.objects.filter(body=body, kind=kind, starts_on=starts_on).first()
    if session is None:
        session = Session(body=body, kind=kind, starts_on=starts_on, **values)
        session._change_reason = REASON  # type: ignore[attr-defined]
        session.save()
    return session


def _document(symbol: str, **values: Any) -> Document:
    document = Document.objects.filter(symbol=symbol).first()
    if document is None:
        document = Document(symbol=symbol, **values)
        document.full_clean()
        document._change_reason = REASON  # type: ignore[attr-defined]
        document.save()
    return document


def _capacity(state: State, on: date) -> str:
    participation = Participation.objects.filter(state=state, instrument__code="untoc").first()
    if participation and participation.consent_date and participation.consent_date <= on:
        return Capacity.STATE_PARTY
    if participation and participation.signature_date and participation.signature_date <= on:
        return Capacity.SIGNATORY
    return Capacity.OBSERVER


ORG_CAPACITY: dict[str, str] = {
    OrganizationKind.UN_ENTITY: Capacity.UN_ENTITY,
    OrganizationKind.INTERNATIONAL: Capacity.IGO,
    OrganizationKind.REGIONAL: Capacity.IGO,
    OrganizationKind.NGO: Capacity.NGO,
}


def _participants(ctx: DemoContext, session: Session, states: list[State], n: int) -> None:
    """Illustrative participants: the demo States and a sample of others, a few organizations."""
    if session.participants.exists():
        return
    pool = [s for s in states]
    chosen = ctx.rng.sample(pool, min(n, len(pool)))
    for state in sorted(chosen, key=lambda s: s.iso3):
        SessionParticipant.objects.create(
            session=session,
            state=state,
            capacity=_capacity(state, session.starts_on),
            is_demo=True,
        )
    for org in Organization.objects.filter(
        code__in=["undp", "iom", "interpol", "osce", "african-union"]
    ):
        SessionParticipant.objects.create(
            session=session,
            organization=org,
            capacity=ORG_CAPACITY.get(org.kind, Capacity.IGO),
            is_demo=True,
        )
    ctx.count("meetings.participants", session.participants.count())


def _agenda(session: Session, items: list[tuple[str, dict[str, str]]]) -> None:
    for position, (number, title) in enumerate(items, start=1):
        AgendaItem.objects.get_or_create(
            session=session, number=number, defaults={"title": title, "position": position}
        )


WG_AGENDA = [
    (
        "1",
        {
            "en": "Organizational matters",
            "fr": "Questions d'organisation",
            "ar": "المسائل التنظيمية",
            "es": "Cuestiones de organización",
        },
    ),
    (
        "2",
        {
            "en": "Review of technical assistance needs on the basis of the information base",
            "fr": "Examen des besoins d'assistance technique sur la base de la base d'informations",
            "ar": "استعراض الاحتياجات للمساعدة التقنية بالاستناد إلى قاعدة المعلومات",
            "es": (
                "Examen de las necesidades de asistencia técnica sobre la base de la base de "
                "información"
            ),
        },
    ),
    (
        "3",
        {
            "en": "Priorities and mobilization of resources",
            "fr": "Priorités et mobilisation des ressources",
            "ar": "الأولويات وحشد الموارد",
            "es": "Prioridades y movilización de recursos",
        },
    ),
    (
        "4",
        {
            "en": "Adoption of the report",
            "fr": "Adoption du rapport",
            "ar": "اعتماد التقرير",
            "es": "Aprobación del informe",
        },
    ),
]

LATER_SESSIONS = [
    (date(2009, 9, 28), date(2009, 9, 30)),
    (date(2010, 6, 15), date(2010, 6, 17)),
    (date(2011, 10, 3), date(2011, 10, 5)),
    (date(2012, 6, 18), date(2012, 6, 20)),
]


@demo_contributor(order=80)
def meetings(ctx: DemoContext) -> None:
    load_mandates()
    cop = Body.objects.get(code="cop")
    wg = Body.objects.get(code="wg-ta")
    cop3 = Session.objects.get(body=cop, number=3)
    cop4 = Session.objects.get(body=cop, number=4)
    austria = State.objects.filter(iso3="AUT").first()

    # --- Public facts -----------------------------------------------------------------------
    _session(
        cop,
        kind=SessionKind.CONFERENCE,
        starts_on=date(2004, 6, 28),
        ends_on=date(2004, 7, 8),
        number=1,
        city=VIENNA,
        country=austria,
        title={
            "en": "First session of the Conference of the Parties",
            "fr": "Première session de la Conférence des Parties",
            "es": "Primer período de sesiones de la Conferencia de las Partes",
            "ar": "الدورة الأولى لمؤتمر الأطراف",
            "ru": "Первая сессия Конференции участников",
            "zh": "缔约方会议第一届会议",
        },
        is_public_fact=True,
        source=COP_SOURCE,
    )
    during_cop3 = _session(
        wg,
        kind=SessionKind.DURING_CONFERENCE,
        starts_on=date(2006, 10, 12),
        ends_on=date(2006, 10, 13),
        during=cop3,
        city=VIENNA,
        country=austria,
        title={
            "en": "Meeting of the working group during the third session of the Conference",
            "fr": "Réunion du groupe de travail pendant la troisième session de la Conférence",
            "es": (
                "Reunión del grupo de trabajo durante el tercer período de sesiones de la "
                "Conferencia"
            ),
            "ar": "اجتماع الفريق العامل خلال الدورة الثالثة لمؤتمر الأطراف",
        },
        is_demo=True,
        source=(
            "Public fact: the group met during the third session (decision 2/6 (e)); "
            "the dates shown are illustrative."
        ),
    )
    wg2007 = _session(
        wg,
        kind=SessionKind.INTERSESSIONAL,
        starts_on=date(2007, 10, 3),
        ends_on=date(2007, 10, 5),
        city=VIENNA,
        country=austria,
        title={
            "en": "Intersessional meeting of the working group on technical assistance",
            "fr": "Réunion intersessions du groupe de travail sur l'assistance technique",
            "es": (
                "Reunión entre períodos de sesiones del grupo de trabajo sobre asistencia técnica"
            ),
            "ar": "اجتماع الفريق العامل المعني بالمساعدة التقنية فيما بين الدورتين",
        },
        is_public_fact=True,
        source=WG_SOURCE,
    )
    _document(
        "CTOC/COP/WG.2/2007/2",
        kind=DocumentKind.BACKGROUND,
        body=wg,
        session=wg2007,
        title={
            "en": "Background paper prepared by the Secretariat",
            "fr": "Document d'information établi par le Secrétariat",
            "es": "Documento de antecedentes preparado por la Secretaría",
            "ar": "ورقة معلومات أساسية أعدّتها الأمانة",
        },
        summary={
            "en": (
                "Proposes activities in priority areas: gathering information on "
                "implementation; strengthening criminal justice responses; central authorities "
                "for mutual legal assistance and extradition; capacity to collect data on "
                "organized crime; the Protocols; mobilization of resources."
            ),
        },
        original_language="en",
        is_public_fact=True,
        source=WG_SOURCE,
    )

    # --- Illustrative offices, participants, agendas ---------------------------------------
    mexico = State.objects.filter(iso3="MEX").first()
    if mexico is not None and not Membership.objects.filter(body=wg).exists():
        chair_user = ctx.users.get("delegate.mexico")
        Membership.objects.create(
            body=wg,
            state=mexico,
            person_name="Illustrative chair",
            user=chair_user,
            role=MembershipRole.CHAIR,
            starts_on=date(2006, 10, 9),
            ends_on=date(2008, 10, 17),
            is_demo=True,
        )
        for iso3, role in (("EGY", MembershipRole.VICE_CHAIR), ("FRA", MembershipRole.RAPPORTEUR)):
            state = State.objects.filter(iso3=iso3).first()
            if state is not None:
                Membership.objects.create(
                    body=wg, state=state, role=role, starts_on=date(2006, 10, 9), is_demo=True
                )
    demo_states = list(State.objects.filter(iso3__in=["EGY", "SEN", "MEX", "FRA", "NGA"]))
    others = list(State.objects.exclude(pk__in=[s.pk for s in demo_states]).order_by("iso3"))
    n_more = 35 if ctx.scale == "world" else 10
    sample = demo_states + ctx.rng.sample(others, min(n_more, len(others)))
    for session in (during_cop3, wg2007):
        _participants(ctx, session, sample, len(sample))

    # Needs reviewed (illustrative links to the demo register).
    open_needs = list(
        Need.objects.filter(status=NeedStatus.OPEN, confidential=False).order_by("pk")[:12]
    )
    if open_needs and not wg2007.needs_reviewed.exists():
        wg2007.needs_reviewed.add(*open_needs)

    # --- Illustrative reports to the fourth session and the review decision -----------------
    _document(
        "CTOC/COP/2008/DEMO.1",
        kind=DocumentKind.CHAIR_REPORT,
        body=wg,
        session=cop4,
        date=date(2008, 8, 1),
        title=_illustrative(
            {
                "en": "Report of the Chair on the activities of the working group",
                "fr": "Rapport du Président sur les activités du groupe de travail",
                "es": "Informe del Presidente sobre las actividades del grupo de trabajo",
                "ar": "تقرير الرئيس عن أنشطة الفريق العامل",
            }
        ),
        original_language="es",
        is_demo=True,
    )
    _document(
        "CTOC/COP/2008/DEMO.2",
        kind=DocumentKind.SECRETARIAT_TA_REPORT,
        session=cop4,
        date=date(2008, 7, 15),
        title=_illustrative(
            {
                "en": "Activities of the Secretariat in the field of technical assistance",
                "fr": "Activités du Secrétariat dans le domaine de l'assistance technique",
                "es": "Actividades de la Secretaría en materia de asistencia técnica",
                "ar": "أنشطة الأمانة في مجال المساعدة التقنية",
            }
        ),
        original_language="en",
        is_demo=True,
    )
    review = Outcome.objects.filter(kind=OutcomeKind.DECISION, number="4/3").first()
    if review is None:
        review = Outcome(
            kind=OutcomeKind.DECISION,
            number="4/3",
            session=cop4,
            adopted_on=date(2008, 10, 17),
            reviews_body=wg,
            title=_illustrative(
                {
                    "en": "Review of the working group on technical assistance",
                    "fr": "Examen du groupe de travail sur l'assistance technique",
                    "es": "Examen del grupo de trabajo sobre asistencia técnica",
                    "ar": "استعراض الفريق العامل المعني بالمساعدة التقنية",
                }
            ),
            text={
                "en": "Illustrative: the Conference decides that the working group shall be a "
                "constant element of the Conference and continue its work."
            },
            is_demo=True,
        )
        review._change_reason = REASON  # type: ignore[attr-defined]
        review.save()

    # --- Illustrative later sessions and their recommendations -------------------------------
    projects = list(Project.objects.order_by("code")[:6])
    themes = list(PriorityTheme.objects.order_by("pk")[:6])
    programmes = list(WorkProgramme.objects.order_by("pk")[:1])
    later_needs = list(
        Need.objects.filter(status=NeedStatus.OPEN, confidential=False).order_by("pk")[:40]
    )
    for index, (starts, ends) in enumerate(LATER_SESSIONS):
        session = _session(
            wg,
            kind=SessionKind.INTERSESSIONAL,
            starts_on=starts,
            ends_on=ends,
            city=VIENNA,
            country=austria,
            title=_illustrative(
                {
                    "en": f"Meeting of the Working Group on Technical Assistance, {starts.year}",
                    "fr": f"Réunion du Groupe de travail sur l'assistance technique, {starts.year}",
                    "es": f"Reunión del Grupo de trabajo sobre asistencia técnica, {starts.year}",
                    "ar": f"اجتماع الفريق العامل المعني بالمساعدة التقنية، {starts.year}",
                }
            ),
            is_demo=True,
        )
        _agenda(session, WG_AGENDA)
        _participants(ctx, session, sample, max(5, len(sample) - index * 2))
        reviewed = later_needs[index * 8 : index * 8 + 10]
        if reviewed and not session.needs_reviewed.exists():
            session.needs_reviewed.add(*reviewed)
        if index == 1:
            _document(
                f"CTOC/COP/WG.2/{starts.year}/DEMO.CRP.1",
                kind=DocumentKind.OTHER,
                body=wg,
                session=session,
                date=starts,
                title=_illustrative({"en": "Conference room paper (restricted)"}),
                distribution=Distribution.RESTRICTED,
                is_public=False,
                is_demo=True,
            )
        number = f"{starts.year}/1"
        if not Outcome.objects.filter(session=session, number=number).exists():
            outcome = Outcome(
                kind=OutcomeKind.RECOMMENDATION,
                number=number,
                session=session,
                adopted_on=ends,
                title=_illustrative(
                    {
                        "en": "Recommendation on priority needs and their funding",
                        "fr": "Recommandation sur les besoins prioritaires et leur financement",
                        "es": "Recomendación sobre las necesidades prioritarias y su financiación",
                        "ar": "توصية بشأن الاحتياجات ذات الأولوية وتمويلها",
                    }
                ),
                text={
                    "en": "Illustrative: the working group recommends that the Secretariat "
                    "develop projects for the needs reviewed and that donors consider funding "
                    "them, with attention to equitable geographical distribution."
                },
                is_demo=True,
            )
            outcome._change_reason = REASON  # type: ignore[attr-defined]
            outcome.save()
            outcome.needs.add(*reviewed[:4])
            if projects:
                outcome.projects.add(projects[index % len(projects)])
            if themes:
                outcome.priority_themes.add(themes[index % len(themes)])
            outcome.work_programmes.add(*programmes)
            article_ids = {n.article_id for n in reviewed[:4]}
            outcome.articles.add(*Article.objects.filter(pk__in=article_ids))
            ctx.count("meetings.outcomes")
        ctx.count("meetings.sessions")

    # --- Manual statuses of the mandates, set once (illustrative) ----------------------------
    secretariat = ctx.users.get("secretariat")
    if secretariat is None:
        return
    decision = Outcome.objects.get(kind=OutcomeKind.DECISION, number="2/6")
    background = Document.objects.get(symbol="CTOC/COP/WG.2/2007/2")
    manual: dict[str, dict[str, Any]] = {
        "a": {
            "status": ManualStatus.DONE,
            "evidence_note": "The decision itself establishes the group; it met from 2006.",
            "outcomes": [decision],
            "sessions": [during_cop3],
        },
        "b": {
            "status": ManualStatus.ONGOING,
            "evidence_note": "Questionnaires, requests and lessons learned are kept in Infobase.",
            "link_url": "/needs/",
            "link_label": "Needs register",
        },
        "c": {"status": ManualStatus.ONGOING, "evidence_note": "See functions (i)–(iv)."},
        "c(ii)": {
            "status": ManualStatus.ONGOING,
            "evidence_note": "Priorities of the work programme reviewed at each meeting.",
            "documents": [background],
            "link_url": "/programmes/",
            "link_label": "Multi-year work programmes",
        },
        "c(iii)": {
            "status": ManualStatus.ONGOING,
            "evidence_note": "Activities of the Secretariat, States and organizations recorded.",
            "link_url": "/activities/",
            "link_label": "Activities",
        },
        "c(iv)": {
            "status": ManualStatus.IN_PROGRESS,
            "evidence_note": "Pledges recorded and allocated to projects.",
            "link_url": "/funding/projects/",
            "link_label": "Projects",
        },
        "d": {
            "status": ManualStatus.IN_PROGRESS,
            "evidence_note": "Projects designed from the needs register.",
            "link_url": "/funding/projects/",
            "link_label": "Projects",
        },
        "f": {
            "status": ManualStatus.DONE,
            "evidence_note": "Background paper prepared for the intersessional meeting.",
            "documents": [background],
        },
    }
    for paragraph, values in manual.items():
        mandate = Mandate.objects.filter(decision=decision, paragraph=paragraph).first()
        if mandate is None or mandate.status_set_on is not None:
            continue
        mandate_set_status(
            mandate=mandate,
            reason="Illustrative status set by the demo data",
            user=secretariat,
            **values,
        )
        ctx.count("meetings.mandate_statuses")
