"""Writes for State reporting: dispatch, notifications, answers, review, derivation.

Views, commands and imports all call these functions; none writes answers on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from infobase.accounts.models import Role, User
from infobase.core.errors import text_problem
from infobase.core.i18n import language
from infobase.core.quota import check_state_quota
from infobase.core.typed import read_number
from infobase.core.uploads import ATTACHMENTS, check_file
from infobase.questionnaires import notices, selectors
from infobase.questionnaires.models import (
    Answer,
    ArticleImplementation,
    Assignment,
    AssignmentStatus,
    ImplementationStatus,
    Item,
    ItemKind,
    ItemRole,
    Notification,
    NotificationKind,
    Questionnaire,
    QuestionnaireStatus,
    ReviewComment,
    StatedNeed,
)
from infobase.reference.models import AssistanceKind, Participation, State
from infobase.reference.selectors import states_by_name

# --- Dispatch ---------------------------------------------------------------------------


def recipients_on(*, questionnaire: Questionnaire, on: date) -> list[State]:
    """Parties and signatories of any of the questionnaire's instruments on ``on``."""
    instruments = list(questionnaire.instruments.all())
    involved = Participation.objects.filter(instrument__in=instruments).filter(
        Q(signature_date__lte=on) | Q(consent_date__lte=on)
    )
    return states_by_name(State.objects.filter(pk__in=involved.values("state_id")))


@transaction.atomic
def dispatch(
    *,
    questionnaire: Questionnaire,
    deadline: date,
    by: Any,
    on: date | None = None,
    states: Iterable[State] | None = None,
) -> list[Assignment]:
    """Send the questionnaire to ``states`` or, by default, to every party and signatory of
    its instruments on ``on`` (today). States already assigned keep their assignment."""
    if not by.has_perm("questionnaires.dispatch_questionnaire", questionnaire):
        raise PermissionDenied
    on = on or timezone.localdate()
    targets = (
        list(states) if states is not None else recipients_on(questionnaire=questionnaire, on=on)
    )
    existing = set(questionnaire.assignments.values_list("state_id", flat=True))
    now = timezone.now()
    created = [
        Assignment(questionnaire=questionnaire, state=state, deadline=deadline, dispatched_at=now)
        for state in targets
        if state.pk not in existing
    ]
    for assignment in created:
        assignment._change_reason = gettext_noop("Dispatched")  # type: ignore[attr-defined]
        assignment.save()
    if questionnaire.status == QuestionnaireStatus.DRAFT:
        questionnaire.status = QuestionnaireStatus.PUBLISHED
        questionnaire.save(update_fields=["status"])

    def announce() -> None:
        for assignment in created:
            notify(assignment=assignment, kind=NotificationKind.DISPATCH)

    transaction.on_commit(announce)
    return created


# --- Notifications ----------------------------------------------------------------------


def focal_points(state: State) -> list[User]:
    return list(
        User.objects.filter(role=Role.FOCAL_POINT, state=state, is_active=True).exclude(email="")
    )


def notify(
    *, assignment: Assignment, kind: str, text: str = "", on: date | None = None
) -> Notification | None:
    """E-mail the State's focal points, each in their own language. Returns the record kept."""
    users = focal_points(assignment.state)
    if not users:
        return None
    languages = set()
    for user in users:
        code = user.language or settings.LANGUAGE_CODE
        languages.add(code)
        with language(code):
            context = {
                "assignment": assignment,
                "questionnaire": assignment.questionnaire,
                "user": user,
                "kind": kind,
                "text": text,
                "site": settings.SITE_URL,
            }
            # One line: a title with a line break (a cell's Alt+Enter) is not a header to refuse.
            subject = " ".join(
                render_to_string("questionnaires/email/subject.txt", context).split()
            )
            body = render_to_string("questionnaires/email/body.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return Notification.objects.create(
        assignment=assignment,
        kind=kind,
        sent_on=on or timezone.localdate(),
        recipients=[u.email for u in users],
        language=",".join(sorted(languages)),
    )


REMINDER_DAYS_BEFORE = 14
REMINDER_EVERY_DAYS_AFTER = 7


