from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_noop, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infobase.accounts.permissions import require as _require
from infobase.core.files import stored_file_response
from infobase.core.quota import quota_problems
from infobase.core.upload_jobs import upload_requested
from infobase.core.uploads import ATTACHMENTS, content_problem
from infobase.questionnaires import selectors, services
from infobase.questionnaires.forms import (
    DispatchForm,
    ReviewForm,
    SubmissionsUploadForm,
    WorkbookUploadForm,
    XLSFormUploadForm,
)
from infobase.questionnaires.jobs import SUBMISSIONS_JOB, WORKBOOK_JOB, XLSFORM_JOB
from infobase.questionnaires.models import (
    AnswerFile,
    Assignment,
    AssignmentStatus,
    ItemKind,
    NotificationKind,
    Questionnaire,
)
from infobase.reference.selectors import by_state_name


@login_required
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "questionnaires.view_questionnaire")
    if request.user.has_perm("questionnaires.view_responses"):
        # The secretariat follows every State: one row per questionnaire with its counts,
        # grouped by cycle, instead of one row per State.
        return render(
            request,
            "questionnaires/questionnaire_list.html",
            {
                "cycles": selectors.questionnaires_by_cycle(),
                "can_manage": request.user.has_perm("questionnaires.add_questionnaire"),
            },
        )
    questionnaires = Questionnaire.objects.select_related("cycle").prefetch_related("instruments")
    return render(
        request,
        "questionnaires/questionnaire_list.html",
        {
            "questionnaires": questionnaires,
            "assignments": selectors.assignments_for(request.user).order_by(
                "-questionnaire__cycle__number", "state__name_en"
            )[:200],
            "can_manage": False,
        },
    )


@login_required
def questionnaire_detail(request: HttpRequest, code: str) -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire, code=code)
    _require(request.user, "questionnaires.view_questionnaire", questionnaire)
    items = questionnaire.items.select_related("article__instrument", "choice_list").order_by(
        "position"
    )
    return render(
        request,
        "questionnaires/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "items": items,
            "can_manage": request.user.has_perm(
                "questionnaires.dispatch_questionnaire", questionnaire
            ),
        },
    )


@login_required
def questionnaire_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    from infobase.questionnaires.xlsform import export_xform, export_xlsform

    questionnaire = get_object_or_404(Questionnaire, code=code)
    _require(request.user, "questionnaires.view_questionnaire", questionnaire)
    if fmt == "xlsform":
        content = export_xlsform(questionnaire)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        name = f"{questionnaire.code}.xlsx"
    elif fmt == "xform":
        content, mime, name = (
            export_xform(questionnaire),
            "application/xml",
            f"{questionnaire.code}.xml",
        )
    else:
        raise PermissionDenied
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def questionnaire_import(request: HttpRequest) -> HttpResponse:
    _require(request.user, "questionnaires.add_questionnaire")
    form = XLSFormUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # A large form takes seconds to check and write: a worker imports it, never the request.
        return _upload_job(
            request,
            kind=XLSFORM_JOB,
            upload=form.cleaned_data["file"],
            cycle=form.cleaned_data["cycle"].pk,
            instruments=[instrument.pk for instrument in form.cleaned_data["instruments"]],
        )
    return render(request, "questionnaires/import.html", {"form": form})


@login_required
def questionnaire_dispatch(request: HttpRequest, code: str) -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire, code=code)
    _require(request.user, "questionnaires.dispatch_questionnaire", questionnaire)
    form = DispatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = services.dispatch(
            questionnaire=questionnaire,
            deadline=data["deadline"],
            by=request.user,
            on=data["on"],
            states=data["states"] or None,
        )
        messages.success(
            request,
            _("Sent to %(count)s States.") % {"count": len(created)},
        )
        return redirect("questionnaire_responses", code=questionnaire.code)
    recipients = services.recipients_on(questionnaire=questionnaire, on=timezone.localdate())
    return render(
        request,
        "questionnaires/dispatch.html",
        {"questionnaire": questionnaire, "form": form, "recipients": recipients},
    )


