"""Benchmark: the API's list endpoints against the web pages of the same lists.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/infobase_api_bench
.venv/bin/python benchmarks/api.py [--scale world|small] [--rounds 20]``. Point ``DATABASE_URL``
at a scratch database, never a real one: when it holds no needs yet, the benchmark migrates it,
loads the reference data and generates the demo data set at ``--scale`` (seed 1), and prints how
long that took; a database already filled is used as it is.

As the secretariat (who sees every record), in one process (Django's test client, no network):
a 100-item page of needs and of activities through the API (a personal access token), and the
same lists rendered by the web pages (the needs register and the activities list, 50 rows a
page, the web's fixed size), also the API's 50-item pages for a like-for-like count. The
requests are interleaved round by round (the order rotates each round), so that a change in
the machine's load touches all of them alike. Each is sent twice first, untimed, the second
time with its database queries counted.

Prints p50/p95 (ms) per list and each one's p95 as a multiple of the baseline, "the web page of
the same list, same run". Speed is printed, never asserted (the query counts are asserted in
``tests/api/test_api.py``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASELINE_NAME = "the web page of the same list, same run"

# (list, what, address, rows on the page); the web page is each list's baseline.
LISTS: list[tuple[str, str, str, int]] = [
    ("needs", "API, 100 a page", "/api/v1/needs/?page_size=100", 100),
    ("needs", "API, 50 a page", "/api/v1/needs/?page_size=50", 50),
    ("needs", "web page", "/needs/", 50),
    ("activities", "API, 100 a page", "/api/v1/activities/?page_size=100", 100),
    ("activities", "API, 50 a page", "/api/v1/activities/?page_size=50", 50),
    ("activities", "web page", "/activities/", 50),
]


def prepare(scale: str) -> None:
    """Fill an empty scratch database: migrate, reference data, demo data at ``scale``."""
    from infobase.needs.models import Need

    if Need.objects.exists():
        print("Database already filled: used as it is.")
        return
    started = time.perf_counter()
    infobase = str(ROOT / ".venv" / "bin" / "infobase")
    for command in (
        ["migrate", "-v0"],
        ["load-reference"],
        ["demo-data", "--scale", scale, "--seed", "1"],
    ):
        subprocess.run([infobase, *command], check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    print(f"Generated the {scale} data set in {time.perf_counter() - started:.0f} s.")


def clients() -> tuple[Any, Any]:
    """A web session and an API token client, both the demo secretariat (past the second
    factor, as the test personas)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    from infobase.accounts.models import Role, User
    from infobase.api.tokens import token_create

    user = User.objects.filter(role=Role.SECRETARIAT, is_active=True).order_by("pk").first()
    if user is None:
        sys.exit("No secretariat account in this database (generate the demo data).")
    web = Client(HTTP_HOST="127.0.0.1")
    web.force_login(user)
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="benchmark", defaults={"confirmed": True}
    )
    session = web.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    secret = token_create(owner=user, name="benchmark").secret
    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {secret}")
    return web, api


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", choices=["small", "world"], default="world")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a scratch database (PostgreSQL for this benchmark).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infobase.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from infobase.activities.models import Activity
    from infobase.needs.models import Need
    from infobase.reference.models import State

    prepare(args.scale)
    web, api = clients()
    rates = {"token": "1000000/hour", "anonymous": "1000000/hour"}
    unthrottled = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    print(
        f"{connection.vendor}, {State.objects.count()} States, {Need.objects.count()} needs, "
        f"{Activity.objects.count()} activities; {args.rounds} rounds, interleaved."
    )
    timings: dict[int, list[float]] = {i: [] for i in range(len(LISTS))}
    queries: dict[int, int] = {}
    with override_settings(REST_FRAMEWORK=unthrottled):
        for index, (_list, _what, url, _rows) in enumerate(LISTS):
            client = api if url.startswith("/api/") else web
            client.get(url)  # warm: the first request fills the process's caches
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            if response.status_code != 200:
                sys.exit(f"{url}: HTTP {response.status_code}")
            queries[index] = len(captured.captured_queries)
        for round_number in range(args.rounds):
            shift = round_number % len(LISTS)
            for index in [*range(shift, len(LISTS)), *range(shift)]:
                url = LISTS[index][2]
                client = api if url.startswith("/api/") else web
                started = time.perf_counter()
                response = client.get(url)
                timings[index].append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    sys.exit(f"{url}: HTTP {response.status_code}")
    print(f"\nBaseline: {BASELINE_NAME}.")
    print(
        f"{'list':<11} {'what':<16} {'rows':>4} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'queries':>7} {'p95 / web':>9}"
    )
    web_p95 = {
        name: percentile(timings[i], 0.95)
        for i, (name, what, _u, _r) in enumerate(LISTS)
        if what == "web page"
    }
    for index, (name, what, _url, rows) in enumerate(LISTS):
        p50 = statistics.median(timings[index])
        p95 = percentile(timings[index], 0.95)
        print(
            f"{name:<11} {what:<16} {rows:>4} {p50:>8.0f} {p95:>8.0f} "
            f"{queries[index]:>7} {p95 / web_p95[name]:>8.2f}×"
        )


if __name__ == "__main__":
    main()
