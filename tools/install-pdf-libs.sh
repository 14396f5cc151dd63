#!/usr/bin/env bash
# The reporting service's PDFs: WeasyPrint needs pango (with its fontconfig and harfbuzz) and a font.
# Installed from Debian when missing and we are root; otherwise say how. `make install`, `make run` and
# .ci/run call this; without them the reports still render as HTML, and the PDF answers 503.
set -euo pipefail
# The same list the reporting service's image installs (Dockerfile).
PACKAGES=$(tr '\n' ' ' < "$(dirname "$0")/../services/reporting/system-packages.txt")
have_libs() {
  ldconfig -p 2>/dev/null | grep -q 'libpango-1\.0\.so\.0' \
    && ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1\.0\.so\.0' \
    && { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list 2>/dev/null | head -n1)" ]; }
}
if have_libs; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing pango and a font for the reports' PDFs ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086 # one argument per package
  if ! apt-get install -y --no-install-recommends $PACKAGES >&2; then
    apt-get update >&2  # a fresh container has no package lists yet
    # shellcheck disable=SC2086
    apt-get install -y --no-install-recommends $PACKAGES >&2
  fi
else
  echo "The reports' PDFs need pango and a font (Debian packages), which are not installed:" >&2
  echo "  sudo apt-get install -y --no-install-recommends $PACKAGES" >&2
fi
