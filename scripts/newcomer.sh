#!/usr/bin/env bash
# Plays a new user on a fresh clone: runs the README's first command exactly as printed
# (it installs what serving needs and starts the sandbox) in the background, waits for
# /_sandbox/health within the time the README promises, sends the README's Python payout
# example and requires its printed answer, then stops the server.
# Run from a clone with no .venv yet (CI's is fresh). Usage: scripts/newcomer.sh
set -euo pipefail
cd "$(dirname "$0")/.."

URL=http://127.0.0.1:8080          # where the README says the sandbox listens
TIMEOUT=${NEWCOMER_TIMEOUT:-300}   # seconds for the install and the start together
log=$(mktemp)
first=$(python3 scripts/readme_block.py first)
payout=$(python3 scripts/readme_block.py payout)

healthy() { python3 -c "import urllib.request as u; u.urlopen('$URL/_sandbox/health', timeout=2)" 2>/dev/null; }

if healthy; then
  echo "something already answers at $URL: stop it first" >&2
  exit 1
fi
[ ! -e .venv ] || { echo ".venv exists: a newcomer starts without one" >&2; exit 1; }

echo "\$ ${first}"
# Its own session (process group), so that stopping it stops pip or the server under it.
setsid bash -c "$first" >"$log" 2>&1 &
leader=$!
stop() { kill -TERM -- "-$leader" 2>/dev/null || true; wait "$leader" 2>/dev/null || true; }
trap 'stop; rm -f "$log"' EXIT

started=$(date +%s)
until healthy; do
  if ! kill -0 "$leader" 2>/dev/null; then
    echo "the README's first command ended before the sandbox answered:" >&2
    cat "$log" >&2
    exit 1
  fi
  if (( $(date +%s) - started > TIMEOUT )); then
    echo "no answer at $URL/_sandbox/health within ${TIMEOUT} s:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 1
done
echo "the sandbox answered its health check after $(( $(date +%s) - started )) s"

printed=$(.venv/bin/python -c "$payout")
if [ "$printed" != "0000 0015" ]; then
  echo "the README's payout example printed '$printed', not '0000 0015'" >&2
  exit 1
fi
echo "the README's payout example printed: $printed"
