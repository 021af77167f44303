"""The person's own page of API tokens: list, create (shown once), revoke."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from infobase.api.models import AccessToken
from infobase.api.tokens import token_create, token_revoke, tokens_of


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    read_only = forms.BooleanField(label=gettext_lazy("Read only"), required=False)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["expires_on"]
        expires = timezone.make_aware(datetime.combine(day, time.max)) if day is not None else None
        try:
            created = token_create(
                owner=request.user,
                name=form.cleaned_data["name"],
                read_only=form.cleaned_data["read_only"],
                expires_at=expires,
            )
        except ValueError as problem:
            form.add_error(None, str(problem))
        else:
            form = TokenForm()
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": tokens_of(request.user),
            "created": created,
            "now": timezone.now(),
        },
    )
    # The page that shows a new secret once must not be kept by any cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(AccessToken, pk=pk, owner=request.user)
    token_revoke(token=token, user=request.user)
    messages.success(request, gettext_lazy("The token is revoked."))
    return redirect("api_tokens")
