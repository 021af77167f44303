"""The API's resources. Each list is the queryset the web shows the same person (the apps'
selectors and ``infobase.accounts.permissions``); each write calls the web's service."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from infobase.accounts.permissions import (
    is_secretariat,
    require,
    scope_documents,
    scope_pledges,
)
from infobase.activities.iati_export import iati_export
from infobase.activities.models import Activity, NeedLink
from infobase.activities.selectors import ActivityFilters, activities
from infobase.api import filters as api_filters
from infobase.api import serializers as s
from infobase.api.export_jobs import check_filters, export_too_long, file_query
from infobase.api.exports import CSVRenderer, RowsExporter, XLSXRenderer, wanted_format
from infobase.api.fields import etag_of, if_match_values
from infobase.api.idempotency import idempotent
from infobase.api.mixins import SelectorFilterMixin
from infobase.api.permissions import ReadOnlyTokenPermission, SignedIn, has_perm
from infobase.api.problems import (
    Conflict,
    PreconditionFailed,
    PreconditionRequired,
    ReportsUnderWay,
    Unprocessable,
)
from infobase.core.errors import InvalidInput
from infobase.core.exporters import Exporter
from infobase.core.exporters import render as render_export
from infobase.core.files import stored_file_response
from infobase.funding.models import Allocation, Pledge, Project, Proposal
from infobase.meetings.models import Document, Mandate, Outcome, Session
from infobase.meetings.selectors import mandate_statuses
from infobase.needs import selectors as needs_selectors
from infobase.needs.exports import NeedsRegisterExporter
from infobase.needs.lessons import lesson_save
from infobase.needs.models import LessonLearned, Need, NeedEvidence, WorkProgramme
from infobase.needs.requests import request_create, requests_for
from infobase.questionnaires import services as q_services
from infobase.questionnaires.models import Answer, Assignment, Questionnaire, ReportingCycle
from infobase.questionnaires.selectors import assignments_for
from infobase.reference.models import Article, Instrument, State
from infobase.reports import engine
from infobase.reports import services as report_services
from infobase.reports.models import ReportRun, RunStatus


class ReadOnly(viewsets.ReadOnlyModelViewSet):
    """A read-only resource; lists also as CSV or XLSX (``?format=csv|xlsx``): made in the
    request up to ``inline_export_limit`` rows, longer ones by a background job
    (``POST /api/v1/exports/``, ``infobase.api.export_jobs``) up to ``job_export_limit``."""

    renderer_classes = [
        *viewsets.ReadOnlyModelViewSet.renderer_classes,
        CSVRenderer,
        XLSXRenderer,
    ]
    filter_backends = [
        DjangoFilterBackend,
        filters.OrderingFilter,
    ]
    ordering_fields = ["id"]
    ordering = ["id"]
    # The world's needs as CSV took 7.3 s in the request: a long list's file is a job's work.
    inline_export_limit = 2_000
    job_export_limit = 200_000

    def get_permissions(self) -> list[Any]:
        # A read-only token refuses writes whatever the resource's own permissions say.
        return [ReadOnlyTokenPermission(), *super().get_permissions()]

    def export_rows(self, queryset: QuerySet[Any]) -> list[dict[str, Any]]:
        serializer = self.get_serializer(queryset, many=True)
        return list(serializer.data)

    def exporter(self, queryset: QuerySet[Any]) -> Exporter:
        """The list's file: one definition of a row, whether made in the request or by a job."""
        return RowsExporter(self.basename or "export", self.export_rows(queryset))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fmt = wanted_format(request)
        if not fmt:
            return super().list(request, *args, **kwargs)
        # A file that silently left out a misspelt filter would pass for the list filtered:
        # refused, as the export job refuses it (``export_jobs.check_filters``).
        errors = check_filters(self, file_query(request.query_params))
        if errors:
            raise exceptions.ValidationError(errors)
        queryset = self.filter_queryset(self.get_queryset())
        count = queryset.count()
        if count > self.inline_export_limit:
            # Refused rather than cut: a file with the first rows only would pass for the list.
            raise export_too_long(self, request, fmt=fmt, count=count)
        result = render_export(self.exporter(queryset), fmt=fmt, lang=get_language() or "en")
        response = Response(result.content, content_type=result.content_type)
        response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
        return response


