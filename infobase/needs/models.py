"""Requests for technical assistance, lessons learned, the consolidated needs register and the
Conference's multi-year work programmes (decision 2/6, paragraphs (b) and (c)(i)-(ii))."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from infobase.core.history import HistoryWithMany
from infobase.core.i18n import TranslatedFieldsMixin, language, language_codes
from infobase.core.search import SearchKeyMixin, declared_parts
from infobase.core.uploads import UploadValidator
from infobase.questionnaires.models import StatedNeed
from infobase.reference.models import (
    Article,
    AssistanceKind,
    Instrument,
    Priority,
    RegionalGroup,
    State,
)

# --- Requests for technical assistance --------------------------------------------------


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_REVIEW = "under_review", _("Under review")
    MATCHED = "matched", _("Matched with a provider")
    IN_DELIVERY = "in_delivery", _("In delivery")
    MET = "met", _("Met")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DECLINED = "declined", _("Declined")


OPEN_REQUEST_STATUSES = (
    RequestStatus.RECEIVED,
    RequestStatus.UNDER_REVIEW,
    RequestStatus.MATCHED,
    RequestStatus.IN_DELIVERY,
)


class RequestSource(models.TextChoices):
    WEB = "web", _("Filed on the web by the State")
    NOTE_VERBALE = "note_verbale", _("Note verbale recorded by the secretariat")
    SPREADSHEET = "spreadsheet", _("Imported from a spreadsheet")


def request_document_path(instance: AssistanceRequest, filename: str) -> str:
    return f"requests/{instance.state.iso3}/{filename}"


class AssistanceRequest(SearchKeyMixin, models.Model):
    search_fields = ("title", "description", "reference")

    state = models.ForeignKey(
        State, on_delete=models.PROTECT, related_name="assistance_requests", verbose_name=_("State")
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="+", verbose_name=_("instrument")
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"))
    language = models.CharField(_("language of the request"), max_length=10, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Priority.choices)
    received_on = models.DateField(_("received on"))
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    matched_on = models.DateField(_("matched on"), null=True, blank=True)
    follow_up_sent_on = models.DateField(_("follow-up sent on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=RequestSource.choices)
    reference = models.CharField(
        _("reference (e.g. note verbale number)"), max_length=200, blank=True
    )
    document = models.FileField(
        _("document"),
        upload_to=request_document_path,
        blank=True,
        validators=[UploadValidator("DOCUMENTS")],
    )
    # The document's bytes, counted in the State's quota of stored files (``core.quota``).
    # Nullable: a column with a default would make SQLite rebuild the table, and drop the
    # change log's triggers on it (migration 0005).
    document_size = models.PositiveBigIntegerField(null=True, editable=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Visible only to the State and the secretariat; counted only in aggregates."),
    )
    is_demo = models.BooleanField(_("illustrative demo record"), default=False)
    search_text = models.TextField(editable=False, blank=True)

    history = HistoricalRecords(excluded_fields=["search_text", "created_at", "document_size"])

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("request for technical assistance")
        verbose_name_plural = _("requests for technical assistance")

    def __str__(self) -> str:
        return f"{self.state.iso3}: {self.title}"


class RequestLine(models.Model):
    """One article × kind of assistance asked for in a request (the request's evidence unit)."""

    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="lines")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="+")
    paragraph = models.PositiveSmallIntegerField(null=True, blank=True)
    kind = models.CharField(_("kind of assistance"), max_length=30, choices=AssistanceKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "article", "kind"], name="request_line_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.article} / {self.kind}"

    @property
    def state_id(self) -> int:
        return self.request.state_id


# --- Lessons learned ----------------------------------------------------------------------


class Rating(models.IntegerChoices):
    """OECD-DAC evaluation scale (highly satisfactory … unsatisfactory)."""

    UNSATISFACTORY = 1, _("Unsatisfactory")
    PARTLY = 2, _("Partly satisfactory")
    SATISFACTORY = 3, _("Satisfactory")
    HIGHLY = 4, _("Highly satisfactory")


DAC_CRITERIA = ("relevance", "coherence", "effectiveness", "efficiency", "impact", "sustainability")


def evaluation_path(instance: LessonLearned, filename: str) -> str:
    return f"lessons/{instance.pk or 'new'}/{filename}"


