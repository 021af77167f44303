from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from infobase.core.history import OneVersionAdmin
from infobase.questionnaires.forms import ReportingCycleForm
from infobase.questionnaires.models import (
    Answer,
    Assignment,
    Choice,
    ChoiceList,
    Item,
    Notification,
    Questionnaire,
    ReportingCycle,
)


@admin.register(ReportingCycle)
class ReportingCycleAdmin(admin.ModelAdmin):
    form = ReportingCycleForm
    list_display = ["number", "__str__", "starts_on", "ends_on"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(OneVersionAdmin, SimpleHistoryAdmin):
    list_display = ["code", "cycle", "status", "default_language", "is_demo"]
    list_filter = ["cycle", "status", "is_demo"]
    filter_horizontal = ["instruments"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["questionnaire", "position", "name", "kind", "article", "role"]
    list_filter = ["questionnaire", "kind", "role"]
    search_fields = ["name"]
    raw_id_fields = ["parent", "choice_list", "article"]


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(ChoiceList)
class ChoiceListAdmin(admin.ModelAdmin):
    list_display = ["questionnaire", "name"]
    inlines = [ChoiceInline]


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["questionnaire", "state", "status", "deadline", "submitted_at"]
    list_filter = ["questionnaire", "status", "state__regional_group"]
    search_fields = ["state__name_en", "state__iso3"]
    list_select_related = ["questionnaire", "state"]


@admin.register(Answer)
class AnswerAdmin(SimpleHistoryAdmin):
    list_display = ["assignment", "item", "repeat_path", "confidential", "version", "updated_at"]
    list_filter = ["confidential", "assignment__questionnaire"]
    raw_id_fields = ["assignment", "item", "updated_by"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["assignment", "kind", "sent_at", "language"]
    list_filter = ["kind"]