# --- Reference data (public) -----------------------------------------------------------------


class StateViewSet(ReadOnly):
    serializer_class = s.StateSerializer
    filterset_class = api_filters.StateFilter
    ordering_fields = ["id", "iso3", "name_en"]
    permission_classes = [has_perm("reference.view_state")]

    def get_queryset(self) -> QuerySet[State]:
        return State.objects.prefetch_related("participations__instrument")


class InstrumentViewSet(ReadOnly):
    serializer_class = s.InstrumentSerializer
    permission_classes = [has_perm("reference.view_instrument")]
    filterset_fields = ["code"]

    def get_queryset(self) -> QuerySet[Instrument]:
        return Instrument.objects.select_related("parent")


class ArticleViewSet(ReadOnly):
    serializer_class = s.ArticleSerializer
    permission_classes = [has_perm("reference.view_article")]
    filterset_class = api_filters.ArticleFilter
    ordering_fields = ["id", "number"]

    def get_queryset(self) -> QuerySet[Article]:
        return Article.objects.select_related("instrument")


# --- Questionnaires, assignments and answers ---------------------------------------------------


class CycleViewSet(ReadOnly):
    serializer_class = s.CycleSerializer
    permission_classes = [has_perm("questionnaires.view_questionnaire")]
    queryset = ReportingCycle.objects.all()


class QuestionnaireViewSet(ReadOnly):
    serializer_class = s.QuestionnaireSerializer
    permission_classes = [has_perm("questionnaires.view_questionnaire")]
    filterset_fields = ["status", "cycle__number"]

    def get_queryset(self) -> QuerySet[Questionnaire]:
        return Questionnaire.objects.select_related("cycle").prefetch_related("instruments")


def _answer_etag(assignment: Assignment, key: str, version: int) -> str:
    return f'"a{assignment.pk}-{key}-v{version}"'


def _version_from(header: str, assignment: Assignment, key: str) -> int | None:
    for value in if_match_values(header):
        prefix = f'"a{assignment.pk}-{key}-v'
        if value.startswith(prefix) and value.endswith('"'):
            number = value[len(prefix) : -1]
            # ASCII digits only: "²" is a digit to ``isdigit`` and not to ``int``.
            if number.isascii() and number.isdigit() and len(number) <= 10:
                return int(number)
    return None