class LessonLearned(SearchKeyMixin, models.Model):
    search_fields = ("title", "activity", "what_worked", "what_did_not", "recommendations")

    title = models.CharField(_("title"), max_length=300)
    activity = models.CharField(
        _("activity or project"),
        max_length=300,
        help_text=_("The delivered activity or project, with its identifier if it has one."),
    )
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    what_worked = models.TextField(_("what worked"), blank=True)
    what_did_not = models.TextField(_("what did not work"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    relevance = models.PositiveSmallIntegerField(
        pgettext_lazy("evaluation criterion", "relevance"),
        choices=Rating.choices,
        null=True,
        blank=True,
    )
    coherence = models.PositiveSmallIntegerField(
        _("coherence"), choices=Rating.choices, null=True, blank=True
    )
    effectiveness = models.PositiveSmallIntegerField(
        _("effectiveness"), choices=Rating.choices, null=True, blank=True
    )
    efficiency = models.PositiveSmallIntegerField(
        _("efficiency"), choices=Rating.choices, null=True, blank=True
    )
    impact = models.PositiveSmallIntegerField(
        _("impact"), choices=Rating.choices, null=True, blank=True
    )
    sustainability = models.PositiveSmallIntegerField(
        _("sustainability"), choices=Rating.choices, null=True, blank=True
    )
    states = models.ManyToManyField(
        State, related_name="lessons", blank=True, verbose_name=_("States")
    )
    articles = models.ManyToManyField(
        Article, related_name="lessons", blank=True, verbose_name=_("articles")
    )
    kinds = models.JSONField(_("kinds of assistance"), default=list, blank=True)
    evaluation = models.FileField(
        _("evaluation report"),
        upload_to=evaluation_path,
        blank=True,
        validators=[UploadValidator("DOCUMENTS")],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(_("illustrative demo record"), default=False)
    search_text = models.TextField(editable=False, blank=True)

    history = HistoryWithMany(
        excluded_fields=["search_text", "created_at"], m2m_fields=["states", "articles"]
    )

    class Meta:
        ordering = ["-delivered_on", "-pk"]
        verbose_name = _("lesson learned")
        verbose_name_plural = _("lessons learned")

    def __str__(self) -> str:
        return self.title

    def search_parts(self) -> list[str]:
        """The lesson's texts, its States' names and its articles' titles in the six
        languages, and its kinds of assistance in every interface language."""
        # Called on migration-state rows too (see ``compute_search_key``): no super().
        parts = declared_parts(self, LessonLearned.search_fields)
        if self.pk:
            for state in self.states.all():
                parts.extend(declared_parts(state, ("name_*",)))
            for article in self.articles.select_related("instrument"):
                parts.append(f"{article.instrument.code.upper()} {article.number}")
                parts.extend(declared_parts(article, ("title_*",)))
        for code in language_codes():
            with language(code):
                parts.extend(
                    str(AssistanceKind(kind).label)
                    for kind in self.kinds or []
                    if kind in AssistanceKind.values
                )
        return list(dict.fromkeys(parts))


# --- The consolidated needs register ----------------------------------------------------


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    NOT_RELEVANT = "not_relevant", _("No longer relevant")
    MERGED = "merged", _("Merged into another need")


# The statuses of a need closed by a decision: the register's and the API's "closed".
CLOSED_STATUSES = (NeedStatus.MET, NeedStatus.NOT_RELEVANT)


class Need(models.Model):
    """One need: State × article × kind of assistance, with links to all of its evidence.

    Derived automatically (``derivation.needs_derive``); decisions taken by hand — merge, split,
    close, pin, exclude — are kept and never undone by a later derivation.
    """

    state = models.ForeignKey(
        State, on_delete=models.PROTECT, related_name="needs", verbose_name=_("State")
    )
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="needs", verbose_name=_("article")
    )
    kind = models.CharField(_("kind of assistance"), max_length=30, choices=AssistanceKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    # Indexed only where set (``Meta.indexes``): nearly every need has neither.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_needs",
        verbose_name=_("merged into"),
        db_index=False,
    )
    split_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="split_needs",
        verbose_name=_("split from"),
        db_index=False,
    )
    decision_reason = models.TextField(_("reason for the last decision"), blank=True)
    pinned = models.BooleanField(_("pinned by the working group"), default=False)
    excluded = models.BooleanField(_("excluded from the ranking"), default=False)
    ranking_reason = models.TextField(_("reason for pinning or excluding"), blank=True)
    first_seen = models.DateField(_("first identified"))
    has_evidence = models.BooleanField(_("has current evidence"), default=True)
    # True when every piece of evidence is confidential (kept up to date by the derivation).
    confidential = models.BooleanField(_("confidential"), default=False)
    is_manual = models.BooleanField(_("created by hand"), default=False)

    # The history is read one need at a time (by ``id``, indexed) and by date: no query looks
    # its rows up by State, article or the other needs, so these columns carry no index there,
    # which every row the derivation writes would otherwise have to go into.
    history = HistoricalRecords(no_db_index=["state", "article", "merged_into", "split_from"])

    class Meta:
        ordering = ["state__name_en", "article__instrument__position", "article__number", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["state", "article", "kind"],
                condition=~models.Q(status="merged"),
                name="need_unique_key_unless_merged",
            )
        ]
        # Partial indexes: the few needs merged or split, not the others, which the
        # derivation creates by the thousand. The merged needs by key, where it looks for
        # the need that absorbed a key's needs. No query reads open or closed needs by status
        # (nearly every need is open): an index of every need by status and State cost each
        # need created one more write at a random place.
        indexes = [
            models.Index(
                fields=["state", "article", "kind"],
                condition=models.Q(status="merged"),
                name="need_merged_key",
            ),
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="need_merged_into",
            ),
            models.Index(
                fields=["split_from"],
                condition=models.Q(split_from__isnull=False),
                name="need_split_from",
            ),
        ]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        # The State by its name in the reader's language (a history page, a request's needs).
        return f"{self.state} / {self.article} / {self.get_kind_display()}"


