// A merchant's integration test in Node, against a running Vexora sandbox: Node's
// built-in test runner, fetch and crypto only, no packages.
//
//   SANDBOX_URL=http://127.0.0.1:8080 node --test examples/node/
//
// It creates its own merchant (so it can run beside other suites on the same sandbox),
// adds a scenario for that merchant, sends a signed payout, waits for the callback through
// the admin API and checks its status and its sign.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer } from "node:http";

const SANDBOX = (process.env.SANDBOX_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
const TOKEN = process.env.SANDBOX_ADMIN_TOKEN;

// The gateway's sign: every non-empty field but sign, sorted by name, as name=value,
// concatenated, then the secret; MD5, lower-case hex.
function sign(body, secret) {
  const base = Object.keys(body)
    .filter((k) => k !== "sign" && body[k] !== null && body[k] !== "")
    .sort()
    .map((k) => `${k}=${body[k]}`)
    .join("");
  return createHash("md5").update(base + secret, "utf8").digest("hex");
}

async function admin(method, path, body, contentType = "application/json") {
  const headers = { "Content-Type": contentType };
  if (TOKEN) headers.Authorization = `Bearer ${TOKEN}`;
  const response = await fetch(`${SANDBOX}/_sandbox/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

// The merchant's callback endpoint: records what arrives, answers OK.
const received = [];
const receiver = createServer((request, response) => {
  let raw = "";
  request.on("data", (chunk) => (raw += chunk));
  request.on("end", () => {
    received.push(JSON.parse(raw));
    response.end("OK");
  });
});
let merchant;

before(async () => {
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const created = await admin("POST", "merchants", { balance: "5000" });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  merchant = created.body; // { merchantNo, secret, ... }: the secret is shown only here
});

after(async () => {
  if (merchant) await admin("DELETE", `merchants/${merchant.merchantNo}`);
  receiver.close();
});

test("a rejected payout is accepted, then its signed 00029 callback arrives", async () => {
  // This merchant's own scenario (YAML, as in a scenario file): it wins over the files.
  const scenario = [
    "name: rejected-by-the-bank",
    "match: {endpoint: disbursements}",
    "callbacks:",
    '  - {after: 100ms, status: "00029", message: REJECTED_TRANSACTION}',
  ].join("\n");
  const added = await admin(
    "POST",
    `scenarios?merchantNo=${merchant.merchantNo}`,
    scenario,
    "text/yaml",
  );
  assert.equal(added.status, 201, JSON.stringify(added.body));

  const { port } = receiver.address();
  const tradeNo = `NODE${Date.now()}`;
  const body = {
    tradeNo,
    amount: "250",
    accountNo: "880123456789012345",
    mobile: "0912345678",
    email: "ana.garcia@example.com",
    firstname: "Ana",
    lastname: "Garcia",
    notifyUrl: `http://127.0.0.1:${port}/notify`,
    timestamp: String(Date.now()),
  };
  body.sign = sign(body, merchant.secret);
  const response = await fetch(`${SANDBOX}/v1/vexora/disbursements`, {
    method: "POST",
    headers: { "Content-Type": "application/json", merchantNo: merchant.merchantNo },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  assert.equal(answer.code, "0000", answer.msg);
  assert.equal(answer.data.status, "0015");

  // Long-poll the admin API until the callback was acknowledged (at most 10 s).
  const waited = await admin(
    "GET",
    `callbacks?tradeNo=${tradeNo}&merchantNo=${merchant.merchantNo}&acknowledged=true&wait=10`,
  );
  assert.equal(waited.status, 200, JSON.stringify(waited.body));
  const [callback] = waited.body.callbacks;
  assert.equal(callback.status, "00029");
  assert.equal(callback.body.message, "REJECTED_TRANSACTION");
  assert.equal(callback.body.sign, sign(callback.body, merchant.secret));

  // The same body reached the merchant's endpoint.
  assert.deepEqual(received.at(-1), callback.body);
  const order = await admin("GET", `transactions/${tradeNo}?merchantNo=${merchant.merchantNo}`);
  assert.equal(order.body.status, "00029");
});
