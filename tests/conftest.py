"""Shared fixtures: the reference data loaded once, and a few personas (healthchecks style)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.http import HttpResponse
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from infobase.accounts.models import Role, User
from infobase.accounts.permissions import needs_second_factor
from infobase.reference.loaders.reference import load_reference
from infobase.reference.models import Article, Organization, State, StateContact
from tests import demo_cache

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # The test database lives in memory with a shared cache. Transactions that take the write
    # lock when they begin (the setting for a file that server threads and workers share) would
    # lock out the SQLite backup some tests make of it; they keep SQLite's default here.
    settings.DATABASES["default"].get("OPTIONS", {}).pop("transaction_mode", None)
    # Kept figures (core.figures) in each test process's memory, not in files that the
    # processes of a parallel run would share: their databases repeat each other's keys.
    settings.CACHES["figures"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "figures",
        "TIMEOUT": None,
    }
    # The API's rate limits in the default cache's memory (same location: clearing ``cache``
    # resets them), not in files that later runs would find with the same people's keys.
    settings.CACHES["throttles"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": settings.CACHES["default"].get("LOCATION", ""),
    }
    locks = tempfile.mkdtemp(prefix="infobase-figures-locks-")
    atexit.register(shutil.rmtree, locks, ignore_errors=True)
    settings.FIGURES_LOCK_DIR = Path(locks)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    # Reference data is read-only for nearly every test: load it once for the session.
    with django_db_blocker.unblock():
        load_reference()


def shared_data() -> Path:
    """../shared/data; skips the test (fails it in CI) when it is not beside the project."""
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail("../shared/data must be beside the project in CI")
        pytest.skip("../shared/data is not beside the project")
    return SHARED


@pytest.fixture
def shared() -> Path:
    return shared_data()


def request_form(**changes: object) -> dict[str, object]:
    """The web form of a request for assistance as a focal point fills it in (training on
    article 5 of the Convention); ``changes`` add or replace fields (the secretariat's
    ``state`` and ``received_on``)."""
    article = Article.objects.get(instrument__code="untoc", number=5)
    form: dict[str, object] = {
        "instrument": article.instrument_id,
        "articles": [f"a{article.pk}"],
        "kinds": ["training"],
        "title": "Training of prosecutors",
        "description": "On article 5.",
        "urgency": "high",
        "language": "en",
    }
    form.update(changes)
    return form


def make_user(username: str, **fields: object) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username, **fields)
    return user


@pytest.fixture
def egypt() -> State:
    return State.objects.get(iso3="EGY")


@pytest.fixture
def senegal() -> State:
    return State.objects.get(iso3="SEN")


@pytest.fixture
def secretariat(db) -> User:  # type: ignore[no-untyped-def]
    return make_user("alice", role=Role.SECRETARIAT, is_staff=True)


@pytest.fixture
def focal_egypt(egypt: State) -> User:
    return make_user("hoda", role=Role.FOCAL_POINT, state=egypt, language="ar")


@pytest.fixture
def focal_senegal(senegal: State) -> User:
    return make_user("awa", role=Role.FOCAL_POINT, state=senegal, language="fr")


@pytest.fixture
def delegate(db) -> User:  # type: ignore[no-untyped-def]
    return make_user(
        "diego", role=Role.WG_MEMBER, state=State.objects.get(iso3="MEX"), is_wg_chair=True
    )


@pytest.fixture
def donor(db) -> User:  # type: ignore[no-untyped-def]
    org = Organization.objects.create(code="test-fund", name_en="Test Fund", kind="fund")
    return make_user("dana", role=Role.DONOR, organization=org)


@pytest.fixture
def egypt_contact(egypt: State) -> StateContact:
    return StateContact.objects.create(
        state=egypt, name="Contact EG", email="eg@example.org", language="ar"
    )


@pytest.fixture
def senegal_contact(senegal: State) -> StateContact:
    return StateContact.objects.create(
        state=senegal, name="Contact SN", email="sn@example.org", language="fr"
    )


def client_for(user: User | None, *, second_factor: bool = True) -> Client:
    """A client signed in as ``user``; secretariat and admins also past the second factor.

    ``second_factor=False`` leaves such a session unverified (the two-factor tests use it).
    """
    client = Client()
    if user is not None:
        client.force_login(user)
        if second_factor and needs_second_factor(user):
            device, _ = StaticDevice.objects.get_or_create(
                user=user, name="test", defaults={"confirmed": True}
            )
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return client


def exported(client: Client, url: str, data: dict[str, object] | None = None) -> Any:
    """A page's file as its reader gets it: the export button posts to ``url`` with the
    page's query (``data``), the job's page follows (jobs run at once in tests), and its
    download link gives the file. Any other answer to the button is returned as it is."""
    query = urlencode(data or {}, doseq=True)
    response = client.post(f"{url}?{query}" if query else url)
    if response.status_code != 302 or not response["Location"].startswith("/jobs/"):
        return response
    job = client.get(response["Location"])
    assert job.status_code == 200, job.status_code
    link = f'href="{response["Location"]}file"'
    if link not in job.content.decode():
        return job  # the job failed: its page says why
    file = client.get(response["Location"] + "file")
    assert file.status_code == 200, file.status_code
    # Read whole, as a test reads any other response (``content``).
    whole = HttpResponse(b"".join(file.streaming_content), content_type=file["Content-Type"])
    whole["Content-Disposition"] = file["Content-Disposition"]
    return whole


@pytest.fixture(autouse=True)
def english_by_default():  # type: ignore[no-untyped-def]
    # A request in another language leaves it active in the thread; start each test in English.
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def no_report_figures_kept():  # type: ignore[no-untyped-def]
    # Report figures are kept in the process by the run's data fingerprint; a rolled-back
    # test's data can repeat the next test's fingerprint (same counts and keys).
    from infobase.core import figures
    from infobase.reports.services import FIGURES

    FIGURES.clear()
    figures.clear()  # the pages' kept figures, for the same reason
    yield
    FIGURES.clear()
    figures.clear()


@pytest.fixture(scope="session", autouse=True)
def jobs_in_process(tmp_path_factory):  # type: ignore[no-untyped-def]
    # Background jobs run in-process (Django's immediate task backend) and files go to a
    # throw-away media folder; tests of the queue itself switch to the database backend.
    from django.test import override_settings

    media = tmp_path_factory.mktemp("media")
    backend = "django_tasks.backends.immediate.ImmediateBackend"
    with override_settings(TASKS={"default": {"BACKEND": backend}}, MEDIA_ROOT=str(media)):
        yield


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():  # type: ignore[no-untyped-def]
    # The production hasher costs most of a second per user created; tests create hundreds.
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session")
def demo_cache_root(tmp_path_factory, request) -> Path:  # type: ignore[no-untyped-def]
    """Where the demo data sets recorded in this run are kept (shared by the xdist workers)."""
    base = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):  # the workers share their parent's folder
        base = base.parent
    return demo_cache.cache_root(base)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, demo_cache_root):  # type: ignore[no-untyped-def]
    """The demo data set (small, seed 1), loaded once for the tests of a module that only
    read it, and rolled back after them."""
    with demo_cache.loaded(seed=1, root=demo_cache_root, blocker=django_db_blocker):
        yield


@pytest.fixture
def demo_loaded(db, demo_cache_root) -> None:  # type: ignore[no-untyped-def]
    """The demo data set (small, seed 1) in the test's own transaction, for the tests of
    generate() that run it again on its own data."""
    demo_cache.load(scale="small", seed=1, root=demo_cache_root)
