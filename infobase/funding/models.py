"""Resource mobilization and projects (decision 2/6, paragraphs (c)(iv) and (d)): donors' pledges
with their earmarks, a dated exchange-rate table, projects designed from identified needs, the
funding allocated to them, and allocation proposals."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from infobase.activities.models import Activity
from infobase.core.history import HistoryWithMany
from infobase.core.i18n import format_date, format_number, pick_label
from infobase.needs.models import LessonLearned, Need
from infobase.reference.models import (
    Article,
    AssistanceKind,
    Instrument,
    Organization,
    RegionalGroup,
    State,
)

MONEY: dict[str, Any] = {"max_digits": 18, "decimal_places": 2}


class ExchangeRate(models.Model):
    """Units of ``currency`` per one US dollar from ``valid_from`` (kept by the secretariat)."""

    currency = models.CharField(_("currency"), max_length=3)
    per_usd = models.DecimalField(_("units per US dollar"), max_digits=18, decimal_places=6)
    valid_from = models.DateField(_("valid from"))
    source = models.CharField(_("source"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="rate_unique_day")
        ]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")

    def __str__(self) -> str:
        # As a reader knows it (its history page): the rate and date in the reader's language.
        return f"{self.currency} {format_number(self.per_usd, 6)} ({format_date(self.valid_from)})"


class PledgeStatus(models.TextChoices):
    PLEDGED = "pledged", _("Pledged")
    AGREED = "agreed", _("Agreed")
    RECEIVED = "received", pgettext_lazy("pledge status", "Received")


class Earmark(models.TextChoices):
    NONE = "none", _("Not earmarked")
    THEMATIC = "thematic", _("Thematic")
    GEOGRAPHIC = "geographic", _("Geographic")
    PROJECT = "project", _("A named project")


# The pledge fields each kind of earmark sets (``Pledge``); a pledge's fields of the other kinds
# are empty (``services.pledge_save`` clears them; the pledge form shows each kind apart).
EARMARK_FIELDS: dict[str, tuple[str, ...]] = {
    Earmark.THEMATIC: ("instrument", "article", "kind"),
    Earmark.GEOGRAPHIC: ("regional_group", "states"),
    Earmark.PROJECT: ("project",),
}


class Pledge(models.Model):
    donor = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("donor")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    pledged_on = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=10, choices=PledgeStatus.choices)
    earmark = models.CharField(
        _("earmarking"), max_length=12, choices=Earmark.choices, default=Earmark.NONE
    )
    # Thematic earmarks (any combination; empty = any).
    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("instrument"),
    )
    article = models.ForeignKey(
        Article,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("article"),
    )
    kind = models.CharField(
        _("kind of assistance"), max_length=30, choices=AssistanceKind.choices, blank=True
    )
    # Geographic earmarks.
    regional_group = models.CharField(
        _("regional group"), max_length=30, choices=RegionalGroup.choices, blank=True
    )
    states = models.ManyToManyField(
        State, blank=True, related_name="earmarked_pledges", verbose_name=_("States")
    )
    project = models.ForeignKey(
        "Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="earmarked_pledges",
        verbose_name=_("project"),
    )
    notes = models.TextField(_("notes"), blank=True)
    is_demo = models.BooleanField(_("illustrative demo record"), default=False)

    history = HistoryWithMany(m2m_fields=["states"])

    class Meta:
        ordering = ["-pledged_on", "donor__name_en"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")

    def __str__(self) -> str:
        # As a reader knows it (its history page): the amount and date written in the
        # reader's language, not as stored.
        return gettext("%(donor)s: %(amount)s %(currency)s (%(date)s)") % {
            "donor": self.donor,
            "amount": format_number(self.amount, 2),
            "currency": self.currency,
            "date": format_date(self.pledged_on),
        }


class ProjectStatus(models.TextChoices):
    CONCEPT = "concept", _("Concept")
    APPROVED = "approved", _("Approved")
    FUNDED = "funded", _("Funded")
    IN_DELIVERY = "in_delivery", _("In delivery")
    CLOSED = "closed", _("Closed")


class Project(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    title = models.JSONField(_("title"), default=dict)  # language code → text
    description = models.JSONField(_("description"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.CONCEPT
    )
    needs = models.ManyToManyField(
        Need, blank=True, related_name="projects", verbose_name=_("needs addressed")
    )
    states = models.ManyToManyField(
        State, blank=True, related_name="projects", verbose_name=_("beneficiary States")
    )
    # Beneficiary States the secretariat confirmed on purpose (with a reason, in the history)
    # though the project's needs of that State are all confidential: see
    # ``funding.selectors.beneficiaries_to_review``. Shown only to the secretariat.
    states_on_purpose = models.ManyToManyField(
        State,
        blank=True,
        related_name="+",
        verbose_name=_("beneficiary States named on purpose"),
    )
    outputs = models.TextField(_("outputs"), blank=True)
    starts = models.DateField(_("start"), null=True, blank=True)
    ends = models.DateField(_("end"), null=True, blank=True)
    currency = models.CharField(_("budget currency"), max_length=3, default="USD")
    activities = models.ManyToManyField(
        Activity, blank=True, related_name="projects", verbose_name=_("delivery")
    )
    lessons = models.ManyToManyField(
        LessonLearned, blank=True, related_name="projects", verbose_name=_("lessons learned")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_demo = models.BooleanField(_("illustrative demo record"), default=False)

    history = HistoryWithMany(
        m2m_fields=["needs", "states", "states_on_purpose", "activities", "lessons"]
    )
    # Fields whose changes only readers with the permission see in the history: which States
    # were named on purpose would tell that their needs in the project are confidential.
    history_private = {"states_on_purpose": "funding.change_project"}

    class Meta:
        ordering = ["code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return pick_label(self.title)[0] or self.code


class BudgetLine(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("project")
    )
    description = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(_("amount"), **MONEY)  # in the project's currency

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "pk"]

    def __str__(self) -> str:
        return f"{self.description}: {format_number(self.amount, 2)} {self.project.currency}"


class Allocation(models.Model):
    """Money of a pledge given to a project, in the pledge's currency, within its earmarks."""

    pledge = models.ForeignKey(
        Pledge, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("pledge")
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("project")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    allocated_on = models.DateField(_("allocated on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    proposal = models.ForeignKey(
        "Proposal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="allocations",
        verbose_name=_("allocation proposal"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-allocated_on"]

    def __str__(self) -> str:
        # As a reader knows it (its history page): who gave how much to what, not keys.
        return gettext("%(donor)s to %(project)s: %(amount)s %(currency)s") % {
            "donor": self.pledge.donor,
            "project": self.project,
            "amount": format_number(self.amount, 2),
            "currency": self.pledge.currency,
        }


class Proposal(models.Model):
    """An allocation proposal computed by the optimizer or the greedy baseline: a suggestion
    until a person accepts it."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=20)  # "optimizer" | "greedy"
    parameters = models.JSONField(default=dict)
    status = models.CharField(max_length=50)  # solver status, e.g. "optimal"
    objective = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    report = models.JSONField(default=dict)  # binding constraints, rates used, shares …
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.method} {self.created_at:%Y-%m-%d %H:%M}"


class ProposalLine(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lines")
    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    amount_usd = models.DecimalField(**MONEY)

    def __str__(self) -> str:
        return f"{self.pledge_id} → {self.project_id or self.need_id}: {self.amount_usd}"
