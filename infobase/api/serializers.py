"""Representations of the records. They only shape data: who may see a record is decided by
the querysets of the views (``infobase.accounts.permissions`` and the apps' selectors)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from infobase.activities.models import Activity, NeedLink, Recipient
from infobase.api.fields import Serializer
from infobase.core.i18n import FIELD_LANGUAGES
from infobase.funding.models import Allocation, Pledge, Project, Proposal
from infobase.meetings.models import Document, DocumentFile, Mandate, Outcome, Session
from infobase.needs import selectors as needs_selectors
from infobase.needs.models import (
    AssistanceRequest,
    LessonLearned,
    Need,
    PriorityTheme,
    RequestLine,
    WorkProgramme,
)
from infobase.questionnaires.models import Answer, Assignment, Questionnaire, ReportingCycle
from infobase.reference.models import Article, Instrument, Participation, State
from infobase.reports.models import Publication, ReportRun

# Bounds of the database's integer columns: a larger number in a request is a validation
# problem (400), not an overflow in the database (500).
MAX_ID = 2**63 - 1  # BigAutoField
MAX_SMALL = 32767  # PositiveSmallIntegerField


class ParticipationSerializer(serializers.ModelSerializer):
    instrument = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Participation
        fields = ["instrument", "signature_date", "consent_date", "consent_type", "as_of"]


class StateSerializer(Serializer):
    name = serializers.SerializerMethodField()
    legal_systems = serializers.SerializerMethodField()
    participations = ParticipationSerializer(many=True, read_only=True)

    class Meta:
        model = State
        fields = [
            "id",
            "iso3",
            "iso2",
            "m49",
            "name",
            "name_en",
            "name_ar",
            "name_fr",
            "name_es",
            "name_ru",
            "name_zh",
            "un_status",
            "regional_group",
            "legal_systems",
            "participations",
        ]

    def get_name(self, obj: State) -> str:
        return str(obj.translated("name"))

    def get_legal_systems(self, obj: State) -> list[str]:
        return [str(f.value) for f in obj.legal_families]


class InstrumentSerializer(Serializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Instrument
        fields = [
            "id",
            "code",
            "mtdsg_no",
            "parent",
            "short_name_en",
            "title_en",
            "title_ar",
            "title_fr",
            "title_es",
            "title_ru",
            "title_zh",
            "adoption_date",
            "entry_into_force",
        ]


class ArticleSerializer(Serializer):
    instrument = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "instrument",
            "number",
            "title_en",
            "title_ar",
            "title_fr",
            "title_es",
            "title_ru",
            "title_zh",
            "paragraph_count",
        ]


class CycleSerializer(Serializer):
    class Meta:
        model = ReportingCycle
        fields = ["id", "number", "name", "starts_on", "ends_on"]


class QuestionnaireSerializer(Serializer):
    cycle = serializers.IntegerField(source="cycle.number", read_only=True)
    instruments = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    xlsform_url = serializers.SerializerMethodField()
    xform_url = serializers.SerializerMethodField()

    class Meta:
        model = Questionnaire
        fields = [
            "id",
            "code",
            "cycle",
            "title",
            "status",
            "instruments",
            "default_language",
            "languages",
            "version",
            "xlsform_url",
            "xform_url",
        ]

    def _url(self, obj: Questionnaire, fmt: str) -> str:
        path = reverse("questionnaire_export", kwargs={"code": obj.code, "fmt": fmt})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_xlsform_url(self, obj: Questionnaire) -> str:
        return self._url(obj, "xlsform")

    def get_xform_url(self, obj: Questionnaire) -> str:
        return self._url(obj, "xform")


class AssignmentSerializer(Serializer):
    questionnaire = serializers.SlugRelatedField(slug_field="code", read_only=True)
    state = serializers.SlugRelatedField(slug_field="iso3", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "questionnaire",
            "state",
            "status",
            "deadline",
            "dispatched_at",
            "submitted_at",
            "validated_at",
        ]


class AnswerSerializer(Serializer):
    item = serializers.CharField(source="item.name", read_only=True)
    key = serializers.SerializerMethodField()
    updated_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Answer
        fields = [
            "id",
            "key",
            "item",
            "repeat_path",
            "value",
            "confidential",
            "version",
            "updated_by",
            "updated_at",
        ]

    def get_key(self, obj: Answer) -> str:
        return obj.item.name + (f"@{obj.repeat_path}" if obj.repeat_path else "")


class AnswerWriteSerializer(serializers.Serializer):
    value = serializers.JSONField(allow_null=True)
    # Left out, the answer stays as confidential as it was: a script that sends only values
    # must not publish what its State marked confidential.
    confidential = serializers.BooleanField(required=False)


class RequestLineSerializer(serializers.ModelSerializer):
    article = serializers.PrimaryKeyRelatedField(read_only=True)
    article_number = serializers.IntegerField(source="article.number", read_only=True)

    class Meta:
        model = RequestLine
        fields = ["id", "article", "article_number", "paragraph", "kind"]


class RequestSerializer(Serializer):
    state = serializers.SlugRelatedField(slug_field="iso3", read_only=True)
    instrument = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lines = RequestLineSerializer(many=True, read_only=True)

    class Meta:
        model = AssistanceRequest
        fields = [
            "id",
            "state",
            "instrument",
            "title",
            "description",
            "language",
            "urgency",
            "received_on",
            "needed_by",
            "status",
            "source",
            "reference",
            "confidential",
            "created_at",
            "lines",
        ]


class RequestLineInput(serializers.Serializer):
    article = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    paragraph = serializers.IntegerField(
        min_value=1, max_value=MAX_SMALL, required=False, allow_null=True
    )
    kind = serializers.CharField(max_length=30)


class RequestCreateSerializer(serializers.Serializer):
    state = serializers.CharField(max_length=3, help_text="ISO alpha-3 code")
    instrument = serializers.CharField(max_length=20, help_text="instrument code")
    title = serializers.CharField(max_length=300)
    description = serializers.CharField()
    language = serializers.CharField(max_length=10)
    urgency = serializers.CharField(max_length=10)
    # The secretariat's to state (the day a note verbale came); a State's own request is
    # received the day it is filed (``request_create``). Left out: today.
    received_on = serializers.DateField(required=False)
    needed_by = serializers.DateField(required=False, allow_null=True)
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True)
    confidential = serializers.BooleanField(default=False)
    lines = RequestLineInput(many=True)


class LessonSerializer(Serializer):
    states = serializers.SlugRelatedField(slug_field="iso3", many=True, read_only=True)
    articles = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = LessonLearned
        fields = [
            "id",
            "title",
            "activity",
            "delivered_on",
            "what_worked",
            "what_did_not",
            "recommendations",
            "language",
            "relevance",
            "coherence",
            "effectiveness",
            "efficiency",
            "impact",
            "sustainability",
            "states",
            "articles",
            "kinds",
            "created_at",
        ]


class LessonWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    activity = serializers.CharField(max_length=300, required=False, allow_blank=True)
    delivered_on = serializers.DateField(required=False, allow_null=True)
    what_worked = serializers.CharField(required=False, allow_blank=True)
    what_did_not = serializers.CharField(required=False, allow_blank=True)
    recommendations = serializers.CharField(required=False, allow_blank=True)
    language = serializers.CharField(max_length=10, required=False, allow_blank=True)
    relevance = serializers.IntegerField(
        min_value=0, max_value=MAX_SMALL, required=False, allow_null=True
    )
    coherence = serializers.IntegerField(
        min_value=0, max_value=MAX_SMALL, required=False, allow_null=True
    )
    effectiveness = serializers.IntegerField(
        min_value=0, max_value=MAX_SMALL, required=False, allow_null=True
    )
    efficiency = serializers.IntegerField(
        min_value=0, max_value=MAX_SMALL, required=False, allow_null=True
    )
    impact = serializers.IntegerField(
        min_value=0, max_value=MAX_SMALL, required=False, allow_null=True
    )
    sustainability = serializers.IntegerField(
        min_value=0, max_value=MAX_SMALL, required=False, allow_null=True
    )
    states = serializers.ListField(child=serializers.CharField(max_length=3), default=list)
    articles = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), default=list
    )
    kinds = serializers.ListField(child=serializers.CharField(max_length=30), default=list)


def _fixed(value: Any, places: int) -> str:
    """A number as DRF's ``DecimalField`` shows it: a string with ``places`` decimals."""
    return str(Decimal(str(value)).quantize(Decimal(1).scaleb(-places)))


class ScoreTermSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    raw = serializers.CharField()
    normalised = serializers.DecimalField(max_digits=8, decimal_places=3)
    weight = serializers.DecimalField(max_digits=8, decimal_places=2)
    contribution = serializers.DecimalField(max_digits=8, decimal_places=3)
    explanation = serializers.CharField()


class EvidenceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    stated_need = serializers.IntegerField(source="stated_need_id", allow_null=True)
    request = serializers.IntegerField(
        source="request_line.request_id", allow_null=True, default=None
    )


class NeedSerializer(Serializer):
    state = serializers.SlugRelatedField(slug_field="iso3", read_only=True)
    regional_group = serializers.CharField(source="state.regional_group", read_only=True)
    instrument = serializers.CharField(source="article.instrument.code", read_only=True)
    article_number = serializers.IntegerField(source="article.number", read_only=True)
    coverage = serializers.SerializerMethodField()
    coverage_status = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()
    score_terms = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Need
        fields = [
            "id",
            "state",
            "regional_group",
            "instrument",
            "article",
            "article_number",
            "kind",
            "status",
            "first_seen",
            "has_evidence",
            "pinned",
            "excluded",
            "confidential",
            "coverage",
            "coverage_status",
            "score",
            "score_terms",
            "evidence",
        ]

    def _extra(self, obj: Need) -> dict[str, Any]:
        extra: dict[int, dict[str, Any]] = self.context.get("need_extra", {})
        return extra.get(obj.pk, {})

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_coverage(self, obj: Need) -> str:
        return str(self._extra(obj).get("coverage", "0"))

    def get_coverage_status(self, obj: Need) -> str:
        return str(self._extra(obj).get("coverage_status", "uncovered"))

    @extend_schema_field(serializers.DecimalField(max_digits=8, decimal_places=3, allow_null=True))
    def get_score(self, obj: Need) -> str | None:
        scored = self._extra(obj).get("scored")
        return str(scored.total) if scored else None

    @extend_schema_field(ScoreTermSerializer(many=True))
    def get_score_terms(self, obj: Need) -> list[dict[str, Any]]:
        scored = self._extra(obj).get("scored")
        if not scored:
            return []
        # Built directly, as ScoreTermSerializer would: nine terms × a page of needs through
        # nested serializers cost more than the scoring itself.
        return [
            {
                "name": t.name,
                "label": str(t.label),
                "raw": str(t.raw),
                "normalised": _fixed(t.normalised, 3),
                "weight": _fixed(t.weight, 2),
                "contribution": _fixed(t.contribution, 3),
                "explanation": str(t.explanation),
            }
            for t in scored.explanation.terms
        ]

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, obj: Need) -> list[dict[str, Any]]:
        return EvidenceSerializer(self._extra(obj).get("evidence", []), many=True).data


