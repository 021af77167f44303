#!/usr/bin/env bash
# The Debian packages Infobase needs beyond its Python packages, installed when missing:
# gettext (msgfmt compiles the catalogs); chromium runs the browser tests (tests/browser,
# through Playwright: the browser build Playwright downloads itself is not reachable everywhere,
# Debian's is); pages ship their own fonts. PDFs and chart pictures are typeset by Typst, which
# its wheel carries whole. libreoffice-calc saves our workbooks again as a State's focal point
# would (tests/questionnaires/test_workbook_libreoffice.py; skipped without soffice);
# libreoffice-writer lays our Word reports out as a delegate's word processor would
# (tests/reports/test_docx_reading.py; skipped without it).
set -euo pipefail
PACKAGES=(gettext chromium libreoffice-calc libreoffice-writer "$@")
if ! command -v dpkg-query >/dev/null; then
  echo "not a Debian system: make sure these are installed: ${PACKAGES[*]}" >&2
  exit 0
fi
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Infobase needs: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
