"""The browser suite: one prepared database and one live server, driven by Debian's Chromium.

The database (migrations, reference data, the small demo data set, the journeys' personas) is
built once per run by ``prepare.py`` in a process of its own; each pytest-xdist worker that runs
browser tests copies it and starts one server (``runserver``) and one background worker
(``db_worker``, so that report jobs progress as they do in production) on it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHROMIUM = os.environ.get("INFOBASE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PORTS = range(8150, 8160)
SECRET_KEY = "browser-suite-" + "k" * 50
SERIOUS = ("critical", "serious")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class Site:
    """The running server: its address and the facts ``prepare.py`` wrote."""

    url: str
    facts: dict[str, Any]

    def session(self, username: str) -> str:
        return str(self.facts["sessions"][username])


def _environment(db: Path, var: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.browser.settings",
        DATABASE_URL=f"sqlite:///{db}",
        INFOBASE_VAR_DIR=str(var),
        SECRET_KEY=SECRET_KEY,
        INFOBASE_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEBUG="false",
        PYTHONPATH=str(ROOT),
    )
    return env


def _prepared_folder(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    base = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # the workers share their parent's temporary folder
        base = base.parent
    # INFOBASE_BROWSER_DB=FOLDER keeps the prepared database between runs (delete it to rebuild).
    folder = Path(os.environ.get("INFOBASE_BROWSER_DB") or base / "browser-db")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _prepare(folder: Path) -> str:
    """Build the prepared database in ``folder`` unless it is there (a file lock: one builder);
    the error output if the build failed, else ''."""
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / "facts.json"
        if done.exists():
            return ""
        db = folder / "db.sqlite3"
        db.unlink(missing_ok=True)
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "tests.browser.prepare", str(folder / "facts.tmp")],
            cwd=ROOT,
            env=_environment(db, folder / "var"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _BUILDS.append(process)
        _out, err = process.communicate()
        if process.returncode != 0:
            return err[-4000:] or f"exit status {process.returncode}"
        (folder / "facts.tmp").rename(done)
        return ""


_BUILDS: list[subprocess.Popen[str]] = []


def _prepared_database(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The prepared database, built by the first worker that needs it."""
    folder = _prepared_folder(tmp_path_factory, worker_id)
    error = _prepare(folder)
    if error:
        pytest.fail(f"preparing the browser database failed:\n{error}")
    return folder


def pytest_collection_finish(session: pytest.Session) -> None:
    # The build takes most of a minute; start it in the background as soon as the run is known
    # to hold browser tests, so that it overlaps the tests before them instead of holding a
    # worker idle (a failure is reported again by the fixture, which builds once more).
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None or not Path(CHROMIUM).exists():
        return
    if not any(HERE in item.path.parents for item in session.items):
        return
    worker_id = getattr(session.config, "workerinput", {}).get("workerid", "master")
    folder = _prepared_folder(factory, worker_id)
    threading.Thread(target=_prepare, args=(folder,), daemon=True).start()


def pytest_unconfigure(config: pytest.Config) -> None:
    for process in _BUILDS:
        if process.poll() is None:
            process.kill()


def _free_port(worker_id: str) -> int:
    # Each xdist worker starts from its own port, so that two do not pick the same one.
    offset = int(worker_id[2:]) if worker_id.startswith("gw") else 0
    for i in range(len(PORTS)):
        port = PORTS[(offset * 3 + i) % len(PORTS)]
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the browser suite's server stopped:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/accounts/login/", timeout=2):  # noqa: S310
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"the browser suite's server did not answer within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def site(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Site]:
    worker_id = getattr(request.config, "workerinput", {}).get("workerid", "master")
    prepared = _prepared_database(tmp_path_factory, worker_id)
    mine = tmp_path_factory.mktemp("browser-site")
    db = mine / "db.sqlite3"
    shutil.copyfile(prepared / "db.sqlite3", db)
    env = _environment(db, mine / "var")
    port = _free_port(worker_id)
    url = f"http://127.0.0.1:{port}"
    env["SITE_URL"] = url
    log = mine / "server.log"
    processes = []
    with open(log, "wb") as out:
        commands = [
            ["runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
            ["db_worker", "--interval", "0.2", "--no-startup-delay", "-v0"],
        ]
        for command in commands:
            processes.append(
                subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                    [sys.executable, "-m", "infobase", *command],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        _wait_until_up(url, processes[0], log)
        facts = json.loads((prepared / "facts.json").read_text(encoding="utf-8"))
        yield Site(url=url, facts=facts)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# One browser per test module, not per session: Playwright's synchronous API keeps an event loop
# running in the thread while it is open, and Django then refuses database work in that thread
# ("async context") — the other test files that the same xdist worker runs next need it closed.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is not at {CHROMIUM} (scripts/system-deps.sh installs it)")
        pytest.skip(f"Chromium is not at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


OpenPage = Callable[..., Any]


@pytest.fixture
def open_page(site: Site, chromium: Any) -> Iterator[OpenPage]:
    """``open_page(path, as_=username, lang="ar", width=1366)``: a page signed in as a persona.

    Each call has its own browser context (cookies), closed after the test.
    """
    contexts = []

    def open_(path: str, *, as_: str | None = None, lang: str = "en", width: int = 1366) -> Any:
        context = chromium.new_context(
            viewport={"width": width, "height": 900 if width > 600 else 844},
            base_url=site.url,
            locale=lang,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        cookies = [{"name": "infobase_language", "value": lang, "url": site.url}]
        if as_ is not None:
            cookies.append({"name": "sessionid", "value": site.session(as_), "url": site.url})
        context.add_cookies(cookies)
        page = context.new_page()
        page.goto(path)
        return page

    yield open_
    for context in contexts:
        context.close()


AXE_FOUND: list[dict[str, Any]] = []


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The critical and serious axe-core violations of the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    # Also a rule axe-core keeps off by default: a control's spoken name holds its visible
    # words (WCAG 2.5.3), so that "سجل التغييرات" said to voice control reaches that link.
    # Only violations are wanted: axe then skips describing every node that passes (our
    # options replace the library's default, which asks for the same).
    options = {
        "resultTypes": ["violations"],
        "rules": {"label-content-name-mismatch": {"enabled": True}},
    }
    results = Axe().run(page, options=options)
    found = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    for violation in results.response["violations"]:
        AXE_FOUND.append(
            {
                "url": page.url,
                "rule": violation["id"],
                "impact": violation.get("impact"),
                "targets": [node["target"] for node in violation["nodes"][:5]],
                "count": len(violation["nodes"]),
            }
        )
    return found


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(str(node["target"]) for node in v["nodes"][:4])
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']} — {targets}")
    return "\n".join(lines)


def assert_accessible(page: Any) -> None:
    """No critical or serious axe-core violation on the page as it is now."""
    violations = axe_violations(page)
    assert not violations, f"{page.url}:\n{describe(violations)}"


def pytest_sessionfinish(session: pytest.Session) -> None:
    # INFOBASE_AXE_LOG=FILE keeps every violation seen (any impact), for the people fixing them.
    target = os.environ.get("INFOBASE_AXE_LOG")
    if target and AXE_FOUND:
        with contextlib.suppress(OSError), open(target, "a", encoding="utf-8") as out:
            for row in AXE_FOUND:
                out.write(json.dumps(row) + "\n")
