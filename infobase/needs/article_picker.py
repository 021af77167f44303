"""The articles picker of the request form: a checkbox per article, grouped by instrument,
each article's paragraphs as checkboxes under it.

One click never drops earlier choices (a ``<select multiple>`` did, without Ctrl or ⌘, and a
phone has no Ctrl). The submitted values are the select's: ``"a<article id>"`` for the whole
article, ``"a<article id>.<paragraph>"`` for one paragraph, so the form's checks, the services
and the API are unchanged. It works without JavaScript (every instrument's group is shown);
``needs/request_form.js`` shows only the chosen instrument's, finds an article by number or
words of its title and says how many are chosen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from infobase.core.i18n import Translated
from infobase.core.text import fold
from infobase.core.widgets import chosen_texts
from infobase.reference.models import Article


@dataclass(frozen=True)
class PickerArticle:
    pk: int
    number: int
    title: Translated
    paragraphs: int  # 0 when the article is chosen only as a whole (one paragraph)

    @property
    def value(self) -> str:
        return f"a{self.pk}"

    def paragraph_values(self) -> list[tuple[int, str]]:
        return [(p, f"a{self.pk}.{p}") for p in range(1, self.paragraphs + 1)]


@dataclass
class PickerGroup:
    instrument_id: int
    name: str
    articles: list[PickerArticle] = field(default_factory=list)


def picker_groups() -> list[PickerGroup]:
    """Every article of every instrument, grouped by instrument, titles in the active
    language (English where one is missing). One query."""
    groups: dict[int, PickerGroup] = {}
    for article in Article.objects.select_related("instrument").order_by(
        "instrument__position", "number"
    ):
        group = groups.get(article.instrument_id)
        if group is None:
            group = groups[article.instrument_id] = PickerGroup(
                article.instrument_id, str(article.instrument)
            )
        # An article of one paragraph is chosen as a whole.
        count = article.paragraph_count or 0
        group.articles.append(
            PickerArticle(
                pk=article.pk,
                number=article.number,
                title=article.translated("title"),
                paragraphs=count if count > 1 else 0,
            )
        )
    return list(groups.values())


def option_value(article: Article, paragraph: int | None) -> str:
    """The picker's value for ``article`` (one of its paragraphs if given, and if it has more
    than one: an article of one paragraph is chosen as a whole)."""
    if paragraph is not None and (article.paragraph_count or 0) > 1:
        return f"a{article.pk}.{paragraph}"
    return f"a{article.pk}"


def article_label(article: PickerArticle) -> str:
    return _("Article %(number)s — %(title)s") % {
        "number": article.number,
        "title": article.title,
    }


def article_label_html(article: PickerArticle) -> str:
    """The label as HTML: a title shown in English for want of a translation says so (lang)."""
    if not article.title.is_fallback:
        return conditional_escape(article_label(article))
    title = format_html(
        '<span class="fallback" lang="{}" dir="{}">{}</span>',
        article.title.html_lang,
        article.title.dir,
        article.title.text,
    )
    template = conditional_escape(_("Article %(number)s — %(title)s"))
    return mark_safe(template % {"number": article.number, "title": title})


def paragraph_label(article: PickerArticle, paragraph: int) -> str:
    return _("Article %(number)s, paragraph %(paragraph)s") % {
        "number": article.number,
        "paragraph": paragraph,
    }


def picker_choices(groups: Iterable[PickerGroup]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The groups as a choice field's grouped choices (what the field accepts)."""
    choices = []
    for group in groups:
        options = []
        for article in group.articles:
            options.append((article.value, article_label(article)))
            options.extend(
                (value, paragraph_label(article, p)) for p, value in article.paragraph_values()
            )
        choices.append((group.name, options))
    return choices


class ArticlePicker(forms.Widget):
    """Checkboxes named like the field, grouped by instrument (``groups``, set by the form)."""

    template_name = "needs/widgets/article_picker.html"
    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.groups: list[PickerGroup] = []
        # The boxes a typed list sent ("5; 6(2)") stands for, set by the form once it has read
        # it: ticked when the form comes back refused, as the boxes ticked are.
        self.typed: set[str] = set()

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getter = getattr(data, "getlist", None)
        return getter(name) if getter is not None else data.get(name)

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        return False  # nothing ticked sends nothing, as a select multiple

    def format_value(self, value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value]

    def id_for_label(self, id_: str) -> str:
        return ""  # a group of checkboxes: its legend names it, no label points at it

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = set(context["widget"]["value"]) | self.typed
        base = context["widget"]["attrs"].get("id") or f"id_{name}"
        groups = []
        for group in self.groups:
            articles = []
            for article in group.articles:
                paragraphs = [
                    {
                        "value": value,
                        "id": f"{base}_{article.pk}_{p}",
                        "label": paragraph_label(article, p),
                        "checked": value in chosen,
                    }
                    for p, value in article.paragraph_values()
                ]
                articles.append(
                    {
                        "value": article.value,
                        "id": f"{base}_{article.pk}",
                        "number": article.number,
                        "label": article_label_html(article),
                        "find": fold(f"{article.number} {article.title}"),
                        "checked": article.value in chosen,
                        "paragraphs": paragraphs,
                        "open": any(p["checked"] for p in paragraphs),
                    }
                )
            groups.append(
                {"instrument": group.instrument_id, "name": group.name, "articles": articles}
            )
        context["widget"].update(
            {"id": base, "groups": groups, "count_texts": json.dumps(chosen_texts())}
        )
        return context
