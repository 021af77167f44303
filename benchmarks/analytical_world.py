"""Benchmark: the analytical report on implementation at world scale, checked against pandas
and DuckDB.

Run: ``.venv/bin/python benchmarks/analytical_world.py [--answers N] [--quick] [--profile]
[--keep] [--seed S]`` (needs pandas and duckdb, dev dependencies). It always uses its own
scratch SQLite database in a temporary directory (``DATABASE_URL`` and ``INFOBASE_VAR_DIR``
are overridden: the bare aggregation reads the SQLite file directly), removed at the end
unless ``--keep``.

It loads the reference data (every State), then writes, in one transaction and with plain
bulk inserts (not the demo generator), three reporting cycles of one questionnaire per
instrument (UNTOC and its three Protocols) sent to every State: per article a section with
the status, explanation, challenges and technical-assistance questions, a status question
for some paragraphs, and extra questions so that the answers add up to ``--answers``
(default 1,200,000; ``--quick``: 100,000). The derived rows of the validated assignments
(article statuses, stated needs) are written as ``services.derive`` would write them (checked
on a sample), then the needs register, requests and lessons learned. About 1 % of the
derived statuses are confidential, so the public rule of ``analytical.public_rows`` is
exercised, and reproduced on the other side.

Then it measures, in one run:

- the time to the figures, ``analytical.compute`` for each instrument, cycle 3;
- the time to each file, ``reports.services.report_render`` (figures, document, renderer:
  what the command line and the background jobs do) in HTML, PDF, Word and Excel, in English
  and Arabic;
- the same figures (response by regional group, status counts per article, share implemented
  per article and regional group) aggregated bare from the rows of the SQLite file, with
  pandas and with DuckDB (over the file with DuckDB's sqlite extension when it can be loaded
  offline, else over the pandas frames), for every instrument and cycle; they must equal the
  report's figures for cycle 3 of every instrument. Also a scan of every answer: the status
  answers of validated assignments counted by article and status must equal the derived rows;
- the peak memory of the process and the number of rows.

Baseline: ``BASELINE_NAME``. Prints PASS or SLOW beside each timing; exits 1 only when the
figures disagree.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# Measured on this container on 2026-11-29 (figures 0.15–0.43 s, PDF 10–12 s, Word 6.5–7 s,
# Excel 2 s) with room for a busy machine: a regression of 5× or more shows as SLOW.
BASELINE_NAME = "dev-container-2026-11 (SQLite, 2 cores): figures ≤ 2 s, PDF/Word ≤ 25 s"
BASELINE = {
    "generate_s": 60.0,  # 1.2 million answers
    "figures_s": 2.0,  # one instrument and cycle
    "format_s": 25.0,  # report_render, one format and language, figures included
    "load_rows_s": 8.0,  # sqlite3 -> pandas, every answer included
    "bare_s": 2.0,  # pandas or DuckDB, every instrument and cycle
    "peak_rss_mb": 1500.0,
}
DEFAULT_ANSWERS = 1_200_000
QUICK_ANSWERS = 100_000
INSTRUMENTS = ("untoc", "tip", "som", "firearms")
CYCLES = (1, 2, 3)
CYCLE_WINDOWS = {
    1: (date(2022, 1, 1), date(2023, 6, 30)),
    2: (date(2023, 7, 1), date(2024, 12, 31)),
    3: (date(2025, 1, 1), date(2026, 6, 30)),
}
LANGS = ("en", "ar")
FORMATS = ("html", "pdf", "docx", "xlsx")
# Not one of LANGS: Typst would reuse its layout of a document it has just typeset.
KEPT_LANG = "fr"
REPLIES = (  # assignment status, weight
    ("validated", 72),
    ("submitted", 8),
    ("returned", 5),
    ("in_progress", 7),
    ("not_started", 8),
)
# Share of articles a State of the group has implemented at the first cycle.
GROUP_LEVEL = {
    "weog": 0.62,
    "eastern_european": 0.55,
    "latin_american_caribbean": 0.45,
    "asia_pacific": 0.4,
    "african": 0.35,
    "": 0.45,
}
CONFIDENTIAL_RATE = 0.01  # of the (assignment, article, paragraph) slots
EMPTY_STATUS_RATE = 0.015  # a status question left on the empty choice
TA_YES_RATE = 0.35
EXTRA_KINDS = ("text", "integer", "select_one", "date", "decimal")
KINDS = (
    "legislative",
    "model_legislation",
    "training",
    "institution_building",
    "onsite_expert",
    "good_practices",
    "technology",
    "action_plan",
    "other",
)
CHALLENGES = (
    "Limited capacity of the central authority to handle requests.",
    "Lack of specialized training for investigators and prosecutors.",
    "Domestic legislation is being revised; the draft is before parliament.",
    "Coordination between the agencies concerned remains difficult.",
    "Insufficient resources for the protection of witnesses.",
    "Manque de moyens techniques pour les enquêtes financières.",
    "La législation nationale ne couvre pas encore toutes les infractions visées.",
    "ضعف التنسيق بين الأجهزة المعنية بإنفاذ القانون.",
    "نقص الموارد المخصصة لحماية الشهود والضحايا.",
    "Falta de capacitación especializada de los fiscales.",
)
EXPLANATIONS = (
    "The offence is established in the penal code.",
    "A bill is in preparation.",
    "Partly covered by the law on criminal procedure.",
    "Administrative measures are in place; legislation is pending.",
    "التشريع قيد المراجعة.",
)


def rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024


def timed(func: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = func()
    return value, time.perf_counter() - started


def verdict(seconds: float, limit: float) -> str:
    return "PASS" if seconds <= limit else "SLOW"


def line(label: str, seconds: float, limit: float, note: str = "") -> None:
    print(
        f"  {label:<40} {seconds:8.2f} s   baseline ≤ {limit:5.0f} s   "
        f"{verdict(seconds, limit)}{'   ' + note if note else ''}"
    )


# --- Synthetic world --------------------------------------------------------------------


@dataclass
class Section:
    """The items of one article in one questionnaire."""

    article_id: int
    status: int
    explanation: int
    challenges: int
    ta_needed: int
    ta_kinds: int
    ta_priority: int
    paragraphs: list[tuple[int, int]] = field(default_factory=list)  # (paragraph, item)
    extras: list[tuple[int, str]] = field(default_factory=list)  # (item, kind)


@dataclass
class Plan:
    """How many items each questionnaire has and how often an optional item is answered."""

    extras_per_questionnaire: int
    answer_rate: float
    expected: int


def plan_answers(target: int, answering: dict[str, int], articles: dict[str, list[Any]]) -> Plan:
    """Extra questions and answer rate so that the expected number of answers is ``target``.

    Every answering assignment answers each status question; each optional question
    (explanation, challenges, whether assistance is needed, extra questions) with the answer
    rate, and the kinds and priority of assistance whenever it says it needs assistance."""
    status_slots = sum(
        answering[code] * (len(arts) + sum(a.number % 5 == 0 for a in arts))
        for code, arts in articles.items()
    )
    optional_slots = sum(
        answering[code] * len(arts) * (3 + 2 * TA_YES_RATE) for code, arts in articles.items()
    )
    asked = sum(answering.values())
    wanted = max(0, target - status_slots)
    extras = 0
    if wanted > 0.85 * optional_slots:  # more than a plausible rate: add extra questions
        extras = int((wanted / 0.85 - optional_slots) / asked) + 1
    rate = min(1.0, wanted / (optional_slots + extras * asked)) if wanted else 0.0
    expected = int(status_slots + rate * (optional_slots + extras * asked))
    return Plan(extras, rate, expected)


ROLE_ITEMS = (  # name, kind, XLSForm type, role: the questions of each article's section
    ("status", "status", "select_one status", "status"),
    ("explanation", "text", "text", "explanation"),
    ("challenges", "text", "text", "challenges"),
    ("ta_needed", "select_one", "select_one yes_no", "ta_needed"),
    ("ta_kinds", "select_multiple", "select_multiple ta_kinds", "ta_kinds"),
    ("ta_priority", "select_one", "select_one priority", "ta_priority"),
)


class World:
    """Writes the synthetic world: explicit primary keys (the scratch database is empty),
    answers through ``executemany`` in batches, every other table through ``bulk_create``;
    no history rows."""

    def __init__(self, rng: random.Random, target: int) -> None:
        from django.db import connection

        from infobase.questionnaires.models import Answer, Questionnaire
        from infobase.reference.models import Article, Instrument, State

        self.rng = rng
        self.ops = connection.ops
        self.states = list(State.objects.order_by("pk").values_list("pk", "regional_group"))
        self.group_of = dict(self.states)
        self.instruments = {i.code: i for i in Instrument.objects.filter(code__in=INSTRUMENTS)}
        missing = set(INSTRUMENTS) - set(self.instruments)
        if missing:
            raise SystemExit(f"instruments missing from the reference data: {sorted(missing)}")
        self.articles = {
            code: list(Article.objects.filter(instrument=inst).order_by("number"))
            for code, inst in self.instruments.items()
        }
        if Questionnaire.objects.exists() or Answer.objects.exists():
            raise SystemExit("the scratch database is not empty")
        # Who answers what is decided first, so that the number of questions can be planned.
        names = [name for name, _w in REPLIES]
        weights = [w for _n, w in REPLIES]
        self.replies = {
            (code, cycle): rng.choices(names, weights, k=len(self.states))
            for cycle in CYCLES
            for code in INSTRUMENTS
        }
        answering = {
            code: sum(r != "not_started" for c in CYCLES for r in self.replies[(code, c)])
            for code in INSTRUMENTS
        }
        self.plan = plan_answers(target, answering, self.articles)

        adapt = self.ops.adapt_json_value
        self.json: dict[str, list[tuple[Any, Any]]] = {
            "explanation": [(t, adapt(t, None)) for t in EXPLANATIONS],
            "challenges": [(t, adapt(t, None)) for t in CHALLENGES],
            "priority": [(p, adapt(p, None)) for p in ("high", "medium", "low")],
            "text": [(None, adapt(f"Free text answer {n}", None)) for n in range(50)],
            "integer": [(None, adapt(n, None)) for n in range(200)],
            "select_one": [(None, adapt(f"option_{n}", None)) for n in range(6)],
            "date": [(None, adapt(f"2025-{m:02d}-15", None)) for m in range(1, 13)],
            "decimal": [(None, adapt(n / 4, None)) for n in range(400)],
        }
        self.status_json = {s: adapt(s, None) for s in ("yes", "partly", "no", "na", "")}
        self.answer_sql = (
            f"INSERT INTO {Answer._meta.db_table} (assignment_id, item_id, repeat_path, "  # noqa: S608
            "value, confidential, version, updated_at, updated_by_id) "
            "VALUES (%s, %s, '', %s, %s, 1, %s, NULL)"
        )
        self.counts: Counter[str] = Counter()
        self.level: dict[tuple[int, int], int] = {}  # (State, article): -1 n/a … 2 yes
        self.next_id: Counter[str] = Counter()
        self.batch: list[tuple[Any, ...]] = []
        self.statuses: list[Any] = []  # ArticleImplementation
        self.stated: list[Any] = []  # StatedNeed
        self.validated_on: dict[int, date] = {}  # assignment -> day validated

    def new_id(self, kind: str) -> int:
        self.next_id[kind] += 1
        return self.next_id[kind]

    def write(self) -> None:
        from django.db import connection, transaction

        from infobase.questionnaires.models import (
            ArticleImplementation,
            Questionnaire,
            ReportingCycle,
            StatedNeed,
        )

        with transaction.atomic(), connection.cursor() as cursor:
            for number in CYCLES:
                starts, ends = CYCLE_WINDOWS[number]
                cycle = ReportingCycle.objects.create(
                    number=number, name=f"Benchmark cycle {number}", starts_on=starts, ends_on=ends
                )
                for code in INSTRUMENTS:
                    inst = self.instruments[code]
                    q = Questionnaire.objects.create(
                        cycle=cycle,
                        code=f"bench-{code}-c{number}",
                        title={"en": f"{inst.short_name_en}, cycle {number}"},
                        status="closed",
                        languages=[{"code": "en", "column": "English (en)"}],
                    )
                    q.instruments.add(inst)
                    sections = self.items(q, self.articles[code])
                    for assignment in self.assignments(q, self.replies[(code, number)]):
                        self.evolve(assignment.state_id, sections, number)
                        if assignment.status != "not_started":
                            self.answer(assignment, sections)
                        if len(self.batch) >= 50_000:
                            self.flush(cursor)
            self.flush(cursor)
            ArticleImplementation.objects.bulk_create(self.statuses, batch_size=5000)
            StatedNeed.objects.bulk_create(self.stated, batch_size=5000)
            self.register()
            self.requests_and_lessons()
        self.counts.update(statuses=len(self.statuses), stated_needs=len(self.stated))

    def flush(self, cursor: Any) -> None:
        if self.batch:
            cursor.executemany(self.answer_sql, self.batch)
            self.counts["answers"] += len(self.batch)
            self.batch.clear()

    def items(self, q: Any, articles: list[Any]) -> list[Section]:
        """One section per article; a status question for every fifth article's first
        paragraph; the extra questions shared out among the sections."""
        from infobase.questionnaires.models import Item

        items: list[Item] = []
        sections = []
        extras = self.plan.extras_per_questionnaire
        for index, article in enumerate(articles):
            group = self.new_id("item")
            ids = [self.new_id("item") for _ in ROLE_ITEMS]
            status, explanation, challenges, ta_needed, ta_kinds, ta_priority = ids
            section = Section(
                article.pk, status, explanation, challenges, ta_needed, ta_kinds, ta_priority
            )
            common = {"questionnaire": q, "parent_id": group}
            items.append(
                Item(
                    id=group,
                    questionnaire=q,
                    position=group,
                    kind="group",
                    xlsform_type="begin_group",
                    name=f"art_{article.number}",
                    label={"en": f"Article {article.number}"},
                    article=article,
                )
            )
            items.extend(
                Item(
                    id=pk,
                    position=pk,
                    kind=kind,
                    xlsform_type=xls,
                    name=f"a{article.number}_{name}",
                    role=role,
                    **common,
                )
                for pk, (name, kind, xls, role) in zip(ids, ROLE_ITEMS, strict=True)
            )
            if article.number % 5 == 0:
                pk = self.new_id("item")
                section.paragraphs.append((1, pk))
                items.append(
                    Item(
                        id=pk,
                        position=pk,
                        kind="status",
                        xlsform_type="select_one status",
                        name=f"a{article.number}_p1_status",
                        article=article,
                        paragraph=1,
                        role="status",
                        **common,
                    )
                )
            for n in range(extras // len(articles) + (index < extras % len(articles))):
                pk, kind = self.new_id("item"), EXTRA_KINDS[n % len(EXTRA_KINDS)]
                section.extras.append((pk, kind))
                items.append(
                    Item(
                        id=pk,
                        position=pk,
                        kind=kind,
                        xlsform_type=kind,
                        name=f"a{article.number}_q{n + 1}",
                        **common,
                    )
                )
            sections.append(section)
        Item.objects.bulk_create(items, batch_size=2000)
        self.counts["items"] += len(items)
        return sections

    def assignments(self, q: Any, replies: list[str]) -> list[Any]:
        from infobase.questionnaires.models import Assignment

        starts = q.cycle.starts_on
        dispatched = datetime.combine(starts, datetime.min.time(), tzinfo=UTC)
        out = []
        for (state_id, _group), reply in zip(self.states, replies, strict=True):
            submitted = dispatched + timedelta(days=self.rng.randint(30, 300))
            done = reply in ("submitted", "returned", "validated")
            out.append(
                Assignment(
                    id=self.new_id("assignment"),
                    questionnaire=q,
                    state_id=state_id,
                    status=reply,
                    deadline=starts + timedelta(days=180),
                    dispatched_at=dispatched,
                    submitted_at=submitted if done else None,
                    validated_at=submitted + timedelta(days=20) if reply == "validated" else None,
                )
            )
        Assignment.objects.bulk_create(out, batch_size=2000)
        self.counts["assignments"] += len(out)
        return out

    def evolve(self, state_id: int, sections: list[Section], cycle: int) -> None:
        """Implementation moves on between cycles, whether or not the State answers."""
        rng = self.rng
        for section in sections:
            key = (state_id, section.article_id)
            if key not in self.level:
                r = rng.random()
                yes = GROUP_LEVEL[self.group_of[state_id]]
                self.level[key] = -1 if r < 0.04 else 2 if r < yes else rng.choice((0, 1, 1))
            elif cycle > 1 and self.level[key] >= 0:
                move = rng.random()
                if move < 0.2:
                    self.level[key] = min(2, self.level[key] + 1)
                elif move < 0.25:
                    self.level[key] = max(0, self.level[key] - 1)

    def answer(self, assignment: Any, sections: list[Section]) -> None:
        """The State's answers and, when validated, what ``services.derive`` writes for them."""
        from infobase.questionnaires.models import ArticleImplementation, StatedNeed

        rng, rate, add = self.rng, self.plan.answer_rate, self.batch.append
        aid, state_id = assignment.pk, assignment.state_id
        stamp = self.ops.adapt_datetimefield_value(
            assignment.submitted_at or assignment.dispatched_at
        )
        valid = assignment.status == "validated"
        if valid:
            self.validated_on[aid] = assignment.validated_at.date()
        for section in sections:
            secret = rng.random() < CONFIDENTIAL_RATE
            status = ("na", "no", "partly", "yes")[self.level[(state_id, section.article_id)] + 1]
            if rng.random() < EMPTY_STATUS_RATE:
                status = ""
            add((aid, section.status, self.status_json[status], secret, stamp))
            words = {"explanation": "", "challenges": ""}
            for role, item_id in (
                ("explanation", section.explanation),
                ("challenges", section.challenges),
            ):
                if rng.random() < rate:
                    words[role], value = rng.choice(self.json[role])
                    add((aid, item_id, value, secret, stamp))
            kinds: list[str] = []
            priority = ""
            if rng.random() < rate:
                needed = rng.random() < TA_YES_RATE
                add(
                    (
                        aid,
                        section.ta_needed,
                        self.status_json["yes" if needed else "no"],
                        secret,
                        stamp,
                    )
                )
                if needed:
                    kinds = rng.sample(KINDS, rng.randint(1, 3))
                    value = self.ops.adapt_json_value(kinds, None)
                    add((aid, section.ta_kinds, value, secret, stamp))
                    priority, value = rng.choice(self.json["priority"])
                    add((aid, section.ta_priority, value, secret, stamp))
            paragraphs = []
            for paragraph, item_id in section.paragraphs:
                paragraphs.append((paragraph, rng.choice(("yes", "partly", "no"))))
                add((aid, item_id, self.status_json[paragraphs[-1][1]], False, stamp))
            for item_id, kind in section.extras:
                if rng.random() < rate:
                    add((aid, item_id, rng.choice(self.json[kind])[1], False, stamp))
            if not valid:
                continue
            self.statuses.append(
                ArticleImplementation(
                    assignment_id=aid,
                    state_id=state_id,
                    article_id=section.article_id,
                    status=status,
                    confidential=secret,
                    **words,
                )
            )
            self.statuses.extend(
                ArticleImplementation(
                    assignment_id=aid,
                    state_id=state_id,
                    article_id=section.article_id,
                    paragraph=paragraph,
                    status=p_status,
                )
                for paragraph, p_status in paragraphs
            )
            self.stated.extend(
                StatedNeed(
                    id=self.new_id("stated"),
                    assignment_id=aid,
                    state_id=state_id,
                    article_id=section.article_id,
                    kind=kind,
                    priority=priority,
                    confidential=secret,
                )
                for kind in kinds
            )

    def register(self) -> None:
        """The needs register: one need per State, article and kind stated, with its
        evidence (first seen when first validated; confidential when all of it is)."""
        from infobase.needs.models import Need, NeedEvidence

        evidence: dict[tuple[int, int, str], list[Any]] = defaultdict(list)
        for statement in self.stated:
            evidence[(statement.state_id, statement.article_id, statement.kind)].append(statement)
        needs: list[Need] = []
        links: list[NeedEvidence] = []
        for pk, ((state_id, article_id, kind), sources) in enumerate(
            sorted(evidence.items()), start=1
        ):
            r = self.rng.random()
            needs.append(
                Need(
                    id=pk,
                    state_id=state_id,
                    article_id=article_id,
                    kind=kind,
                    status="open" if r < 0.8 else "met" if r < 0.95 else "not_relevant",
                    first_seen=min(self.validated_on[s.assignment_id] for s in sources),
                    confidential=all(s.confidential for s in sources),
                )
            )
            links.extend(NeedEvidence(need_id=pk, kind="answer", stated_need=s) for s in sources)
        Need.objects.bulk_create(needs, batch_size=5000)
        NeedEvidence.objects.bulk_create(links, batch_size=5000)
        self.counts.update(needs=len(needs), evidence=len(links))

    def requests_and_lessons(self) -> None:
        from infobase.needs.models import AssistanceRequest, LessonLearned, RequestLine

        rng = self.rng
        first = CYCLE_WINDOWS[CYCLES[0]][0]
        span = (CYCLE_WINDOWS[CYCLES[-1]][1] - first).days
        requests = AssistanceRequest.objects.bulk_create(
            AssistanceRequest(
                state_id=rng.choice(self.states)[0],
                instrument=self.instruments[rng.choice(INSTRUMENTS)],
                title=f"Benchmark request {n}",
                description="Benchmark",
                urgency=rng.choice(("low", "medium", "high")),
                received_on=first + timedelta(days=rng.randint(0, span)),
                status=rng.choice(("received", "under_review", "matched", "in_delivery", "met")),
                source="web",
                confidential=rng.random() < 0.05,
            )
            for n in range(1500)
        )
        lines = [
            RequestLine(request=r, article=article, kind=kind)
            for r in requests
            for article, kind in {
                (rng.choice(self.articles[r.instrument.code]), rng.choice(KINDS))
                for _ in range(rng.randint(1, 3))
            }
        ]
        RequestLine.objects.bulk_create(lines, batch_size=5000)
        lessons = LessonLearned.objects.bulk_create(
            LessonLearned(
                title=f"Benchmark lesson {n}",
                activity=f"Activity {n}",
                delivered_on=first + timedelta(days=rng.randint(0, span)),
            )
            for n in range(60)
        )
        through = LessonLearned.articles.through
        through.objects.bulk_create(
            through(lessonlearned_id=lesson.pk, article_id=article.pk)
            for lesson in lessons
            for article in rng.sample(self.articles[rng.choice(INSTRUMENTS)], rng.randint(1, 4))
        )
        self.counts.update(requests=len(requests), request_lines=len(lines), lessons=len(lessons))


