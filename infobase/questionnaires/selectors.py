"""Reads for State reporting: what a user may see, the answering page, response rates."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from infobase.accounts.permissions import scope_to_user
from infobase.core.i18n import PERCENT_DIGITS
from infobase.questionnaires import expressions
from infobase.questionnaires.models import (
    ANSWERED,
    AWAITING_STATE,
    Answer,
    AnswerFile,
    Assignment,
    AssignmentStatus,
    Choice,
    Item,
    ItemKind,
    Questionnaire,
    ReportingCycle,
    ReviewComment,
)
from infobase.reference.models import (
    Instrument,
    LegalFamily,
    Participation,
    RegionalGroup,
    State,
)


def assignments_for(user: Any) -> QuerySet[Assignment]:
    return scope_to_user(
        user, Assignment.objects.select_related("questionnaire", "state"), delegates=True
    )


# --- The answering page -----------------------------------------------------------------

EMPTY: tuple[Any, ...] = (None, "", [])
MAX_RELEVANCE_PASSES = 12  # hiding a question can hide another that reads it: settle, bounded
MAX_NEW_INSTANCE = 500  # highest instance number a request may ask for (saved ones: any)


@dataclass
class Option:
    """One choice of a select question, and whether its choice filter lets it through."""

    choice: Choice
    label: str = ""  # plain text in the active language (drop-down options hold no markup)
    allowed: bool = True
    read: frozenset[str] | None = None  # the columns the filter reads (None: all)

    @property
    def columns(self) -> str:
        """The choice's columns the filter reads, as JSON, for the browser's evaluator."""
        extra = self.choice.extra or {}
        if self.read is not None:
            extra = {k: v for k, v in extra.items() if k in self.read}
        return json.dumps(extra, ensure_ascii=False, sort_keys=True)


@functools.lru_cache(maxsize=1024)
def filter_columns(expr: str) -> frozenset[str] | None:
    """The choice columns (bare names) a choice filter reads; None when it cannot be read."""
    try:
        todo: list[Any] = [expressions.parse(expr)]
    except expressions.ExpressionError:
        return None
    names = set()
    while todo:
        node = todo.pop()
        if isinstance(node, expressions.Name):
            names.add(node.name)
        for part in dataclasses.fields(node):
            value = getattr(node, part.name)
            parts = value if isinstance(value, tuple) else (value,)
            todo.extend(v for v in parts if dataclasses.is_dataclass(v))
    return frozenset(names)


@dataclass
class Field:
    item: Item
    path: str
    answer: Answer | None
    previous: Any = None
    error: str = ""
    conflict: Any = None
    shown: bool = True  # relevant, inside relevant sections
    instance_label: str = ""  # "Visit 2" inside repeats, "" outside
    options: list[Option] = field(default_factory=list)
    comments: list[ReviewComment] = field(default_factory=list)
    calculated: str = ""  # a calculate row's value (choice filters and relevance read it)

    kind = "field"

    @property
    def key(self) -> str:
        return self.item.name + (f"@{self.path}" if self.path else "")

    @property
    def value(self) -> Any:
        return self.answer.value if self.answer else None

    @property
    def version(self) -> int:
        return self.answer.version if self.answer else 0

    @property
    def is_answered(self) -> bool:
        return self.value not in EMPTY

    @property
    def as_select(self) -> bool:
        """Long lists are a drop-down rather than a wall of radio buttons."""
        return self.item.kind == ItemKind.SELECT_ONE and len(self.options) > LONG_LIST

    @property
    def filtered(self) -> bool:
        return bool(self.item.choice_filter.strip())

    def allowed_names(self) -> list[str]:
        return [o.choice.name for o in self.options if o.allowed]


LONG_LIST = 12


@dataclass
class Block:
    """A section, a repeat instance, or the top level, with its fields and sub-blocks."""

    item: Item | None
    path: str
    instance: int = 0
    entries: list[Field | Block | Repeat] = field(default_factory=list)
    shown: bool = True
    saved: bool = True  # a repeat instance that holds saved answers (or any other block)

    kind = "block"

    @property
    def is_block(self) -> bool:
        return True

    @property
    def key(self) -> str:
        name = self.item.name if self.item else ""
        return name + (f"-{self.path}" if self.path else "")

    def fields(self) -> Iterable[Field]:
        for entry in self.entries:
            if isinstance(entry, Field):
                yield entry
            else:
                yield from entry.fields()

    def applicable(self) -> list[Field]:
        """Questions that apply given the answers so far (relevant, in relevant sections)."""
        out: list[Field] = []
        for entry in self.entries:
            if isinstance(entry, Field):
                if entry.shown and entry.item.is_answerable:
                    out.append(entry)
            elif entry.shown:
                out.extend(entry.applicable())
        return out

    @property
    def progress(self) -> tuple[int, int]:
        """(answered, applicable): questions that do not apply are not counted."""
        fields = self.applicable()
        return sum(1 for f in fields if f.is_answered), len(fields)

    @property
    def sections(self) -> list[Block | Repeat]:
        """The sections at this level, for the page's index."""
        return [e for e in self.entries if not isinstance(e, Field)]


