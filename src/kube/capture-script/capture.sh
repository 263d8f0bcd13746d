#!/bin/sh
# snat-responder node capture: the runbook's node-side steps (tcptracer, lsns,
# pstree, crictl, socket tables) done unattended, printed as one framed block.
#
# Runs in the capture Job as: chroot /host /bin/sh -c "<this file>" capture
# (hostPID + hostNetwork + privileged, host root mounted at /host), so every tool
# below is the node's own. Inputs come ONLY from environment variables, each
# validated before use; no outside string is ever evaluated as shell text.
#
#   TRACE_SECONDS     tcptracer window, 5..600 (default 60; the range of src/config/ranges.ts)
#   MAX_TRACE_LINES   cap on tcptracer lines, 100..2000000 (default 150000)
#   MAX_SOCKET_LINES  cap on lines per socket table, 100..1000000 (default 20000)
#   MAX_GZ_BYTES      budget for the compressed output, keeps the log far below
#                     kubelet's 10 MiB rotation (default 6291456)
#   BCC_STARTUP_SECONDS extra time for BCC to compile its probe (default 15)
#   BCC_TOOLS         BCC tools folder (default /usr/share/bcc/tools)
#   NODE_NAME         node name (downward API), INVESTIGATION_ID (for the record)
#   SCRATCH_DIR       where work files go (default /tmp). In the Job it is an
#                     emptyDir mounted over the chroot's /tmp, so the host root
#                     stays read-only and nothing is written to the node's disk
#
# Output framing (read by src/kube/framing.ts): see that file. Exit 0 whenever
# the block was printed, even when tools were missing (capture.json says which).

set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 077
LC_ALL=C
export LC_ALL

fail() {
  printf 'snat-capture: %s\n' "$1" >&2
  exit 2
}

# uint NAME VALUE MIN MAX: VALUE must be a decimal integer within bounds.
uint() {
  case "$2" in
    '' | *[!0-9]*) fail "$1 must be a non-negative integer" ;;
  esac
  [ "${#2}" -le 9 ] || fail "$1 is out of range"
  [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || fail "$1 must be between $3 and $4"
}

TRACE_SECONDS=${TRACE_SECONDS:-60}
MAX_TRACE_LINES=${MAX_TRACE_LINES:-150000}
MAX_SOCKET_LINES=${MAX_SOCKET_LINES:-20000}
MAX_GZ_BYTES=${MAX_GZ_BYTES:-6291456}
BCC_STARTUP_SECONDS=${BCC_STARTUP_SECONDS:-15}
BCC_TOOLS=${BCC_TOOLS:-/usr/share/bcc/tools}
NODE_NAME=${NODE_NAME:-unknown}
INVESTIGATION_ID=${INVESTIGATION_ID:-none}
SCRATCH_DIR=${SCRATCH_DIR:-/tmp}