class PriorityThemeSerializer(Serializer):
    """A theme: ``title`` in the request's language (English where it has none), and in
    each of the six."""

    title = serializers.SerializerMethodField()
    instrument = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    articles = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    open_needs = serializers.SerializerMethodField(
        help_text="The open needs of the register the requester may see that the theme matches "
        "(as /api/v1/needs/?theme=id counts them); null for a theme of a programme that no "
        "longer guides the priorities, or for a requester who may not see the register."
    )

    class Meta:
        model = PriorityTheme
        fields = [
            "id",
            "title",
            *(f"title_{suffix}" for suffix in FIELD_LANGUAGES),
            "instrument",
            "articles",
            "kind",
            "regional_group",
            "weight",
            "open_needs",
        ]

    def get_title(self, obj: PriorityTheme) -> str:
        return str(obj.translated("title"))

    def get_open_needs(self, obj: PriorityTheme) -> int | None:
        if not obj.programme.is_active:
            return None
        # Counted once a response for every active theme (the root serializer's context is
        # shared by the nested ones), not once a theme.
        if "theme_need_counts" not in self.context:
            self.context["theme_need_counts"] = needs_selectors.active_theme_need_counts(
                user=self.context["request"].user
            )
        counts = self.context["theme_need_counts"]
        return None if counts is None else counts.get(obj.pk, 0)


class WorkProgrammeSerializer(Serializer):
    """``name`` and ``description`` in the request's language (English where there is none),
    and in each of the six."""

    name = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    themes = PriorityThemeSerializer(many=True, read_only=True)

    class Meta:
        model = WorkProgramme
        fields = [
            "id",
            "name",
            *(f"name_{suffix}" for suffix in FIELD_LANGUAGES),
            "approved_at",
            "approved_on",
            "starts",
            "ends",
            "description",
            *(f"description_{suffix}" for suffix in FIELD_LANGUAGES),
            "is_active",
            "themes",
        ]

    def get_name(self, obj: WorkProgramme) -> str:
        return str(obj.translated("name"))

    def get_description(self, obj: WorkProgramme) -> str:
        return str(obj.translated("description"))


class RecipientSerializer(serializers.ModelSerializer):
    state = serializers.SlugRelatedField(slug_field="iso3", read_only=True, allow_null=True)

    class Meta:
        model = Recipient
        fields = ["state", "region_code", "percentage"]


