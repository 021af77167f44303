"""Choice filters of real forms: the browser (relevance.js under node) lets through exactly the
choices the server accepts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infobase.questionnaires import expressions, selectors
from infobase.questionnaires.models import Item, ReportingCycle
from infobase.questionnaires.xlsform import import_xlsform

NODE = shutil.which("node")
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(NODE is None, reason="node is not installed"),
]

RELEVANCE_JS = (
    Path(__file__).resolve().parents[2]
    / "infobase/questionnaires/static/questionnaires/relevance.js"
)
FORMS = [
    "mali-health-facilities.xlsx",
    "ethiopia-fsom-2016.xlsx",
    "unhcr-kobo-template-en-dari.xlsx",
    "reach-lbn-msna-2022-kobo-tool.xlsx",
]
RUNNER = """
const r = require(process.argv[1]);
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map(c =>
  c.choices.filter(ch => r.allows(c.expr, c.values, ch.columns, ch.name)).map(ch => ch.name))));
"""


def _samples(item: Item, items: dict[str, Item]) -> list[dict[str, Any]]:
    """Answers to try: none, then each earlier select answered with each of its first choices."""
    refs = sorted(expressions.references(item.choice_filter))
    options = {
        ref: [c.name for c in items[ref].choice_list.choices.all()[:6]]  # type: ignore[union-attr]
        if ref in items and items[ref].choice_list_id
        else ["", "other"]
        for ref in refs
    }
    answered = [
        {ref: names[k % len(names)] for ref, names in options.items() if names} for k in range(6)
    ]
    return [dict.fromkeys(refs, ""), *answered]


@pytest.mark.parametrize("name", FORMS)
def test_the_browser_and_the_server_filter_real_choices_alike(shared: Path, name: str) -> None:
    cycle = ReportingCycle.objects.get_or_create(number=98, defaults={"name": "Cycle 98"})[0]
    q = import_xlsform(shared / "xlsform" / name, filename=name, cycle=cycle)
    items = {i.name: i for i in q.items.select_related("choice_list")}
    cases, expected = [], []
    for item in items.values():
        if not item.choice_filter.strip() or item.choice_list_id is None:
            continue
        choices = list(item.choice_list.choices.all())  # type: ignore[union-attr]
        for values in _samples(item, items):
            cases.append(
                {
                    "expr": item.choice_filter,
                    "values": values,
                    "choices": [{"name": c.name, "columns": c.extra} for c in choices],
                }
            )
            expected.append(selectors.allowed_choices(item, values))
    assert cases
    narrowed = [len(a or []) < len(c["choices"]) for a, c in zip(expected, cases, strict=True)]
    assert any(narrowed)  # the samples exercise the filters
    run = subprocess.run(  # noqa: S603 (our own script, our own file)
        [NODE or "node", "-e", RUNNER, str(RELEVANCE_JS)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(run.stdout) == expected
