"""The report engine: a report is defined once (its parameters, the figures it computes from
the information base and the document it composes around them) and rendered to every format.

Adding a report is one module: subclass ``Report`` in an app's ``reports.py`` and decorate it
with ``@register``. The web screens, the ``infobase report`` command and the background jobs
all go through ``services.report_render``.

What every report gets from the engine (``Report.document``): tables, charts and maps without a
figure are left out, each replaced by one sentence saying why; the pairs returned by
``methodology()`` become the last chapter, the methodology annex, in every format. A report
may also say what it will rest on (``basis()``): the request form and the command show it,
and ask for a confirmation when it is thin.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from infobase.reports.blocks import (
    BarChart,
    Block,
    Definitions,
    Heading,
    HeatTable,
    PageBreak,
    Paragraph,
    ReportDocument,
    Table,
    WorldMap,
)

FORMATS = ("html", "pdf", "docx", "xlsx")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# progress(fraction 0–1, what is being done): reports call it while computing.
Progress = Callable[[float, str], None]


def no_progress(_fraction: float, _step: str) -> None:
    return None


@dataclass(frozen=True)
class Basis:
    """What a report will rest on, said before it is produced ("1 of 168 answers validated").
    ``thin``: so little that whoever asks for the report must confirm they want it."""

    text: str
    thin: bool = False


class Report(ABC):
    """One report. ``Parameters`` is a form: the web screen shows it, the command line builds
    its options from it (``--instrument untoc`` for the field ``instrument``), and both clean
    their input through it."""

    slug: ClassVar[str]
    title: ClassVar[str | Promise]
    description: ClassVar[str | Promise] = ""
    # Models whose changes make a cached report stale ("app_label.model").
    sources: ClassVar[tuple[str, ...]] = ()
    Parameters: ClassVar[type[forms.Form]]

    def clean(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Validated parameters as plain JSON values; raises ``forms.ValidationError``."""
        # Options left out take the field's initial value (a period's usual start, say).
        defaults = {
            name: field.initial
            for name, field in self.Parameters.base_fields.items()
            if field.initial is not None and not callable(field.initial)
        }
        form = self.Parameters(data={**defaults, **dict(data)})
        if not form.is_valid():
            raise forms.ValidationError(
                [
                    f"{name}: {' '.join(str(e) for e in errors)}"
                    for name, errors in form.errors.items()
                ]
            )
        return self.to_json(form.cleaned_data)

    def to_json(self, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in cleaned.items():
            if hasattr(value, "isoformat"):
                out[key] = value.isoformat()
            elif hasattr(value, "pk"):
                out[key] = value.pk
            else:
                out[key] = value
        return out

    @abstractmethod
    def compute(self, params: Mapping[str, Any], progress: Progress = no_progress) -> Any:
        """The figures: language-independent, deterministic for the same data."""

    @abstractmethod
    def compose(self, figures: Any, params: Mapping[str, Any], lang: str) -> ReportDocument:
        """The document in ``lang`` (called inside ``language(lang)``)."""

    def basis(self, params: Mapping[str, Any]) -> Basis | None:
        """What the report will rest on, for the request form and the command (in the active
        language); None: nothing to say."""
        return None

    def methodology(self, figures: Any, params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """The rules behind the figures as (term, definition) pairs, in the active language;
        the engine adds them to the end of the document as its methodology annex."""
        return ()

    def methodology_heading(self, figures: Any) -> str:
        """The heading of the methodology annex (a report with numbered annexes numbers it)."""
        return _("Annex. Methodology")

    def document(self, figures: Any, params: Mapping[str, Any], lang: str) -> ReportDocument:
        """The finished document: composed, empty blocks left out with a sentence saying
        why, and the methodology annex (called inside ``language(lang)``)."""
        return finish(
            self.compose(figures, params, lang),
            self.methodology(figures, params),
            heading=self.methodology_heading(figures),
        )


def is_empty(block: Block) -> bool:
    """A table, chart or map with no figure to show."""
    if isinstance(block, Table):
        numeric = [i for i, c in enumerate(block.columns) if c.kind != "text"]
        if not block.rows:
            return True
        return bool(numeric) and all(row[i] is None for row in block.rows for i in numeric)
    if isinstance(block, BarChart):
        return not block.categories or all(not v for series in block.series for v in series.values)
    if isinstance(block, HeatTable):
        return all(v is None for row in block.values for v in row)
    if isinstance(block, WorldMap):
        return all(not area.value for area in block.areas)
    return False


def left_out(block: Table | BarChart | HeatTable | WorldMap) -> Paragraph:
    if isinstance(block, Table) and block.rows:
        why = _(
            "%(title)s: left out, because every figure of it is withheld (fewer than three States)."
        )
    else:
        why = _("%(title)s: left out, because there is no figure to show.")
    return Paragraph(why % {"title": block.title}, numbered=False, left_out=True)


def finish(
    document: ReportDocument,
    methodology: tuple[tuple[str, str], ...] = (),
    *,
    heading: str = "",
) -> ReportDocument:
    """Drop empty tables, charts and maps (one sentence says why) and add the methodology
    annex after the last chapter, unnumbered as UN annexes are."""
    blocks: list[Block] = []
    for block in document.blocks:
        if isinstance(block, Table | BarChart | HeatTable | WorldMap) and is_empty(block):
            blocks.append(left_out(block))
        else:
            blocks.append(block)
    if methodology:
        blocks.extend(
            (
                PageBreak(),
                Heading(heading or _("Annex. Methodology"), numbered=False),
                Definitions(
                    _("Definitions and rules behind the figures"),
                    tuple(methodology),
                    sheet=_("Methodology"),
                ),
            )
        )
    return replace(document, blocks=tuple(blocks))


_REGISTRY: dict[str, Report] = {}


def register(cls: type[Report]) -> type[Report]:
    if cls.slug in _REGISTRY:
        raise ValueError(f"report {cls.slug!r} is registered twice")
    _REGISTRY[cls.slug] = cls()
    return cls


def get(slug: str) -> Report:
    return _REGISTRY[slug]


def all_reports() -> list[Report]:
    return [_REGISTRY[slug] for slug in sorted(_REGISTRY)]