class ActivitySerializer(Serializer):
    provider = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    recipients = RecipientSerializer(many=True, read_only=True)
    instruments = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    iati_url = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id",
            "iati_identifier",
            "source",
            "provider",
            "provider_kind",
            "reporting_org_name",
            "title",
            "description",
            "status",
            "planned_start",
            "actual_start",
            "planned_end",
            "actual_end",
            "default_currency",
            "budget",
            "disbursed",
            "instruments",
            "recipients",
            "iati_url",
        ]

    def get_iati_url(self, obj: Activity) -> str:
        path = reverse("api:activity-iati", kwargs={"pk": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class NeedLinkSerializer(Serializer):
    class Meta:
        model = NeedLink
        fields = ["id", "need", "activity", "status", "confidence", "share", "reasons"]


class PledgeSerializer(Serializer):
    donor = serializers.SlugRelatedField(slug_field="code", read_only=True)
    instrument = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    states = serializers.SlugRelatedField(slug_field="iso3", many=True, read_only=True)

    class Meta:
        model = Pledge
        fields = [
            "id",
            "donor",
            "amount",
            "currency",
            "pledged_on",
            "status",
            "earmark",
            "instrument",
            "article",
            "kind",
            "regional_group",
            "states",
            "project",
        ]


class ProjectSerializer(Serializer):
    states = serializers.SlugRelatedField(slug_field="iso3", many=True, read_only=True)
    needs = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "title",
            "description",
            "status",
            "starts",
            "ends",
            "currency",
            "states",
            "needs",
        ]


class AllocationSerializer(Serializer):
    class Meta:
        model = Allocation
        fields = ["id", "pledge", "project", "amount", "allocated_on", "proposal"]


class ProposalSerializer(Serializer):
    class Meta:
        model = Proposal
        fields = ["id", "method", "parameters", "status", "objective", "report"]


class SessionSerializer(Serializer):
    body = serializers.PrimaryKeyRelatedField(read_only=True)
    country = serializers.SlugRelatedField(slug_field="iso3", read_only=True, allow_null=True)

    class Meta:
        model = Session
        fields = ["id", "body", "kind", "title", "starts_on", "ends_on", "city", "country"]


class DocumentFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentFile
        fields = ["id", "language", "mime_type"]


class DocumentSerializer(Serializer):
    files = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "symbol",
            "title",
            "summary",
            "kind",
            "date",
            "session",
            "distribution",
            "original_language",
            "files",
        ]

    @extend_schema_field(DocumentFileSerializer(many=True))
    def get_files(self, obj: Document) -> list[dict[str, Any]]:
        # Files one by one only for those who may read them (the one permission module).
        request = self.context.get("request")
        if request is None or not request.user.has_perm("meetings.view_documentfile"):
            return []
        return DocumentFileSerializer(obj.files.all(), many=True).data


class RecommendationSerializer(Serializer):
    class Meta:
        model = Outcome
        fields = ["id", "kind", "number", "session", "title", "text", "adopted_on"]


class MandateSerializer(Serializer):
    decision = serializers.CharField(source="decision.number", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Mandate
        fields = ["id", "decision", "paragraph", "actor", "text", "due_on", "status"]

    def get_status(self, obj: Mandate) -> str:
        statuses: dict[int, str] = self.context.get("mandate_status", {})
        return statuses.get(obj.pk, "")


class ReportRunSerializer(Serializer):
    url = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "report",
            "params",
            "lang",
            "fmt",
            "status",
            "progress",
            "step",
            "error",
            "size",
            "sha256",
            "requested_at",
            "finished_at",
            "url",
            "file_url",
        ]

    def _abs(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, obj: ReportRun) -> str:
        return self._abs(reverse("api:reportrun-detail", kwargs={"pk": obj.pk}))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_file_url(self, obj: ReportRun) -> str | None:
        if obj.status != "done":
            return None
        return self._abs(reverse("api:reportrun-file", kwargs={"pk": obj.pk}))


class ReportRunCreateSerializer(serializers.Serializer):
    report = serializers.CharField(max_length=50)
    params = serializers.DictField(default=dict)
    lang = serializers.CharField(max_length=10, default="en")
    fmt = serializers.CharField(max_length=10, default="pdf")
    confirm = serializers.BooleanField(
        default=False, help_text="Produce it even when the report would rest on very little."
    )


class PublicationFileSerializer(serializers.Serializer):
    lang = serializers.CharField()
    fmt = serializers.CharField()
    url = serializers.URLField()


class PublicationSerializer(Serializer):
    files = serializers.SerializerMethodField()

    class Meta:
        model = Publication
        fields = ["id", "report", "title", "symbol", "published_at", "files"]

    @extend_schema_field(PublicationFileSerializer(many=True))
    def get_files(self, obj: Publication) -> list[dict[str, Any]]:
        request = self.context.get("request")
        out = []
        for item in obj.files.all():
            path = reverse("reports:publication_file", kwargs={"pk": obj.pk, "run_pk": item.run_id})
            out.append(
                {
                    "lang": item.run.lang,
                    "fmt": item.run.fmt,
                    "url": request.build_absolute_uri(path) if request else path,
                }
            )
        return out
