"""Writes of the meetings app: the secretariat marking a mandate's status, with evidence."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from infobase.accounts.permissions import require
from infobase.core.errors import InputProblem, InvalidInput
from infobase.core.i18n import language
from infobase.meetings.models import (
    Body,
    Document,
    DocumentFile,
    DocumentKind,
    Mandate,
    MandateEvidence,
    ManualStatus,
    Outcome,
    Session,
)


@transaction.atomic
def mandate_set_status(
    *,
    mandate: Mandate,
    status: str,
    reason: str,
    user: Any,
    evidence_note: str = "",
    sessions: Iterable[Session] = (),
    documents: Iterable[Document] = (),
    outcomes: Iterable[Outcome] = (),
    link_url: str = "",
    link_label: str = "",
) -> Mandate:
    """Set the manual status of a mandate with the evidence and the reason (kept in its
    history); evidence records given are added to the mandate's evidence."""
    require(user, "meetings.set_mandate_status", mandate)
    problems = []
    if status not in ManualStatus.values:
        problems.append(
            InputProblem(
                str(mandate), _("“%(value)s” is not a status.") % {"value": status}, column="status"
            )
        )
    if not reason.strip():
        problems.append(InputProblem(str(mandate), _("a reason is required."), column="reason"))
    if link_url and not (link_url.startswith("/") or link_url.startswith("https://")):
        problems.append(
            InputProblem(
                str(mandate),
                _("a link must start with / (a page of Infobase) or https://."),
                column="link_url",
            )
        )
    if problems:
        raise InvalidInput(problems)
    mandate.manual_status = status
    mandate.evidence_note = evidence_note
    mandate.status_set_by = user if getattr(user, "is_authenticated", False) else None
    mandate.status_set_on = timezone.now()
    mandate._change_reason = reason  # type: ignore[attr-defined]
    mandate._history_user = mandate.status_set_by  # type: ignore[attr-defined]
    mandate.save()
    added_by = mandate.status_set_by
    records: dict[str, Iterable[Any]] = {
        "session": sessions,
        "document": documents,
        "outcome": outcomes,
    }
    for field, values in records.items():
        for record in values:
            _evidence_add(mandate, {field: record}, {"added_by": added_by}, reason=reason)
    if link_url:
        _evidence_add(
            mandate,
            {"url": link_url},
            {"label": link_label or link_url, "added_by": added_by},
            reason=reason,
        )
    return mandate


def _evidence_add(
    mandate: Mandate, lookup: dict[str, Any], values: dict[str, Any], *, reason: str
) -> None:
    """Add a record of evidence to ``mandate`` unless it is there already; its history keeps
    who added it and the reason of the status it was given with."""
    if MandateEvidence.objects.filter(mandate=mandate, **lookup).exists():
        return
    evidence = MandateEvidence(mandate=mandate, **lookup, **values)
    evidence._change_reason = reason  # type: ignore[attr-defined]
    evidence._history_user = values["added_by"]  # type: ignore[attr-defined]
    evidence.save()


# --- Reports produced by Infobase, filed as documents of a session -------------------------

REPORT_KINDS = {
    "chair": DocumentKind.CHAIR_REPORT,
    "secretariat": DocumentKind.SECRETARIAT_TA_REPORT,
}
REPORT_FILE_FORMATS = ("pdf", "docx")


@transaction.atomic
def document_from_report(*, user: Any, run: Any, session: Session) -> Document:
    """File a report produced by the report engine as the UN document it is: its symbol, kind,
    date and the working group it reports on, before ``session``, with its PDF and Word files
    in every language already produced on the same data. Filing it again updates the files.

    This is how the Chair's and the Secretariat's reports reach the Conference, and what the
    automatic checks of decision 2/6, paragraphs (g) and (h), find."""
    from infobase.reports import engine
    from infobase.reports.models import ReportRun, RunStatus

    require(user, "meetings.add_document")
    place = _("report %(report)s") % {"report": run.report}
    symbol = str(run.params.get("symbol") or "")
    if run.status != RunStatus.DONE:
        raise InvalidInput([InputProblem(place, _("the report is not ready yet."))])
    if not symbol:
        raise InvalidInput(
            [
                InputProblem(
                    place, _("a report needs a document symbol to be filed."), column="symbol"
                )
            ]
        )
    body = (
        Body.objects.filter(code=run.params.get("body")).first() if run.params.get("body") else None
    )
    titles: dict[str, str] = {}
    runs = list(
        ReportRun.objects.filter(
            report=run.report,
            fingerprint=run.fingerprint,
            status=RunStatus.DONE,
            fmt__in=REPORT_FILE_FORMATS,
        ).order_by("lang", "fmt")
    )
    with_pdf = {r.lang for r in runs if r.fmt == "pdf"}
    report = engine.get(run.report)
    for code in {r.lang for r in runs} | {run.lang}:
        with language(code):
            titles[code.split("-")[0]] = str(report.title)
    document, created = Document.objects.get_or_create(
        symbol=symbol,
        defaults={
            "kind": REPORT_KINDS.get(run.report, DocumentKind.OTHER),
            "title": titles,
            "body": body,
            "date": run.params.get("date"),
            "session": session,
            "original_language": "en",
        },
    )
    if not created:
        document.title = {**document.title, **titles}
        document.session = session
        document.date = run.params.get("date") or document.date
        # Kept in English, shown in the reader's language (``core.history._shown_reason``).
        document._change_reason = gettext_noop(  # type: ignore[attr-defined]
            "Filed again from the report produced by Infobase."
        )
        document.save()
    for item in runs:
        lang = item.lang.split("-")[0]
        if item.fmt != "pdf" and item.lang in with_pdf:
            continue  # one file per language: the PDF, or the Word file when there is no PDF
        existing = DocumentFile.objects.filter(document=document, language=lang).first()
        target = existing or DocumentFile(document=document, language=lang)
        with item.file.open("rb") as source:
            target.file.save(
                f"{symbol.replace('/', '_')}-{lang}.{item.fmt}",
                ContentFile(source.read()),
                save=False,
            )
        target.mime_type = (
            "application/pdf"
            if item.fmt == "pdf"
            else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        target.save()
    return document