class AssignmentViewSet(ReadOnly):
    """A State's assignments and answers: its own State's for a focal point and delegate, all
    for the secretariat (``questionnaires.selectors.assignments_for``)."""

    serializer_class = s.AssignmentSerializer
    permission_classes = [SignedIn]
    filterset_fields = ["status", "questionnaire__code", "state__iso3"]

    def get_queryset(self) -> QuerySet[Assignment]:
        return assignments_for(self.request.user)

    def _assignment(self, pk: Any) -> Assignment:
        # DRF's get_object_or_404: an identifier that is no number ("abc", "²") is a 404.
        assignment = get_object_or_404(self.get_queryset(), pk=pk)
        require(self.request.user, "questionnaires.view_answer", assignment)
        return assignment

    @extend_schema(responses=s.AnswerSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def answers(self, request: Request, pk: Any = None) -> Response:
        assignment = self._assignment(pk)
        answers = Answer.objects.filter(assignment=assignment).select_related("item", "updated_by")
        return Response(s.AnswerSerializer(answers, many=True, context={"request": request}).data)

    def _field(self, assignment: Assignment, key: str) -> tuple[Any, str, Answer | None]:
        name, _sep, path = key.partition("@")
        item = assignment.questionnaire.items.filter(name=name).first()
        if item is None or not item.is_answerable:
            raise Http404
        answer = (
            Answer.objects.filter(assignment=assignment, item=item, repeat_path=path)
            .select_related("item", "updated_by")
            .first()
        )
        return item, path, answer

    @extend_schema(
        methods=["GET"],
        responses=s.AnswerSerializer,
        parameters=[OpenApiParameter("key", str, OpenApiParameter.PATH)],
        filters=False,
    )
    @extend_schema(
        methods=["PUT"],
        request=s.AnswerWriteSerializer,
        responses=s.AnswerSerializer,
        parameters=[
            OpenApiParameter("key", str, OpenApiParameter.PATH),
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="The ETag of the answer as read (an unanswered question has one too).",
            ),
        ],
        filters=False,
    )
    @action(
        detail=True,
        methods=["get", "put"],
        url_path=r"answers/(?P<key>[^/]+)",
        pagination_class=None,
        filter_backends=[],
    )
    def answer(self, request: Request, pk: Any = None, key: str = "") -> Response:
        """One answer (``key``: the question's name, ``name@1.2`` inside repeats). A question
        not answered yet reads as version 0. ``PUT`` saves it as a draft through the web's
        service, refusing (412) when it changed since the ETag given in ``If-Match``;
        ``confidential`` left out keeps the answer as confidential as it was (not confidential
        for a question not answered yet)."""
        assignment = self._assignment(pk)
        item, path, answer = self._field(assignment, key)
        if request.method == "GET":
            return self._answer_response(assignment, key, item, path, answer)
        header = request.headers.get("If-Match", "")
        if not header:
            raise PreconditionRequired(_("Send the answer's ETag in If-Match."))
        version = _version_from(header, assignment, key)
        if version is None:
            raise PreconditionFailed(current=None)
        body = s.AnswerWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = q_services.answers_save(
            assignment=assignment,
            user=request.user,
            answers=[
                q_services.AnswerInput(
                    item=item,
                    value=body.validated_data["value"],
                    repeat_path=path,
                    confidential=body.validated_data.get("confidential"),
                    version=version,
                )
            ],
            reason=gettext_noop("Saved through the API"),
        )
        if result.errors:
            raise Unprocessable(_("The answer is not valid."), errors=result.errors)
        _i, _p, answer = self._field(assignment, key)
        if result.conflicts:
            current = (
                s.AnswerSerializer(answer, context={"request": request}).data if answer else None
            )
            raise PreconditionFailed(current=current)
        return self._answer_response(assignment, key, item, path, answer)

    def _answer_response(
        self, assignment: Assignment, key: str, item: Any, path: str, answer: Answer | None
    ) -> Response:
        if answer is None:
            data = {
                "id": None,
                "key": key,
                "item": item.name,
                "repeat_path": path,
                "value": None,
                "confidential": False,
                "version": 0,
                "updated_by": None,
                "updated_at": None,
            }
        else:
            data = s.AnswerSerializer(answer, context={"request": self.request}).data
        response = Response(data)
        response["ETag"] = _answer_etag(assignment, key, answer.version if answer else 0)
        return response

    @extend_schema(request=None, responses=s.AssignmentSerializer, filters=False)
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def submit(self, request: Request, pk: Any = None) -> Response:
        """Submit the answers for review (the web's service and checks)."""
        assignment = self._assignment(pk)
        try:
            assignment = q_services.assignment_submit(assignment=assignment, user=request.user)
        except q_services.SubmissionInvalid as invalid:
            raise Unprocessable(
                _("Some answers are missing or not valid."), invalid.problems
            ) from None
        except q_services.TransitionConflict as conflict:
            raise Conflict(str(conflict)) from None
        return Response(s.AssignmentSerializer(assignment, context={"request": request}).data)


# --- Requests, lessons, needs, work programmes ------------------------------------------------


