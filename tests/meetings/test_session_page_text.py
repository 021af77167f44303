"""A session's page and the list of sessions as an Arabic reader meets them: the browser's tab
names the session in plain words, and the place reads with the language's separator between a
city and its country."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from infobase.meetings.demo_data import COP_SOURCE, WG_SOURCE
from infobase.reference.models import State
from tests.conftest import client_for
from tests.meetings.conftest import Data

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_vienna(met: Data) -> Data:
    session = met.intersessional
    assert session is not None
    session.title = {
        "en": "WG intersessional 2007",
        "ar": "اجتماع الفريق العامل 2007",
        "zh": "2007年工作组闭会期间会议",
    }
    session.city = {"en": "Vienna", "ar": "فيينا", "zh": "维也纳"}
    session.country = State.objects.get(iso3="AUT")
    session.save()
    return met


@pytest.mark.parametrize(
    ("lang", "title", "place"),
    [
        ("ar", "اجتماع الفريق العامل 2007", "فيينا، النمسا"),
        ("en", "WG intersessional 2007", "Vienna, Austria"),
        # A city and its country: the full-width comma, not the enumeration comma of lists.
        ("zh-hans", "2007年工作组闭会期间会议", "维也纳，奥地利"),
    ],
)
def test_the_session_page_names_the_session_in_its_tab_and_lists_its_place(
    in_vienna: Data, lang: str, title: str, place: str
) -> None:
    session = in_vienna.intersessional
    assert session is not None
    client = client_for(None)
    page = client.get(reverse("session_detail", args=[session.pk]), {"lang": lang})
    content = page.content.decode()
    tab = re.search(r"<title>(.*?)</title>", content, re.S)
    assert tab is not None
    # A <title> holds text only: markup there is shown as it is written.
    assert tab.group(1).strip().startswith(title), tab.group(1)
    assert "<" not in tab.group(1) and "&lt;" not in tab.group(1)
    assert place in strip_tags(content)
    listing = client.get(reverse("session_list"), {"lang": lang}).content.decode()
    assert place in strip_tags(listing)


def test_the_demo_sessions_sources_name_what_a_reader_can_look_up() -> None:
    # Shown as the session's source: a path into the developers' files meant nothing to a reader.
    for source in (COP_SOURCE, WG_SOURCE):
        assert not re.search(r"\.\./|\.md\b", source), source
