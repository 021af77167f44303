"""Hostile query parameters never give a server error, for any persona.

The URLconf is walked for every page; each page is first requested plainly while recording
which query parameters it reads, then again with every one of them set to each hostile value
(huge, negative, non-numeric, out-of-range year, empty, Arabic digits, very long, NUL …).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.http import QueryDict
from django.urls import URLPattern, URLResolver, get_resolver

from infobase.accounts.models import User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

HOSTILE = [
    "99999999999999999999",
    "-1",
    "10000",
    "0",
    "abc",
    "",
    "٣٤",
    "1e400",
    "2024-02-30",
    "\x00",
    "x" * 3000,
]
# read by many pages, sometimes only past a first check; "items" is what a template reading
# request.GET.items would take from the query string instead of the method
ALWAYS = ["page", "year", "lang", "items"]
SKIPPED_PREFIXES = ("admin/", "accounts/", "static/", "media/", "__")
SAMPLE_ARGS = {"int": "1", "str": "x", "slug": "x", "path": "x"}


def pages() -> Iterator[tuple[str, str]]:
    """(name, path) of every page of the URLconf, path arguments filled with a sample."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and not route.startswith(SKIPPED_PREFIXES):
                if "^" in route or "(?" in route:
                    continue  # regular-expression routes are only the admin's
                converters = getattr(pattern.pattern, "converters", {})
                path = route
                for name, converter in converters.items():
                    kind = type(converter).__name__.replace("Converter", "").lower()
                    sample = SAMPLE_ARGS.get(kind, "1")
                    start = path.index("<")
                    end = path.index(">", start)
                    assert name in path[start:end]
                    path = path[:start] + sample + path[end + 1 :]
                yield pattern.name or route, "/" + path

    return walk(get_resolver().url_patterns, "")


def _recording(read: set[str], original: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(self: QueryDict, key: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(key, str):
            read.add(key)
        return original(self, key, *args, **kwargs)

    return wrapper


@pytest.fixture
def personas(secretariat, focal_egypt, donor, delegate) -> dict[str, User | None]:  # type: ignore[no-untyped-def]
    return {
        "anonymous": None,
        "focal point": focal_egypt,
        "secretariat": secretariat,
        "donor": donor,
        "delegate": delegate,
    }


def test_no_page_answers_a_hostile_query_parameter_with_a_server_error(
    personas: dict[str, User | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    read: set[str] = set()
    for method in ("get", "getlist", "__getitem__", "__contains__"):
        monkeypatch.setattr(QueryDict, method, _recording(read, getattr(QueryDict, method)))
    all_pages = list(pages())
    assert len(all_pages) > 40  # the walk found the application's pages
    clients = {persona: client_for(user) for persona, user in personas.items()}
    failures: list[str] = []
    # Every persona opens every page once; the parameters a page reads are then tried with
    # each hostile value, the values shared out among the personas that may see the page
    # (anonymous visitors get them all) to keep the test fast.
    readers: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for persona, client in clients.items():
        client.raise_request_exception = False
        for name, path in all_pages:
            read.clear()
            response = client.get(path)
            if response.status_code >= 500:
                failures.append(f"{persona} {name} {path}: {response.status_code}")
            elif response.status_code == 200:  # else sign in, forbidden or not found
                keys = tuple(sorted((read | set(ALWAYS)) - {"csrfmiddlewaretoken"}))
                readers.setdefault(path, []).append((persona, keys))
    for path, seen_by in readers.items():
        for n, value in enumerate(HOSTILE):
            chosen = {seen_by[n % len(seen_by)]}
            chosen |= {(persona, keys) for persona, keys in seen_by if persona == "anonymous"}
            for persona, keys in chosen:
                response = clients[persona].get(path, {key: value for key in keys})
                if response.status_code >= 500:
                    failures.append(
                        f"{persona} {path}?{keys}={value[:30]!r}: {response.status_code}"
                    )
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize(
    "query",
    ["year=10000", "year=99999999999999999999", "year=-5", "year=abc", "year=", "page=99999999"],
)
def test_the_meetings_list_answers_a_bad_year_without_a_server_error(client, query) -> None:  # type: ignore[no-untyped-def]
    client.raise_request_exception = False
    response = client.get(f"/meetings/?{query}")
    assert response.status_code in (200, 400)
