"""The allocation screen (issue 6, point 5): parameters, the optimizer's proposal and the greedy
baseline side by side, earlier proposals to compare, a proposal's page and its acceptance."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from infobase.accounts.permissions import require as _require
from infobase.core.errors import InvalidInput
from infobase.funding import allocation
from infobase.funding.models import Proposal
from infobase.funding.money import MissingRate
from infobase.reference.models import Instrument, LegalFamily, RegionalGroup

MINIMUM = re.compile(r"^\s*([a-z0-9_-]+)\s*=\s*([0-9][0-9_,.]*)\s*$", re.IGNORECASE)

STATUS_LABELS = {
    "optimal": gettext_lazy("Optimal (proven within the gap)"),
    "time_limit": gettext_lazy("Time limit reached: the best solution found, with its gap"),
    "time_limit_no_solution": gettext_lazy("Time limit reached before any solution was found"),
    "infeasible": gettext_lazy("Infeasible: no allocation meets all the constraints"),
    "heuristic": gettext_lazy("Greedy baseline (highest score first; no optimality proof)"),
    "error": gettext_lazy("The solver failed"),
}
METHOD_LABELS = {
    "optimizer": gettext_lazy("Optimizer"),
    "greedy": gettext_lazy("Greedy baseline"),
}


def parse_minimums(text: str) -> dict[str, float]:
    """``untoc=100000, tip=50000`` (commas, semicolons or new lines between) → code → USD.
    Raises ``forms.ValidationError`` naming the bad entry."""
    codes = set(Instrument.objects.values_list("code", flat=True))
    out: dict[str, float] = {}
    for entry in re.split(r"[;\n]|,(?=\s*[a-z])", text or "", flags=re.IGNORECASE):
        if not entry.strip():
            continue
        match = MINIMUM.match(entry)
        if not match:
            raise forms.ValidationError(
                _("“%(entry)s” is not of the form instrument=amount (for example untoc=100000).")
                % {"entry": entry.strip()}
            )
        code = match.group(1).lower()
        if code not in codes:
            raise forms.ValidationError(
                _("“%(code)s” is not an instrument code (%(codes)s).")
                % {"code": code, "codes": ", ".join(sorted(codes))}
            )
        try:
            amount = float(Decimal(match.group(2).replace(",", "").replace("_", "")))
        except ArithmeticError as exc:
            raise forms.ValidationError(
                _("“%(entry)s” is not of the form instrument=amount (for example untoc=100000).")
                % {"entry": entry.strip()}
            ) from exc
        out[code] = amount
    return out


class ParametersForm(forms.Form):
    equity_group = forms.DecimalField(
        label=gettext_lazy("Regional groups: at least this fraction of their fair share"),
        min_value=0,
        max_value=1,
        decimal_places=3,
        initial=Decimal("0.8"),
    )
    equity_family = forms.DecimalField(
        label=gettext_lazy("Legal systems: at least this fraction of their fair share"),
        min_value=0,
        max_value=1,
        decimal_places=3,
        initial=Decimal("0.5"),
    )
    minimums = forms.CharField(
        label=gettext_lazy("Minimum per instrument, USD (e.g. untoc=100000, tip=50000)"),
        required=False,
        max_length=500,
    )
    include_needs = forms.BooleanField(
        label=gettext_lazy("Also fund open needs directly (as suggestions)"), required=False
    )
    method = forms.ChoiceField(
        label=gettext_lazy("Method"),
        choices=[
            ("both", gettext_lazy("Optimizer and greedy baseline")),
            ("optimizer", gettext_lazy("Optimizer")),
            ("greedy", gettext_lazy("Greedy baseline")),
        ],
        initial="both",
    )
    on = forms.DateField(
        label=gettext_lazy("Exchange rates of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    time_limit = forms.IntegerField(
        label=gettext_lazy("Time limit of the solver (seconds)"),
        min_value=1,
        max_value=600,
        initial=60,
        required=False,
    )

    def clean_minimums(self) -> dict[str, float]:
        return parse_minimums(self.cleaned_data.get("minimums", ""))

    def parameters(self) -> allocation.Parameters:
        data = self.cleaned_data
        return allocation.Parameters(
            equity_fraction_group=float(data["equity_group"]),
            equity_fraction_family=float(data["equity_family"]),
            instrument_minimums=data["minimums"],
            time_limit=float(data.get("time_limit") or 60),
        )


def _labels() -> dict[str, dict[str, str]]:
    return {
        "equity_group": {k: str(v) for k, v in RegionalGroup.choices},
        "equity_family": {k: str(v) for k, v in LegalFamily.choices},
        "instrument_minimum": {i.code: str(i) for i in Instrument.objects.all()},
    }


def _money(value: Any) -> str:
    return f"{Decimal(str(value)):,.2f}"


def describe(entry: dict[str, Any], report: dict[str, Any], labels: dict[str, Any]) -> str:
    """One binding (or offending) constraint of a report, in words."""
    kind, key = entry["kind"], entry["key"]
    if kind == "pledge":
        source = report.get("sources", {}).get(key, {})
        text = _("Pledge %(pledge)s is used in full (%(amount)s USD).") % {
            "pledge": source.get("label") or key,
            "amount": _money(entry.get("limit_usd", source.get("available_usd", 0))),
        }
        return text
    name = labels.get(kind, {}).get(key, key)
    if kind == "instrument_minimum":
        text = _("The minimum for %(instrument)s is reached exactly: %(amount)s USD.") % {
            "instrument": name,
            "amount": _money(entry.get("limit_usd", 0)),
        }
    elif kind == "equity_group":
        text = _("The equity floor of %(group)s binds: it receives %(amount)s USD, its floor.") % {
            "group": name,
            "amount": _money(entry.get("value_usd", 0)),
        }
    else:
        text = _(
            "The equity floor of the %(family)s family binds: it receives %(amount)s USD, "
            "its floor."
        ) % {"family": name, "amount": _money(entry.get("value_usd", 0))}
    without = entry.get("objective_without")
    if without is not None:
        text += " " + _(
            "Without this constraint the priority-weighted needs met would be %(value)s "
            "instead of %(current)s."
        ) % {"value": f"{without:,.3f}", "current": f"{report.get('objective', 0):,.3f}"}
    return text


def describe_infeasible(report: dict[str, Any], labels: dict[str, Any]) -> list[str]:
    out = []
    for combo in report.get("infeasible_because", []):
        names = [
            _("the floor of %(name)s") % {"name": labels.get(c["kind"], {}).get(c["key"], c["key"])}
            if c["kind"].startswith("equity")
            else _("the minimum for %(name)s")
            % {"name": labels.get(c["kind"], {}).get(c["key"], c["key"])}
            for c in combo
        ]
        out.append(
            _("Dropping %(constraints)s makes a proposal possible.")
            % {"constraints": ", ".join(names)}
        )
    for c in report.get("unreachable", []):
        out.append(
            _("No pledge can fund %(name)s: with a floor or minimum for it, no money can be given.")
            % {"name": labels.get(c["kind"], {}).get(c["key"], c["key"])}
        )
    return out


def _view(proposal: Proposal, labels: dict[str, Any]) -> dict[str, Any]:
    report = proposal.report or {}
    return {
        "proposal": proposal,
        "method": METHOD_LABELS.get(proposal.method, proposal.method),
        "status": STATUS_LABELS.get(proposal.status, proposal.status),
        "gap": report.get("mip_gap"),
        "gap_percent": None if report.get("mip_gap") is None else report["mip_gap"] * 100,
        "total_usd": report.get("total_usd", "0"),
        "binding": [describe(b, report, labels) for b in report.get("binding", [])],
        "infeasible": describe_infeasible(report, labels),
        "groups": [
            {**r, "label": labels["equity_group"].get(r["key"], r["key"])}
            for r in report.get("groups", [])
        ],
        "families": [
            {**r, "label": labels["equity_family"].get(r["key"], r["key"])}
            for r in report.get("families", [])
        ],
        "instruments": [
            {**r, "label": labels["instrument_minimum"].get(r["key"], r["key"])}
            for r in report.get("instruments", [])
        ],
        "seconds": report.get("seconds"),
        "rates": report.get("rates", []),
        "on": report.get("on"),
    }


def _project_rows(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Candidate projects of the compared proposals, with the fraction each funds."""
    rows: dict[str, dict[str, Any]] = {}
    for k, v in enumerate(views):
        for tid, t in v["proposal"].report.get("targets", {}).items():
            if t.get("kind") != "project":
                continue
            row = rows.setdefault(
                tid,
                {
                    "label": t["label"],
                    "cost_usd": t["cost_usd"],
                    "weight": t["weight"],
                    "funded": [None] * len(views),
                },
            )
            row["funded"][k] = t.get("funded", 0) * 100
    return sorted(rows.values(), key=lambda r: (-r["weight"], r["label"]))


