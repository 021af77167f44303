"""An activity's page lists the needs it addresses as the reader may see them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from infobase.accounts.models import Role, User
from infobase.activities.models import Activity, ActivitySource, LinkStatus, NeedLink, ProviderKind
from infobase.needs.models import Need
from infobase.reference.models import Article, State
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def need(iso3: str, *, confidential: bool = False) -> Need:
    return Need.objects.create(
        state=State.objects.get(iso3=iso3),
        article=Article.objects.get(instrument__code="untoc", number=18),
        kind="training",
        first_seen=date(2025, 1, 1),
        confidential=confidential,
    )


def test_a_confidential_need_is_listed_only_to_the_secretariat_and_its_state(
    secretariat: User, delegate: User, donor: User, focal_egypt: User
) -> None:
    activity = Activity.objects.create(
        iati_identifier="XM-PAGE-1",
        source=ActivitySource.MANUAL,
        provider_kind=ProviderKind.INTERNATIONAL,
        title={"en": "Mutual legal assistance training"},
    )
    kenya = State.objects.get(iso3="KEN")
    public, secret = need("EGY"), need("KEN", confidential=True)
    for addressed in (public, secret):
        NeedLink.objects.create(
            need=addressed, activity=activity, status=LinkStatus.ACCEPTED, share=Decimal("1")
        )
    focal_kenya = User.objects.create_user(
        username="focal.kenya", password="pw-focal-kenya", role=Role.FOCAL_POINT, state=kenya
    )

    def listed(user: User) -> set[str]:
        page = client_for(user).get(reverse("activity_detail", args=[activity.pk]))
        assert page.status_code == 200
        text = page.content.decode()
        # Each need is listed as a link to its page (whatever the reader's language).
        return {
            name
            for name, shown in (("public", public), ("secret", secret))
            if reverse("need_detail", args=[shown.pk]) in text
        }

    assert listed(secretariat) == listed(focal_kenya) == {"public", "secret"}
    assert listed(delegate) == listed(donor) == listed(focal_egypt) == {"public"}
