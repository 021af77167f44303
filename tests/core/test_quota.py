"""A State's stored files (attachments of its answers, documents of its requests) have a quota
together: past it, a new file is refused with a message, and nothing of the form is kept."""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from infobase.core.errors import InvalidInput
from infobase.core.quota import state_files_bytes
from infobase.needs.models import AssistanceRequest
from infobase.questionnaires import services
from infobase.questionnaires.models import AnswerFile, Assignment, Item, ItemKind
from tests.conftest import client_for
from tests.questionnaires.conftest import build_questionnaire

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"%" * 900 + b"\n%%EOF\n"


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def answering(egypt):  # type: ignore[no-untyped-def]
    questionnaire = build_questionnaire(cycle_number=94, code="quota-q")
    items = [
        Item.objects.create(
            questionnaire=questionnaire,
            position=900 + n,
            name=name,
            kind=ItemKind.FILE,
            xlsform_type="file",
            label={"en": name, "ar": name},
        )
        for n, name in enumerate(["law_text", "decree_text"])
    ]
    assignment = Assignment.objects.create(
        questionnaire=questionnaire,
        state=egypt,
        deadline=date(2030, 1, 31),
        dispatched_at=timezone.now(),
    )
    return assignment, items


def stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_an_attachment_within_the_quota_is_kept_and_counted(answering, focal_egypt, egypt):  # type: ignore[no-untyped-def]
    assignment, (law, _decree) = answering
    with override_settings(INFOBASE_STATE_FILES_QUOTA_BYTES=3 * len(PDF)):
        services.answer_file_add(
            assignment=assignment, item=law, repeat_path="", upload=pdf("a.pdf"), user=focal_egypt
        )
    assert AnswerFile.objects.get().size == len(PDF)
    assert state_files_bytes(state_id=egypt.pk) == len(PDF)


def test_the_service_refuses_an_attachment_past_the_quota(answering, focal_egypt, egypt):  # type: ignore[no-untyped-def]
    assignment, (law, _decree) = answering
    with override_settings(INFOBASE_STATE_FILES_QUOTA_BYTES=len(PDF) + 10):
        services.answer_file_add(
            assignment=assignment, item=law, repeat_path="", upload=pdf("a.pdf"), user=focal_egypt
        )
        with pytest.raises(InvalidInput) as refused:
            services.answer_file_add(
                assignment=assignment,
                item=law,
                repeat_path="",
                upload=pdf("b.pdf"),
                user=focal_egypt,
            )
    assert "b.pdf" in str(refused.value)
    assert list(AnswerFile.objects.values_list("original_name", flat=True)) == ["a.pdf"]


