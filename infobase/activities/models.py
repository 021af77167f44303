"""Technical-assistance activities of the secretariat, States, UN entities and international
organizations — who does what where (decision 2/6, paragraph (c)(iii)) — in IATI terms, and
their links to the needs they address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from infobase.core.history import HistoryWithMany
from infobase.core.search import SearchKeyMixin
from infobase.needs.models import Need
from infobase.reference.models import (
    Article,
    AssistanceKind,
    Codelist,
    CodelistItem,
    Instrument,
    Organization,
    OrganizationKind,
    State,
)


class ActivityVersionParts(models.Model):
    """What each version of an activity keeps beside its fields: its recipients, sectors,
    themes and participants as they were, as codes (``activity_parts``), which its history names
    (``Activity.history_parts_changes``). Empty: not recorded, as in the versions an IATI import
    writes in bulk, whose file is the record of what they held."""

    parts = models.JSONField(default=dict, editable=False)

    class Meta:
        abstract = True


class ActivitySource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IATI = "iati", _("Imported from IATI")
    SPREADSHEET = "spreadsheet", _("Imported from a spreadsheet")


class ProviderKind(models.TextChoices):
    SECRETARIAT = "secretariat", _("Secretariat (UNODC)")
    STATE = "state", _("State")
    UN_ENTITY = "un_entity", _("United Nations entity")
    INTERNATIONAL = "international", _("International organization")
    NGO = "ngo", _("Non-governmental organization")
    OTHER = "other", _("Other")


# The kind of provider that follows from the kind of a known organization (the web form and the
# IATI import alike).
PROVIDER_KIND_BY_ORGANIZATION: dict[str, ProviderKind] = {
    OrganizationKind.SECRETARIAT: ProviderKind.SECRETARIAT,
    OrganizationKind.UN_ENTITY: ProviderKind.UN_ENTITY,
    OrganizationKind.INTERNATIONAL: ProviderKind.INTERNATIONAL,
    OrganizationKind.REGIONAL: ProviderKind.INTERNATIONAL,
    OrganizationKind.GOVERNMENT: ProviderKind.STATE,
    OrganizationKind.NGO: ProviderKind.NGO,
    OrganizationKind.FUND: ProviderKind.OTHER,
}


class Activity(SearchKeyMixin, models.Model):
    search_fields = (
        "iati_identifier",
        "reporting_org_name",
        "title",
        "description",
        "provider.acronym",
        "provider.name_*",
    )

    # The IATI identifier; hand-entered activities get "XM-INFOBASE-<pk>" style ids.
    iati_identifier = models.CharField(_("IATI identifier"), max_length=255, unique=True)
    source = models.CharField(_("source"), max_length=20, choices=ActivitySource.choices)
    provider = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("provider"),
    )
    provider_kind = models.CharField(
        _("kind of provider"), max_length=20, choices=ProviderKind.choices
    )
    provider_state = models.ForeignKey(
        State,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provided_activities",
        verbose_name=_("providing State"),
    )
    reporting_org_ref = models.CharField(
        _("reporting organisation identifier"), max_length=255, blank=True
    )
    reporting_org_name = models.CharField(_("reporting organisation"), max_length=500, blank=True)
    title = models.JSONField(_("title"), default=dict)  # language code → text
    # The general description (IATI DescriptionType 1); other types are ``Description`` rows.
    description = models.JSONField(_("description"), default=dict, blank=True)
    default_language = models.CharField(_("default language"), max_length=10, blank=True)
    status = models.CharField(_("status (IATI ActivityStatus)"), max_length=5, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    default_currency = models.CharField(_("currency"), max_length=3, blank=True)
    budget = models.DecimalField(
        _("total budget"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    disbursed = models.DecimalField(
        _("disbursed and spent"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    instruments = models.ManyToManyField(
        Instrument, blank=True, related_name="activities", verbose_name=_("instruments")
    )
    last_updated = models.DateTimeField(_("last updated by the publisher"), null=True, blank=True)
    iati_version = models.CharField(_("IATI version"), max_length=10, blank=True)
    source_file = models.CharField(_("source file"), max_length=300, blank=True)
    # An activity missing from a newer file of its publisher is marked, never deleted.
    missing_from_source = models.BooleanField(_("no longer in the publisher's file"), default=False)
    relevance = models.JSONField(_("why it was kept"), default=list, blank=True)
    # Codes of an imported file that were normalised on import (language codes to ISO 639-1,
    # withdrawn codes to their replacement), as published: [{"element", "original", "stored"}].
    original_codes = models.JSONField(_("codes as published"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_demo = models.BooleanField(_("illustrative demo record"), default=False)
    search_text = models.TextField(editable=False, blank=True)

    history = HistoryWithMany(
        excluded_fields=["search_text"],
        m2m_fields=["instruments"],
        bases=[ActivityVersionParts],
    )

    class Meta:
        ordering = ["-actual_start", "-planned_start", "iati_identifier"]
        # The list's order: its first page is read from the index, not sorted.
        indexes = [
            models.Index(
                fields=["-actual_start", "-planned_start", "iati_identifier"],
                name="activity_list_order",
            )
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        from infobase.core.i18n import pick_label

        return pick_label(self.title, default=self.default_language)[0] or self.iati_identifier

    def history_parts_changes(self, record: Any, previous: Any) -> list[Any]:
        """What changed in its recipients, sectors, themes and participants between two
        versions of its history (``core.history``), named in the reader's language; nothing
        where either version did not record them."""
        from infobase.core.history import Change, list_change_words

        now, before = record.parts or None, previous.parts or None
        if now is None or before is None:
            return []
        changes = []
        for key, label in PART_LABELS.items():
            held, had = _part_items(now, key), _part_items(before, key)
            if held == had:
                continue
            names = _part_names(key, held ^ had)
            words = list_change_words(
                [names[item] for item in held - had], [names[item] for item in had - held]
            )
            changes.append(Change(str(label), None, None, words))
        return changes


class ParticipantRole(models.TextChoices):
    """IATI OrganisationRole codes."""

    FUNDING = "1", _("Funding")
    ACCOUNTABLE = "2", _("Accountable")
    EXTENDING = "3", _("Extending")
    IMPLEMENTING = "4", _("Implementing")


class Participant(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(_("role"), max_length=2, choices=ParticipantRole.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ref = models.CharField(_("identifier"), max_length=255, blank=True)
    name = models.CharField(_("name"), max_length=500, blank=True)
    org_type = models.CharField(_("IATI organisation type"), max_length=5, blank=True)

    def __str__(self) -> str:
        return self.name or self.ref


class Recipient(models.Model):
    """A recipient State (or, for regional activities, an IATI region code)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="recipients")
    state = models.ForeignKey(
        State, on_delete=models.PROTECT, null=True, blank=True, related_name="activity_recipients"
    )
    region_code = models.CharField(_("IATI region"), max_length=10, blank=True)
    # IATI RegionVocabulary of region_code: 1 OECD DAC, 2 UN M49, 99 the publisher's own.
    region_vocabulary = models.CharField(
        _("IATI region vocabulary"), max_length=10, blank=True, default="1"
    )
    percentage = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    from_transactions = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.state.iso3 if self.state else self.region_code


