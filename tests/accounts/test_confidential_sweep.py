"""An attacker's sweep: a State's confidential texts reach no one else, whatever they ask for.

A State's confidential answers (their article statuses' explanations and challenges) and a
confidential request for assistance carry one marker word. Every other reader (another State's
focal point, a delegate, a donor, an anonymous visitor) then opens every page of the URLconf,
with every identifier of those records put into its address, every list of the API as JSON,
CSV and XLSX, and the pages' files made by the export jobs. The marker must appear nowhere:
not in a page, not in a file (read inside the XLSX's zip), not in an error. And a search for
the marker must answer as a search for a word that exists nowhere.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from infobase.api.urls import open_router, router
from infobase.needs.derivation import needs_derive
from infobase.needs.models import AssistanceRequest, Need, NeedEvidence
from infobase.questionnaires import services as questionnaires
from infobase.questionnaires.models import Answer, ArticleImplementation, Assignment, StatedNeed
from infobase.reference.models import AssistanceKind, Instrument
from tests.conftest import client_for, exported

pytestmark = pytest.mark.django_db

MARK = "kqzwvx"  # in every planted confidential text, in nothing public
ABSENT = "pjrnbd"  # a word of the same shape that is nowhere at all
SKIPPED = ("admin/", "static/", "media/", "__", "i18n/", "accounts/logout")
PAGE_EXPORTS = [
    ("need_export", []),
    ("who_what_where_export", []),
    ("funding_gaps_export", []),
    *(("coverage_export", [what]) for what in ("gaps", "needs", "overlaps")),
]


def _pages() -> Iterator[tuple[str, list[str]]]:
    """(route, names of its integer arguments) of every GET page of the URLconf."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, list[str]]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and not route.startswith(SKIPPED):
                if "^" in route or "(?" in route:
                    continue
                yield route, list(getattr(pattern.pattern, "converters", {}))

    return walk(get_resolver().url_patterns, "")


def _addresses(ids: list[int]) -> Iterator[str]:
    """Every page's address, each integer argument in turn every one of ``ids``; other
    arguments (codes, slugs) take a sample."""
    for route, arguments in _pages():
        if any(f"<int:{name}>" in route for name in arguments):
            for pk in ids:
                path = re.sub(r"<int:\w+>", str(pk), route)
                yield "/" + re.sub(r"<[^>]+>", "EGY", path)
        else:
            yield "/" + re.sub(r"<[^>]+>", "EGY", route)


def _text(response: Any) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # XLSX, DOCX: the zip's members, inflated
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"".join(archive.read(name) for name in archive.namelist())
    return body.decode("utf-8", "replace")


