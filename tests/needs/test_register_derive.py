"""The secretariat brings the register up to date from its page, as a background job."""

from __future__ import annotations

import pytest
from django.urls import reverse

from infobase.core.models import Job
from infobase.needs.jobs import DERIVE_JOB
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_secretariat_starts_a_derivation_from_the_register_and_lands_on_its_job(
    secretariat,  # type: ignore[no-untyped-def]
) -> None:
    client = client_for(secretariat)
    page = client.get(reverse("need_register"))
    assert 'id="register-derive"' in page.content.decode()
    response = client.post(reverse("need_register_derive"))
    job = Job.objects.get(kind=DERIVE_JOB)
    assert response.status_code == 302
    assert response["Location"] == reverse("job", args=[job.pk])


def test_a_focal_point_neither_sees_nor_starts_a_derivation(focal_egypt) -> None:  # type: ignore[no-untyped-def]
    client = client_for(focal_egypt)
    assert 'id="register-derive"' not in client.get(reverse("need_register")).content.decode()
    assert client.post(reverse("need_register_derive")).status_code == 403
    assert not Job.objects.filter(kind=DERIVE_JOB).exists()
