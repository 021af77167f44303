"""The allocation screen: parameters, the optimizer's proposal and the greedy
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
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from infobase.accounts.permissions import require as _require
from infobase.core.errors import InvalidInput
from infobase.core.i18n import format_number, in_page_direction, is_rtl, isolated, list_separator
from infobase.core.params import ids_from
from infobase.funding import allocation
from infobase.funding.allocation.core import clean
from infobase.funding.jobs import allocation_start
from infobase.funding.models import Earmark, Proposal
from infobase.reference.models import (
    AssistanceKind,
    Instrument,
    LegalFamily,
    RegionalGroup,
    State,
)

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

    def allocation_request(self) -> allocation.AllocationRequest:
        """The computation the form asks for, the trade-off curve included."""
        method = self.cleaned_data["method"]
        return allocation.AllocationRequest(
            params=self.parameters(),
            methods=allocation.METHODS if method == "both" else (method,),
            on=self.cleaned_data.get("on") or date.today(),
            include_needs=self.cleaned_data["include_needs"],
            curve=method != "greedy",
        )


def _labels() -> dict[str, dict[str, str]]:
    return {
        "equity_group": {k: str(v) for k, v in RegionalGroup.choices},
        "equity_family": {k: str(v) for k, v in LegalFamily.choices},
        "instrument_minimum": {i.code: str(i) for i in Instrument.objects.all()},
    }


def _figure(value: float | Decimal | None, places: int = 2) -> str:
    """A figure of a stored proposal as pages write numbers in the reader's language
    (``core.i18n.format_number``), never a signed zero; None is a dash."""
    if value is None:
        return "—"
    return format_number(clean(value, places), places)


def _money(value: Any) -> str:
    return _figure(Decimal(str(value or 0)), 2)


def _name(kind: str, key: str, labels: dict[str, Any]) -> str:
    return str(labels.get(kind, {}).get(key, key))


def _pledge_name(source: dict[str, Any], key: str) -> str:
    """A pledge as a sentence names it: its donor and the amount the proposal could use, the
    amount written as pages write money, all in the page's direction (plain text: a Latin
    donor's name cannot carry the currency code to the number's other side)."""
    facts = source.get("facts")
    if not facts:  # a proposal stored before its pledges' facts were kept: its label
        return isolated(source.get("label") or key)
    amount = f"{isolated(_money(facts.get('amount')))}\N{NO-BREAK SPACE}{facts.get('currency', '')}"
    return in_page_direction(f"{isolated(facts.get('donor', ''))} · {amount}")


def _earmark_detail(source: dict[str, Any], labels: dict[str, Any]) -> str:
    """What a pledge is earmarked to, named in the reader's language (its stored codes): an
    instrument and a regional group by the page's labels (``_labels``)."""
    facts = source.get("facts")
    if not facts:
        return source.get("earmark_detail") or ""
    parts: list[str] = []
    if facts.get("project"):
        parts.append(isolated(facts["project"]))
    if facts.get("instrument"):
        code = facts["instrument"]
        parts.append(labels["instrument_minimum"].get(code, code.upper()))
    if facts.get("article"):
        parts.append(_("Article %(number)s") % {"number": facts["article"]})
    if facts.get("kind"):
        parts.append(str(dict(AssistanceKind.choices).get(facts["kind"], facts["kind"])))
    if facts.get("regional_group"):
        group = facts["regional_group"]
        parts.append(labels["equity_group"].get(group, group))
    if facts.get("states"):
        names = {s.iso3: str(s) for s in State.objects.filter(iso3__in=facts["states"])}
        parts.append(list_separator().join(names.get(code, code) for code in facts["states"]))
    return " · ".join(parts)


def _pledges(ids: list[str], report: dict[str, Any], labels: dict[str, Any]) -> str:
    """Pledges named by their donors and amounts, with what each is earmarked to."""
    earmarks = dict(Earmark.choices)
    names = []
    for key in ids:
        source = report.get("sources", {}).get(key, {})
        label = _pledge_name(source, key)
        kind = source.get("earmark") or ""
        if kind and kind != Earmark.NONE:
            detail = _earmark_detail(source, labels)
            label = _("%(pledge)s (earmark: %(earmark)s%(detail)s)") % {
                "pledge": label,
                "earmark": earmarks.get(kind, kind),
                "detail": f" — {detail}" if detail else "",
            }
        names.append(label)
    # Pledges hold commas (a list of States): semicolons between them, Arabic's in Arabic.
    return ("\u061b " if is_rtl() else "; ").join(names)


