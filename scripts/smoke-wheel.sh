#!/usr/bin/env bash
# Installs a built wheel into a fresh venv, away from the source tree, and proves it works
# as a merchant would use it: serve, health, a signed payout answered 0000, its callback,
# `check` on the bundled scenarios, and the pytest plugin found by its entry point.
# Usage: scripts/smoke-wheel.sh dist/vexora_sandbox-*.whl
set -euo pipefail

wheel=$(realpath "${1:?usage: smoke-wheel.sh WHEEL}")
python=${PYTHON:-python3}
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"  # nothing of the source tree is importable from here

echo "-- install $(basename "$wheel") into a fresh venv"
"$python" -m venv venv
venv/bin/pip install -q "$wheel"

echo "-- vexora-sandbox check (the bundled scenarios)"
checked=$(venv/bin/vexora-sandbox check)
echo "$checked"
case "$checked" in
  */site-packages/vexora_sandbox/_scenarios:*" all valid") ;;
  *) echo "check did not validate the bundled scenarios" >&2; exit 1 ;;
esac

echo "-- serve, then wait for /_sandbox/health"
venv/bin/vexora-sandbox serve --port 0 --time-scale 0.01 >serve.log 2>&1 &
server=$!
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/.* serving on \(http[^ ]*\).*/\1/p' serve.log | head -n 1)
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { cat serve.log >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "serve printed no URL within 10 s" >&2; cat serve.log >&2; exit 1; }

echo "-- a signed payout and its callback, against $url"
venv/bin/python - "$url" <<'PY'
import json, sys, time, urllib.request

from vexora_sandbox import CallbackReceiver, sign

url = sys.argv[1]
with urllib.request.urlopen(url + "/_sandbox/health", timeout=10) as health:
    assert json.load(health)["status"] == "ok", "health"
with CallbackReceiver(secret="sandbox-secret") as receiver:
    body = {
        "tradeNo": f"SMOKE{time.time_ns()}", "amount": "100",
        "accountNo": "880123456789012345", "mobile": "0912345678",
        "email": "rizky.pratama@example.com", "firstname": "Rizky", "lastname": "Pratama",
        "notifyUrl": receiver.url, "timestamp": str(int(time.time() * 1000)),
    }
    body["sign"] = sign(body, "sandbox-secret")
    request = urllib.request.Request(
        url + "/v1/vexora/disbursements", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "merchantNo": "0000000001"},
    )
    answer = json.load(urllib.request.urlopen(request, timeout=10))
    assert (answer["code"], answer["data"]["status"]) == ("0000", "0015"), answer
    callback = receiver.wait_for(body["tradeNo"], status="0000", timeout=30)
    assert callback.sign_valid, callback.body
print("payout answered 0000, SUCCESS callback received with a valid sign")
PY

echo "-- the pytest plugin, found by its entry point"
venv/bin/pip install -q pytest
venv/bin/python - <<'PY'
from importlib.metadata import entry_points

(plugin,) = [e for e in entry_points(group="pytest11") if e.name == "vexora_sandbox"]
assert plugin.value == "vexora_sandbox.pytest_plugin", plugin
PY
cat >test_merchant.py <<'PY'
def test_payout_succeeds(vexora_sandbox, vexora_callback_receiver):
    answer = vexora_sandbox.payout(amount="500", notifyUrl=vexora_callback_receiver.url)
    assert answer["code"] == "0000" and answer["data"]["status"] == "0015"
    callback = vexora_callback_receiver.wait_for(answer["data"]["tradeNo"], status="0000")
    assert callback.sign_valid and callback.body["amount"] == "500"
PY
venv/bin/python -m pytest -q -p no:cacheprovider test_merchant.py

echo "-- the wheel works"
