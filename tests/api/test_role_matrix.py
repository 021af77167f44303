"""Each role × each list of the API against the web page of the same list: the API answers 200
exactly when the web page does, and nobody reads another State's confidential records."""

from __future__ import annotations

from datetime import date

import pytest

from infobase.needs.models import AssistanceRequest
from infobase.questionnaires.models import Answer
from infobase.reference.models import Instrument, State
from tests.api.conftest import assign, make_need, token_client
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# The API's lists and the web pages that show the same records.
LISTS = [
    ("/api/v1/states/", "/states/"),
    ("/api/v1/instruments/", "/instruments/"),
    ("/api/v1/questionnaires/", "/questionnaires/"),
    ("/api/v1/requests/", "/requests/"),
    ("/api/v1/lessons/", "/lessons/"),
    ("/api/v1/needs/", "/needs/"),
    ("/api/v1/work-programmes/", "/programmes/"),
    ("/api/v1/activities/", "/activities/"),
    ("/api/v1/coverage-links/", "/coverage/"),
    ("/api/v1/pledges/", "/funding/pledges/"),
    ("/api/v1/projects/", "/funding/projects/"),
    ("/api/v1/allocations/", "/funding/allocation/"),
    ("/api/v1/proposals/", "/funding/allocation/"),
    ("/api/v1/sessions/", "/meetings/"),
    ("/api/v1/documents/", "/meetings/documents/"),
    ("/api/v1/mandates/", "/meetings/mandates/"),
    ("/api/v1/report-runs/", "/reports/"),
]
ROLES = [None, "focal_egypt", "delegate", "donor", "secretariat"]
SECRET = "Réponse confidentielle du Sénégal"


@pytest.fixture
def confidential_records(senegal, questionnaire):  # type: ignore[no-untyped-def]
    """A confidential need, request and answer of Senegal."""
    need = make_need("SEN", 5, confidential=True)
    AssistanceRequest.objects.create(
        state=senegal,
        instrument=Instrument.objects.get(code="untoc"),
        title=SECRET,
        description=SECRET,
        urgency="high",
        received_on=date(2025, 1, 1),
        source="web",
        confidential=True,
    )
    Answer.objects.create(
        assignment=assign(questionnaire, senegal),
        item=questionnaire.items.get(name="authority"),
        value=SECRET,
        confidential=True,
    )
    return need


@pytest.mark.parametrize("role", ROLES)
def test_each_list_answers_as_the_web_page_of_the_same_list(role, request):  # type: ignore[no-untyped-def]
    user = request.getfixturevalue(role) if role else None
    web = client_for(user)
    api = token_client(user) if user else client_for(None)
    differences = []
    for api_url, web_url in LISTS:
        web_allows = web.get(web_url).status_code == 200
        answer = api.get(api_url)
        assert answer.status_code in (200, 401, 403), (api_url, answer.status_code)
        if (answer.status_code == 200) != web_allows:
            differences.append(f"{api_url}: API {answer.status_code}, web allows: {web_allows}")
    assert not differences, f"{role}:\n" + "\n".join(differences)


@pytest.mark.parametrize("role", [None, "focal_egypt", "delegate", "donor"])
def test_no_list_shows_another_states_confidential_records(  # type: ignore[no-untyped-def]
    role, request, confidential_records, egypt
):
    user = request.getfixturevalue(role) if role else None
    api = token_client(user) if user else client_for(None)
    seen = b""
    for api_url, _web_url in LISTS:
        answer = api.get(api_url)
        seen += answer.content
        if api_url == "/api/v1/needs/" and answer.status_code == 200:
            ids = [n["id"] for n in answer.json()["results"]]
            assert confidential_records.pk not in ids
    for assignment in State.objects.get(iso3="SEN").assignments.all():
        seen += api.get(f"/api/v1/assignments/{assignment.pk}/answers/").content
    assert SECRET.encode() not in seen


def test_the_secretariat_sees_the_confidential_records(secretariat, confidential_records):  # type: ignore[no-untyped-def]
    api = token_client(secretariat)
    ids = [n["id"] for n in api.get("/api/v1/needs/").json()["results"]]
    assert confidential_records.pk in ids
    assert SECRET in api.get("/api/v1/requests/").content.decode()