def check_derivation(rng: random.Random, sample: int = 6) -> tuple[int, list[str]]:
    """``services.derive`` on a sample of validated assignments rewrites exactly the rows
    written by ``generate`` (in a transaction rolled back)."""
    from django.db import transaction

    from infobase.questionnaires import services
    from infobase.questionnaires.models import ArticleImplementation, Assignment, StatedNeed

    ids = list(Assignment.objects.filter(status="validated").values_list("pk", flat=True))
    problems = []

    def rows(assignment: Assignment) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
        statuses = set(
            ArticleImplementation.objects.filter(assignment=assignment).values_list(
                "state_id",
                "article_id",
                "paragraph",
                "status",
                "explanation",
                "challenges",
                "confidential",
            )
        )
        needs = set(
            StatedNeed.objects.filter(assignment=assignment).values_list(
                "state_id", "article_id", "kind", "priority", "confidential"
            )
        )
        return statuses, needs

    chosen = rng.sample(ids, min(sample, len(ids)))
    with transaction.atomic():
        for assignment in Assignment.objects.filter(pk__in=chosen).select_related("questionnaire"):
            before = rows(assignment)
            services.derive(assignment=assignment)
            if rows(assignment) != before:
                problems.append(f"assignment {assignment.pk}: derive writes other rows")
        transaction.set_rollback(True)
    return len(chosen), problems


