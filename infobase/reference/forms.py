from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from infobase.core.once import OnceField
from infobase.reference.models import Instrument, LegalFamily, RegionalGroup, StateContact
from infobase.reference.selectors import PartyStatus


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
