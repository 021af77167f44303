"""The register's and a need's words as an Arabic reader meets them: a name held in another script,
put into a translated sentence, is isolated so that it reads in order; the reason the derivation
job stored in English is read in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from infobase.needs.derivation import DERIVE_REASON, needs_derive
from infobase.needs.models import Need
from infobase.needs.programmes import DEMO_SESSION, demo_programme
from tests.conftest import client_for
from tests.needs.test_derivation import answers, request

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_weights_session_is_isolated_in_the_registers_sentence(
    delegate: Any, lang: str
) -> None:
    demo_programme()  # active weights named by an English session name
    page = client_for(delegate).get(reverse("need_register"), {"lang": lang})
    assert page.status_code == 200
    assert f"<bdi>{DEMO_SESSION}</bdi>" in page.content.decode()


@pytest.mark.parametrize(
    ("lang", "reason"),
    [("ar", "مستخلص من الإجابات والطلبات"), ("en", "Derived from answers and requests")],
)
def test_a_needs_history_gives_the_derivations_reason_in_the_readers_language(
    focal_egypt: Any, lang: str, reason: str
) -> None:
    answers("EGY", [(5, "legislative")])
    needs_derive()
    need = Need.objects.get(state__iso3="EGY")
    # Stored as the job wrote it, in English; read in the reader's language.
    assert need.history.earliest().history_change_reason == DERIVE_REASON
    page = client_for(focal_egypt).get(
        reverse("history", args=["needs.need", need.pk]), {"lang": lang}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert f"<bdi>{reason}</bdi>" in text
    if lang != "en":
        assert DERIVE_REASON not in text


def test_a_reason_a_person_wrote_is_shown_as_written(focal_egypt: Any) -> None:
    req = request("EGY", [(5, "legislative")])
    req._change_reason = "Derived from answers"  # type: ignore[attr-defined]
    req.save()
    page = client_for(focal_egypt).get(
        reverse("history", args=["needs.assistancerequest", req.pk]), {"lang": "ar"}
    )
    assert "<bdi>Derived from answers</bdi>" in page.content.decode()
