"""Form widgets for long lists: quick to render, and a multiple choice one can use.

Django renders each ``<option>`` of a select through its own template include (about 50 µs
each): a filter of every State or article costs 10–15 ms per page. ``FastSelect`` writes the
same HTML as ``forms.Select``'s templates in Python (a test compares the two). ``Checklist``
replaces a ``<select multiple>`` of more than a few items by checkboxes one can find and tick."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

from infobase.core.text import fold


def _attrs(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``: `` name="value"``, `` name`` for True, nothing
    for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(out)


class FastSelect(forms.Select):
    """``forms.Select`` with the HTML of its templates (``select.html``, ``select_option.html``)
    written without a template per option."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in group_choices:
                out.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))  # every value was escaped above


# One number per plural category of the Unicode CLDR (what the browser's Intl.PluralRules
# names), each in that category wherever the language has it: a count's translation for each
# is written into the page and a script picks the one its number falls in.
PLURAL_SAMPLES = {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 11, "other": 100}


def chosen_text(count: int) -> str:
    """The count of items chosen ("N chosen") in the active language."""
    return ngettext("%(count)s chosen", "%(count)s chosen", count) % {"count": count}


def chosen_texts() -> dict[str, str]:
    """The count ("N chosen") in the active language for each plural category, ``{n}`` for
    the number."""
    return {
        category: ngettext("%(count)s chosen", "%(count)s chosen", sample) % {"count": "{n}"}
        for category, sample in PLURAL_SAMPLES.items()
    }


# A checklist of fewer items than this is seen whole: it has no box to find one.
FIND_FROM = 16


class Checklist(forms.CheckboxSelectMultiple):
    """A long multiple choice (every State, the needs or activities of a project) as a list of
    checkboxes: one click ticks or unticks one item and never drops the others (a ``<select
    multiple>`` did, without Ctrl or ⌘, saying nothing; a phone has no Ctrl).

    The field's name and values are the select's, so forms, services and tests are unchanged.
    The list is a group named by its field's label (``use_fieldset``: Django's field template
    writes the fieldset and its legend), scrolled within a bounded height, the items chosen
    listed first. ``infobase/js/checklist.js`` adds a box that narrows the list as one types
    (from ``FIND_FROM`` items: the lists of sessions or documents may still be short)
    (folded as ``core.text.fold`` folds each item's ``data-find``, through
    ``infobase/js/fold.js``), the count of items chosen, announced politely, and their names;
    without it the list is a plain list of checkboxes. ``auto_dir``: each item laid out in the
    direction of its own text (titles in any language: an English title on an Arabic page is
    not cut at its start)."""

    template_name = "infobase/widgets/checklist.html"

    def __init__(
        self, attrs: dict[str, Any] | None = None, choices: Any = (), *, auto_dir: bool = False
    ) -> None:
        super().__init__(attrs, choices)
        self.auto_dir = auto_dir

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        base = widget["attrs"].get("id") or f"id_{name}"
        items: list[dict[str, Any]] = []
        for _group, options, _index in widget["optgroups"]:
            for option in options:
                label = str(option["label"])
                items.append(
                    {
                        "value": option["value"],
                        "id": option["attrs"].get("id") or f"{base}_{len(items)}",
                        "label": label,
                        "find": fold(label),
                        "checked": option["selected"],
                    }
                )
        # The items chosen first (in their order), then the others: seen without scrolling.
        items.sort(key=lambda item: not item["checked"])
        picked = [item["label"] for item in items if item["checked"]]
        widget.update(
            {
                "id": base,
                "items": items,
                "picked": picked,
                "count": chosen_text(len(picked)),
                "count_texts": json.dumps(chosen_texts()),
                "findable": len(items) >= FIND_FROM,
                "auto_dir": self.auto_dir,
                "disabled": bool(widget["attrs"].get("disabled")),
            }
        )
        return context
