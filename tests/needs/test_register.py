"""The working group's review screens: ranked register, heat tables, a need's page, decisions,
exports; who sees which needs."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from infobase.needs.derivation import needs_derive
from infobase.needs.models import Need, NeedStatus
from tests.conftest import client_for, exported
from tests.needs.test_derivation import TODAY, answers, request

pytestmark = pytest.mark.django_db


@pytest.fixture
def register_data() -> None:
    answers("EGY", [(5, "legislative"), (6, "training")], priority="high")
    answers("NGA", [(5, "legislative")])
    answers("KEN", [(5, "legislative")], confidential=True)
    request("SEN", [(16, "training")], urgency="high")
    needs_derive(today=TODAY)


def need(iso3: str, number: int, kind: str) -> Need:
    return Need.objects.get(
        state__iso3=iso3, article__number=number, article__instrument__code="untoc", kind=kind
    )


def test_the_register_ranks_needs_and_filters_them(register_data, secretariat):
    client = client_for(secretariat)
    page = client.get(reverse("need_register"))
    assert page.status_code == 200 and page.context["total"] == 5
    scores = [s.total for s, _need in page.context["rows"]]
    assert scores == sorted(scores, reverse=True)
    african = client.get(
        reverse("need_register"),
        {"regional_group": "african", "kind": "legislative", "status": "open"},
    )
    assert {n.state.iso3 for _s, n in african.context["rows"]} == {"EGY", "NGA", "KEN"}
    high = client.get(reverse("need_register"), {"priority": "high", "status": "open"})
    assert {n.state.iso3 for _s, n in high.context["rows"]} == {"EGY", "SEN"}


def test_other_states_confidential_needs_are_hidden_from_the_working_group(
    register_data, delegate, focal_egypt
):
    rows = client_for(delegate).get(reverse("need_register")).context["rows"]
    assert "KEN" not in {n.state.iso3 for _s, n in rows}
    kenya = need("KEN", 5, "legislative")
    # As a need that does not exist: a 403 would tell that it does.
    assert client_for(delegate).get(reverse("need_detail", args=[kenya.pk])).status_code == 404
    assert client_for(focal_egypt).get(reverse("need_detail", args=[kenya.pk])).status_code == 404
    heat = client_for(delegate).get(reverse("need_heat")).context["articles"]
    art5 = need("EGY", 5, "legislative").article_id
    assert heat.cell(art5, "african") == 2  # Egypt and Nigeria; Kenya's need is confidential


def test_every_need_the_register_lists_to_a_focal_point_opens(register_data, focal_egypt):
    # Another State's public needs too: a link in the register never leads to a refusal.
    client = client_for(focal_egypt)
    rows = client.get(reverse("need_register")).context["rows"]
    states = {n.state.iso3 for _s, n in rows}
    assert "EGY" in states and states - {"EGY"}
    for _scored, listed in rows:
        page = client.get(reverse("need_detail", args=[listed.pk]))
        assert page.status_code == 200, listed
        if listed.state.iso3 != "EGY":
            sources = [e.stated_need or e.request_line.request for e in page.context["evidence"]]
            assert sources and not any(source.confidential for source in sources)


def test_a_needs_page_explains_its_score_and_shows_its_evidence(register_data, secretariat):
    egypt = need("EGY", 5, "legislative")
    page = client_for(secretariat).get(reverse("need_detail", args=[egypt.pk]))
    scored = page.context["scored"]
    assert page.status_code == 200 and scored.need_id == egypt.pk
    assert float(sum(t.contribution for t in scored.explanation.terms)) == pytest.approx(
        float(scored.total), abs=0.002
    )
    assert len(page.context["evidence"]) == 1
    assert (
        "Questionnaire answer" in page.content.decode()
        or "questionnaire" in page.content.decode().lower()
    )


def test_decisions_from_the_page_are_recorded_and_survive_rederivation(
    register_data, secretariat, delegate
):
    egypt = need("EGY", 6, "training")
    client = client_for(secretariat)
    response = client.post(
        reverse("need_decide", args=[egypt.pk]),
        {"action": "close", "status": "met", "reason": "Delivered in 2025"},
    )
    assert response.status_code == 302
    needs_derive(today=TODAY)
    egypt.refresh_from_db()
    assert egypt.status == NeedStatus.MET and egypt.decision_reason == "Delivered in 2025"
    # The working group's chair may pin, not close.
    chair = client_for(delegate)
    nigeria = need("NGA", 5, "legislative")
    assert (
        chair.post(
            reverse("need_decide", args=[nigeria.pk]),
            {"action": "pin", "reason": "Priority of the session"},
        ).status_code
        == 302
    )
    nigeria.refresh_from_db()
    assert nigeria.pinned
    assert (
        chair.post(
            reverse("need_decide", args=[nigeria.pk]),
            {"action": "close", "status": "met", "reason": "x"},
        ).status_code
        == 403
    )
    first = client.get(reverse("need_register")).context["rows"][0][1]
    assert first == nigeria


def test_a_decision_without_a_reason_is_refused(register_data, secretariat):
    egypt = need("EGY", 5, "legislative")
    client_for(secretariat).post(
        reverse("need_decide", args=[egypt.pk]), {"action": "close", "status": "met", "reason": ""}
    )
    egypt.refresh_from_db()
    assert egypt.status == NeedStatus.OPEN


def test_exports_are_in_the_users_language_and_guarded(register_data, secretariat):
    from infobase.needs.models import AssistanceRequest

    AssistanceRequest.objects.update(title="=cmd|' /C calc'!A0")
    client = client_for(secretariat)
    client.post(reverse("switch_language"), {"language": "fr"})
    text = exported(client, reverse("need_export", args=["csv"])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["Rang", "État"] and len(rows) == 6
    client.post(reverse("switch_language"), {"language": "ar"})
    xlsx = exported(client, reverse("need_export", args=["xlsx"]))
    book = load_workbook(io.BytesIO(xlsx.content))
    sheet = book.active
    assert sheet.sheet_view.rightToLeft
    assert "مصر" in [c.value for c in sheet["B"]]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_the_export_command_writes_the_register(register_data, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "register.csv"
    call_command("needs-export", "--format", "csv", "--lang", "en", "--out", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "Rank" and len(rows) == 6


def test_anonymous_users_are_sent_to_sign_in(client, register_data):
    assert client.get(reverse("need_register")).status_code == 302
