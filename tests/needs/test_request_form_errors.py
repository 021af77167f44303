"""A focal point's request refused for a missing field says so at the top of the page, where it
opens again, naming the field with a link to it (on a phone the field is screens below)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from infobase.needs.forms_requests import RequestForm
from tests.conftest import client_for, request_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_a_refused_request_lists_its_problems_before_the_form(focal_egypt: Any, lang: str) -> None:
    form = request_form()
    del form["kinds"]
    page = client_for(focal_egypt).post(f"{reverse('request_new')}?lang={lang}", form)
    assert page.status_code == 200
    content = page.content.decode()
    summary = re.search(
        r'<section class="problems" role="alert" id="request-problems">(.*?)</section>',
        content,
        re.S,
    )
    assert summary is not None
    assert content.index('id="request-problems"') < content.index('class="stacked request-form"')
    with translation.override(lang):
        label = str(RequestForm.base_fields["kinds"].label)
        required = str(RequestForm.base_fields["kinds"].error_messages["required"])
    # The link leads to the boxes (a group of checkboxes has no one control to label).
    assert f'<a href="#id_kinds">{label}</a>: {required}' in summary.group(1)
    assert '<div id="id_kinds">' in content
