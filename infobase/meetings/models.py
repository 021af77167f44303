"""The Conference of the Parties and its working groups: bodies, their members over time, their
sessions (agenda, participants, documents), their outcomes (recommendations and decisions), and
the mandates that decisions give, tracked to completion (decision 2/6, paragraphs (a), (e)-(i)).

Texts that exist in several languages are JSON maps language code → text (``ar``, ``zh``,
``en``, ``fr``, ``ru``, ``es``), shown with ``pick_label`` / the ``ml`` template tag.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from infobase.core.history import HistoryWithMany
from infobase.core.search import SearchKeyMixin
from infobase.core.uploads import UploadValidator
from infobase.funding.models import Project
from infobase.needs.models import Need, PriorityTheme, WorkProgramme
from infobase.reference.models import Article, Organization, State

# The six UN languages, as used for document files and JSON text keys.
UN_LANGUAGES = [
    ("ar", _("Arabic")),
    ("zh", _("Chinese")),
    ("en", _("English")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]

SYMBOL_PATTERN = r"^[A-Z]+(/[A-Za-z0-9.()\-]+)+$"
symbol_validator = RegexValidator(
    SYMBOL_PATTERN,
    _("Enter a United Nations document symbol such as CTOC/COP/WG.2/2007/2."),
    code="invalid_symbol",
)


def label(labels: dict[str, str] | None) -> str:
    """The text of a language map in the active language (or a fallback), for ``__str__``."""
    from infobase.core.i18n import pick_label

    return pick_label(labels)[0]


class Provenance(models.Model):
    """Where a record comes from: a public fact (with its source) or an illustrative record."""

    is_public_fact = models.BooleanField(_("public fact"), default=False)
    source = models.TextField(_("source"), blank=True)
    is_demo = models.BooleanField(_("illustrative demo record"), default=False)

    class Meta:
        abstract = True


# --- Bodies and their members ---------------------------------------------------------------


class BodyKind(models.TextChoices):
    CONFERENCE = "conference", _("Conference of the Parties")
    WORKING_GROUP = "working_group", _("Working group")
    OTHER = "other", _("Other body")


class Body(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=BodyKind.choices)
    name = models.JSONField(_("name"), default=dict)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidiary_bodies",
        verbose_name=_("reports to"),
    )
    established_by = models.ForeignKey(
        "Outcome",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="established_bodies",
        verbose_name=_("established by"),
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["parent__code", "code"]
        verbose_name = _("body")
        verbose_name_plural = _("bodies")

    def __str__(self) -> str:
        return label(self.name) or self.code


class MembershipRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-Chair")
    BUREAU = "bureau", _("Member of the Bureau")
    RAPPORTEUR = "rapporteur", _("Rapporteur")


class Membership(Provenance):
    """A State (and optionally the person representing it) holding an office in a body."""

    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("body")
    )
    state = models.ForeignKey(
        State, on_delete=models.PROTECT, related_name="+", verbose_name=_("State")
    )
    person_name = models.CharField(_("person"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    role = models.CharField(_("office"), max_length=20, choices=MembershipRole.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["body", "-starts_on", "role"]
        verbose_name = _("office holder")
        verbose_name_plural = _("office holders")

    def __str__(self) -> str:
        # As a reader knows it (its history page): names in the reader's language, not codes.
        return gettext("%(body)s: %(office)s (%(state)s)") % {
            "body": self.body,
            "office": self.get_role_display(),
            "state": self.state,
        }

    def holds_on(self, on: date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)


# --- Sessions ---------------------------------------------------------------------------------


class SessionKind(models.TextChoices):
    CONFERENCE = "conference", _("Session of the Conference")
    DURING_CONFERENCE = "during_conference", _("Meeting during a session of the Conference")
    INTERSESSIONAL = "intersessional", _("Intersessional meeting")
    OTHER = "other", _("Other meeting")


class Session(Provenance):
    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("body")
    )
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=SessionKind.choices)
    during = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings_during",
        verbose_name=_("held during"),
        limit_choices_to={"kind": SessionKind.CONFERENCE},
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    city = models.JSONField(_("city"), default=dict, blank=True)
    country = models.ForeignKey(
        State,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("country"),
    )
    title = models.JSONField(_("title"), default=dict)
    # Which needs of the register the body reviewed at this session: an explicit list (not a
    # count) so that the review is evidence that can be followed, reported per session and
    # checked against the register (decision 2/6, paragraph (c)(i)).
    needs_reviewed = models.ManyToManyField(
        Need, blank=True, related_name="reviewed_at", verbose_name=_("needs reviewed")
    )

    history = HistoryWithMany(m2m_fields=["needs_reviewed"])

    class Meta:
        ordering = ["starts_on", "body__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "number"],
                condition=models.Q(number__isnull=False),
                name="meetings_session_unique_number",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="meetings_session_dates_in_order",
            ),
        ]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return label(self.title) or f"{self.body.code} {self.number or ''} {self.starts_on}"


class AgendaItem(models.Model):
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="agenda", verbose_name=_("session")
    )
    number = models.CharField(_("item"), max_length=20)
    title = models.JSONField(_("title"), default=dict)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["session", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "number"], name="meetings_agenda_item_unique"
            )
        ]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return f"{self.number}. {label(self.title)}"


class Capacity(models.TextChoices):
    MEMBER = "member", _("Member")
    STATE_PARTY = "state_party", _("State party")
    SIGNATORY = "signatory", _("Signatory State")
    OBSERVER = "observer", _("Observer State")
    UN_ENTITY = "un_entity", _("United Nations entity")
    IGO = "igo", _("Intergovernmental organization")
    NGO = "ngo", _("Non-governmental organization")


class SessionParticipant(models.Model):
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="participants", verbose_name=_("session")
    )
    state = models.ForeignKey(
        State,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("State"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    observer_name = models.CharField(_("observer"), max_length=300, blank=True)
    capacity = models.CharField(_("capacity"), max_length=20, choices=Capacity.choices)
    is_demo = models.BooleanField(_("illustrative demo record"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["session", "capacity", "state__name_en", "organization__name_en", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__isnull=False)
                | models.Q(organization__isnull=False)
                | ~models.Q(observer_name=""),
                name="meetings_participant_is_someone",
            ),
            models.UniqueConstraint(
                fields=["session", "state"],
                condition=models.Q(state__isnull=False),
                name="meetings_participant_state_once",
            ),
            models.UniqueConstraint(
                fields=["session", "organization"],
                condition=models.Q(organization__isnull=False),
                name="meetings_participant_org_once",
            ),
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        if self.state_id:
            return str(self.state)
        if self.organization_id:
            return str(self.organization)
        return self.observer_name


# --- Documents --------------------------------------------------------------------------------


class DocumentKind(models.TextChoices):
    AGENDA = "agenda", _("Provisional agenda")
    BACKGROUND = "background", _("Background paper")
    SECRETARIAT_TA_REPORT = (
        "secretariat_ta_report",
        _("Report of the Secretariat on technical assistance"),
    )
    CHAIR_REPORT = "chair_report", _("Report of the Chair")
    SESSION_REPORT = "session_report", _("Report of the session")
    DECISION_TEXT = "decision_text", _("Text of decisions")
    OTHER = "other", _("Other document")


class Distribution(models.TextChoices):
    GENERAL = "general", _("General")
    LIMITED = "limited", _("Limited")
    RESTRICTED = "restricted", _("Restricted")


class Document(SearchKeyMixin, Provenance):
    search_fields = ("symbol", "title")

    symbol = models.CharField(
        _("symbol"), max_length=80, unique=True, validators=[symbol_validator]
    )
    title = models.JSONField(_("title"), default=dict)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    body = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("from the body"),
        help_text=_("The body whose work the document reports (e.g. the working group)."),
    )
    date = models.DateField(_("date"), null=True, blank=True)
    session = models.ForeignKey(
        Session,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("before the session"),
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("agenda item"),
    )
    distribution = models.CharField(
        _("distribution"), max_length=12, choices=Distribution.choices, default="general"
    )
    original_language = models.CharField(
        _("original language"), max_length=2, choices=UN_LANGUAGES, blank=True
    )
    is_public = models.BooleanField(_("public"), default=True)
    search_text = models.TextField(editable=False, blank=True)

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        ordering = ["-date", "symbol"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.symbol

    @property
    def is_open_to_public(self) -> bool:
        return self.is_public and self.distribution == Distribution.GENERAL


def document_file_path(instance: DocumentFile, filename: str) -> str:
    symbol = instance.document.symbol.replace("/", "_")
    return f"meetings/{symbol}/{instance.language}/{filename}"


class DocumentFile(models.Model):
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="files", verbose_name=_("document")
    )
    language = models.CharField(_("language"), max_length=2, choices=UN_LANGUAGES)
    file = models.FileField(
        _("file"),
        upload_to=document_file_path,
        max_length=300,
        validators=[UploadValidator("DOCUMENTS")],
    )
    mime_type = models.CharField(_("MIME type"), max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["document", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "language"], name="meetings_document_file_one_per_language"
            )
        ]
        verbose_name = _("document file")
        verbose_name_plural = _("document files")

    def __str__(self) -> str:
        return f"{self.document.symbol} ({self.get_language_display()})"


# --- Outcomes ---------------------------------------------------------------------------------


class OutcomeKind(models.TextChoices):
    RECOMMENDATION = "recommendation", _("Recommendation")
    DECISION = "decision", pgettext_lazy("Conference decision", "Decision")


class Outcome(Provenance):
    kind = models.CharField(_("kind"), max_length=20, choices=OutcomeKind.choices)
    number = models.CharField(_("number"), max_length=30)
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="outcomes", verbose_name=_("session")
    )
    title = models.JSONField(_("title"), default=dict)
    text = models.JSONField(_("text"), default=dict, blank=True)
    adopted_on = models.DateField(pgettext_lazy("decision", "adopted on"), null=True, blank=True)
    reviews_body = models.ForeignKey(
        Body,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_by",
        verbose_name=_("reviews the body"),
        help_text=_("Set on a decision that reviews a body's effectiveness and future."),
    )
    needs = models.ManyToManyField(
        Need, blank=True, related_name="outcomes", verbose_name=_("needs")
    )
    priority_themes = models.ManyToManyField(
        PriorityTheme, blank=True, related_name="outcomes", verbose_name=_("priorities")
    )
    work_programmes = models.ManyToManyField(
        WorkProgramme, blank=True, related_name="outcomes", verbose_name=_("work programmes")
    )
    projects = models.ManyToManyField(
        Project, blank=True, related_name="outcomes", verbose_name=_("projects")
    )
    articles = models.ManyToManyField(
        Article, blank=True, related_name="outcomes", verbose_name=_("articles")
    )

    history = HistoryWithMany(
        m2m_fields=["needs", "priority_themes", "work_programmes", "projects", "articles"]
    )

    class Meta:
        ordering = ["session__starts_on", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(kind="decision"),
                name="meetings_decision_number_unique",
            ),
            models.UniqueConstraint(
                fields=["session", "kind", "number"], name="meetings_outcome_unique_in_session"
            ),
        ]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


# --- Mandates ---------------------------------------------------------------------------------


class Actor(models.TextChoices):
    CONFERENCE = "conference", _("The Conference")
    WORKING_GROUP = "working_group", _("The working group")
    CHAIR = "chair", _("The chair of the working group")
    SECRETARIAT = "secretariat", _("The Secretariat")


class ManualStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("mandate status", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", pgettext_lazy("mandate status", "Done")
    NOT_DONE = "not_done", _("Not done")
    ONGOING = "ongoing", _("Ongoing")


class Mandate(models.Model):
    """One operative paragraph of a decision (or one function within a paragraph)."""

    decision = models.ForeignKey(
        Outcome,
        on_delete=models.CASCADE,
        related_name="mandates",
        verbose_name=_("decision"),
        limit_choices_to={"kind": OutcomeKind.DECISION},
    )
    paragraph = models.CharField(_("paragraph"), max_length=20)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    actor = models.CharField(_("actor"), max_length=20, choices=Actor.choices)
    text = models.JSONField(_("text"), default=dict)
    body = models.ForeignKey(
        Body,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mandates",
        verbose_name=_("concerns the body"),
    )
    concerns = models.JSONField(_("what it concerns"), default=dict, blank=True)
    due_session = models.ForeignKey(
        Session,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mandates_due",
        verbose_name=_("due by the session"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    # Named ``check_code``, not ``check``: a field may not hide ``Model.check()``.
    check_code = models.CharField(
        _("automatic check"),
        max_length=50,
        blank=True,
        help_text=_("Code of the automatic check; empty when the status is set by hand."),
    )
    check_params = models.JSONField(_("check parameters"), default=dict, blank=True)
    manual_status = models.CharField(
        _("status"), max_length=20, choices=ManualStatus.choices, default=ManualStatus.OPEN
    )
    evidence_note = models.TextField(_("evidence"), blank=True)
    status_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("status set by"),
    )
    status_set_on = models.DateTimeField(_("status set on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["decision", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "paragraph"], name="meetings_mandate_unique_paragraph"
            )
        ]
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")

    def __str__(self) -> str:
        return f"{self.decision.number} ({self.paragraph})"

    @property
    def due_date(self) -> date | None:
        """The day by which the mandate is due: the start of the due session, else ``due_on``."""
        if self.due_session_id:
            return self.due_session.starts_on  # type: ignore[union-attr]
        return self.due_on


class MandateEvidence(models.Model):
    """A record showing what was done for a mandate: a session, a document, an outcome, or a
    link to another record (URL and label)."""

    mandate = models.ForeignKey(
        Mandate, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("mandate")
    )
    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("session"),
    )
    document = models.ForeignKey(
        Document,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    outcome = models.ForeignKey(
        Outcome,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outcome"),
    )
    url = models.CharField(_("address"), max_length=500, blank=True)
    label = models.CharField(_("label"), max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    added_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["mandate", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return str(self.document or self.outcome or self.session or self.label or self.url)
