#!/usr/bin/env bash
# Installs what the browser tests need when it is missing: Debian's Chromium (Playwright's Python
# package drives it; no browser is downloaded) and axe-core, pinned in package-lock.json.
# `make test` runs it before pytest; on a clean machine it needs root (CI) or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

if [ ! -x /usr/bin/chromium ]; then
  echo "ensure_chromium: installing Debian's chromium"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium > /dev/null
fi
if ! command -v npm > /dev/null; then
  echo "ensure_chromium: installing npm (for axe-core)"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq npm > /dev/null
fi
if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "ensure_chromium: installing axe-core (npm ci)"
  npm ci --silent --no-audit --no-fund
fi
