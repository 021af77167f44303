from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from infobase.core.history import OneVersionAdmin
from infobase.needs.models import (
    AssistanceRequest,
    LessonLearned,
    Need,
    NeedEvidence,
    PriorityTheme,
    RequestLine,
    ScoringWeights,
    WorkProgramme,
)


class RequestLineInline(admin.TabularInline):
    model = RequestLine
    extra = 0
    raw_id_fields = ["article"]


@admin.register(AssistanceRequest)
class AssistanceRequestAdmin(SimpleHistoryAdmin):
    list_display = ["state", "title", "status", "urgency", "received_on", "source", "confidential"]
    list_filter = ["status", "urgency", "source", "confidential", "is_demo"]
    search_fields = ["title", "reference", "state__name_en", "state__iso3"]
    list_select_related = ["state"]
    raw_id_fields = ["state", "filed_by"]
    date_hierarchy = "received_on"
    inlines = [RequestLineInline]


@admin.register(RequestLine)
class RequestLineAdmin(admin.ModelAdmin):
    list_display = ["request", "article", "paragraph", "kind"]
    list_filter = ["kind"]
    raw_id_fields = ["request", "article"]
    list_select_related = ["request__state", "article__instrument"]


@admin.register(LessonLearned)
class LessonLearnedAdmin(OneVersionAdmin, SimpleHistoryAdmin):
    list_display = ["title", "activity", "delivered_on", "language", "is_demo"]
    list_filter = ["language", "is_demo"]
    search_fields = ["title", "activity"]
    filter_horizontal = ["states", "articles"]


class NeedEvidenceInline(admin.TabularInline):
    model = NeedEvidence
    extra = 0
    fields = ["kind", "stated_need", "request_line", "linked_at"]
    readonly_fields = ["linked_at"]
    raw_id_fields = ["stated_need", "request_line"]


@admin.register(Need)
class NeedAdmin(SimpleHistoryAdmin):
    list_display = [
        "state",
        "article",
        "kind",
        "status",
        "pinned",
        "excluded",
        "has_evidence",
        "confidential",
        "first_seen",
    ]
    list_filter = [
        "status",
        "kind",
        "pinned",
        "excluded",
        "has_evidence",
        "confidential",
        "is_manual",
        "state__regional_group",
        "article__instrument",
    ]
    search_fields = ["state__name_en", "state__iso3"]
    list_select_related = ["state", "article__instrument"]
    raw_id_fields = ["state", "article", "merged_into", "split_from"]
    inlines = [NeedEvidenceInline]


@admin.register(NeedEvidence)
class NeedEvidenceAdmin(admin.ModelAdmin):
    list_display = ["need", "kind", "stated_need", "request_line", "linked_at"]
    list_filter = ["kind"]
    raw_id_fields = ["need", "stated_need", "request_line"]
    list_select_related = ["need__state", "need__article__instrument"]


class PriorityThemeInline(admin.TabularInline):
    model = PriorityTheme
    extra = 0
    filter_horizontal = ["articles"]


@admin.register(WorkProgramme)
class WorkProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["name_en", "name_ar", "approved_at", "starts", "ends", "is_active", "is_demo"]
    list_filter = ["is_active", "is_demo"]
    inlines = [PriorityThemeInline]


@admin.register(PriorityTheme)
class PriorityThemeAdmin(SimpleHistoryAdmin):
    list_display = [
        "title_en",
        "title_ar",
        "programme",
        "instrument",
        "kind",
        "regional_group",
        "weight",
    ]
    list_filter = ["programme", "instrument", "kind", "regional_group"]
    filter_horizontal = ["articles"]


@admin.register(ScoringWeights)
class ScoringWeightsAdmin(SimpleHistoryAdmin):
    list_display = [
        "session",
        "is_active",
        "programme",
        "severity",
        "breadth_overall",
        "breadth_region",
        "urgency",
        "coverage",
        "age",
    ]