uint TRACE_SECONDS "$TRACE_SECONDS" 5 600
uint MAX_TRACE_LINES "$MAX_TRACE_LINES" 100 2000000
uint MAX_SOCKET_LINES "$MAX_SOCKET_LINES" 100 1000000
uint MAX_GZ_BYTES "$MAX_GZ_BYTES" 65536 8388608
uint BCC_STARTUP_SECONDS "$BCC_STARTUP_SECONDS" 0 300
case "$BCC_TOOLS" in
  /*) ;;
  *) fail 'BCC_TOOLS must be an absolute path' ;;
esac
case "$BCC_TOOLS" in
  *[!A-Za-z0-9/._-]* | *..*) fail 'BCC_TOOLS contains unexpected characters' ;;
esac
case "$NODE_NAME" in
  '' | *[!A-Za-z0-9.-]*) fail 'NODE_NAME must be a DNS name' ;;
esac
case "$INVESTIGATION_ID" in
  '' | *[!A-Za-z0-9._:-]*) fail 'INVESTIGATION_ID contains unexpected characters' ;;
esac
[ "${#INVESTIGATION_ID}" -le 200 ] || fail 'INVESTIGATION_ID is too long'
case "$SCRATCH_DIR" in
  /*) ;;
  *) fail 'SCRATCH_DIR must be an absolute path' ;;
esac
case "$SCRATCH_DIR" in
  *[!A-Za-z0-9/._-]* | *..*) fail 'SCRATCH_DIR contains unexpected characters' ;;
esac

command -v gzip >/dev/null 2>&1 || fail 'gzip not found on the node'
command -v base64 >/dev/null 2>&1 || fail 'base64 not found on the node'

WORK=$(mktemp -d "$SCRATCH_DIR/snat-capture.XXXXXX") || fail "cannot create a work directory in $SCRATCH_DIR (is the scratch volume mounted?)"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
OUT="$WORK/out"
mkdir -p "$OUT/pstree" "$OUT/sockets" || fail 'cannot create the output folders'
LOG="$OUT/capture.log"
: >"$LOG"
MISSING=''
TRUNCATED=false
SOCKETS_TRUNCATED=false
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)

note() { printf '%s\n' "$1" >>"$LOG"; }
missing() {
  MISSING="$MISSING $1"
  note "missing: $1"
}
has() { command -v "$1" >/dev/null 2>&1; }
# JSON string body: escape backslash and quote, drop control characters.
jstr() { printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g'; }
size() { wc -c <"$1" | tr -d ' '; }

# 1. tcptracer (BCC) for the trace window, IPv4 and IPv6, with TIME and NETNS.
TRACE_LINES=0
if ! has python3; then
  missing python3
  missing tcptracer
elif [ ! -f "$BCC_TOOLS/tcptracer" ]; then
  missing tcptracer
elif ! has timeout; then
  missing timeout
  missing tcptracer
else
  # Interrupt like Ctrl-C so tcptracer flushes and exits; kill it 5 s later if not.
  timeout -s INT -k 5 $((TRACE_SECONDS + BCC_STARTUP_SECONDS)) \
    python3 -u "$BCC_TOOLS/tcptracer" -t -v 2>>"$LOG" |
    head -n "$MAX_TRACE_LINES" >"$OUT/tcptracer.log"
  TRACE_LINES=$(wc -l <"$OUT/tcptracer.log" | tr -d ' ')
  if [ "$TRACE_LINES" -ge "$MAX_TRACE_LINES" ]; then
    TRUNCATED=true
    note "tcptracer output capped at $MAX_TRACE_LINES lines"
  fi
fi

# 2. Network namespaces: lsns (JSON when supported), and an inode/PID list.
if has lsns; then
  if ! lsns -t net -J >"$OUT/lsns.json" 2>>"$LOG"; then
    rm -f "$OUT/lsns.json"
    lsns -t net >"$OUT/lsns.txt" 2>>"$LOG" || rm -f "$OUT/lsns.txt"
  fi
  lsns -t net -n -o NS,PID 2>>"$LOG" | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ { print $1, $2 }' >"$WORK/netns.lst"
else
  missing lsns
  # Same list from /proc: the lowest PID of every network namespace.
  for p in /proc/[0-9]*; do
    l=$(readlink "$p/ns/net" 2>/dev/null) || continue
    printf '%s %s\n' "$l" "${p#/proc/}"
  done | sed -n 's/^net:\[\([0-9]*\)\] \([0-9]*\)$/\1 \2/p' | sort -k1,1n -k2,2n | awk '!seen[$1]++' >"$WORK/netns.lst"
fi
NETNS_COUNT=$(wc -l <"$WORK/netns.lst" | tr -d ' ')

# 3. Per namespace: the process ancestry and the TCP socket tables.
has pstree || missing pstree
while read -r ns pid; do
  if has pstree; then
    pstree -aps "$pid" >"$OUT/pstree/$pid.txt" 2>>"$LOG" || rm -f "$OUT/pstree/$pid.txt"
  fi
  if [ -r "/proc/$pid/net/tcp" ]; then
    cat "/proc/$pid/net/tcp" "/proc/$pid/net/tcp6" 2>/dev/null | head -n "$MAX_SOCKET_LINES" >"$OUT/sockets/$ns.txt"
    if [ "$(wc -l <"$OUT/sockets/$ns.txt" | tr -d ' ')" -ge "$MAX_SOCKET_LINES" ]; then
      SOCKETS_TRUNCATED=true
      note "socket table of netns $ns capped at $MAX_SOCKET_LINES lines"
    fi
  fi
done <"$WORK/netns.lst"

# 4. Containers and pod sandboxes from the runtime.
if has crictl; then
  crictl ps -a -o json >"$OUT/crictl-ps.json" 2>>"$LOG" || rm -f "$OUT/crictl-ps.json"
  crictl pods -o json >"$OUT/crictl-pods.json" 2>>"$LOG" || rm -f "$OUT/crictl-pods.json"
else
  missing crictl
fi

# 5. Keep the compressed output within budget: halve the trace until it fits.
gz_total() {
  t=0
  for f in $(cd "$OUT" && find . -type f | sed 's|^\./||'); do
    t=$((t + $(gzip -c "$OUT/$f" | wc -c | tr -d ' ')))
  done
  printf '%s\n' "$t"
}
TOTAL=$(gz_total)
while [ "$TOTAL" -gt "$MAX_GZ_BYTES" ] && [ -f "$OUT/tcptracer.log" ] && [ "$TRACE_LINES" -gt 1000 ]; do
  TRACE_LINES=$((TRACE_LINES / 2))
  head -n "$TRACE_LINES" "$OUT/tcptracer.log" >"$WORK/trace.tmp" && mv "$WORK/trace.tmp" "$OUT/tcptracer.log"
  TRUNCATED=true
  note "tcptracer output cut to $TRACE_LINES lines to fit the log budget"
  TOTAL=$(gz_total)
done

# 6. Node facts and what was missing.
KERNEL=$(uname -r 2>/dev/null || echo unknown)
OS_IMAGE=$( (. /etc/os-release 2>/dev/null && printf '%s' "${PRETTY_NAME:-unknown}") || echo unknown)
BCC_VERSION=unknown
if has dpkg-query; then
  BCC_VERSION=$(dpkg-query -W -f='${Version}' bpfcc-tools 2>/dev/null || dpkg-query -W -f='${Version}' python3-bpfcc 2>/dev/null || echo unknown)
fi
if [ "$BCC_VERSION" = unknown ] && has python3; then
  BCC_VERSION=$(python3 -c 'import bcc; print(bcc.__version__)' 2>/dev/null || echo unknown)
fi
MISSING_JSON=''
for m in $MISSING; do
  MISSING_JSON="$MISSING_JSON${MISSING_JSON:+,}\"$m\""
done
cat >"$OUT/capture.json" <<EOF
{
  "schemaVersion": 1,
  "node": "$(jstr "$NODE_NAME")",
  "investigationId": "$(jstr "$INVESTIGATION_ID")",
  "kernel": "$(jstr "$KERNEL")",
  "osImage": "$(jstr "$OS_IMAGE")",
  "bccVersion": "$(jstr "$BCC_VERSION")",
  "traceSeconds": $TRACE_SECONDS,
  "traceLines": $TRACE_LINES,
  "maxTraceLines": $MAX_TRACE_LINES,
  "truncated": $TRUNCATED,
  "socketsTruncated": $SOCKETS_TRUNCATED,
  "netnsCount": $NETNS_COUNT,
  "missingTools": [$MISSING_JSON],
  "startedAt": "$STARTED",
  "finishedAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
EOF

# 7. The framed block: one gzip+base64 block per file, byte counts in the markers.
printf '%s\n' '==SNAT-CAPTURE-BEGIN v1=='
N=0
GZ=0
for f in $(cd "$OUT" && find . -type f | sed 's|^\./||' | sort); do
  gzip -c "$OUT/$f" >"$WORK/block.gz" || fail "cannot compress $f"
  SZ=$(size "$WORK/block.gz")
  printf '==SNAT-FILE path=%s gz=%s==\n' "$f" "$SZ"
  base64 "$WORK/block.gz"
  printf '%s\n' '==SNAT-FILE-END=='
  N=$((N + 1))
  GZ=$((GZ + SZ))
done
printf '==SNAT-CAPTURE-END files=%s gz=%s==\n' "$N" "$GZ"
