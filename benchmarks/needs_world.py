"""Benchmark: the consolidated needs register at world scale, checked against pandas.

Run: ``.venv/bin/python benchmarks/needs_world.py`` (needs pandas, a dev dependency). It uses a
scratch SQLite database, or ``DATABASE_URL`` when set: point it at an empty scratch database,
never a real one.

It loads the reference data, generates the "world" demo data set (two reporting cycles answered
by every State), then synthesises, deterministically, twelve more validated reporting cycles
(stated needs and article statuses written directly) and a few thousand requests, so that the
register has hundreds of thousands of evidence sources behind tens of thousands of needs. Then:

1. a full derivation (``needs_derive`` on an empty register);
2. three rounds of: an incremental derivation after changing about 1 % of the sources (answers
   no longer stated, new answers, requests withdrawn), then one after no change at all
   (medians reported, with their share of the full derivation); then, for the constant of an
   incremental run, runs after one changed source (an answer's confidentiality);
   on SQLite, one more 1 % round, untimed, counts the pages it writes by table and index;
3. the stored score table (``score_table.need_scores_refresh``, demo programme and weights): a
   full refresh and one without changes, against the pandas recomputation of the scores; then
   the register's first page read from it.

After steps 1 and 2 a plain pandas recomputation from the same database rows (raw SQL, no ORM,
none of the app's code) must agree with the register on every need: the same keys, the same
sources behind each, the same ``confidential`` flag (and ``first_seen`` after the full run);
after step 3 it must agree on every need's facts (severity, urgency, breadth, programme weight)
and on every score (to the 3 decimal places of the total).

To iterate on the derivation without building the data each time (SQLite only):
``--keep-db PATH`` copies the database as built (before the first derivation) to ``PATH``;
``--reuse-db PATH`` starts from such a copy instead of building one (``migrate`` brings a copy
made before a new migration up to date; the change log's triggers included: the first, full,
derivation then lets the next ones derive only what the log names).

PostgreSQL statistics: a server with autovacuum off (as the development one) has none for
tables written in bulk until someone runs ANALYZE, and plans some reads as if the tables were
far smaller. ``--analyze`` runs ANALYZE on every table after the data set is built and again
after the full derivation, as autovacuum would on a production server; the figures without it
are those of a server with no statistics at all. The header says which.

Timing: each derivation's wall-clock and CPU time, by the rules of ``TIMING`` on SQLite (printed
with the figures): the write-ahead log is written back before the run, untimed, and after it,
timed, so that a run pays for the pages it wrote and for none of the benchmark's changes.

Baseline ("dev-container-2026-11", SQLite, 2 cores): see ``BASELINE``, about 1.5 times the
figures measured there. Prints the figures next to it; exits 1 if pandas and the app disagree.
"""

from __future__ import annotations

import argparse
import ast
import atexit
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

BASELINE_NAME = "dev-container-2026-11"
BASELINE = {
    "full_derive_s": 35.0,
    "incremental_derive_s": 9.0,
    "noop_derive_s": 9.0,
    "score_register_s": 12.0,  # since 2026-12: the stored score table's full refresh
    "score_noop_s": 9.0,
    "register_page_s": 1.0,
    "pandas_register_s": 6.0,
    "pandas_scores_s": 4.0,
}
TODAY = date(2026, 6, 1)
ROUNDS = 3  # rounds of 1 % changes, each derived incrementally then again without changes
EXTRA_CYCLES = range(3, 15)  # cycles synthesised on top of the demo's two
KINDS = [
    "legislative",
    "model_legislation",
    "training",
    "institution_building",
    "onsite_expert",
    "good_practices",
    "technology",
    "action_plan",
    "other",
]


