"""The demo data set the test fixtures load from the run's recording is the one generate() makes."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from infobase.accounts.models import User
from infobase.demo.services import DEMO_PASSWORD, generate
from tests import demo_cache

pytestmark = pytest.mark.django_db

SALTED = "md5$"  # the tests' password hasher; the salt is random
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# A moment written as text inside a JSON value (the score table's "as of").
ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")


# Batch computations' stored states are machine state, not data: they were seen to list rows in
# the order PostgreSQL returns unordered reads in (the physical order they were written in, which
# loading changes). The needs derivation now stores its rows in key order; the mask stays for
# the states that may not (a different state only makes the next run a full one).
UNORDERED = {"needs.DerivationState": ("fingerprint", "data")}


def normalised(state: dict[str, demo_cache.Rows], now: datetime) -> dict[str, list[str]]:
    """Each table's rows, sorted, with what differs from one generate() to the next made
    equal: the moment it ran (timestamps within an hour of ``now``), password salts and random
    UUIDs (keys numbered in the order of their rows' other values wherever they appear)."""
    names: dict[str, str] = {}
    for label, rows in sorted(state.items()):
        model = apps.get_model(label)
        if isinstance(model._meta.pk, models.UUIDField):
            ordered = sorted(rows.values(), key=lambda r: repr(_masked(r, now, {})))
            at = [f.attname for f in demo_cache._fields(model)].index(model._meta.pk.attname)
            for n, row in enumerate(ordered):
                names[str(row[at])] = f"<{label}#{n}>"
    tables = {}
    for label, rows in state.items():
        hidden: list[int] = []
        if connection.vendor == "postgresql" and label in UNORDERED:
            attnames = [f.attname for f in demo_cache._fields(apps.get_model(label))]
            hidden = [attnames.index(name) for name in UNORDERED[label]]
        tables[label] = sorted(
            repr(_masked(_hide(row, hidden), now, names)) for row in rows.values()
        )
    return tables


def _hide(row: tuple[Any, ...], hidden: list[int]) -> tuple[Any, ...]:
    return tuple("<unordered>" if i in hidden else v for i, v in enumerate(row))


def _masked(row: tuple[Any, ...], now: datetime, names: dict[str, str]) -> tuple[Any, ...]:
    out: list[Any] = []
    for value in row:
        if isinstance(value, datetime) and abs(value - now) < timedelta(hours=1):
            value = "<now>"
        elif isinstance(value, uuid.UUID):
            value = names.get(str(value), "<uuid>")
        elif isinstance(value, str) and value.startswith(SALTED):
            value = "<password>"
        elif isinstance(value, str) and UUID.search(value):
            value = UUID.sub(lambda m: names.get(m.group(0), "<uuid>"), value)
        elif isinstance(value, dict):
            value = ISO_MOMENT.sub(lambda m: _moment(m.group(0), now), repr(value))
        out.append(value)
    return tuple(out)


def _moment(text: str, now: datetime) -> str:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None and abs(moment - now) < timedelta(hours=1):
        return "<now>"
    return text


def checksum(tables: dict[str, list[str]]) -> str:
    return hashlib.sha256(repr(sorted(tables.items())).encode()).hexdigest()


def test_the_loaded_demo_data_is_what_generate_makes(demo_cache_root: Path) -> None:
    now = timezone.now()
    recording, _folder = demo_cache.cached(scale="small", seed=1, root=demo_cache_root)
    with transaction.atomic():
        demo_cache.load(scale="small", seed=1, root=demo_cache_root)
        loaded = normalised(demo_cache.snapshot(), now)
        media = Path(settings.MEDIA_ROOT)
        assert recording.media and all((media / name).is_file() for name in recording.media)
        assert User.objects.get(username="secretariat").check_password(DEMO_PASSWORD)
        transaction.set_rollback(True)
    with transaction.atomic():
        demo_cache.set_sequences(recording.sequences)  # PostgreSQL: the same keys again
        generate(scale="small", seed=1)
        fresh = normalised(demo_cache.snapshot(), now)
        transaction.set_rollback(True)

    assert {t: len(r) for t, r in loaded.items()} == {t: len(r) for t, r in fresh.items()}
    assert sum(len(r) for r in loaded.values()) > 20_000
    different = [t for t in fresh if loaded[t] != fresh[t]]
    assert not different, (different, [(loaded[t][:2], fresh[t][:2]) for t in different[:3]])
    assert checksum(loaded) == checksum(fresh)


def test_the_recording_inserts_rows_in_every_table_generate_fills(demo_cache_root: Path) -> None:
    recording, _folder = demo_cache.cached(scale="small", seed=1, root=demo_cache_root)
    inserted = {c.label: len(c.inserted) for c in recording.changes}
    for label in ("accounts.User", "questionnaires.Answer", "needs.Need", "reports.ReportRun"):
        assert inserted.get(label, 0) > 0, label