def _by_key(views: list[dict[str, Any]], part: str) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for k, v in enumerate(views):
        for r in v[part]:
            row = rows.setdefault(
                r["key"],
                {
                    "label": r["label"],
                    "fair_share": r["fair_share"] * 100,
                    "cells": [None] * len(views),
                },
            )
            row["cells"][k] = r
    return list(rows.values())


@login_required
def allocation_view(request: HttpRequest) -> HttpResponse:
    _require(request.user, "funding.view_proposal")
    can_allocate = request.user.has_perm("funding.allocate")
    form = ParametersForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        _require(request.user, "funding.allocate")
        if form.is_valid():
            methods = (
                list(allocation.METHODS)
                if form.cleaned_data["method"] == "both"
                else [form.cleaned_data["method"]]
            )
            try:
                proposals = allocation.compare(
                    user=request.user,
                    params=form.parameters(),
                    methods=methods,
                    on=form.cleaned_data.get("on") or date.today(),
                    include_needs=form.cleaned_data["include_needs"],
                )
            except MissingRate as exc:
                form.add_error("on", str(exc))
            else:
                query = "&".join(f"p={p.pk}" for p in proposals)
                return redirect(f"{reverse('allocation')}?{query}")
    chosen: list[int] = []
    for value in request.GET.getlist("p")[:4]:
        if value.isdigit():
            chosen.append(int(value))
    labels = _labels()
    shown = {p.pk: p for p in Proposal.objects.filter(pk__in=chosen)}
    views = [_view(shown[pk], labels) for pk in chosen if pk in shown]
    earlier = Proposal.objects.select_related("created_by", "accepted_by")[:50]
    return render(
        request,
        "funding/allocation.html",
        {
            "form": form,
            "can_allocate": can_allocate,
            "views": views,
            "projects": _project_rows(views),
            "groups": _by_key(views, "groups"),
            "families": _by_key(views, "families"),
            "earlier": [
                {
                    "proposal": p,
                    "method": METHOD_LABELS.get(p.method, p.method),
                    "status": STATUS_LABELS.get(p.status, p.status),
                    "chosen": p.pk in chosen,
                }
                for p in earlier
            ],
        },
    )


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, "funding.view_proposal")
    proposal = get_object_or_404(Proposal, pk=pk)
    view = _view(proposal, _labels())
    lines = list(
        proposal.lines.select_related(
            "pledge__donor", "project", "need__state", "need__article__instrument"
        ).order_by("project__code", "need_id", "pledge_id")
    )
    return render(
        request,
        "funding/proposal.html",
        {
            "view": view,
            "proposal": proposal,
            "project_lines": [ln for ln in lines if ln.project_id],
            "need_lines": [ln for ln in lines if ln.need_id],
            "projects": _project_rows([view]),
            "can_accept": request.user.has_perm("funding.allocate")
            and allocation.proposal_acceptable(proposal),
        },
    )


@login_required
@require_POST
def proposal_accept(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, "funding.allocate")
    proposal = get_object_or_404(Proposal, pk=pk)
    on = None
    if request.POST.get("on"):
        try:
            on = date.fromisoformat(request.POST["on"])
        except ValueError:
            messages.error(request, _("“%(value)s” is not a date.") % {"value": request.POST["on"]})
            return redirect("proposal_detail", pk=pk)
    try:
        accepted = allocation.proposal_accept(user=request.user, proposal=proposal, on=on)
    except InvalidInput as exc:
        for problem in exc.problems:
            messages.error(request, str(problem))
        return redirect("proposal_detail", pk=pk)
    messages.success(
        request,
        _("%(count)s allocations made from proposal %(pk)s.")
        % {"count": len(accepted.allocations), "pk": proposal.pk},
    )
    if accepted.need_lines:
        messages.info(
            request,
            _(
                "%(count)s lines to needs stay suggestions: design a project for those needs to "
                "fund them."
            )
            % {"count": len(accepted.need_lines)},
        )
    return redirect("proposal_detail", pk=pk)
