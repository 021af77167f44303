"""Requests for technical assistance: filing, confidentiality between States, the workflow and
its history, the yearly follow-up, and the spreadsheet import."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook

from infobase.accounts.models import User
from infobase.core.errors import InvalidInput
from infobase.needs import requests as services
from infobase.needs import requests_mail
from infobase.needs.models import (
    AssistanceRequest,
    RequestLine,
    RequestSource,
    RequestStatus,
)
from infobase.needs.requests_import import requests_import
from infobase.reference.models import Article, AssistanceKind, Instrument, State
from tests.conftest import client_for
from tests.core.test_tabular import to_strict

pytestmark = pytest.mark.django_db

ARABIC_TITLE = "تدريب المدعين العامين على التحقيقات المالية"
ARABIC_DESCRIPTION = "نحتاج إلى مساعدة في تدريب أعضاء النيابة العامة على تتبع عائدات الجريمة."


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def untoc() -> Instrument:
    return Instrument.objects.get(code="untoc")


def article(number: int, code: str = "untoc") -> Article:
    return Article.objects.get(instrument__code=code, number=number)


def file_for(
    user: User, state: State, *, title: str = "Training of prosecutors", **extra: object
) -> AssistanceRequest:
    fields: dict[str, object] = {
        "user": user,
        "state": state,
        "instrument": Instrument.objects.get(code="untoc"),
        "title": title,
        "description": "Help to trace the proceeds of crime.",
        "language": "en",
        "urgency": "high",
        "received_on": date(2024, 3, 1),
        "lines": [(article(12), 2, AssistanceKind.TRAINING)],
        "source": RequestSource.NOTE_VERBALE if user.is_secretariat else RequestSource.WEB,
    }
    fields.update(extra)
    return services.request_create(**fields)  # type: ignore[arg-type]


# --- Filing -------------------------------------------------------------------------------


def test_focal_point_files_a_request_in_arabic_for_its_state_on_the_web(focal_egypt, egypt):
    client = client_for(focal_egypt)
    page = client.get(reverse("request_new"))
    assert page.status_code == 200
    assert 'name="state"' not in page.content.decode()  # their own State, not a choice
    response = client.post(
        reverse("request_new"),
        {
            "instrument": Instrument.objects.get(code="untoc").pk,
            "articles": "12(2); 13",
            "kinds": [AssistanceKind.TRAINING, AssistanceKind.LEGISLATIVE],
            "title": ARABIC_TITLE,
            "description": ARABIC_DESCRIPTION,
            "language": "ar",
            "urgency": "high",
            "needed_by": "2031-01-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    req = AssistanceRequest.objects.get()
    assert response["Location"] == reverse("request_detail", args=[req.pk])
    assert (req.state, req.source, req.language, req.title) == (egypt, "web", "ar", ARABIC_TITLE)
    assert req.received_on == timezone.localdate()
    assert req.filed_by == focal_egypt
    assert req.status == RequestStatus.RECEIVED
    lines = set(req.lines.values_list("article__number", "paragraph", "kind"))
    assert lines == {
        (12, 2, "training"),
        (12, 2, "legislative"),
        (13, None, "training"),
        (13, None, "legislative"),
    }
    # Searchable without diacritics or hamza: "المدعين" is found as written and folded.
    found = services.request_search(services.requests_for(focal_egypt), "التحقيقات المالية")
    assert list(found) == [req]
    record = req.history.get()
    assert record.history_user == focal_egypt
    assert record.history_change_reason
    detail = client.get(reverse("request_detail", args=[req.pk])).content.decode()
    assert ARABIC_TITLE in detail
    assert 'lang="ar"' in detail


def test_focal_point_cannot_file_for_another_state(focal_egypt, senegal):
    with pytest.raises(PermissionDenied):
        file_for(focal_egypt, senegal)
    assert not AssistanceRequest.objects.exists()


def test_focal_point_cannot_record_a_note_verbale(focal_egypt, egypt):
    with pytest.raises(PermissionDenied):
        file_for(focal_egypt, egypt, source=RequestSource.NOTE_VERBALE)
    with pytest.raises(PermissionDenied):
        file_for(focal_egypt, egypt, source=RequestSource.SPREADSHEET)


def test_web_form_ignores_a_posted_state_for_a_focal_point(focal_egypt, egypt, senegal):
    client_for(focal_egypt).post(
        reverse("request_new"),
        {
            "state": senegal.pk,
            "instrument": Instrument.objects.get(code="untoc").pk,
            "articles": "5",
            "kinds": ["training"],
            "title": "Try another State",
            "description": "x",
            "language": "en",
            "urgency": "low",
        },
    )
    assert list(AssistanceRequest.objects.values_list("state", flat=True)) == [egypt.pk]


def test_articles_must_belong_to_the_instrument_and_kinds_must_exist(focal_egypt, egypt):
    with pytest.raises(ValueError, match="not an article of"):
        file_for(focal_egypt, egypt, lines=[(article(3, "tip"), None, "training")])
    with pytest.raises(ValueError, match="not a kind of assistance"):
        file_for(focal_egypt, egypt, lines=[(article(5), None, "magic")])
    with pytest.raises(ValueError, match="at least one"):
        file_for(focal_egypt, egypt, lines=[])
    with pytest.raises(ValueError, match="urgency"):
        file_for(focal_egypt, egypt, urgency="now")
    with pytest.raises(ValueError, match="before the date received"):
        file_for(focal_egypt, egypt, needed_by=date(2020, 1, 1))
    assert not AssistanceRequest.objects.exists()
    assert not RequestLine.objects.exists()


def test_web_form_reports_an_article_the_instrument_lacks(focal_egypt):
    response = client_for(focal_egypt).post(
        reverse("request_new") + "?lang=en",  # the focal point's own language is Arabic
        {
            "instrument": Instrument.objects.get(code="tip").pk,
            "articles": "3; 99",
            "kinds": ["training"],
            "title": "t",
            "description": "d",
            "urgency": "low",
        },
    )
    assert response.status_code == 200
    assert "has no article 99" in response.content.decode()
    assert not AssistanceRequest.objects.exists()


def test_secretariat_records_a_note_verbale_with_its_document(secretariat, senegal):
    client = client_for(secretariat)
    page = client.get(reverse("request_new")).content.decode()
    assert 'name="state"' in page and 'name="document"' in page
    pdf = SimpleUploadedFile("NV-2024-17.pdf", b"%PDF-1.4 note verbale", "application/pdf")
    response = client.post(
        reverse("request_new"),
        {
            "state": senegal.pk,
            "instrument": Instrument.objects.get(code="som").pk,
            "articles": "6; 8",
            "kinds": ["legislative"],
            "title": "Assistance législative contre le trafic de migrants",
            "description": "Révision du code pénal.",
            "language": "fr",
            "urgency": "medium",
            "received_on": "2024-02-15",
            "reference": "NV/2024/17",
            "document": pdf,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    req = AssistanceRequest.objects.get()
    assert (req.state, req.source, req.reference) == (senegal, "note_verbale", "NV/2024/17")
    assert req.received_on == date(2024, 2, 15)
    assert req.document.name.startswith("requests/SEN/")
    assert "NV/2024/17" in req.history.get().history_change_reason
    download = client.get(reverse("request_document", args=[req.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 note verbale"  # type: ignore[attr-defined]
    # The search key folds the French accents.
    assert list(services.request_search(AssistanceRequest.objects.all(), "legislative")) == [req]


def test_document_of_the_wrong_kind_is_refused(secretariat, senegal):
    response = client_for(secretariat).post(
        reverse("request_new"),
        {
            "state": senegal.pk,
            "instrument": Instrument.objects.get(code="untoc").pk,
            "articles": "5",
            "kinds": ["training"],
            "title": "t",
            "description": "d",
            "urgency": "low",
            "received_on": "2024-02-15",
            "document": SimpleUploadedFile("run.exe", b"MZ"),
        },
    )
    assert response.status_code == 200
    assert not AssistanceRequest.objects.exists()


# --- Another State's requests stay out of sight ------------------------------------------


@pytest.fixture
def senegal_request(focal_senegal, senegal) -> AssistanceRequest:
    return file_for(focal_senegal, senegal, title="Formation des enquêteurs sénégalais")


@pytest.fixture
def egypt_request(focal_egypt, egypt) -> AssistanceRequest:
    return file_for(focal_egypt, egypt, title="Training of Egyptian investigators")


def test_focal_point_sees_only_its_states_requests(focal_egypt, egypt_request, senegal_request):
    client = client_for(focal_egypt)
    listing = client.get(reverse("request_list")).content.decode()
    assert "Egyptian investigators" in listing
    assert "sénégalais" not in listing
    searched = client.get(reverse("request_list"), {"q": "enqueteurs senegalais"}).content.decode()
    assert "sénégalais" not in searched
    assert list(services.request_search(services.requests_for(focal_egypt), "senegalais")) == []
    # Filtering on the other State by hand changes nothing.
    other = client.get(reverse("request_list"), {"state": senegal_request.state.iso3})
    assert "sénégalais" not in other.content.decode()


def test_focal_point_cannot_open_move_or_read_the_history_of_another_states_request(
    focal_egypt, senegal_request
):
    client = client_for(focal_egypt)
    pk = senegal_request.pk
    assert client.get(reverse("request_detail", args=[pk])).status_code == 404
    assert client.get(reverse("request_document", args=[pk])).status_code == 404
    response = client.post(
        reverse("request_transition", args=[pk]), {"to": "withdrawn", "reason": "not ours"}
    )
    assert response.status_code == 404
    history = client.get(reverse("history", args=["needs.assistancerequest", pk]))
    assert history.status_code == 404
    with pytest.raises(PermissionDenied):
        services.request_transition(
            request=senegal_request, user=focal_egypt, to="withdrawn", reason="not ours"
        )
    senegal_request.refresh_from_db()
    assert senegal_request.status == RequestStatus.RECEIVED


def test_others_see_no_request(donor, delegate, senegal_request):
    assert client_for(donor).get(reverse("request_list")).status_code == 403
    detail = client_for(donor).get(reverse("request_detail", args=[senegal_request.pk]))
    assert detail.status_code == 403
    assert not services.requests_for(donor).exists()
    # The Mexican delegate sees Mexico's requests only.
    assert not services.requests_for(delegate).exists()
    assert client_for(None).get(reverse("request_list")).status_code == 302  # to sign in


def test_secretariat_sees_every_request(secretariat, egypt_request, senegal_request):
    listing = client_for(secretariat).get(reverse("request_list")).content.decode()
    assert "Egyptian investigators" in listing and "sénégalais" in listing
    # The filters say what an empty choice means, as on the other lists (not "---------").
    assert ">Any instrument</option>" in listing and ">Any State</option>" in listing
    assert "---------" not in listing
    only = client_for(secretariat).get(reverse("request_list"), {"state": egypt_request.state.iso3})
    assert "sénégalais" not in only.content.decode()


# --- Workflow and history -----------------------------------------------------------------


def test_secretariat_moves_a_request_through_the_workflow_with_history(secretariat, egypt_request):
    req = egypt_request
    for to, reason in [
        ("under_review", ""),
        ("matched", "Matched with the UNODC Global Programme"),
        ("in_delivery", "Workshop scheduled"),
        ("met", "Training delivered in Cairo"),
    ]:
        services.request_transition(request=req, user=secretariat, to=to, reason=reason)
        assert req.status == to
    assert req.matched_on == timezone.localdate()
    records = list(req.history.order_by("history_id"))
    assert [r.status for r in records] == [
        "received",
        "under_review",
        "matched",
        "in_delivery",
        "met",
    ]
    assert all(r.history_user == secretariat for r in records[1:])
    assert records[2].history_change_reason == "Matched with the UNODC Global Programme"
    assert records[1].history_change_reason  # a default reason is kept
    page = client_for(secretariat).get(reverse("history", args=["needs.assistancerequest", req.pk]))
    assert page.status_code == 200
    assert "Training delivered in Cairo" in page.content.decode()
    # A closed request cannot move any more.
    with pytest.raises(ValueError):
        services.request_transition(request=req, user=secretariat, to="declined", reason="x")


def test_invalid_moves_and_missing_reasons_are_refused(secretariat, egypt_request):
    req = egypt_request
    with pytest.raises(ValueError, match="cannot be moved"):
        services.request_transition(request=req, user=secretariat, to="matched", reason="")
    with pytest.raises(ValueError, match="cannot be moved"):
        services.request_transition(request=req, user=secretariat, to="received", reason="")
    with pytest.raises(ValueError, match="reason"):
        services.request_transition(request=req, user=secretariat, to="declined", reason="  ")
    with pytest.raises(ValueError, match="not a status"):
        services.request_transition(request=req, user=secretariat, to="lost", reason="")
    req.refresh_from_db()
    assert req.status == RequestStatus.RECEIVED
    assert req.history.count() == 1


def test_decline_needs_a_reason_through_the_screen(secretariat, egypt_request):
    client = client_for(secretariat)
    url = reverse("request_transition", args=[egypt_request.pk])
    response = client.post(url, {"to": "declined", "reason": ""}, follow=True)
    assert "reason" in response.content.decode()
    egypt_request.refresh_from_db()
    assert egypt_request.status == RequestStatus.RECEIVED
    client.post(url, {"to": "declined", "reason": "Outside the mandate"})
    egypt_request.refresh_from_db()
    assert egypt_request.status == RequestStatus.DECLINED
    assert egypt_request.history.first().history_change_reason == "Outside the mandate"


def test_state_withdraws_its_request_but_cannot_move_it_otherwise(focal_egypt, egypt_request):
    client = client_for(focal_egypt)
    detail = client.get(reverse("request_detail", args=[egypt_request.pk])).content.decode()
    assert 'value="withdrawn"' in detail
    assert 'value="under_review"' not in detail and 'value="declined"' not in detail
    with pytest.raises(PermissionDenied):
        services.request_transition(
            request=egypt_request, user=focal_egypt, to="under_review", reason=""
        )
    response = client.post(
        reverse("request_transition", args=[egypt_request.pk]),
        {"to": "withdrawn", "reason": "Funded bilaterally"},
    )
    assert response.status_code == 302
    egypt_request.refresh_from_db()
    assert egypt_request.status == RequestStatus.WITHDRAWN
    last = egypt_request.history.first()
    assert (last.history_user, last.history_change_reason) == (focal_egypt, "Funded bilaterally")


def test_detail_shows_the_needs_a_request_is_evidence_for(secretariat, egypt_request):
    from infobase.needs.models import Need, NeedEvidence

    line = egypt_request.lines.get()
    need = Need.objects.create(
        state=egypt_request.state, article=line.article, kind=line.kind, first_seen=date(2024, 1, 1)
    )
    NeedEvidence.objects.create(need=need, kind="request", request_line=line)
    page = client_for(secretariat).get(reverse("request_detail", args=[egypt_request.pk]))
    assert "In the needs register" in page.content.decode()
    assert str(need) in page.content.decode()


# --- Follow-up ----------------------------------------------------------------------------


def test_follow_up_a_year_after_matching_is_sent_once_in_each_users_language(
    secretariat, focal_egypt, egypt_request
):
    focal_egypt.email = "hoda@example.org"
    focal_egypt.save()
    services.request_transition(
        request=egypt_request, user=secretariat, to="under_review", reason=""
    )
    services.request_transition(request=egypt_request, user=secretariat, to="matched", reason="")
    AssistanceRequest.objects.filter(pk=egypt_request.pk).update(matched_on=date(2024, 1, 10))

    assert requests_mail.requests_follow_up(today=date(2025, 1, 9)) == []  # not yet a year
    assert mail.outbox == []
    sent = requests_mail.requests_follow_up(today=date(2025, 1, 10))
    assert [r.pk for r in sent] == [egypt_request.pk]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hoda@example.org"]
    # In Arabic, the user's language: Django's Arabic date format names the month in Arabic.
    assert "يناير" in message.body
    assert reverse("request_detail", args=[egypt_request.pk]) in message.body
    egypt_request.refresh_from_db()
    assert egypt_request.follow_up_sent_on == date(2025, 1, 10)
    assert "hoda@example.org" in egypt_request.history.first().history_change_reason

    # Once: running again the same day or later in the year sends nothing more.
    assert requests_mail.requests_follow_up(today=date(2025, 1, 10)) == []
    assert requests_mail.requests_follow_up(today=date(2025, 12, 31)) == []
    assert len(mail.outbox) == 1
    # Again a year later, while it is still open.
    assert len(requests_mail.requests_follow_up(today=date(2026, 1, 10))) == 1
    assert len(mail.outbox) == 2
    # Not once it is met.
    services.request_transition(
        request=egypt_request, user=secretariat, to="in_delivery", reason=""
    )
    services.request_transition(request=egypt_request, user=secretariat, to="met", reason="")
    assert requests_mail.requests_follow_up(today=date(2030, 1, 10)) == []


def test_follow_up_is_written_in_french_for_a_french_speaking_focal_point(
    secretariat, focal_senegal, senegal_request
):
    focal_senegal.email = "awa@example.org"
    focal_senegal.save()
    AssistanceRequest.objects.filter(pk=senegal_request.pk).update(
        status="in_delivery", matched_on=date(2023, 3, 1)
    )
    call_command("requests-follow-up", "--today", "2024-03-01", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    assert "mars" in mail.outbox[0].body


def test_follow_up_waits_when_the_state_has_no_focal_point_with_an_address(
    focal_egypt, egypt_request
):
    AssistanceRequest.objects.filter(pk=egypt_request.pk).update(
        status="matched", matched_on=date(2020, 1, 1)
    )
    assert focal_egypt.email == ""
    assert requests_mail.requests_follow_up(today=date(2024, 1, 1)) == []
    egypt_request.refresh_from_db()
    assert egypt_request.follow_up_sent_on is None


# --- Import -------------------------------------------------------------------------------

HEADER = (
    "iso3,instrument,articles,kinds,title,description,language,urgency,received_on,"
    "needed_by,reference,confidential"
)


def csv_bytes(*rows: str) -> io.BytesIO:
    return io.BytesIO(("\n".join([HEADER, *rows]) + "\n").encode("utf-8"))


def import_on_the_web(client, upload, *, lang: str = "") -> str:
    """The import as the secretariat does it on the web: the file goes to a background job (run
    at once in tests), and the person lands on the job's page, which says how it went."""
    address = reverse("requests_import") + (f"?lang={lang}" if lang else "")
    response = client.post(address, {"file": upload})
    assert response.status_code == 302, response.content.decode()[:300]
    assert "/jobs/" in response["Location"]
    return client.get(response["Location"], {"lang": lang} if lang else {}).content.decode()


