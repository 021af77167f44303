"""``infobase mandates-check``: each mandate with its status; exit 1 when a due one is not met."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from infobase.accounts.models import User
from infobase.meetings.models import Mandate, ManualStatus
from infobase.meetings.services import mandate_set_status
from tests.meetings.conftest import Data

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("mandates-check", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_passes_when_every_due_mandate_is_met(met: Data) -> None:
    out, _err = run("--today", "2009-01-01", "--lang", "en")
    lines = [line for line in out.splitlines() if line[3:4] == "("]
    assert len(lines) == 13
    assert "(e) The working group: Met [checked automatically; due: 2008-10-08]" in out
    assert "CTOC/COP/2008/90" in out  # the chair's report is shown as evidence
    assert "!!" not in out


def test_it_exits_1_when_a_due_mandate_is_not_met(met: Data) -> None:
    met.chair_report.delete()  # type: ignore[union-attr]
    with pytest.raises(CommandError) as caught:
        run("--today", "2009-01-01", "--lang", "en")
    assert caught.value.returncode == 1
    assert "1 mandate(s) due and not met" in str(caught.value)


def test_nothing_fails_before_the_mandates_are_due(decision_data: Data) -> None:
    out, _err = run("--today", "2006-01-01", "--lang", "en")
    assert "Not yet due" in out
    assert "!!" not in out


def test_a_manual_mandate_marked_not_done_fails(met: Data, secretariat: User) -> None:
    mandate = Mandate.objects.get(paragraph="d")
    mandate_set_status(
        mandate=mandate, status=ManualStatus.NOT_DONE, reason="no project", user=secretariat
    )
    with pytest.raises(CommandError):
        run("--today", "2009-01-01")


def test_it_prints_in_the_language_asked_for(met: Data) -> None:
    out, _err = run("--today", "2009-01-01", "--lang", "ar")
    assert "أنشطة المساعدة التقنية" in out


def test_unknown_decision_and_bad_date_are_errors(decision_data: Data) -> None:
    with pytest.raises(CommandError, match="9/9"):
        run("--decision", "9/9")
    with pytest.raises(CommandError, match="2009-13-01"):
        run("--today", "2009-13-01")
