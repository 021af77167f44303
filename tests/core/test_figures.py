"""Kept figures (``core.figures.kept``): computed again whenever the data, the language, the
parameters, the code or the reference data change; otherwise read from where they were kept."""

from __future__ import annotations

import pytest
from django.utils import translation

from infobase.core import figures
from infobase.reference.loaders.reference import load_reference
from infobase.reference.models import Organization

pytestmark = pytest.mark.django_db

SOURCES = ("reference.Organization",)


def _counted() -> tuple[list[int], object]:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return Organization.objects.count()

    return calls, compute


def _ask(compute: object, **params: object) -> int:
    return figures.kept(name="test", params=params, sources=SOURCES, compute=compute)  # type: ignore[arg-type]


def test_figures_are_computed_once_per_state_of_their_sources_language_and_parameters() -> None:
    calls, compute = _counted()
    first = _ask(compute)
    assert _ask(compute) == first and len(calls) == 1
    with translation.override("ar"):
        _ask(compute)
    _ask(compute, day="2026-06-01")
    assert len(calls) == 3
    Organization.objects.create(code="kept-test", name_en="Kept test", kind="international")
    assert _ask(compute) == first + 1 and len(calls) == 4


def test_a_change_in_place_with_history_is_seen() -> None:
    calls, compute = _counted()
    _ask(compute)
    organization = Organization.objects.order_by("pk").first()
    assert organization is not None
    organization.name_en = "Renamed"
    organization.save()  # the same count and keys, a new history entry
    _ask(compute)
    assert len(calls) == 2


def test_a_new_release_or_a_reference_load_computes_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls, compute = _counted()
    _ask(compute)
    monkeypatch.setattr(figures, "_code_stamp", lambda: "another release")
    _ask(compute)
    assert len(calls) == 2
    _ask(compute)
    load_reference()  # articles' titles may have changed in place: nothing kept survives
    _ask(compute)
    assert len(calls) == 3


def test_another_process_reads_what_one_computed() -> None:
    calls, compute = _counted()
    _ask(compute)
    figures.clear(shared=False)  # this process's memory only
    _ask(compute)
    assert len(calls) == 1
    figures.clear()
    _ask(compute)
    assert len(calls) == 2
