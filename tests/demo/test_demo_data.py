from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from infobase.accounts.models import Role, User
from infobase.demo.services import generate
from infobase.reference.models import StateContact

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    users = list(
        User.objects.order_by("username").values_list("username", "role", "state__iso3", "language")
    )
    contacts = list(
        StateContact.objects.order_by("state__iso3").values_list("state__iso3", "name", "language")
    )
    return users + contacts


def test_it_creates_one_demo_user_per_role():
    generate(scale="small", seed=7)
    roles = set(User.objects.filter(is_demo=True).values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    focal = User.objects.filter(role=Role.FOCAL_POINT, is_demo=True)
    assert {(u.state.iso3, u.language) for u in focal} == {("EGY", "ar"), ("SEN", "fr")}


def test_it_is_deterministic_and_idempotent():
    generate(scale="small", seed=3)
    first = snapshot()
    generate(scale="small", seed=3)
    assert snapshot() == first
    assert "Illustrative contact" in first[-1][1]


def test_the_world_scale_gives_every_state_answers_requests_and_activities_once():
    from infobase.activities.models import Activity, Recipient
    from infobase.funding.models import Allocation, Pledge, Project
    from infobase.needs.derivation import needs_derive
    from infobase.needs.models import AssistanceRequest, Need
    from infobase.questionnaires.models import Answer
    from infobase.reference.models import State

    # A hundredth of the world's bulk volumes: the same shape, fast enough for the suite.
    generate(scale="world", seed=1, size=0.01)
    states = State.objects.count()
    assert len(set(StateContact.objects.values_list("state", flat=True))) == states
    answered = set(
        Answer.objects.values_list("assignment__questionnaire__cycle__number", "assignment__state")
    )
    assert len({state for cycle, state in answered if cycle == 1}) == states
    assert len({state for cycle, state in answered if cycle == 2}) == states
    assert len(set(AssistanceRequest.objects.values_list("state", flat=True))) == states
    assert len(set(Need.objects.values_list("state", flat=True))) > 0.75 * states
    world = Activity.objects.filter(iati_identifier__startswith="XM-DEMO-WORLD-")
    assert world.count() == world.filter(is_demo=True).count() == 1000
    recipients = set(Recipient.objects.filter(activity__in=world).values_list("state", flat=True))
    assert len(recipients) > 0.75 * states
    assert Project.objects.filter(code__startswith="world-", is_demo=True).count() == 3
    assert Pledge.objects.filter(notes__startswith="[W", is_demo=True).count() == 6
    for project in Project.objects.filter(code__startswith="world-", status="funded"):
        allocated = sum(a.amount for a in Allocation.objects.filter(project=project))
        assert allocated == sum(line.amount for line in project.budget_lines.all())
    # The register is what the derivation makes of the demo's answers and requests.
    needs = Need.objects.count()
    assert needs_derive(full=True).unchanged == needs == Need.objects.count()
    # Generating again writes nothing more.
    counts = (Activity.objects.count(), AssistanceRequest.objects.count(), Answer.objects.count())
    generate(scale="world", seed=1, size=0.01)
    assert (
        Activity.objects.count(),
        AssistanceRequest.objects.count(),
        Answer.objects.count(),
    ) == counts
    assert Need.objects.count() == needs


def test_the_size_knob_is_a_share_of_the_world():
    with pytest.raises(ValueError, match="0"):
        generate(scale="world", size=0)


def test_the_interface_labels_demo_data_as_illustrative(client):
    assert "illustrative" not in client.get(reverse("home")).content.decode()
    generate(scale="small", seed=1)
    assert "illustrative" in client.get(reverse("home")).content.decode()


def test_the_command_prints_the_demo_logins():
    out = io.StringIO()
    call_command("demo-data", "--scale", "small", "--seed", "1", "--no-documents", stdout=out)
    assert "focal.egypt / infobase-demo" in out.getvalue()
    assert User.objects.get(username="focal.egypt").check_password("infobase-demo")


def test_a_demo_focal_point_signs_in_and_lands_in_arabic(client):
    generate(scale="small", seed=1)
    response = client.post(
        reverse("login"), {"username": "focal.egypt", "password": "infobase-demo"}, follow=True
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert response.wsgi_request.user.username == "focal.egypt"
    assert 'dir="rtl"' in html
    egypt = client.get(reverse("state_detail", args=["EGY"])).content.decode()
    assert "contact.egy@demo.invalid" in egypt
    senegal = client.get(reverse("state_detail", args=["SEN"])).content.decode()
    assert "contact.sen@demo.invalid" not in senegal


def test_the_donors_arabic_home_lists_the_projects_needing_funds_in_arabic(demo_loaded):
    from infobase.funding.models import Project
    from tests.conftest import client_for

    assert all(p.title.get("ar") for p in Project.objects.filter(is_demo=True))
    donor = User.objects.get(username="donor")
    home = client_for(donor).get(reverse("home"), {"lang": "ar"}).content.decode()
    assert "وسم الأسلحة النارية وحفظ سجلاتها في أفريقيا (توضيحي)" in home
    assert "Firearms marking and record-keeping in Africa" not in home