class EvidenceKind(models.TextChoices):
    ANSWER = "answer", _("Questionnaire answer")
    REQUEST = "request", _("Request for assistance")


class NeedEvidence(models.Model):
    """A source behind a need: a validated questionnaire answer or a line of a request."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    stated_need = models.OneToOneField(
        StatedNeed, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    request_line = models.OneToOneField(
        RequestLine, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(stated_need__isnull=False) & models.Q(request_line__isnull=True)
                )
                | (models.Q(stated_need__isnull=True) & models.Q(request_line__isnull=False)),
                name="evidence_has_one_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.need_id}: {self.kind}"


class DerivationState(models.Model):
    """What a batch computation read and wrote at its last run (``name``: "needs" for the
    register's derivation, "coverage-suggestions" for the suggested links), so that the next
    run skips what has not changed since. Machine state: deleting a row only makes the next
    run a full one."""

    name = models.CharField(max_length=50, unique=True)
    fingerprint = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    DATA_STATE_STAMP = "updated_at"  # rewritten in place: core.figures.data_state

    def __str__(self) -> str:
        return self.name


class SourceChange(models.Model):
    """A row the needs derivation reads was changed since its last run: written by database
    triggers (migration 0005) on every insert, delete and update (of a column it reads) of
    the tables it reads, whatever made the change (forms, bulk updates, raw SQL), and deleted
    by the run that took it into account. Machine state, like ``DerivationState``."""

    # What changed (the codes of ``needs.changes``): "S" a stated need, "I" an article's
    # implementation (key: assignment, other: article), "A" an assignment, "R" a request,
    # "L" a request line, "EA"/"ER" a link of a stated need / request line (other: its
    # need), "N" a need.
    origin = models.CharField(max_length=2)
    row_key = models.BigIntegerField()
    other_key = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return f"{self.origin} {self.row_key}"


class DerivationRunning(models.Model):
    """A row while the needs derivation writes (inserted and deleted in its transaction): the
    triggers that fill ``SourceChange`` do not log the derivation's own writes. Other
    transactions do not see it (PostgreSQL) or cannot write meanwhile (SQLite)."""

    started_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.started_at)


# --- Multi-year work programmes and priorities -------------------------------------------


class WorkProgramme(TranslatedFieldsMixin, models.Model):
    """A multi-year work programme of the Conference: its name and description in the six
    languages (English required: the other languages fall back to it, marked as such)."""

    name_ar = models.CharField(_("name (ar)"), max_length=300, blank=True)
    name_zh = models.CharField(_("name (zh)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (en)"), max_length=300)
    name_fr = models.CharField(_("name (fr)"), max_length=300, blank=True)
    name_ru = models.CharField(_("name (ru)"), max_length=300, blank=True)
    name_es = models.CharField(_("name (es)"), max_length=300, blank=True)
    approved_at = models.CharField(_("approved at (session)"), max_length=200)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    starts = models.PositiveSmallIntegerField(_("first year"))
    ends = models.PositiveSmallIntegerField(_("last year"))
    description_ar = models.TextField(_("description (ar)"), blank=True)
    description_zh = models.TextField(_("description (zh)"), blank=True)
    description_en = models.TextField(_("description (en)"), blank=True)
    description_fr = models.TextField(_("description (fr)"), blank=True)
    description_ru = models.TextField(_("description (ru)"), blank=True)
    description_es = models.TextField(_("description (es)"), blank=True)
    is_active = models.BooleanField(_("guides the current priorities"), default=True)
    is_demo = models.BooleanField(_("illustrative demo record"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts"]
        verbose_name = _("multi-year work programme")
        verbose_name_plural = _("multi-year work programmes")

    def __str__(self) -> str:
        return str(self.translated("name"))


class PriorityTheme(TranslatedFieldsMixin, models.Model):
    """A priority of a programme; empty dimensions match everything. Its title in the six
    languages: a need's score is explained with it in the reader's language (English
    required: it orders themes of the same weight, whatever the reader's language)."""

    programme = models.ForeignKey(
        WorkProgramme,
        on_delete=models.CASCADE,
        related_name="themes",
        verbose_name=_("multi-year work programme"),
    )
    title_ar = models.CharField(_("title (ar)"), max_length=300, blank=True)
    title_zh = models.CharField(_("title (zh)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (en)"), max_length=300)
    title_fr = models.CharField(_("title (fr)"), max_length=300, blank=True)
    title_ru = models.CharField(_("title (ru)"), max_length=300, blank=True)
    title_es = models.CharField(_("title (es)"), max_length=300, blank=True)
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("instrument")
    )
    articles = models.ManyToManyField(Article, blank=True, related_name="+")
    kind = models.CharField(
        _("kind of assistance"), max_length=30, choices=AssistanceKind.choices, blank=True
    )
    regional_group = models.CharField(
        _("regional group"), max_length=30, choices=RegionalGroup.choices, blank=True
    )
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=Decimal("1"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "-weight", "title_en"]
        verbose_name = _("priority theme")
        verbose_name_plural = _("priority themes")

    def __str__(self) -> str:
        return str(self.translated("title"))


class ScoringWeights(models.Model):
    """How much each term counts in a need's priority score, set per working-group session."""

    session = models.CharField(_("working-group session"), max_length=200, unique=True)
    programme = models.DecimalField(
        _("work programme"), max_digits=5, decimal_places=2, default=Decimal("3")
    )
    severity = models.DecimalField(
        _("severity"), max_digits=5, decimal_places=2, default=Decimal("2")
    )
    breadth_region = models.DecimalField(
        _("breadth in the region"), max_digits=5, decimal_places=2, default=Decimal("1")
    )
    breadth_overall = models.DecimalField(
        _("breadth overall"), max_digits=5, decimal_places=2, default=Decimal("1")
    )
    urgency = models.DecimalField(
        _("State's urgency"), max_digits=5, decimal_places=2, default=Decimal("1.5")
    )
    coverage = models.DecimalField(
        _("coverage by current activities"), max_digits=5, decimal_places=2, default=Decimal("2")
    )
    age = models.DecimalField(_("age"), max_digits=5, decimal_places=2, default=Decimal("0.5"))
    is_active = models.BooleanField(_("in use"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_active", "session"]
        verbose_name = _("scoring weights")
        verbose_name_plural = _("scoring weights")

    def __str__(self) -> str:
        return self.session


class NeedScore(models.Model):
    """A need's priority score as the last refresh computed it (``needs.score_table``): the
    facts it rests on, its total, and its place keys, so that the register filters, sorts and
    pages in SQL. Machine state: every row can be computed again from the need's inputs."""

    need = models.OneToOneField(
        Need, on_delete=models.CASCADE, primary_key=True, related_name="stored_score"
    )
    total = models.DecimalField(max_digits=9, decimal_places=3)
    # The facts the score rests on (``scoring.NeedFacts``), as they were at ``computed_at``.
    severity = models.CharField(max_length=10, blank=True)
    urgency = models.CharField(max_length=10, blank=True)
    breadth_overall = models.PositiveIntegerField(default=0)
    breadth_overall_max = models.PositiveIntegerField(default=0)
    breadth_region = models.PositiveIntegerField(default=0)
    breadth_region_max = models.PositiveIntegerField(default=0)
    coverage = models.DecimalField(max_digits=7, decimal_places=6, default=Decimal("0"))
    age_days = models.IntegerField(default=0)
    # The ranking's keys (``scoring.rank_key``), copied so that one index serves the order.
    pinned = models.BooleanField(default=False)
    excluded = models.BooleanField(default=False)
    state_iso3 = models.CharField(max_length=3)
    instrument_position = models.PositiveSmallIntegerField(default=0)
    article_number = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=30)
    computed_at = models.DateTimeField()
    # A hash of everything above plus the weights, themes and scoring version used.
    fingerprint = models.CharField(max_length=32)

    DATA_STATE_STAMP = "computed_at"  # rows rewritten in place: core.figures.data_state

    class Meta:
        indexes = [
            # The register's order: ranked needs first (pinned, then by score, then the keys).
            models.Index(
                fields=[
                    "excluded",
                    "-pinned",
                    "-total",
                    "state_iso3",
                    "instrument_position",
                    "article_number",
                    "kind",
                    "need",
                ],
                name="needscore_rank",
            ),
            models.Index(fields=["urgency", "-total"], name="needscore_urgency"),
            models.Index(fields=["coverage", "-total"], name="needscore_coverage"),
        ]

    def __str__(self) -> str:
        return f"{self.need_id}: {self.total}"
