"""The UN document header: session and agenda item are chosen from the meetings records and
printed in UN style in each language ("Thirteenth session", "Item 2 of the provisional
agenda"), not as the bare number typed."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms

from infobase.core.i18n import language
from infobase.meetings.models import AgendaItem, Body, Session
from infobase.meetings.un_style import agenda_item_line, session_ordinal
from infobase.questionnaires.models import ReportingCycle
from infobase.reports import engine
from infobase.reports.params import conference_meta


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Thirteenth session"),
        ("fr", "Treizième session"),
        ("es", "13º período de sesiones"),
        ("ru", "Тринадцатая сессия"),
        ("ar", "الدورة الثالثة عشرة"),
        ("zh-hans", "第十三届会议"),
    ],
)
def test_session_ordinal_in_un_style(lang: str, expected: str) -> None:
    assert session_ordinal(13, lang) == expected


def test_ordinals_beyond_the_table_still_read_as_a_session() -> None:
    assert session_ordinal(21, "en") == "Session 21"
    assert session_ordinal(21, "zh-hans") == "第二十一届会议"


@pytest.fixture
def cop13(db):  # type: ignore[no-untyped-def]
    ReportingCycle.objects.create(number=1, name="Cycle 1")
    body = Body.objects.create(code="cop-test", kind="conference", name={"en": "Conference"})
    session = Session.objects.create(
        body=body,
        number=13,
        kind="conference",
        starts_on=date(2026, 10, 13),
        ends_on=date(2026, 10, 17),
        city={"en": "Vienna", "ar": "فيينا", "fr": "Vienne"},
        title={"en": "Thirteenth session of the Conference"},
    )
    item = AgendaItem.objects.create(session=session, number="2", title={"en": "TA"}, position=2)
    return session, item


def test_the_header_prints_the_chosen_session_and_item_in_the_reports_language(cop13):  # type: ignore[no-untyped-def]
    session, item = cop13
    params = engine.get("analytical").clean(
        {"instrument": "untoc", "cycle": "1", "session": session.pk, "agenda_item": item.pk}
    )
    with language("en"):
        meta = conference_meta(params, title="T", note="")
    assert meta.session == "Thirteenth session, Vienna, 13–17 October 2026"
    assert meta.agenda_item == "Item 2 of the provisional agenda"
    with language("ar"):
        meta = conference_meta(params, title="T", note="")
    assert meta.session == "الدورة الثالثة عشرة، فيينا، 13–17 أكتوبر 2026"
    assert meta.agenda_item == "البند 2 من جدول الأعمال المؤقت"


def test_an_item_of_another_session_is_refused(cop13):  # type: ignore[no-untyped-def]
    session, _item = cop13
    other = Session.objects.create(
        body=session.body,
        number=12,
        kind="conference",
        starts_on=date(2024, 10, 14),
        ends_on=date(2024, 10, 18),
        title={"en": "Twelfth"},
    )
    foreign = AgendaItem.objects.create(session=other, number="3", title={"en": "X"})
    with pytest.raises(forms.ValidationError, match="agenda_item"):
        engine.get("analytical").clean(
            {"instrument": "untoc", "cycle": "1", "session": session.pk, "agenda_item": foreign.pk}
        )


def test_older_parameters_with_typed_text_are_printed_as_typed(db):  # type: ignore[no-untyped-def]
    meta = conference_meta(
        {"session": "Fourth session", "agenda_item": "Item 3"}, title="T", note=""
    )
    assert (meta.session, meta.agenda_item) == ("Fourth session", "Item 3")


def test_agenda_item_line_in_chinese(cop13):  # type: ignore[no-untyped-def]
    assert agenda_item_line(cop13[1], "zh-hans") == "临时议程项目2"
