"""Funding gaps, resource-mobilization lists and equity screens.

Everyone with ``funding.view_overview`` (secretariat, working group, donors) sees aggregates,
every one of them computed from the needs the user may see (``needs_visible_to``, the register's
rule): a confidential need of another State is neither listed nor counted. A donor's
mobilization list holds only its own pledges' matches. Every page and file states its as-of
date and the money rule (``money.MoneyRule``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from infobase.accounts.permissions import is_secretariat, scope_pledges
from infobase.accounts.permissions import require as _require
from infobase.core.exporters import Exporter
from infobase.core.exports import export_requested
from infobase.core.i18n import format_date
from infobase.core.params import ids_from
from infobase.funding import charts
from infobase.funding.equity import portfolio_equity, proposal_equity, weighted_needs
from infobase.funding.gaps import (
    DIMENSIONS,
    GapReport,
    funding_gaps,
    funding_gaps_page,
)
from infobase.funding.mobilization import mobilization_matches
from infobase.funding.models import Pledge, Proposal
from infobase.funding.money import MissingRate, MoneyRule, parse_as_of
from infobase.needs.models import Need
from infobase.needs.selectors import needs_visible_to
from infobase.reference.models import AssistanceKind


def report_date(request: HttpRequest) -> tuple[date, str]:
    """The as-of date from ``?on=YYYY-MM-DD`` (today when absent), and a problem if invalid."""
    return parse_as_of(request.GET.get("on", ""), today=timezone.localdate())


def _need_labels(need_ids: Iterable[int]) -> dict[int, Need]:
    return {
        n.pk: n
        for n in Need.objects.filter(pk__in=list(need_ids)).select_related(
            "state", "article__instrument"
        )
    }


def need_label(need: Need) -> str:
    state = need.state.translated("name")
    kind = AssistanceKind(need.kind).label
    return f"{state} — {need.article.instrument.code.upper()} {need.article.number} — {kind}"


# --- Gaps --------------------------------------------------------------------------------


class FundingGapsExporter(Exporter):
    """Every gap table of a report in one sheet: a dimension column, then the figures (USD)."""

    identifier = "funding-gaps"

    def __init__(self, *, report: GapReport, visible_need_ids: set[int]) -> None:
        self.report = report
        self.needs = _need_labels(n.need_id for n in report.needs if n.need_id in visible_need_ids)

    def sheet_title(self) -> str:
        return _("Funding gaps")[:31]

    def columns(self) -> Sequence[str]:
        return [
            _("Dimension"),
            _("Code"),
            _("Name"),
            _("Needs"),
            _("Needs without funding"),
            _("Cost (USD)"),
            _("Funded (USD)"),
            _("Gap (USD)"),
            _("Report date"),
        ]

    def rows(self) -> Iterable[Sequence[Any]]:
        from infobase.funding.money import cents

        on = self.report.on
        total = self.report.total
        yield [
            _("All needs"),
            "",
            total.label,
            total.needs,
            total.unfunded,
            total.cost_usd,
            total.funded_usd,
            total.gap_usd,
            on,
        ]
        for dimension, label in DIMENSIONS:
            for row in self.report.by[dimension]:
                yield [
                    str(label),
                    row.key,
                    row.label,
                    row.needs,
                    row.unfunded,
                    row.cost_usd,
                    row.funded_usd,
                    row.gap_usd,
                    on,
                ]
        for project in self.report.projects:
            yield [
                _("Project"),
                project.code,
                project.label,
                project.needs,
                "",
                cents(project.budget_usd),
                cents(project.funded_usd),
                cents(project.gap_usd),
                on,
            ]
        for need in self.report.needs:
            if need.need_id in self.needs:
                yield [
                    _("Need"),
                    str(need.need_id),
                    need_label(self.needs[need.need_id]),
                    1,
                    int(need.funded_usd <= 0),
                    cents(need.cost_usd),
                    cents(need.funded_usd),
                    cents(need.gap_usd),
                    on,
                ]
        yield [
            _("Money rule"),
            "",
            self.report.rule.statement(),
            "",
            "",
            "",
            "",
            "",
            on,
        ]
        for rate in self.report.rates:
            yield [
                _("Exchange rate used"),
                rate.currency,
                _("%(rate)s per US dollar from %(date)s (%(source)s)")
                % {
                    "rate": rate.per_usd,
                    "date": format_date(rate.valid_from),
                    "source": rate.source or "—",
                },
                "",
                "",
                "",
                "",
                "",
                on,
            ]


def _headings() -> dict[str, str]:
    return {
        "state": _("By State"),
        "regional_group": _("By regional group"),
        "legal_family": _("By legal system"),
        "instrument": _("By instrument"),
        "kind": _("By kind of assistance"),
    }


@login_required
def gaps(request: HttpRequest) -> HttpResponse:
    _require(request.user, "funding.view_overview")
    on, date_problem = report_date(request)
    context: dict[str, Any] = {
        "on": on,
        "date_problem": date_problem,
        "query": request.GET.urlencode(),
        "export_query": urlencode({"on": on.isoformat()}),
        "rule": MoneyRule(on),
        "restricted": not is_secretariat(request.user),
    }
    try:
        # Summed in the database, the needs read one page at a time (the export and the
        # mobilization list read every need: ``funding_gaps``).
        report = funding_gaps_page(
            on=on, needs_qs=needs_visible_to(request.user), page=request.GET.get("page")
        )
    except MissingRate as exc:
        context["problem"] = str(exc)
        return render(request, "funding/gaps.html", context)
    page = report.page
    labels = _need_labels(n.need_id for n in page)
    context.update(
        report=report,
        tables=[(dim, label, _headings()[dim], report.by[dim]) for dim, label in DIMENSIONS],
        kinds=AssistanceKind.choices,
        page=page,
        need_rows=[(n, labels[n.need_id]) for n in page],
    )
    return render(request, "funding/gaps.html", context)


@login_required
@require_POST
def gaps_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The funding gaps' file on the page's date, made in the background (``gaps_file``)."""
    _require(request.user, "funding.view_overview")
    return export_requested(request, name="funding.gaps", fmt=fmt)


