"""Guardrail: every app's catalogs exist in the six languages and are current.

- Arabic and French (English is the source) have no untranslated or fuzzy message.
- Chinese, Russian and Spanish exist (they may be partial).
- The catalogs hold every msgid the code uses (run ``make messages-update`` otherwise).
- One message has one translation per language in every app's catalog: Django shows the first
  app's to all of them (``scripts/fill_translations.py --unify``; a context where senses differ).
Exits non-zero with one line per problem.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "core",
    "accounts",
    "reference",
    "questionnaires",
    "needs",
    "activities",
    "funding",
    "meetings",
    "demo",
    "reports",
    "home",
    "api",
]
COMPLETE = ["ar", "fr"]
PARTIAL = ["en", "zh_Hans", "ru", "es"]


Key = tuple[str | None, str | tuple[str, ...]]  # a plural message: (singular, plural)


def msgids(path: Path) -> tuple[set[Key], list[Key], dict[Key, object]]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    ids: set[Key] = set()
    untranslated: list[Key] = []
    strings_of: dict[Key, object] = {}
    for message in catalog:
        if not message.id:
            continue
        key: Key = (
            message.context,
            message.id if isinstance(message.id, str) else tuple(message.id),
        )
        ids.add(key)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            untranslated.append(key)
        else:
            strings_of[key] = message.string
    return ids, untranslated, strings_of


def shown(key: Key) -> str:
    text = key[1] if isinstance(key[1], str) else key[1][0]
    return repr(text) if key[0] is None else f"{text!r} (context {key[0]!r})"


def main() -> int:
    problems: list[str] = []
    seen: dict[tuple[str, Key], dict[object, str]] = {}
    for app in APPS:
        locale = ROOT / "infobase" / app / "locale"
        with tempfile.TemporaryDirectory() as tmp:
            # Extract the current msgids into a scratch copy of the app to compare.
            scratch = Path(tmp) / app
            shutil.copytree(ROOT / "infobase" / app, scratch)
            subprocess.run(
                [
                    sys.executable,
                    "-P",  # the app folder must not shadow stdlib modules (selectors)
                    "-m",
                    "django",
                    "makemessages",
                    "-l",
                    "en",
                    "--no-obsolete",
                    "-v0",
                ],
                cwd=scratch,
                check=True,
                env={"DJANGO_SETTINGS_MODULE": "infobase.settings", "PATH": "/usr/bin:/bin"},
            )
            current, _, _ = msgids(scratch / "locale" / "en" / "LC_MESSAGES" / "django.po")
        for lang in COMPLETE + PARTIAL:
            po = locale / lang / "LC_MESSAGES" / "django.po"
            if not po.exists():
                problems.append(f"{po.relative_to(ROOT)}: missing catalog")
                continue
            ids, untranslated, strings_of = msgids(po)
            for missing in sorted(current - ids, key=str):
                problems.append(f"{po.relative_to(ROOT)}: not extracted yet: {shown(missing)}")
            if lang in COMPLETE:
                for key in untranslated:
                    problems.append(f"{po.relative_to(ROOT)}: untranslated or fuzzy: {shown(key)}")
            for key, string in strings_of.items():
                seen.setdefault((lang, key), {}).setdefault(string, app)
    for (lang, key), variants in sorted(seen.items(), key=str):
        if len(variants) > 1 and lang != "en":
            apps = ", ".join(sorted(variants.values()))
            problems.append(
                f"{lang}: {shown(key)} is translated differently in {apps}"
                " (scripts/fill_translations.py --unify, or a context)"
            )
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