@login_required
def responses(request: HttpRequest, code: str) -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire, code=code)
    _require(request.user, "questionnaires.view_responses", questionnaire)
    qs = [questionnaire]
    return render(
        request,
        "questionnaires/responses.html",
        {
            "questionnaire": questionnaire,
            "total": selectors.response_rate(qs),
            "by_group": selectors.rates_by_group(qs),
            "by_family": selectors.rates_by_legal_family(qs),
            "by_instrument": selectors.rates_by_instrument(qs),
            "by_status": selectors.rates_by_status(qs),
            "over_cycles": selectors.rates_over_cycles(),
            # By deadline, then in the reader's alphabetical order of the States.
            "overdue": sorted(
                by_state_name(selectors.overdue(qs), lambda a: a.state), key=lambda a: a.deadline
            ),
            "assignments": by_state_name(
                questionnaire.assignments.select_related("state"), lambda a: a.state
            ),
            "status_choices": AssignmentStatus.choices,
        },
    )


def _assignment(request: HttpRequest, pk: int, perm: str) -> Assignment:
    assignment = get_object_or_404(
        Assignment.objects.select_related("questionnaire__cycle", "state"), pk=pk
    )
    _require(request.user, perm, assignment)
    return assignment


def _answers_from_post(request: HttpRequest, page: selectors.Block) -> list[services.AnswerInput]:
    given = []
    for f in page.fields():
        if not f.item.is_answerable or f.item.kind == ItemKind.FILE:
            continue
        if f"v-{f.key}" not in request.POST:
            continue  # not on the submitted form: leave it alone
        if f.item.kind == ItemKind.SELECT_MULTIPLE:
            value: Any = request.POST.getlist(f"q-{f.key}")
        else:
            value = request.POST.get(f"q-{f.key}", "")
        try:
            version = int(request.POST.get(f"v-{f.key}", "0"))
        except ValueError:
            version = 0
        given.append(
            services.AnswerInput(
                item=f.item,
                value=value,
                repeat_path=f.path,
                confidential=f"c-{f.key}" in request.POST,
                version=version,
            )
        )
    return given


def _attachment_problems(
    request: HttpRequest, page: selectors.Block, assignment: Assignment
) -> dict[str, str]:
    """Why each attachment sent with the answers may not be kept (the upload policy, then the
    State's quota of stored files)."""
    found: dict[str, str] = {}
    sent: list[tuple[str, Any]] = []  # the acceptable ones, in order: (field, file)
    for f in page.fields():
        upload = request.FILES.get(f"f-{f.key}")
        if upload is not None and f.item.kind == ItemKind.FILE:
            problem = content_problem(upload, name=upload.name or "", policy=ATTACHMENTS)
            if problem:
                found[f.key] = problem
            else:
                sent.append((f.key, upload))
    if sent:
        over = quota_problems(state=assignment.state, uploads=[u for _k, u in sent])
        found.update({sent[position][0]: problem for position, problem in over.items()})
    return found


# Where "Save draft" returns to: a question (q-), a section (s-) or a repeated section (r-).
PLACE = re.compile(r"^[qsr]-[\w.@\-]{1,300}$")


def _pairs(keys: list[str]) -> list[tuple[str, str]]:
    """("name", "path") from "name@path" strings."""
    out = []
    for key in keys:
        name, _sep, path = key.partition("@")
        if name and path:
            out.append((name, path))
    return out


def _posted_instances(request: HttpRequest) -> list[tuple[str, str]]:
    """Repeat instances the browser sent answers for (some may have been added on the page)."""
    return _pairs([key[2:] for key in request.POST if key.startswith("v-") and "@" in key])


def _answer_url(assignment: Assignment, *, adds: list[str] | None = None, place: str = "") -> str:
    url = reverse("assignment_answer", args=[assignment.pk])
    if adds:
        url += "?" + urlencode([("add", a) for a in adds])
    if PLACE.match(place or ""):
        url += f"#{place}"
    return url


def _autosaved(assignment: Assignment, result: services.SaveResult) -> JsonResponse:
    """What the page's autosave needs: the new versions of the answers (so that the next save
    is not taken for a conflict), the problems, and a sentence for the status line."""
    versions = {
        item + (f"@{path}" if path else ""): version
        for item, path, version in assignment.answers.values_list(
            "item__name", "repeat_path", "version"
        )
    }
    if result.conflicts:
        status = _("Someone else changed some of these answers: reload the page to see them.")
    elif result.errors:
        status = ngettext(
            "Saved, except %(count)s answer that needs attention.",
            "Saved, except %(count)s answers that need attention.",
            len(result.errors),
        ) % {"count": len(result.errors)}
    else:
        status = _("Saved at %(time)s") % {"time": date_format(timezone.localtime(), "TIME_FORMAT")}
    return JsonResponse(
        {
            "saved": result.saved,
            "errors": result.errors,
            "conflicts": [
                c.item.name + (f"@{c.repeat_path}" if c.repeat_path else "")
                for c in result.conflicts
            ],
            "versions": versions,
            "status": status,
        }
    )