# --- The report's figures, as compared --------------------------------------------------

# (instrument id, cycle) -> {"response_by_group": {group: (asked, answered, validated)},
#  "status_counts": {article: {status: n | None}},
#  "implemented_by_group": {(article, group): (part | None, whole)}}
Figures = dict[str, dict[Any, Any]]


def report_figures(figures: Any) -> Figures:
    return {
        "response_by_group": {
            g: (r.asked, r.answered, r.validated) for g, r in figures.response_by_group.items()
        },
        "status_counts": {a: dict(c) for a, c in figures.status_counts.items()},
        "implemented_by_group": {
            k: (s.part, s.whole) for k, s in figures.implemented_by_group.items()
        },
    }


def differences(name: str, ours: Figures, theirs: Figures) -> list[str]:
    out = []
    for part, expected in ours.items():
        got = theirs.get(part, {})
        for key in sorted(set(expected) | set(got), key=str):
            if expected.get(key) != got.get(key):
                out.append(f"{name} {part}[{key}]: report {expected.get(key)}, {got.get(key)}")
    return out


# --- Bare aggregation: pandas and DuckDB ------------------------------------------------

TABLES = {  # name -> SELECT over the SQLite tables ({p}: the schema prefix)
    "asg": "SELECT id AS assignment_id, questionnaire_id, state_id, status "
    "FROM {p}questionnaires_assignment",
    "q": "SELECT q.id AS questionnaire_id, c.number AS cycle, qi.instrument_id "
    "FROM {p}questionnaires_questionnaire q "
    "JOIN {p}questionnaires_reportingcycle c ON c.id = q.cycle_id "
    "JOIN {p}questionnaires_questionnaire_instruments qi ON qi.questionnaire_id = q.id",
    "st": "SELECT id AS state_id, regional_group FROM {p}reference_state",
    "art": "SELECT id AS article_id, instrument_id FROM {p}reference_article",
    "ai": "SELECT id, assignment_id, state_id, article_id, paragraph, status, "
    "CAST(confidential AS INTEGER) AS confidential FROM {p}questionnaires_articleimplementation",
    "item": "SELECT i.id AS item_id, i.role, i.kind, "
    "COALESCE(i.article_id, p.article_id) AS article_id, "
    "CASE WHEN i.article_id IS NOT NULL THEN COALESCE(i.paragraph, 0) "
    "ELSE COALESCE(p.paragraph, 0) END AS paragraph "
    "FROM {p}questionnaires_item i LEFT JOIN {p}questionnaires_item p ON p.id = i.parent_id",
    "ans": "SELECT assignment_id, item_id, value FROM {p}questionnaires_answer",
}