def send_reminders(*, today: date | None = None) -> list[Notification]:
    """Remind States that have not submitted: once in the two weeks before the deadline, then
    once a week after it. Safe to run as often as cron likes."""
    today = today or timezone.localdate()
    sent: list[Notification] = []
    open_assignments = (
        Assignment.objects.filter(
            status__in=[
                AssignmentStatus.NOT_STARTED,
                AssignmentStatus.IN_PROGRESS,
                AssignmentStatus.RETURNED,
            ],
            questionnaire__status=QuestionnaireStatus.PUBLISHED,
        )
        .select_related("state", "questionnaire")
        .prefetch_related("notifications")
    )
    for assignment in open_assignments:
        last_sent: dict[str, date] = {}
        for note in assignment.notifications.all():
            last_sent[note.kind] = max(note.sent_on, last_sent.get(note.kind, note.sent_on))
        kind = None
        if assignment.deadline >= today:
            due = assignment.deadline - today <= timedelta(days=REMINDER_DAYS_BEFORE)
            if due and NotificationKind.REMINDER_BEFORE not in last_sent:
                kind = NotificationKind.REMINDER_BEFORE
        else:
            last = last_sent.get(NotificationKind.REMINDER_AFTER)
            if last is None or (today - last).days >= REMINDER_EVERY_DAYS_AFTER:
                kind = NotificationKind.REMINDER_AFTER
        if kind:
            reminder = notify(assignment=assignment, kind=kind, on=today)
            sent += [reminder] if reminder else []
    return sent


# --- Answers ----------------------------------------------------------------------------


@dataclass
class Conflict:
    item: Item
    repeat_path: str
    theirs: Any
    by: str


@dataclass
class SaveResult:
    saved: int = 0
    unchanged: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # item name → message


@dataclass(frozen=True)
class AnswerInput:
    """One answer as submitted: ``version`` is the version the user started from (0: new)."""

    item: Item
    value: Any
    repeat_path: str = ""
    # None: as the answer is (not confidential when new): an input that carries values only (a
    # script through the API, a submissions file) never publishes a confidential answer.
    confidential: bool | None = False
    version: int | None = None  # None: do not check (imports that replace on purpose)


def clean_value(item: Item, raw: Any) -> Any:
    """Normalise a raw value for ``item``; raises ValueError with a translated message."""
    if raw in (None, "", []):
        return None
    # No text a State writes holds NUL (PostgreSQL cannot store it; the API's JSON or a
    # submissions file could carry one), another control character, or a bidi override that
    # would show the answer in another order than it is written: the one rule for text in.
    for text in raw if isinstance(raw, list) else [raw]:
        if said := text_problem(text):
            raise ValueError(said)
    kind = item.kind
    if kind == ItemKind.INTEGER:
        number = _finite_number(raw, whole=True)
        if number is None or number != number.to_integral_value():
            raise ValueError(_("Enter a whole number."))
        return int(number)
    if kind == ItemKind.DECIMAL:
        number = _finite_number(raw, whole=False)
        if number is None:
            raise ValueError(_("Enter a number."))
        return str(number)
    if kind == ItemKind.DATE:
        if isinstance(raw, datetime):
            return raw.date().isoformat()
        if isinstance(raw, date):
            return raw.isoformat()
        try:
            return date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date in the form YYYY-MM-DD.")) from None
    if kind in (ItemKind.SELECT_ONE, ItemKind.STATUS):
        names = choice_names(item)
        value = str(raw).strip()
        if value not in names:
            raise ValueError(_("“%(value)s” is not one of the choices.") % {"value": value})
        return value
    if kind == ItemKind.SELECT_MULTIPLE:
        values = raw if isinstance(raw, list) else str(raw).split()
        names = choice_names(item)
        unknown = [v for v in values if v not in names]
        if unknown:
            raise ValueError(
                _("“%(value)s” is not one of the choices.") % {"value": " ".join(unknown)}
            )
        return [name for name in names if name in values]  # choice order, no duplicates
    return one_line_ending(str(raw).strip())