@login_required
def assignment_answer(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk, "questionnaires.view_assignment")
    can_answer = request.user.has_perm("questionnaires.answer_assignment", assignment) and (
        assignment.is_editable_by_state
    )
    previous = selectors.previous_answers(assignment)
    adds = [a for a in request.GET.getlist("add") if "@" in a][:50]
    present = _pairs(adds)
    if request.method == "POST":
        present += _posted_instances(request)
    page = selectors.answer_page(assignment, previous=previous, present=present)
    result: services.SaveResult | None = None
    problems: dict[str, str] = {}
    action = request.POST.get("action", "save")
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied
        problems = _attachment_problems(request, page, assignment) if action != "autosave" else {}
    if request.method == "POST" and not problems:
        with transaction.atomic():
            if action == "prefill":
                fill = [
                    services.AnswerInput(item=f.item, value=f.previous, version=0)
                    for f in page.fields()
                    if f.previous not in (None, "", []) and f.value in (None, "", [])
                ]
                result = services.answers_save(
                    assignment=assignment,
                    user=request.user,
                    answers=fill,
                    reason=gettext_noop("Copied from the previous cycle"),
                )
            else:
                result = services.answers_save(
                    assignment=assignment,
                    user=request.user,
                    answers=_answers_from_post(request, page),
                )
                for f in page.fields():
                    upload = request.FILES.get(f"f-{f.key}")
                    if upload is not None and f.item.kind == ItemKind.FILE:
                        services.answer_file_add(
                            assignment=assignment,
                            item=f.item,
                            repeat_path=f.path,
                            upload=upload,
                            user=request.user,
                        )
        if action == "autosave":
            return _autosaved(assignment, result)
        if not result.errors and not result.conflicts:
            place = request.POST.get("place", "")
            if action == "submit":
                try:
                    services.assignment_submit(assignment=assignment, user=request.user)
                except services.SubmissionInvalid as exc:
                    problems = exc.problems
                except services.TransitionConflict as exc:
                    messages.info(request, str(exc))
                    return redirect("assignment_answer", pk=assignment.pk)
                else:
                    messages.success(request, _("Your answers were submitted to the secretariat."))
                    return redirect("assignment_answer", pk=assignment.pk)
            elif action.startswith("add:"):
                name, _sep, path = action[4:].partition("@")
                return redirect(
                    _answer_url(
                        assignment, adds=[*adds, f"{name}@{path}"], place=f"s-{name}-{path}"
                    )
                )
            elif action.startswith("remove:"):
                name, _sep, path = action[7:].partition("@")
                repeat = get_object_or_404(
                    assignment.questionnaire.items, name=name, kind=ItemKind.REPEAT
                )
                services.repeat_instance_remove(
                    assignment=assignment, user=request.user, repeat=repeat, path=path
                )
                messages.success(
                    request,
                    _("“%(section)s” %(number)s was removed.")
                    % {
                        "section": repeat.display_label(assignment.questionnaire.default_language),
                        "number": path.rpartition(".")[2],
                    },
                )
                prefix = path.rpartition(".")[0]
                key = name + (f"@{prefix}" if prefix else "")
                return redirect(_answer_url(assignment, place=f"r-{key}"))
            else:
                # Autosave usually stored the changes already: "0 answers changed" read as lost.
                saved = (
                    ngettext(
                        "Saved: %(count)s answer changed.",
                        "Saved: %(count)s answers changed.",
                        result.saved,
                    )
                    % {"count": result.saved}
                    if result.saved
                    else _("Saved: your answers are up to date.")
                )
                messages.success(request, saved)
                return redirect(_answer_url(assignment, adds=adds, place=place))
        page = selectors.answer_page(assignment, previous=previous, present=present)
    errors = {**(result.errors if result else {}), **problems}
    conflicts = {
        c.item.name + (f"@{c.repeat_path}" if c.repeat_path else ""): c
        for c in (result.conflicts if result else [])
    }
    error_list = []
    for f in page.fields():
        f.error = errors.get(f.key, "")
        f.conflict = conflicts.get(f.key)
        if f.error:
            label = f.item.display_label(assignment.questionnaire.default_language)
            if f.instance_label:
                label = _("%(instance)s: %(question)s") % {
                    "instance": f.instance_label,
                    "question": label,
                }
            error_list.append((f.key, label, f.error))
    return render(
        request,
        "questionnaires/answer.html",
        {
            "assignment": assignment,
            "questionnaire": assignment.questionnaire,
            "page": page,
            "can_answer": can_answer,
            "errors": errors,
            "error_list": error_list,
            "conflicts": conflicts,
            "comments": assignment.comments.filter(item=None).select_related("author"),
            "has_previous": bool(previous),
            "status": assignment.get_status_display(),
        },
        status=400 if errors or conflicts else 200,
    )


