"""Benchmark: State reporting at world scale (every party and signatory, two cycles).

Run: ``.venv/bin/python benchmarks/questionnaires_world.py``. It uses a scratch SQLite database,
or ``DATABASE_URL`` when set: point it at an empty scratch database, never a real one.

It loads the reference data, generates the "world" demo data set (two questionnaires of about
430 questions each, sent to about 170 States, answers from every State) and measures:

- the time to generate the data set, and to import one cycle of answers again (bulk insert);
- the time to compute the response dashboard (``selectors.response_rate``, ``rates_by_group``,
  ``rates_by_legal_family``, ``overdue``) and to derive the information base from every
  validated assignment (``services.derive``);
- the number of SQL queries of the dashboard and of ``selectors.answer_page`` with 50 States
  assigned and with all States assigned: they must not grow with the number of States.

Baseline ("dev-container-2026-11", SQLite, 2 cores): see ``BASELINE``, about 1.5 times the
figures measured there. Prints the figures next to it; exits 1 if a query count grows with the
number of States.
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BASELINE_NAME = "dev-container-2026-11"
BASELINE = {
    "generate_world_s": 13.0,
    "import_cycle_s": 2.0,
    "dashboard_ms": 35.0,
    "derive_all_s": 8.0,
    "answer_page_ms": 60.0,
    "dashboard_queries": 7,
    "answer_page_queries": 3,
}


def median_ms(func: Callable[[], Any], runs: int = 10) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> int:
    scratch = tempfile.mkdtemp(prefix="infobase-bench-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)  # the scratch database and files
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(scratch) / 'bench.sqlite3'}")
    os.environ.setdefault("INFOBASE_VAR_DIR", scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infobase.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from infobase.demo.services import generate
    from infobase.questionnaires import selectors, services
    from infobase.questionnaires.models import (
        Answer,
        Assignment,
        AssignmentStatus,
        Item,
        Questionnaire,
    )
    from infobase.reference.loaders.reference import load_reference

    call_command("migrate", verbosity=0)
    load_reference()

    started = time.perf_counter()
    generate(scale="world", seed=1)
    generate_s = time.perf_counter() - started

    questionnaires = list(Questionnaire.objects.filter(is_demo=True).order_by("cycle__number"))
    cycle1, cycle2 = questionnaires[0], questionnaires[-1]
    print(f"database: {os.environ['DATABASE_URL'].split(':')[0]}; baseline: {BASELINE_NAME}")
    for q in questionnaires:
        asked = Item.objects.filter(questionnaire=q).exclude(kind__in=["group", "note"]).count()
        answers = Answer.objects.filter(assignment__questionnaire=q).count()
        print(
            f"{q.code}: {q.items.count()} rows, {asked} questions, "
            f"{q.assignments.count()} assignments, {answers} answers"
        )
        for rate in selectors.rates_by_group([q]):
            group = rate.key or "(none)"
            print(f"    {group:26} {rate.answered:4}/{rate.asked:<4} {rate.percent}%")

    # Import a cycle of answers again: the rows of cycle 2 deleted, then bulk inserted.
    rows = [
        Answer(
            assignment_id=a.assignment_id,
            item_id=a.item_id,
            repeat_path=a.repeat_path,
            value=a.value,
            confidential=a.confidential,
            version=1,
        )
        for a in Answer.objects.filter(assignment__questionnaire=cycle2)
    ]

    def delete_answers(assignment_ids: list[int]) -> None:
        """A plain DELETE: the ORM's would write a history row for each answer removed."""
        with connection.cursor() as cursor:
            for start in range(0, len(assignment_ids), 500):
                chunk = assignment_ids[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"DELETE FROM {Answer._meta.db_table} WHERE assignment_id IN ({marks})",  # noqa: S608
                    chunk,
                )

    delete_answers(list(cycle2.assignments.values_list("pk", flat=True)))
    started = time.perf_counter()
    with transaction.atomic():
        Answer.objects.bulk_create(rows, batch_size=2000)
    import_s = time.perf_counter() - started

    def dashboard() -> None:
        selectors.response_rate(questionnaires)
        selectors.rates_by_group(questionnaires)
        selectors.rates_by_legal_family(questionnaires)
        list(selectors.overdue(questionnaires))

    dashboard_ms = median_ms(dashboard)

    validated = list(
        Assignment.objects.filter(status=AssignmentStatus.VALIDATED).select_related("questionnaire")
    )
    started = time.perf_counter()
    for assignment in validated:
        services.derive(assignment=assignment)
    derive_s = time.perf_counter() - started

    def busiest() -> Assignment:
        return (
            Assignment.objects.filter(questionnaire=cycle1)
            .select_related("questionnaire", "state")
            .order_by("-validated_at", "state__iso3")
            .first()
        )  # type: ignore[return-value]

    def queries(func: Callable[[], Any]) -> int:
        with CaptureQueriesContext(connection) as captured:
            func()
        return len(captured.captured_queries)

    def page_queries() -> int:
        assignment = busiest()
        return queries(lambda: selectors.answer_page(assignment))

    page = busiest()
    answer_page_ms = median_ms(lambda: selectors.answer_page(page))
    counted: dict[str, dict[str, int]] = {}
    all_states = Assignment.objects.filter(questionnaire=cycle1).count()
    counted["all"] = {
        "states": all_states,
        "dashboard": queries(dashboard),
        "answer_page": page_queries(),
    }
    with transaction.atomic():  # 50 States assigned, then rolled back
        for q in questionnaires:
            keep = list(q.assignments.order_by("state__iso3").values_list("pk", flat=True)[:50])
            dropped = q.assignments.exclude(pk__in=keep)
            delete_answers(list(dropped.values_list("pk", flat=True)))
            dropped.delete()
        counted["50"] = {
            "states": Assignment.objects.filter(questionnaire=cycle1).count(),
            "dashboard": queries(dashboard),
            "answer_page": page_queries(),
        }
        transaction.set_rollback(True)

    print(f"generate_world_s  {generate_s:8.2f}   baseline {BASELINE['generate_world_s']}")
    print(
        f"import_cycle_s    {import_s:8.2f}   baseline {BASELINE['import_cycle_s']} "
        f"({len(rows)} answers of cycle 2)"
    )
    print(f"dashboard_ms      {dashboard_ms:8.2f}   baseline {BASELINE['dashboard_ms']} (median)")
    print(
        f"derive_all_s      {derive_s:8.2f}   baseline {BASELINE['derive_all_s']} "
        f"({len(validated)} validated assignments)"
    )
    print(f"answer_page_ms    {answer_page_ms:8.2f}   baseline {BASELINE['answer_page_ms']}")
    for key in ("dashboard", "answer_page"):
        small, large = counted["50"], counted["all"]
        print(
            f"{key}_queries {small['states']:>4} States: {small[key]:3}   "
            f"{large['states']:>4} States: {large[key]:3}   "
            f"baseline {BASELINE[f'{key}_queries']} (flat: {small[key] == large[key]})"
        )
    flat = all(counted["50"][k] == counted["all"][k] for k in ("dashboard", "answer_page"))
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
