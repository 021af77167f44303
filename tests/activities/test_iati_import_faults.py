"""An IATI import whose database session is ended mid-file (PostgreSQL: an administrator's
``pg_terminate_backend``, a server restarting)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.activities.test_iati_import import activity_xml, iati_file
from tests.core.test_jobs_workers import ROOT, SETUP, database_url

# In a process of its own, on the test database: its session is ended, which would end the
# test's own transaction. Batches of one activity: the session is ended after the first batch
# of the file, which the next one then finds gone. What the run kept is printed, then removed.
IMPORT = (
    SETUP
    + """
from pathlib import Path
import psycopg
from django.db import connection
from django.db.utils import OperationalError
from infobase.activities.iati_import import iati_import, pipeline
from infobase.activities.models import Activity, ImportRun
pipeline.BATCH = 1

def end_session(fraction, step):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with psycopg.connect(sys.argv[2], autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])

try:
    iati_import(paths=[Path(sys.argv[1])], progress=end_session)
    raised = ""
except OperationalError as error:
    raised = type(error).__name__
run = ImportRun.objects.get()
ids = json.loads(sys.argv[3])
print(json.dumps({
    "raised": raised,
    "status": run.status,
    "created": run.created,
    "report": run.report,
    "activities": Activity.objects.filter(iati_identifier__in=ids).count(),
}))
Activity.objects.filter(iati_identifier__in=ids).delete()
run.delete()
"""
)


@pytest.mark.django_db
def test_an_import_whose_session_is_ended_mid_file_keeps_nothing_of_the_file(tmp_path):  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("a session ended by the server: PostgreSQL")
    ids = [f"XX-TEST-1-END{n}" for n in range(3)]
    (tmp_path / "a.xml").write_bytes(iati_file("".join(activity_xml(i) for i in ids)))
    url = database_url(tmp_path)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "infobase.settings",
        "DATABASE_URL": url,
        "PYTHONPATH": str(ROOT),
    }
    admin = url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    done = subprocess.run(  # noqa: S603  (the test's own command)
        [sys.executable, "-c", IMPORT, str(tmp_path), admin, json.dumps(ids)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout.strip().splitlines()[-1])
    # The file's transaction went with the session: none of its activities, and the failed run
    # counts none of them either (it said "created 1", with its line in the report).
    assert run["raised"] == "OperationalError" and run["status"] == "failed"
    assert run["activities"] == 0
    assert run["created"] == 0 and run["report"] == [], run