@login_required
def workbook_download(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk, "questionnaires.view_assignment")
    from infobase.questionnaires.workbook import workbook_export

    content = workbook_export(assignment=assignment, language=get_language() or "en")
    name = f"{assignment.questionnaire.code}-{assignment.state.iso3}.xlsx"
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{slugify(name[:-5])}.xlsx"'
    return response


@login_required
def workbook_upload(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk, "questionnaires.answer_assignment")
    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return _upload_job(
            request, kind=WORKBOOK_JOB, upload=form.cleaned_data["file"], assignment=assignment.pk
        )
    return render(
        request, "questionnaires/workbook_upload.html", {"assignment": assignment, "form": form}
    )


def _upload_job(request: HttpRequest, *, kind: str, upload: Any, **params: Any) -> HttpResponse:
    """Store a checked upload and hand it to a worker (``infobase.questionnaires.jobs``), which
    imports it with the same service as the command; the job page follows it."""
    return upload_requested(request, kind=kind, uploads=[upload], **params)


@login_required
def submissions_upload(request: HttpRequest, code: str) -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire, code=code)
    _require(request.user, "questionnaires.import_submissions", questionnaire)
    form = SubmissionsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return _upload_job(
            request,
            kind=SUBMISSIONS_JOB,
            upload=form.cleaned_data["file"],
            questionnaire=questionnaire.pk,
        )
    return render(
        request,
        "questionnaires/submissions_upload.html",
        {"questionnaire": questionnaire, "form": form},
    )


@login_required
def assignment_review(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk, "questionnaires.review_assignment")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        comment = form.cleaned_data["comment"]
        on_items = {
            item: request.POST.get(f"qc-{item.name}", "")
            for item in assignment.questionnaire.items.all()
            if request.POST.get(f"qc-{item.name}", "").strip()
        }
        try:
            if request.POST.get("action") == "return":
                if not comment and not on_items:
                    form.add_error("comment", _("Say what the State should clarify."))
                else:
                    services.assignment_return(
                        assignment=assignment,
                        user=request.user,
                        comment=comment,
                        item_comments=on_items,
                    )
                    messages.success(request, _("Returned to the State for clarification."))
                    return redirect("questionnaire_responses", code=assignment.questionnaire.code)
            else:
                services.assignment_validate(
                    assignment=assignment, user=request.user, comment=comment
                )
                messages.success(request, _("The submission was validated."))
                return redirect("questionnaire_responses", code=assignment.questionnaire.code)
        except services.TransitionConflict as exc:
            messages.error(request, str(exc))  # another reviewer acted first
            return redirect("questionnaire_responses", code=assignment.questionnaire.code)
    page = selectors.answer_page(assignment, blank_instance=False, templates=False)
    return render(
        request,
        "questionnaires/review.html",
        {
            "assignment": assignment,
            "questionnaire": assignment.questionnaire,
            "page": page,
            "form": form,
            "can_decide": assignment.status == AssignmentStatus.SUBMITTED,
            "comments": assignment.comments.filter(item=None).select_related("author"),
        },
    )


@require_POST
@login_required
def assignment_remind(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk, "questionnaires.review_assignment")
    note = services.notify(assignment=assignment, kind=NotificationKind.MANUAL_REMINDER)
    if note:
        messages.success(request, _("Reminder sent to %(state)s.") % {"state": assignment.state})
    else:
        messages.warning(
            request,
            _("%(state)s has no focal point with an e-mail address.") % {"state": assignment.state},
        )
    return redirect("questionnaire_responses", code=assignment.questionnaire.code)


@login_required
def answer_file(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(AnswerFile.objects.select_related("answer__assignment"), pk=pk)
    _require(request.user, "questionnaires.view_assignment", attachment.answer.assignment)
    return stored_file_response(attachment.file, filename=attachment.original_name)