def gaps_file(*, user: Any, query: QueryDict) -> FundingGapsExporter:
    """The funding gaps as ``user`` sees them on the date of ``query`` (``on``)."""
    on, _problem = parse_as_of(query.get("on", ""), today=timezone.localdate())
    try:
        report = funding_gaps(on=on, needs_qs=needs_visible_to(user))
    except MissingRate as exc:
        raise ValidationError(str(exc)) from None
    return FundingGapsExporter(report=report, visible_need_ids={n.need_id for n in report.needs})


# --- Mobilization ------------------------------------------------------------------------


class PledgeLink(NamedTuple):
    """A pledge as the page of matches names it (only those the user may see one by one)."""

    url: str
    text: str  # date · amount currency, in the interface language
    status: str


@login_required
def mobilization(request: HttpRequest) -> HttpResponse:
    _require(request.user, "funding.view_overview")
    on, date_problem = report_date(request)
    context: dict[str, Any] = {"on": on, "date_problem": date_problem, "rule": MoneyRule(on)}
    try:
        matches = mobilization_matches(user=request.user, on=on)
    except MissingRate as exc:
        context["problem"] = str(exc)
        return render(request, "funding/mobilization.html", context)
    page = Paginator(matches, 50).get_page(request.GET.get("page"))
    labels = _need_labels(m.need_id for m in page)
    # A page names the same few pledges again and again (a donor's pledges fit most of its
    # matches: ~900 mentions of ~30 pledges): each is checked and written once.
    links = {
        p.pk: PledgeLink(
            url=reverse("pledge_detail", args=[p.pk]),
            text=f"{format_date(p.pledged_on)} · {floatformat(p.amount, '2g')} {p.currency}",
            status=p.get_status_display(),
        )
        for p in scope_pledges(
            request.user, Pledge.objects.filter(pk__in={pk for m in page for pk in m.pledge_ids})
        )
    }
    rows = [
        (match, labels[match.need_id], [links[pk] for pk in match.pledge_ids if pk in links])
        for match in page
    ]
    context.update(page=page, rows=rows, total=len(matches))
    return render(request, "funding/mobilization.html", context)


# --- Equity ------------------------------------------------------------------------------


def _charts(report: Any) -> list[tuple[Any, Any]]:
    return [
        (
            report.regional,
            charts.share_bars(
                report.regional.rows, title=_("Regional groups: share of resources and of needs")
            ),
        ),
        (
            report.legal,
            charts.share_bars(
                report.legal.rows, title=_("Legal systems: share of resources and of needs")
            ),
        ),
    ]


@login_required
def equity(request: HttpRequest) -> HttpResponse:
    _require(request.user, "funding.view_overview")
    on, date_problem = report_date(request)
    context: dict[str, Any] = {
        "on": on,
        "date_problem": date_problem,
        "rule": MoneyRule(on),
        "restricted": not is_secretariat(request.user),
    }
    # The needs the user may see, weighted by their priority scores as on the report date.
    visible = needs_visible_to(request.user)
    needs = weighted_needs(needs_qs=visible, today=on)
    try:
        report = portfolio_equity(on=on, needs=needs, needs_qs=visible)
    except MissingRate as exc:
        context["problem"] = str(exc)
        return render(request, "funding/equity.html", context)
    context.update(report=report, sections=_charts(report))
    for proposal_pk in ids_from([request.GET.get("proposal", "")]):
        proposal = get_object_or_404(Proposal, pk=proposal_pk)
        _require(request.user, "funding.view_proposal", proposal)
        proposed = proposal_equity(
            proposal, needs=needs, threshold=report.threshold, needs_qs=visible
        )
        context.update(proposal=proposal, proposed=proposed, proposal_sections=_charts(proposed))
    return render(request, "funding/equity.html", context)