def load_frames(path: Path) -> dict[str, Any]:
    """Every table the bare aggregation needs, read with sqlite3 into pandas."""
    import pandas as pd

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        return {name: pd.read_sql_query(sql.format(p=""), con) for name, sql in TABLES.items()}


def statuses_enum() -> list[str]:
    from infobase.questionnaires.models import AssignmentStatus

    return [s.value for s in AssignmentStatus]


def pandas_figures(t: dict[str, Any]) -> tuple[dict[tuple[int, int], Figures], Any, Counter[str]]:
    """The figures of every instrument and cycle, the status answers counted, and how many
    figures of cycle 3 the confidential rule changed (by article, by article and group)."""
    from infobase.questionnaires.analytical import ANSWERED, MIN_AGGREGATE, STATUSES
    from infobase.questionnaires.analytical import REPORT_GROUPS as GROUPS

    keys = ["instrument_id", "cycle"]
    rank = {s: i for i, s in enumerate(statuses_enum())}
    asg = t["asg"].merge(t["q"], on="questionnaire_id")
    asg["rank"] = asg["status"].map(rank)

    # Replies: a State counts once per instrument and cycle, with its most advanced reply.
    replies = asg.loc[asg.groupby([*keys, "state_id"])["rank"].idxmax()]
    replies = replies.merge(t["st"], on="state_id")
    replies = replies.assign(
        answered=replies["status"].isin([str(s) for s in ANSWERED]),
        validated=replies["status"] == "validated",
    )
    response = replies.groupby([*keys, "regional_group"]).agg(
        asked=("state_id", "size"), answered=("answered", "sum"), validated=("validated", "sum")
    )

    # The latest validated status of each State and article (the later row stands).
    ai = t["ai"].merge(
        asg[["assignment_id", *keys, "status"]], on="assignment_id", suffixes=("", "_a")
    )
    shown = t["art"].rename(columns={"instrument_id": "art_instrument"})
    ai_all = ai.merge(shown, on="article_id")
    ai_all = ai_all[ai_all["art_instrument"] == ai_all["instrument_id"]]
    articles = ai_all.groupby(keys)["article_id"].unique()
    rows = ai[(ai["paragraph"] == 0) & (ai["status"] != "") & (ai["status_a"] == "validated")]
    rows = rows.sort_values("id").drop_duplicates([*keys, "state_id", "article_id"], keep="last")
    rows = rows.merge(t["st"], on="state_id")
    rows["confidential"] = rows["confidential"].astype(bool)

    ruled: Counter[str] = Counter()  # figures of cycle 3 whose confidential rows are left out

    def public(df: Any, by: list[str]) -> Any:
        # A confidential answer is counted in no figure, however many a figure covers.
        out = df.groupby(by)["confidential"].transform("sum") > 0
        ruled[by[-1]] += df[out & (df["cycle"] == 3)].groupby(by).ngroups
        return df[~df["confidential"]]

    by_article = public(rows, [*keys, "article_id"])
    counts = by_article.groupby([*keys, "article_id", "status"]).size()
    reporting = by_article.groupby([*keys, "article_id"]).size()
    by_group = public(rows, [*keys, "article_id", "regional_group"])
    # A share counts the States for which the article applies.
    by_group = by_group[by_group["status"] != "na"]
    by_group = by_group.assign(yes=by_group["status"] == "yes")
    shares = by_group.groupby([*keys, "article_id", "regional_group"]).agg(
        whole=("yes", "size"), part=("yes", "sum")
    )

    out: dict[tuple[int, int], Figures] = {}
    counts_d = counts.to_dict()
    reporting_d = reporting.to_dict()
    response_d = {
        k: tuple(int(x) for x in v) for k, v in zip(response.index, response.values, strict=True)
    }
    shares_d = {k: (int(v[0]), int(v[1])) for k, v in zip(shares.index, shares.values, strict=True)}
    for (instrument, cycle), arts in articles.items():
        key = (int(instrument), int(cycle))
        status_counts = {}
        implemented = {}
        for a in sorted(int(x) for x in arts):
            enough = reporting_d.get((*key, a), 0) >= MIN_AGGREGATE
            status_counts[a] = {
                s: int(counts_d.get((*key, a, s), 0)) if enough else None for s in STATUSES
            }
            for g in GROUPS:
                whole, part = shares_d.get((*key, a, g), (0, 0))
                implemented[(a, g)] = (part if whole >= MIN_AGGREGATE else None, whole)
        out[key] = {
            "response_by_group": {g: response_d.get((*key, g), (0, 0, 0)) for g in GROUPS},
            "status_counts": status_counts,
            "implemented_by_group": implemented,
        }

    # Every answer scanned: the status answers of validated assignments, by article and value.
    status_items = t["item"][t["item"]["role"] == "status"]
    answers = t["ans"].merge(status_items, on="item_id")
    answers = answers.merge(asg[asg["status"] == "validated"][["assignment_id", *keys]])
    answers["value"] = answers["value"].map(json.loads)
    scanned = answers.groupby([*keys, "article_id", "paragraph", "value"]).size()
    counted = {
        tuple(x if isinstance(x, str) else int(x) for x in k): int(v) for k, v in scanned.items()
    }
    return out, counted, ruled


