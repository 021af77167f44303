"""The analytical report on implementation (decision 2/6, para. (b)), per instrument and
reporting cycle: who was asked and who answered, the state of implementation article by
article, by regional group and by legal system, the challenges reported, the needs for
technical assistance, what changed since the previous cycle, and annex tables."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from infobase.core.collation import Key, collation_key
from infobase.core.i18n import list_separator
from infobase.needs.analytical import TOP_NEEDS, AnalyticalFigures, compute
from infobase.questionnaires.analytical import (
    FAMILIES,
    MIN_AGGREGATE,
    MIXED,
    NO_GROUP,
    REPORT_GROUPS,
    STATUSES,
)
from infobase.questionnaires.analytical import basis as reply_basis
from infobase.questionnaires.models import AssignmentStatus, ImplementationStatus, ReportingCycle
from infobase.reference.models import (
    Article,
    AssistanceKind,
    Instrument,
    LegalFamily,
    RegionalGroup,
)
from infobase.reports import numbers
from infobase.reports.blocks import (
    BarChart,
    Block,
    Column,
    Heading,
    HeatTable,
    MapArea,
    PageBreak,
    Paragraph,
    Quote,
    ReportDocument,
    Series,
    Table,
    WorldMap,
)
from infobase.reports.engine import Basis, Progress, Report, no_progress, register
from infobase.reports.params import DocumentParameters, conference_meta

STATUS_COLOURS = {"yes": "#2166ac", "partly": "#67a9cf", "no": "#ef8a62", "na": "#bababa"}
ANSWER_COLOURS = ("#2166ac", "#ef8a62")


class AnalyticalParameters(DocumentParameters):
    instrument = forms.ModelChoiceField(
        label=gettext_lazy("Instrument"),
        queryset=Instrument.objects.all(),
        to_field_name="code",
    )
    cycle = forms.IntegerField(label=gettext_lazy("Reporting cycle"), min_value=1)

    field_order = ["instrument", "cycle", "symbol", "date", "session", "agenda_item"]

    def clean_cycle(self) -> int:
        number = self.cleaned_data["cycle"]
        if not ReportingCycle.objects.filter(number=number).exists():
            raise forms.ValidationError(_("There is no reporting cycle %(n)s.") % {"n": number})
        return int(number)


def group_label(code: str) -> str:
    return (
        str(RegionalGroup(code).label) if code in RegionalGroup.values else _("No regional group")
    )


def family_label(code: str) -> str:
    if code == MIXED:
        return _("Mixed systems (two or more families)")
    return str(LegalFamily(code).label)


def status_label(code: str) -> str:
    return str(ImplementationStatus(code).label)


def kind_label(code: str) -> str:
    return str(AssistanceKind(code).label) if code in AssistanceKind.values else code


def article_label(article: Article) -> str:
    title = str(article.translated("title"))
    return _("Article %(number)s (%(title)s)") % {"number": article.number, "title": title}


def article_short(article: Article) -> str:
    return _("Art. %(number)s") % {"number": article.number}


@register
class AnalyticalReport(Report):
    slug = "analytical"
    title = gettext_lazy("Analytical report on implementation")
    description = gettext_lazy(
        "States' answers to the implementation questionnaire of an instrument and cycle, the "
        "requests for technical assistance and the lessons learned, analysed for the Conference."
    )
    sources = (
        "needs.assistancerequest",
        "needs.lessonlearned",
        "needs.lessonlearned_articles",
        "needs.need",
        "needs.needevidence",
        "needs.requestline",
        "questionnaires.answer",
        "questionnaires.articleimplementation",
        "questionnaires.assignment",
        "questionnaires.questionnaire",
        "questionnaires.questionnaire_instruments",
        "questionnaires.reportingcycle",
        "questionnaires.statedneed",
        "reference.article",
        "reference.instrument",
        "reference.state",
    )
    Parameters = AnalyticalParameters

    def compute(self, params: Mapping[str, Any], progress: Progress = no_progress) -> Any:
        instrument = Instrument.objects.get(code=params["instrument"])
        return compute(instrument=instrument, cycle=int(params["cycle"]), progress=progress)

    def to_json(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        out = super().to_json(cleaned)
        out["instrument"] = cleaned["instrument"].code
        return out

    def compose(self, figures: Any, params: Mapping[str, Any], lang: str) -> ReportDocument:
        return Composer(figures, params, lang).document()

    def basis(self, params: Mapping[str, Any]) -> Basis:
        instrument = Instrument.objects.get(code=params["instrument"])
        response = reply_basis(instrument=instrument, cycle=int(params["cycle"]))
        text = ngettext(
            "The report will rest on the validated answers of %(validated)s of the "
            "%(asked)s State asked to answer (%(answered)s answered).",
            "The report will rest on the validated answers of %(validated)s of the "
            "%(asked)s States asked to answer (%(answered)s answered).",
            response.asked,
        ) % {
            "validated": response.validated,
            "asked": response.asked,
            "answered": response.answered,
        }
        # Thin: fewer validated answers than a figure needs, or fewer than half of those asked.
        thin = response.validated < MIN_AGGREGATE or response.validated * 2 < response.asked
        return Basis(text=text, thin=thin)

    def methodology_heading(self, figures: Any) -> str:
        if figures.lessons:
            return _("Annex IV. Methodology")
        return _("Annex III. Methodology")

    def methodology(self, figures: Any, params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        return (
            (
                _("States asked"),
                _(
                    "The States parties to the instrument and the signatory States at the date "
                    "the questionnaire was dispatched to them. A State asked by two "
                    "questionnaires of the cycle counts once, with its most advanced reply."
                ),
            ),
            (
                _("Answered"),
                _(
                    "A State has answered when it has submitted its answers, whether they are "
                    "validated, returned for clarification or awaiting validation."
                ),
            ),
            (
                _("Validated"),
                _(
                    "Every figure on implementation, challenges and needs counts only answers "
                    "validated by the Secretariat; answers not yet validated are counted in "
                    "no figure other than the number of States that answered."
                ),
            ),
            (
                _("States reporting"),
                _(
                    "The States whose validated answer gives a status of implementation for "
                    "the article, confidential answers excepted."
                ),
            ),
            (
                _("Share implemented"),
                _(
                    "The States reporting the article as implemented, as a share of the States "
                    "reporting on it for which it applies: answers 'not applicable' are left "
                    "out of the denominator. The stacked chart shows every answer, 'not "
                    "applicable' included."
                ),
            ),
            (
                _("Confidential answers"),
                _(
                    "An answer that a State asked to keep confidential is counted in no "
                    "figure of the report, of its annexes or of its files, whatever the "
                    "number of such answers. Annex II names the States concerned without "
                    "their answer. As every figure counts public answers only, no figure, "
                    "alone or combined with others or with the annexes, reveals a "
                    "confidential answer."
                ),
            ),
            (
                _("Withheld figures"),
                _(
                    "A share of States that would rest on fewer than three States is withheld "
                    "(—): so few answers say little about implementation. It hides no answer: "
                    "the annexes give each State's reply and its public answers."
                ),
            ),
            (
                _("Regional groups"),
                _(
                    "States that belong to no regional group are shown on a row of their own, "
                    "'No regional group', so that the rows of a table by regional group add "
                    "up to its total."
                ),
            ),
            (
                _("Legal systems"),
                _(
                    "A State whose legal system draws on several families is counted in each "
                    "of them and in the mixed systems, so those rows do not add up to a total."
                ),
            ),
            (
                _("Needs"),
                _(
                    "The open needs of the consolidated register with public evidence in the "
                    "validated answers of the cycle or in requests for technical assistance "
                    "received by the end of the cycle, whenever they were received; needs "
                    "resting only on confidential information are not counted."
                ),
            ),
            (
                _("Most common needs"),
                _(
                    "The ten needs (article and kind of assistance) stated by the most States, "
                    "and every need tied with the tenth: the list may be longer than ten."
                ),
            ),
            (
                _("Changes"),
                _(
                    "Progress and regress compare the same State's validated, public answers "
                    "on the article in both cycles."
                ),
            ),
            (
                _("Rounding"),
                _(
                    "Numbers of States are exact. Shares are rounded half up to one decimal, "
                    "so the shares of a row may add up to slightly more or less than 100 per "
                    "cent."
                ),
            ),
        )


class Composer:
    def __init__(self, figures: AnalyticalFigures, params: Mapping[str, Any], lang: str) -> None:
        self.f = figures
        self.params = params
        self.lang = lang
        self.instrument = Instrument.objects.get(pk=figures.instrument_id)
        self.blocks: list[Block] = []
        # The row "No regional group" appears wherever such States are counted.
        self.groups = tuple(
            g
            for g in REPORT_GROUPS
            if g != NO_GROUP
            or figures.response_by_group[NO_GROUP].asked
            or figures.needs_by_group[NO_GROUP][0]
        )

    def n(self, value: int | None) -> str:
        return numbers.integer(value, self.lang)

    def pct(self, value: float | Decimal | None) -> str:
        return numbers.percent(value, self.lang)

    def state_name(self, state_id: int) -> str:
        return str(self.f.states[state_id].translated("name", self.lang))

    def state_order(self, state_id: int) -> Key:
        return collation_key(self.state_name(state_id), self.lang)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    # --- the document -----------------------------------------------------------------------

    def document(self) -> ReportDocument:

        instrument = str(self.instrument.translated("short_name", self.lang))
        meta = conference_meta(
            self.params,
            title=_("Analytical report on the implementation of the %(instrument)s")
            % {"instrument": instrument},
            subtitle=_("Reporting cycle %(cycle)s") % {"cycle": self.f.cycle},
            note=_("Report of the Secretariat"),
        )
        self.introduction()
        self.replies()
        self.implementation()
        self.challenges()
        self.needs()
        self.changes()
        self.annexes()
        return ReportDocument(meta=meta, lang=self.lang, blocks=tuple(self.blocks))

    def introduction(self) -> None:
        f = self.f
        self.add(
            Heading(_("Introduction")),
            Paragraph(
                _(
                    "In its decision 2/6, the Conference of the Parties invited the Secretariat "
                    "to continue developing an information base for assessing the challenges "
                    "faced in implementing the Convention and its Protocols, through analytical "
                    "reports on implementation based on the information provided by States "
                    "parties and signatory States in response to the questionnaires, on the "
                    "requests for technical assistance received and on the lessons learned from "
                    "technical assistance already provided."
                )
            ),
            Paragraph(
                _("The present report covers the %(instrument)s and reporting cycle %(cycle)s.")
                % {
                    "instrument": self.instrument.translated("short_name", self.lang),
                    "cycle": f.cycle,
                }
                + " "
                + ngettext(
                    "Its figures rest on the validated answers of %(validated)s of the "
                    "%(asked)s State asked to answer; %(answered)s answered, and answers not "
                    "yet validated are not counted.",
                    "Its figures rest on the validated answers of %(validated)s of the "
                    "%(asked)s States asked to answer; %(answered)s answered, and answers not "
                    "yet validated are not counted.",
                    f.response_total.asked,
                )
                % {
                    "validated": self.n(f.response_total.validated),
                    "asked": self.n(f.response_total.asked),
                    "answered": self.n(f.response_total.answered),
                }
                + " "
                + ngettext(
                    "%(requests)s request for technical assistance was received during the cycle.",
                    "%(requests)s requests for technical assistance were received during the "
                    "cycle.",
                    f.requests_total,
                )
                % {"requests": self.n(f.requests_total)}
                + " "
                + ngettext(
                    "%(lessons)s lesson learned is recorded in the information base.",
                    "%(lessons)s lessons learned are recorded in the information base.",
                    len(f.lessons),
                )
                % {"lessons": self.n(len(f.lessons))},
                notes=(
                    _(
                        "Figures count only answers validated by the Secretariat. No share is "
                        "given of fewer than three States, and answers a State asked to keep "
                        "confidential are counted in no figure (see the methodology annex)."
                    ),
                ),
            ),
        )

    def replies(self) -> None:
        f = self.f
        total = f.response_total
        self.add(
            Heading(_("States asked and States that answered")),
            Paragraph(
                _(
                    "The questionnaire was sent to %(asked)s States; %(answered)s answered "
                    "(%(rate)s), and the answers of %(validated)s were validated."
                )
                % {
                    "asked": self.n(total.asked),
                    "answered": self.n(total.answered),
                    "rate": self.pct(total.rate),
                    "validated": self.n(total.validated),
                }
            ),
        )
        rows: list[tuple[Any, ...]] = [
            (group_label(g), r.asked, r.answered, r.rate)
            for g in self.groups
            if (r := f.response_by_group[g]).asked
        ]
        rows.append((_("Total"), total.asked, total.answered, total.rate))
        columns = (
            Column(_("Regional group")),
            Column(_("States asked"), "int"),
            Column(_("States that answered"), "int"),
            Column(_("Response rate"), "pct"),
        )
        self.add(
            Table(
                _("Response by regional group"),
                columns,
                tuple(rows),
                sheet=_("Response by group"),
                total_row=True,
            ),
            BarChart(
                _("Response rate by regional group"),
                tuple(group_label(g) for g in self.groups if f.response_by_group[g].asked),
                (
                    Series(
                        _("Response rate"),
                        tuple(
                            f.response_by_group[g].rate or 0
                            for g in self.groups
                            if f.response_by_group[g].asked
                        ),
                        ANSWER_COLOURS[0],
                    ),
                ),
                percent=True,
                sheet=_("Chart response"),
            ),
        )
        family_rows = tuple(
            (family_label(code), r.asked, r.answered, r.rate)
            for code in FAMILIES
            if (r := f.response_by_family[code]).asked
        )
        self.add(
            Table(
                _("Response by legal system"),
                (Column(_("Legal system")), *columns[1:]),
                family_rows,
                sheet=_("Response by legal system"),
                notes=(
                    _(
                        "A State whose legal system draws on several families is counted in "
                        "each of them and in the mixed systems."
                    ),
                ),
            )
        )

    def implementation(self) -> None:
        f = self.f
        self.add(Heading(_("State of implementation")))
        if not f.articles:
            self.add(Paragraph(_("No validated answer on implementation is available yet.")))
            return
        shown = [a for a in f.articles if f.status_counts[a.pk]["yes"] is not None]
        ranked = sorted(
            (a for a in shown if f.implemented[a.pk].percent is not None),
            key=lambda a: (-(f.implemented[a.pk].percent or 0), a.number),
        )
        if ranked:
            top, low = ranked[0], ranked[-1]
            self.add(
                Paragraph(
                    _(
                        "Implementation is most often reported for %(top)s (%(top_share)s of "
                        "the States reporting on it for which it applies) and least often for "
                        "%(low)s (%(low_share)s)."
                    )
                    % {
                        "top": article_label(top),
                        "top_share": self.pct(f.implemented[top.pk].percent),
                        "low": article_label(low),
                        "low_share": self.pct(f.implemented[low.pk].percent),
                    }
                )
            )
        self.add(Heading(_("Article by article"), 2))
        rows = []
        for article in f.articles:
            counts = f.status_counts[article.pk]
            rows.append(
                (
                    article_label(article),
                    f.reporting[article.pk] if counts["yes"] is not None else None,
                    *(counts[s] for s in STATUSES),
                )
            )
        self.add(
            Table(
                _("Implementation reported, by article (number of States)"),
                (
                    Column(_("Article")),
                    Column(_("States reporting"), "int"),
                    *(Column(status_label(s), "int") for s in STATUSES),
                ),
                tuple(rows),
                sheet=_("Implementation by article"),
                notes=(
                    _("—: fewer than three States reported; the figure is withheld."),
                    _("Confidential answers are counted in no figure (see the methodology annex)."),
                ),
            ),
            BarChart(
                _("Implementation reported, by article (share of States reporting)"),
                tuple(article_short(a) for a in shown),
                tuple(
                    Series(
                        status_label(s),
                        tuple(
                            float(
                                numbers.share(f.status_counts[a.pk][s] or 0, f.reporting[a.pk]) or 0
                            )
                            for a in shown
                        ),
                        STATUS_COLOURS[s],
                    )
                    for s in STATUSES
                ),
                stacked=True,
                percent=True,
                sheet=_("Chart implementation"),
            ),
        )
        self.add(
            Heading(_("By regional group"), 2),
            HeatTable(
                _("Share of States reporting the article as implemented, by regional group"),
                tuple(article_short(a) for a in f.articles),
                tuple(group_label(g) for g in self.groups),
                tuple(
                    tuple(f.implemented_by_group[(a.pk, g)].percent for g in self.groups)
                    for a in f.articles
                ),
                notes=(
                    _(
                        "—: fewer than three States of the group reported on the article for "
                        "which it applies."
                    ),
                ),
                sheet=_("Implemented by group"),
            ),
            Heading(_("By legal system"), 2),
            HeatTable(
                _("Share of States reporting the article as implemented, by legal system"),
                tuple(article_short(a) for a in f.articles),
                tuple(family_label(c) for c in FAMILIES),
                tuple(
                    tuple(f.implemented_by_family[(a.pk, c)].percent for c in FAMILIES)
                    for a in f.articles
                ),
                notes=(
                    _("—: fewer than three States of the legal system reported on the article."),
                ),
                sheet=_("Implemented by legal system"),
            ),
        )

    def challenges(self) -> None:
        f = self.f
        self.add(Heading(_("Challenges reported")))
        rows = tuple(
            (
                article_label(a),
                f.reporting[a.pk] if f.challenges[a.pk] is not None else None,
                f.challenges[a.pk],
            )
            for a in f.articles
        )
        self.add(
            Paragraph(
                _(
                    "States describe in their own words the challenges they meet in implementing "
                    "each article. The table counts the States that reported a challenge; a few "
                    "of their statements follow, in the language in which they were made, from "
                    "answers that are not confidential."
                )
            ),
            Table(
                _("States reporting challenges, by article"),
                (
                    Column(_("Article")),
                    Column(_("States reporting"), "int"),
                    Column(_("States reporting challenges"), "int"),
                ),
                rows,
                sheet=_("Challenges"),
            ),
        )
        articles = {a.pk: a for a in f.articles}
        for article_id, state_id, words in f.quotes:
            self.add(
                Quote(
                    words,
                    _("%(state)s, on %(article)s")
                    % {
                        "state": self.state_name(state_id),
                        "article": article_short(articles[article_id]),
                    },
                )
            )

    def needs(self) -> None:
        f = self.f
        self.add(
            Heading(_("Needs for technical assistance")),
            Paragraph(
                ngettext(
                    "For this cycle, %(needs)s open need of the consolidated register for "
                    "technical assistance under the %(instrument)s, of %(states)s States, rests "
                    "on public information: the validated answers of the cycle or requests "
                    "received by its end.",
                    "For this cycle, %(needs)s open needs of the consolidated register for "
                    "technical assistance under the %(instrument)s, of %(states)s States, rest "
                    "on public information: the validated answers of the cycle or requests "
                    "received by its end.",
                    f.needs_total,
                )
                % {
                    "needs": self.n(f.needs_total),
                    "instrument": self.instrument.translated("short_name", self.lang),
                    "states": self.n(f.needs_states),
                }
                + " "
                + ngettext(
                    "%(count)s of them rests on the validated answers of the cycle.",
                    "%(count)s of them rest on the validated answers of the cycle.",
                    f.needs_from_answers,
                )
                % {"count": self.n(f.needs_from_answers)}
                + " "
                + (
                    ngettext(
                        "%(count)s rests on %(requests)s requests for technical assistance "
                        "received by the end of the cycle, %(in_cycle)s of them during the "
                        "cycle and the others earlier.",
                        "%(count)s rest on %(requests)s requests for technical assistance "
                        "received by the end of the cycle, %(in_cycle)s of them during the "
                        "cycle and the others earlier.",
                        f.needs_from_requests,
                    )
                    % {
                        "count": self.n(f.needs_from_requests),
                        "requests": self.n(f.requests_behind_needs),
                        "in_cycle": self.n(f.requests_behind_in_cycle),
                    }
                    if f.needs_from_requests
                    else _("None rests on a request for technical assistance.")
                ),
                notes=(
                    _(
                        "A need may rest on both an answer and a request; it is counted once "
                        "in the total."
                    ),
                    # One name, one figure: the register's own count is another figure.
                    _(
                        "The register's own pages, files and API count every open need their "
                        "reader may see, whatever the cycle of its evidence: their figure may be "
                        "larger."
                    ),
                ),
            ),
        )
        kinds = sorted(f.needs_by_kind.items(), key=lambda kv: (-kv[1][0], kv[0]))
        self.add(
            BarChart(
                _("Needs by kind of assistance"),
                tuple(kind_label(k) for k, _v in kinds),
                (Series(_("Needs"), tuple(v[0] for _k, v in kinds), ANSWER_COLOURS[0]),),
                sheet=_("Chart needs by kind"),
            ),
            Table(
                _("Needs by regional group"),
                (
                    Column(_("Regional group")),
                    Column(_("Needs"), "int"),
                    Column(_("States"), "int"),
                ),
                (
                    *((group_label(g), *f.needs_by_group[g]) for g in self.groups),
                    (_("Total"), f.needs_total, f.needs_states),
                ),
                sheet=_("Needs by group"),
                total_row=True,
            ),
        )
        articles = {
            a.pk: a for a in Article.objects.filter(pk__in={a for a, _k, _n in f.top_needs})
        }
        if f.top_needs:
            self.add(
                Heading(_("The most common needs"), 2),
                Table(
                    _("The most common needs (article and kind of assistance)"),
                    (
                        Column(_("Article")),
                        Column(_("Kind of assistance")),
                        Column(_("States"), "int"),
                    ),
                    tuple(
                        (article_label(articles[a]), kind_label(k), n) for a, k, n in f.top_needs
                    ),
                    sheet=_("Most common needs"),
                    notes=(
                        ngettext(
                            "The %(count)s need stated by the most States, and every need "
                            "tied with the last of them.",
                            "The %(count)s needs stated by the most States, and every need "
                            "tied with the last of them.",
                            TOP_NEEDS,
                        )
                        % {"count": TOP_NEEDS},
                    ),
                ),
            )
        areas = tuple(
            MapArea(
                iso3=s.iso3,
                m49=s.m49,
                name=self.state_name(pk),
                value=f.needs_per_state.get(pk, 0),
                label=self.n(f.needs_per_state.get(pk, 0)),
            )
            for pk, s in sorted(f.states.items())
        )
        self.add(
            WorldMap(
                _("Open needs for technical assistance by State"),
                areas,
                notes=(
                    _(
                        "States asked to answer the questionnaire; needs that rest only on "
                        "confidential information are not counted."
                    ),
                ),
                sheet=_("Map needs"),
            )
        )

    def changes(self) -> None:
        f = self.f
        self.add(Heading(_("Changes since the previous cycle")))
        if f.previous_cycle is None or f.previous_response is None:
            self.add(Paragraph(_("There is no previous cycle to compare with.")))
            return
        self.add(
            Paragraph(
                _(
                    "In cycle %(previous)s, %(answered)s of %(asked)s States answered "
                    "(%(rate)s); in cycle %(cycle)s, %(now_answered)s of %(now_asked)s "
                    "(%(now_rate)s)."
                )
                % {
                    "previous": f.previous_cycle,
                    "answered": self.n(f.previous_response.answered),
                    "asked": self.n(f.previous_response.asked),
                    "rate": self.pct(f.previous_response.rate),
                    "cycle": f.cycle,
                    "now_answered": self.n(f.response_total.answered),
                    "now_asked": self.n(f.response_total.asked),
                    "now_rate": self.pct(f.response_total.rate),
                }
            )
        )
        rows = []
        for a in f.articles:
            before = f.previous_implemented.get(a.pk)
            now = f.implemented[a.pk].percent
            improved, worsened = f.changes.get(a.pk, (None, None))
            rows.append(
                (
                    article_label(a),
                    before.percent if before else None,
                    now,
                    improved,
                    worsened,
                )
            )
        self.add(
            Table(
                _("Share of States reporting implementation, and States whose status changed"),
                (
                    Column(_("Article")),
                    Column(_("Cycle %(n)s") % {"n": f.previous_cycle}, "pct"),
                    Column(_("Cycle %(n)s") % {"n": f.cycle}, "pct"),
                    Column(_("States reporting progress"), "int"),
                    Column(_("States reporting less implementation"), "int"),
                ),
                tuple(rows),
                sheet=_("Changes"),
                notes=(_("Progress and regress compare the same State's answers in both cycles."),),
            )
        )

    def annexes(self) -> None:
        f = self.f
        self.add(PageBreak(), Heading(_("Annex I. States asked and their replies"), numbered=False))
        labels = dict(AssignmentStatus.choices)
        rows = tuple(
            (
                self.state_name(r.state_id),
                group_label(f.states[r.state_id].regional_group),
                list_separator().join(
                    family_label(c)
                    for c in FAMILIES
                    if c != MIXED and getattr(f.states[r.state_id], f"legal_{c}")
                ),
                str(labels[r.status]),
            )
            for r in sorted(f.replies, key=lambda r: self.state_order(r.state_id))
        )
        self.add(
            Table(
                _("States asked to answer and the status of their replies"),
                (
                    Column(_("State")),
                    Column(_("Regional group")),
                    Column(_("Legal system")),
                    Column(_("Reply")),
                ),
                rows,
                sheet=_("Annex I States"),
            )
        )
        self.add(Heading(_("Annex II. Implementation reported by each State"), numbered=False))
        codes = {
            "yes": _("Yes"),
            "partly": _("Partly"),
            "no": _("No"),
            "na": _("N/A"),
        }
        by_state: dict[int, dict[int, str]] = {}
        for item in f.matrix:
            by_state.setdefault(item.state_id, {})[item.article_id] = (
                _("Confidential") if item.confidential else codes.get(item.status, "")
            )
        matrix_rows: tuple[tuple[str, ...], ...] = tuple(
            (self.state_name(state_id), *(statuses.get(a.pk, "") for a in f.articles))
            for state_id, statuses in sorted(
                by_state.items(), key=lambda kv: self.state_order(kv[0])
            )
        )
        self.add(
            Table(
                _("Status of implementation reported by each State, by article"),
                (Column(_("State")), *(Column(str(a.number)) for a in f.articles)),
                matrix_rows,
                sheet=_("Annex II by State"),
                notes=(
                    _(
                        "Confidential: the State asked that its answer not be published; it "
                        "is counted in no figure of the report."
                    ),
                ),
            )
        )
        if f.lessons:
            self.add(
                Heading(_("Annex III. Lessons learned considered"), numbered=False),
                Table(
                    _("Lessons learned from technical assistance on the instrument"),
                    (Column(_("Lesson learned")),),
                    tuple((title,) for _pk, title in f.lessons),
                    sheet=_("Annex III Lessons"),
                ),
            )
