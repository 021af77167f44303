"""Background jobs (Django's tasks framework): the web queues, `infobase db_worker` runs."""

from __future__ import annotations

from django_tasks import task

from infobase.reports.services import report_run_execute


@task()
def run_report(run_id: str) -> None:
    report_run_execute(run_id)
