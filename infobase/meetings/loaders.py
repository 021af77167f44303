"""Loading a decision and its mandates from a data file (``data/decision-2-6.json``).

Like the reference loaders: the whole file is validated first (each problem names the file and
the place in it), then everything is written in one transaction, saving only rows that changed,
so that loading again changes nothing and the history shows real changes only. Statuses set by
the secretariat (manual status, evidence) are never touched by a reload.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from infobase.core.errors import InputProblem, InvalidInput, text_problem
from infobase.core.history import reason_with
from infobase.meetings.mandates import CHECKS
from infobase.meetings.models import (
    Actor,
    Body,
    BodyKind,
    Mandate,
    Outcome,
    OutcomeKind,
    Session,
    SessionKind,
)
from infobase.reference.loaders.csvio import upsert
from infobase.reference.loaders.reference import LoadResult
from infobase.reference.models import State

DATA_DIR = Path(__file__).resolve().parent / "data"
DECISION_2_6 = DATA_DIR / "decision-2-6.json"

AR_LETTERS = {
    "a": "أ",
    "b": "ب",
    "c": "ج",
    "d": "د",
    "e": "هـ",
    "f": "و",
    "g": "ز",
    "h": "ح",
    "i": "ط",
}
FUNCTIONS = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}


class _Checker:
    """Collects problems while reading the file."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[InputProblem] = []

    def add(self, place: str, message: str) -> None:
        self.problems.append(InputProblem(self.name, message, column=place))

    def text_map(self, place: str, value: Any, *, required: tuple[str, ...] = ("ar", "en")) -> None:
        if not isinstance(value, dict):
            self.add(place, _("a map of language codes to texts is expected."))
            return
        for code in required:
            if not str(value.get(code) or "").strip():
                self.add(place, _("the text in “%(lang)s” is missing.") % {"lang": code})

    def date(self, place: str, value: Any, *, required: bool = False) -> date | None:
        if value in (None, ""):
            if required:
                self.add(place, _("a date is required."))
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.add(
                place, _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": value}
            )
            return None

    def choice(self, place: str, value: Any, choices: list[str]) -> None:
        if value not in choices:
            self.add(
                place,
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": value, "allowed": ", ".join(choices)},
            )


def _shape(data: Any, check: _Checker) -> None:
    """The file is an object whose ``decision`` is an object and whose ``bodies``, ``sessions``
    and ``mandates`` are lists of objects (what ``_validate`` reads)."""
    if not isinstance(data, dict):
        check.add("", _("a JSON object is expected."))
        return
    if not isinstance(data.get("decision") or {}, dict):
        check.add("decision", _("a JSON object is expected."))
    for key in ("bodies", "sessions", "mandates"):
        entries = data.get(key) or []
        if not isinstance(entries, list):
            check.add(key, _("a list is expected."))
            continue
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                check.add(f"{key}[{i}]", _("a JSON object is expected."))


def _session_key(ref: Any) -> tuple[str, int] | None:
    """``"cop/4"`` → ``("cop", 4)``."""
    if not isinstance(ref, str) or "/" not in ref:
        return None
    body, number = ref.split("/", 1)
    return (body, int(number)) if number.isdigit() else None


# The texts written to a column of their own, by list and key: checked against its length
# (``_texts``). The other texts are kept in JSON or text columns, which have none.
_LIMITED = (
    ("bodies", "code", Body._meta.get_field("code")),
    ("mandates", "paragraph", Mandate._meta.get_field("paragraph")),
)


def _texts(data: Any, check: _Checker, place: str = "") -> None:
    """Every text of the file (keys too) by ``core.errors.text_problem``: no control or bidi
    character anywhere (PostgreSQL cannot store NUL in a JSON column either)."""
    if isinstance(data, dict):
        for key, value in data.items():
            inner = f"{place}.{key}" if place else str(key)
            if said := text_problem(key):
                check.add(inner, said)
            _texts(value, check, inner)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _texts(value, check, f"{place}[{i}]")
    elif said := text_problem(data):
        check.add(place, said)


def _lengths(data: dict[str, Any], check: _Checker) -> None:
    """A text written to a column of its own no longer than the column (``_LIMITED``, the
    decision's number); its characters are ``_texts``'s, said once."""
    limited = [
        (f"{key}[{i}].{name}", entry.get(name), field)
        for key, name, field in _LIMITED
        for i, entry in enumerate(data.get(key) or [])
    ]
    decision = data.get("decision") or {}
    limited.append(("decision.number", decision.get("number"), Outcome._meta.get_field("number")))
    for where, value, field in limited:
        if not text_problem(value) and (said := text_problem(value, field)):
            check.add(where, said)


