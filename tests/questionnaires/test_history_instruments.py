"""A questionnaire's instruments are kept in its history: an import keeps them with the version
it makes, and a save in the administration is one entry, with who and why, saying which were
added and which removed in the reader's language."""

from __future__ import annotations

import html
import importlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import translation
from simple_history.models import HistoricalRecords

from infobase.accounts.models import User
from infobase.core.history import history_of
from infobase.questionnaires.models import Questionnaire, ReportingCycle
from infobase.questionnaires.xlsform import import_xlsform
from infobase.reference.models import Instrument
from tests.conftest import client_for
from tests.questionnaires.test_xlsform import small_form

pytestmark = pytest.mark.django_db


def instrument(code: str) -> Instrument:
    return Instrument.objects.get(code=code)


def kept_instruments(questionnaire: Questionnaire) -> list[list[str]]:
    """The instruments each version of the questionnaire holds, newest first."""
    return [
        sorted(row.instrument.code for row in version.instruments.all())
        for version in questionnaire.history.all()  # type: ignore[attr-defined]
    ]


@pytest.fixture
def imported(tmp_path: Path) -> Questionnaire:
    cycle = ReportingCycle.objects.get_or_create(number=7, defaults={"name": "Cycle 7"})[0]
    return import_xlsform(
        small_form(tmp_path / "s.xlsx"),
        filename="s.xlsx",
        cycle=cycle,
        instruments=[instrument("untoc")],
    )


def test_an_imported_questionnaire_keeps_its_instruments_in_its_first_version(
    imported: Questionnaire,
) -> None:
    (created,) = history_of(imported)  # one version, not one more for its instruments
    assert (created.kind, created.reason) == ("+", "Imported from s.xlsx")
    assert kept_instruments(imported) == [["untoc"]]


def admin_form(questionnaire: Questionnaire, instruments: list[Instrument]) -> dict[str, object]:
    return {
        "cycle": questionnaire.cycle_id,
        "code": questionnaire.code,
        "title": json.dumps(questionnaire.title),
        "instruments": [i.pk for i in instruments],
        "status": questionnaire.status,
        "default_language": questionnaire.default_language,
        "languages": json.dumps(questionnaire.languages),
        "form_id": questionnaire.form_id,
        "version": questionnaire.version,
        "xlsform_settings": json.dumps(questionnaire.xlsform_settings),
        "source_filename": questionnaire.source_filename,
        "created_by": "",
    }


def test_an_admin_save_of_the_instruments_is_one_entry_with_who_and_why(
    imported: Questionnaire, secretariat: User
) -> None:
    url = reverse("admin:questionnaires_questionnaire_change", args=[imported.pk])
    tip, untoc = instrument("tip"), instrument("untoc")
    response = client_for(secretariat).post(url, admin_form(imported, [tip]))
    assert response.status_code == 302, response.content.decode()[:2000]
    change, _created = history_of(imported)
    assert (change.kind, change.who, change.reason) == (
        "~",
        "alice",
        "Changed in the administration",
    )
    assert [(c.field, c.summary) for c in change.changes] == [
        ("instruments", f"added {tip}; removed {untoc}")
    ]
    page = client_for(secretariat).get(
        reverse("history", args=["questionnaires.questionnaire", imported.pk]),
        HTTP_ACCEPT_LANGUAGE="ar",
    )
    with translation.override("ar"):
        words = f"إضافة: {tip}؛ إزالة: {untoc}"
    text = html.unescape(page.content.decode())
    assert words in text and "غُيِّر في صفحات الإدارة" in text


def test_an_admin_save_that_fails_keeps_no_version_and_leaves_the_record_as_it_was(
    imported: Questionnaire,
) -> None:
    from infobase.core.history import OneVersionAdmin

    class Refused(Exception):
        pass

    class Failing:
        def save_model(self, request: object, obj: object, form: object, change: bool) -> None:
            raise Refused

    class Admin(OneVersionAdmin, Failing):
        pass

    versions = imported.history.count()  # type: ignore[attr-defined]
    with pytest.raises(Refused):
        Admin().save_model(None, imported, SimpleNamespace(save_m2m=lambda: None), True)
    assert imported.history.count() == versions  # type: ignore[attr-defined]
    # The record's next save makes its version as any save does (no version skipped).
    assert not hasattr(imported, "skip_history_when_saving")
    imported.save()
    assert imported.history.count() == versions + 1  # type: ignore[attr-defined]


def test_versions_from_before_the_list_was_kept_hold_todays_instruments(
    imported: Questionnaire,
) -> None:
    imported.version = "2"
    imported.save()
    kept = HistoricalRecords.m2m_models[Questionnaire._meta.get_field("instruments")]
    kept.objects.all().delete()  # as before the migration: versions without their list
    migration = importlib.import_module(
        "infobase.questionnaires.migrations.0007_instruments_in_history"
    )
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    migration.keep_current_instruments(apps, editor)
    assert kept_instruments(imported) == [["untoc"], ["untoc"]]
    assert all(c.field != "instruments" for entry in history_of(imported) for c in entry.changes)


def test_a_revert_in_the_administration_is_one_entry_too(
    imported: Questionnaire, secretariat: User
) -> None:
    client = client_for(secretariat)
    tip, untoc = instrument("tip"), instrument("untoc")
    url = reverse("admin:questionnaires_questionnaire_change", args=[imported.pk])
    client.post(url, admin_form(imported, [tip]))
    first = imported.history.earliest()  # type: ignore[attr-defined]
    revert = reverse(
        "admin:questionnaires_questionnaire_simple_history", args=[imported.pk, first.history_id]
    )
    response = client.post(revert, admin_form(imported, [untoc]))
    assert response.status_code == 302, response.content.decode()[:2000]
    reverted, _changed, _created = history_of(imported)
    assert (reverted.who, reverted.reason) == ("alice", "Changed in the administration")
    assert [(c.field, c.summary) for c in reverted.changes] == [
        ("instruments", f"added {untoc}; removed {tip}")
    ]


def test_a_demo_questionnaire_holds_its_instruments_in_its_one_first_version(
    demo_loaded: None,
) -> None:
    from infobase.questionnaires.demo_data import INSTRUMENTS

    questionnaire = Questionnaire.objects.get(code="demo-cycle1-untoc")
    (created,) = history_of(questionnaire)  # not a second version for its instruments
    assert created.kind == "+"
    assert kept_instruments(questionnaire) == [sorted(INSTRUMENTS)]
