"""Fixtures of the meetings tests: decision 2/6 loaded, and data on which every automatic check
of the decision is met (each test then removes or moves one thing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from infobase.meetings.loaders import load_mandates
from infobase.meetings.models import (
    Body,
    Document,
    DocumentKind,
    Outcome,
    OutcomeKind,
    Session,
    SessionKind,
)
from infobase.needs.models import Need
from infobase.reference.models import Article, State


@dataclass
class Data:
    decision: Outcome
    cop: Body
    wg: Body
    cop3: Session
    cop4: Session
    during_cop3: Session | None = None
    intersessional: Session | None = None
    chair_report: Document | None = None
    secretariat_report: Document | None = None
    review: Outcome | None = None


@pytest.fixture
def decision_data(db) -> Data:  # type: ignore[no-untyped-def]
    load_mandates()
    return Data(
        decision=Outcome.objects.get(kind=OutcomeKind.DECISION, number="2/6"),
        cop=Body.objects.get(code="cop"),
        wg=Body.objects.get(code="wg-ta"),
        cop3=Session.objects.get(body__code="cop", number=3),
        cop4=Session.objects.get(body__code="cop", number=4),
    )


@pytest.fixture
def met(decision_data: Data) -> Data:
    """Everything decision 2/6 asks for that can be checked, recorded."""
    data = decision_data
    data.during_cop3 = Session.objects.create(
        body=data.wg,
        kind=SessionKind.DURING_CONFERENCE,
        during=data.cop3,
        starts_on=date(2006, 10, 12),
        ends_on=date(2006, 10, 13),
        title={"en": "WG during COP3"},
    )
    data.intersessional = Session.objects.create(
        body=data.wg,
        kind=SessionKind.INTERSESSIONAL,
        starts_on=date(2007, 10, 3),
        ends_on=date(2007, 10, 5),
        title={"en": "WG intersessional 2007"},
    )
    need = Need.objects.create(
        state=State.objects.get(iso3="EGY"),
        article=Article.objects.order_by("pk").first(),
        kind="training",
        first_seen=date(2007, 1, 1),
    )
    data.intersessional.needs_reviewed.add(need)
    data.chair_report = Document.objects.create(
        symbol="CTOC/COP/2008/90",
        kind=DocumentKind.CHAIR_REPORT,
        body=data.wg,
        session=data.cop4,
        date=date(2008, 8, 1),
        title={"en": "Report of the Chair"},
    )
    data.secretariat_report = Document.objects.create(
        symbol="CTOC/COP/2008/91",
        kind=DocumentKind.SECRETARIAT_TA_REPORT,
        session=data.cop4,
        date=date(2008, 7, 15),
        title={"en": "Secretariat report on technical assistance"},
    )
    data.review = Outcome.objects.create(
        kind=OutcomeKind.DECISION,
        number="4/3",
        session=data.cop4,
        reviews_body=data.wg,
        title={"en": "Review of the working group"},
    )
    return data
