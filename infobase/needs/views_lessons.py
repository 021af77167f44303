"""Screens for lessons learned: search and filters, a lesson's page, the secretariat's form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from infobase.accounts.permissions import require as _require
from infobase.core.files import stored_file_response
from infobase.core.forms import NONE, NamedEmptyChoice
from infobase.core.once import OnceField, save_once
from infobase.core.uploads import DOCUMENTS, validate_upload
from infobase.core.widgets import Checklist
from infobase.needs.lessons import (
    field_label,
    kind_labels,
    lesson_ratings,
    lesson_save,
    lesson_search,
)
from infobase.needs.models import DAC_CRITERIA, LessonLearned, Rating
from infobase.reference.forms import (
    ArticleMultipleChoiceField,
    StateMultipleChoiceField,
    article_filter,
    articles,
    kind_filter,
    state_filter,
)
from infobase.reference.models import AssistanceKind


class LessonFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Words"),
        required=False,
        help_text=gettext_lazy("In any of the six languages; every word must appear."),
    )
    article = article_filter()
    kind = kind_filter()
    state = state_filter()


class LessonForm(NamedEmptyChoice, forms.ModelForm):
    once = OnceField()
    states = StateMultipleChoiceField(
        label=gettext_lazy("States concerned"),
        required=False,
        widget=Checklist,
    )
    articles = ArticleMultipleChoiceField(
        label=gettext_lazy("Articles concerned"),
        queryset=articles(),
        required=False,
        widget=Checklist,
    )
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Kinds of assistance"),
        choices=AssistanceKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = LessonLearned
        fields = [
            "title",
            "activity",
            "delivered_on",
            "language",
            "what_worked",
            "what_did_not",
            "recommendations",
            *DAC_CRITERIA,
            "states",
            "articles",
            "kinds",
            "evaluation",
        ]
        widgets = {
            "delivered_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "language": forms.Select(choices=[]),
            "title": forms.TextInput(attrs={"dir": "auto"}),
            "activity": forms.TextInput(attrs={"dir": "auto"}),
            "what_worked": forms.Textarea(attrs={"dir": "auto", "rows": 5}),
            "what_did_not": forms.Textarea(attrs={"dir": "auto", "rows": 5}),
            "recommendations": forms.Textarea(attrs={"dir": "auto", "rows": 5}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].widget.choices = [("", NONE), *settings.LANGUAGES]
        # A criterion left empty is one not evaluated: its empty choice says so, as the note
        # above the form and the lesson's page do, rather than "None".
        for criterion in DAC_CRITERIA:
            field = self.fields[criterion]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = [("", _("Not rated")), *Rating.choices]
            field.empty_choice_named = True  # type: ignore[attr-defined]

    def clean_evaluation(self) -> Any:
        return validate_upload(self.cleaned_data.get("evaluation"), policy=DOCUMENTS)


def _row(lesson: LessonLearned) -> dict[str, Any]:
    return {
        "lesson": lesson,
        "ratings": lesson_ratings(lesson),
        "kinds": kind_labels(lesson.kinds or []),
    }


@login_required
def lesson_list(request: HttpRequest) -> HttpResponse:
    _require(request.user, "needs.view_lessonlearned")
    form = LessonFilterForm(request.GET or None)
    lessons = lesson_search()
    if form.is_valid():
        data = form.cleaned_data
        lessons = lesson_search(
            query=data["q"], article=data["article"], kind=data["kind"], state=data["state"]
        )
    lessons = lessons.prefetch_related("states", "articles__instrument")
    page = Paginator(lessons, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "needs/lesson_list.html",
        {
            "form": form,
            "page": page,
            "rows": [_row(lesson) for lesson in page],
            "total": page.paginator.count,
            "criteria": [field_label(c) for c in DAC_CRITERIA],
            "can_add": request.user.has_perm("needs.add_lessonlearned"),
        },
    )


@login_required
def lesson_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = get_object_or_404(LessonLearned.objects.select_related("recorded_by"), pk=pk)
    _require(request.user, "needs.view_lessonlearned", lesson)
    return render(
        request,
        "needs/lesson_detail.html",
        {
            **_row(lesson),
            "states": lesson.states.all(),
            "articles": lesson.articles.select_related("instrument"),
            "can_edit": request.user.has_perm("needs.change_lessonlearned", lesson),
        },
    )


@login_required
def lesson_evaluation(request: HttpRequest, pk: int) -> FileResponse:
    lesson = get_object_or_404(LessonLearned, pk=pk)
    _require(request.user, "needs.view_lessonlearned", lesson)
    if not lesson.evaluation:
        raise Http404
    name = (lesson.evaluation.name or "").rsplit("/", 1)[-1]
    return stored_file_response(lesson.evaluation, filename=name)


def _edit(request: HttpRequest, lesson: LessonLearned | None) -> HttpResponse:
    if lesson is None:
        _require(request.user, "needs.add_lessonlearned")
    else:
        _require(request.user, "needs.change_lessonlearned", lesson)
    form = LessonForm(request.POST or None, request.FILES or None, instance=lesson)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        states = data.pop("states")
        articles = data.pop("articles")
        kinds = data.pop("kinds")
        evaluation = data.pop("evaluation")
        # A new upload replaces the report, a ticked "clear" removes it, otherwise keep it.
        if evaluation is False:
            data["evaluation"] = False
        elif isinstance(evaluation, UploadedFile):
            data["evaluation"] = evaluation
        token = data.pop("once", "")
        response, problems = save_once(
            request,
            token=token if lesson is None else "",
            save=lambda: lesson_save(
                user=request.user,
                instance=lesson or LessonLearned(),
                data=data,
                states=states,
                articles=articles,
                kinds=kinds,
                reason=request.POST.get("reason", "").strip(),
            ),
            detail="lesson_detail",
            fallback="lesson_list",
            saved=_("The lesson learned was saved."),
        )
        if response is not None:
            return response
    return render(
        request, "needs/lesson_form.html", {"form": form, "lesson": lesson, "problems": problems}
    )


@login_required
def lesson_new(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@login_required
def lesson_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(LessonLearned, pk=pk))