def one_line_ending(text: str) -> str:
    """Text with every line ending as LF. A browser sends a text area's lines ending in CR LF,
    a spreadsheet program saves them as LF (LibreOffice) or either: the same answer, kept one
    way so that a file only opened and saved again changes nothing."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _finite_number(raw: Any, *, whole: bool) -> Decimal | None:
    """A number typed by a person (web form, API) or read from a spreadsheet; None if it is not
    one. Read as every import reads it (``core.typed.read_number``: digits of any script, a
    decimal comma, thousands grouped by spaces or separators); a value two readings fit (1,234
    in a decimal field) raises ``AmbiguousValue``, a ValueError showing both."""
    if isinstance(raw, bool):
        return None
    return read_number(str(raw), whole=whole)


def choice_names(item: Item) -> list[str]:
    if item.choice_list_id is None:
        return [s.value for s in ImplementationStatus] if item.kind == ItemKind.STATUS else []
    cache = getattr(item, "_choice_names", None)
    if cache is None:
        cache = list(item.choice_list.choices.values_list("name", flat=True))  # type: ignore[union-attr]
        item._choice_names = cache  # type: ignore[attr-defined]
    return cache


def can_answer(user: Any, assignment: Assignment) -> bool:
    return bool(user.has_perm("questionnaires.answer_assignment", assignment))


@transaction.atomic
def answers_save(
    *, assignment: Assignment, user: Any, answers: Iterable[AnswerInput], reason: str = ""
) -> SaveResult:
    """Save a batch of answers as a draft. An answer changed by someone else since the user
    loaded it is not overwritten: it is reported as a conflict."""
    if not can_answer(user, assignment):
        raise PermissionDenied
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not locked.is_editable_by_state and not user.is_secretariat:
        raise PermissionDenied
    result = SaveResult()
    # Who, in the history, also when no web request names them (a job, a command).
    by = user if getattr(user, "pk", None) else None
    current = {
        (a.item_id, a.repeat_path): a
        for a in Answer.objects.select_for_update(of=("self",))
        .filter(assignment=assignment)
        .select_related("updated_by")
    }
    answers = list(answers)
    names = dict(locked.questionnaire.items.values_list("pk", "name"))
    values_at = _values_with(current.values(), answers, names)
    for given in answers:
        key = given.item.name + (f"@{given.repeat_path}" if given.repeat_path else "")
        if given.item.questionnaire_id != locked.questionnaire_id or not given.item.is_answerable:
            result.errors[key] = _("This is not a question of this questionnaire.")
            continue
        try:
            value = clean_value(given.item, given.value)
            _check_choice_filter(given.item, value, values_at, given.repeat_path)
        except ValueError as exc:
            result.errors[key] = str(exc)
            continue
        existing = current.get((given.item.pk, given.repeat_path))
        secret = given.confidential
        if secret is None:
            secret = existing.confidential if existing else False
        if existing is None:
            if value is None and not secret:
                result.unchanged += 1
                continue
            if given.version not in (None, 0):
                # The user edited an answer that no longer exists: say so, do not guess.
                result.conflicts.append(Conflict(given.item, given.repeat_path, None, ""))
                continue
            answer = Answer(
                assignment=assignment,
                item=given.item,
                repeat_path=given.repeat_path,
                value=value,
                confidential=secret,
                updated_by=user,
            )
            answer._change_reason = reason  # type: ignore[attr-defined]
            answer._history_user = by  # type: ignore[attr-defined]
            answer.save()
            result.saved += 1
            continue
        if same_value(existing.value, value) and existing.confidential == secret:
            result.unchanged += 1
            continue
        if given.version is not None and given.version != existing.version:
            who = existing.updated_by.get_username() if existing.updated_by else ""
            result.conflicts.append(Conflict(given.item, given.repeat_path, existing.value, who))
            continue
        existing.value = value
        existing.confidential = secret
        existing.version += 1
        existing.updated_by = user
        existing._change_reason = reason  # type: ignore[attr-defined]
        existing._history_user = by  # type: ignore[attr-defined]
        existing.save()
        result.saved += 1
    if result.saved and locked.status == AssignmentStatus.NOT_STARTED:
        locked.status = AssignmentStatus.IN_PROGRESS
        # Kept in English, shown in the reader's language (``core.history._shown_reason``).
        locked._change_reason = gettext_noop("First answers saved")  # type: ignore[attr-defined]
        locked._history_user = by  # type: ignore[attr-defined]
        locked.save(update_fields=["status"])
    return result


def same_value(stored: Any, value: Any) -> bool:
    """Whether a cleaned value says what a stored one does (a text stored before line endings
    were made one, ``one_line_ending``, is the same text with LF)."""
    if isinstance(stored, str) and isinstance(value, str):
        return one_line_ending(stored) == value
    return bool(stored == value)


def _values_with(
    stored: Iterable[Answer], given: Iterable[AnswerInput], names: Mapping[int, str]
) -> dict[str, dict[str, Any]]:
    """Answers by repeat path and item name: the stored ones overlaid by a batch being saved
    (as typed: an expression compares them as text)."""
    values_at: dict[str, dict[str, Any]] = {}
    for answer in stored:
        values_at.setdefault(answer.repeat_path, {})[names.get(answer.item_id, "")] = answer.value
    for one in given:
        values_at.setdefault(one.repeat_path, {})[one.item.name] = one.value
    return values_at


def _check_choice_filter(
    item: Item, value: Any, values_at: Mapping[str, Mapping[str, Any]], path: str
) -> None:
    """Refuse a choice the item's choice filter leaves out given the other answers."""
    if value in (None, "", []) or not item.choice_filter.strip():
        return
    allowed = selectors.allowed_choices(item, selectors.scoped_values(values_at, path))
    if allowed is None:
        return
    chosen = value if isinstance(value, list) else [value]
    refused = [v for v in chosen if v not in allowed]
    if refused:
        raise ValueError(
            _(
                "“%(value)s” is not offered for “%(question)s” with the answers given "
                "before it; choose again."
            )
            % {
                "value": " ".join(refused),
                "question": item.display_label(item.questionnaire.default_language),
            }
        )


