#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, only when missing:
#  - Debian's Chromium for the browser tests (apt-get, needs root; otherwise say how),
#  - the Bicep CLI from NuGet for the infrastructure tests (.ci/ensure-bicep.sh),
#  - a kubectl >= 1.31 for the kubectl suite (found, never downloaded: .ci/find-kubectl.sh).
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

# kubectl >= 1.31 for the kubectl suite (test/integration/kubectl): the machine image's Google Cloud CLI ships
# versioned binaries; nothing is downloaded. The suite finds it the same way (.ci/find-kubectl.sh).
if ! bash "$root/.ci/find-kubectl.sh" >/dev/null; then
  echo "ensure-tools: no kubectl >= 1.31 found (looked at \$KUBECTL, dpkg -L kubectl google-cloud-cli, PATH)." >&2
  echo "ensure-tools: the kubectl suite will be skipped locally and fail under CI=true. Set KUBECTL=/path/to/kubectl." >&2
fi
