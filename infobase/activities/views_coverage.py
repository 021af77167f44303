"""Coverage of needs by activities: the overview (counts, gaps, overlaps), its exports, and
one need's suggested and decided links."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infobase.accounts.permissions import is_secretariat, require_seen
from infobase.accounts.permissions import require as _require
from infobase.activities.coverage.counting import current_activities
from infobase.activities.coverage.exports import EXPORTS
from infobase.activities.coverage.links import link_create, link_decide
from infobase.activities.coverage.measures import coverage_of, overview
from infobase.activities.coverage.overlaps import overlaps_kept
from infobase.activities.coverage.suggestions import reason_texts
from infobase.activities.models import Activity, LinkStatus, NeedLink
from infobase.core.exports import export_requested, page_export
from infobase.core.i18n import format_share
from infobase.core.params import id_from
from infobase.needs.models import Need
from infobase.needs.selectors import coverage_status, status_label

OVERLAPS_PER_PAGE = 50


@login_required
def coverage_overview(request: HttpRequest) -> HttpResponse:
    _require(request.user, "activities.view_coverage")
    figures = overview(user=request.user)
    # Every overlap is in the export; the page shows them a page at a time.
    found = Paginator(overlaps_kept(), OVERLAPS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "activities/coverage.html",
        {
            "counts": figures.counts,
            "restricted": not is_secretariat(request.user),
            "total": sum(figures.counts.values()),
            "tables": figures.tables,
            "overlaps": found,
            # Named as their jobs' pages name them (the titles registered in ``apps``).
            "exports": [
                (what, page_export(f"activities.coverage.{what}").title) for what in EXPORTS
            ],
        },
    )


@login_required
@require_POST
def coverage_export(request: HttpRequest, what: str, fmt: str) -> HttpResponse:
    """One of the coverage page's files, made in the background (``coverage.exports``)."""
    _require(request.user, "activities.view_coverage")
    if what not in EXPORTS:
        raise Http404
    return export_requested(request, name=f"activities.coverage.{what}", fmt=fmt)


def _share(raw: str) -> Decimal | None:
    raw = (raw or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation as exc:
        raise ValidationError(
            {"share": _("The share must be a number above 0 and at most 1.")}
        ) from exc


def _post(request: HttpRequest, need: Need) -> None:
    user = request.user
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    if action in ("accept", "reject"):
        link_pk = id_from(request.POST.get("link", ""))
        if link_pk is None:
            raise Http404
        link = get_object_or_404(NeedLink, pk=link_pk, need=need)
        link_decide(
            user=user,
            link=link,
            accept=action == "accept",
            share=_share(request.POST.get("share", "")),
            reason=reason,
        )
    elif action == "link":
        identifier = request.POST.get("activity", "").strip()
        activity = Activity.objects.filter(iati_identifier=identifier).first()
        if activity is None:
            raise ValidationError(
                {"activity": _("No activity has the identifier “%(id)s”.") % {"id": identifier}}
            )
        link_create(
            user=user,
            need=need,
            activity=activity,
            share=_share(request.POST.get("share", "")) or Decimal("1"),
            reason=reason,
        )
    else:
        raise PermissionDenied


@login_required
def need_links(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(Need.objects.select_related("state", "article__instrument"), pk=pk)
    require_seen(request.user, "needs.view_need", need)
    _require(request.user, "activities.view_coverage")
    if request.method == "POST":
        _require(request.user, "activities.decide_link")
        try:
            _post(request, need)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The decision was recorded."))
        return redirect("need_links", pk=need.pk)
    links = list(
        need.activity_links.select_related("activity__provider", "decided_by").order_by(
            "-confidence", "activity__iati_identifier"
        )
    )
    order: dict[str, int] = {
        LinkStatus.MANUAL: 0,
        LinkStatus.ACCEPTED: 0,
        LinkStatus.SUGGESTED: 1,
        LinkStatus.REJECTED: 2,
    }
    links.sort(key=lambda link: order.get(link.status, 3))
    current = set(
        current_activities()
        .filter(pk__in=[link.activity_id for link in links])
        .values_list("pk", flat=True)
    )
    value = coverage_of([need.pk]).get(need.pk, Decimal("0"))
    status = coverage_status(value)
    return render(
        request,
        "activities/need_links.html",
        {
            "need": need,
            "rows": [
                (link, reason_texts(link.reasons), link.activity_id in current) for link in links
            ],
            "coverage": format_share(value),  # as the need's score explains it
            "status": status,
            "status_label": status_label(status),
            "can_decide": request.user.has_perm("activities.decide_link"),
        },
    )
