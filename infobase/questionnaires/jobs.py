"""Workbook and submissions imports as background jobs: the web stores the upload, a worker
calls the same import the command uses."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from infobase.core.jobs import JobContext, discard_stash, job_handler, stashed_files
from infobase.core.upload_jobs import discard_upload, register_upload_kind, upload_requester
from infobase.questionnaires.models import Assignment, Questionnaire

WORKBOOK_JOB = register_upload_kind("questionnaires.workbook_import")
SUBMISSIONS_JOB = register_upload_kind("questionnaires.submissions_import")


@job_handler(WORKBOOK_JOB, title=gettext_lazy("Upload a workbook"), on_failed=discard_upload)
def workbook_import_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    from infobase.questionnaires.workbook import workbook_import

    assignment = Assignment.objects.select_related("questionnaire", "state").get(
        pk=params["assignment"]
    )
    (path,) = stashed_files(params["folder"])
    ctx.progress(10, gettext_noop("Reading the workbook"))
    result = workbook_import(
        assignment=assignment, source=path, filename=params["filename"], user=upload_requester(ctx)
    )
    discard_stash(params["folder"])
    summary = [_("Workbook imported: %(count)s answers changed.") % {"count": result.saved}]
    summary += [
        _(
            "“%(question)s” was changed on the web (by %(by)s) since the workbook was "
            "downloaded; it was not overwritten."
        )
        % {"question": conflict.item.name, "by": conflict.by}
        for conflict in result.conflicts
    ]
    return {"url": reverse("assignment_answer", args=[assignment.pk]), "summary": summary}


@job_handler(SUBMISSIONS_JOB, title=gettext_lazy("Import submissions"), on_failed=discard_upload)
def submissions_import_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    from infobase.questionnaires.workbook import submissions_import

    questionnaire = Questionnaire.objects.get(pk=params["questionnaire"])
    (path,) = stashed_files(params["folder"])
    ctx.progress(10, gettext_noop("Reading the submissions"))
    results = submissions_import(
        questionnaire=questionnaire,
        source=path,
        filename=params["filename"],
        user=upload_requester(ctx),
    )
    discard_stash(params["folder"])
    return {
        "url": reverse("questionnaire_responses", args=[questionnaire.code]),
        "summary": [_("Submissions imported for %(count)s States.") % {"count": len(results)}],
    }
