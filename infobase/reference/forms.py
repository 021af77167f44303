from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from infobase.core.collation import sorted_by_name
from infobase.core.once import OnceField
from infobase.core.widgets import FastSelect
from infobase.reference.models import (
    Article,
    AssistanceKind,
    Instrument,
    LegalFamily,
    RegionalGroup,
    State,
    StateContact,
)
from infobase.reference.selectors import PartyStatus

# --- Fields the filter and edit forms of every app share --------------------------------------


class ArticleLabelMixin:
    """An article labelled with its instrument, number and title (not just "UNTOC 5")."""

    def label_from_instance(self, obj: Any) -> str:
        article: Article = obj
        return f"{article} — {article.translated('title')}"


class ArticleChoiceField(ArticleLabelMixin, forms.ModelChoiceField):
    pass


class ArticleMultipleChoiceField(ArticleLabelMixin, forms.ModelMultipleChoiceField):
    pass


class ByNameIterator(ModelChoiceIterator):
    """The choices in the alphabetical order of their labels in the language the form is
    shown in (``core.collation``), whatever the queryset's order."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = list(self.queryset)
        for obj in sorted_by_name(rows, lambda o: str(self.field.label_from_instance(o))):
            yield self.choice(obj)


class StateChoiceField(forms.ModelChoiceField):
    """A State, listed in the reader's alphabetical order."""

    iterator = ByNameIterator

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", State.objects.all())
        super().__init__(**kwargs)


class StateMultipleChoiceField(forms.ModelMultipleChoiceField):
    """States, listed in the reader's alphabetical order."""

    iterator = ByNameIterator

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", State.objects.all())
        super().__init__(**kwargs)


def articles() -> Any:
    return Article.objects.select_related("instrument")


def article_filter(**kwargs: Any) -> ArticleChoiceField:
    kwargs.setdefault("label", _("Article"))
    kwargs.setdefault("widget", FastSelect)  # over a hundred options on every filtered list
    return ArticleChoiceField(
        queryset=articles(), required=False, empty_label=_("Any article"), **kwargs
    )


def instrument_filter(**kwargs: Any) -> forms.ModelChoiceField:
    """An instrument by its code (``?instrument=UNTOC``), or any."""
    return forms.ModelChoiceField(
        label=_("Instrument"),
        queryset=Instrument.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("Any instrument"),
        **kwargs,
    )


def state_filter(**kwargs: Any) -> StateChoiceField:
    """A State by its ISO code (``?state=EGY``), or any."""
    kwargs.setdefault("label", _("State"))
    kwargs.setdefault("widget", FastSelect)  # every State
    return StateChoiceField(
        to_field_name="iso3",
        required=False,
        empty_label=_("Any State"),
        **kwargs,
    )


def kind_filter() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Kind of assistance"),
        required=False,
        choices=[("", _("Any kind")), *AssistanceKind.choices],
    )


def regional_group_filter(*, any_label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Regional group"), required=False, choices=[("", any_label), *RegionalGroup.choices]
    )


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name or acronym"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class StateFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False)
    regional_group = forms.ChoiceField(
        label=_("Regional group"),
        required=False,
        choices=[("", _("All groups")), *RegionalGroup.choices, ("none", _("No group"))],
    )
    legal_family = forms.ChoiceField(
        label=_("Legal system"),
        required=False,
        choices=[("", _("All legal systems")), *LegalFamily.choices, ("mixed", _("Mixed"))],
    )
    instrument = forms.ModelChoiceField(
        label=_("Instrument"),
        required=False,
        queryset=Instrument.objects.all(),
        to_field_name="code",
        empty_label=_("Any instrument"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            (PartyStatus.PARTY, _("Party")),
            (PartyStatus.SIGNATORY, _("Signatory, not party")),
            (PartyStatus.NONE, _("Neither")),
        ],
    )
    on = forms.DateField(
        label=_("On date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class StateContactForm(forms.ModelForm):
    once = OnceField()

    class Meta:
        model = StateContact
        fields = ["name", "institution", "institution_public", "email", "phone", "language"]
        widgets = {"language": forms.Select(choices=[])}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.conf import settings

        self.fields["language"].widget.choices = settings.LANGUAGES
