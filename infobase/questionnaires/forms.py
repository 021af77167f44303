from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from infobase.core.forms import LanguageBoxes, NamedEmptyChoice
from infobase.core.uploads import SPREADSHEET, TABLE, validate_upload
from infobase.core.widgets import Checklist
from infobase.questionnaires.models import ReportingCycle, cycle_names
from infobase.reference.forms import StateMultipleChoiceField
from infobase.reference.models import Instrument


class DispatchForm(forms.Form):
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    on = forms.DateField(
        label=_("Parties and signatories as of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for today."),
    )
    states = StateMultipleChoiceField(
        label=_("Only these States"),
        required=False,
        widget=Checklist,
        help_text=_("Leave empty to send to every party and signatory of the instruments."),
    )


# English always given (``ReportingCycle.name``).
NAMES = LanguageBoxes("name", _("Name (%(language)s)"), max_length=200, required=["en"])


class ReportingCycleForm(forms.ModelForm):
    """A reporting cycle with its name in each of the six languages (one box each, English
    required), stored as the cycle's language → name map."""

    # Declared on the class: the admin shows only the fields a form's class declares.
    name_ar = NAMES.field("ar")
    name_zh = NAMES.field("zh")
    name_en = NAMES.field("en")
    name_fr = NAMES.field("fr")
    name_ru = NAMES.field("ru")
    name_es = NAMES.field("es")

    class Meta:
        model = ReportingCycle
        fields = ["number", *NAMES.names, "starts_on", "ends_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        NAMES.add_to(self, cycle_names(self.instance.name))

    def names(self) -> dict[str, str]:
        return NAMES.value(self.cleaned_data, held=cycle_names(self.instance.name))

    def save(self, commit: bool = True) -> ReportingCycle:
        self.instance.name = self.names()
        return super().save(commit=commit)


class XLSFormUploadForm(NamedEmptyChoice, forms.Form):
    file = forms.FileField(label=_("XLSForm workbook (.xlsx)"))
    cycle = forms.ModelChoiceField(
        label=_("Reporting cycle"), queryset=ReportingCycle.objects.all()
    )
    instruments = forms.ModelMultipleChoiceField(
        label=_("Instruments covered"), queryset=Instrument.objects.all(), required=False
    )

    def clean_file(self) -> Any:
        return validate_upload(self.cleaned_data.get("file"), policy=SPREADSHEET)


class WorkbookUploadForm(forms.Form):
    file = forms.FileField(label=_("Filled-in workbook (.xlsx)"))

    def clean_file(self) -> Any:
        return validate_upload(self.cleaned_data.get("file"), policy=SPREADSHEET)


class SubmissionsUploadForm(forms.Form):
    file = forms.FileField(label=_("ODK or KoboToolbox export (.csv or .xlsx)"))

    def clean_file(self) -> Any:
        return validate_upload(self.cleaned_data.get("file"), policy=TABLE)


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment to the State"), widget=forms.Textarea, required=False
    )
