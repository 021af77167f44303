"""Benchmark: IATI activity import — throughput (MB/s, activities/s) and peak memory.

Run: ``.venv/bin/python benchmarks/iati_import.py [--big] [--big-size-mb N]``. It uses a scratch
SQLite database (a fresh copy per measurement), or ``DATABASE_URL`` when set: point it at an
empty scratch database, never a real one. Needs ``iatikit`` (a dev dependency) for the peer
column; without it that column is left out.

For each file, the methods run side by side, each in its own subprocess (peak memory is the
subprocess's ``ru_maxrss``; "base" is its RSS just before reading the file, so peak − base is
what reading the file cost):

- ``lxml``: bare ``lxml.etree.iterparse`` over the file, with the importer's safe settings,
  clearing each activity — the practical limit of any streaming reader;
- ``lxml-fields``, the named baseline "bare lxml iterparse": the same iterparse reading every
  field the importer reads (``touch_fields``) but building nothing and writing nothing. The
  ratio rows compare the importer's throughput with it, measured in the same run (goal ≥ 0.5×);
- ``infobase``: ``iati_import`` with the default relevance filter (what the command does:
  checked prolog, then one streaming pass that decides relevance from the raw element and
  writes the kept activities in batches); on the real files also ``infobase --all`` (every
  activity written);
- ``iatikit``: ``iatikit.Dataset(path)`` and a walk over ``dataset.activities`` reading each
  ``iati_identifier``. iatikit loads a single file directly but parses it whole into an lxml
  tree (no streaming), so its memory grows with the file.

Files: the real files in ``../shared/data/iati/activities/``; with ``--big`` also a file of at
least 1 GB (``--big-size-mb``, default 1024; 100–200 MB is enough for the ratio) made by
concatenating the activities of the real files with unique identifiers (suffix ``-BIG<n>``),
written to a temporary folder and deleted afterwards. ``--only-big`` skips the real files,
``--no-peers`` skips iatikit.

Baseline ("dev-container-2026-11", SQLite, 2 cores): ``BASELINE`` holds the figures measured
there (the big-file lxml figure was taken with a test run in parallel); each run prints its
own next to them.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "iati" / "activities"
BASELINE_NAME = "dev-container-2026-11"
# The side-by-side baseline of the same run: lxml iterparse reading the fields the importer reads.
BASELINE_LABEL = "bare lxml iterparse"
# MB/s, activities/s, peak RSS MB for the real files together and the 1 GB file.
BASELINE: dict[str, dict[str, float]] = {
    "real/lxml": {"mb_s": 85.0, "act_s": 14400.0, "peak_mb": 33.0},
    "real/infobase": {"mb_s": 7.3, "act_s": 1250.0, "peak_mb": 62.0},
    "real/infobase --all": {"mb_s": 2.5, "act_s": 424.0, "peak_mb": 64.0},
    "real/iatikit": {"mb_s": 40.0, "act_s": 6800.0, "peak_mb": 64.0},
    "big/lxml": {"mb_s": 24.0, "act_s": 4200.0, "peak_mb": 43.0},
    "big/infobase": {"mb_s": 3.7, "act_s": 644.0, "peak_mb": 103.0},
    "big/iatikit": {"mb_s": 33.0, "act_s": 5850.0, "peak_mb": 7750.0},
}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return rss_mb()


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Elements whose attributes the importer reads (codes, percentages, vocabularies, dates).
_CODED = (
    "activity-status",
    "activity-date",
    "participating-org",
    "recipient-country",
    "recipient-region",
    "sector",
    "tag",
    "policy-marker",
    "humanitarian-scope",
    "document-link",
    "budget",
)


def touch_fields(el: Any) -> int:
    """Read every field the importer reads from one activity, with no object built: the
    identifier, narratives in every language (title, descriptions, organisations), the
    attributes of coded elements, budgets and transactions with their values and dates.
    Returns a count so that nothing is optimised away."""
    n = len(el.get("last-updated-datetime") or "") + len(el.get(XML_LANG) or "")
    n += len(el.get("default-currency") or "") + len(el.findtext("iati-identifier") or "")
    for container in ("reporting-org", "title", "description", "participating-org"):
        for node in el.iterfind(container):
            n += len(node.get("ref") or "") + len(node.get("type") or "")
            for narrative in node.iterfind("narrative"):
                n += len(narrative.text or "") + len(narrative.get(XML_LANG) or "")
    for tag in _CODED:
        for node in el.iterfind(tag):
            for value in node.attrib.values():
                n += len(value)
    for budget in el.iterfind("budget"):
        for child in budget:
            n += len(child.text or "") + len(child.get("iso-date") or "")
            n += len(child.get("currency") or "") + len(child.get("value-date") or "")
    for txn in el.iterfind("transaction"):
        for child in txn:
            n += len(child.text or "")
            for value in child.attrib.values():
                n += len(value)
    return n


def empty_activities() -> None:
    """On a shared scratch server database, start each measurement from no activities (SQLite
    runs get a fresh copy of the template instead)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    tables = [t for t in connection.introspection.table_names() if t.startswith("activities_")]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")


