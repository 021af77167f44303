from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from infobase.core.forms import NamedEmptyChoice
from infobase.core.uploads import SPREADSHEET, TABLE, validate_upload
from infobase.questionnaires.models import ReportingCycle, cycle_names
from infobase.reference.models import Instrument, State


class DispatchForm(forms.Form):
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    on = forms.DateField(
        label=_("Parties and signatories as of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for today."),
    )
    states = forms.ModelMultipleChoiceField(
        label=_("Only these States"),
        queryset=State.objects.all(),
        required=False,
        help_text=_("Leave empty to send to every party and signatory of the instruments."),
    )


# The six languages a cycle is named in, as the keys of its names ("zh" for Chinese).
NAME_LANGUAGES = [(code.split("-")[0], name) for code, name in settings.LANGUAGES]


def _name_field(code: str) -> forms.CharField:
    language = dict(NAME_LANGUAGES)[code]
    return forms.CharField(
        label=lazy(lambda: gettext("Name (%(language)s)") % {"language": language}, str)(),
        max_length=200,
        required=code == "en",
        widget=forms.TextInput(attrs={"dir": "rtl" if code == "ar" else "auto"}),
    )


class ReportingCycleForm(forms.ModelForm):
    """A reporting cycle with its name in each of the six languages (one box each, English
    required), stored as the cycle's language → name map."""

    name_ar = _name_field("ar")
    name_zh = _name_field("zh")
    name_en = _name_field("en")
    name_fr = _name_field("fr")
    name_ru = _name_field("ru")
    name_es = _name_field("es")

    class Meta:
        model = ReportingCycle
        fields = ["number", "name_ar", "name_zh", "name_en", "name_fr", "name_ru", "name_es"]
        fields += ["starts_on", "ends_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, text in cycle_names(self.instance.name).items():
            if f"name_{code}" in self.fields:
                self.initial.setdefault(f"name_{code}", text)

    def names(self) -> dict[str, str]:
        return {
            code: text.strip()
            for code, _n in NAME_LANGUAGES
            if (text := self.cleaned_data.get(f"name_{code}") or "").strip()
        }

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
