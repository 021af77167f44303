"""The browser evaluator (relevance.js, run with node) and the Python evaluator agree.

Every expression cell (relevant, constraint, calculation, choice_filter) of the real forms in
shared/data/xlsform, and generated expressions, are evaluated by both with the same answers:
both must refuse the expression, or both give the same value (booleans for relevance,
constraints and choice filters; the XPath value, type included, for calculations).
"""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infobase.questionnaires.expressions import (
    ExpressionError,
    evaluate,
    filter_choices,
    parse,
    to_number,
)
from infobase.questionnaires.models import ItemKind
from infobase.questionnaires.xlsform import Reader

RELEVANCE_JS = (
    Path(__file__).resolve().parents[2]
    / "infobase/questionnaires/static/questionnaires/relevance.js"
)
NODE = shutil.which("node")
pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed"),
    pytest.mark.filterwarnings("ignore::UserWarning:openpyxl"),
]

RUNNER = """
const api = require(process.argv[2]);
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
function tag(v) {
  if (typeof v === "number") return ["number", isNaN(v) ? "NaN" : v === Infinity ? "Infinity"
    : v === -Infinity ? "-Infinity" : v];
  if (typeof v === "boolean") return ["boolean", v];
  if (typeof v === "string") return ["string", v];
  if (Array.isArray(v)) return ["string", v.join(" ")];
  return ["date", v.days];
}
const out = cases.map(function (c) {
  try {
    if (c.mode === "choice_filter") {
      api.parse(c.expr);
      return ["boolean", api.allows(c.expr, c.values, c.columns, c.choice)];
    }
    return tag(api.evaluate(c.expr, c.values, c.current));
  } catch (e) { return ["error", String(e.message)]; }
});
process.stdout.write(JSON.stringify(out));
"""


