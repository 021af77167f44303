"""Fill a catalog's untranslated or fuzzy messages from the other apps' catalogs of the same
language, where one of them translates the same message, so that code moved between apps keeps
its translations. ``make messages-update`` drops the moved messages from the catalogs of the app
they left: copy the catalogs first and name the copy with ``--also``.

A message given a context (``pgettext``, ``{% translate "Open" context "verb" %}``) to tell
one sense from another keeps the translation its app gave the plain message before.

``--unify``: Django shows one translation per message and language, the first installed app's,
whichever app asks; so every app's catalog is set to that one wherever two apps translate the
same message differently (a translation that starts with a capital wins over one that does not
when the English does). Where the senses truly differ, give the message a context instead.

Usage: ``cp -r infobase /tmp/before && make messages-update &&
.venv/bin/python scripts/fill_translations.py --also /tmp/before [--unify]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "infobase"


def key(message_id: str | tuple[str, ...], context: str | None) -> tuple[object, str | None]:
    return (message_id, context)


def translated(catalog: Catalog) -> dict[tuple[object, str | None], object]:
    found: dict[tuple[object, str | None], object] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings):
            found[key(message.id, message.context)] = message.string
    return found


def app_order() -> list[str]:
    """The project's apps in INSTALLED_APPS order (the first one's translation is shown)."""
    import os

    import django
    from django.conf import settings

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "infobase.settings")
    django.setup()
    return [name.split(".")[1] for name in settings.INSTALLED_APPS if name.startswith("infobase.")]


def shown(options: list[object], english: str) -> object:
    """The translation to keep among an app-ordered list of different ones."""
    if english[:1].isupper():
        for option in options:
            if isinstance(option, str) and option[:1].isupper():
                return option
    return options[0]


def unify(paths: list[Path]) -> None:
    order = app_order()
    by_app = sorted(paths, key=lambda path: order.index(path.parts[-5]))
    loaded = {}
    for path in by_app:
        with path.open("rb") as handle:
            loaded[path] = read_po(handle, locale=None)
    variants: dict[tuple[object, str | None], list[object]] = {}
    for catalog in loaded.values():
        for k, v in translated(catalog).items():
            if v not in variants.setdefault(k, []):
                variants[k].append(v)
    chosen = {
        k: shown(v, k[0] if isinstance(k[0], str) else k[0][0])
        for k, v in variants.items()
        if len(v) > 1
    }
    for path, catalog in loaded.items():
        changed = 0
        for message in catalog:
            k = key(message.id, message.context)
            if k in chosen and not message.fuzzy and message.string != chosen[k]:
                message.string = chosen[k]
                changed += 1
        if changed:
            with path.open("wb") as handle:
                write_po(handle, catalog, width=79, omit_header=False)
            print(f"{path.relative_to(ROOT)}: {changed} unified")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--also", type=Path, action="append", default=[])
    parser.add_argument("--unify", action="store_true")
    args = parser.parse_args()
    catalogs: dict[str, list[Path]] = {}
    for path in sorted(ROOT.glob("*/locale/*/LC_MESSAGES/django.po")):
        catalogs.setdefault(path.parts[-3], []).append(path)
    for lang, paths in catalogs.items():
        loaded = {}
        for path in paths:
            with path.open("rb") as handle:
                loaded[path] = read_po(handle, locale=None)
        known: dict[tuple[object, str | None], object] = {}
        sources = list(loaded.values())
        for extra in args.also:
            for path in sorted(extra.glob(f"*/locale/{lang}/LC_MESSAGES/django.po")):
                with path.open("rb") as handle:
                    sources.append(read_po(handle, locale=None))
        for catalog in sources:
            for k, v in translated(catalog).items():
                known.setdefault(k, v)
        # The app's own earlier translation of a message that has since been given a context.
        own: dict[Path, dict[tuple[object, str | None], object]] = {}
        for path in loaded:
            app = path.parts[-5]
            for extra in args.also:
                before = extra / app / "locale" / lang / "LC_MESSAGES" / "django.po"
                if before.exists():
                    with before.open("rb") as handle:
                        own[path] = translated(read_po(handle, locale=None))
        for path, catalog in loaded.items():
            filled = 0
            for message in catalog:
                if not message.id:
                    continue
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if all(strings) and not message.fuzzy:
                    continue
                found = known.get(key(message.id, message.context))
                if found is None and message.context:
                    found = own.get(path, {}).get(key(message.id, None))
                if found is not None:
                    message.string = found
                    message.flags.discard("fuzzy")
                    message.previous_id = []
                    filled += 1
            if filled:
                with path.open("wb") as handle:
                    write_po(handle, catalog, width=79, omit_header=False)
                print(f"{path.relative_to(ROOT)}: {filled} filled")
        if args.unify:
            unify(paths)
    return 0


if __name__ == "__main__":
    sys.exit(main())
