#!/usr/bin/env bash
# A merchant's integration check with curl and the vexora-sandbox CLI, against a running
# sandbox:
#
#   SANDBOX_URL=http://127.0.0.1:8080 bash examples/shell/payout.sh
#
# It creates its own merchant, adds a scenario for it, sends a signed payout, waits for
# the callback through the admin API and checks its status and its sign. Exit code 0
# when everything holds.
set -euo pipefail

SANDBOX=${SANDBOX_URL:-http://127.0.0.1:8080}
S=$SANDBOX/_sandbox
AUTH=()
if [ -n "${SANDBOX_ADMIN_TOKEN:-}" ]; then AUTH=(-H "Authorization: Bearer $SANDBOX_ADMIN_TOKEN"); fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# One field of the JSON document on stdin, by a dotted path such as callbacks.0.status
# (python3 is there: the CLI runs on it).
field() {
  python3 -c 'import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1].split("."):
    value = value[int(key)] if isinstance(value, list) else value[key]
print(value if isinstance(value, str) else json.dumps(value))' "$1"
}
fail() { echo "FAILED: $*" >&2; exit 1; }

# 1. Its own merchant: a fresh merchantNo and secret (the secret is shown only here).
curl -sf "${AUTH[@]}" -X POST "$S/merchants" -d '{"balance":"5000"}' > "$WORK/merchant.json"
MERCHANT=$(field merchantNo < "$WORK/merchant.json")
SECRET=$(field secret < "$WORK/merchant.json")
cleanup() { curl -s "${AUTH[@]}" -X DELETE "$S/merchants/$MERCHANT" > /dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# 2. A scenario for this merchant only, in the scenario files' YAML.
curl -sf "${AUTH[@]}" -X POST "$S/scenarios?merchantNo=$MERCHANT" -H 'Content-Type: text/yaml' \
  --data-binary @- > /dev/null <<'YAML'
name: rejected-by-the-bank
match: {endpoint: disbursements}
callbacks:
  - {after: 100ms, status: "00029", message: REJECTED_TRANSACTION}
YAML

# 3. A payout, signed by the CLI. The notifyUrl is a closed port: the callback is still
#    sent and recorded, which is what this check reads.
TRADE_NO=SH$(date +%s%N | cut -c1-16)
cat > "$WORK/payout.json" <<JSON
{"tradeNo":"$TRADE_NO","amount":"250","accountNo":"880123456789012345",
 "mobile":"0912345678","email":"ana.garcia@example.com","firstname":"Ana",
 "lastname":"Garcia","notifyUrl":"http://127.0.0.1:9/notify",
 "timestamp":"$(date +%s%3N)"}
JSON
vexora-sandbox sign --secret "$SECRET" --body "$WORK/payout.json" > "$WORK/signed.json"
curl -sf -X POST "$SANDBOX/v1/vexora/disbursements" -H "merchantNo: $MERCHANT" \
  -H 'Content-Type: application/json' --data-binary @"$WORK/signed.json" > "$WORK/answer.json"
[ "$(field code < "$WORK/answer.json")" = "0000" ] || fail "payout: $(cat "$WORK/answer.json")"

# 4. Wait (long-poll, at most 10 s) for the callback, then check its status and its sign.
curl -sf "${AUTH[@]}" "$S/callbacks?tradeNo=$TRADE_NO&merchantNo=$MERCHANT&wait=10" \
  > "$WORK/callbacks.json" || fail "no callback for $TRADE_NO within 10 s"
[ "$(field callbacks.0.status < "$WORK/callbacks.json")" = "00029" ] \
  || fail "callback status: $(cat "$WORK/callbacks.json")"
field callbacks.0.body < "$WORK/callbacks.json" > "$WORK/callback.json"
vexora-sandbox verify --secret "$SECRET" "$WORK/callback.json" > /dev/null \
  || fail "the callback's sign does not verify with the merchant's secret"

echo "ok: $TRADE_NO accepted as merchant $MERCHANT, callback 00029 with a valid sign"