def _validate(data: Any, check: _Checker) -> None:
    _shape(data, check)
    if check.problems:
        return
    _texts(data, check)
    _lengths(data, check)
    body_codes = set(Body.objects.values_list("code", flat=True))
    bodies = data.get("bodies") or []
    for i, body in enumerate(bodies):
        place = f"bodies[{i}]"
        if not body.get("code"):
            check.add(f"{place}.code", _("a code is required."))
        body_codes.add(body.get("code"))
        check.choice(f"{place}.kind", body.get("kind"), list(BodyKind.values))
        check.text_map(f"{place}.name", body.get("name"))
    for i, body in enumerate(bodies):
        if body.get("parent") and body["parent"] not in body_codes:
            check.add(
                f"bodies[{i}].parent",
                _("unknown body “%(code)s”.") % {"code": body["parent"]},
            )
    decision = data.get("decision") or {}
    for i, body in enumerate(bodies):
        if body.get("established_by") not in (None, "", decision.get("number")):
            check.add(
                f"bodies[{i}].established_by",
                _("only the decision of this file may be named here."),
            )
    session_keys = {
        (code, number)
        for code, number in Session.objects.filter(number__isnull=False).values_list(
            "body__code", "number"
        )
    }
    iso3 = set(State.objects.values_list("iso3", flat=True))
    for i, session in enumerate(data.get("sessions") or []):
        place = f"sessions[{i}]"
        if session.get("body") not in body_codes:
            check.add(
                f"{place}.body", _("unknown body “%(code)s”.") % {"code": session.get("body")}
            )
        if not isinstance(session.get("number"), int):
            check.add(f"{place}.number", _("a whole number is required."))
        session_keys.add((session.get("body"), session.get("number")))
        check.choice(f"{place}.kind", session.get("kind"), list(SessionKind.values))
        starts = check.date(f"{place}.starts_on", session.get("starts_on"), required=True)
        ends = check.date(f"{place}.ends_on", session.get("ends_on"), required=True)
        if starts and ends and ends < starts:
            check.add(f"{place}.ends_on", _("the session ends before it starts."))
        if session.get("country") and session["country"] not in iso3:
            check.add(
                f"{place}.country", _("unknown State “%(code)s”.") % {"code": session["country"]}
            )
        check.text_map(f"{place}.title", session.get("title"))
    if not decision.get("number"):
        check.add("decision.number", _("a decision number is required."))
    if _session_key(decision.get("session")) not in session_keys:
        check.add(
            "decision.session",
            _("unknown session “%(ref)s”.") % {"ref": decision.get("session")},
        )
    check.text_map("decision.title", decision.get("title"))
    mandates = data.get("mandates") or []
    if not mandates:
        check.add("mandates", _("at least one mandate is required."))
    seen: set[str] = set()
    for i, mandate in enumerate(mandates):
        place = f"mandates[{i}]"
        paragraph = mandate.get("paragraph")
        if not paragraph:
            check.add(f"{place}.paragraph", _("a paragraph is required."))
        elif paragraph in seen:
            check.add(
                f"{place}.paragraph",
                _("paragraph “%(paragraph)s” appears twice.") % {"paragraph": paragraph},
            )
        seen.add(paragraph)
        check.choice(f"{place}.actor", mandate.get("actor"), list(Actor.values))
        check.text_map(f"{place}.text", mandate.get("text"))
        if mandate.get("body") and mandate["body"] not in body_codes:
            check.add(f"{place}.body", _("unknown body “%(code)s”.") % {"code": mandate["body"]})
        if mandate.get("due_session") and _session_key(mandate["due_session"]) not in session_keys:
            check.add(
                f"{place}.due_session",
                _("unknown session “%(ref)s”.") % {"ref": mandate["due_session"]},
            )
        check.date(f"{place}.due_on", mandate.get("due_on"))
        code = mandate.get("check") or ""
        if code and code not in CHECKS:
            check.add(f"{place}.check", _("unknown automatic check “%(code)s”.") % {"code": code})
        params = mandate.get("check_params") or {}
        if not isinstance(params, dict):
            check.add(f"{place}.check_params", _("a JSON object is expected."))
        elif code == "all_of":
            for j, sub in enumerate(params.get("checks") or []):
                if not isinstance(sub, dict):
                    check.add(f"{place}.check_params.checks[{j}]", _("a JSON object is expected."))
                elif sub.get("check") not in CHECKS or sub.get("check") == "all_of":
                    check.add(
                        f"{place}.check_params.checks[{j}]",
                        _("unknown automatic check “%(code)s”.") % {"code": sub.get("check")},
                    )


