"""The order in which a parallel run hands test files to its workers: longest first.

pytest-xdist's ``--dist loadfile`` hands files out in order of their number of tests. A file
of one long test (the hostile-parameter walk, 40 s) then comes last and one worker runs it
alone while the other waits: on two cores that tail is most of the margin of the suite's time
goal. Handing out the longest files first (from ``tests/durations.json``, seconds per file
as a run recorded them) leaves only short files for the end.

``pytest --store-durations`` rewrites ``tests/durations.json`` from the run it ends. A file the
record does not know (a new one) counts a tenth of a second per test, as most do.
"""

from __future__ import annotations

import json
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Any

import pytest

RECORD = Path(__file__).with_name("durations.json")
UNKNOWN_PER_TEST = 0.1

_spent: Counter[str] = Counter()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store-durations",
        action="store_true",
        help="write the seconds each test file took to tests/durations.json",
    )


def recorded() -> dict[str, float]:
    try:
        return {str(k): float(v) for k, v in json.loads(RECORD.read_text()).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def longest_first(workqueue: dict[str, dict[str, bool]], seconds: dict[str, float]) -> list[str]:
    """The files of ``workqueue`` (file → its tests), longest expected first; equal ones keep
    their order."""

    def expected(scope: str) -> float:
        return seconds.get(scope, UNKNOWN_PER_TEST * len(workqueue[scope]))

    return sorted(workqueue, key=expected, reverse=True)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class LongestFirst(LoadFileScheduling):
        ordered = False

        def _assign_work_unit(self, node: Any) -> None:
            # The work queue is complete when the first unit is assigned: order it then.
            if not self.ordered:
                self.ordered = True
                order = longest_first(self.workqueue, recorded())
                self.workqueue = OrderedDict((scope, self.workqueue[scope]) for scope in order)
            super()._assign_work_unit(node)

    return LongestFirst(config, log)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _spent[report.nodeid.split("::", 1)[0]] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if not config.getoption("store_durations") or hasattr(config, "workerinput"):
        return  # only the process that saw every report writes the record
    # A run of some files updates theirs; files gone from the suite leave the record.
    record = {**recorded(), **{path: round(seconds, 1) for path, seconds in _spent.items()}}
    root = Path(str(config.rootpath))
    kept = {path: record[path] for path in sorted(record) if (root / path).exists()}
    RECORD.write_text(json.dumps(kept, indent=1) + "\n")
