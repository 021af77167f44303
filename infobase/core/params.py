"""Query-string values read outside forms, parsed within bounds (a bad value is ignored).

Forms with bounded fields are the rule for query parameters; these helpers are for the few
lists of ids read straight from ``request.GET``.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_ID = 2**31 - 1  # the largest primary key of every database the project runs on


def ids_from(values: Iterable[str], *, limit: int | None = None) -> list[int]:
    """The values that are record ids (ASCII digits, 1 to ``MAX_ID``), in order, at most
    ``limit`` of them; huge numbers, Arabic-Indic digits and text are left out."""
    out: list[int] = []
    for value in values:
        text = str(value).strip()
        if text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_ID:
            out.append(int(text))
            if limit is not None and len(out) >= limit:
                break
    return out


def id_from(value: str) -> int | None:
    """One record id read as ``ids_from`` reads them (``"²"``, ``"٣"`` or a number past the
    database's integers is none), else None."""
    found = ids_from([value], limit=1)
    return found[0] if found else None