def children_cpu() -> float:
    """CPU seconds of this process's ended children (the importer's reading process)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def server_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend (read from /proc: the server runs
    on this machine), or None (SQLite, or a server elsewhere)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def search_index_cpu() -> float | None:
    """PostgreSQL: the server CPU seconds of building the activities' trigram search index
    (``core.search.trigram_index``) over the keys just imported, in bulk (``CREATE INDEX``,
    rolled back): what indexing them costs however it is done, a floor for any import that
    keeps every key searchable by substring."""
    from django.db import connection, transaction

    before = server_cpu()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX bench_search_floor ON activities_activity "
            "USING gin (search_text gin_trgm_ops)"
        )
        transaction.set_rollback(True)
    after = server_cpu()
    return None if before is None or after is None else after - before


def worker(method: str, files: list[str]) -> dict[str, Any]:
    """Runs in a subprocess: read ``files`` with ``method``; returns figures (``cpu``: this
    process's CPU seconds over the measured interval, plus its children's (the importer reads
    a large file in a process of its own), as ``seconds`` is its wall time; ``server_cpu``: the
    PostgreSQL backend's; ``child_peak_mb``: the largest child's peak RSS)."""
    if method.startswith("infobase"):
        import django

        django.setup()
        from infobase.activities.iati_import import RelevanceFilter, iati_import

        relevance = None if method.endswith("--all") else RelevanceFilter()
        empty_activities()
        base = current_rss_mb()
        server_started = server_cpu()
        started = time.perf_counter()
        cpu_started = time.process_time() + children_cpu()
        run = iati_import(paths=[Path(f) for f in files], relevance=relevance)
        seconds = time.perf_counter() - started
        cpu = time.process_time() + children_cpu() - cpu_started
        server_ended = server_cpu()
        activities = run.created + run.updated + run.unchanged + run.skipped + run.rejected
        extra: dict[str, Any] = {
            "created": run.created,
            "skipped": run.skipped,
            "rejected": run.rejected,
            "child_cpu": children_cpu(),
            "child_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        }
        if server_started is not None and server_ended is not None:
            extra["server_cpu"] = server_ended - server_started
            if relevance is None:
                extra["index_cpu"] = search_index_cpu()
    elif method == "lxml":
        from lxml import etree

        base = current_rss_mb()
        started = time.perf_counter()
        cpu_started = time.process_time()
        activities = 0
        for name in files:
            context = etree.iterparse(
                name,
                events=("end",),
                tag="iati-activity",
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
                remove_comments=True,
            )
            for _event, el in context:
                activities += 1
                el.clear(keep_tail=False)
                parent = el.getparent()
                while el.getprevious() is not None:
                    del parent[0]
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        extra = {}
    elif method == "lxml-fields":
        from lxml import etree

        base = current_rss_mb()
        started = time.perf_counter()
        cpu_started = time.process_time()
        activities = 0
        touched = 0
        for name in files:
            context = etree.iterparse(
                name,
                events=("end",),
                tag="iati-activity",
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
                remove_comments=True,
            )
            for _event, el in context:
                activities += 1
                touched += touch_fields(el)
                el.clear(keep_tail=False)
                parent = el.getparent()
                while el.getprevious() is not None:
                    del parent[0]
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        extra = {"touched": touched}
    elif method == "iatikit":
        import iatikit

        base = current_rss_mb()
        started = time.perf_counter()
        cpu_started = time.process_time()
        activities = 0
        for name in files:
            dataset = iatikit.Dataset(name)
            for activity in dataset.activities:
                activity.iati_identifier  # noqa: B018 - touch each activity
                activities += 1
            del dataset
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        extra = {}
    else:
        raise SystemExit(f"unknown method {method}")
    return {
        "seconds": seconds,
        "cpu": cpu,
        "activities": activities,
        "peak_mb": rss_mb(),
        "base_mb": base,
        **extra,
    }


def measure(method: str, files: list[Path], db_template: Path, scratch: Path) -> dict[str, Any]:
    env = dict(os.environ)
    if "DATABASE_URL" not in os.environ:
        db = scratch / "run.sqlite3"
        shutil.copyfile(db_template, db)
        env["DATABASE_URL"] = f"sqlite:///{db}"
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, __file__, "--worker", method.split(" #")[0], *map(str, files)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1:] or ["failed"]}
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    size = sum(f.stat().st_size for f in files) / 1e6
    figures["mb"] = size
    figures["mb_s"] = size / figures["seconds"] if figures["seconds"] else 0.0
    figures["act_s"] = figures["activities"] / figures["seconds"] if figures["seconds"] else 0.0
    return figures


def make_big_file(target: Path, size_mb: int) -> int:
    """Concatenate the real files' activities, with unique identifiers, up to ``size_mb``."""
    from lxml import etree

    chunks: list[bytes] = []
    for path in sorted(SHARED.glob("*.xml")):
        for _event, el in etree.iterparse(str(path), events=("end",), tag="iati-activity"):
            chunks.append(etree.tostring(el))
            el.clear(keep_tail=False)
    if not chunks:  # else the loop below would never end
        raise SystemExit(f"no IATI activities in {SHARED}")
    identifier = re.compile(rb"<iati-identifier>\s*([^<]*?)\s*</iati-identifier>")
    written = 0
    count = 0
    limit = size_mb * 1024 * 1024
    copy = 0
    with open(target, "wb") as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n')
        while written < limit:
            copy += 1
            suffix = b"-BIG%d" % copy
            for chunk in chunks:
                data = identifier.sub(
                    lambda m, s=suffix: (
                        b"<iati-identifier>" + m.group(1) + s + b"</iati-identifier>"
                    ),
                    chunk,
                    count=1,
                )
                out.write(data)
                out.write(b"\n")
                written += len(data) + 1
                count += 1
        out.write(b"</iati-activities>\n")
    return count