@pytest.fixture
def planted(demo: None, focal_egypt: Any) -> dict[str, list[int]]:
    """Confidential texts of two States, each carrying ``MARK``: a request of Egypt's filed
    on the web, another State's validated answers; returns the identifiers of every record
    holding or derived from them."""
    client = client_for(focal_egypt)
    response = client.post(
        reverse("request_new"),
        {
            "instrument": Instrument.objects.get(code="untoc").pk,
            "articles": "12",
            "kinds": [AssistanceKind.TRAINING],
            "title": f"Confiscation {MARK} training",
            "description": f"Vessels seized {MARK} in confidence.",
            "reference": f"NV-{MARK}-7",
            "language": "en",
            "urgency": "high",
            "confidential": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    request = AssistanceRequest.objects.get(title__contains=MARK)
    assert request.confidential and request.state.iso3 == "EGY"

    # A State's validated answers (none of the readers'): the free texts of its article
    # statuses, in confidence.
    assignment = (
        Assignment.objects.filter(status="validated")
        .exclude(state__iso3__in=["SEN", "MEX"])
        .order_by("-pk")
        .first()
    )
    assert assignment is not None, "the demo data has validated answers"
    texts = Answer.objects.filter(
        assignment=assignment, item__role__in=["explanation", "challenges"], repeat_path=""
    )
    assert texts.exists()
    for answer in texts:
        answer.value = f"In confidence {MARK} ({answer.pk})"
        answer.confidential = True
        answer.save()
    # A stated need of Egypt's in confidence, so that a need rests on it alone.
    questionnaires.derive(assignment=assignment)
    StatedNeed.objects.filter(assignment=assignment).update(confidential=True)
    needs_derive(full=True)
    secret_needs = list(
        Need.objects.filter(
            state__in=[request.state_id, assignment.state_id], confidential=True
        ).values_list("pk", flat=True)
    )
    assert secret_needs
    statuses = ArticleImplementation.objects.filter(assignment=assignment)
    assert statuses.filter(confidential=True).exists()
    return {
        "requests": [request.pk],
        "lines": list(request.lines.values_list("pk", flat=True)),
        "assignments": [assignment.pk],
        "answers": list(texts.values_list("pk", flat=True)),
        "statuses": list(statuses.values_list("pk", flat=True)),
        "needs": secret_needs,
        "evidence": list(
            NeedEvidence.objects.filter(need_id__in=secret_needs).values_list("pk", flat=True)
        ),
    }


@pytest.fixture
def readers(focal_senegal: Any, delegate: Any, donor: Any) -> dict[str, Client]:
    clients = {
        "anonymous": Client(),
        "another State's focal point": client_for(focal_senegal),
        "delegate": client_for(delegate),
        "donor": client_for(donor),
    }
    for client in clients.values():
        client.raise_request_exception = False
    return clients


def _ids(planted: dict[str, list[int]]) -> list[int]:
    # One of each kind: every address is tried with each.
    return sorted({pk for pks in planted.values() for pk in pks[:1]})


def test_the_owner_and_the_secretariat_do_see_the_marker(
    planted: dict[str, list[int]], focal_egypt: Any, secretariat: Any
) -> None:
    # The sweep below would pass vacuously if the marker were shown to no one.
    for user in (focal_egypt, secretariat):
        client = client_for(user)
        page = client.get(reverse("request_detail", args=planted["requests"]))
        assert MARK in _text(page)
    staff = client_for(secretariat)
    assert MARK in _text(staff.get(f"/api/v1/assignments/{planted['assignments'][0]}/answers/"))
    assert MARK in _text(staff.get(f"/assignments/{planted['assignments'][0]}/"))
    assert MARK in _text(staff.get("/api/v1/requests/?format=xlsx"))


def test_no_page_shows_another_states_confidential_text_to_anyone(
    planted: dict[str, list[int]], readers: dict[str, Client]
) -> None:
    addresses = sorted(set(_addresses(_ids(planted))))
    assert len(addresses) > 100  # the walk found the application's pages
    leaks: list[str] = []
    for persona, client in readers.items():
        for address in addresses:
            response = client.get(address)
            if response.status_code in (301, 302, 303, 307, 308):
                continue
            if MARK in _text(response):
                leaks.append(f"{persona}: {address} ({response.status_code})")
    assert leaks == [], "\n".join(leaks)


def _api_addresses(ids: list[int]) -> Iterator[str]:
    """The API's lists (as JSON, CSV, XLSX and searched for the marker), and each of its
    records and their read actions with every one of ``ids``."""
    for base, registry in (("/api/v1/", router.registry), ("/api/v1/open/", open_router.registry)):
        for prefix, viewset, _name in registry:
            url = f"{base}{prefix}/"
            for query in ("", "?format=csv", "?format=xlsx", f"?search={MARK}", f"?q={MARK}"):
                yield url + query
            actions = [
                action.url_path
                for action in viewset.get_extra_actions()
                if action.detail and "get" in action.mapping
            ]
            for pk in ids:
                yield f"{url}{pk}/"
                yield from (f"{url}{pk}/{path}/" for path in actions)


def test_no_api_list_record_or_file_holds_it(
    planted: dict[str, list[int]], readers: dict[str, Client]
) -> None:
    addresses = list(_api_addresses(_ids(planted)))
    assert "/api/v1/needs/?format=csv" in addresses
    leaks: list[str] = []
    for persona, client in readers.items():
        for address in addresses:
            response = client.get(address)
            # A search echoes its own words: only the marker found elsewhere counts.
            if MARK in _text(response).replace(f"={MARK}", "").replace(f'"{MARK}"', ""):
                leaks.append(f"{persona}: {address} ({response.status_code})")
    assert leaks == [], "\n".join(leaks)


def test_no_exported_file_holds_it(
    planted: dict[str, list[int]], readers: dict[str, Client]
) -> None:
    leaks: list[str] = []
    made: set[str] = set()  # the exports that gave some reader a file
    for persona, client in readers.items():
        for name, args in PAGE_EXPORTS:
            for fmt in ("csv", "xlsx"):
                response = exported(client, reverse(name, args=[*args, fmt]))
                if response.has_header("Content-Disposition"):
                    made.add(f"{name} {args}")
                if MARK in _text(response):
                    leaks.append(f"{persona}: {name} {args} {fmt} ({response.status_code})")
    assert leaks == [], "\n".join(leaks)
    assert len(made) == len(PAGE_EXPORTS), made


def _normalised(text: str, word: str) -> str:
    text = text.replace(word, "WORD")
    # Per-response values: the CSRF token, the CSP nonce, a form's once-only token.
    return re.sub(r'(csrfmiddlewaretoken" value=|nonce=|name="once" value=)"[^"]*"', r"\1", text)


def test_a_search_for_it_answers_as_a_search_for_nothing(
    planted: dict[str, list[int]], readers: dict[str, Client]
) -> None:
    differing: list[str] = []
    for persona, client in readers.items():
        for route in ["requests/", "needs/", "lessons/", "activities/", "meetings/documents/"]:
            found = client.get(f"/{route}", {"q": MARK})
            nothing = client.get(f"/{route}", {"q": ABSENT})
            if found.status_code != nothing.status_code or _normalised(
                _text(found), MARK
            ) != _normalised(_text(nothing), ABSENT):
                differing.append(f"{persona}: /{route}?q=")
    assert differing == [], "\n".join(differing)


def test_no_report_to_the_conference_holds_it(planted: dict[str, list[int]]) -> None:
    # Reports go to the Conference whoever asked for them: no confidential text in any, in
    # the formats that carry their text as text (HTML, and the tables as XLSX). The analytical
    # report for the cycle and each instrument of the answers planted.
    from infobase.reports import engine
    from infobase.reports.services import report_render

    assignment = Assignment.objects.select_related("questionnaire__cycle").get(
        pk=planted["assignments"][0]
    )
    cycle = str(assignment.questionnaire.cycle.number)
    chosen = [
        (slug, {"start": "2000-01-01", "end": "2030-12-31"})
        for slug in ("chair", "secretariat", "effectiveness")
    ] + [
        ("analytical", {"instrument": code, "cycle": cycle})
        for code in assignment.questionnaire.instruments.values_list("code", flat=True)
    ]
    leaks: list[str] = []
    for slug, raw in chosen:
        params = engine.get(slug).clean(raw)
        for fmt in ("html", "xlsx"):
            body = report_render(slug=slug, params=params, lang="en", fmt=fmt)
            if MARK in _text(HttpResponse(body)):
                leaks.append(f"{slug} {raw} {fmt}")
    assert {slug for slug, _raw in chosen} == {r.slug for r in engine.all_reports()}
    assert leaks == [], "\n".join(leaks)
