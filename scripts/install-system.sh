#!/usr/bin/env bash
# Install the Debian packages wangge needs, only those missing (PostgreSQL 15, PostGIS 3,
# pgRouting when the project runs its own database; Python venv; Chromium and its WebDriver
# for the browser tests of the maps; poppler-utils for the report's test). Uses sudo when not root.
set -euo pipefail

packages=()
# Debian's python3 needs python3-venv for `python3 -m venv`; other builds bring it along.
"${PYTHON:-python3}" -c "import ensurepip, venv" 2>/dev/null || packages+=(python3-venv)
# Headless Chromium driven by Selenium through the system chromedriver (tests/browser), and
# a Chinese font so that its screenshots show the labels.
packages+=(chromium chromium-driver fonts-wqy-microhei)
# pdftoppm renders the monthly report's PDF to images for its test (tests/web/test_report.py).
packages+=(poppler-utils)
if [ -n "${WANGGE_OWN_DB:-}" ]; then
    packages+=(postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting)
fi

missing=()
for pkg in "${packages[@]:+${packages[@]}}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
