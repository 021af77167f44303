from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from infobase.accounts.permissions import scope_to_user
from infobase.core.once import once
from infobase.reference import profile, selectors
from infobase.reference.forms import OrganizationFilterForm, StateContactForm, StateFilterForm
from infobase.reference.models import Article, Instrument, State, StateContact
from infobase.reference.services import contact_save


def state_list(request: HttpRequest) -> HttpResponse:
    form = StateFilterForm(request.GET or None)
    states: QuerySet[State] = State.objects.all()
    on = date.today()
    if form.is_valid():
        data = form.cleaned_data
        on = data["on"] or on
        states = selectors.state_list(
            query=data["q"],
            regional_group=data["regional_group"],
            legal_family=data["legal_family"],
            instrument=data["instrument"],
            status=data["status"],
            on=on,
        )
    # Every State is at most a few hundred rows: ordered in Python, by the reader's alphabet.
    page = Paginator(selectors.states_by_name(states), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reference/state_list.html",
        {"form": form, "page": page, "total": page.paginator.count, "on": on},
    )


def state_detail(request: HttpRequest, iso3: str) -> HttpResponse:
    """The State's public profile: participation, public focal institutions and the sections
    the other apps provide (implementation status, needs, activities, projects, reports)."""
    state = get_object_or_404(State, iso3=iso3.upper())
    today = date.today()
    participations = {p.instrument_id: p for p in state.participations.all()}
    rows = [
        (i, participations.get(i.pk), selectors.party_status(participations.get(i.pk), on=today))
        for i in Instrument.objects.all()
    ]
    contacts = None
    if request.user.has_perm("reference.view_statecontact", state):
        contacts = scope_to_user(request.user, state.contacts.all())
    return render(
        request,
        "reference/state_detail.html",
        {
            "state": state,
            "rows": rows,
            "institutions": selectors.public_institutions(state),
            "sections": profile.state_sections(state, request.user),
            "contacts": contacts,
            "can_edit_contacts": request.user.has_perm("reference.add_statecontact", state),
            "today": today,
        },
    )


@login_required
def contact_edit(request: HttpRequest, iso3: str, pk: int | None = None) -> HttpResponse:
    state = get_object_or_404(State, iso3=iso3.upper())
    contact = None
    if pk is not None:
        contact = get_object_or_404(StateContact, pk=pk, state=state)
    if not request.user.has_perm("reference.change_statecontact", contact or state):
        raise PermissionDenied
    form = StateContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        token = data.pop("once", "") if contact is None else ""  # edits are idempotent anyway
        with once(token=token, user=request.user) as claim:
            if claim.done is None:
                contact_save(
                    user=request.user,
                    state=state,
                    instance=form.instance,
                    data=data,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("The contact was saved."))
        return redirect("state_detail", iso3=state.iso3)
    return render(
        request, "reference/contact_form.html", {"state": state, "form": form, "contact": contact}
    )


def instrument_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reference/instrument_list.html",
        {"counts": selectors.participation_counts(on=date.today())},
    )


def instrument_detail(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_object_or_404(Instrument, code=code)
    return render(
        request,
        "reference/instrument_detail.html",
        {"instrument": instrument, "articles": instrument.articles.all()},
    )


def article_detail(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """An article's public page: where its text is, the States' public implementation status,
    and the needs and activities on it."""
    article = get_object_or_404(
        Article.objects.select_related("instrument__parent"), instrument__code=code, number=number
    )
    siblings = list(article.instrument.articles.values_list("number", flat=True))
    place = siblings.index(article.number)
    return render(
        request,
        "reference/article_detail.html",
        {
            "article": article,
            "instrument": article.instrument,
            "previous": siblings[place - 1] if place > 0 else None,
            "next": siblings[place + 1] if place + 1 < len(siblings) else None,
            "sections": profile.article_sections(article, request.user),
        },
    )


def organization_list(request: HttpRequest) -> HttpResponse:
    form = OrganizationFilterForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    organizations = selectors.organization_list(query=query)
    return render(
        request,
        "reference/organization_list.html",
        {"organizations": organizations, "query": query, "form": form},
    )
