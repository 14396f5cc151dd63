#!/usr/bin/env bash
# The browser tests' Chromium: Debian's chromium and chromium-driver (the same version, so selenium
# downloads nothing). Installed when missing and we are root; otherwise say how. `make test` and
# .ci/run call this; with CI=true the browser tests then fail, never skip, when the browser is missing.
set -euo pipefail
CHROMIUM=${ORDNING_CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${ORDNING_CHROMEDRIVER:-/usr/bin/chromedriver}
if [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver for the browser tests ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends chromium chromium-driver >&2; then
    apt-get update >&2  # a fresh container has no package lists yet
    apt-get install -y --no-install-recommends chromium chromium-driver >&2
  fi
else
  echo "The browser tests need Debian's chromium and chromium-driver, which are not installed:" >&2
  echo "  sudo apt-get install -y --no-install-recommends chromium chromium-driver" >&2
  echo "Without them the browser tests are skipped (and fail with CI=true)." >&2
fi