def duckdb_connection(path: Path, frames: dict[str, Any] | None) -> tuple[Any, str]:
    """DuckDB over the SQLite file when its sqlite extension loads offline, else over the
    pandas frames (registered under the same names)."""
    import duckdb

    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        con.execute("LOAD sqlite")
        con.execute(f"ATTACH '{path}' AS db (TYPE sqlite, READ_ONLY)")
        for name, sql in TABLES.items():
            con.execute(f"CREATE TEMP VIEW {name} AS {sql.format(p='db.')}")
        return con, "the SQLite file (sqlite extension)"
    except duckdb.Error:
        if frames is None:
            raise
        for name, frame in frames.items():
            con.register(name, frame)
        return con, "the pandas frames (sqlite extension not available offline)"


def duckdb_figures(con: Any) -> tuple[dict[tuple[int, int], Figures], Any]:
    from infobase.questionnaires.analytical import ANSWERED, MIN_AGGREGATE, STATUSES
    from infobase.questionnaires.analytical import REPORT_GROUPS as GROUPS

    ranks = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(statuses_enum()))
    base = f"""
        WITH a AS (
            SELECT s.assignment_id, s.state_id, s.status, q.instrument_id, q.cycle,
                   CASE s.status {ranks} END AS rank
            FROM asg s JOIN q USING (questionnaire_id)
        ),
        latest AS (
            SELECT a.instrument_id, a.cycle, i.state_id, i.article_id, i.status,
                   i.confidential AS conf, st.regional_group
            FROM ai i JOIN a USING (assignment_id) JOIN st ON st.state_id = i.state_id
            WHERE a.status = 'validated' AND i.paragraph = 0 AND i.status <> ''
            QUALIFY row_number() OVER (
                PARTITION BY a.instrument_id, a.cycle, i.state_id, i.article_id ORDER BY i.id DESC
            ) = 1
        )
    """  # noqa: S608

    def query(body: str, *params: Any) -> list[tuple[Any, ...]]:
        return con.execute(base + body, list(params)).fetchall()

    # Replies: a State counts once per instrument and cycle, with its most advanced reply.
    response = query(
        """
        SELECT r.instrument_id, r.cycle, st.regional_group, count(*),
               count(*) FILTER (WHERE list_contains(?, r.status)),
               count(*) FILTER (WHERE r.status = 'validated')
        FROM (SELECT instrument_id, cycle, state_id, arg_max(status, rank) AS status
              FROM a GROUP BY ALL) r
        JOIN st USING (state_id) GROUP BY ALL""",
        [str(s) for s in ANSWERED],
    )
    articles = query(
        """
        SELECT DISTINCT a.instrument_id, a.cycle, i.article_id
        FROM ai i JOIN a USING (assignment_id) JOIN art ON art.article_id = i.article_id
        WHERE art.instrument_id = a.instrument_id"""
    )
    # A confidential answer is counted in no figure, however many a figure covers.
    counts = query(
        """
        SELECT instrument_id, cycle, article_id, status, count(*) FROM latest
        WHERE conf = 0 GROUP BY ALL"""
    )
    shares = query(
        """
        SELECT instrument_id, cycle, article_id, regional_group, count(*),
               count(*) FILTER (WHERE status = 'yes') FROM latest
        WHERE conf = 0 AND status <> 'na' GROUP BY ALL"""
    )
    # Every answer scanned: the status answers of validated assignments, by article and value.
    scanned = query(
        """
        SELECT q.instrument_id, q.cycle, item.article_id, item.paragraph,
               json_extract_string(ans.value, '$') AS value, count(*)
        FROM ans JOIN item USING (item_id) JOIN asg USING (assignment_id)
        JOIN q USING (questionnaire_id)
        WHERE item.role = 'status' AND asg.status = 'validated'
        GROUP BY ALL"""
    )

    response_d = {(i, c, g): (n, ans, val) for i, c, g, n, ans, val in response}
    counts_d = {(i, c, a, s): n for i, c, a, s, n in counts}
    reporting: Counter[tuple[int, int, int]] = Counter()
    for (i, c, a, _s), n in counts_d.items():
        reporting[(i, c, a)] += n
    shares_d = {(i, c, a, g): (whole, part) for i, c, a, g, whole, part in shares}
    by_key: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, c, a in articles:
        by_key[(i, c)].append(a)
    out: dict[tuple[int, int], Figures] = {}
    for key, arts in by_key.items():
        status_counts = {}
        implemented = {}
        for a in sorted(arts):
            enough = reporting[(*key, a)] >= MIN_AGGREGATE
            status_counts[a] = {
                s: counts_d.get((*key, a, s), 0) if enough else None for s in STATUSES
            }
            for g in GROUPS:
                whole, part = shares_d.get((*key, a, g), (0, 0))
                implemented[(a, g)] = (part if whole >= MIN_AGGREGATE else None, whole)
        out[key] = {
            "response_by_group": {g: response_d.get((*key, g), (0, 0, 0)) for g in GROUPS},
            "status_counts": status_counts,
            "implemented_by_group": implemented,
        }
    return out, {(i, c, a, p, v): n for i, c, a, p, v, n in scanned}