def line(label: str, figures: dict[str, Any]) -> str:
    if "error" in figures:
        return f"  {label:<22} failed: {figures['error']}"
    base = BASELINE.get(label, {})
    return (
        f"  {label:<22} {figures['mb_s']:8.2f} MB/s ({base.get('mb_s', 0):7.1f})"
        f"  {figures['act_s']:9.0f} act/s ({base.get('act_s', 0):7.0f})"
        f"  peak {figures['peak_mb']:7.0f} MB ({base.get('peak_mb', 0):5.0f}),"
        f" base {figures['base_mb']:5.0f} MB"
        f"  [{figures['activities']} activities, {figures['seconds']:.1f} s,"
        f" CPU {figures['cpu']:.1f} s"
        + (
            f" (reading process {figures['child_cpu']:.1f} s,"
            f" peak {figures['child_peak_mb']:.0f} MB)"
            if figures.get("child_cpu")
            else ""
        )
        + (f", server CPU {figures['server_cpu']:.1f} s" if "server_cpu" in figures else "")
        + (
            f", {figures['created']} created, {figures['skipped']} skipped,"
            f" {figures['rejected']} rejected"
            if "created" in figures
            else ""
        )
        + "]"
    )


def database_label() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return "PostgreSQL (DATABASE_URL)"
    return "SQLite (a fresh scratch copy per measurement)"


def database_name() -> str:
    return "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"


