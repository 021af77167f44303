"""Screens: the secretariat's reports (request, progress, download, publish) and the public
list of published reports."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infobase.accounts.permissions import require
from infobase.core.errors import InvalidInput
from infobase.core.files import stored_file_response
from infobase.core.i18n import format_date, format_percent, language_codes
from infobase.reports import engine, publications, services
from infobase.reports.engine import CONTENT_TYPES, FORMATS
from infobase.reports.models import Publication, PublicationFile, ReportRun, RunStatus
from infobase.reports.render_html import inline_style_sources

PERM_REQUEST = "reports.request_report"

FORMAT_LABELS = {
    "html": gettext_lazy("Web page (HTML)"),
    "pdf": gettext_lazy("PDF (print)"),
    "docx": gettext_lazy("Word (DOCX)"),
    "xlsx": gettext_lazy("Excel tables (XLSX)"),
}


class OutputForm(forms.Form):
    lang = forms.ChoiceField(label=gettext_lazy("Language"), choices=[])
    fmt = forms.ChoiceField(label=gettext_lazy("Format"), choices=[])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from django.conf import settings

        languages = [(c, str(n)) for c, n in settings.LANGUAGES]
        self.fields["lang"].choices = languages  # type: ignore[attr-defined]
        self.fields["lang"].initial = get_language()
        self.fields["fmt"].choices = list(FORMAT_LABELS.items())  # type: ignore[attr-defined]


class _Described:
    """Runs' parameters as (label, value) pairs, shown as on the request form: the field's
    label, a chosen record by its label there (an instrument by its short name in the
    interface language), a date in the interface language's format. One form for all the runs
    of a report, each chosen record looked up once."""

    def __init__(self) -> None:
        self.forms: dict[str, forms.Form] = {}
        self.records: dict[tuple[str, str, Any], str] = {}

    def __call__(self, report: engine.Report, params: dict[str, Any]) -> list[tuple[str, Any]]:
        form = self.forms.get(report.slug)
        if form is None:
            form = self.forms[report.slug] = report.Parameters()
        described = []
        for key, value in params.items():
            if not value:
                continue
            field = form.fields.get(key)
            if field is None:
                described.append((key, value))
                continue
            label = str(field.label) if field.label else key
            described.append((label, self._value(report.slug, key, field, value)))
        return described

    def _value(self, slug: str, key: str, field: forms.Field, value: Any) -> Any:
        if isinstance(field, forms.ModelChoiceField):
            memo = (slug, key, value)
            if memo not in self.records:
                lookup = {field.to_field_name or "pk": value}
                record = field.queryset.filter(**lookup).first()  # type: ignore[union-attr]
                # A record since removed still shows what was asked for.
                self.records[memo] = (
                    field.label_from_instance(record) if record is not None else str(value)
                )
            return self.records[memo]
        if isinstance(field, forms.DateField) and isinstance(value, str):
            try:
                return format_date(date.fromisoformat(value))
            except ValueError:
                return value
        if isinstance(field, forms.ChoiceField):
            return str(dict(field.choices).get(value, value))  # type: ignore[arg-type]
        return value


def _format_name(fmt: str) -> str:
    return str(FORMAT_LABELS.get(fmt, fmt))


class ConfirmForm(forms.Form):
    """Asked when a report would rest on very little (its basis is thin)."""

    confirm = forms.BooleanField(
        label=gettext_lazy("Produce the report anyway"),
        required=True,
        error_messages={
            "required": gettext_lazy(
                "The report would rest on very little: tick the box to produce it anyway."
            )
        },
    )


def report_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "reports.request_report")
    # The chair of the working group may request only the Chair's report: list what one may.
    user: Any = request.user  # a report is named by its slug, not a model instance
    reports = [r for r in engine.all_reports() if user.has_perm(PERM_REQUEST, r.slug)]
    by_slug = {report.slug: report for report in reports}
    described = _Described()
    runs = [
        {
            "run": run,
            "title": by_slug[run.report].title,
            "params": described(by_slug[run.report], run.params),
            "language": publications.language_name(run.lang),
            "format": _format_name(run.fmt),
        }
        for run in ReportRun.objects.filter(report__in=list(by_slug)).select_related(
            "requested_by"
        )[:30]
    ]
    return render(request, "reports/report_list.html", {"reports": reports, "runs": runs})


def _reports_under_way(request: HttpRequest, refused: services.TooManyReports) -> HttpResponse:
    # The first of the person's reports under way, with why no other was started.
    messages.warning(request, refused.message)
    if not refused.under_way:
        return redirect("reports:list")
    return redirect("reports:run", pk=refused.under_way[0].pk)


def report_new(request: HttpRequest, slug: str) -> HttpResponse:
    require(request.user, PERM_REQUEST, slug)
    try:
        report = engine.get(slug)
    except KeyError as missing:
        raise Http404 from missing
    params_form = report.Parameters(request.POST or None)
    output_form = OutputForm(request.POST or None)
    basis = None
    confirm_form = None
    if request.method == "POST" and params_form.is_valid() and output_form.is_valid():
        params = report.to_json(params_form.cleaned_data)
        basis = report.basis(params)
        if basis is not None and basis.thin:
            # The first time the basis is shown the box is asked for, not yet an error.
            answered = "confirm" in request.POST or "basis_shown" in request.POST
            confirm_form = ConfirmForm(request.POST if answered else None)
            if not confirm_form.is_valid():
                return render(
                    request,
                    "reports/report_new.html",
                    {
                        "report": report,
                        "params_form": params_form,
                        "output_form": output_form,
                        "basis": basis,
                        "confirm_form": confirm_form,
                    },
                )
        try:
            run = services.report_request(
                user=request.user,
                slug=slug,
                params=params,
                lang=output_form.cleaned_data["lang"],
                fmt=output_form.cleaned_data["fmt"],
            )
        except services.TooManyReports as refused:
            return _reports_under_way(request, refused)
        return redirect("reports:run", pk=run.pk)
    return render(
        request,
        "reports/report_new.html",
        {"report": report, "params_form": params_form, "output_form": output_form},
    )


def run_detail(request: HttpRequest, pk: str) -> HttpResponse:
    run = get_object_or_404(ReportRun, pk=pk)
    require(request.user, "reports.view_reportrun", run)
    report = engine.get(run.report)
    if request.headers.get("Accept") == "application/json":
        response = JsonResponse(
            {
                "status": run.status,
                # job.js writes it on the page, which said "Queued" until the run ended.
                "status_display": str(run.get_status_display()),
                "progress": run.progress,
                "progress_display": format_percent(run.progress, 0),
                # Steps and errors are message ids (a year's figures: the year itself).
                "step": _(run.step) if run.step else "",
                "error": _(run.error) if run.error else "",
            }
        )
        response["Cache-Control"] = "no-store"
        return response
    others = ReportRun.objects.filter(
        report=run.report, fingerprint=run.fingerprint, status=RunStatus.DONE
    ).exclude(pk=run.pk)
    return render(
        request,
        "reports/run_detail.html",
        {
            "run": run,
            "params": _Described()(report, run.params),
            "language": publications.language_name(run.lang),
            "format": _format_name(run.fmt),
            "file_name": services.file_name(run),
            "report": report,
            "others": [
                (other, publications.language_name(other.lang), _format_name(other.fmt))
                for other in others
            ],
            "languages": [(code, publications.language_name(code)) for code in language_codes()],
            "formats": [(fmt, _format_name(fmt)) for fmt in FORMATS],
            "publication": PublicationFile.objects.filter(
                run=run, publication__in=publications.standing()
            )
            .select_related("publication")
            .first(),
        },
    )


def _file_response(run: ReportRun, *, inline: bool) -> FileResponse:
    if run.status != RunStatus.DONE or not run.file:
        raise Http404
    response = stored_file_response(
        run.file,
        content_type=CONTENT_TYPES[run.fmt],
        as_attachment=not inline,
        filename=services.file_name(run),
    )
    if run.fmt == "html":
        # A report's web page is one self-contained file (no script): its inline styles are
        # allowed by their hashes, one by one, and it is sandboxed so that no script could run.
        # Its own handle: the response streams from the field's.
        with run.file.storage.open(run.file.name or "", "rb") as page:
            sources = inline_style_sources(page.read().decode("utf-8", "replace"))
        response._csp_update = {**sources, "sandbox": [True]}  # type: ignore[attr-defined]
    return response


def run_download(request: HttpRequest, pk: str) -> FileResponse:
    run = get_object_or_404(ReportRun, pk=pk)
    require(request.user, "reports.view_reportrun", run)
    return _file_response(run, inline=run.fmt in ("html", "pdf"))


@require_POST
def run_other(request: HttpRequest, pk: str) -> HttpResponse:
    """The same report and data in another language or format."""
    run = get_object_or_404(ReportRun, pk=pk)
    require(request.user, PERM_REQUEST, run.report)
    lang, fmt = request.POST.get("lang", ""), request.POST.get("fmt", "")
    if lang not in language_codes() or fmt not in FORMATS:
        raise Http404
    try:
        other = services.report_request(
            user=request.user, slug=run.report, params=run.params, lang=lang, fmt=fmt
        )
    except services.TooManyReports as refused:
        return _reports_under_way(request, refused)
    return redirect("reports:run", pk=other.pk)


@require_POST
def run_publish(request: HttpRequest, pk: str) -> HttpResponse:
    run = get_object_or_404(ReportRun, pk=pk)
    try:
        publication = services.publication_create(user=request.user, run=run)
    except InvalidInput as problems:
        for problem in problems.problems:
            messages.error(request, str(problem))
        return redirect("reports:run", pk=run.pk)
    messages.success(request, _("The report is published."))
    return redirect("reports:publication", pk=publication.pk)


def publication_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "reports/publication_list.html", {"reports": publications.published_rows()}
    )


def _withdrawn(request: HttpRequest, publication: Publication) -> HttpResponse:
    """What an old link to a withdrawn publication shows: when and why, as 410 Gone."""
    return render(
        request, "reports/publication_withdrawn.html", {"publication": publication}, status=410
    )


def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    publication = publications.published().filter(pk=pk).first()
    if publication is None:
        return _withdrawn(request, get_object_or_404(Publication, pk=pk, withdrawn=True))
    return render(
        request,
        "reports/publication_detail.html",
        {
            "report": publications.published_report(publication),
            "publication": publication,
            "can_withdraw": request.user.has_perm("reports.publish_report"),
        },
    )


def publication_file(request: HttpRequest, pk: int, run_pk: str) -> HttpResponse | FileResponse:
    publication = get_object_or_404(Publication, pk=pk)
    if publication.withdrawn:
        return _withdrawn(request, publication)
    item = get_object_or_404(PublicationFile, publication=publication, run_id=run_pk)
    return _file_response(item.run, inline=item.run.fmt in ("html", "pdf"))


@require_POST
def publication_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "reports.publish_report")
    publication = get_object_or_404(Publication, pk=pk)
    try:
        services.publication_withdraw(
            user=request.user, publication=publication, reason=request.POST.get("reason", "")
        )
    except InvalidInput as problems:
        for problem in problems.problems:
            messages.error(request, str(problem))
        return redirect("reports:publication", pk=publication.pk)
    messages.success(request, _("The report is withdrawn from the public."))
    return redirect("reports:publication", pk=publication.pk)
