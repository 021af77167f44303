"""The OpenAPI schema fuzzed as each role: no server error, every response as documented."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from infobase.api.tokens import token_create
from infobase.wsgi import application

pytestmark = pytest.mark.django_db

# Public reads (reference data, open data) need no authentication by design: the check that
# every operation demands it does not apply.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
RATES = {"token": "100000/hour", "anonymous": "100000/hour"}
ROLES = ["anonymous", "focal_egypt", "secretariat"]
# Two examples per operation: Hypothesis's simplest one (no optional parameter) and one with
# drawn parameters. A fixed seed keeps the run the same from one run to the next.
FUZZ = settings(
    max_examples=2,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
# Writes: a few drawn bodies per operation (the simplest, then others), the same every run.
WRITES = settings(FUZZ, max_examples=4)


@pytest.fixture(autouse=True)
def keep_the_test_connection():  # type: ignore[no-untyped-def]
    """The WSGI application closes "old" database connections when a request starts and ends,
    and the connection inside the test's transaction looks old (autocommit off): on PostgreSQL
    that closes it under the test. Django's test client switches this off; so do we."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def schema(django_db_blocker):  # type: ignore[no-untyped-def]
    # Generated once: the schema does not depend on who asks.
    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


def headers_of(role: str, request: pytest.FixtureRequest) -> dict[str, str]:
    if role == "anonymous":
        return {}
    user = request.getfixturevalue(role)
    return {"Authorization": "Bearer " + token_create(owner=user, name="fuzz").secret}


def test_every_read_answers_as_documented_for_each_role(request, schema):  # type: ignore[no-untyped-def]
    """Each GET operation's drawn requests are sent once per role (the anonymous public, a
    focal point, the secretariat): drawing a request costs more than sending it, and the same
    request under three identities also compares what each may see."""
    roles = {role: headers_of(role, request) for role in ROLES}
    failures: list[str] = []
    operations = 0
    with override_settings(
        REST_FRAMEWORK={**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RATES}
    ):
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.method.upper() != "GET":
                continue  # writes are covered one by one in test_api.py
            operations += 1

            @FUZZ
            @given(case=operation.as_strategy())
            def check(case: Any) -> None:
                for role, headers in roles.items():
                    response = case.call(headers=headers)
                    where = f"{role}: {case.method} {case.formatted_path}"
                    if response.status_code >= 500:
                        failures.append(f"{where}: {response.status_code}")
                        continue
                    try:
                        case.validate_response(response, checks=CHECKS, headers=headers)
                    except Exception as problem:
                        failures.append(f"{where}: {str(problem)[:300]}")

            check()
    assert operations > 30, "the schema lost its operations"
    assert not failures, "\n".join(failures[:20])


def test_every_write_answers_as_documented_for_the_secretariat(request, schema, secretariat):  # type: ignore[no-untyped-def]
    """The creating and changing operations, as the one role allowed to use them all; drawn
    bodies are mostly refused, and each refusal must be a documented problem, never a 5xx."""
    headers = headers_of("secretariat", request)
    failures: list[str] = []
    operations = 0
    with override_settings(
        REST_FRAMEWORK={**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": RATES}
    ):
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.method.upper() not in ("POST", "PUT", "PATCH", "DELETE"):
                continue
            operations += 1

            @WRITES
            @given(case=operation.as_strategy())
            def check(case: Any) -> None:
                response = case.call(headers={**(case.headers or {}), **headers})
                where = f"{case.method} {case.formatted_path}"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code}")
                    return
                try:
                    case.validate_response(response, checks=CHECKS, headers=headers)
                except Exception as problem:
                    failures.append(f"{where}: {str(problem)[:300]}")

            check()
    assert operations >= 5, "the schema lost its write operations"
    assert not failures, "\n".join(failures[:20])
