"""A report's web page is served with a policy that allows exactly its own inline styles."""

from __future__ import annotations

import base64
import hashlib
import html
import re

import pytest
from django.core.files.base import ContentFile

from infobase.reports.models import ReportRun, RunStatus
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PAGE = (
    '<!doctype html><html lang="ar" dir="rtl"><head><style>.rc-seg{display:inline-block}</style>'
    '</head><body><span class="rc-seg" style="inline-size:42.5%;background:#1f77b4"></span>'
    "<td style='background:#fde0dd;color:#000'>3</td>"
    '<span style="inline-size:42.5%;background:#1f77b4"></span></body></html>'
)


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_page_allows_its_own_styles_by_hash_and_nothing_inline_else(
    secretariat, tmp_path, settings
):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    run = ReportRun(
        report="analytical", lang="ar", fmt="html", fingerprint="x", status=RunStatus.DONE
    )
    run.file.save("report.html", ContentFile(PAGE.encode()), save=True)

    response = client_for(secretariat).get(f"/reports/runs/{run.pk}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PAGE.encode()  # the stream was not closed
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "sandbox" in policy
    attributes = {html.unescape(v) for v in re.findall(r"""style=["']([^"']*)["']""", PAGE)}
    assert len(attributes) == 2
    for value in attributes:
        assert sha(value) in policy
    assert sha(".rc-seg{display:inline-block}") in policy
    assert "'unsafe-hashes'" in policy
