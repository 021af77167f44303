"""The public face of a State and of an article, assembled from sections the other apps provide.

Reference data sits below every other app, so it cannot read their records itself. Each app
that has something public to say about a State or an article provides it in its own
``public_profile.py`` module, which registers plain functions here (the way the admin finds
``admin.py`` modules). A section function receives the State (or article) and the user and
returns the context of its template — or ``None`` when it has nothing to show.

What a section shows is the public's share only: confidential answers are never shown, and
records behind a permission are counted, not listed, for a visitor without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules

from infobase.reference.models import Article, State

StateSection = Callable[[State, Any], dict[str, Any] | None]
ArticleSection = Callable[[Article, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Section:
    key: str  # stable id of the section on the page
    order: int
    template: str
    build: Callable[[Any, Any], dict[str, Any] | None]


_state_sections: dict[str, Section] = {}
_article_sections: dict[str, Section] = {}
_discovered = False


def state_section(*, key: str, order: int, template: str) -> Callable[[StateSection], StateSection]:
    """Register a section of the public State profile."""

    def decorator(fn: StateSection) -> StateSection:
        _state_sections[key] = Section(key, order, template, fn)
        return fn

    return decorator


def article_section(
    *, key: str, order: int, template: str
) -> Callable[[ArticleSection], ArticleSection]:
    """Register a section of the public article page."""

    def decorator(fn: ArticleSection) -> ArticleSection:
        _article_sections[key] = Section(key, order, template, fn)
        return fn

    return decorator


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("public_profile")
        _discovered = True


@dataclass(frozen=True)
class Rendered:
    key: str
    template: str
    context: dict[str, Any]


def _build(sections: dict[str, Section], subject: Any, user: Any) -> list[Rendered]:
    _discover()
    out = []
    for section in sorted(sections.values(), key=lambda s: (s.order, s.key)):
        context = section.build(subject, user)
        if context is not None:
            out.append(Rendered(section.key, section.template, context))
    return out


def state_sections(state: State, user: Any) -> list[Rendered]:
    return _build(_state_sections, state, user)


def article_sections(article: Article, user: Any) -> list[Rendered]:
    return _build(_article_sections, article, user)