def describe(entry: dict[str, Any], report: dict[str, Any], labels: dict[str, Any]) -> str:
    """One binding (or offending) constraint of a report, in words."""
    kind, key = entry["kind"], entry["key"]
    if kind == "pledge":
        source = report.get("sources", {}).get(key, {})
        text = _("Pledge %(pledge)s is used in full (%(amount)s USD).") % {
            "pledge": _pledge_name(source, key),
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
        current = report.get("objective", 0)
        if _figure(without, 3) == _figure(current, 3):
            text += " " + _("It costs no priority-weighted need met.")
        else:
            text += " " + _(
                "Without this constraint the priority-weighted needs met would be %(value)s "
                "instead of %(current)s."
            ) % {"value": _figure(without, 3), "current": _figure(current, 3)}
    return text


def _floor_name(kind: str, key: str, labels: dict[str, Any]) -> str:
    name = _name(kind, key, labels)
    if kind == "equity_group":
        return _("The floor of %(group)s") % {"group": name}
    if kind == "equity_family":
        return _("The floor of the %(family)s legal system") % {"family": name}
    return _("The minimum for %(instrument)s") % {"instrument": name}


def describe_shortfall(
    entry: dict[str, Any], report: dict[str, Any], labels: dict[str, Any]
) -> str:
    """A floor or minimum that could not be met: by how much, and why."""
    text = _(
        "%(floor)s cannot be met: it receives %(funds)s USD of %(limit)s USD, %(short)s USD short."
    ) % {
        "floor": _floor_name(entry["kind"], entry["key"], labels),
        "funds": _money(entry.get("funds_usd")),
        "limit": _money(entry.get("floor_usd")),
        "short": _money(entry.get("shortfall_usd")),
    }
    reason = entry.get("reason")
    numbers = {
        "candidates": entry.get("candidates", 0),
        "fundable": entry.get("fundable", 0),
        "funded": entry.get("funded", 0),
        "compatible": _money(entry.get("compatible_usd")),
        "pledges": _pledges(entry.get("pledges", []), report, labels),
    }
    if reason == allocation.NO_PLEDGE:
        text += (
            " "
            + _("No pledge with money left may fund any of its %(candidates)s candidates.")
            % numbers
        )
    elif reason == allocation.TOO_LITTLE:
        text += (
            " "
            + _(
                "The pledges that may fund its candidates hold %(compatible)s USD, less than any "
                "of its candidate projects costs: %(pledges)s."
            )
            % numbers
        )
    elif reason == allocation.SATURATED:
        text += (
            " "
            + _(
                "Every one of its candidates that the pledges can fund is funded in full "
                "(%(funded)s of %(candidates)s); its other needs have no candidate the pledges "
                "can fund."
            )
            % numbers
        )
    elif reason == allocation.PLEDGES_USED:
        text += (
            " "
            + _("The pledges that may fund its other candidates are used in full: %(pledges)s.")
            % numbers
        )
    elif reason == allocation.INDIVISIBLE:
        text += (
            " "
            + _(
                "What is left of the pledges that may fund its other candidates is less than any "
                "of those projects costs (projects are funded all or nothing): %(pledges)s."
            )
            % numbers
        )
    elif reason == allocation.TRADE_OFF:
        text += " " + _(
            "Money could reach it, but only by taking it from floors further below theirs."
        )
    elif reason == allocation.IGNORED:
        text += " " + _("The greedy baseline does not look at the floors.")
    if entry.get("blocking"):
        text += " " + _(
            "Earmarks keep %(amount)s USD of pledges away from all of its candidates, the "
            "largest: %(pledges)s."
        ) % {
            "amount": _money(entry.get("blocking_usd")),
            "pledges": _pledges(entry["blocking"], report, labels),
        }
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
    # Proposals computed before floors could fall short: an unreachable floor emptied them.
    for c in [] if "shortfalls" in report else report.get("unreachable", []):
        out.append(
            _("No pledge can fund %(name)s: with a floor or minimum for it, no money can be given.")
            % {"name": labels.get(c["kind"], {}).get(c["key"], c["key"])}
        )
    return out


# The chart's box (SVG units): the side of the vertical axis keeps room for its figures. Its
# titles are HTML around it (shaped, wrapped and read like any text, at any width).
CHART_WIDTH, CHART_HEIGHT = 640, 260
AXIS_SIDE, FAR_SIDE, TOP, BOTTOM = 64, 24, 24, 30


def _levels_label(levels: list[float]) -> str:
    """The floor levels of points drawn at one place, as one label: "0.4" or "0.0–1.0"."""
    if len(levels) == 1:
        return _figure(levels[0], 1)
    return f"{_figure(min(levels), 1)}–{_figure(max(levels), 1)}"


def _curve(curve: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored trade-off curve as table rows and an SVG chart: priority-weighted needs met
    (vertical) against the regional groups' equity index (horizontal), one point per floor
    level, the greedy baseline as a separate mark.

    On a right-to-left page the chart is mirrored as the page is: the vertical axis on the
    right, the equity index growing to the left, so that it reads from the side the tables
    beside it read from; its figures stay written left to right, as numbers are."""
    if not curve or not curve.get("points"):
        return None
    points = curve["points"]
    rows = [
        {
            "level": _figure(p["level"], 2),
            "objective": _figure(p["objective"], 3),
            "total_usd": _figure(p["total_usd"], 2),
            "index_groups": _figure(p.get("equity_index_groups"), 3),
            "index_families": _figure(p.get("equity_index_families"), 3),
            "shortfalls": p.get("shortfalls", 0),
            "shortfall_usd": _figure(p.get("shortfall_usd", 0), 2),
        }
        for p in points
    ]
    greedy = curve.get("greedy")
    marks = [p for p in points if p.get("equity_index_groups") is not None]
    extra = [greedy] if greedy and greedy.get("equity_index_groups") is not None else []
    chart: SafeString | None = None
    if marks:
        rtl = is_rtl()
        xs = [float(p["equity_index_groups"]) for p in marks + extra]
        ys = [float(p["objective"]) for p in marks + extra]
        x_low, x_high = min([*xs, 1.0]) - 0.02, 1.0
        x_low = max(0.0, min(x_low, x_high - 0.1))
        y_high = max(ys) * 1.05 or 1.0
        y_low = max(0.0, min(ys) - (y_high - min(ys)) * 0.2)
        width = CHART_WIDTH - AXIS_SIDE - FAR_SIDE
        height = CHART_HEIGHT - TOP - BOTTOM
        axis = CHART_WIDTH - AXIS_SIDE if rtl else AXIS_SIDE  # where the vertical axis stands
        far = FAR_SIDE if rtl else CHART_WIDTH - FAR_SIDE
        bottom = CHART_HEIGHT - BOTTOM

        def at(p: dict[str, Any]) -> tuple[float, float]:
            along = width * (float(p["equity_index_groups"]) - x_low) / (x_high - x_low)
            rise = height * (float(p["objective"]) - y_low) / (y_high - y_low)
            return (round(axis - along if rtl else axis + along, 1), round(bottom - rise, 1))

        line = " ".join(f"{x},{y}" for x, y in (at(p) for p in marks))
        # Points at one place (floors that change nothing) share one label, not labels drawn
        # over each other.
        places: dict[tuple[float, float], list[float]] = {}
        for p in marks:
            places.setdefault(at(p), []).append(float(p["level"]))
        dots = format_html_join(
            "",
            '<circle cx="{}" cy="{}" r="4" fill="#005a9c"><title>{}</title></circle>',
            (
                (
                    *at(p),
                    _("Floors at %(level)s: %(needs)s needs met, equity index %(index)s")
                    % {
                        "level": _figure(p["level"], 2),
                        "needs": _figure(p["objective"], 1),
                        "index": _figure(p["equity_index_groups"], 3),
                    },
                )
                for p in marks
            ),
        )
        labels = format_html_join(
            "",
            '<text x="{}" y="{}" class="level" text-anchor="middle">{}</text>',
            ((x, y - 8, _levels_label(levels)) for (x, y), levels in places.items()),
        )
        baseline = format_html_join(
            "",
            '<rect x="{}" y="{}" width="8" height="8" fill="#b3261e"><title>{}</title></rect>',
            (
                (
                    at(g)[0] - 4,
                    at(g)[1] - 4,
                    _("Greedy baseline: %(needs)s needs met, equity index %(index)s")
                    % {
                        "needs": _figure(g["objective"], 1),
                        "index": _figure(g["equity_index_groups"], 3),
                    },
                )
                for g in extra
            ),
        )
        # Figures written left to right on either side ("start" is their left end): those of
        # the vertical axis outside it, those of the horizontal one inside its ends.
        outside, inside, beyond = ("start", "end", "start") if rtl else ("end", "start", "end")
        chart = format_html(
            '<svg dir="ltr" direction="ltr" role="img" aria-label="{label}" width="{w}" '
            'height="{h}" viewBox="0 0 {w} {h}" class="chart">'
            '<line x1="{axis}" y1="{b}" x2="{far}" y2="{b}" stroke="#555"/>'
            '<line x1="{axis}" y1="{top}" x2="{axis}" y2="{b}" stroke="#555"/>'
            '<text x="{axis}" y="{below}" class="tick" text-anchor="{inside}">{x_low}</text>'
            '<text x="{far}" y="{below}" class="tick" text-anchor="{beyond}">{x_high}</text>'
            '<text x="{tick_x}" y="{b}" class="tick" text-anchor="{outside}">{y_low}</text>'
            '<text x="{tick_x}" y="{top_tick}" class="tick" text-anchor="{outside}">{y_high}</text>'
            '<polyline points="{line}" fill="none" stroke="#005a9c" stroke-width="2"/>'
            "{dots}{labels}{baseline}</svg>",
            label=_("Trade-off between priority-weighted needs met and equity"),
            w=CHART_WIDTH,
            h=CHART_HEIGHT,
            axis=axis,
            far=far,
            b=bottom,
            top=TOP,
            top_tick=TOP + 4,
            below=bottom + 18,
            tick_x=axis + 6 if rtl else axis - 6,
            outside=outside,
            inside=inside,
            beyond=beyond,
            x_low=_figure(x_low, 2),
            x_high=_figure(x_high, 2),
            y_low=_figure(y_low, 0),
            y_high=_figure(y_high, 0),
            line=line,
            dots=dots,
            labels=labels,
            baseline=baseline,
        )
    chosen = curve.get("chosen") or {}
    return {
        "rows": rows,
        "chart": chart,
        "x_title": _("Equity index of the regional groups (1 = money in proportion to needs)"),
        "y_title": _("Priority-weighted needs met"),
        "seconds": _figure(curve.get("seconds", 0), 1),
        "greedy": None
        if not greedy
        else {
            "objective": _figure(greedy["objective"], 3),
            "total_usd": _figure(greedy["total_usd"], 2),
            "index_groups": _figure(greedy.get("equity_index_groups"), 3),
            "index_families": _figure(greedy.get("equity_index_families"), 3),
        },
        "chosen_group": _figure(chosen.get("equity_fraction_group", 0), 2),
        "chosen_family": _figure(chosen.get("equity_fraction_family", 0), 2),
    }


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
        "shortfalls": [describe_shortfall(e, report, labels) for e in report.get("shortfalls", [])],
        "infeasible": describe_infeasible(report, labels),
        "equity_index_groups": report.get("equity_index_groups"),
        "equity_index_families": report.get("equity_index_families"),
        "curve": _curve(report.get("curve")),
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
        "rates": [_stored_rate(rate) for rate in report.get("rates", [])],
        "on": _stored_date(report.get("on")),
    }


def _stored_date(value: Any) -> date | None:
    """A date a proposal's report stores as ISO text, back as a date (a page writes it in the
    reader's style; Django's ``date`` filter writes nothing for text)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _stored_rate(rate: dict[str, Any]) -> dict[str, Any]:
    """An exchange rate as a proposal's report stores it, its date and rate as values again."""
    try:
        per_usd: Any = Decimal(rate.get("per_usd", ""))
    except (ArithmeticError, TypeError):
        per_usd = rate.get("per_usd", "")
    return {**rate, "per_usd": per_usd, "valid_from": _stored_date(rate.get("valid_from"))}


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
            wanted = form.allocation_request()
            missing = allocation.missing_rate(on=wanted.on or date.today())
            if missing is not None:
                form.add_error("on", str(missing))
            else:
                # Solving may take a minute: a background job, its page shows the progress.
                job = allocation_start(request=wanted, user=request.user)
                return redirect(job.get_absolute_url())
    chosen = ids_from(request.GET.getlist("p"), limit=4)
    labels = _labels()
    shown = {p.pk: p for p in Proposal.objects.filter(pk__in=chosen)}
    views = [_view(shown[pk], labels) for pk in chosen if pk in shown]
    curve = next((v["curve"] for v in views if v["curve"]), None)
    latest = None
    if curve is None:
        stored = allocation.latest_tradeoff_curve()
        if stored is not None:
            latest = stored
            curve = _curve(Proposal.objects.get(pk=stored.proposal_id).report.get("curve"))
    earlier = Proposal.objects.select_related("created_by", "accepted_by")[:50]
    return render(
        request,
        "funding/allocation.html",
        {
            "form": form,
            "can_allocate": can_allocate,
            "views": views,
            "projects": _project_rows(views),
            "curve": curve,
            "latest_curve": latest,
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
