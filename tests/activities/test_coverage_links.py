"""A person's decisions on links: only the secretariat decides, on the need's page too."""

from __future__ import annotations

import re
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from infobase.accounts.models import User
from infobase.activities.coverage.links import link_create, link_decide
from infobase.activities.coverage.suggestions import suggest_links
from infobase.activities.models import LinkStatus, NeedLink
from tests.activities.test_coverage import (
    TODAY,
    links,
    world,  # noqa: F401  (the fixture)
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_only_the_secretariat_decides(
    world: dict[str, Any],  # noqa: F811
    secretariat: User,
    focal_egypt: User,
    donor: User,
) -> None:
    suggest_links(today=TODAY)
    link = links()[(world["egy_ml"].pk, "XM-1")]
    for user in (focal_egypt, donor):
        with pytest.raises(PermissionDenied):
            link_decide(user=user, link=link, accept=True)
        with pytest.raises(PermissionDenied):
            link_create(user=user, need=world["sen_ml"], activity=world["direct"])
    with pytest.raises(ValidationError):
        link_create(
            user=secretariat, need=world["sen_ml"], activity=world["direct"], share=D("1.5")
        )
    assert not NeedLink.objects.filter(need=world["sen_ml"]).exists()
    link_create(user=secretariat, need=world["sen_ml"], activity=world["direct"])
    with pytest.raises(ValidationError):
        link_create(user=secretariat, need=world["sen_ml"], activity=world["direct"])


def test_focal_points_view_and_the_secretariat_decides_on_the_page(
    world: dict[str, Any],  # noqa: F811
    secretariat: User,
    focal_egypt: User,
) -> None:
    suggest_links(today=TODAY)
    egy = world["egy_ml"]
    link = links()[(egy.pk, "XM-1")]
    url = f"/needs/{egy.pk}/activities/"
    page = client_for(focal_egypt).get(url)
    assert page.status_code == 200
    assert b"XM-1" in page.content and b'value="accept"' not in page.content
    assert client_for(focal_egypt).get("/coverage/").status_code == 200
    refused = client_for(focal_egypt).post(url, {"action": "accept", "link": link.pk})
    assert refused.status_code == 403
    link.refresh_from_db()
    assert link.status == LinkStatus.SUGGESTED
    secretariat_page = client_for(secretariat).get(url)
    assert b'value="accept"' in secretariat_page.content
    client_for(secretariat).post(
        url, {"action": "accept", "link": link.pk, "share": "0,5", "reason": "checked"}
    )
    link.refresh_from_db()
    assert (link.status, link.share) == (LinkStatus.ACCEPTED, D("0.5"))
    client_for(secretariat).post(url, {"action": "link", "activity": "XM-4", "share": "0.2"})
    manual = NeedLink.objects.get(need=egy, activity__iati_identifier="XM-4")
    assert (manual.status, manual.share) == (LinkStatus.MANUAL, D("0.2"))
    bad = client_for(secretariat).post(url, {"action": "link", "activity": "nope"}, follow=True)
    assert b"nope" in bad.content
    overview = client_for(secretariat).get("/coverage/")
    assert overview.status_code == 200 and b"African States" in overview.content


def test_a_needs_coverage_reads_the_same_on_its_links_page_and_in_its_score(
    world: dict[str, Any],  # noqa: F811
    secretariat: User,
) -> None:
    """One figure, one rounding: a need covered one eighth is "12.5 %" on the page of its links
    and in the explanation of its priority score, never 12 % on one and 12.5 % on the other."""
    need = world["sen_ml"]
    link_create(user=secretariat, need=need, activity=world["direct"], share=D("0.125"))
    client = client_for(secretariat)
    links_page = client.get(f"/needs/{need.pk}/activities/").content.decode()
    detail = client.get(f"/needs/{need.pk}/").content.decode()
    on_links = re.search(r"\(([\d.,]+)%\)", links_page)
    in_score = re.search(r"activities cover ([\d.,]+)% of this need", detail)
    assert on_links and in_score
    assert on_links.group(1) == in_score.group(1)