class RequestViewSet(mixins.CreateModelMixin, ReadOnly):
    """Requests for assistance: the secretariat's all, a State's own for its focal points
    and delegate (``needs.requests.requests_for``)."""

    serializer_class = s.RequestSerializer
    permission_classes = [SignedIn, has_perm("needs.view_assistancerequest")]
    filterset_class = api_filters.RequestFilter
    ordering_fields = ["id", "received_on"]

    def get_queryset(self) -> QuerySet[Any]:
        return requests_for(self.request.user).prefetch_related("lines__article")

    @extend_schema(
        request=s.RequestCreateSerializer,
        responses={201: s.RequestSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = s.RequestCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        state = State.objects.filter(iso3=data["state"].upper()).first()
        instrument = Instrument.objects.filter(code=data["instrument"]).first()
        errors = {}
        if state is None:
            errors["state"] = _("No State has this code.")
        if instrument is None:
            errors["instrument"] = _("No instrument has this code.")
        articles = {
            a.pk: a for a in Article.objects.filter(pk__in=[ln["article"] for ln in data["lines"]])
        }
        for index, line in enumerate(data["lines"]):
            if line["article"] not in articles:
                errors[f"lines.{index}.article"] = _("No article has this identifier.")
        if errors:
            raise exceptions.ValidationError(errors)
        assert state is not None and instrument is not None

        def create() -> Response:
            try:
                created = request_create(
                    user=request.user,
                    state=state,
                    instrument=instrument,
                    title=data["title"],
                    description=data["description"],
                    language=data["language"],
                    urgency=data["urgency"],
                    received_on=data.get("received_on") or timezone.localdate(),
                    needed_by=data.get("needed_by"),
                    lines=[
                        (articles[ln["article"]], ln.get("paragraph"), ln["kind"])
                        for ln in data["lines"]
                    ],
                    source="web" if not is_secretariat(request.user) else "note_verbale",
                    reference=data.get("reference", ""),
                    confidential=data["confidential"],
                )
            except ValueError as invalid:
                raise Unprocessable(str(invalid)) from None
            out = s.RequestSerializer(created, context={"request": request}).data
            location = reverse("api:request-detail", kwargs={"pk": created.pk})
            return Response(out, status=status.HTTP_201_CREATED, headers={"Location": location})

        return idempotent(request, create)


class LessonViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnly):
    serializer_class = s.LessonSerializer
    permission_classes = [has_perm("needs.view_lessonlearned")]
    filterset_class = api_filters.LessonFilter
    ordering_fields = ["id", "delivered_on"]
    http_method_names = ["get", "post", "put", "head", "options"]

    def get_queryset(self) -> QuerySet[LessonLearned]:
        return LessonLearned.objects.prefetch_related("states", "articles")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag_of(response.data)
        return response

    def _save(self, request: Request, instance: LessonLearned) -> LessonLearned:
        body = s.LessonWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        states = list(State.objects.filter(iso3__in=[c.upper() for c in data.pop("states")]))
        articles = list(Article.objects.filter(pk__in=data.pop("articles")))
        kinds = data.pop("kinds")
        try:
            return lesson_save(
                user=request.user,
                instance=instance,
                data=data,
                states=states,
                articles=articles,
                kinds=kinds,
                reason=gettext_noop("Saved through the API"),
            )
        except InvalidInput as invalid:
            raise Unprocessable(
                _("The lesson is not valid."),
                errors={(p.column or ""): p.message for p in invalid.problems},
            ) from None

    @extend_schema(
        request=s.LessonWriteSerializer,
        responses={201: s.LessonSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def create() -> Response:
            lesson = self._save(request, LessonLearned())
            data = s.LessonSerializer(lesson, context={"request": request}).data
            location = reverse("api:lesson-detail", kwargs={"pk": lesson.pk})
            return Response(data, status=status.HTTP_201_CREATED, headers={"Location": location})

        return idempotent(request, create)

    @extend_schema(
        request=s.LessonWriteSerializer,
        responses=s.LessonSerializer,
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)],
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change a lesson, refusing (412) when it changed since the ETag in ``If-Match``."""
        from django.db import transaction

        header = request.headers.get("If-Match", "")
        if not header:
            raise PreconditionRequired(_("Send the lesson's ETag in If-Match."))
        with transaction.atomic():
            lesson = get_object_or_404(LessonLearned.objects.select_for_update(), pk=kwargs["pk"])
            require(request.user, "needs.change_lessonlearned", lesson)
            current = s.LessonSerializer(lesson, context={"request": request}).data
            if etag_of(current) not in if_match_values(header):
                raise PreconditionFailed(current=current)
            lesson = self._save(request, lesson)
        data = s.LessonSerializer(
            self.get_queryset().get(pk=lesson.pk), context={"request": request}
        ).data
        response = Response(data)
        response["ETag"] = etag_of(data)
        return response


def _page_extras(needs: list[Need], user: Any) -> dict[int, dict[str, Any]]:
    """Score terms, coverage and visible evidence of the needs of one page (constant queries)."""
    from infobase.needs.selectors import coverage_status

    ids = [n.pk for n in needs]
    if not ids:
        return {}
    scored, _table = needs_selectors.scored_needs(
        needs_qs=Need.objects.filter(pk__in=ids), fill=False
    )
    extras: dict[int, dict[str, Any]] = defaultdict(dict)
    for item in scored:
        extras[item.need_id]["scored"] = item
        extras[item.need_id]["coverage"] = item.facts.coverage
        extras[item.need_id]["coverage_status"] = coverage_status(item.facts.coverage)
    # The register's rule for evidence (needs.selectors.visible_evidence_q): the sources the
    # person may see, and nothing of the others (not even how many there are).
    for evidence in (
        NeedEvidence.objects.filter(need_id__in=ids)
        .filter(needs_selectors.visible_evidence_q(user))
        .select_related("request_line")
        .order_by("pk")
    ):
        extras[evidence.need_id].setdefault("evidence", []).append(evidence)
    return extras


class NeedViewSet(SelectorFilterMixin, ReadOnly):
    """The needs register as the person may see it (``needs.selectors.register``), each need
    with its score explained term by term, its coverage and its evidence."""

    serializer_class = s.NeedSerializer
    permission_classes = [has_perm("needs.view_register")]
    filterset_class = api_filters.NeedFilter
    ordering_fields = ["id", "first_seen"]

    def get_queryset(self) -> QuerySet[Need]:
        return needs_selectors.needs_visible_to(self.request.user).select_related(
            "state", "article__instrument"
        )

    def select(self, queryset: QuerySet[Need], data: Mapping[str, Any]) -> QuerySet[Need]:
        needs = needs_selectors.register(
            user=self.request.user,
            filters=needs_selectors.RegisterFilters(
                instrument=data.get("instrument") or "",
                article=int(data["article"]) if data.get("article") else None,
                kind=data.get("kind") or "",
                regional_group=data.get("regional_group") or "",
                legal_family=data.get("legal_system") or "",
                state=data.get("state") or "",
                status=needs_selectors.status_filter(data.get("status")),
                theme=int(data["theme"]) if data.get("theme") is not None else None,
            ),
        )
        coverage = data.get("coverage")
        if coverage:
            from infobase.activities.coverage.measures import coverage_of
            from infobase.needs.selectors import coverage_status

            covered = coverage_of(needs)
            if coverage == "uncovered":
                needs = needs.exclude(pk__in=list(covered))
            else:
                needs = needs.filter(
                    pk__in=[pk for pk, v in covered.items() if coverage_status(v) == coverage]
                )
        return needs

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["need_extra"] = getattr(self, "_extras", {})
        return context

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if wanted_format(request):
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        self._extras = _page_extras(rows, request.user)
        serializer = self.get_serializer(rows, many=True)
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        need = self.get_object()
        require(request.user, "needs.view_need", need)
        self._extras = _page_extras([need], request.user)
        return Response(self.get_serializer(need).data)

    def exporter(self, queryset: QuerySet[Need]) -> Exporter:
        # The register's own export: ranked, with every score term (as the web page's).
        ranked, table = needs_selectors.ranked_needs(needs_qs=queryset)
        return NeedsRegisterExporter(ranked=ranked, weights=table.weights, themes=table.themes)


class WorkProgrammeViewSet(ReadOnly):
    serializer_class = s.WorkProgrammeSerializer
    # Signed in, as the web's list of programmes.
    permission_classes = [SignedIn, has_perm("needs.view_workprogramme")]
    queryset = WorkProgramme.objects.prefetch_related("themes__instrument", "themes__articles")
    filterset_fields = ["is_active"]


# --- Activities, coverage -------------------------------------------------------------------


class ActivityViewSet(SelectorFilterMixin, ReadOnly):
    """Activities (``activities.selectors.activities``, its filters), each also as IATI XML."""

    serializer_class = s.ActivitySerializer
    permission_classes = [has_perm("activities.view_activity")]
    filterset_class = api_filters.ActivityFilter
    ordering_fields = ["id", "planned_start", "actual_start"]

    def get_queryset(self) -> QuerySet[Activity]:
        return Activity.objects.select_related("provider").prefetch_related(
            "instruments", "recipients__state"
        )

    def select(self, queryset: QuerySet[Activity], data: Mapping[str, Any]) -> QuerySet[Activity]:
        chosen = activities(
            filters=ActivityFilters(
                provider=int(data["provider"]) if data.get("provider") else None,
                provider_kind=data.get("provider_kind") or "",
                recipient=data.get("recipient") or "",
                regional_group=data.get("regional_group") or "",
                instrument=data.get("instrument") or "",
                article=int(data["article"]) if data.get("article") else None,
                kind=data.get("kind") or "",
                status=data.get("status") or "",
                source=data.get("source") or "",
            )
        )
        qs = queryset.filter(pk__in=chosen.values("pk"))
        if data.get("starts_after"):
            qs = qs.filter(planned_start__gte=data["starts_after"])
        if data.get("starts_before"):
            qs = qs.filter(planned_start__lte=data["starts_before"])
        return qs

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.BINARY}, filters=False)
    @action(detail=True, methods=["get"], url_path="iati", url_name="iati", filter_backends=[])
    def iati(self, request: Request, pk: Any = None) -> HttpResponse:
        """The activity as an IATI 2.03 file (the web's exporter)."""
        activity = self.get_object()
        content = iati_export(activities=Activity.objects.filter(pk=activity.pk))
        return HttpResponse(content, content_type="application/xml; charset=utf-8")


class NeedLinkViewSet(ReadOnly):
    """Links between needs and activities, for the needs the person may see."""

    serializer_class = s.NeedLinkSerializer
    permission_classes = [has_perm("activities.view_coverage")]
    filterset_class = api_filters.NeedLinkFilter

    def get_queryset(self) -> QuerySet[NeedLink]:
        visible = needs_selectors.needs_visible_to(self.request.user)
        return NeedLink.objects.filter(need__in=visible.values("pk"))


# --- Funding -----------------------------------------------------------------------------------


class PledgeViewSet(ReadOnly):
    """Pledges one by one: all for the secretariat, a donor's own (``funding.view_pledge``)."""

    serializer_class = s.PledgeSerializer
    permission_classes = [SignedIn, has_perm("funding.view_pledge")]
    filterset_fields = ["status", "currency", "regional_group", "kind"]

    def get_queryset(self) -> QuerySet[Pledge]:
        qs = Pledge.objects.select_related("donor", "instrument").prefetch_related("states")
        return scope_pledges(self.request.user, qs)


class ProjectViewSet(ReadOnly):
    serializer_class = s.ProjectSerializer
    permission_classes = [has_perm("funding.view_project")]
    filterset_fields = ["status"]

    def get_queryset(self) -> QuerySet[Project]:
        visible = needs_selectors.needs_visible_to(self.request.user)
        return Project.objects.prefetch_related(
            "states", Prefetch("needs", queryset=visible.only("pk"))
        )


class AllocationViewSet(ReadOnly):
    serializer_class = s.AllocationSerializer
    permission_classes = [has_perm("funding.view_proposal")]
    queryset = Allocation.objects.all()


class ProposalViewSet(ReadOnly):
    serializer_class = s.ProposalSerializer
    permission_classes = [has_perm("funding.view_proposal")]
    queryset = Proposal.objects.all()


# --- Meetings ------------------------------------------------------------------------------------


class SessionViewSet(ReadOnly):
    serializer_class = s.SessionSerializer
    permission_classes = [has_perm("meetings.view_session")]
    filterset_fields = ["kind"]
    ordering_fields = ["id", "starts_on"]

    def get_queryset(self) -> QuerySet[Session]:
        return Session.objects.select_related("body", "country")


class DocumentViewSet(ReadOnly):
    serializer_class = s.DocumentSerializer
    permission_classes = [has_perm("meetings.view_session")]
    filterset_fields = ["kind", "session"]

    def get_queryset(self) -> QuerySet[Document]:
        return scope_documents(self.request.user, Document.objects.prefetch_related("files"))


class RecommendationViewSet(ReadOnly):
    serializer_class = s.RecommendationSerializer
    permission_classes = [has_perm("meetings.view_outcome")]
    filterset_fields = ["kind", "session"]
    queryset = Outcome.objects.all()


class MandateViewSet(ReadOnly):
    """Mandates with their status today (``meetings.selectors.mandate_statuses``)."""

    serializer_class = s.MandateSerializer
    permission_classes = [has_perm("meetings.view_mandate")]

    def get_queryset(self) -> QuerySet[Mandate]:
        return Mandate.objects.select_related("decision")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        states = mandate_statuses(today=timezone.localdate())
        context["mandate_status"] = {m.mandate.pk: m.status for m in states}
        return context


# --- Reports ---------------------------------------------------------------------------------

PERM_VIEW_RUN = "reports.view_reportrun"


class ReportRunViewSet(mixins.CreateModelMixin, ReadOnly):
    """Report runs: start one (202 and the run's address), follow it, fetch the file."""

    serializer_class = s.ReportRunSerializer
    permission_classes = [has_perm("reports.view_reportrun")]
    filterset_fields = ["report", "status", "lang", "fmt"]
    ordering_fields = ["requested_at"]
    ordering = ["-requested_at"]

    def get_queryset(self) -> QuerySet[ReportRun]:
        # As the web's list: the runs of the reports the person may read (the working group's
        # chair: the Chair's report only).
        user: Any = self.request.user
        slugs = [r.slug for r in engine.all_reports() if user.has_perm(PERM_VIEW_RUN, r.slug)]
        return ReportRun.objects.filter(report__in=slugs)

    def get_object(self) -> ReportRun:
        run = super().get_object()
        require(self.request.user, PERM_VIEW_RUN, run)
        return run

    def get_permissions(self) -> list[Any]:
        if self.action == "create":
            # Starting a report is a write: a read-only token is refused here too.
            return [ReadOnlyTokenPermission(), has_perm("reports.request_report")()]
        return super().get_permissions()

    @extend_schema(
        request=s.ReportRunCreateSerializer,
        responses={202: s.ReportRunSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = s.ReportRunCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            report = engine.get(data["report"])
        except KeyError:
            raise exceptions.ValidationError({"report": [_("No report has this name.")]}) from None
        require(request.user, "reports.request_report", report.slug)
        from django.conf import settings

        errors: dict[str, Any] = {}
        if data["lang"] not in dict(settings.LANGUAGES):
            errors["lang"] = [_("Not one of the six languages.")]
        if data["fmt"] not in engine.FORMATS:
            errors["fmt"] = [_("Not one of the formats.")]
        form = report.Parameters(data["params"])
        if not form.is_valid():
            errors.update({f"params.{k}": v for k, v in form.errors.items()})
        if errors:
            raise exceptions.ValidationError(errors)
        params = report.to_json(form.cleaned_data)
        basis = report.basis(params)
        if basis is not None and basis.thin and not data["confirm"]:
            raise Unprocessable(
                _("The report would rest on very little: send confirm=true to produce it anyway.")
            )

        def start() -> Response:
            try:
                run = report_services.report_request(
                    user=request.user,
                    slug=report.slug,
                    params=params,
                    lang=data["lang"],
                    fmt=data["fmt"],
                )
            except report_services.TooManyReports as refused:
                raise ReportsUnderWay(
                    refused.message,
                    under_way=[
                        request.build_absolute_uri(
                            reverse("api:reportrun-detail", kwargs={"pk": other.pk})
                        )
                        for other in refused.under_way
                    ],
                ) from None
            out = s.ReportRunSerializer(run, context={"request": request}).data
            location = reverse("api:reportrun-detail", kwargs={"pk": run.pk})
            return Response(out, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

        return idempotent(request, start)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filter_backends=[])
    def file(self, request: Request, pk: Any = None) -> Any:
        run = self.get_object()
        if run.status != RunStatus.DONE or not run.file:
            raise Conflict(_("The report is not ready yet."))
        return stored_file_response(
            run.file,
            content_type=engine.CONTENT_TYPES[run.fmt],
            as_attachment=True,
            filename=report_services.file_name(run),
        )
