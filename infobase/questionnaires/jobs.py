"""XLSForm, workbook and submissions imports as background jobs: the web stores the upload, a
worker calls the same import the command uses."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from infobase.core.errors import InputProblem
from infobase.core.jobs import JobContext, discard_stash, job_handler, stashed_files
from infobase.core.upload_jobs import discard_upload, register_upload_kind, upload_requester
from infobase.questionnaires.models import Assignment, Questionnaire, ReportingCycle
from infobase.reference.models import Instrument

WORKBOOK_JOB = register_upload_kind("questionnaires.workbook_import")
SUBMISSIONS_JOB = register_upload_kind("questionnaires.submissions_import")
XLSFORM_JOB = register_upload_kind("questionnaires.xlsform_import")
IMPORT_WARNINGS_SHOWN = 20


@job_handler(XLSFORM_JOB, title=gettext_lazy("Import an XLSForm"), on_failed=discard_upload)
def xlsform_import_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """An XLSForm imported as the command imports it: all or nothing, the requester's right to
    add questionnaires checked again; a refused workbook's problems, each with its sheet, row
    and column, are the job's error."""
    from infobase.questionnaires.xlsform import import_warnings, import_xlsform

    cycle = ReportingCycle.objects.filter(pk=params["cycle"]).first()
    if cycle is None:  # deleted while the workbook waited for a worker
        raise CommandError(_("The reporting cycle chosen for this questionnaire no longer exists."))
    (path,) = stashed_files(params["folder"])
    ctx.progress(10, gettext_noop("Reading the XLSForm"))
    questionnaire = import_xlsform(
        path,
        filename=params["filename"],
        cycle=cycle,
        user=upload_requester(ctx),
        instruments=Instrument.objects.filter(pk__in=params.get("instruments", [])),
    )
    discard_stash(params["folder"])
    return {
        "url": reverse("questionnaire_detail", kwargs={"code": questionnaire.code}),
        "summary": imported_summary(import_warnings(questionnaire)),
    }


def imported_summary(warnings: list[InputProblem]) -> list[str]:
    """Say the import succeeded and list what it skipped or changed, each with its place (a
    sample of them, then how many more)."""
    if not warnings:
        return [_("The questionnaire was imported.")]
    said = [
        ngettext(
            "The questionnaire was imported, with %(count)s warning:",
            "The questionnaire was imported, with %(count)s warnings:",
            len(warnings),
        )
        % {"count": len(warnings)}
    ]
    said += [str(warning) for warning in warnings[:IMPORT_WARNINGS_SHOWN]]
    if len(warnings) > IMPORT_WARNINGS_SHOWN:
        more = len(warnings) - IMPORT_WARNINGS_SHOWN
        said.append(
            ngettext("… and %(count)s more warning.", "… and %(count)s more warnings.", more)
            % {"count": more}
        )
    return said


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
