"""Screens as the public, a working-group delegate, a focal point and the secretariat."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from infobase.accounts.models import Role, User
from infobase.meetings.models import (
    Capacity,
    Distribution,
    Document,
    DocumentFile,
    DocumentKind,
    Mandate,
    ManualStatus,
    SessionParticipant,
)
from infobase.needs.models import Need
from infobase.reference.models import Article, Organization, State
from tests.conftest import client_for
from tests.meetings.conftest import Data

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(met: Data) -> Document:
    return Document.objects.create(
        symbol="CTOC/COP/WG.2/2007/CRP.9",
        kind=DocumentKind.OTHER,
        body=met.wg,
        session=met.intersessional,
        title={"en": "Restricted room paper"},
        distribution=Distribution.RESTRICTED,
    )


def test_the_public_browses_sessions_outcomes_and_mandates(met: Data) -> None:
    client = client_for(None)
    assert client.get(reverse("session_list")).status_code == 200
    page = client.get(reverse("session_detail", args=[met.intersessional.pk]))  # type: ignore[union-attr]
    assert page.status_code == 200
    assert client.get(reverse("outcome_detail", args=[met.decision.pk])).status_code == 200
    mandates = client.get(reverse("mandate_list") + "?today=2009-01-01")
    assert mandates.status_code == 200
    text = mandates.content.decode()
    assert "checked automatically" in text
    assert text.count('class="mandate"') == 13
    # In the English interface the English text, not the Arabic first.
    mandate_e = met.decision.mandates.get(paragraph="e")
    assert mandate_e.text["en"][:40] in text and mandate_e.text["ar"] not in text
    assert client.get(reverse("body_detail", args=["wg-ta"])).status_code == 200


def test_the_session_page_groups_participants_by_capacity(met: Data) -> None:
    session = met.intersessional
    for iso3 in ("EGY", "SEN"):
        SessionParticipant.objects.create(
            session=session, state=State.objects.get(iso3=iso3), capacity=Capacity.STATE_PARTY
        )
    SessionParticipant.objects.create(
        session=session,
        organization=Organization.objects.get(code="undp"),
        capacity=Capacity.UN_ENTITY,
    )
    page = client_for(None).get(reverse("session_detail", args=[session.pk]))  # type: ignore[union-attr]
    content = page.content.decode()
    assert "3 participants" in content
    assert "State party" in content and "(2)" in content
    assert "United Nations entity" in content


@pytest.mark.parametrize(
    ("lang", "first", "second"), [("en", "Egypt", "Senegal"), ("ar", "السنغال", "مصر")]
)
def test_the_session_page_lists_participants_in_the_readers_alphabet(
    met: Data, lang: str, first: str, second: str
) -> None:
    session = met.intersessional
    for iso3 in ("EGY", "SEN"):
        SessionParticipant.objects.create(
            session=session, state=State.objects.get(iso3=iso3), capacity=Capacity.STATE_PARTY
        )
    page = client_for(None).get(
        reverse("session_detail", args=[session.pk]),  # type: ignore[union-attr]
        {"lang": lang},
    )
    content = page.content.decode()
    assert 0 < content.index(first) < content.index(second)


def test_the_public_cannot_see_a_restricted_document(
    restricted: Document, focal_egypt: User
) -> None:
    for user in (None, focal_egypt):
        client = client_for(user)
        response = client.get(reverse("document_detail", args=[restricted.pk]))
        # Not signed in: sent to sign in; signed in without the right: refused.
        assert response.status_code == (302 if user is None else 403)
        listing = client.get(reverse("document_list")).content.decode()
        assert restricted.symbol not in listing
        assert "CTOC/COP/2008/90" in listing
        session = client.get(reverse("session_detail", args=[restricted.session_id]))
        assert restricted.symbol not in session.content.decode()


def test_delegates_and_the_secretariat_see_restricted_documents(
    restricted: Document, delegate: User, secretariat: User
) -> None:
    for user in (delegate, secretariat):
        client = client_for(user)
        assert client.get(reverse("document_detail", args=[restricted.pk])).status_code == 200
        assert restricted.symbol in client.get(reverse("document_list")).content.decode()


def test_documents_are_found_by_symbol_or_title(met: Data) -> None:
    client = client_for(None)
    found = client.get(reverse("document_list"), {"q": "2008/91"}).content.decode()
    assert "CTOC/COP/2008/91" in found and "CTOC/COP/2008/90" not in found
    found = client.get(reverse("document_list"), {"q": "report of the chair"}).content.decode()
    assert "CTOC/COP/2008/90" in found and "CTOC/COP/2008/91" not in found


def test_files_are_served_per_language_only_to_those_who_may_read(
    met: Data, restricted: Document, settings, tmp_path: Path, delegate: User
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    public = met.chair_report
    for document in (public, restricted):
        DocumentFile.objects.create(
            document=document,
            language="ar",
            file=SimpleUploadedFile("report-ar.pdf", b"%PDF-1.4 ar"),
            mime_type="application/pdf",
        )
    anonymous = client_for(None)
    response = anonymous.get(reverse("document_file", args=[public.pk, "ar"]))  # type: ignore[union-attr]
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 ar"  # type: ignore[attr-defined]
    assert anonymous.get(reverse("document_file", args=[public.pk, "fr"])).status_code == 404  # type: ignore[union-attr]
    refused = anonymous.get(reverse("document_file", args=[restricted.pk, "ar"]))
    assert refused.status_code == 302 and "/accounts/login/" in refused["Location"]
    assert (
        client_for(delegate).get(reverse("document_file", args=[restricted.pk, "ar"])).status_code
        == 200
    )
    page = anonymous.get(reverse("document_detail", args=[public.pk])).content.decode()  # type: ignore[union-attr]
    assert reverse("document_file", args=[public.pk, "ar"]) in page  # type: ignore[union-attr]


def test_only_the_secretariat_may_set_a_mandate_status(
    met: Data, delegate: User, focal_egypt: User, donor: User
) -> None:
    mandate = Mandate.objects.get(paragraph="d")
    url = reverse("mandate_status", args=[mandate.pk])
    for user in (None, delegate, focal_egypt, donor):
        client = client_for(user)
        assert client.get(url).status_code == (302 if user is None else 403)  # None: to sign in
        post = client.post(url, {"status": "done", "reason": "sneaky"})
        assert post.status_code == 403
    mandate.refresh_from_db()
    assert mandate.manual_status == ManualStatus.OPEN
    assert (
        "Set the status" not in client_for(delegate).get(reverse("mandate_list")).content.decode()
    )


def test_the_secretariat_sets_a_status_with_evidence_kept_in_history(
    met: Data, secretariat: User
) -> None:
    mandate = Mandate.objects.get(paragraph="d")
    client = client_for(secretariat)
    assert client.get(reverse("mandate_status", args=[mandate.pk])).status_code == 200
    response = client.post(
        reverse("mandate_status", args=[mandate.pk]),
        {
            "status": "in_progress",
            "evidence_note": "Two projects designed from the register.",
            "documents": [met.secretariat_report.pk],  # type: ignore[union-attr]
            "link_url": "/funding/projects/",
            "link_label": "Projects",
            "reason": "Reviewed at the 2008 meeting",
        },
    )
    assert response.status_code == 302
    mandate.refresh_from_db()
    assert mandate.manual_status == ManualStatus.IN_PROGRESS
    assert mandate.status_set_by == secretariat
    latest = mandate.history.first()  # type: ignore[attr-defined]
    assert latest.history_change_reason == "Reviewed at the 2008 meeting"
    assert latest.manual_status == "in_progress"
    assert {e.document_id for e in mandate.evidence.all()} == {met.secretariat_report.pk, None}  # type: ignore[union-attr]
    page = client_for(None).get(reverse("mandate_list")).content.decode()
    assert "marked by" in page and "CTOC/COP/2008/91" in page
    history = client.get(reverse("history", args=["meetings.mandate", mandate.pk]))
    assert "Reviewed at the 2008 meeting" in history.content.decode()


def test_a_status_without_a_reason_is_refused(met: Data, secretariat: User) -> None:
    mandate = Mandate.objects.get(paragraph="d")
    response = client_for(secretariat).post(
        reverse("mandate_status", args=[mandate.pk]), {"status": "done", "reason": ""}
    )
    assert response.status_code == 200
    mandate.refresh_from_db()
    assert mandate.manual_status == ManualStatus.OPEN


def test_the_session_list_filters_by_body_kind_and_year(met: Data) -> None:
    client = client_for(None)
    page = client.get(reverse("session_list"), {"body": "wg-ta", "year": 2007}).content.decode()
    assert "WG intersessional 2007" in page and "WG during COP3" not in page
    page = client.get(reverse("session_list"), {"kind": "during_conference"}).content.decode()
    assert "WG during COP3" in page and "WG intersessional 2007" not in page
    assert met.cop4.starts_on == date(2008, 10, 8)


def test_only_the_secretariat_edits_in_the_admin(
    met: Data, delegate: User, secretariat: User
) -> None:
    url = reverse("admin:meetings_document_change", args=[met.chair_report.pk])  # type: ignore[union-attr]
    assert client_for(delegate).get(url).status_code in (302, 403)
    assert client_for(secretariat).get(url).status_code == 200


def test_a_session_page_numbers_its_agenda_once_and_says_plainly_when_there_is_none(
    met: Data,
) -> None:
    from infobase.meetings.models import AgendaItem

    session = met.intersessional
    assert session is not None
    client = client_for(None)
    empty = client.get(reverse("session_detail", args=[session.pk])).content.decode()
    # Nothing recorded: a sentence, not a numbered item "1. No agenda recorded."
    assert "<p>No agenda recorded.</p>" in empty
    assert "<li>No agenda recorded." not in empty
    assert "0 participants" not in empty and "No participant recorded." in empty
    AgendaItem.objects.create(session=session, number="4 (a)", title={"en": "Review"}, position=1)
    page = client.get(reverse("session_detail", args=[session.pk])).content.decode()
    # The number is isolated in its own direction and the period follows it in the page's: it
    # stands between number and title in Arabic too (a period inside a dir="ltr" element was
    # drawn on the number's outer side, at the start of the line).
    assert '<li><strong><bdi>4 (a)</bdi>.</strong> <span lang="en">Review</span></li>' in page
    assert "No agenda recorded." not in page
    # The item's own number is the only one shown: the list draws no markers.
    assert '<ol class="agenda plain">' in page


def test_an_outcome_and_its_session_list_and_count_a_confidential_need_for_its_state_only(
    met: Data, secretariat: User, delegate: User
) -> None:
    decision = met.decision
    kenya = State.objects.get(iso3="KEN")
    secret = Need.objects.create(
        state=kenya,
        article=Article.objects.get(instrument__code="untoc", number=5),
        kind="legislative",
        first_seen=date(2007, 1, 1),
        confidential=True,
    )
    decision.needs.add(secret)
    url = reverse("outcome_detail", args=[decision.pk])
    focal_kenya = User.objects.create_user(
        username="focal.kenya", password="pw-focal-kenya", role=Role.FOCAL_POINT, state=kenya
    )

    def shows_it(user: User | None) -> bool:
        page = client_for(user).get(url)
        assert page.status_code == 200
        return str(kenya.name_en) in page.content.decode()

    assert shows_it(secretariat) and shows_it(focal_kenya)
    assert not shows_it(delegate) and not shows_it(None)

    # The session that reviewed it counts it for them only.
    session = met.intersessional
    session.needs_reviewed.add(secret)
    public = session.needs_reviewed.count() - 1
    session_url = reverse("session_detail", args=[session.pk])

    def reviewed(user: User | None) -> int:
        page = client_for(user).get(session_url)
        assert page.status_code == 200
        return int(page.context["needs_reviewed"])

    assert reviewed(secretariat) == reviewed(focal_kenya) == public + 1
    assert reviewed(delegate) == reviewed(None) == public


def test_a_restricted_document_as_a_mandates_evidence_is_not_named_to_the_public(
    met: Data, restricted: Document, secretariat: User
) -> None:
    from infobase.meetings.models import MandateEvidence

    mandate = met.decision.mandates.get(paragraph="e")
    evidence = MandateEvidence.objects.create(mandate=mandate, document=restricted)
    address = reverse("mandate_list") + "?today=2030-01-01"
    public = client_for(None).get(address).content.decode()
    assert "CTOC/COP/WG.2/2007/CRP.9" not in public and "Restricted room paper" not in public
    assert "A document not for general distribution" in public
    history = reverse("history", args=["meetings.mandateevidence", evidence.pk])
    assert f'href="{history}"' not in public
    assert client_for(None).get(history).status_code == 404
    # Those who may read the document see it named, linked, with its history.
    staff = client_for(secretariat)
    page = staff.get(address).content.decode()
    assert "CTOC/COP/WG.2/2007/CRP.9" in page and f'href="{history}"' in page
    assert staff.get(history).status_code == 200
