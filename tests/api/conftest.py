"""API helpers: a client sending a personal access token, and the throttles' counters reset."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from infobase.api.tokens import token_create
from infobase.needs.models import Need
from infobase.questionnaires.models import Assignment
from infobase.reference.models import Article, State
from tests.questionnaires.conftest import build_questionnaire


@pytest.fixture(autouse=True)
def fresh_throttles():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def token_client(user, *, read_only: bool = False, **headers: str) -> Client:  # type: ignore[no-untyped-def]
    secret = token_create(owner=user, name="script", read_only=read_only).secret
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", **headers)


@pytest.fixture
def questionnaire():  # type: ignore[no-untyped-def]
    return build_questionnaire(cycle_number=91, code="test-q")


def assign(questionnaire, state: State) -> Assignment:  # type: ignore[no-untyped-def]
    return Assignment.objects.create(
        questionnaire=questionnaire,
        state=state,
        deadline=date(2030, 1, 31),
        dispatched_at=timezone.now(),
    )


def make_need(iso3: str, number: int, kind: str = "legislative", **fields: object) -> Need:
    return Need.objects.create(
        state=State.objects.get(iso3=iso3),
        article=Article.objects.get(instrument__code="untoc", number=number),
        kind=kind,
        first_seen=date(2025, 1, 1),
        **fields,
    )
