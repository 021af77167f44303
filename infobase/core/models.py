"""Background jobs with a lease (``Job``) and named locks (``Lock``) shared by every app."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """One long piece of work run by a worker (``infobase.core.jobs``).

    A running job renews ``heartbeat_at`` while its worker lives; when the heartbeat is older
    than the lease the worker is taken for dead and ``infobase jobs-sweep`` fails the job and
    queues it again while ``attempts < max_attempts``. ``step`` and framework errors are stored
    as message ids and translated when shown.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=100)
    params = models.JSONField(_("parameters"), default=dict)
    dedupe_key = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)  # percent
    step = models.CharField(_("step"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=3)
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=200, blank=True)  # host:pid of the current attempt
    lang = models.CharField(_("language"), max_length=10, blank=True)  # the requester's
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [
            models.Index(fields=["dedupe_key", "status"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]
        constraints = [
            # At most one live (queued or running) job per piece of work.
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=models.Q(status__in=["queued", "running"]) & ~models.Q(dedupe_key=""),
                name="job_one_live_per_dedupe_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.status})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class Lock(models.Model):
    """A named lock held by one process (``infobase.core.locks`` on SQLite; PostgreSQL uses
    advisory locks). ``holder`` is ``host:pid:token``; a row whose process is gone is stale."""

    name = models.CharField(max_length=200, unique=True)
    holder = models.CharField(max_length=200)
    acquired_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


from infobase.core.notifications import Notice  # noqa: E402,F401  (registers the model)
from infobase.core.once import OnceToken  # noqa: E402,F401  (registers the model)