def _session(ref: str | None) -> Session | None:
    key = _session_key(ref)
    if key is None:
        return None
    return Session.objects.get(body__code=key[0], number=key[1])


def _paragraph_label(paragraph: str, lang: str) -> str:
    if paragraph.startswith("c(") and paragraph.endswith(")"):
        roman = paragraph[2:-1]
        return f"‘{FUNCTIONS.get(roman, roman)}‘" if lang == "ar" else f"({roman})"
    return f"({AR_LETTERS.get(paragraph, paragraph)})" if lang == "ar" else f"({paragraph})"


def decision_text(data: dict[str, Any]) -> dict[str, str]:
    """The whole text of the decision (preamble, paragraphs, footnote) in each language."""
    decision = data["decision"]
    texts = {}
    for lang in ("ar", "en"):
        parts = [decision.get("preamble", {}).get(lang, "")]
        for mandate in data["mandates"]:
            label = _paragraph_label(mandate["paragraph"], lang)
            indent = "    " if mandate["paragraph"].startswith("c(") else ""
            parts.append(f"{indent}{label} {mandate['text'][lang]}")
        parts.append(decision.get("footnote", {}).get(lang, ""))
        texts[lang] = "\n\n".join(p for p in parts if p)
    return texts


def load_mandates(source: Path = DECISION_2_6) -> LoadResult:
    """Load (or refresh) a decision, the bodies and sessions it names, and its mandates."""
    name = source.name
    check = _Checker(name)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput([InputProblem(name, str(exc))]) from exc
    _validate(data, check)
    if check.problems:
        raise InvalidInput(check.problems)
    result = LoadResult()
    reason = reason_with(gettext_noop("Loaded from %(file)s"), file=name)
    decision_data = data["decision"]
    with transaction.atomic():
        for body in data.get("bodies", []):
            parent = Body.objects.get(code=body["parent"]) if body.get("parent") else None
            result.add(
                "body",
                upsert(
                    Body,
                    lookup={"code": body["code"]},
                    values={
                        "kind": body["kind"],
                        "name": body["name"],
                        "parent_id": parent and parent.pk,
                    },
                    reason=reason,
                ),
            )
        for session in data.get("sessions", []):
            country = State.objects.get(iso3=session["country"]) if session.get("country") else None
            result.add(
                "session",
                upsert(
                    Session,
                    lookup={
                        "body_id": Body.objects.get(code=session["body"]).pk,
                        "number": session["number"],
                    },
                    values={
                        "kind": session["kind"],
                        "starts_on": date.fromisoformat(session["starts_on"]),
                        "ends_on": date.fromisoformat(session["ends_on"]),
                        "city": session.get("city") or {},
                        "country_id": country and country.pk,
                        "title": session["title"],
                        "is_public_fact": True,
                        "is_demo": False,
                        "source": session.get("source", ""),
                    },
                    reason=reason,
                ),
            )
        adopted_at = _session(decision_data["session"])
        assert adopted_at is not None
        result.add(
            "outcome",
            upsert(
                Outcome,
                lookup={"kind": OutcomeKind.DECISION, "number": decision_data["number"]},
                values={
                    "session_id": adopted_at.pk,
                    "title": decision_data["title"],
                    "text": decision_text(data),
                    "is_public_fact": True,
                    "is_demo": False,
                    "source": decision_data.get("source", ""),
                },
                reason=reason,
            ),
        )
        decision = Outcome.objects.get(kind=OutcomeKind.DECISION, number=decision_data["number"])
        for body in data.get("bodies", []):
            if body.get("established_by"):
                result.add(
                    "body",
                    upsert(
                        Body,
                        lookup={"code": body["code"]},
                        values={"established_by_id": decision.pk},
                        reason=reason,
                    ),
                )
        for position, mandate in enumerate(data["mandates"], start=1):
            due_session = _session(mandate.get("due_session"))
            body = Body.objects.get(code=mandate["body"]) if mandate.get("body") else None
            result.add(
                "mandate",
                upsert(
                    Mandate,
                    lookup={"decision_id": decision.pk, "paragraph": mandate["paragraph"]},
                    values={
                        "position": position,
                        "actor": mandate["actor"],
                        "text": mandate["text"],
                        "body_id": body and body.pk,
                        "concerns": mandate.get("concerns") or {},
                        "due_session_id": due_session and due_session.pk,
                        "due_on": date.fromisoformat(mandate["due_on"])
                        if mandate.get("due_on")
                        else None,
                        "check_code": mandate.get("check") or "",
                        "check_params": mandate.get("check_params") or {},
                    },
                    reason=reason,
                ),
            )
    return result
