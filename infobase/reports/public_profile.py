"""Public section of the State profile: the reports published to the Conference."""

from __future__ import annotations

from typing import Any

from infobase.reference.models import State
from infobase.reference.profile import state_section
from infobase.reports.publications import published_rows


@state_section(key="reports", order=60, template="reference/profile/reports.html")
def state_reports(state: State, user: Any) -> dict[str, Any]:
    return {"publications": published_rows()}
