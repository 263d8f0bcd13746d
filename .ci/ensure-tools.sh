#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, only when missing:
#  - Debian's Chromium for the browser tests (apt-get, needs root; otherwise say how),
#  - the Bicep CLI from NuGet for the infrastructure tests (.ci/ensure-bicep.sh).
# Idempotent and quiet when everything is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]]; then
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-tools: installing Chromium (apt-get install chromium) for the browser tests" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "ensure-tools: Chromium is missing and cannot be installed here (needs root + apt-get)." >&2
    echo "ensure-tools: browser tests will be skipped locally and fail under CI=true. Install: apt-get install -y chromium" >&2
  fi
fi

if ! bash "$root/.ci/ensure-bicep.sh" >/dev/null; then
  echo "ensure-tools: the Bicep CLI could not be obtained; infrastructure tests will say so" >&2
fi