@dataclass
class Repeat:
    """A repeated section at one place: its instances, and a blank one for the browser to copy."""

    item: Item
    prefix: str  # the path of the enclosing instance plus ".", or ""
    depth: int
    instances: list[Block] = field(default_factory=list)
    template: Block | None = None
    shown: bool = True

    kind = "repeat"

    @property
    def key(self) -> str:
        return self.item.name + (f"@{self.prefix.rstrip('.')}" if self.prefix else "")

    @property
    def placeholder(self) -> str:
        return f"__N{self.depth}__"

    @property
    def next_number(self) -> int:
        return max((b.instance for b in self.instances), default=0) + 1

    @property
    def next_path(self) -> str:
        return f"{self.prefix}{self.next_number}"

    def fields(self) -> Iterable[Field]:
        for block in self.instances:
            yield from block.fields()

    def applicable(self) -> list[Field]:
        out: list[Field] = []
        for block in self.instances:
            if block.shown:
                out.extend(block.applicable())
        return out

    @property
    def progress(self) -> tuple[int, int]:
        fields = self.applicable()
        return sum(1 for f in fields if f.is_answered), len(fields)


def answer_page(
    assignment: Assignment,
    *,
    previous: dict[str, Any] | None = None,
    present: Iterable[tuple[str, str]] = (),
    blank_instance: bool = True,
    templates: bool = True,
) -> Block:
    """The questionnaire as a tree of blocks holding the current answers.

    Repeat instances are those holding answers plus ``present`` ((item name, repeat path)
    pairs: instances posted by the browser or added on request); a repeat with none shows one
    blank instance when ``blank_instance``. Relevance and choice filters are evaluated
    (inside a repeat instance, ``${name}`` reads that instance's answer first).
    """
    questionnaire = assignment.questionnaire
    items = list(_form_items().filter(questionnaire=questionnaire).order_by("position"))
    answers = {
        (a.item_id, a.repeat_path): a
        for a in Answer.objects.filter(assignment=assignment).select_related("updated_by")
    }
    comments: dict[int, list[ReviewComment]] = defaultdict(list)
    for comment in ReviewComment.objects.filter(
        assignment=assignment, item__isnull=False
    ).select_related("author"):
        comments[comment.item_id].append(comment)  # type: ignore[index]
    return _page(
        questionnaire,
        items=items,
        answers=answers,
        comments=comments,
        previous=previous,
        present=present,
        blank_instance=blank_instance,
        templates=templates,
    )