def derived_counts(path: Path) -> dict[tuple[Any, ...], int]:
    """The derived status rows of validated assignments, by article, paragraph and status."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        rows = con.execute(
            """SELECT qi.instrument_id, c.number, ai.article_id, ai.paragraph, ai.status, count(*)
               FROM questionnaires_articleimplementation ai
               JOIN questionnaires_assignment a ON a.id = ai.assignment_id
               JOIN questionnaires_questionnaire q ON q.id = a.questionnaire_id
               JOIN questionnaires_reportingcycle c ON c.id = q.cycle_id
               JOIN questionnaires_questionnaire_instruments qi ON qi.questionnaire_id = q.id
               WHERE a.status = 'validated'
               GROUP BY 1, 2, 3, 4, 5"""
        ).fetchall()
    return {tuple(r[:5]): r[5] for r in rows}


# --- The run ----------------------------------------------------------------------------


def profile(func: Callable[[], Any], top: int = 25) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(func)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def table_counts() -> Iterator[tuple[str, int]]:
    from infobase.needs.models import AssistanceRequest, LessonLearned, Need, NeedEvidence
    from infobase.questionnaires.models import (
        Answer,
        ArticleImplementation,
        Assignment,
        Item,
        Questionnaire,
        StatedNeed,
    )
    from infobase.reference.models import Article, State

    for model in (
        State,
        Article,
        Questionnaire,
        Item,
        Assignment,
        Answer,
        ArticleImplementation,
        StatedNeed,
        Need,
        NeedEvidence,
        AssistanceRequest,
        LessonLearned,
    ):
        yield model._meta.label, model._default_manager.count()


def children_cpu() -> float:
    """CPU seconds of the finished child processes so far (LibreOffice)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def libreoffice_row(
    out_dir: Path, seconds: dict[tuple[str, str], float], cpu: dict[tuple[str, str], float]
) -> None:
    """The issue's side-by-side row: our PDF against LibreOffice converting our own Word file
    of the same report to PDF (``soffice --headless --convert-to pdf``), in the same run, with
    the CPU time of each side (the machine may be shared)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    print("\n4b. PDF against LibreOffice converting the same report's Word file")
    if soffice is None:
        print("  soffice not found: scripts/system-deps.sh libreoffice-writer-nogui installs it")
        return
    profile_dir = out_dir / "lo-profile"
    command = [soffice, f"-env:UserInstallation=file://{profile_dir}", "--headless"]
    # The first start creates LibreOffice's profile: not part of a conversion.
    warm = out_dir / "warm.txt"
    warm.write_text("warm-up")
    subprocess.run(  # noqa: S603 (our own command line)
        [*command, "--convert-to", "pdf", "--outdir", str(out_dir / "lo"), str(warm)],
        check=True,
        capture_output=True,
    )
    for lang in LANGS:
        docx = out_dir / f"analytical-untoc-3-{lang}.docx"
        if not docx.exists() or (lang, "pdf") not in seconds:
            continue
        started, started_cpu = time.perf_counter(), children_cpu()
        subprocess.run(  # noqa: S603 (our own command line)
            [*command, "--convert-to", "pdf", "--outdir", str(out_dir / "lo"), str(docx)],
            check=True,
            capture_output=True,
        )
        lo_s, lo_cpu = time.perf_counter() - started, children_cpu() - started_cpu
        ours, ours_cpu = seconds[(lang, "pdf")], cpu[(lang, "pdf")]
        pages = ""
        try:
            from pypdf import PdfReader

            lo_pdf = out_dir / "lo" / f"{docx.stem}.pdf"
            pages = f" ({len(PdfReader(lo_pdf).pages)} pages)"
        except (ImportError, OSError):
            pass
        verdict = "PASS" if ours <= lo_s else "SLOW"
        print(
            f"  PDF {lang}: Infobase {ours:6.1f} s (CPU {ours_cpu:5.1f} s)   LibreOffice "
            f"(Word -> PDF{pages}) {lo_s:6.1f} s (CPU {lo_cpu:5.1f} s)   ratio "
            f"{ours / lo_s:4.2f}x (CPU {ours_cpu / max(lo_cpu, 1e-9):4.2f}x)   goal <= 1.00x   "
            f"{verdict}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=None, help="target number of answers")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ANSWERS:,} answers")
    parser.add_argument(
        "--profile", action="store_true", help="profile compute() (untoc) and the PDFs"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    target = args.answers or (QUICK_ANSWERS if args.quick else DEFAULT_ANSWERS)

    scratch = Path(tempfile.mkdtemp(prefix="infobase-bench-"))
    db_path = scratch / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["INFOBASE_VAR_DIR"] = str(scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infobase.settings")
    try:
        return run(args, target, scratch, db_path)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"scratch database kept: {db_path}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def run(args: argparse.Namespace, target: int, scratch: Path, db_path: Path) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from infobase.needs.analytical import compute
    from infobase.reference.loaders.reference import load_reference
    from infobase.reference.models import Instrument
    from infobase.reports import engine
    from infobase.reports.services import report_render

    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    load_reference()
    print(f"baseline: {BASELINE_NAME}")
    print(f"database: {db_path} (SQLite); target {target:,} answers; seed {args.seed}")

    print("\n1. World generated (one transaction, bulk inserts)")
    world = World(rng, target)
    _, generate_s = timed(world.write)
    plan = world.plan
    line("generate", generate_s, BASELINE["generate_s"] * target / DEFAULT_ANSWERS)
    print(
        f"  {plan.extras_per_questionnaire} extra questions per questionnaire, optional "
        f"questions answered at {plan.answer_rate:.0%}, {plan.expected:,} answers expected"
    )
    sampled, problems = check_derivation(rng)
    print(
        f"  services.derive on {sampled} sampled validated assignments rewrites the same rows: "
        f"{'yes' if not problems else 'NO'}"
    )
    for problem in problems:
        print(f"    {problem}")
    print(f"  peak RSS so far {rss_mb():,.0f} MB")

    print("\n2. Rows")
    for label, n in table_counts():
        print(f"  {label:<38} {n:>12,}")
    print(f"  {'SQLite file':<38} {db_path.stat().st_size / 2**20:>9,.0f} MB")

    print("\n3. Time to figures: analytical.compute(instrument, cycle=3)")
    instruments = {i.code: i for i in Instrument.objects.filter(code__in=INSTRUMENTS)}
    report_side: dict[tuple[int, int], Figures] = {}
    figures_s: dict[str, float] = {}
    for code in INSTRUMENTS:
        inst = instruments[code]
        figures, seconds = timed(partial(compute, instrument=inst, cycle=3))
        figures_s[code] = seconds
        report_side[(inst.pk, 3)] = report_figures(figures)
        rows = sum(figures.reporting.values())
        line(
            f"figures {code}/3",
            seconds,
            BASELINE["figures_s"],
            f"{len(figures.articles)} articles, {rows:,} statuses counted",
        )
    line("figures, all four instruments", sum(figures_s.values()), 4 * BASELINE["figures_s"])
    if args.profile or figures_s["untoc"] > 60:
        print("  profile of compute(untoc, 3), by cumulative time:")
        stats = profile(lambda: compute(instrument=instruments["untoc"], cycle=3))
        print("\n".join("    " + s for s in stats.splitlines() if s.strip()))
    print(f"  peak RSS so far {rss_mb():,.0f} MB")

    print("\n4. Time to each file: report_render(slug='analytical', untoc, cycle 3)")
    print(f"  (each call computes the figures again: about {figures_s['untoc']:.2f} s of it)")
    params = engine.get("analytical").clean({"instrument": "untoc", "cycle": "3"})
    out_dir = scratch / "files"
    out_dir.mkdir()
    pdf_s: dict[tuple[str, str], float] = {}
    pdf_cpu: dict[tuple[str, str], float] = {}
    for lang in LANGS:
        for fmt in FORMATS:
            started_cpu = time.process_time()
            data, seconds = timed(
                partial(report_render, slug="analytical", params=params, lang=lang, fmt=fmt)
            )
            pdf_cpu[(lang, fmt)] = time.process_time() - started_cpu
            (out_dir / f"analytical-untoc-3-{lang}.{fmt}").write_bytes(data)
            note = f"{len(data) / 1024:,.0f} KB"
            if fmt == "pdf":
                try:
                    from pypdf import PdfReader

                    note += f", {len(PdfReader(io.BytesIO(data)).pages)} pages"
                except ImportError:
                    pass
            note += f", CPU {pdf_cpu[(lang, fmt)]:.1f} s"
            line(f"{fmt} {lang}", seconds, BASELINE["format_s"], note)
            pdf_s[(lang, fmt)] = seconds
    print(
        "  the same run in another language or format, as a worker renders it "
        "(figures kept by the run's fingerprint, services.FIGURES):"
    )
    kept = partial(report_render, slug="analytical", params=params, figures_key="benchmark")
    kept(lang=LANGS[0], fmt="html")
    for fmt in FORMATS:
        started_cpu = time.process_time()
        _, seconds = timed(partial(kept, lang=KEPT_LANG, fmt=fmt))
        cpu = time.process_time() - started_cpu
        line(f"{fmt} {KEPT_LANG}, figures kept", seconds, BASELINE["format_s"], f"CPU {cpu:.1f} s")
    print(f"  peak RSS so far {rss_mb():,.0f} MB")
    libreoffice_row(out_dir, pdf_s, pdf_cpu)
    if args.profile:
        for lang in LANGS:
            print(f"  profile of report_render(pdf, {lang}), by cumulative time:")
            stats = profile(
                partial(report_render, slug="analytical", params=params, lang=lang, fmt="pdf"),
                top=40,
            )
            print("\n".join("    " + s for s in stats.splitlines() if s.strip()))

    print("\n5. The same figures, bare: pandas and DuckDB over the rows of the SQLite file")
    frames, load_s = timed(lambda: load_frames(db_path))
    line(
        "load rows (sqlite3 -> pandas)",
        load_s,
        BASELINE["load_rows_s"],
        ", ".join(f"{k} {len(v):,}" for k, v in frames.items()),
    )
    (pd_figures, pd_scanned, ruled), pandas_s = timed(lambda: pandas_figures(frames))
    line("pandas, every instrument and cycle", pandas_s, BASELINE["bare_s"])
    con, over = duckdb_connection(db_path, frames)
    (dk_figures, dk_scanned), duckdb_s = timed(lambda: duckdb_figures(con))
    line("DuckDB, every instrument and cycle", duckdb_s, BASELINE["bare_s"], f"over {over}")
    report_s = sum(figures_s.values())
    print(
        f"  side by side, cycle 3 of the four instruments: report {report_s:.2f} s "
        f"(all of its figures), pandas {pandas_s:.2f} s + load {load_s:.2f} s, "
        f"DuckDB {duckdb_s:.2f} s (three figures of every cycle, and every answer scanned)"
    )
    con.close()

    disagree = []
    for key, ours in report_side.items():
        disagree += differences(f"pandas {key}", ours, pd_figures.get(key, {}))
        disagree += differences(f"DuckDB {key}", ours, dk_figures.get(key, {}))
    derived = derived_counts(db_path)
    if pd_scanned != derived:
        disagree.append("pandas: status answers of validated assignments != derived rows")
    if dk_scanned != derived:
        disagree.append("DuckDB: status answers of validated assignments != derived rows")
    if disagree:
        print(f"  figures DISAGREE ({len(disagree)} differences):")
        for problem in disagree[:30]:
            print(f"    {problem}")
    else:
        compared = sum(
            len(f["status_counts"]) + len(f["implemented_by_group"]) + len(f["response_by_group"])
            for f in report_side.values()
        )
        withheld = sum(
            v[0] is None for f in report_side.values() for v in f["implemented_by_group"].values()
        )
        print(
            f"  figures agree: report = pandas = DuckDB on {compared:,} figures of cycle 3 "
            f"({withheld} withheld shares included; confidential rows left out of "
            f"{ruled['article_id']} article and {ruled['regional_group']} article × group "
            f"figures by the public rule); the {sum(derived.values()):,} derived "
            f"statuses = the status answers scanned by pandas = by DuckDB"
        )
    print(
        f"\npeak RSS {rss_mb():,.0f} MB   baseline ≤ {BASELINE['peak_rss_mb']:,.0f} MB   "
        f"{'PASS' if rss_mb() <= BASELINE['peak_rss_mb'] else 'SLOW'}"
    )
    return 1 if disagree or problems else 0


if __name__ == "__main__":
    sys.exit(main())
