"""A record whose file is gone from the store answers a translated 404, never a 500."""

from __future__ import annotations

import pytest

from infobase.reports.models import ReportRun, RunStatus
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_report_whose_file_is_gone_answers_404_in_the_users_language(secretariat):
    run = ReportRun.objects.create(
        report="analytical",
        lang="en",
        fmt="pdf",
        fingerprint="x",
        status=RunStatus.DONE,
        file="reports/analytical/gone/report.pdf",
    )
    client = client_for(secretariat)
    response = client.get(f"/reports/runs/{run.pk}/file/")
    assert response.status_code == 404
    assert "no longer in the file store" in response.content.decode()

    client.post("/accounts/language/", {"language": "fr", "next": "/"})
    response = client.get(f"/reports/runs/{run.pk}/file/")
    assert response.status_code == 404
    assert 'lang="fr"' in response.content.decode()