def values_by_path(assignment: Assignment) -> dict[str, dict[str, Any]]:
    """Every answer by repeat path ("" outside repeats) and item name."""
    values_at: dict[str, dict[str, Any]] = {}
    rows = Answer.objects.filter(assignment=assignment).values_list(
        "repeat_path", "item__name", "value"
    )
    for path, name, value in rows:
        values_at.setdefault(path, {})[name] = value
    return values_at


def answer_values(assignment: Assignment) -> dict[str, Any]:
    """Answers outside repeats by item name, for expressions (relevance, constraints)."""
    return {
        name: value
        for name, value in Answer.objects.filter(assignment=assignment, repeat_path="").values_list(
            "item__name", "value"
        )
    }


def validation_problems(assignment: Assignment) -> dict[str, str]:
    """Required answers missing, constraints broken and choices the choice filter leaves out,
    among the questions that apply, inside every repeat instance too. Keys are the answer keys
    (``name`` or ``name@path``); messages inside repeats name the instance ("Visit 2: …")."""
    from infobase.core.i18n import pick_label
    from infobase.questionnaires import expressions

    page = selectors.answer_page(assignment, blank_instance=False, templates=False)
    values_at = values_by_path(assignment)
    default = assignment.questionnaire.default_language
    problems: dict[str, str] = {}
    for f in page.fields():
        item = f.item
        if not item.is_answerable or not f.shown:
            continue
        value = f.value
        message = ""
        if item.required and value in (None, "", []):
            message = pick_label(item.required_message, default=default)[0] or _(
                "An answer is required."
            )
        elif f.filtered and value not in (None, "", []) and f.options:
            allowed = set(f.allowed_names())
            chosen = value if isinstance(value, list) else [value]
            refused = [v for v in chosen if v not in allowed]
            if refused:
                message = _(
                    "“%(value)s” is not offered for “%(question)s” with the answers given "
                    "before it; choose again."
                ) % {"value": " ".join(map(str, refused)), "question": item.display_label(default)}
        if not message and item.constraint and value not in (None, "", []):
            scope = selectors.scoped_values(values_at, f.path)
            try:
                ok = expressions.check_constraint(item.constraint, value, scope)
            except expressions.ExpressionError:
                ok = True  # a rule we cannot read does not block the State
            if not ok:
                message = pick_label(item.constraint_message, default=default)[0] or _(
                    "The answer is outside the allowed values."
                )
        if message:
            if f.instance_label:
                message = _("%(instance)s: %(message)s") % {
                    "instance": f.instance_label,
                    "message": message,
                }
            problems[f.key] = message
    return problems