def test_a_request_document_counts_in_the_same_quota(answering, focal_egypt, egypt):  # type: ignore[no-untyped-def]
    """A document filed with a request, then an attachment that would pass the quota with it:
    the answer page refuses it, in the reader's language, and keeps nothing it was sent."""
    assignment, _items = answering
    with override_settings(INFOBASE_STATE_FILES_QUOTA_BYTES=int(2.5 * len(PDF))):
        response = client_for(focal_egypt).post(
            reverse("request_new"),
            {
                "instrument": 1,
                "articles": "5",
                "kinds": ["training"],
                "title": "T",
                "description": "D",
                "urgency": "medium",
                "document": pdf("note.pdf"),
            },
        )
        assert response.status_code == 302, response.content
        assert AssistanceRequest.objects.get().document_size == len(PDF)
        files_before = stored_files()
        # Two attachments sent together: the first fits, the second would pass the quota.
        response = client_for(focal_egypt).post(
            reverse("assignment_answer", args=[assignment.pk]) + "?lang=ar",
            {"action": "save", "f-law_text": pdf("law.pdf"), "f-decree_text": pdf("decree.pdf")},
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert "لم يُحتفظ بالملف" in page  # the Arabic message
    assert not AnswerFile.objects.exists()  # not even the one that fitted
    assert stored_files() == files_before


def test_the_request_form_refuses_a_document_past_the_quota(focal_egypt, egypt) -> None:  # type: ignore[no-untyped-def]
    files_before = stored_files()
    with override_settings(INFOBASE_STATE_FILES_QUOTA_BYTES=len(PDF) - 1):
        response = client_for(focal_egypt).post(
            reverse("request_new"),
            {
                "instrument": 1,
                "articles": "5",
                "kinds": ["training"],
                "title": "T",
                "description": "D",
                "urgency": "medium",
                "document": pdf("note.pdf"),
            },
        )
    assert response.status_code in (200, 400)
    errors = response.context["form"].errors
    assert list(errors) == ["document"] and "مصر" in errors["document"][0]  # Egypt, in Arabic
    assert not AssistanceRequest.objects.exists()
    assert stored_files() == files_before


def locked_elsewhere(state_id: int) -> dict[str, bool]:
    """Whether another session finds the State's row locked: for a writer of the State's files
    (``FOR NO KEY UPDATE``) and for a row referring to the State (``FOR KEY SHARE``)."""
    import threading

    from django.db import OperationalError
    from django.db import connection as own

    found: dict[str, bool] = {}

    def ask() -> None:
        try:
            for mode, sql in (
                (
                    "NO KEY UPDATE",
                    "SELECT id FROM reference_state WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                ),
                ("KEY SHARE", "SELECT id FROM reference_state WHERE id = %s FOR KEY SHARE NOWAIT"),
            ):
                try:
                    with transaction.atomic(), own.cursor() as cursor:
                        cursor.execute(sql, [state_id])
                    found[mode] = False
                except OperationalError:
                    found[mode] = True
        finally:
            own.close()

    thread = threading.Thread(target=ask)
    thread.start()
    thread.join(30)
    return found


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite: every transaction takes the write lock up front, one after the other",
)
def test_a_stored_file_keeps_its_states_files_locked_until_its_transaction_ends(
    answering, focal_egypt, egypt, senegal
):  # type: ignore[no-untyped-def]
    """Two uploads of a State at the same moment are checked one after the other: the first
    holds the State's row until it is stored; rows referring to the State are not held up."""
    assignment, (law, _decree) = answering
    assert locked_elsewhere(egypt.pk) == {"NO KEY UPDATE": False, "KEY SHARE": False}
    services.answer_file_add(
        assignment=assignment, item=law, repeat_path="", upload=pdf("a.pdf"), user=focal_egypt
    )
    # The test's transaction is still open, as the upload's would be until it commits.
    assert locked_elsewhere(egypt.pk) == {"NO KEY UPDATE": True, "KEY SHARE": False}
    assert locked_elsewhere(senegal.pk) == {"NO KEY UPDATE": False, "KEY SHARE": False}


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite: every transaction takes the write lock up front, one after the other",
)
def test_a_request_document_is_checked_with_the_states_files_locked(focal_egypt, egypt):  # type: ignore[no-untyped-def]
    from infobase.needs.models import RequestSource
    from infobase.needs.requests import request_create
    from infobase.reference.models import Article, Instrument

    untoc = Instrument.objects.get(code="untoc")
    request_create(
        user=focal_egypt,
        state=egypt,
        instrument=untoc,
        title="T",
        description="D",
        language="en",
        urgency="medium",
        received_on=date(2026, 1, 5),
        lines=[(Article.objects.get(instrument=untoc, number=5), None, "training")],
        source=RequestSource.WEB,
        document=pdf("note.pdf"),
    )
    assert locked_elsewhere(egypt.pk)["NO KEY UPDATE"]


def test_the_locked_check_refuses_to_run_outside_a_transaction(egypt) -> None:  # type: ignore[no-untyped-def]
    from infobase.core.quota import locked_quota_problems

    with transaction.atomic():
        assert locked_quota_problems(state=egypt, uploads=[pdf("a.pdf")]) == {}
    # pytest-django's test transaction makes every test atomic: leave it to ask outside one.
    connection.in_atomic_block, atomic = False, connection.in_atomic_block
    try:
        with pytest.raises(RuntimeError):
            locked_quota_problems(state=egypt, uploads=[pdf("a.pdf")])
    finally:
        connection.in_atomic_block = atomic


def test_migrations_leave_every_change_log_trigger_in_place() -> None:
    """Adding a column with a default makes SQLite rebuild the table, which drops its
    triggers: the derivation would then miss changes without a word (``core.quota``'s
    column on requests is nullable for that reason)."""
    made = importlib.import_module("infobase.needs.migrations.0005_source_changes")
    expected = {name for name, *_rest in made._triggers()}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%%_log_%%' AND NOT tgisinternal"
            )
        present = {name for (name,) in cursor.fetchall()}
    assert expected <= present