class Sector(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sectors")
    vocabulary = models.CharField(max_length=10, default="1")
    code = models.CharField(max_length=20)
    percentage = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    from_transactions = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.vocabulary}:{self.code}"


class Theme(models.Model):
    """What the activity addresses in our treaties: article and kind of assistance."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="themes")
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=AssistanceKind.choices, blank=True)

    def __str__(self) -> str:
        return f"{self.article} / {self.kind}"


class TransactionType(models.TextChoices):
    """IATI TransactionType codes. English names as the IATI codelist (version 2.03, in
    ``shared/data/iati/codelists/TransactionType.xml``) gives them; the other languages are
    ours (the codelist's French calls equity « équité »). A code outside the list, from a later
    version of the standard, is shown as it is."""

    INCOMING_FUNDS = "1", _("Incoming Funds")
    OUTGOING_COMMITMENT = "2", _("Outgoing Commitment")
    DISBURSEMENT = "3", _("Disbursement")
    EXPENDITURE = "4", _("Expenditure")
    INTEREST_PAYMENT = "5", _("Interest Payment")
    LOAN_REPAYMENT = "6", _("Loan Repayment")
    REIMBURSEMENT = "7", _("Reimbursement")
    PURCHASE_OF_EQUITY = "8", _("Purchase of Equity")
    SALE_OF_EQUITY = "9", _("Sale of Equity")
    CREDIT_GUARANTEE = "10", _("Credit Guarantee")
    INCOMING_COMMITMENT = "11", _("Incoming Commitment")
    OUTGOING_PLEDGE = "12", _("Outgoing Pledge")
    INCOMING_PLEDGE = "13", _("Incoming Pledge")


class Transaction(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="transactions")
    kind = models.CharField(
        _("type (IATI TransactionType)"), max_length=5, choices=TransactionType.choices
    )
    date = models.DateField(null=True, blank=True)
    value = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3, blank=True)
    value_date = models.DateField(null=True, blank=True)
    provider_ref = models.CharField(max_length=255, blank=True)
    receiver_ref = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.value} {self.currency}"


class BudgetType(models.TextChoices):
    """IATI BudgetType codes."""

    ORIGINAL = "1", _("Original")
    REVISED = "2", _("Revised")


class BudgetStatus(models.TextChoices):
    """IATI BudgetStatus codes."""

    INDICATIVE = "1", _("Indicative")
    COMMITTED = "2", _("Committed")


class Budget(models.Model):
    """One ``<budget>`` of an activity as published: its period, type and status, and its value
    in its own currency (blank: the activity's default currency) with the date its value is
    stated on. ``Activity.budget`` is the total derived from these rows."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="budgets")
    kind = models.CharField(
        _("type (IATI BudgetType)"),
        max_length=2,
        choices=BudgetType.choices,
        default=BudgetType.ORIGINAL,
    )
    status = models.CharField(
        _("status (IATI BudgetStatus)"), max_length=2, choices=BudgetStatus.choices, blank=True
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    value_date = models.DateField(_("value date"), null=True, blank=True)

    class Meta:
        ordering = ["period_start", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end}: {self.value} {self.currency}"


class DescriptionType(models.TextChoices):
    """IATI DescriptionType codes."""

    GENERAL = "1", _("General")
    OBJECTIVES = "2", _("Objectives")
    TARGET_GROUPS = "3", _("Target groups")
    OTHER = "4", _("Other")


class Description(models.Model):
    """A description of an activity of a type other than general (objectives, target groups,
    other), its narratives by language. The general description is ``Activity.description``,
    which the search, the list and the form read."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="descriptions")
    kind = models.CharField(
        _("type (IATI DescriptionType)"), max_length=2, choices=DescriptionType.choices
    )
    texts = models.JSONField(_("text"), default=dict)  # language code → text

    class Meta:
        ordering = ["kind", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "kind"], name="activity_description_kind")
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.get_kind_display()}"


class Document(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="documents")
    url = models.URLField(max_length=1000)
    title = models.JSONField(default=dict, blank=True)
    category = models.CharField(max_length=10, blank=True)
    format = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.url


class Comment(models.Model):
    """A focal point's (or anyone's with access) comment on an activity in their State."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="comments")
    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:40]


class LinkStatus(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    MANUAL = "manual", _("Linked by hand")


class NeedLink(models.Model):
    """An activity addressing a need: made by a person, or suggested and then accepted/rejected."""

    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="activity_links", verbose_name=_("need")
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="need_links", verbose_name=_("activity")
    )
    status = models.CharField(_("status"), max_length=10, choices=LinkStatus.choices)
    confidence = models.DecimalField(_("confidence"), max_digits=4, decimal_places=3, default=0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    # Share of the need the activity covers when accepted (1: fully).
    share = models.DecimalField(_("share"), max_digits=4, decimal_places=3, default=1)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["need", "activity"], name="need_link_unique")
        ]

    def __str__(self) -> str:
        # As a reader knows it (its history page): the need and the activity by their names.
        return f"{self.need} — {self.activity}"

    def history_value(self, field: str, value: Any) -> Any:
        """The reasons of a suggestion as the coverage page words them (``core.history``)."""
        if field != "reasons" or not isinstance(value, list):
            return value
        from infobase.activities.coverage.suggestions import reason_texts

        return " ".join(reason_texts(value)) or None


