"""A derivation that fails halfway leaves no trace: not the rows written before the error (on
SQLite its statements stop at an error without undoing their first rows, and its writes are
made without a savepoint of their own), not the marker that keeps its writes out of the change
log, and the log itself as it was."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError

from infobase.needs import derivation
from infobase.needs.derivation import needs_derive
from infobase.needs.models import DerivationRunning, Need, SourceChange
from infobase.questionnaires.models import StatedNeed
from tests.needs.test_derivation import answers, art, world  # noqa: F401
from tests.needs.test_derivation_incremental import full_in_savepoint, outcome, register

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)


def test_a_run_stopped_by_a_constraint_halfway_through_a_statement_leaves_nothing(
    world: None,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    needs_derive(today=TODAY)
    # New keys of EGY and SEN, and a new answer for a key EGY has a need of already. Blind
    # to the needs there are, the run creates a need of every key in one statement, in the
    # order of the keys: EGY's 16/training breaks the unique key of the live needs, after the
    # row of at least one other key was written.
    egy = answers("EGY", [(6, "training"), (8, "legislative"), (16, "training")], cycle=3)
    answers("SEN", [(6, "technology")], cycle=3)
    assert Need.objects.filter(state=egy.state, article=art(16), kind="training").exists()
    before = register()
    logged = sorted(SourceChange.objects.values_list("origin", "row_key", "other_key"))
    with monkeypatch.context() as patched:
        patched.setattr(derivation, "_needs_of", lambda keys: [])
        with pytest.raises(IntegrityError):
            needs_derive(today=TODAY)
    assert register() == before
    assert sorted(SourceChange.objects.values_list("origin", "row_key", "other_key")) == logged
    assert not DerivationRunning.objects.exists()
    # Writes are logged again (no marker left), and the next run derives all of it.
    StatedNeed.objects.filter(assignment=egy, article=art(8)).update(confidential=True)
    assert SourceChange.objects.count() > len(logged)
    expected = full_in_savepoint()
    result = needs_derive(today=TODAY)
    assert result.mode == "incremental" and result.created == 3
    assert (outcome(result), register()) == expected


def test_postgresql_triggers_skip_the_derivations_writes_before_calling_their_function() -> None:
    """Their ``WHEN`` reads the transaction-local setting the derivation sets (migration 0008):
    a row the derivation writes no longer calls the function only to log nothing."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's triggers")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgname LIKE '%%_log_%%' AND NOT tgisinternal"
        )
        triggers = dict(cursor.fetchall())
    made = __import__("importlib").import_module("infobase.needs.migrations.0005_source_changes")
    assert set(triggers) == {name for name, *_rest in made._triggers()}
    for name, definition in triggers.items():
        assert "current_setting('infobase.quiet'::text, true)" in definition, name
