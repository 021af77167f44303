"""Reads for State reporting: what a user may see, the answering page, response rates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from infobase.accounts.permissions import scope_to_user
from infobase.questionnaires.models import (
    Answer,
    Assignment,
    AssignmentStatus,
    Item,
    ItemKind,
    Questionnaire,
)
from infobase.reference.models import (
    Instrument,
    LegalFamily,
    Participation,
    RegionalGroup,
    State,
)

ANSWERED = (AssignmentStatus.SUBMITTED, AssignmentStatus.VALIDATED)


def assignments_for(user: Any) -> QuerySet[Assignment]:
    return scope_to_user(
        user, Assignment.objects.select_related("questionnaire", "state"), delegates=True
    )


# --- The answering page -----------------------------------------------------------------


@dataclass
class Field:
    item: Item
    path: str
    answer: Answer | None
    previous: Any = None
    error: str = ""
    conflict: Any = None

    @property
    def key(self) -> str:
        return self.item.name + (f"@{self.path}" if self.path else "")

    @property
    def value(self) -> Any:
        return self.answer.value if self.answer else None

    @property
    def version(self) -> int:
        return self.answer.version if self.answer else 0


@dataclass
class Block:
    """A section, a repeat instance, or the top level, with its fields and sub-blocks."""

    item: Item | None
    path: str
    instance: int = 0
    entries: list[Field | Block] = field(default_factory=list)

    @property
    def is_block(self) -> bool:
        return True

    def fields(self) -> Iterable[Field]:
        for entry in self.entries:
            if isinstance(entry, Block):
                yield from entry.fields()
            else:
                yield entry

    @property
    def progress(self) -> tuple[int, int]:
        fields = [f for f in self.fields() if f.item.is_answerable]
        return sum(1 for f in fields if f.value not in (None, "", [])), len(fields)


def answer_page(assignment: Assignment, *, previous: dict[str, Any] | None = None) -> Block:
    """The questionnaire as a tree of blocks holding the current answers."""
    items = list(
        assignment.questionnaire.items.select_related("choice_list", "article__instrument")
        .prefetch_related("choice_list__choices")
        .order_by("position")
    )
    answers = {
        (a.item_id, a.repeat_path): a
        for a in Answer.objects.filter(assignment=assignment).select_related("updated_by")
    }
    children: dict[int | None, list[Item]] = defaultdict(list)
    for item in items:
        children[item.parent_id].append(item)
    previous = previous or {}

    def instances(repeat: Item, prefix: str) -> int:
        inside = {i.pk for i in _descendants(repeat, children)}
        counts = {
            int(path[len(prefix) :].split(".")[0])
            for (item_id, path) in answers
            if item_id in inside and path.startswith(prefix) and path[len(prefix) :]
        }
        return max(counts, default=0) + 1  # the existing ones and one empty

    def build(parent: Item | None, path: str, block: Block) -> Block:
        for item in children.get(parent.pk if parent else None, []):
            if item.kind == ItemKind.GROUP:
                block.entries.append(build(item, path, Block(item, path)))
            elif item.kind == ItemKind.REPEAT:
                prefix = f"{path}." if path else ""
                for n in range(1, instances(item, prefix) + 1):
                    child_path = f"{prefix}{n}"
                    block.entries.append(build(item, child_path, Block(item, child_path, n)))
            elif item.kind in (ItemKind.META, ItemKind.CALCULATE, ItemKind.OTHER):
                continue
            else:
                block.entries.append(
                    Field(
                        item,
                        path,
                        answers.get((item.pk, path)),
                        previous.get(item.name) if not path else None,
                    )
                )
        return block

    return build(None, "", Block(None, ""))


def _descendants(item: Item, children: dict[int | None, list[Item]]) -> list[Item]:
    out: list[Item] = []
    for child in children.get(item.pk, []):
        out.append(child)
        out.extend(_descendants(child, children))
    return out


def previous_answers(assignment: Assignment) -> dict[str, Any]:
    """The State's answers in the latest earlier cycle, by item name (outside repeats)."""
    earlier = (
        Assignment.objects.filter(
            state=assignment.state,
            questionnaire__cycle__number__lt=assignment.questionnaire.cycle.number,
            questionnaire__instruments__in=assignment.questionnaire.instruments.all(),
        )
        .order_by("-questionnaire__cycle__number")
        .first()
    )
    if earlier is None:
        return {}
    return dict(
        Answer.objects.filter(assignment=earlier, repeat_path="")
        .exclude(value=None)
        .values_list("item__name", "value")
    )


