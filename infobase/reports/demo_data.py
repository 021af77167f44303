"""Demo: the analytical report on the Convention for the first reporting cycle, produced and
published (web pages in the six languages and the Excel tables), so that the public pages
show a published report. The report is computed from the illustrative demo answers."""

from __future__ import annotations

from datetime import date

from infobase.demo.services import DemoContext, demo_contributor
from infobase.questionnaires.models import ReportingCycle
from infobase.reports import engine
from infobase.reports.services import publication_create, report_request


@demo_contributor(order=90)
def published_analytical_report(ctx: DemoContext) -> None:
    secretariat = ctx.users.get("secretariat")
    if secretariat is None or not ReportingCycle.objects.filter(number=1).exists():
        return
    params = engine.get("analytical").clean(
        {
            "instrument": "untoc",
            "cycle": "1",
            "date": date(2026, 6, 1).isoformat(),
            "symbol": "CTOC/COP/2026/DEMO.1",
        }
    )
    runs = [
        report_request(
            user=secretariat, slug="analytical", params=params, lang=lang, fmt=fmt, run_now=True
        )
        for lang, fmt in (
            ("en", "html"),
            ("ar", "html"),
            ("fr", "html"),
            ("es", "html"),
            ("ru", "html"),
            ("zh-hans", "html"),
            ("en", "xlsx"),
        )
    ]
    publication_create(user=secretariat, run=runs[0])
    ctx.count("published reports")