def test_import_reports_every_problem_by_line_and_column_and_writes_nothing(secretariat):
    source = csv_bytes(
        # line 2: correct
        "EGY,untoc,5; 6(2),training,Good row,Fine,en,high,2024-01-05,,NV/1,no",
        # line 3: unknown State, unknown kind, bad urgency
        "XXX,untoc,5,magic,Bad row,d,en,urgent,2024-01-05,,,no",
        # line 4: article not in the instrument, bad date, bad confidential flag
        "SEN,tip,99,training,Other,d,fr,low,05/01/2024,,,maybe",
        # line 5: unknown instrument and a missing title
        "Sénégal,convention,5,training,,d,fr,low,2024-01-05,,,",
        # line 6: needed before received, bad language code
        "EGY,untoc,5,training,Late,d,Arabic!,low,2024-01-05,2023-01-01,,",
    )
    with pytest.raises(InvalidInput) as caught:
        requests_import(source=source, filename="requests.csv", user=secretariat)
    places = {(p.line, p.column) for p in caught.value.problems}
    assert places == {
        (3, "iso3"),
        (3, "kinds"),
        (3, "urgency"),
        (4, "articles"),
        (4, "received_on"),
        (4, "confidential"),
        (5, "instrument"),
        (5, "title"),
        (6, "needed_by"),
        (6, "language"),
    }
    assert all(p.file == "requests.csv" and p.sheet is None for p in caught.value.problems)
    assert "requests.csv, line 3, column “iso3”" in str(caught.value)
    assert not AssistanceRequest.objects.exists()
    assert not RequestLine.objects.exists()