# --- Response rates ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    asked: int
    answered: int

    @property
    def percent(self) -> float:
        return round(100 * self.answered / self.asked, 1) if self.asked else 0.0


def _assignments(questionnaires: Iterable[Questionnaire]) -> QuerySet[Assignment]:
    return Assignment.objects.filter(questionnaire__in=list(questionnaires))


def response_rate(questionnaires: Iterable[Questionnaire]) -> Rate:
    totals = _assignments(questionnaires).aggregate(
        asked=Count("pk"), answered=Count("pk", filter=Q(status__in=ANSWERED))
    )
    return Rate("all", "", totals["asked"], totals["answered"])


def rates_by_group(questionnaires: Iterable[Questionnaire]) -> list[Rate]:
    rows = (
        _assignments(questionnaires)
        .values("state__regional_group")
        .annotate(asked=Count("pk"), answered=Count("pk", filter=Q(status__in=ANSWERED)))
    )
    found = {r["state__regional_group"]: r for r in rows}
    labels = [*RegionalGroup.choices, ("", "")]
    return [
        Rate(code, str(label), found[code]["asked"], found[code]["answered"])
        for code, label in labels
        if code in found
    ]


def rates_by_legal_family(questionnaires: Iterable[Questionnaire]) -> list[Rate]:
    qs = _assignments(questionnaires)
    out = []
    for family in LegalFamily:
        rows = qs.filter(**{f"state__legal_{family.value}": True}).aggregate(
            asked=Count("pk"), answered=Count("pk", filter=Q(status__in=ANSWERED))
        )
        if rows["asked"]:
            out.append(Rate(family.value, str(family.label), rows["asked"], rows["answered"]))
    return out


def rates_by_instrument(questionnaires: Iterable[Questionnaire]) -> list[Rate]:
    """For each instrument covered, the States asked that take part in it (signed or bound)."""
    questionnaires = list(questionnaires)
    qs = _assignments(questionnaires)
    out = []
    instruments = Instrument.objects.filter(questionnaires__in=questionnaires).distinct()
    for instrument in instruments:
        involved = Participation.objects.filter(instrument=instrument).values("state_id")
        rows = qs.filter(state_id__in=involved).aggregate(
            asked=Count("pk"), answered=Count("pk", filter=Q(status__in=ANSWERED))
        )
        if rows["asked"]:
            label = str(instrument.translated("short_name"))
            out.append(Rate(instrument.code, label, rows["asked"], rows["answered"]))
    return out


def rates_by_status(questionnaires: Iterable[Questionnaire]) -> dict[str, int]:
    rows = _assignments(questionnaires).values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}


def rates_over_cycles() -> list[Rate]:
    rows = (
        Assignment.objects.values("questionnaire__cycle__number", "questionnaire__cycle__name")
        .annotate(asked=Count("pk"), answered=Count("pk", filter=Q(status__in=ANSWERED)))
        .order_by("questionnaire__cycle__number")
    )
    return [
        Rate(
            str(r["questionnaire__cycle__number"]),
            r["questionnaire__cycle__name"],
            r["asked"],
            r["answered"],
        )
        for r in rows
    ]


def overdue(
    questionnaires: Iterable[Questionnaire], *, today: date | None = None
) -> QuerySet[Assignment]:
    today = today or timezone.localdate()
    return (
        _assignments(questionnaires)
        .filter(deadline__lt=today)
        .exclude(status__in=ANSWERED)
        .select_related("state", "questionnaire")
        .order_by("deadline", "state__name_en")
    )


def states_not_assigned(questionnaire: Questionnaire) -> QuerySet[State]:
    return State.objects.exclude(assignments__questionnaire=questionnaire)
