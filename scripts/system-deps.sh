#!/usr/bin/env bash
# The Debian packages Infobase needs beyond its Python packages, installed when missing:
# gettext (msgfmt compiles the catalogs) and the Pango/HarfBuzz libraries WeasyPrint draws PDFs
# with; without libharfbuzz-subset0 WeasyPrint falls back to fontTools to subset fonts, slower.
# chromium runs the browser tests (tests/browser, through Playwright: the browser build Playwright
# downloads itself is not reachable everywhere, Debian's is); pages ship their own fonts.
set -euo pipefail
PACKAGES=(gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium "$@")
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
