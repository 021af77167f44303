"""Commands and web workers start without the heavy libraries: those load where they are used."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("typst", "pikepdf", "PIL", "scipy", "highspy", "numpy", "openpyxl", "docx")

PROBE = """
import json, sys
import django
django.setup()
from django.core import checks
from django.urls import get_resolver
get_resolver().url_patterns
checks.run_checks()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)))
"""


def test_the_urlconf_and_the_system_checks_load_no_heavy_library() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "infobase.settings"}
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed snippet)
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{PROBE}"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == []
