#!/usr/bin/env bash
# Prints the path of a kubectl >= 1.31 for the kubectl test suite (test/integration/kubectl), or nothing.
# Order: $KUBECTL if set; the newest versioned binary Google Cloud CLI ships (kubectl.1.31 ... kubectl.1.3x,
# found through dpkg -L of the `kubectl` / `google-cloud-cli` packages, or its usual install folder); a
# `kubectl` on PATH whose client version is >= 1.31. Debian's `kubernetes-client` (1.20) is too old.
set -uo pipefail

minor_of() { "$1" version --client -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -n1; }

if [[ -n "${KUBECTL:-}" && -x "${KUBECTL}" ]]; then
  m="$(minor_of "$KUBECTL")"
  if [[ -n "$m" && "$m" -ge 31 ]]; then echo "$KUBECTL"; exit 0; fi
fi

candidates="$( { dpkg -L kubectl google-cloud-cli 2>/dev/null; ls -1 /usr/lib/google-cloud-sdk/bin/kubectl.1.* 2>/dev/null; } \
  | grep -E '/kubectl\.1\.[0-9]+$' | sort -u -t. -k3,3n)"
best=""
for c in $candidates; do
  m="${c##*.}"
  if [[ -x "$c" && "$m" -ge 31 ]]; then best="$c"; fi
done
if [[ -n "$best" ]]; then echo "$best"; exit 0; fi

if command -v kubectl >/dev/null 2>&1; then
  m="$(minor_of "$(command -v kubectl)")"
  if [[ -n "$m" && "$m" -ge 31 ]]; then command -v kubectl; exit 0; fi
fi
exit 1