@transaction.atomic
def repeat_instance_remove(*, assignment: Assignment, user: Any, repeat: Item, path: str) -> int:
    """Remove one instance of a repeated section (its answers, nested instances included) and
    number the later instances down, so "Visit 3" becomes "Visit 2". Returns the answers
    removed; the history keeps each of them."""
    if not can_answer(user, assignment):
        raise PermissionDenied
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not locked.is_editable_by_state and not user.is_secretariat:
        raise PermissionDenied
    prefix, _dot, number = path.rpartition(".")
    if (
        repeat.kind != ItemKind.REPEAT
        or repeat.questionnaire_id != locked.questionnaire_id
        or not number.isdigit()
    ):
        raise PermissionDenied
    items = list(locked.questionnaire.items.only("pk", "parent_id"))
    children: dict[int | None, list[int]] = {}
    for one in items:
        children.setdefault(one.parent_id, []).append(one.pk)
    inside, todo = set(), [repeat.pk]
    while todo:
        for child in children.get(todo.pop(), []):
            inside.add(child)
            todo.append(child)
    head = f"{prefix}." if prefix else ""
    removed = 0
    later: list[tuple[int, Answer, str]] = []
    for answer in Answer.objects.select_for_update().filter(
        assignment=locked, item_id__in=inside, repeat_path__startswith=head
    ):
        first, _sep, rest = answer.repeat_path[len(head) :].partition(".")
        if not first.isdigit():
            continue
        if first == number:
            answer._change_reason = gettext_noop("Repeated section removed")  # type: ignore[attr-defined]
            answer.delete()
            removed += 1
        elif int(first) > int(number):
            later.append((int(first), answer, rest))
    for n, answer, rest in sorted(later, key=lambda row: (row[0], row[2])):
        answer.repeat_path = f"{head}{n - 1}" + (f".{rest}" if rest else "")
        answer.version += 1
        answer.updated_by = user
        answer._change_reason = gettext_noop(  # type: ignore[attr-defined]
            "Renumbered after a repeated section was removed"
        )
        answer.save()
    return removed


class SubmissionInvalid(Exception):
    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))


@transaction.atomic
@transaction.atomic
def assignment_submit(*, assignment: Assignment, user: Any) -> Assignment:
    if not can_answer(user, assignment):
        raise PermissionDenied
    # Decide on the row as the last writer committed it: a second submission (another tab, a
    # colleague) finds it already submitted instead of submitting it again.
    list(Assignment.objects.select_for_update().filter(pk=assignment.pk).values_list("pk"))
    assignment.refresh_from_db()
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise TransitionConflict(
            _("These answers were already submitted; they are waiting for review.")
        )
    if not assignment.is_editable_by_state:
        raise PermissionDenied
    problems = validation_problems(assignment)
    if problems:
        raise SubmissionInvalid(problems)
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.submitted_at = timezone.now()
    assignment._change_reason = gettext_noop("Submitted")  # type: ignore[attr-defined]
    assignment.save()
    notices.announce_submitted(assignment)
    return assignment


class TransitionConflict(Exception):
    """The assignment is no longer in the status the action was decided on (someone else acted
    first); nothing was changed. The message is translated."""