class ImportRunStatus(models.TextChoices):
    RUNNING = "running", pgettext_lazy("import run status", "Running")
    FINISHED = "finished", pgettext_lazy("import run status", "Finished")
    FAILED = "failed", pgettext_lazy("import run status", "Failed")


class ImportRun(models.Model):
    """One IATI import: what was created, updated, skipped and rejected, and why.

    A run always ends, finished or failed, with its counts: they are saved after each batch
    with a heartbeat, and ``infobase jobs-sweep`` fails a run whose heartbeat went stale (its
    process died)."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ImportRunStatus.choices,
        default=ImportRunStatus.RUNNING,
    )
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    files = models.JSONField(default=list)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)  # left out by the relevance filter
    rejected = models.PositiveIntegerField(default=0)
    marked_missing = models.PositiveIntegerField(default=0)
    # Copies of an identifier repeated in a file that gave way to another copy (never unchanged).
    duplicates = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list)  # per activity: identifier, outcome, reasons

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"

    @property
    def changed_activities(self) -> bool:
        """Whether the run created, updated or marked missing any activity."""
        return bool(self.created or self.updated or self.marked_missing)


def activity_figure_sources() -> tuple[str, ...]:
    """The models that figures over every activity read (who does what where, the overlaps):
    the activities, their recipients, themes and instruments, and the reference data and IATI
    codelists that label them; the state of these keeps such figures (``core.figures.kept``)."""
    return tuple(
        model._meta.label
        for model in (
            Activity,
            Recipient,
            Theme,
            Activity.instruments.through,
            Organization,
            State,
            Article,
            Instrument,
            Codelist,
            CodelistItem,
        )
    )


# The parts of an activity each version of its history keeps, with their labels.
PART_LABELS = {
    "recipients": _("Recipients"),
    "sectors": _("DAC sectors"),
    "themes": _("Themes"),
    "participants": _("Participants"),
}


def activity_parts(activity: Activity) -> dict[str, list[list[str]]]:
    """An activity's recipients, sectors, themes and participants as codes, each a list of
    items in order (an item a list of strings), for a version of its history."""
    return {
        "recipients": sorted(
            ["state", iso3] if iso3 else ["region", f"{vocabulary or ''}:{code or ''}"]
            for iso3, vocabulary, code in activity.recipients.values_list(
                "state__iso3", "region_vocabulary", "region_code"
            )
        ),
        "sectors": sorted(
            [f"{vocabulary or ''}:{code or ''}"]
            for vocabulary, code in activity.sectors.values_list("vocabulary", "code")
        ),
        # A theme may name no article (a kind of assistance only).
        "themes": sorted(
            [instrument or "", "" if number is None else str(number), kind or ""]
            for instrument, number, kind in activity.themes.values_list(
                "article__instrument__code", "article__number", "kind"
            )
        ),
        "participants": sorted(
            [role or "", name or ""]
            for role, name in activity.participants.values_list("role", "name")
        ),
    }


def _part_items(parts: dict[str, Any], key: str) -> set[tuple[str, ...]]:
    return {tuple(item) for item in parts.get(key, [])}


def _part_names(key: str, items: set[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    """The items of a part named in the reader's language: a State by its name, a theme by its
    article and kind of assistance, a participant by its name and role."""
    from django.utils.translation import gettext

    if key == "recipients":
        states = {
            s.iso3: str(s)
            for s in State.objects.filter(iso3__in=[c for kind, c in items if kind == "state"])
        }
        return {
            item: states.get(item[1], item[1])
            if item[0] == "state"
            else gettext("IATI region %(code)s") % {"code": item[1].partition(":")[2]}
            for item in items
        }
    if key == "themes":
        kinds = dict(AssistanceKind.choices)
        return {
            item: " · ".join(
                part
                for part in (
                    f"{item[0].upper()} {item[1]}".strip(),
                    str(kinds.get(item[2], item[2])),
                )
                if part
            )
            for item in items
        }
    if key == "participants":
        roles = dict(ParticipantRole.choices)
        return {
            item: gettext("%(name)s (%(role)s)")
            % {"name": item[1], "role": roles.get(item[0], item[0])}
            for item in items
        }
    return {item: item[0].partition(":")[2] for item in items}  # sectors: their DAC codes
