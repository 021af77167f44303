"""Report jobs (each rendering of a report in one language and format) and publications."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def run_path(run: ReportRun, filename: str) -> str:
    return f"reports/{run.report}/{run.pk}/{filename}"


class ReportRun(models.Model):
    """A report in one language and format, for one set of parameters and one state of the
    data (``fingerprint``). A finished run is the cache: the same request on unchanged data
    gets the same file without computing again."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.CharField(_("report"), max_length=50)
    params = models.JSONField(_("parameters"), default=dict)
    lang = models.CharField(_("language"), max_length=10)
    fmt = models.CharField(_("format"), max_length=10)
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)  # percent
    step = models.CharField(_("step"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to=run_path, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # The background job producing it: its lease tells whether a queued or running run can
    # still finish (a run whose worker died is failed, never returned for a new request).
    job = models.OneToOneField(
        "core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="report_run"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["report", "lang", "fmt", "fingerprint"])]

    def __str__(self) -> str:
        return f"{self.report} {self.lang} {self.fmt} ({self.status})"


class Publication(models.Model):
    """A report the secretariat has published: readable by the public, frozen as published."""

    report = models.CharField(_("report"), max_length=50)
    params = models.JSONField(_("parameters"), default=dict)
    fingerprint = models.CharField(max_length=64)
    title = models.JSONField(_("title"), default=dict)  # language -> title
    symbol = models.CharField(_("symbol"), max_length=100, blank=True)
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    # A withdrawal is a decision: who took it, when and why stay with the publication, and
    # its page says so to whoever follows an old link.
    withdrawn_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.TextField(_("reason for the withdrawal"), blank=True)

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.symbol or self.report


class PublicationFile(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="files")
    run = models.ForeignKey(ReportRun, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "run"], name="publication_run_unique")
        ]

    def __str__(self) -> str:
        return f"{self.publication} / {self.run_id}"