def _lock_submitted(assignment: Assignment) -> Assignment:
    """Lock the assignment's row until the transaction ends and refresh ``assignment`` from it;
    ``TransitionConflict`` when it was reviewed meanwhile, ``PermissionDenied`` when it was
    never submitted."""
    list(Assignment.objects.select_for_update().filter(pk=assignment.pk).values_list("pk"))
    assignment.refresh_from_db()  # read after the lock: what the last reviewer committed
    locked = assignment
    if locked.status in (AssignmentStatus.NOT_STARTED, AssignmentStatus.IN_PROGRESS):
        raise PermissionDenied  # nothing to review
    if locked.status != AssignmentStatus.SUBMITTED:
        raise TransitionConflict(
            _(
                "This submission is no longer waiting for review: it is now “%(status)s”. "
                "Nothing was changed."
            )
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def assignment_return(
    *,
    assignment: Assignment,
    user: Any,
    comment: str,
    item_comments: Mapping[Item, str] | None = None,
) -> Assignment:
    """Return a submission to its State with a general comment and/or comments on questions
    (shown next to each question on the answering page)."""
    if not user.has_perm("questionnaires.review_assignment", assignment):
        raise PermissionDenied
    item_comments = {i: t.strip() for i, t in (item_comments or {}).items() if t.strip()}
    if any(i.questionnaire_id != assignment.questionnaire_id for i in item_comments):
        raise PermissionDenied
    assignment = _lock_submitted(assignment)
    if comment.strip():
        ReviewComment.objects.create(assignment=assignment, author=user, text=comment)
    ReviewComment.objects.bulk_create(
        ReviewComment(assignment=assignment, author=user, item=item, text=text)
        for item, text in item_comments.items()
    )
    if not comment.strip():
        comment = "\n".join(item_comments.values())
    assignment.status = AssignmentStatus.RETURNED
    assignment._change_reason = comment  # type: ignore[attr-defined]
    assignment.save()
    notices.announce_reviewed(assignment, returned=True, comment=comment)
    transaction.on_commit(
        lambda: notify(assignment=assignment, kind=NotificationKind.RETURNED, text=comment)
    )
    return assignment


@transaction.atomic
def assignment_validate(*, assignment: Assignment, user: Any, comment: str = "") -> Assignment:
    if not user.has_perm("questionnaires.review_assignment", assignment):
        raise PermissionDenied
    assignment = _lock_submitted(assignment)
    if comment:
        ReviewComment.objects.create(assignment=assignment, author=user, text=comment)
    assignment.status = AssignmentStatus.VALIDATED
    assignment.validated_at = timezone.now()
    assignment._change_reason = comment or gettext_noop("Validated")  # type: ignore[attr-defined]
    assignment.save()
    derive(assignment=assignment)
    notices.announce_reviewed(assignment, returned=False)
    transaction.on_commit(lambda: notify(assignment=assignment, kind=NotificationKind.VALIDATED))
    return assignment


# --- Into the information base ----------------------------------------------------------


def article_of(item: Item, by_pk: Mapping[int, Item]) -> tuple[int | None, int]:
    """The article an item is about: its own, else its section's."""
    node: Item | None = item
    while node is not None:
        if node.article_id:
            return node.article_id, node.paragraph or 0
        node = by_pk.get(node.parent_id) if node.parent_id else None
    return None, 0


@transaction.atomic
def derive(*, assignment: Assignment) -> tuple[int, int]:
    """Rebuild the implementation statuses and stated needs of one validated assignment.

    Returns (statuses, needs). Re-running gives the same rows (idempotent).
    """
    items = {
        i.pk: i
        # questionnaire_id too: a related manager's rows check it, and a deferred field costs
        # a query per row.
        for i in assignment.questionnaire.items.only(
            "pk", "questionnaire_id", "parent_id", "article_id", "paragraph", "role", "kind"
        )
    }
    answers = [
        a
        for a in Answer.objects.filter(assignment=assignment, repeat_path="")
        if a.item_id in items
    ]
    by_article: dict[tuple[int, int], dict[str, Any]] = {}
    for answer in answers:
        item = items[answer.item_id]
        role = item.role or (ItemRole.STATUS if item.kind == ItemKind.STATUS else "")
        if not role:
            continue
        article_id, paragraph = article_of(item, items)
        if article_id is None:
            continue
        slot = by_article.setdefault((article_id, paragraph), {"confidential": False})
        slot[role] = answer.value
        slot["confidential"] = slot["confidential"] or answer.confidential
    ArticleImplementation.objects.filter(assignment=assignment).delete()
    statuses, needs = [], []
    kinds = set(AssistanceKind.values)
    for (article_id, paragraph), slot in by_article.items():
        if ItemRole.STATUS in slot or ItemRole.CHALLENGES in slot:
            statuses.append(
                ArticleImplementation(
                    assignment=assignment,
                    state_id=assignment.state_id,
                    article_id=article_id,
                    paragraph=paragraph,
                    status=slot.get(ItemRole.STATUS) or "",
                    explanation=slot.get(ItemRole.EXPLANATION) or "",
                    challenges=slot.get(ItemRole.CHALLENGES) or "",
                    confidential=slot["confidential"],
                )
            )
        if slot.get(ItemRole.TA_NEEDED) in ("yes", True, "1"):
            asked = slot.get(ItemRole.TA_KINDS) or [AssistanceKind.OTHER]
            for kind in dict.fromkeys(k if k in kinds else AssistanceKind.OTHER for k in asked):
                needs.append(
                    StatedNeed(
                        assignment=assignment,
                        state_id=assignment.state_id,
                        article_id=article_id,
                        kind=kind,
                        priority=slot.get(ItemRole.TA_PRIORITY) or "",
                        confidential=slot["confidential"],
                    )
                )
    ArticleImplementation.objects.bulk_create(statuses)
    # One need per article and kind even when several paragraphs ask for it. Stated needs keep
    # their identity across re-derivations: the needs register links to them as evidence.
    wanted = {(n.article_id, n.kind): n for n in needs}
    existing = {(n.article_id, n.kind): n for n in StatedNeed.objects.filter(assignment=assignment)}
    StatedNeed.objects.filter(
        pk__in=[n.pk for k, n in existing.items() if k not in wanted]
    ).delete()
    changed = []
    for key, need in wanted.items():
        old = existing.get(key)
        if old is None:
            continue
        if (old.priority, old.confidential) != (need.priority, need.confidential):
            old.priority, old.confidential = need.priority, need.confidential
            changed.append(old)
    StatedNeed.objects.bulk_update(changed, ["priority", "confidential"])
    StatedNeed.objects.bulk_create([n for k, n in wanted.items() if k not in existing])
    return len(statuses), len(wanted)


def relevance_map(assignment: Assignment, values: Mapping[str, Any]) -> dict[str, bool]:
    """Whether each item (by name) is relevant given the answers so far (parents included).

    An expression that cannot be read counts as relevant: the question is shown.
    """
    from infobase.questionnaires import expressions

    items = list(assignment.questionnaire.items.only("pk", "name", "relevant", "parent_id"))
    by_pk = {i.pk: i for i in items}
    own: dict[int, bool] = {}
    for item in items:
        try:
            own[item.pk] = not item.relevant or expressions.is_relevant(item.relevant, values)
        except expressions.ExpressionError:
            own[item.pk] = True
    out: dict[str, bool] = {}
    for item in items:
        node: Item | None = item
        shown = True
        while node is not None and shown:
            shown = own[node.pk]
            node = by_pk.get(node.parent_id) if node.parent_id else None
        out[item.name] = shown
    return out


@transaction.atomic
def answer_file_add(
    *, assignment: Assignment, item: Item, repeat_path: str, upload: Any, user: Any
) -> Answer:
    """Attach an uploaded file to an attachment question; the answer lists the file names.

    Raises ``InvalidInput`` when the file breaks the upload policy for attachments."""
    from infobase.questionnaires.models import AnswerFile

    if not can_answer(user, assignment) or item.kind != ItemKind.FILE:
        raise PermissionDenied
    check_file(upload, name=upload.name or "", policy=ATTACHMENTS)
    check_state_quota(state=assignment.state, upload=upload)
    answer, _created = Answer.objects.get_or_create(
        assignment=assignment,
        item=item,
        repeat_path=repeat_path,
        defaults={"value": [], "updated_by": user},
    )
    AnswerFile.objects.create(
        answer=answer,
        file=upload,
        original_name=upload.name[:300],
        size=upload.size or 0,
        uploaded_by=user,
    )
    answer.value = list(answer.files.values_list("original_name", flat=True))
    answer.version += 1
    answer.updated_by = user
    answer.save()
    return answer
