from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from infobase.reference.models import (
    Article,
    Codelist,
    CodelistItem,
    Instrument,
    Organization,
    Participation,
    State,
    StateContact,
)


@admin.register(State)
class StateAdmin(SimpleHistoryAdmin):
    list_display = ["name_en", "iso3", "iso2", "m49", "regional_group", "un_status"]
    list_filter = [
        "regional_group",
        "un_status",
        "legal_civil",
        "legal_common",
        "legal_islamic",
        "legal_customary",
    ]
    search_fields = ["name_en", "name_fr", "name_ar", "iso3", "search_names"]


class ArticleInline(admin.TabularInline):
    model = Article
    extra = 0
    fields = ["number", "title_en", "title_ar", "title_fr", "paragraph_count"]


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["code", "short_name_en", "mtdsg_no", "entry_into_force"]
    inlines = [ArticleInline]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["instrument", "number", "title_en"]
    list_filter = ["instrument"]
    search_fields = ["title_en", "title_ar", "title_fr"]


@admin.register(Participation)
class ParticipationAdmin(SimpleHistoryAdmin):
    list_display = [
        "state",
        "instrument",
        "signature_date",
        "consent_date",
        "consent_type",
        "as_of",
    ]
    list_filter = ["instrument", "consent_type"]
    search_fields = ["state__name_en", "state__iso3"]
    list_select_related = ["state", "instrument"]


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    # A website typed without a scheme is read as https (Django 6's rule, asked for now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name_en", "acronym", "kind", "iati_ref", "is_demo"]
    list_filter = ["kind", "is_demo"]
    search_fields = ["name_en", "acronym", "iati_ref", "search_names"]


@admin.register(StateContact)
class StateContactAdmin(SimpleHistoryAdmin):
    list_display = ["name", "state", "email", "language", "is_demo"]
    list_filter = ["language", "is_demo"]
    search_fields = ["name", "email", "state__name_en"]


class CodelistItemInline(admin.TabularInline):
    model = CodelistItem
    extra = 0


@admin.register(Codelist)
class CodelistAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "complete"]
    search_fields = ["name"]


@admin.register(CodelistItem)
class CodelistItemAdmin(admin.ModelAdmin):
    list_display = ["codelist", "code", "name_en", "name_fr", "withdrawn"]
    list_filter = ["codelist", "withdrawn"]
    search_fields = ["code", "name_en", "name_fr"]