def answer_progress(assignments: Sequence[Assignment]) -> dict[int, tuple[int, int]]:
    """(answered, applicable) for each assignment, by pk: the figure its answering page shows,
    counted on the same page (relevance evaluated, questions that do not apply left out).

    Three queries whatever the number of assignments (select their questionnaire with them)."""
    if not assignments:
        return {}
    items: dict[int, list[Item]] = defaultdict(list)
    for item in (
        _form_items()
        .filter(questionnaire_id__in={a.questionnaire_id for a in assignments})
        .order_by("questionnaire_id", "position")
    ):
        items[item.questionnaire_id].append(item)
    answers: dict[int, dict[tuple[int, str], Answer]] = defaultdict(dict)
    for answer in Answer.objects.filter(assignment__in=assignments):
        answers[answer.assignment_id][(answer.item_id, answer.repeat_path)] = answer
    return {
        a.pk: _page(
            a.questionnaire,
            items=items[a.questionnaire_id],
            answers=answers[a.pk],
            templates=False,
        ).progress
        for a in assignments
    }


def _form_items() -> QuerySet[Item]:
    return Item.objects.select_related("choice_list", "article__instrument").prefetch_related(
        "choice_list__choices"
    )


def _page(
    questionnaire: Questionnaire,
    *,
    items: list[Item],
    answers: Mapping[tuple[int, str], Answer],
    comments: Mapping[int, list[ReviewComment]] | None = None,
    previous: Mapping[str, Any] | None = None,
    present: Iterable[tuple[str, str]] = (),
    blank_instance: bool = True,
    templates: bool = True,
) -> Block:
    """The page tree of ``answer_page`` from its loaded parts (``items`` in form order)."""
    comments = comments or {}
    previous = previous or {}
    by_name = {i.name: i for i in items}
    children: dict[int | None, list[Item]] = defaultdict(list)
    for item in items:
        children[item.parent_id].append(item)
    known = {(item_id, path) for (item_id, path) in answers}
    known |= {
        (by_name[n].pk, p)
        for n, p in present
        if n in by_name
        and p
        and all(s.isdigit() and 0 < int(s) <= MAX_NEW_INSTANCE for s in p.split("."))
    }
    lang = questionnaire.default_language

    def instances(repeat: Item, prefix: str) -> tuple[list[int], set[int]]:
        inside = {repeat.pk} | {i.pk for i in _descendants(repeat, children)}
        numbers, saved = set(), set()
        for item_id, path in known:
            rest = path[len(prefix) :] if path.startswith(prefix) else ""
            head = rest.split(".")[0]
            if item_id in inside and head.isdigit():
                numbers.add(int(head))
                if (item_id, path) in answers:
                    saved.add(int(head))
        count = max(numbers, default=0) or (1 if blank_instance else 0)
        return list(range(1, count + 1)), saved

    def build(parent: Item | None, path: str, block: Block, label: str, depth: int) -> Block:
        for item in children.get(parent.pk if parent else None, []):
            if item.kind == ItemKind.GROUP:
                block.entries.append(build(item, path, Block(item, path), label, depth))
            elif item.kind == ItemKind.REPEAT:
                prefix = f"{path}." if path else ""
                repeat = Repeat(item, prefix, depth)
                numbers, saved = instances(item, prefix)
                name = item.display_label(lang)
                for n in numbers:
                    inner = _instance_label(label, name, n)
                    child = Block(item, f"{prefix}{n}", n, saved=n in saved)
                    repeat.instances.append(build(item, child.path, child, inner, depth + 1))
                if templates:
                    slot = f"{prefix}{repeat.placeholder}"
                    blank = Block(item, slot, 0, saved=False)
                    repeat.template = build(item, slot, blank, "", depth + 1)
                block.entries.append(repeat)
            elif item.kind in (ItemKind.META, ItemKind.OTHER) or (
                item.kind == ItemKind.CALCULATE and not item.calculation.strip()
            ):
                continue
            else:
                choices = (
                    list(item.choice_list.choices.all())  # type: ignore[union-attr]
                    if item.choice_list_id
                    else []
                )
                block.entries.append(
                    Field(
                        item,
                        path,
                        answers.get((item.pk, path)),
                        previous.get(item.name) if not path else None,
                        instance_label=label,
                        options=[
                            Option(c, c.display_label(lang), read=read)
                            for read in [filter_columns(item.choice_filter.strip())]
                            for c in choices
                        ],
                        comments=comments.get(item.pk, []),
                    )
                )
        return block

    page = build(None, "", Block(None, ""), "", 0)
    _evaluate(page, answers={(k, p): a.value for (k, p), a in answers.items()}, items=items)
    return page


