#!/usr/bin/env bash
# Installs what the tests need (a venv with the test extras; Debian's chromium for the browser
# tests; the SDK's npm dev dependencies) and runs every test: the SDK's unit tests under node --test,
# then the pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# The SDK's build tool (esbuild, pinned in package-lock.json), for the test that the checked-in build is current.
npm ci --no-fund --no-audit --loglevel=error >/dev/null
node --test tests/sdk/
exec .venv/bin/python -m pytest "$@"
