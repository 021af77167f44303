"""Finding a State named in an uploaded file: by ISO code or by name in any of the six
languages, folded as every search is (``core.text.fold``). A name that two States share (a short
name of one that is the formal name of another, say) is ambiguous and never guessed.

Every import that names States (requests for assistance, questionnaire submissions) uses this one
rule and its messages."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from infobase.core.text import fold
from infobase.reference.models import State

LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
FIELDS = (
    "iso3",
    "iso2",
    *(f"{kind}_{lang}" for kind in ("name", "formal_name") for lang in LANGUAGES),
)


@dataclass(frozen=True)
class Found:
    """The State ``text`` names, or the reason there is none (``problem``, translated)."""

    state: State | None
    problem: str = ""


class StateLookup:
    """An index of every State by folded code and name, built with one query."""

    def __init__(self) -> None:
        self._index: dict[str, State | None] = {}  # None: two States answer to the key
        for state in State.objects.all():
            for name in FIELDS:
                key = fold(getattr(state, name, "") or "")
                if not key:
                    continue
                known = self._index.get(key, state)
                self._index[key] = state if known == state else None

    def find(self, text: str) -> Found:
        key = fold(text or "")
        if key in self._index and self._index[key] is None:
            return Found(
                None,
                _("“%(value)s” names more than one State; use the ISO alpha-3 code.")
                % {"value": text},
            )
        state = self._index.get(key)
        if state is None:
            return Found(None, _("“%(value)s” is not a known State.") % {"value": text})
        return Found(state)