def _instance_label(outer: str, name: str, number: int) -> str:
    here = _("%(section)s %(number)s") % {"section": name, "number": number}
    return f"{outer} › {here}" if outer else here


def scoped_values(values_at: Mapping[str, Mapping[str, Any]], path: str) -> dict[str, Any]:
    """The answers an expression at ``path`` reads: the top level, overlaid by each enclosing
    repeat instance's own answers (``${name}`` means the sibling in the same instance)."""
    scope = dict(values_at.get("", {}))
    if path and "__N" not in path:
        parts = path.split(".")
        for depth in range(1, len(parts) + 1):
            scope.update(values_at.get(".".join(parts[:depth]), {}))
    return scope


def _evaluate(page: Block, *, answers: Mapping[tuple[int, str], Any], items: list[Item]) -> None:
    """Set ``shown`` on every block and field and ``allowed`` on every option.

    Answers to questions that do not apply count as empty (as in the browser), so this settles
    over a few passes when one hidden question hides another.
    """
    names = {i.pk: i.name for i in items}
    calculations = [f for f in page.fields() if f.item.kind == ItemKind.CALCULATE]
    hidden: set[tuple[int, str]] = set()
    for _pass in range(MAX_RELEVANCE_PASSES):
        values_at: dict[str, dict[str, Any]] = defaultdict(dict)
        for (item_id, path), value in answers.items():
            if (item_id, path) not in hidden and item_id in names:
                values_at[path][names[item_id]] = value
        for calc in calculations:  # in form order: a calculation may read an earlier one
            if "__N" not in calc.path:
                calc.calculated = _calculate(calc.item, scoped_values(values_at, calc.path))
                values_at[calc.path][calc.item.name] = calc.calculated
        now_hidden: set[tuple[int, str]] = set()
        _walk_relevance(page, values_at, True, now_hidden)
        if now_hidden == hidden:
            break
        hidden = now_hidden
    for f in page.fields():
        if f.item.choice_filter.strip() and f.options and "__N" not in f.path:
            scope = scoped_values(values_at, f.path)
            choices = [o.choice for o in f.options]
            kept = {c.pk for c in expressions.allowed_choices(f.item.choice_filter, choices, scope)}
            for option in f.options:
                option.allowed = option.choice.pk in kept


def _walk_relevance(
    node: Block | Repeat,
    values_at: Mapping[str, Mapping[str, Any]],
    parent_shown: bool,
    hidden: set[tuple[int, str]],
) -> None:
    entries: list[Field | Block | Repeat]
    if isinstance(node, Repeat):
        node.shown = parent_shown and _relevant(node.item, values_at, node.prefix.rstrip("."))
        for block in node.instances:
            block.shown = node.shown
            _walk_relevance(block, values_at, node.shown, hidden)
        return
    entries = node.entries
    for entry in entries:
        if isinstance(entry, Field):
            entry.shown = parent_shown and _relevant(entry.item, values_at, entry.path)
            if not entry.shown:
                hidden.add((entry.item.pk, entry.path))
        elif isinstance(entry, Repeat):
            _walk_relevance(entry, values_at, parent_shown, hidden)
        else:
            entry.shown = parent_shown and (
                entry.item is None or _relevant(entry.item, values_at, entry.path)
            )
            _walk_relevance(entry, values_at, entry.shown, hidden)


def _calculate(item: Item, values: Mapping[str, Any]) -> str:
    """A calculate row's value as text ("" when it cannot be computed here)."""
    try:
        return expressions.to_string(expressions.evaluate(item.calculation, values=values))
    except expressions.ExpressionError:
        return ""


