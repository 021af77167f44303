from typing import Any

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from infobase.core.history import OneVersionAdmin
from infobase.core.uploads import DOCUMENTS, validate_upload
from infobase.meetings.models import (
    AgendaItem,
    Body,
    Document,
    DocumentFile,
    Mandate,
    MandateEvidence,
    Membership,
    Outcome,
    Session,
    SessionParticipant,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["state", "user"]


@admin.register(Body)
class BodyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "kind", "parent", "established_by", "established_on"]
    list_filter = ["kind"]
    search_fields = ["code"]
    raw_id_fields = ["established_by"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["body", "role", "state", "person_name", "starts_on", "ends_on", "is_demo"]
    list_filter = ["body", "role", "is_demo"]
    raw_id_fields = ["state", "user"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


class ParticipantInline(admin.TabularInline):
    model = SessionParticipant
    extra = 0
    raw_id_fields = ["state", "organization"]


@admin.register(Session)
class SessionAdmin(OneVersionAdmin, SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "body",
        "number",
        "kind",
        "starts_on",
        "ends_on",
        "is_public_fact",
        "is_demo",
    ]
    list_filter = ["body", "kind", "is_public_fact", "is_demo"]
    date_hierarchy = "starts_on"
    raw_id_fields = ["country", "during"]
    filter_horizontal = ["needs_reviewed"]
    inlines = [AgendaItemInline, ParticipantInline]


class DocumentFileForm(forms.ModelForm):
    """A document's file in one language, checked by the one upload policy (size, type by
    content, zip limits) like every other file people upload."""

    class Meta:
        model = DocumentFile
        fields = ["language", "file", "mime_type"]

    def clean_file(self) -> Any:
        return validate_upload(self.cleaned_data.get("file"), policy=DOCUMENTS)


class DocumentFileInline(admin.TabularInline):
    model = DocumentFile
    form = DocumentFileForm
    extra = 0


@admin.register(Document)
class DocumentAdmin(SimpleHistoryAdmin):
    list_display = ["symbol", "kind", "date", "session", "distribution", "is_public", "is_demo"]
    list_filter = ["kind", "distribution", "is_public", "is_public_fact", "is_demo"]
    search_fields = ["symbol", "search_text"]
    raw_id_fields = ["session", "agenda_item"]
    inlines = [DocumentFileInline]


@admin.register(Outcome)
class OutcomeAdmin(OneVersionAdmin, SimpleHistoryAdmin):
    list_display = ["__str__", "session", "adopted_on", "reviews_body", "is_public_fact", "is_demo"]
    list_filter = ["kind", "is_public_fact", "is_demo"]
    search_fields = ["number"]
    raw_id_fields = ["session"]
    filter_horizontal = ["needs", "priority_themes", "work_programmes", "projects", "articles"]


class MandateEvidenceInline(admin.TabularInline):
    model = MandateEvidence
    extra = 0
    raw_id_fields = ["session", "document", "outcome", "added_by"]


@admin.register(Mandate)
class MandateAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "actor", "due_session", "due_on", "check_code", "manual_status"]
    list_filter = ["decision", "actor", "manual_status"]
    raw_id_fields = ["decision", "due_session", "status_set_by"]
    inlines = [MandateEvidenceInline]
