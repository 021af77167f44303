"""Implementation questionnaires, their dispatch to States, and the States' answers.

A questionnaire is stored as the ordered rows of its XLSForm ``survey`` sheet (``Item``), so
that any XLSForm can be imported, answered and exported again without loss. Labels are JSON
maps from a language code to text, because imported forms carry languages beyond the six
(Swahili, Dari …). Items tied to a treaty provision carry ``article``/``paragraph``; items with
a ``role`` feed the information base (implementation status, technical-assistance needs).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from infobase.core.history import HistoryWithMany
from infobase.core.i18n import FALLBACK_SUFFIX, Translated, field_suffix, pick_label
from infobase.core.uploads import UploadValidator
from infobase.reference.models import Article, AssistanceKind, Instrument, Priority, State


def cycle_names(value: Any) -> dict[str, str]:
    """A cycle's names as a language → text map; a plain text (as older code and tests give
    it) is its English name."""
    if isinstance(value, dict):
        return {str(code).lower().split("-")[0]: str(text) for code, text in value.items() if text}
    return {"en": str(value)} if value else {}


def default_cycle_names(number: int) -> dict[str, str]:
    """The names of a cycle created without any: "Reporting cycle N" in the six languages."""
    from infobase.core.i18n import language, language_codes

    names = {}
    for code in language_codes():
        with language(code):
            names[field_suffix(code)] = gettext("Reporting cycle %(number)s") % {"number": number}
    return names


class ReportingCycle(models.Model):
    number = models.PositiveSmallIntegerField(_("cycle"), unique=True)
    # {"en": "Second reporting cycle", "ar": "دورة الإبلاغ الثانية", …}: one name per language
    # (codes as the field suffixes: "zh" for Chinese), English always given.
    name = models.JSONField(_("name"), default=dict)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("reporting cycle")
        verbose_name_plural = _("reporting cycles")

    def __str__(self) -> str:
        return self.translated("name").text

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = cycle_names(self.name)
        super().save(*args, **kwargs)

    def translated(self, field: str = "name", language_code: str | None = None) -> Translated:
        """The name in the active (or given) language, else in English, else in any language
        it is held in, marked as a fallback (for the ``tr`` template tag, as the columns of
        ``TranslatedFieldsMixin``)."""
        names = cycle_names(getattr(self, field))
        suffix = field_suffix(language_code)
        if names.get(suffix):
            return Translated(names[suffix], suffix, is_fallback=False)
        shown = FALLBACK_SUFFIX if names.get(FALLBACK_SUFFIX) else next(iter(names), "")
        if not shown:
            text = gettext("Reporting cycle %(number)s") % {"number": self.number}
            return Translated(text, suffix, is_fallback=False)
        return Translated(names[shown], shown, is_fallback=True)


class QuestionnaireStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class Questionnaire(models.Model):
    cycle = models.ForeignKey(
        ReportingCycle,
        on_delete=models.PROTECT,
        related_name="questionnaires",
        verbose_name=_("reporting cycle"),
    )
    code = models.SlugField(_("code"), max_length=80, unique=True)
    title = models.JSONField(_("title"), default=dict)
    instruments = models.ManyToManyField(
        Instrument, related_name="questionnaires", blank=True, verbose_name=_("instruments")
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=QuestionnaireStatus.choices,
        default=QuestionnaireStatus.DRAFT,
    )
    default_language = models.CharField(_("default language"), max_length=20, default="en")
    # [{"code": "ar", "column": "Arabic (ar)"} …] in the order of the source columns.
    languages = models.JSONField(_("languages"), default=list)
    form_id = models.CharField(_("form id"), max_length=200, blank=True)
    version = models.CharField(_("version"), max_length=100, blank=True)
    xlsform_settings = models.JSONField(_("other settings"), default=dict, blank=True)
    source_filename = models.CharField(_("imported from"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(_("illustrative demo record"), default=False)

    history = HistoryWithMany(excluded_fields=["created_at"], m2m_fields=["instruments"])

    class Meta:
        ordering = ["-cycle__number", "code"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return pick_label(self.title, default=self.default_language)[0] or self.code

    @property
    def language_codes(self) -> list[str]:
        return [lang["code"] for lang in self.languages]


class ChoiceList(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="choice_lists"
    )
    name = models.CharField(_("list name"), max_length=200)

    class Meta:
        ordering = ["questionnaire", "name"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "name"], name="choicelist_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Choice(models.Model):
    choice_list = models.ForeignKey(ChoiceList, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(_("name"), max_length=200)
    label = models.JSONField(_("label"), default=dict)
    # Other columns of the choices sheet (choice-filter columns, media …), kept for export.
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["choice_list", "position"]

    def __str__(self) -> str:
        return self.name

    def display_label(self, default: str = "en") -> str:
        return pick_label(self.label, default=default)[0] or self.name


class ItemKind(models.TextChoices):
    GROUP = "group", _("Section")
    REPEAT = "repeat", _("Repeated section")
    STATUS = "status", _("Implementation status")
    SELECT_ONE = "select_one", _("Select one")
    SELECT_MULTIPLE = "select_multiple", _("Select many")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Number")
    DATE = "date", _("Date")
    TEXT = "text", _("Text")
    FILE = "file", _("Attachment")
    NOTE = "note", _("Note")
    CALCULATE = "calculate", _("Calculation")
    META = "meta", _("Metadata (not asked)")
    OTHER = "other", _("Other (kept for export, not asked on the web)")


ANSWERABLE_KINDS = {
    ItemKind.STATUS,
    ItemKind.SELECT_ONE,
    ItemKind.SELECT_MULTIPLE,
    ItemKind.INTEGER,
    ItemKind.DECIMAL,
    ItemKind.DATE,
    ItemKind.TEXT,
    ItemKind.FILE,
}


class ItemRole(models.TextChoices):
    """What an answer means for the information base (see ``services.derive``)."""

    NONE = "", _("None")
    STATUS = "status", _("Implementation status of the article")
    EXPLANATION = "explanation", _("Explanation of the status")
    CHALLENGES = "challenges", _("Challenges reported")
    TA_NEEDED = "ta_needed", _("Technical assistance needed")
    TA_KINDS = "ta_kinds", _("Kinds of technical assistance")
    TA_PRIORITY = "ta_priority", _("Priority of the assistance")


class Item(models.Model):
    """One row of the survey sheet: a question, a note, or the start of a group/repeat."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    position = models.PositiveIntegerField(_("row"))
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    xlsform_type = models.CharField(_("XLSForm type"), max_length=200)
    name = models.CharField(_("name"), max_length=200)
    label = models.JSONField(_("label"), default=dict, blank=True)
    hint = models.JSONField(_("hint"), default=dict, blank=True)
    required = models.BooleanField(_("required"), default=False)
    required_message = models.JSONField(default=dict, blank=True)
    relevant = models.TextField(_("relevance"), blank=True)
    constraint = models.TextField(_("constraint"), blank=True)
    constraint_message = models.JSONField(default=dict, blank=True)
    choice_list = models.ForeignKey(
        ChoiceList, on_delete=models.RESTRICT, null=True, blank=True, related_name="items"
    )
    choice_filter = models.TextField(_("choice filter"), blank=True)
    appearance = models.CharField(_("appearance"), max_length=200, blank=True)
    calculation = models.TextField(_("calculation"), blank=True)
    default = models.CharField(_("default"), max_length=500, blank=True)
    read_only = models.BooleanField(_("read only"), default=False)
    article = models.ForeignKey(
        Article,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("article"),
    )
    paragraph = models.PositiveSmallIntegerField(_("paragraph"), null=True, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=ItemRole.choices, blank=True)
    # Every other column of the row, in source order, for a lossless export.
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "position"], name="item_unique_row"),
        ]
        indexes = [models.Index(fields=["questionnaire", "name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_answerable(self) -> bool:
        return self.kind in ANSWERABLE_KINDS

    def display_label(self, default: str = "en") -> str:
        return pick_label(self.label, default=default)[0] or self.name

    def display_hint(self, default: str = "en") -> str:
        return pick_label(self.hint, default=default)[0]


class AssignmentStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for clarification")
    VALIDATED = "validated", _("Validated")


# A State has answered once it has submitted its answers, whatever became of them since
# (validated, returned for clarification or awaiting validation): the response rate's one
# definition, on pages, in reports and in the API.
ANSWERED = (AssignmentStatus.SUBMITTED, AssignmentStatus.RETURNED, AssignmentStatus.VALIDATED)
# Assignments whose next move is the State's: past their deadline, they are overdue.
AWAITING_STATE = (
    AssignmentStatus.NOT_STARTED,
    AssignmentStatus.IN_PROGRESS,
    AssignmentStatus.RETURNED,
)


class Assignment(models.Model):
    """A questionnaire sent to one State."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="assignments"
    )
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.NOT_STARTED,
    )
    deadline = models.DateField(_("deadline"))
    dispatched_at = models.DateTimeField(_("dispatched"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["questionnaire", "state__name_en"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "state"], name="assignment_unique")
        ]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        # As a reader knows it (a history page, an answer's name): the State's name in the
        # reader's language and the questionnaire's title, not their codes.
        return gettext("%(state)s: %(questionnaire)s") % {
            "state": self.state,
            "questionnaire": self.questionnaire,
        }

    @property
    def is_editable_by_state(self) -> bool:
        return self.status in {
            AssignmentStatus.NOT_STARTED,
            AssignmentStatus.IN_PROGRESS,
            AssignmentStatus.RETURNED,
        }


class Answer(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="answers")
    # Position inside repeats, e.g. "" outside repeats, "2" or "2.1" for nested repeats.
    repeat_path = models.CharField(max_length=100, blank=True, default="")
    # A string, a number, a date in ISO form or a list of choice names (select many).
    value = models.JSONField(_("answer"), null=True, blank=True)
    confidential = models.BooleanField(_("confidential"), default=False)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    # Not shown in the history: the version counter, and who saved (each entry's author).
    history_hidden = ("version", "updated_by")

    class Meta:
        ordering = ["assignment", "item__position", "repeat_path"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "item", "repeat_path"], name="answer_unique"
            )
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        question = self.item.display_label(self.assignment.questionnaire.default_language)
        return f"{self.assignment} / {question}"

    @property
    def state_id(self) -> int:  # for the permission rules
        return self.assignment.state_id

    def history_value(self, field: str, value: Any) -> Any:
        """A stored value as the questionnaire shows it (``core.history``): choices by their
        labels in the reader's language, a date as a date."""
        if field != "value" or value in (None, ""):
            return value
        kind = self.item.kind
        if kind == ItemKind.DATE:
            try:
                return date.fromisoformat(str(value))
            except ValueError:
                return value
        choices = self.item.choice_list
        if choices is None or kind not in (
            ItemKind.SELECT_ONE,
            ItemKind.STATUS,
            ItemKind.SELECT_MULTIPLE,
        ):
            return value
        default = self.assignment.questionnaire.default_language
        labels = {c.name: c.display_label(default) for c in choices.choices.all()}
        if isinstance(value, list):
            return [labels.get(str(name), str(name)) for name in value]
        return labels.get(str(value), str(value))


def attachment_path(instance: AnswerFile, filename: str) -> str:
    a = instance.answer.assignment
    return f"answers/{a.questionnaire.code}/{a.state.iso3}/{filename}"


class AnswerFile(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(
        _("file"), upload_to=attachment_path, validators=[UploadValidator("ATTACHMENTS")]
    )
    original_name = models.CharField(_("file name"), max_length=300)
    # Counted in the State's quota of stored files (``core.quota``).
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class ReviewComment(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="comments")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.assignment}: {self.text[:40]}"


class NotificationKind(models.TextChoices):
    DISPATCH = "dispatch", _("Questionnaire sent")
    REMINDER_BEFORE = "reminder_before", _("Reminder before the deadline")
    REMINDER_AFTER = "reminder_after", _("Reminder after the deadline")
    MANUAL_REMINDER = "manual_reminder", _("Reminder sent by the secretariat")
    RETURNED = "returned", _("Returned for clarification")
    VALIDATED = "validated", _("Submission validated")


class Notification(models.Model):
    """An e-mail sent about an assignment (kept so that reminders are not sent twice)."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    sent_on = models.DateField(default=timezone.localdate)  # the day the reminder run was for
    recipients = models.JSONField(default=list)
    language = models.CharField(max_length=10)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.assignment} / {self.kind}"


class ImplementationStatus(models.TextChoices):
    YES = "yes", _("Implemented")
    PARTLY = "partly", _("Partly implemented")
    NO = "no", _("Not implemented")
    NOT_APPLICABLE = "na", _("Not applicable")


class ArticleImplementation(models.Model):
    """Derived from validated answers: a State's implementation of an article in a cycle."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="article_statuses"
    )
    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    paragraph = models.PositiveSmallIntegerField(default=0)  # 0: the article as a whole
    status = models.CharField(max_length=10, choices=ImplementationStatus.choices, blank=True)
    explanation = models.TextField(blank=True)
    challenges = models.TextField(blank=True)
    confidential = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "article", "paragraph"], name="article_impl_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.state_id} / {self.article_id}: {self.status}"


class StatedNeed(models.Model):
    """Derived from validated answers: assistance a State asks for (State × article × kind)."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="stated_needs"
    )
    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=AssistanceKind.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True)
    confidential = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "article", "kind"], name="stated_need_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.state_id} / {self.article_id}: {self.kind}"
