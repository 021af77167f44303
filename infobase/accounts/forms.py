from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class OTPTokenForm(forms.Form):
    """A six-digit code from the authenticator app, or a recovery code."""

    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text=_("The six digits shown by your authenticator app, or one recovery code."),
    )
