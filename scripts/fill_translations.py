"""Fill a catalog's untranslated or fuzzy messages from the other apps' catalogs of the same
language, where one of them translates the same message, so that code moved between apps keeps
its translations. ``make messages-update`` drops the moved messages from the catalogs of the app
they left: copy the catalogs first and name the copy with ``--also``.

Usage: ``cp -r infobase /tmp/before && make messages-update &&
.venv/bin/python scripts/fill_translations.py --also /tmp/before``
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--also", type=Path, action="append", default=[])
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
        for path, catalog in loaded.items():
            filled = 0
            for message in catalog:
                if not message.id:
                    continue
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if all(strings) and not message.fuzzy:
                    continue
                found = known.get(key(message.id, message.context))
                if found is not None:
                    message.string = found
                    message.flags.discard("fuzzy")
                    message.previous_id = []
                    filled += 1
            if filled:
                with path.open("wb") as handle:
                    write_po(handle, catalog, width=79, omit_header=False)
                print(f"{path.relative_to(ROOT)}: {filled} filled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
