"""The report engine: a report is defined once (its parameters, the figures it computes from
the information base and the document it composes around them) and rendered to every format.

Adding a report is one module: subclass ``Report`` in an app's ``reports.py`` and decorate it
with ``@register``. The web screens, the ``infobase report`` command and the background jobs
all go through ``services.report_render``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from django import forms
from django.utils.functional import Promise

from infobase.reports.blocks import ReportDocument

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