def _relevant(item: Item, values_at: Mapping[str, Mapping[str, Any]], path: str) -> bool:
    if not item.relevant.strip() or "__N" in path:
        return True
    try:
        return expressions.is_relevant(item.relevant, scoped_values(values_at, path))
    except expressions.ExpressionError:
        return True  # a rule that cannot be read shows the question; the State is not blocked


def allowed_choices(item: Item, values: Mapping[str, Any]) -> list[str] | None:
    """The choice names ``item``'s choice filter lets through given ``values``; None when the
    item has no filter (every choice is allowed)."""
    if not item.choice_filter.strip() or item.choice_list_id is None:
        return None
    choices = item.choice_list.choices.all()  # type: ignore[union-attr]
    return [c.name for c in expressions.allowed_choices(item.choice_filter, choices, values)]


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
    def share(self) -> Decimal:
        """Answered of asked (0–1): pages write it by the one rule of shares (``share``)."""
        return Decimal(self.answered) / Decimal(self.asked) if self.asked else Decimal(0)

    @property
    def percent(self) -> Decimal:
        """The share in percent as it is written (``core.i18n.PERCENT_DIGITS``, half up)."""
        return (self.share * 100).quantize(Decimal(1).scaleb(-PERCENT_DIGITS), ROUND_HALF_UP)


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
            # the name in the reader's language (else English), as the cycle's ``__str__``
            str(
                ReportingCycle(
                    number=r["questionnaire__cycle__number"], name=r["questionnaire__cycle__name"]
                )
            ),
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
        .filter(status__in=AWAITING_STATE)
        .select_related("state", "questionnaire")
        .order_by("deadline", "state__name_en")
    )


def states_not_assigned(questionnaire: Questionnaire) -> QuerySet[State]:
    return State.objects.exclude(assignments__questionnaire=questionnaire)


@dataclass(frozen=True)
class CycleQuestionnaires:
    """A reporting cycle (None: questionnaires outside any cycle) and its questionnaires,
    each annotated with how many States it was sent to and where their answers stand."""

    cycle: Any
    questionnaires: list[Questionnaire]

    @property
    def sent(self) -> int:
        return sum(q.sent for q in self.questionnaires)  # type: ignore[attr-defined]


def questionnaires_by_cycle(*, today: date | None = None) -> list[CycleQuestionnaires]:
    """Every questionnaire grouped by reporting cycle (latest first) with its counts: sent,
    still to answer, overdue, waiting for review, returned and validated (two queries)."""
    today = today or timezone.localdate()
    waiting = (AssignmentStatus.NOT_STARTED, AssignmentStatus.IN_PROGRESS)
    rows = (
        Questionnaire.objects.select_related("cycle")
        .prefetch_related("instruments")
        .annotate(
            sent=Count("assignments"),
            to_answer=Count("assignments", filter=Q(assignments__status__in=waiting)),
            overdue=Count(
                "assignments",
                filter=Q(
                    assignments__deadline__lt=today,
                    assignments__status__in=(*waiting, AssignmentStatus.RETURNED),
                ),
            ),
            to_review=Count(
                "assignments", filter=Q(assignments__status=AssignmentStatus.SUBMITTED)
            ),
            returned=Count("assignments", filter=Q(assignments__status=AssignmentStatus.RETURNED)),
            validated=Count(
                "assignments", filter=Q(assignments__status=AssignmentStatus.VALIDATED)
            ),
        )
        .order_by("-cycle__number", "code")
    )
    groups: dict[Any, list[Questionnaire]] = {}
    for questionnaire in rows:
        groups.setdefault(questionnaire.cycle, []).append(questionnaire)
    return [CycleQuestionnaires(cycle, items) for cycle, items in groups.items()]


def attachments_bytes(state_id: int) -> int:
    """The bytes the attachments of the State's answers take (its quota: ``core.quota``)."""
    total = AnswerFile.objects.filter(answer__assignment__state_id=state_id).aggregate(
        total=Sum("size")
    )["total"]
    return int(total or 0)