def run_js(cases: list[dict[str, Any]], tmp: Path) -> list[list[Any]]:
    runner = tmp / "runner.js"
    runner.write_text(RUNNER, encoding="utf-8")
    done = subprocess.run(  # noqa: S603 - node and our own files
        [str(NODE), str(runner), str(RELEVANCE_JS)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(done.stdout)


def run_python(case: dict[str, Any]) -> list[Any]:
    try:
        if case["mode"] == "choice_filter":
            parse(case["expr"])
            try:
                kept = filter_choices(
                    case["expr"], case["columns"], case["choice"], case["values"], today=TODAY
                )
            except ExpressionError:
                kept = True  # the browser shows a choice whose filter fails; so does the server
            return ["boolean", kept]
        value = evaluate(case["expr"], values=case["values"], current=case["current"], today=TODAY)
    except ExpressionError as exc:
        return ["error", exc.message]
    if isinstance(value, bool):
        return ["boolean", value]
    if isinstance(value, float):
        if math.isnan(value):
            return ["number", "NaN"]
        return [
            "number",
            value if not math.isinf(value) else ("Infinity" if value > 0 else "-Infinity"),
        ]
    if isinstance(value, date):
        return ["date", to_number(value)]
    if isinstance(value, list):
        return ["string", " ".join(value)]
    return ["string", value]


TODAY = date.today()  # relevance.js reads the machine's date: the same day for both


def same(mode: str, python: list[Any], js: list[Any]) -> bool:
    if python[0] == "error" or js[0] == "error":
        return python[0] == js[0]
    if mode in {"relevant", "constraint", "choice_filter"}:
        return truthy(python) == truthy(js)
    if python[0] != js[0]:
        return False
    if python[0] in {"number", "date"} and not isinstance(python[1], str):
        if isinstance(js[1], str):
            return False
        return math.isclose(python[1], js[1], rel_tol=1e-9, abs_tol=1e-9)
    return bool(python[1] == js[1])


def truthy(result: list[Any]) -> bool:
    kind, value = result
    if kind == "number":
        return (not isinstance(value, str) and value != 0) or value in ("Infinity", "-Infinity")
    if kind == "date":
        return True
    return bool(value)


# --- answers ----------------------------------------------------------------------------------

TEXTS = ["", "yes", "no", "0", "1", "2.5", "-3", "10", "abc", "2024-02-29", "other", " 7 "]


def answer_pool(kind: str, choice_names: list[str]) -> list[Any]:
    if kind in {ItemKind.SELECT_ONE, ItemKind.STATUS}:
        return ["", *choice_names[:6]]
    if kind == ItemKind.SELECT_MULTIPLE:
        names = choice_names[:5]
        return [[], names[:1], names[1:3], names]
    if kind in {ItemKind.INTEGER, ItemKind.CALCULATE}:
        return ["", "0", "1", "5", "17", "-2", "120"]
    if kind == ItemKind.DECIMAL:
        return ["", "0.5", "3", "99.99"]
    if kind == ItemKind.DATE:
        return ["", "2020-01-31", "2024-02-29", "1999-12-31"]
    return TEXTS


def form_cases(path: Path, contexts: int = 4) -> list[dict[str, Any]]:
    reader = Reader(path.name)
    reader.read(path.read_bytes())
    kinds = {item.name: item for item in reader.items}
    names_of = {name: [row[1] for row in rows] for name, rows in reader.lists.items()}
    rng = random.Random(path.name)  # the same answers on every run
    cases: list[dict[str, Any]] = []
    for item in reader.items:
        own = answer_pool(item.kind, names_of.get(item.list_name, []))
        for mode in ("relevant", "constraint", "calculation", "choice_filter"):
            expr = item.values.get(mode, "")
            if not expr or "now()" in expr:
                continue
            for n in range(contexts):
                values: dict[str, Any] = {}
                for other in sorted(kinds):
                    if "${" + other + "}" in expr.replace(" ", "") and n:
                        ref = kinds[other]
                        values[other] = rng.choice(
                            answer_pool(ref.kind, names_of.get(ref.list_name, []))
                        )
                case: dict[str, Any] = {
                    "mode": mode,
                    "expr": expr,
                    "values": values,
                    "current": rng.choice(own) if n else "",
                    "columns": {},
                    "choice": "",
                }
                if mode == "choice_filter":
                    rows = reader.lists.get(item.list_name, [])
                    if not rows:
                        continue
                    _row, name, _labels, extra = rows[rng.randrange(len(rows))]
                    case["columns"], case["choice"] = extra, name
                cases.append(case)
    return cases


def disagreements(cases: list[dict[str, Any]], tmp: Path) -> list[Any]:
    js = run_js(cases, tmp)
    found = []
    for case, js_result in zip(cases, js, strict=True):
        python_result = run_python(case)
        if not same(case["mode"], python_result, js_result):
            found.append(
                (
                    case["mode"],
                    case["expr"],
                    case["values"],
                    case["current"],
                    python_result,
                    js_result,
                )
            )
    return found


REAL_FORMS = sorted(p.name for p in (Path("/work/shared/data/xlsform")).glob("*.xlsx"))


def test_both_evaluators_agree_on_every_expression_of_the_real_forms(
    shared: Path, tmp_path: Path
) -> None:
    cases = []
    for path in sorted((shared / "xlsform").glob("*.xlsx")):
        cases.extend(form_cases(path))
    assert len(cases) > 1000
    assert disagreements(cases, tmp_path) == []


# --- generated expressions --------------------------------------------------------------------

LEAVES = st.sampled_from(
    ["${a}", "${b}", "${c}", ".", "0", "1", "2.5", "-1", "'yes'", "'no'", "''", "'2024-02-29'",
     "'x y'", "true()", "false()", "today()", "pi()"]
)  # fmt: skip
BINARY = ["=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod", "and", "or"]
UNARY_CALLS = ["not", "string-length", "count-selected", "number", "string", "boolean", "int",
               "round", "floor", "ceiling", "abs", "date", "sum"]  # fmt: skip
BINARY_CALLS = ["selected", "contains", "starts-with", "ends-with", "concat", "coalesce",
                "substring-before", "substring-after", "substr", "max", "min", "pow"]  # fmt: skip


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(BINARY), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(st.sampled_from(UNARY_CALLS), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(BINARY_CALLS), children, children).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
        st.tuples(children, children, children).map(lambda t: f"if({t[0]}, {t[1]}, {t[2]})"),
        children.map(lambda c: f"-{c}"),
    )


EXPRESSIONS = st.recursive(LEAVES, _combine, max_leaves=8)
ANSWERS = st.sampled_from(
    ["", "yes", "no", "0", "3", "-2.5", "2024-02-29", "x y", " 7 "]
) | st.lists(st.sampled_from(["yes", "no", "x", "1"]), max_size=3)


@settings(
    derandomize=True,
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    expressions=st.lists(EXPRESSIONS, min_size=20, max_size=20),
    contexts=st.lists(
        st.fixed_dictionaries({"a": ANSWERS, "b": ANSWERS, "c": ANSWERS, ".": ANSWERS}),
        min_size=3,
        max_size=3,
    ),
)
def test_both_evaluators_agree_on_generated_expressions(
    tmp_path: Path, expressions: list[str], contexts: list[dict[str, Any]]
) -> None:
    cases = []
    for expr in expressions:
        for context in contexts:
            values = {k: v for k, v in context.items() if k != "."}
            for mode in ("calculation", "relevant"):
                cases.append(
                    {"mode": mode, "expr": expr, "values": values, "current": context["."],
                     "columns": {}, "choice": ""}
                )  # fmt: skip
    assert disagreements(cases, tmp_path) == []
