"""Benchmark: loading the reference data and searching the States directory.

Run: ``.venv/bin/python benchmarks/reference_load.py``. It uses a scratch SQLite database, or
``DATABASE_URL`` when set: point it at an empty scratch database, never a real one.

Baseline ("laptop-2026-11", SQLite, 2 cores): first load < 5 s, re-load < 2 s,
directory search < 20 ms per query. Prints the figures next to the baseline.
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASELINE = {"first_load_s": 5.0, "reload_s": 2.0, "search_ms": 20.0, "codelists_s": 10.0}


def main() -> int:
    scratch = tempfile.mkdtemp(prefix="infobase-bench-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)  # the scratch database and files
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(scratch) / 'bench.sqlite3'}")
    os.environ.setdefault("INFOBASE_VAR_DIR", scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infobase.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from infobase.reference.loaders.codelists import load_codelists
    from infobase.reference.loaders.reference import load_reference
    from infobase.reference.selectors import state_list

    call_command("migrate", verbosity=0)

    started = time.perf_counter()
    load_reference()
    first = time.perf_counter() - started
    started = time.perf_counter()
    load_reference()
    reload = time.perf_counter() - started

    # The IATI codelists alone, loaded again over themselves (formerly a timed test).
    started = time.perf_counter()
    load_codelists()
    codelists = time.perf_counter() - started

    queries = ["الامارات", "cote", "Сенегал", "塞内加尔", "republic", "ия"]
    timings = []
    for _ in range(20):
        for query in queries:
            started = time.perf_counter()
            list(state_list(query=query))
            timings.append((time.perf_counter() - started) * 1000)
    search = statistics.median(timings)

    print(f"database: {os.environ['DATABASE_URL'].split(':')[0]}")
    print(f"first_load_s  {first:8.2f}   baseline {BASELINE['first_load_s']}")
    print(f"reload_s      {reload:8.2f}   baseline {BASELINE['reload_s']}")
    print(f"codelists_s   {codelists:8.2f}   baseline {BASELINE['codelists_s']} (re-load)")
    print(
        f"search_ms     {search:8.2f}   baseline {BASELINE['search_ms']} (median of {len(timings)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