def ratio_lines(label: str, results: dict[str, dict[str, Any]]) -> list[str]:
    """Infobase's throughput against the named baseline measured in the same run: the mean of
    the baseline measured just before and just after it (the machine's load changes). One row
    per import mode: Infobase MB/s, bare lxml MB/s, ratio (goal ≥ 0.5×), peak RSS (goal ≤ 300
    MB). The CPU ratio compares CPU seconds instead of wall time, which a loaded machine
    disturbs less: the importer's, its reading process's and (PostgreSQL) its server backend's
    against the bare reader's."""
    rows = []
    for method, around in (
        ("infobase", ("lxml-fields", "lxml-fields #2")),
        ("infobase --all", ("lxml-fields #2", "lxml-fields #3")),
    ):
        ours = results.get(method, {})
        base = [results[m] for m in around if results.get(m, {}).get("mb_s")]
        if "mb_s" not in ours or not base:
            rows.append(f"  {label} {database_name()} {method}: not measured")
            continue
        bare = sum(b["mb_s"] for b in base) / len(base)
        bare_cpu = sum(b["cpu"] for b in base) / len(base)
        mode = "filtered" if method == "infobase" else "--all"
        server = ours.get("server_cpu", 0.0)
        rows.append(
            f"  {label:<4} {database_name():<10} {mode:<8}"
            f" Infobase {ours['mb_s']:6.2f} MB/s | {BASELINE_LABEL} {bare:6.2f} MB/s"
            # Three decimals and a verdict: 0.495 printed as "0.50×" read as the goal met.
            f" | ratio {ours['mb_s'] / bare:.3f}× (goal ≥ 0.5×:"
            f" {'met' if ours['mb_s'] / bare >= 0.5 else 'not met'})"
            f" | CPU ratio {bare_cpu / (ours['cpu'] + server):.2f}×"
            f" | peak RSS {ours['peak_mb']:.0f} MB"
            + (
                f" + reading process {ours['child_peak_mb']:.0f} MB"
                if ours.get("child_cpu")
                else ""
            )
            + " (goal ≤ 300 MB)"
        )
        # Two cores: the run can take no less than half the CPU it uses, whatever overlaps.
        used = ours["cpu"] + server
        rows.append(
            f"  {'':<4} {'':<10} {mode:<8} CPU used {used:.1f} s (server {server:.1f} s): on"
            f" {os.cpu_count()} cores at least {used / (os.cpu_count() or 1):.1f} s; the goal"
            f" needs ≤ {ours['mb'] / (0.5 * bare):.1f} s"
        )
        if ours.get("index_cpu") is not None:
            rows.append(
                f"  {'':<4} {'':<10} {mode:<8} of which the trigram search index of the keys"
                f" alone, built in bulk after the run: {ours['index_cpu']:.1f} s of server CPU"
                f" ({ours['index_cpu'] / (ours['mb'] / bare):.1f}× the bare reader's time)"
            )
    return rows


# The baseline is measured around each import (before, between, after).
METHODS = ["lxml", "lxml-fields", "infobase", "lxml-fields #2", "infobase --all", "lxml-fields #3"]


def main() -> int:
    big = "--big" in sys.argv or "--only-big" in sys.argv
    only_big = "--only-big" in sys.argv
    no_peers = "--no-peers" in sys.argv
    size_mb = 1024
    if "--big-size-mb" in sys.argv:
        size_mb = int(sys.argv[sys.argv.index("--big-size-mb") + 1])
    scratch = Path(tempfile.mkdtemp(prefix="infobase-iati-bench-"))
    try:
        template = scratch / "template.sqlite3"
        os.environ.setdefault("INFOBASE_VAR_DIR", str(scratch))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infobase.settings")
        env = dict(os.environ)
        env.setdefault("DATABASE_URL", f"sqlite:///{template}")
        setup = (
            "import django; django.setup();"
            "from django.core.management import call_command; call_command('migrate', verbosity=0);"
            "from infobase.reference.loaders.reference import load_reference; load_reference()"
        )
        subprocess.run([sys.executable, "-c", setup], env=env, check=True, cwd=ROOT)  # noqa: S603
        try:
            import iatikit  # noqa: F401

            peers = [] if no_peers else ["iatikit"]
        except ImportError:
            peers = []
            print("iatikit is not installed: its column is left out.")
        real = sorted(SHARED.glob("*.xml"))
        total_mb = sum(p.stat().st_size for p in real) / 1e6
        print(f"IATI import benchmark; baseline “{BASELINE_NAME}” in parentheses.")
        print(f"Database: {database_label()}")
        print(f"Load: {os.getloadavg()[0]:.1f} (1-minute average; {os.cpu_count()} CPUs)")
        if not only_big:
            print(f"Real files: {len(real)} files, {total_mb:.1f} MB")
            results = {}
            for method in [*METHODS, *peers]:
                results[method] = measure(method, real, template, scratch)
                print(line(f"real/{method}", results[method]), flush=True)
            print("\n".join(ratio_lines("real", results)), flush=True)
        if big:
            path = scratch / "big.xml"
            started = time.perf_counter()
            count = make_big_file(path, size_mb)
            print(
                f"Big file: {path.stat().st_size / 1e6:.0f} MB, {count} activities "
                f"(made in {time.perf_counter() - started:.0f} s)",
                flush=True,
            )
            results = {}
            for method in [*METHODS, *peers]:
                results[method] = measure(method, [path], template, scratch)
                print(line(f"big/{method}", results[method]), flush=True)
            print("\n".join(ratio_lines("big", results)), flush=True)
            print(f"Load after: {os.getloadavg()[0]:.1f}", flush=True)
            path.unlink()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        sys.path.insert(0, str(ROOT))
        os.chdir(ROOT)
        print(json.dumps(worker(sys.argv[2], sys.argv[3:])))
        sys.exit(0)
    sys.exit(main())