def test_import_reports_missing_and_unknown_columns(secretariat):
    source = io.BytesIO(b"iso3,instrument,articles,title,colour\nEGY,untoc,5,t,red\n")
    with pytest.raises(InvalidInput) as caught:
        requests_import(source=source, filename="r.csv", user=secretariat)
    messages = [str(p) for p in caught.value.problems]
    assert any("“colour”" in m for m in messages)
    for column in ("kinds", "description", "urgency", "received_on"):
        assert any(f"“{column}” is missing" in m for m in messages)


def test_import_of_a_correct_csv_creates_every_request_in_one_go(secretariat, egypt, senegal):
    source = csv_bytes(
        "EGY,untoc,5; 6(2); 12,training; Legislative advice and drafting,"
        f"{ARABIC_TITLE},{ARABIC_DESCRIPTION},ar,high,2024-01-05,2024-12-31,NV/1,yes",
        "Sénégal,som,6,onsite_expert,Expert sur place,Un expert,fr,low,2024-02-01,,,no",
        "  ,  ,  ,,,,,,,,,",
        "مصر,firearms,5,technology,Marking equipment,Equipment,en,medium,2024-03-01,,,",
    )
    created = requests_import(source=source, filename="requests.csv", user=secretariat)
    assert len(created) == 3
    first, second, third = created
    assert (first.state, first.source, first.language, first.confidential) == (
        egypt,
        RequestSource.SPREADSHEET,
        "ar",
        True,
    )
    assert first.title == ARABIC_TITLE
    assert first.needed_by == date(2024, 12, 31)
    assert set(first.lines.values_list("article__number", "paragraph", "kind")) == {
        (5, None, "training"),
        (6, 2, "training"),
        (12, None, "training"),
        (5, None, "legislative"),
        (6, 2, "legislative"),
        (12, None, "legislative"),
    }
    assert second.state == senegal and second.instrument.code == "som"
    assert third.state == egypt and third.lines.get().kind == "technology"
    reason = first.history.get().history_change_reason
    assert "requests.csv, line 2" in reason
    assert first.history.get().history_user == secretariat
    # Importing the same file again is refused rather than duplicated.
    again = csv_bytes("EGY,untoc,5,training,Marking,x,en,high,2024-01-05,,NV/1,no")
    requests_import(source=again, filename="again.csv", user=secretariat)
    with pytest.raises(InvalidInput, match="already recorded"):
        requests_import(
            source=csv_bytes("EGY,untoc,5,training,Marking,x,en,high,2024-01-05,,NV/1,no"),
            filename="again.csv",
            user=secretariat,
        )