def timed(func: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    value = func()
    return value, time.perf_counter() - started


def timed_cpu(func: Any) -> tuple[Any, float, float]:
    """The value, the wall-clock time and this process's CPU time (with SQLite, the database's
    work too: the fairer comparison when other work shares the machine)."""
    cpu = time.process_time()
    value, wall = timed(func)
    return value, wall, time.process_time() - cpu


# How the derivations are timed, printed with the figures. On SQLite a commit that leaves
# more than 1,000 pages in the write-ahead log writes the log back into the database (a
# checkpoint), whoever wrote those pages: a derivation would pay for the benchmark's changes
# before it, and leave its own pages to whatever commits next.
TIMING = (
    "SQLite: the write-ahead log is written back (wal_checkpoint(TRUNCATE)) before each timed "
    "derivation, untimed, and after it, timed: each run pays for writing back the pages it "
    "wrote, none of the changes made before it"
)


def settle() -> None:
    """SQLite: write the write-ahead log back into the database file and empty it. On the
    driver's connection, past Django's cursor: not counted among a run's queries."""
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def timed_derive(derive: Any) -> tuple[Any, float, float]:
    """``timed_cpu`` of ``derive`` by the rules of ``TIMING``."""
    settle()

    def run() -> Any:
        value = derive()
        settle()
        return value

    return timed_cpu(run)


def pages_written(derive: Any) -> tuple[int, int, list[tuple[str, int]]]:
    """SQLite: the pages ``derive`` writes (untimed), by the table or index they belong to: the
    write-ahead log is emptied, written back only at the end (``wal_autocheckpoint`` off), and
    its frames' page numbers are named by the ``dbstat`` table. Returns (pages, page size,
    [(table or index, pages)], most first)."""
    from collections import Counter

    from django.db import connection

    settle()
    raw = connection.connection
    raw.execute("PRAGMA wal_autocheckpoint=0")
    try:
        derive()
        wal = Path(f"{connection.settings_dict['NAME']}-wal").read_bytes()
    finally:
        raw.execute("PRAGMA wal_autocheckpoint=1000")
    size = raw.execute("PRAGMA page_size").fetchone()[0]
    pages = {int.from_bytes(wal[at : at + 4], "big") for at in range(32, len(wal) - 23, size + 24)}
    names = dict(raw.execute("SELECT pageno, name FROM dbstat").fetchall())
    settle()
    return len(pages), size, Counter(names.get(p, "?") for p in pages).most_common()


def frame(sql: str, columns: list[str]) -> Any:
    import pandas as pd
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return pd.DataFrame(cursor.fetchall(), columns=columns)


# --- Synthetic rows ---------------------------------------------------------------------


def synthesise(rng: random.Random) -> dict[str, int]:
    """More validated cycles and requests, written in bulk (no history: benchmark rows)."""
    from django.db import transaction

    from infobase.needs.models import AssistanceRequest, RequestLine
    from infobase.questionnaires.models import (
        ArticleImplementation,
        Assignment,
        Questionnaire,
        ReportingCycle,
        StatedNeed,
    )
    from infobase.reference.models import Article, Instrument, State

    states = list(State.objects.order_by("iso3"))
    articles = list(Article.objects.select_related("instrument").order_by("pk"))
    untoc = Instrument.objects.get(code="untoc")
    # Each State has gaps in a fixed part of the articles and asks for a few fixed kinds there.
    profile = {
        s.pk: {a.pk: rng.sample(KINDS, rng.randint(2, 5)) for a in articles if rng.random() < 0.4}
        for s in states
    }
    with transaction.atomic():
        stated: list[StatedNeed] = []
        statuses: list[ArticleImplementation] = []
        for number in EXTRA_CYCLES:
            cycle, _ = ReportingCycle.objects.get_or_create(
                number=number, defaults={"name": f"Synthetic cycle {number}"}
            )
            q = Questionnaire.objects.create(
                cycle=cycle, code=f"bench-cycle-{number}", title={"en": f"Cycle {number}"}
            )
            validated = datetime(2026, 1, 5, tzinfo=UTC) - timedelta(days=60 * (14 - number))
            assignments = Assignment.objects.bulk_create(
                Assignment(
                    questionnaire=q,
                    state=s,
                    status="validated" if rng.random() < 0.9 else "submitted",
                    deadline=validated.date(),
                    dispatched_at=validated - timedelta(days=120),
                    validated_at=validated,
                )
                for s in states
            )
            for a in assignments:
                for article_id, kinds in profile[a.state_id].items():
                    statuses.append(
                        ArticleImplementation(
                            assignment=a,
                            state_id=a.state_id,
                            article_id=article_id,
                            status=rng.choice(["no", "partly", "partly", "yes"]),
                        )
                    )
                    for kind in kinds:
                        if rng.random() < 0.75:
                            stated.append(
                                StatedNeed(
                                    assignment=a,
                                    state_id=a.state_id,
                                    article_id=article_id,
                                    kind=kind,
                                    priority=rng.choice(["", "low", "medium", "high"]),
                                    confidential=rng.random() < 0.05,
                                )
                            )
        ArticleImplementation.objects.bulk_create(statuses, batch_size=2000)
        StatedNeed.objects.bulk_create(stated, batch_size=2000)
        requests = AssistanceRequest.objects.bulk_create(
            AssistanceRequest(
                state=rng.choice(states),
                instrument=untoc,
                title=f"Synthetic request {n}",
                description="Benchmark",
                urgency=rng.choice(["low", "medium", "high"]),
                received_on=date(2020, 1, 1) + timedelta(days=rng.randint(0, 2300)),
                status=rng.choice(
                    ["received", "under_review", "matched", "in_delivery", "met", "declined"]
                ),
                source="web",
                confidential=rng.random() < 0.1,
            )
            for n in range(4000)
        )
        lines = [
            RequestLine(request=r, article=article, kind=kind)
            for r in requests
            for article, kind in {
                (rng.choice(articles), rng.choice(KINDS)) for _ in range(rng.randint(1, 3))
            }
        ]
        RequestLine.objects.bulk_create(lines, batch_size=2000)
    return {"stated_needs": len(stated), "requests": len(requests), "lines": len(lines)}


def change_one_percent(rng: random.Random) -> dict[str, int]:
    """Re-derived answers drop and add stated needs; some requests are withdrawn."""
    from infobase.needs.models import AssistanceRequest
    from infobase.questionnaires.models import Assignment, StatedNeed

    ids = list(StatedNeed.objects.values_list("pk", flat=True))
    dropped = rng.sample(ids, len(ids) // 200)
    StatedNeed.objects.filter(pk__in=dropped).delete()  # their links go with them (cascade)
    existing = set(StatedNeed.objects.values_list("assignment_id", "article_id", "kind"))
    assignments = list(Assignment.objects.filter(status="validated").values_list("pk", "state_id"))
    from infobase.reference.models import Article

    articles = list(Article.objects.values_list("pk", flat=True))
    added: list[StatedNeed] = []
    while len(added) < len(ids) // 200:
        assignment_id, state_id = rng.choice(assignments)
        key = (assignment_id, rng.choice(articles), rng.choice(KINDS))
        if key in existing:
            continue
        existing.add(key)
        added.append(
            StatedNeed(
                assignment_id=key[0],
                state_id=state_id,
                article_id=key[1],
                kind=key[2],
                priority="high",
            )
        )
    StatedNeed.objects.bulk_create(added, batch_size=2000)
    open_requests = list(
        AssistanceRequest.objects.exclude(status__in=["withdrawn", "declined"]).values_list(
            "pk", flat=True
        )
    )
    withdrawn = rng.sample(open_requests, len(open_requests) // 100)
    AssistanceRequest.objects.filter(pk__in=withdrawn).update(status="withdrawn")
    return {"dropped": len(dropped), "added": len(added), "withdrawn": len(withdrawn)}


# --- The pandas recomputation -----------------------------------------------------------


def pandas_sources() -> Any:
    """Every evidence source that counts, from the raw tables: one row per source."""
    import pandas as pd

    answers = frame(
        """SELECT sn.id, sn.state_id, sn.article_id, sn.kind, sn.confidential, sn.priority,
                  a.validated_at, sn.assignment_id
           FROM questionnaires_statedneed sn
           JOIN questionnaires_assignment a ON a.id = sn.assignment_id
           WHERE a.status = 'validated'""",
        [
            "source_id",
            "state_id",
            "article_id",
            "kind",
            "confidential",
            "urgency",
            "on",
            "assignment_id",
        ],
    )
    # No gap, no need: drop answers for articles reported implemented or not applicable.
    implemented = frame(
        """SELECT assignment_id, article_id FROM questionnaires_articleimplementation
           WHERE paragraph = 0 AND status IN ('yes', 'na')""",
        ["assignment_id", "article_id"],
    )
    implemented["no_gap"] = True
    answers = answers.merge(implemented, on=["assignment_id", "article_id"], how="left")
    answers = answers[answers["no_gap"].isna()].drop(columns=["no_gap", "assignment_id"])
    answers["source"] = "answer"
    answers["on"] = pd.to_datetime(answers["on"], utc=True).dt.date
    lines = frame(
        """SELECT l.id, r.state_id, l.article_id, l.kind, r.confidential, r.urgency,
                  r.received_on
           FROM needs_requestline l
           JOIN needs_assistancerequest r ON r.id = l.request_id
           WHERE r.status NOT IN ('withdrawn', 'declined')""",
        ["source_id", "state_id", "article_id", "kind", "confidential", "urgency", "on"],
    )
    lines["source"] = "request"
    lines["on"] = pd.to_datetime(lines["on"]).dt.date
    sources = pd.concat([answers, lines], ignore_index=True)
    sources["confidential"] = sources["confidential"].astype(bool)
    return sources


def pandas_register(sources: Any) -> Any:
    """One row per (State, article, kind) with evidence."""
    keys = ["state_id", "article_id", "kind"]
    register = sources.groupby(keys, as_index=False).agg(
        sources=("source_id", "size"),
        confidential=("confidential", "all"),
        first_seen=("on", "min"),
    )
    # A need others may see is first seen on the earliest day of its public sources.
    public = sources[~sources["confidential"]].groupby(keys, as_index=False)["on"].min()
    register = register.merge(public.rename(columns={"on": "public_on"}), on=keys, how="left")
    register["first_seen"] = register["public_on"].where(
        register["public_on"].notna(), register["first_seen"]
    )
    register = register.drop(columns="public_on")
    register["first_seen"] = register["first_seen"].where(register["first_seen"] <= TODAY, TODAY)
    return register


def compare_register(sources: Any, *, first_seen: bool) -> list[str]:
    """Differences between the app's register and the pandas recomputation (empty: agree)."""
    expected = pandas_register(sources)
    needs = frame(
        "SELECT id, state_id, article_id, kind, status, has_evidence, confidential, first_seen "
        "FROM needs_need",
        [
            "need_id",
            "state_id",
            "article_id",
            "kind",
            "status",
            "has_evidence",
            "confidential",
            "first_seen",
        ],
    )
    needs["has_evidence"] = needs["has_evidence"].astype(bool)
    needs["confidential"] = needs["confidential"].astype(bool)
    links = frame(
        "SELECT need_id, stated_need_id, request_line_id FROM needs_needevidence",
        ["need_id", "stated_need_id", "request_line_id"],
    )
    links["source"] = links["stated_need_id"].notna().map({True: "answer", False: "request"})
    links["source_id"] = links["stated_need_id"].fillna(links["request_line_id"]).astype(int)
    problems: list[str] = []
    # Every source linked exactly once, to the need of its own key (no merges or splits here).
    linked = sources.merge(links, on=["source", "source_id"], how="outer", indicator=True)
    if (linked["_merge"] != "both").any():
        problems.append(f"{(linked['_merge'] != 'both').sum()} sources linked wrongly or not")
    linked = linked.merge(needs, on="need_id", suffixes=("", "_need"))
    keys = ["state_id", "article_id", "kind"]
    wrong = (linked[keys].values != linked[[f"{k}_need" for k in keys]].values).any(axis=1)
    if wrong.any():
        problems.append(f"{wrong.sum()} sources linked to a need of another key")
    # The needs with evidence are exactly the keys of the recomputation, with the same figures.
    evidenced = needs[needs["has_evidence"]].merge(
        expected, on=keys, how="outer", indicator=True, suffixes=("", "_pd")
    )
    if (evidenced["_merge"] != "both").any():
        problems.append(f"{(evidenced['_merge'] != 'both').sum()} needs only on one side")
    both = evidenced[evidenced["_merge"] == "both"]
    counts = links.groupby("need_id").size()
    if (both["need_id"].map(counts) != both["sources"]).any():
        problems.append("source counts differ")
    if (both["confidential"] != both["confidential_pd"]).any():
        problems.append(f"{(both['confidential'] != both['confidential_pd']).sum()} flags differ")
    if first_seen and (both["first_seen"] != both["first_seen_pd"]).any():
        problems.append("first_seen differs")
    if needs.duplicated(keys).any():
        problems.append("duplicate needs")
    return problems


def pandas_scores(sources: Any) -> Any:
    """Facts and scores of every need, recomputed with pandas from the raw rows."""
    import pandas as pd

    needs = frame(
        """SELECT n.id, n.state_id, s.iso3, s.regional_group, n.article_id, a.number,
                  i.code, i.position, n.kind, n.first_seen, n.pinned, n.excluded,
                  n.confidential
           FROM needs_need n JOIN reference_state s ON s.id = n.state_id
           JOIN reference_article a ON a.id = n.article_id
           JOIN reference_instrument i ON i.id = a.instrument_id""",
        [
            "need_id",
            "state_id",
            "iso3",
            "group",
            "article_id",
            "number",
            "instrument",
            "position",
            "kind",
            "first_seen",
            "pinned",
            "excluded",
            "secret",
        ],
    )
    needs["secret"] = needs["secret"].astype(bool)
    keys = ["state_id", "article_id", "kind"]
    register = pandas_register(sources)
    # Breadth: States with an (open, evidenced) non-confidential need of the same article and
    # kind; confidential needs are left out so that no published score reveals them.
    register = register[~register["confidential"]][keys]
    shared = register.merge(needs[[*keys, "group"]], on=keys)
    overall = shared.groupby(["article_id", "kind"]).size().rename("breadth_overall")
    region = (
        shared[shared["group"] != ""]
        .groupby(["article_id", "kind", "group"])
        .size()
        .rename("breadth_region")
    )
    region_max = region.groupby(level="group").max().rename("breadth_region_max")
    needs = needs.merge(overall.reset_index(), on=["article_id", "kind"], how="left")
    needs = needs.merge(region.reset_index(), on=["article_id", "kind", "group"], how="left")
    needs = needs.merge(region_max.reset_index(), on="group", how="left")
    needs[["breadth_overall", "breadth_region", "breadth_region_max"]] = (
        needs[["breadth_overall", "breadth_region", "breadth_region_max"]].fillna(0).astype(int)
    )
    needs["breadth_overall_max"] = int(overall.max())
    # Severity: the worst status of the latest validated cycle with rows for the article; for a
    # need others may see, of the rows that are not confidential only.
    statuses = frame(
        """SELECT ai.state_id, ai.article_id, c.number, ai.status, ai.confidential
           FROM questionnaires_articleimplementation ai
           JOIN questionnaires_assignment a ON a.id = ai.assignment_id
           JOIN questionnaires_questionnaire q ON q.id = a.questionnaire_id
           JOIN questionnaires_reportingcycle c ON c.id = q.cycle_id
           WHERE a.status = 'validated'""",
        ["state_id", "article_id", "cycle", "status", "row_secret"],
    )
    statuses["row_secret"] = statuses["row_secret"].astype(bool)

    def worst_of(rows: Any, name: str) -> Any:
        latest = rows.groupby(["state_id", "article_id"])["cycle"].transform("max")
        rows = rows[rows["cycle"] == latest]
        rank = rows["status"].map({"no": 2, "partly": 1}).fillna(0)
        worst = rank.groupby([rows["state_id"], rows["article_id"]]).max()
        return worst.map({2: "no", 1: "partly", 0: ""}).rename(name).reset_index()

    needs = needs.merge(worst_of(statuses, "every"), on=["state_id", "article_id"], how="left")
    needs = needs.merge(
        worst_of(statuses[~statuses["row_secret"]], "public"),
        on=["state_id", "article_id"],
        how="left",
    )
    needs["severity"] = needs["every"].where(needs["secret"], needs["public"]).fillna("")
    needs = needs.drop(columns=["every", "public"])
    # Urgency: the highest stated by the sources of the need's key.
    order = {"high": 3, "medium": 2, "low": 1}
    ranked = sources.assign(u=sources["urgency"].map(order).fillna(0))
    # Confidential sources count only for a need that rests on nothing else.
    all_secret = ranked.groupby(keys)["confidential"].transform("all")
    ranked = ranked[~ranked["confidential"] | all_secret]
    urgency = ranked.groupby(keys)["u"].max().map({3: "high", 2: "medium", 1: "low", 0: ""})
    needs = needs.merge(urgency.rename("urgency").reset_index(), on=keys, how="left")
    needs["urgency"] = needs["urgency"].fillna("")
    # Programme: the heaviest matching theme of the active programmes.
    themes = frame(
        """SELECT t.id, t.weight, COALESCE(i.code, ''), t.kind, t.regional_group
           FROM needs_prioritytheme t JOIN needs_workprogramme p ON p.id = t.programme_id
           LEFT JOIN reference_instrument i ON i.id = t.instrument_id
           WHERE p.is_active""",
        ["theme_id", "weight", "t_instrument", "t_kind", "t_group"],
    )
    themes["weight"] = themes["weight"].astype(float)
    theme_articles = frame(
        "SELECT prioritytheme_id, article_id FROM needs_prioritytheme_articles",
        ["theme_id", "t_article"],
    )
    pairs = needs[["need_id", "instrument", "article_id", "kind", "group"]].merge(
        themes, how="cross"
    )
    with_articles = set(theme_articles["theme_id"])
    listed = set(zip(theme_articles["theme_id"], theme_articles["t_article"], strict=True))
    article_ok = [
        t not in with_articles or (t, a) in listed
        for t, a in zip(pairs["theme_id"], pairs["article_id"], strict=True)
    ]
    match = (
        ((pairs["t_instrument"] == "") | (pairs["t_instrument"] == pairs["instrument"]))
        & ((pairs["t_kind"] == "") | (pairs["t_kind"] == pairs["kind"]))
        & ((pairs["t_group"] == "") | (pairs["t_group"] == pairs["group"]))
        & pd.Series(article_ok, index=pairs.index)
    )
    programme = pairs[match].groupby("need_id")["weight"].max().rename("programme")
    needs = needs.merge(programme.reset_index(), on="need_id", how="left")
    needs["programme"] = needs["programme"].fillna(0.0)
    heaviest = themes["weight"].max() if len(themes) else 0.0
    # The score, in floating point.
    w = (
        frame(
            """SELECT programme, severity, breadth_overall, breadth_region, urgency, coverage, age
           FROM needs_scoringweights WHERE is_active ORDER BY session LIMIT 1""",
            [
                "programme",
                "severity",
                "breadth_overall",
                "breadth_region",
                "urgency",
                "coverage",
                "age",
            ],
        )
        .astype(float)
        .iloc[0]
    )
    age_days = (pd.to_datetime(TODAY) - pd.to_datetime(needs["first_seen"])).dt.days
    needs["age_days"] = age_days
    needs["score"] = (
        w["programme"] * (needs["programme"] / heaviest if heaviest else 0.0)
        + w["severity"] * needs["severity"].map({"no": 1.0, "partly": 0.5, "": 0.0})
        + w["breadth_overall"] * needs["breadth_overall"] / needs["breadth_overall_max"]
        + w["breadth_region"]
        * (
            needs["breadth_region"]
            / needs["breadth_region_max"].where(needs["breadth_region_max"] > 0)
        ).fillna(0.0)
        + w["urgency"] * needs["urgency"].map({"high": 1.0, "medium": 0.6, "low": 0.3, "": 0.0})
        + w["coverage"] * (1 - 0.0)
        + w["age"] * (age_days.clip(lower=0) / 730).clip(upper=1)
    )
    return needs


def compare_scores(app: list[Any], expected: Any) -> list[str]:
    import pandas as pd

    got = pd.DataFrame(
        [
            {
                "need_id": s.facts.need_id,
                "severity_app": s.facts.severity,
                "urgency_app": s.facts.urgency,
                "breadth_overall_app": s.facts.breadth_overall,
                "breadth_region_app": s.facts.breadth_region,
                "breadth_region_max_app": s.facts.breadth_region_max,
                "programme_app": float(s.explanation.term("programme").raw),
                "age_days_app": s.facts.age_days,
                "total": float(s.total),
            }
            for s in app
        ]
    )
    both = expected.merge(got, on="need_id", how="outer", indicator=True)
    problems = []
    if (both["_merge"] != "both").any():
        problems.append(f"{(both['_merge'] != 'both').sum()} needs scored on one side only")
    for name in (
        "severity",
        "urgency",
        "breadth_overall",
        "breadth_region",
        "breadth_region_max",
        "programme",
        "age_days",
    ):
        differ = both[name] != both[f"{name}_app"]
        if differ.any():
            problems.append(f"{name}: {differ.sum()} needs differ")
    # The app keeps normalised values and contributions to 6 places (each term off by at most
    # 0.5e-6 × weight + 0.5e-6) and rounds the total to 3 places: the exact (float) value
    # must be within half a unit of the third place of the total, plus those 7 small errors.
    diff = (both["score"] - both["total"]).abs()
    off = diff > 0.0005 + 7 * (0.5e-6 * 4 + 0.5e-6)
    if off.any():
        problems.append(f"score: {off.sum()} needs differ (max {diff.max():.6f})")
    print(
        f"    scores: largest difference {diff.max():.6f}; rounded alike: "
        f"{(both['score'].round(3) == both['total']).sum()} of {len(both)}"
    )
    return problems


def register_first_page() -> tuple[float, float]:
    """Seconds (wall, CPU) for the register's first page (default filters), as the demo
    secretariat sees it, once its session is warm."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    from infobase.accounts.models import Role, User

    user = User.objects.filter(role=Role.SECRETARIAT, is_active=True).order_by("pk").first()
    assert user is not None, "no secretariat account in the demo data"
    web = Client(HTTP_HOST="127.0.0.1")
    web.force_login(user)
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="benchmark", defaults={"confirmed": True}
    )
    session = web.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    web.get("/needs/")  # warm the session and the caches
    response, seconds, cpu = timed_cpu(lambda: web.get("/needs/"))
    assert response.status_code == 200, response.status_code
    return seconds, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--keep-db", type=Path, help="copy the built SQLite database here")
    parser.add_argument("--reuse-db", type=Path, help="start from a database kept so")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="PostgreSQL: ANALYZE every table after building and after the full derivation",
    )
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="infobase-bench-")
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)  # the scratch database and files
    database = Path(scratch) / "bench.sqlite3"
    if (args.keep_db or args.reuse_db) and "DATABASE_URL" in os.environ:
        parser.error("--keep-db and --reuse-db work with the scratch SQLite database only")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database}")
    os.environ.setdefault("INFOBASE_VAR_DIR", scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infobase.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from infobase.demo.services import generate
    from infobase.needs.derivation import needs_derive
    from infobase.needs.models import Need, NeedEvidence, SourceChange
    from infobase.needs.programmes import demo_programme
    from infobase.needs.score_table import need_scores_refresh
    from infobase.needs.selectors import scored_needs
    from infobase.questionnaires.models import Answer, StatedNeed
    from infobase.reference.loaders.reference import load_reference

    rng = random.Random(7)
    if args.reuse_db:
        shutil.copyfile(args.reuse_db, database)
        call_command("migrate", verbosity=0)  # a copy made before a new migration
        rng.setstate(ast.literal_eval(Path(f"{args.reuse_db}.rng").read_text()))
        print(f"database: copy of {args.reuse_db}; baseline: {BASELINE_NAME}")
    else:
        call_command("migrate", verbosity=0)
        load_reference()
        _, generate_s = timed(lambda: generate(scale="world", seed=1))
        extra, synth_s = timed(lambda: synthesise(rng))
        demo_programme()
        # Start from an empty register even if the demo data set derived one. Through the ORM,
        # so that what points at needs (coverage links, projects' needs, proposal lines) goes.
        Need.objects.update(merged_into=None)
        Need.objects.all().delete()
        Need.history.all().delete()
        print(f"database: {os.environ['DATABASE_URL'].split(':')[0]}; baseline: {BASELINE_NAME}")
        print(
            f"world demo generated in {generate_s:.1f} s ({Answer.objects.count()} answers); "
            f"synthesised in {synth_s:.1f} s: {extra}"
        )
        if args.keep_db:
            connection.close()  # everything written to the file
            shutil.copyfile(database, args.keep_db)
            # The changes of the rounds below are drawn from the same sequence on reuse.
            Path(f"{args.keep_db}.rng").write_text(repr(rng.getstate()))

    def analyze() -> None:
        if args.analyze and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    analyze()
    if connection.vendor == "postgresql":
        print(f"statistics: {'ANALYZE as autovacuum would' if args.analyze else 'none'}")
    failures: list[str] = []
    if connection.vendor == "sqlite":
        print(f"timing: {TIMING}")
    full, full_s, full_cpu = timed_derive(lambda: needs_derive(today=TODAY))
    analyze()
    sources, pandas_s, pandas_cpu = timed_cpu(pandas_sources)
    problems, compare_s, compare_cpu = timed_cpu(lambda: compare_register(sources, first_seen=True))
    failures += [f"full derive: {p}" for p in problems]
    print(
        f"full derive: {full.as_dict()}\n    {Need.objects.count()} needs, "
        f"{NeedEvidence.objects.count()} links; pandas agrees: {not problems}"
    )

    # Three rounds of 1 % changes, each followed by a derivation and one without changes:
    # the medians are reported (the machine may be shared).
    incremental_runs, noop_runs, incremental_cpus, noop_cpus = [], [], [], []
    for _round in range(ROUNDS):
        changes = change_one_percent(rng)
        changes["logged"] = SourceChange.objects.count()  # the change log's rows
        incremental, incremental_s, cpu = timed_derive(lambda: needs_derive(today=TODAY))
        incremental_runs.append(incremental_s)
        incremental_cpus.append(cpu)
        sources = pandas_sources()
        problems = compare_register(sources, first_seen=False)
        failures += [f"incremental derive: {p}" for p in problems]
        print(f"changes: {changes}")
        print(
            f"incremental derive ({incremental.mode}, {incremental_s:.2f} s): "
            f"{incremental.as_dict()}; pandas agrees: {not problems}"
        )
        noop, noop_s, cpu = timed_derive(lambda: needs_derive(today=TODAY))
        noop_runs.append(noop_s)
        noop_cpus.append(cpu)
        print(f"derive without changes ({noop.mode}): {noop_s:.2f} s")
        if noop.changed:
            failures.append(f"a derive without changes changed something: {noop.as_dict()}")
    incremental_s, noop_s = statistics.median(incremental_runs), statistics.median(noop_runs)
    incremental_cpu, noop_cpu = statistics.median(incremental_cpus), statistics.median(noop_cpus)

    # The constant of an incremental run: one source changed (an answer made confidential,
    # then public again, so that the register ends as it was).
    one_runs, one_cpus, one_queries = [], [], []
    stated_ids = list(StatedNeed.objects.order_by("pk").values_list("pk", flat=True))
    for _round in range(ROUNDS):
        one = StatedNeed.objects.filter(pk=rng.choice(stated_ids))
        secret = one.values_list("confidential", flat=True).get()
        for flag in (not secret, secret):
            one.update(confidential=flag)
            queries = [0]

            def count(execute: Any, *args: Any, queries: list[int] = queries) -> Any:
                queries[0] += 1
                return execute(*args)

            with connection.execute_wrapper(count):
                result, seconds, cpu = timed_derive(lambda: needs_derive(today=TODAY))
            if result.mode != "incremental":
                failures.append(f"one changed source: a {result.mode} run")
            one_runs.append(seconds)
            one_cpus.append(cpu)
            one_queries.append(queries[0])
    one_s, one_cpu = statistics.median(one_runs), statistics.median(one_cpus)

    # Why an incremental run costs what it costs on SQLite: the pages one more 1 % round writes,
    # by table and index (untimed; a B-tree index whose keys the new needs are spread over is
    # written nearly whole however few rows change).
    written = None
    if connection.vendor == "sqlite":
        change_one_percent(rng)
        written = pages_written(lambda: needs_derive(today=TODAY))
        sources = pandas_sources()  # the register as it now is, for the scores below

    # 3. The stored score table: a full refresh, then one without changes, against pandas.
    refreshed, score_s, score_cpu = timed_cpu(lambda: need_scores_refresh(today=TODAY, full=True))
    unchanged, score_noop_s, score_noop_cpu = timed_cpu(lambda: need_scores_refresh(today=TODAY))
    expected, pandas_scores_s, pandas_scores_cpu = timed_cpu(lambda: pandas_scores(sources))
    scored, _table = scored_needs(needs_qs=Need.objects.all())
    problems = compare_scores(scored, expected)
    if unchanged.written:
        problems.append(f"a refresh without changes wrote {unchanged.written} rows")
    failures += [f"scores: {p}" for p in problems]
    page_s, page_cpu = register_first_page()
    print(f"score table: full {refreshed.as_dict()}; without changes {unchanged.as_dict()}")
    print(
        f"scored {len(scored)} needs; top: "
        + ", ".join(
            f"{s.facts.state_iso3}/{s.facts.instrument_code} {s.facts.article_number}/"
            f"{s.facts.kind} {s.total}"
            for s in scored[:3]
        )
        + f"; pandas agrees: {not problems}"
    )

    figures = {
        "full_derive_s": full_s,
        "incremental_derive_s": incremental_s,
        "noop_derive_s": noop_s,
        "score_register_s": score_s,
        "score_noop_s": score_noop_s,
        "register_page_s": page_s,
        "pandas_register_s": pandas_s + compare_s,
        "pandas_scores_s": pandas_scores_s,
    }
    for name, value in figures.items():
        print(f"{name:22} {value:8.2f}   baseline {BASELINE[name]}")
    pandas_total = figures["pandas_register_s"]
    print("| work | Infobase | side by side | goal |")
    print("|---|---|---|---|")
    # Derivation against the pandas recomputation of the register measured in this run, in
    # wall-clock and CPU seconds (the machine may be shared).
    pandas_cpu_total = pandas_cpu + compare_cpu
    print(
        f"| needs: full derive (world) | {full_s:.1f} s (CPU {full_cpu:.1f} s) | pandas "
        f"recomputation of the register {pandas_total:.1f} s (CPU {pandas_cpu_total:.1f} s): "
        f"{full_s / pandas_total:.1f}× (CPU {full_cpu / pandas_cpu_total:.1f}×) | ≤ 2× pandas |"
    )
    print(
        f"| needs: incremental (1 %) | {incremental_s * 1000:.0f} ms (CPU "
        f"{incremental_cpu * 1000:.0f} ms), "
        f"{incremental_s / full_s:.1%} of full (CPU {incremental_cpu / full_cpu:.1%}), beyond "
        f"the no-change run {(incremental_s - noop_s) / full_s:.1%} (CPU "
        f"{(incremental_cpu - noop_cpu) / full_cpu:.1%}), beyond one changed source "
        f"{(incremental_s - one_s) / full_s:.1%} (CPU {(incremental_cpu - one_cpu) / full_cpu:.1%})"
        f"; median of {ROUNDS} | "
        f"{incremental_s / pandas_total:.2f}× pandas (CPU "
        f"{incremental_cpu / pandas_cpu_total:.2f}×) | ≤ 2 % of full plus a constant |"
    )
    print(
        f"| needs: one changed source (the constant) | {one_s * 1000:.0f} ms (CPU "
        f"{one_cpu * 1000:.0f} ms), {statistics.median(one_queries):.0f} queries; median of "
        f"{len(one_runs)} | – | – |"
    )
    if written is not None:
        pages, size, by_tree = written
        print(
            f"| needs: pages one more 1 % round writes (SQLite, untimed) | {pages} pages of "
            f"{size} bytes ({pages * size / 2**20:.1f} MiB, written to the log, then back into "
            "the database): "
            + ", ".join(f"{name} {count}" for name, count in by_tree[:8])
            + " | – | – |"
        )
    print(
        f"| needs: no change | {noop_s:.2f} s (CPU {noop_cpu:.2f} s), {noop_s / full_s:.1%} of "
        f"full; median of {ROUNDS} | {noop_s / pandas_total:.2f}× pandas | ≤ 1 s |"
    )
    print(
        f"| needs: score table refresh, full / without changes (world) | {score_s:.1f} s "
        f"(CPU {score_cpu:.1f} s) / {score_noop_s:.1f} s (CPU {score_noop_cpu:.1f} s) | pandas "
        f"recomputation of the scores {pandas_scores_s:.1f} s (CPU {pandas_scores_cpu:.1f} s): "
        f"{score_s / pandas_scores_s:.1f}× / {score_noop_s / pandas_scores_s:.1f}× (CPU "
        f"{score_cpu / pandas_scores_cpu:.1f}× / {score_noop_cpu / pandas_scores_cpu:.1f}×) "
        f"| ≤ 2× pandas |"
    )
    print(
        f"| needs: register, first page (world, {len(scored)} needs) | {page_s:.2f} s "
        f"(CPU {page_cpu:.2f} s) | – "
        f"| reads the stored table, no rescoring |"
    )
    for failure in failures:
        print("DISAGREE:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
