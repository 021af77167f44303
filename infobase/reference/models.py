"""Reference data: States, instruments and their articles, participation, organizations,
IATI codelists. Loaded from the data files in ``data/`` (sources in ``data/SOURCES.md``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from infobase.core.i18n import TranslatedFieldsMixin
from infobase.core.search import SearchKeyMixin


class RegionalGroup(models.TextChoices):
    """UN regional groups of Member States for electoral purposes (DGACM)."""

    AFRICAN = "african", _("African States")
    ASIA_PACIFIC = "asia_pacific", _("Asia-Pacific States")
    EASTERN_EUROPEAN = "eastern_european", _("Eastern European States")
    LATIN_AMERICAN_CARIBBEAN = "latin_american_caribbean", _("Latin American and Caribbean States")
    WEOG = "weog", _("Western European and other States")


class LegalFamily(models.TextChoices):
    CIVIL = "civil", _("Civil law")
    COMMON = "common", _("Common law")
    ISLAMIC = "islamic", _("Islamic law")
    CUSTOMARY = "customary", _("Customary law")


# A State's legal-family flags (columns of ``State``), in ``LegalFamily`` order.
LEGAL_FLAGS = tuple(f"legal_{family.value}" for family in LegalFamily)


def legal_families_of(flags: Iterable[Any]) -> tuple[str, ...]:
    """The legal families (codes) of a State given its ``LEGAL_FLAGS`` values as read from the
    database (booleans, or 0/1 from SQLite)."""
    return tuple(family.value for family, on in zip(LegalFamily, flags, strict=True) if on)


class AssistanceKind(models.TextChoices):
    """Kinds of technical assistance, shared by questionnaires, requests and the needs register."""

    LEGISLATIVE = "legislative", _("Legislative advice and drafting")
    MODEL_LEGISLATION = "model_legislation", _("Model legislation")
    TRAINING = "training", _("Capacity building and training")
    INSTITUTION_BUILDING = "institution_building", _("Institution building")
    ONSITE_EXPERT = "onsite_expert", _("On-site expert")
    GOOD_PRACTICES = "good_practices", _("Good practices")
    TECHNOLOGY = "technology", _("Technology and equipment")
    ACTION_PLAN = "action_plan", _("Action plan")
    OTHER = "other", _("Other assistance")


class Priority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class UNStatus(models.TextChoices):
    MEMBER = "member_state", _("Member State")
    OBSERVER = "observer_state", _("Non-member observer State")


class State(SearchKeyMixin, TranslatedFieldsMixin, models.Model):
    search_key_field = "search_names"
    search_fields = ("iso3", "iso2", "name_*", "formal_name_*")

    iso3 = models.CharField(_("ISO alpha-3"), max_length=3, unique=True)
    iso2 = models.CharField(_("ISO alpha-2"), max_length=2, unique=True)
    m49 = models.CharField(_("M49 code"), max_length=3, unique=True)
    un_status = models.CharField(_("UN status"), max_length=20, choices=UNStatus.choices)
    name_ar = models.CharField(_("name (ar)"), max_length=200, blank=True)
    name_zh = models.CharField(_("name (zh)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (en)"), max_length=200)
    name_fr = models.CharField(_("name (fr)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (ru)"), max_length=200, blank=True)
    name_es = models.CharField(_("name (es)"), max_length=200, blank=True)
    formal_name_ar = models.CharField(_("formal name (ar)"), max_length=300, blank=True)
    formal_name_zh = models.CharField(_("formal name (zh)"), max_length=300, blank=True)
    formal_name_en = models.CharField(_("formal name (en)"), max_length=300, blank=True)
    formal_name_fr = models.CharField(_("formal name (fr)"), max_length=300, blank=True)
    formal_name_ru = models.CharField(_("formal name (ru)"), max_length=300, blank=True)
    formal_name_es = models.CharField(_("formal name (es)"), max_length=300, blank=True)
    regional_group = models.CharField(
        _("regional group (electoral)"), max_length=30, choices=RegionalGroup.choices, blank=True
    )
    regional_group_listed = models.CharField(
        _("regional group(s) as listed by DGACM"), max_length=200, blank=True
    )
    legal_civil = models.BooleanField(_("civil law"), default=False)
    legal_common = models.BooleanField(_("common law"), default=False)
    legal_islamic = models.BooleanField(_("Islamic law"), default=False)
    legal_customary = models.BooleanField(_("customary law"), default=False)
    legal_system_factbook = models.TextField(_("legal system (CIA World Factbook)"), blank=True)
    legal_system_juriglobe = models.CharField(
        _("legal system (JuriGlobe)"), max_length=200, blank=True
    )
    legal_system_note = models.TextField(_("note on the legal-system classification"), blank=True)
    search_names = models.TextField(editable=False, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("State")
        verbose_name_plural = _("States")

    def __str__(self) -> str:
        return str(self.translated("name"))

    @property
    def legal_families(self) -> list[LegalFamily]:
        return [fam for fam in LegalFamily if getattr(self, f"legal_{fam.value}")]

    @property
    def is_mixed_legal_system(self) -> bool:
        return len(self.legal_families) > 1


class Instrument(TranslatedFieldsMixin, models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    mtdsg_no = models.CharField(_("UNTC reference"), max_length=20, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="protocols",
        verbose_name=_("supplements"),
    )
    short_name_ar = models.CharField(_("short name (ar)"), max_length=200, blank=True)
    short_name_zh = models.CharField(_("short name (zh)"), max_length=200, blank=True)
    short_name_en = models.CharField(_("short name (en)"), max_length=200)
    short_name_fr = models.CharField(_("short name (fr)"), max_length=200, blank=True)
    short_name_ru = models.CharField(_("short name (ru)"), max_length=200, blank=True)
    short_name_es = models.CharField(_("short name (es)"), max_length=200, blank=True)
    title_ar = models.CharField(_("title (ar)"), max_length=400, blank=True)
    title_zh = models.CharField(_("title (zh)"), max_length=400, blank=True)
    title_en = models.CharField(_("title (en)"), max_length=400)
    title_fr = models.CharField(_("title (fr)"), max_length=400, blank=True)
    title_ru = models.CharField(_("title (ru)"), max_length=400, blank=True)
    title_es = models.CharField(_("title (es)"), max_length=400, blank=True)
    adopted_by = models.CharField(_("adopted by"), max_length=200, blank=True)
    adoption_date = models.DateField(_("adopted on"), null=True, blank=True)
    entry_into_force = models.DateField(_("entry into force"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Every save sets it: instruments and articles change in place, without history, when the
    # reference data is loaded; report runs' fingerprints see it (core.figures.data_state).
    updated_at = models.DateTimeField(auto_now=True)

    DATA_STATE_STAMP = "updated_at"

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return str(self.translated("short_name"))


class Article(SearchKeyMixin, TranslatedFieldsMixin, models.Model):
    search_fields = ("instrument.code", "number", "title_*")

    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.CASCADE,
        related_name="articles",
        verbose_name=_("instrument"),
    )
    number = models.PositiveSmallIntegerField(_("article"))
    title_ar = models.CharField(_("title (ar)"), max_length=300, blank=True)
    title_zh = models.CharField(_("title (zh)"), max_length=300, blank=True)
    title_en = models.CharField(_("title (en)"), max_length=300)
    title_fr = models.CharField(_("title (fr)"), max_length=300, blank=True)
    title_ru = models.CharField(_("title (ru)"), max_length=300, blank=True)
    title_es = models.CharField(_("title (es)"), max_length=300, blank=True)
    paragraph_count = models.PositiveSmallIntegerField(_("paragraphs"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)  # as the instrument's
    search_text = models.TextField(editable=False, blank=True)

    DATA_STATE_STAMP = "updated_at"

    class Meta:
        ordering = ["instrument__position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="article_unique_number")
        ]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return f"{self.instrument.code.upper()} {self.number}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("article_detail", args=[self.instrument.code, self.number])


class ConsentType(models.TextChoices):
    RATIFICATION = "ratification", _("Ratification")
    ACCESSION = "accession", _("Accession")
    ACCEPTANCE = "acceptance", _("Acceptance")
    APPROVAL = "approval", _("Approval")
    SUCCESSION = "succession", _("Succession")


class Participation(models.Model):
    """A State's signature and consent to be bound by one instrument (UNTC records)."""

    state = models.ForeignKey(
        State, on_delete=models.CASCADE, related_name="participations", verbose_name=_("State")
    )
    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("instrument"),
    )
    signature_date = models.DateField(_("signature"), null=True, blank=True)
    consent_date = models.DateField(_("consent to be bound"), null=True, blank=True)
    consent_type = models.CharField(
        _("kind of consent"), max_length=20, choices=ConsentType.choices, blank=True
    )
    as_of = models.DateField(_("status as at"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["instrument__position", "state__name_en"]
        constraints = [
            models.UniqueConstraint(fields=["state", "instrument"], name="participation_unique"),
            models.CheckConstraint(
                condition=models.Q(consent_date__isnull=True) | ~models.Q(consent_type=""),
                name="participation_consent_has_type",
            ),
        ]
        verbose_name = _("participation")
        verbose_name_plural = _("participation")

    def __str__(self) -> str:
        # As a reader knows it (its history page): names in the reader's language, not codes.
        return gettext("%(state)s: %(instrument)s") % {
            "state": self.state,
            "instrument": self.instrument,
        }

    def is_party_on(self, on: date) -> bool:
        return self.consent_date is not None and self.consent_date <= on


class OrganizationKind(models.TextChoices):
    SECRETARIAT = "secretariat", _("Secretariat (UNODC)")
    UN_ENTITY = "un_entity", _("United Nations entity")
    INTERNATIONAL = "international", _("International organization")
    REGIONAL = "regional", _("Regional organization")
    GOVERNMENT = "government", _("Government agency")
    FUND = "fund", _("Fund or foundation")
    NGO = "ngo", _("Non-governmental organization")


class Organization(SearchKeyMixin, TranslatedFieldsMixin, models.Model):
    """A provider or funder of technical assistance."""

    search_key_field = "search_names"
    search_fields = ("acronym", "name_*")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    name_ar = models.CharField(_("name (ar)"), max_length=300, blank=True)
    name_zh = models.CharField(_("name (zh)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (en)"), max_length=300)
    name_fr = models.CharField(_("name (fr)"), max_length=300, blank=True)
    name_ru = models.CharField(_("name (ru)"), max_length=300, blank=True)
    name_es = models.CharField(_("name (es)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    iati_ref = models.CharField(_("IATI organisation identifier"), max_length=100, blank=True)
    iati_type = models.CharField(_("IATI organisation type"), max_length=10, blank=True)
    state = models.ForeignKey(
        State,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("State"),
    )
    website = models.URLField(_("website"), blank=True)
    is_demo = models.BooleanField(_("illustrative demo record"), default=False)
    search_names = models.TextField(editable=False, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.acronym or str(self.translated("name"))


class Codelist(models.Model):
    """An IATI codelist, as published in the IATI codelist XML files."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    version = models.CharField(_("IATI version"), max_length=20, blank=True)
    complete = models.BooleanField(_("complete"), default=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("IATI codelist")
        verbose_name_plural = _("IATI codelists")

    def __str__(self) -> str:
        return self.name


class CodelistItem(models.Model):
    codelist = models.ForeignKey(Codelist, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=50)
    name_en = models.CharField(_("name (en)"), max_length=500, blank=True)
    name_fr = models.CharField(_("name (fr)"), max_length=500, blank=True)
    description_en = models.TextField(_("description (en)"), blank=True)
    category = models.CharField(_("category"), max_length=50, blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)

    class Meta:
        ordering = ["codelist", "code"]
        constraints = [
            models.UniqueConstraint(fields=["codelist", "code"], name="codelist_item_unique")
        ]
        verbose_name = _("IATI code")
        verbose_name_plural = _("IATI codes")

    def __str__(self) -> str:
        return f"{self.codelist.name}:{self.code}"


class StateContact(models.Model):
    """A State's national contact point for technical assistance and reporting.

    Personal data: visible to the secretariat and to that State's focal points only.
    """

    state = models.ForeignKey(
        State, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("State")
    )
    name = models.CharField(_("name"), max_length=200)
    institution = models.CharField(_("institution"), max_length=300, blank=True)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("telephone"), max_length=50, blank=True)
    language = models.CharField(_("language of correspondence"), max_length=10, default="en")
    institution_public = models.BooleanField(
        _("name the institution on the State's public page"),
        default=False,
        help_text=_("Only the institution is shown to the public, never the person or details."),
    )
    is_demo = models.BooleanField(_("illustrative demo record"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["state__name_en", "name"]
        verbose_name = _("national contact")
        verbose_name_plural = _("national contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.state})"