def test_import_of_a_correct_xlsx(secretariat, egypt, tmp_path: Path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Requests"
    ws.append(HEADER.split(","))
    ws.append(
        [
            "EGY",
            "tip",
            "5(1); 9",
            "training",
            "Victim identification",
            "Train labour inspectors",
            "en",
            "High",
            date(2024, 4, 2),
            date(2025, 1, 1),
            "NV/77",
            "no",
        ]
    )
    ws.append(["EGY", "tip", 10, "training", "Border", "d", "", "low", "2024-04-03"])
    path = tmp_path / "requests.xlsx"
    wb.save(path)
    out = io.StringIO()
    call_command("requests-import", str(path), "--user", secretariat.username, stdout=out)
    assert "requests imported: 2" in out.getvalue()
    first, second = AssistanceRequest.objects.order_by("pk")
    assert (first.received_on, first.needed_by, first.urgency) == (
        date(2024, 4, 2),
        date(2025, 1, 1),
        "high",
    )
    assert set(first.lines.values_list("article__number", "paragraph")) == {(5, 1), (9, None)}
    assert second.lines.get().article.number == 10
    assert "sheet “Requests”, row 3" in second.history.get().history_change_reason


def test_xlsx_problems_name_the_sheet_and_row(secretariat, tmp_path: Path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Demandes"
    ws.append(HEADER.split(","))
    ws.append(["EGY", "untoc", "5", "training", "t", "d", "en", "high", "not a date"])
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    with pytest.raises(CommandError) as caught:
        call_command("requests-import", str(path), "--user", secretariat.username)
    assert "bad.xlsx, sheet “Demandes”, row 2, column “received_on”" in str(caught.value)
    assert not AssistanceRequest.objects.exists()


def test_formula_looking_text_is_stored_as_text(secretariat, tmp_path: Path):
    formula = '=HYPERLINK("http://evil.example","click")'
    source = csv_bytes(
        f'EGY,untoc,5,training,"{formula.replace(chr(34), chr(34) * 2)}",'
        "@SUM(1+1),en,high,2024-01-05,,'=1+2,no"
    )
    created = requests_import(source=source, filename="f.csv", user=secretariat)
    assert created[0].title == formula
    assert created[0].description == "@SUM(1+1)"
    assert created[0].reference == "=1+2"  # the guard apostrophe of an export is taken off


def test_a_formula_whose_value_the_workbook_does_not_keep_is_refused_naming_its_cell(
    secretariat, tmp_path: Path
):
    """Written by a program that computes nothing (openpyxl here), a formula has no value in
    the file: the request is not filed with an empty title, nor with the formula as its title."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Requests"
    ws.append(HEADER.split(","))
    ws.append(["SEN", "untoc", "5", "training", '="Training "&"of judges"', "-2+3", "fr", "low"])
    ws.append(["EGY", "untoc", "5", "training", "Drafting", "d", "en", "high", "2024-01-05"])
    ws["I2"] = "=DATE(2024,1,5)"
    path = tmp_path / "formula.xlsx"
    wb.save(path)
    with pytest.raises(InvalidInput) as refused:
        requests_import(source=path, filename=path.name, user=secretariat)
    assert [(p.file, p.sheet, p.line, p.column) for p in refused.value.problems] == [
        ("formula.xlsx", "Requests", 2, "title"),
        ("formula.xlsx", "Requests", 2, "received_on"),
    ]
    assert '="Training "&"of judges"' in refused.value.problems[0].message
    assert not AssistanceRequest.objects.exists()


def test_a_state_merged_over_several_rows_is_refused_naming_the_rows_that_would_lose_it(
    secretariat, tmp_path: Path
):
    """The person sees "EGY" beside both requests; the file keeps it on the first row only."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(["EGY", "untoc", "5", "training", "One", "d", "en", "high", "2024-01-05"])
    ws.append([None, "untoc", "6", "training", "Two", "d", "en", "high", "2024-01-05"])
    ws.merge_cells("A2:A3")
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    with pytest.raises(InvalidInput) as refused:
        requests_import(source=path, filename=path.name, user=secretariat)
    (problem,) = refused.value.problems
    assert (problem.sheet, problem.line, problem.column) == ("Sheet", 3, "iso3")
    assert "A2:A3" in problem.message
    assert not AssistanceRequest.objects.exists()


def test_only_the_secretariat_imports(focal_egypt, secretariat):
    with pytest.raises(PermissionDenied):
        requests_import(source=csv_bytes(), filename="r.csv", user=focal_egypt)
    assert client_for(focal_egypt).get(reverse("requests_import")).status_code == 403
    with pytest.raises(CommandError, match="may not import"):
        call_command("requests-import", __file__, "--user", focal_egypt.username)


def test_the_template_offered_is_read_back_by_the_import(focal_egypt, secretariat, tmp_path):
    from openpyxl import load_workbook

    from infobase.needs.requests_import import COLUMNS

    assert client_for(focal_egypt).get(reverse("requests_import_template")).status_code == 403
    page = client_for(secretariat).get(reverse("requests_import") + "?lang=ar").content.decode()
    assert reverse("requests_import_template") in page
    response = client_for(secretariat).get(reverse("requests_import_template") + "?lang=ar")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    assert sheet.max_row == 1  # no example row to be filed by mistake
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        iso3="EGY",
        instrument="untoc",
        articles="5",
        kinds="training",
        title="From the template",
        description="d",
        urgency="high",
        received_on="2024-01-05",
    )
    sheet.append([row[name] for name in COLUMNS])
    path = tmp_path / "filled.xlsx"
    book.save(path)
    (req,) = requests_import(source=path, filename=path.name, user=secretariat)
    assert req.title == "From the template"


def test_import_screen_lists_the_problems(secretariat):
    upload = SimpleUploadedFile(
        "requests.csv", (HEADER + "\nXXX,untoc,5,training,t,d,en,high,2024-01-05,,,no\n").encode()
    )
    page = import_on_the_web(client_for(secretariat), upload, lang="en")
    assert "requests.csv, line 2, column “iso3”" in page
    assert not AssistanceRequest.objects.exists()
    good = SimpleUploadedFile(
        "requests.csv", (HEADER + "\nEGY,untoc,5,training,t,d,en,high,2024-01-05,,,no\n").encode()
    )
    page = import_on_the_web(client_for(secretariat), good, lang="en")
    assert "1 request was imported." in page
    assert AssistanceRequest.objects.count() == 1


def test_a_csv_file_saved_in_a_windows_code_page_is_refused_saying_how_to_save_it(secretariat):
    # Excel's plain "CSV" on an Arabic Windows: the upload is text, the reader names the line.
    row = "\nEGY,untoc,5,training,تدريب,d,ar,high,2024-01-05,,,no\n"
    upload = SimpleUploadedFile("requests.csv", (HEADER + row).encode("cp1256"))
    page = import_on_the_web(client_for(secretariat), upload, lang="ar")
    # In the reader's language, naming the file and the line: "requests.csv, line 2: …".
    assert "requests.csv، السطر 2: الملف ليس بترميز UTF-8" in page and "«CSV UTF-8»" in page
    assert not AssistanceRequest.objects.exists()
    # The same file saved as a spreadsheet's "Unicode text" (UTF-16) is taken.
    upload = SimpleUploadedFile("requests.csv", (HEADER + row).encode("utf-16"))
    import_on_the_web(client_for(secretariat), upload)
    assert AssistanceRequest.objects.get().state.iso3 == "EGY"


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused(secretariat):
    with pytest.raises(InvalidInput, match="neither"):
        requests_import(source=io.BytesIO(b"\x00\x01garbage"), filename="x.bin", user=secretariat)
    with pytest.raises(InvalidInput, match="neither"):
        requests_import(
            source=io.BytesIO(b"PK\x03\x04 not really a zip"), filename="x.xlsx", user=secretariat
        )


def test_a_template_with_a_title_above_and_hidden_lists_names_the_rows_as_the_file_does(
    secretariat,
):
    # A template as a secretariat makes one: the lists of its drop-downs on a hidden first
    # sheet, two rows of title and blank above the header of the sheet the officer fills in.
    wb = Workbook()
    lists = wb.active
    lists.title = "Lists"
    lists.append(["high", "medium", "low"])
    lists.sheet_state = "hidden"
    ws = wb.create_sheet("Requests")
    ws.append([])
    ws.append([])
    ws.append(HEADER.split(","))  # row 3
    ws.append(["EGY", "untoc", "5", "training", "t", "d", "en", "high", "2024-01-05"])  # row 4
    ws.append(["XXX", "untoc", "5", "training", "t2", "d", "en", "high", "2024-01-05"])  # row 5
    data = io.BytesIO()
    wb.save(data)
    upload = SimpleUploadedFile("template.xlsx", data.getvalue())
    page = import_on_the_web(client_for(secretariat), upload, lang="en")
    assert "template.xlsx, sheet “Requests”, row 5, column “iso3”" in page
    assert not AssistanceRequest.objects.exists()
    ws.delete_rows(5)
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    (created,) = requests_import(source=data, filename="template.xlsx", user=secretariat)
    assert "sheet “Requests”, row 4" in created.history.get().history_change_reason


def test_a_quotation_mark_never_closed_refuses_the_file_naming_its_row(secretariat):
    # Row 2's reference opens a quotation mark: read loosely, row 3 became part of that
    # reference and row 2 was filed with it, without a word about row 3.
    source = csv_bytes(
        'EGY,untoc,5,training,First,d,en,high,2024-01-05,,"NV/1,no',
        "SEN,untoc,5,training,Second,d,fr,low,2024-01-05,,NV/2,no",
    )
    with pytest.raises(InvalidInput) as caught:
        requests_import(source=source, filename="quotes.csv", user=secretariat)
    assert [(p.file, p.line) for p in caught.value.problems] == [("quotes.csv", 2)]
    assert "quotation mark" in str(caught.value)
    assert not AssistanceRequest.objects.exists()
    # On the web, in the reader's language.
    source.seek(0)
    upload = SimpleUploadedFile("quotes.csv", source.read())
    page = import_on_the_web(client_for(secretariat), upload, lang="ar")
    assert "quotes.csv، السطر 2: خلية تبدأ بعلامة اقتباس" in page
    assert not AssistanceRequest.objects.exists()


def test_states_named_as_people_type_them_are_found(secretariat):
    # A keyboard's straight apostrophe, and names without the UN's bracketed qualifier.
    source = csv_bytes(
        "Cote d'Ivoire,untoc,5,training,Formation,d,fr,low,2024-01-05,,,no",
        "Iran,untoc,5,training,Training,d,en,low,2024-01-05,,,no",
        "Bolivia,untoc,5,training,Formación,d,es,low,2024-01-05,,,no",
    )
    created = requests_import(source=source, filename="names.csv", user=secretariat)
    assert [r.state.iso3 for r in created] == ["CIV", "IRN", "BOL"]


def test_a_year_before_a_leap_day_is_the_28th_of_february():
    assert requests_mail._year_before(date(2024, 2, 29)) == date(2023, 2, 28)
    assert requests_mail._year_before(date(2025, 3, 1)) == date(2024, 3, 1)


@pytest.mark.parametrize(
    ("rows", "lang", "said"),
    [
        (1, "en", "1 request was imported."),
        (2, "en", "2 requests were imported."),
        (1, "ar", "استُورد طلب واحد."),
        (2, "ar", "استُورد طلبان."),
    ],
)
def test_the_import_says_how_many_requests_in_the_readers_grammar(secretariat, rows, lang, said):
    lines = [
        f"EGY,untoc,{5 + n},training,Title {n},d,en,high,2024-01-05,,NV/{n},no" for n in range(rows)
    ]
    upload = SimpleUploadedFile("requests.csv", csv_bytes(*lines).read())
    page = import_on_the_web(client_for(secretariat), upload, lang=lang)
    assert said in page
    assert AssistanceRequest.objects.count() == rows


def test_the_web_import_is_read_by_a_worker_and_capped_per_person(secretariat):
    """Up to 10,000 rows (2,000 took 7.6 s here): never read in the web request. A fourth file
    while three wait to be read leads to the first one's page instead."""
    from django.test import override_settings

    from infobase.core.models import Job, JobStatus
    from infobase.needs.jobs import REQUESTS_IMPORT_JOB
    from tests.core.test_jobs import DB_QUEUE

    client = client_for(secretariat)
    row = "EGY,untoc,5,training,Queued,d,en,high,2024-01-05,,,no"
    with override_settings(TASKS=DB_QUEUE):
        for n in range(3):
            upload = SimpleUploadedFile(f"r{n}.csv", csv_bytes(row).read())
            response = client.post(reverse("requests_import"), {"file": upload})
            assert response.status_code == 302
        assert not AssistanceRequest.objects.exists()
        jobs = list(Job.objects.filter(kind=REQUESTS_IMPORT_JOB).order_by("requested_at"))
        assert [job.status for job in jobs] == [JobStatus.QUEUED] * 3
        upload = SimpleUploadedFile("r3.csv", csv_bytes(row).read())
        response = client.post(reverse("requests_import") + "?lang=en", {"file": upload})
        assert response["Location"] == jobs[0].get_absolute_url()
        assert Job.objects.filter(kind=REQUESTS_IMPORT_JOB).count() == 3
        page = client.get(response["Location"], {"lang": "en"}).content.decode()
        assert "You have 3 uploads being read" in page


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_import_page_sets_apart_each_column_name_in_an_arabic_sentence(secretariat, lang):
    page = client_for(secretariat).get(reverse("requests_import"), {"lang": lang})
    assert page.status_code == 200
    text = page.content.decode()
    # In Arabic each Latin fragment is a first-strong isolate, so that "received_on و
    # needed_by: YYYY-MM-DD" keeps its order; in English the sentence is left as it is.
    fragments = ["iso3", "articles", "kinds", "urgency", "received_on", "needed_by", "YYYY-MM-DD"]
    for fragment in [*fragments, "high", "5; 6(2); 12"]:
        isolated = f"\u2068{fragment}\u2069"
        assert (isolated in text) == (lang == "ar"), fragment
    if lang == "en":
        assert "received_on and needed_by: YYYY-MM-DD." in text


def test_a_french_csv_in_utf16_without_byte_order_mark_is_imported_with_its_dates(
    secretariat, egypt, senegal
):
    # Semicolons, day-first dates, UTF-16 with no byte-order mark (as some exporters write it).
    # Row 3's 05/03/2024 alone could be either; row 2's 20/03/2024 says the column is day first.
    text = "\r\n".join(
        [
            HEADER.replace(",", ";"),
            "EGY;untoc;5;training;Formation;d;fr;high;20/03/2024;31.12.2024;NV/1;non",
            "SEN;untoc;5;training;Autre;d;fr;low;05/03/2024;;NV/2;non",
            "",
        ]
    )
    upload = SimpleUploadedFile("demandes.csv", text.encode("utf-16-le"))
    import_on_the_web(client_for(secretariat), upload, lang="fr")
    first, second = AssistanceRequest.objects.order_by("pk")
    assert (first.received_on, first.needed_by) == (date(2024, 3, 20), date(2024, 12, 31))
    assert second.received_on == date(2024, 3, 5)


def test_a_date_day_and_month_could_both_be_is_refused_naming_its_cell(secretariat, egypt):
    source = csv_bytes("EGY,untoc,5,training,t,d,en,high,03/04/2024,,,no")
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        requests_import(source=source, filename="requests.csv", user=secretariat)
    assert str(caught.value) == (
        "requests.csv, line 2, column “received_on”: “03/04/2024” could be 2024-04-03 or "
        "2024-03-04: write it as YYYY-MM-DD."
    )
    upload = SimpleUploadedFile(
        "requests.csv", (HEADER + "\nEGY,untoc,5,training,t,d,en,high,03/04/2024,,,no\n").encode()
    )
    page = import_on_the_web(client_for(secretariat), upload, lang="ar")
    assert "«03/04/2024» قد يكون 2024-04-03 أو 2024-03-04" in page
    assert not AssistanceRequest.objects.exists()


def test_a_strict_open_xml_workbook_is_imported(secretariat, egypt):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(["EGY", "untoc", "5", "training", "t", "d", "en", "high", "2024-01-05"])
    data = io.BytesIO()
    wb.save(data)
    upload = SimpleUploadedFile("strict.xlsx", to_strict(data.getvalue()))
    import_on_the_web(client_for(secretariat), upload, lang="en")
    assert AssistanceRequest.objects.get().received_on == date(2024, 1, 5)
