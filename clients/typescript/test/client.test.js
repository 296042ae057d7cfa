// The JavaScript client against a real agentline server (scripts/test-clients.sh starts one):
// AGENTLINE_TEST_URL, AGENTLINE_TEST_API_KEY (a test key), AGENTLINE_TEST_ADMIN_TOKEN.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import Agentline, {
  APIError, APIConnectionError, AuthenticationError, BadRequestError, ConflictError, NotFoundError,
  PermissionDeniedError, RateLimitError, UnprocessableEntityError, WaitTimeoutError, WebhookVerificationError, verify,
} from "agentline";

const URL = process.env.AGENTLINE_TEST_URL;
const KEY = process.env.AGENTLINE_TEST_API_KEY;
const ADMIN = process.env.AGENTLINE_TEST_ADMIN_TOKEN;
const skip = !URL || !KEY ? "needs a server: AGENTLINE_TEST_URL and AGENTLINE_TEST_API_KEY (scripts/test-clients.sh)" : false;

const client = skip ? null : new Agentline({ apiKey: KEY, baseUrl: URL });
const phone = () => "+1415" + String(2000000 + Math.floor(Math.random() * 8000000));
let agent;

before(async () => {
  if (skip) return;
  agent = await client.agents.create({ name: "Riley", firstMessage: "Hi {{name}}, this is Riley." });
  await client.numbers.create({ phoneNumber: phone(), agentId: agent.id, label: "js tests" });
});

test("a call is placed, followed to its end and read", { skip }, async () => {
  // …0119 answers, then hangs up after 9 s (0.9 s on the sped-up sandbox): long enough to follow live.
  const call = await client.calls.create({ agentId: agent.id, to: "+14155550119", variables: { name: "Ada" }, metadata: { ref: "js" } });
  assert.match(call.id, /^call_/);
  assert.equal(call.status, "queued");
  assert.equal(call.mode, "test");
  assert.deepEqual(call.metadata, { ref: "js" });
  const events = [];
  const done = await client.calls.wait(call.id, { timeout: 60, onEvent: (e) => events.push(e.type) });
  assert.equal(done.status, "completed");
  assert.equal(done.end_reason, "caller_hangup");
  assert.ok(events.includes("call.completed"), events.join());
  const log = await client.calls.events(call.id);
  assert.equal(log.data[0].type, "call.queued");
  // The log ends with the call's end, or with its analysis (call.analyzed) once that has run.
  assert.ok(["call.completed", "call.analyzed"].includes(log.data.at(-1).type), log.data.map((e) => e.type).join());
  const transcript = await client.calls.transcript(call.id);
  assert.equal(transcript.call_id, call.id);
  assert.ok(Array.isArray(transcript.turns));
  assert.equal(typeof (await client.calls.transcriptText(call.id)), "string");
  try {
    const wav = await client.calls.recording(call.id);
    assert.equal(new TextDecoder().decode(wav.slice(0, 4)), "RIFF");
  } catch (err) {
    assert.ok(err instanceof NotFoundError, String(err));
    assert.equal(err.code, "recording_not_found");
  }
});

test("waiting times out; ending twice is a conflict", { skip }, async () => {
  const call = await client.calls.create({ agentId: agent.id, to: "+14155550107" });
  await assert.rejects(client.calls.wait(call.id, { timeout: 1 }), (err) => err instanceof WaitTimeoutError && err.call.id === call.id);
  const ended = await client.calls.end(call.id);
  assert.ok(["completed", "canceled"].includes(ended.status));
  await assert.rejects(client.calls.end(call.id), (err) => err instanceof ConflictError && err.status === 409 && err.code === "call_already_ended");
});

test("a call is transferred to a person", { skip }, async () => {
  const call = await client.calls.create({ agentId: agent.id, to: "+14155550107" });
  for (let i = 0; i < 100 && (await client.calls.get(call.id)).status !== "in_progress"; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const accepted = await client.calls.transfer(call.id, { to: "+14155550117", mode: "warm", whisper: "Ada wants Friday." });
  assert.equal(accepted.id, call.id);
  const done = await client.calls.wait(call.id, { timeout: 60 });
  assert.deepEqual([done.end_reason, done.transfer.status, done.transfer.method], ["transferred", "transferred", "bridge"]);
  await assert.rejects(client.calls.transfer(call.id, { to: "+14155550117" }), (err) => err instanceof ConflictError && err.code === "call_not_answered");
});

test("a campaign calls its CSV rows", { skip }, async () => {
  const offset = 12 - new Date().getUTCHours(); // a zone where it is about noon: the window is open
  const zone = offset >= 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  const days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const campaign = await client.campaigns.create({
    name: "JS", agentId: agent.id, window: { start: "08:00", end: "21:00", days }, callsPerMinute: 6000, variables: { name: "Ada" },
  });
  assert.equal(campaign.status, "draft");
  const added = await client.campaigns.addContacts(campaign.id, `phone_number,timezone\n+14155550119,${zone}\n+14155550113,${zone}\n`);
  assert.equal(added.added, 2);
  await client.campaigns.start(campaign.id);
  let now;
  for (let i = 0; i < 300; i++) {
    now = await client.campaigns.get(campaign.id);
    if (now.status === "completed") break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual([now.status, now.counts.completed], ["completed", 2]);
  const page = await client.campaigns.contacts(campaign.id, { limit: 10 });
  assert.deepEqual(page.data.map((c) => c.state), ["completed", "completed"]);
});

test("waiting falls back to polling", { skip }, async () => {
  const polling = new Agentline({ apiKey: KEY, baseUrl: URL });
  polling._follow = async () => false;
  const call = await polling.calls.create({ agent_id: agent.id, to: "+14155550101" });
  const done = await polling.calls.wait(call.id, { timeout: 30, pollInterval: 0.1 });
  assert.equal(done.status, "busy");
});

test("errors are typed", { skip }, async () => {
  await assert.rejects(client.calls.get("call_" + "0".repeat(32)), (err) =>
    err instanceof NotFoundError && err instanceof APIError && err.status === 404 && err.code === "not_found" && Boolean(err.message));
  await assert.rejects(client.calls.create({ agentId: agent.id, to: "555-1234" }), (err) =>
    err instanceof BadRequestError && err.code === "invalid_phone_number" && err.param === "to");
  await assert.rejects(client.keys.list().firstPage(), (err) => err instanceof PermissionDeniedError && err.code === "permission_denied");
  const nowhere = new Agentline({ apiKey: KEY, baseUrl: "http://127.0.0.1:9", maxRetries: 0 });
  await assert.rejects(nowhere.agents.get(agent.id), APIConnectionError);
});

test("a bad key is an authentication error, then rate-limited with Retry-After", { skip }, async () => {
  const stranger = new Agentline({ apiKey: "al_test_wrong", baseUrl: URL, maxRetries: 0 });
  let limited = null, unauthorized = 0;
  for (let i = 0; i < 60 && !limited; i++) {
    try {
      await stranger.agents.list().firstPage();
    } catch (err) {
      if (err instanceof RateLimitError) limited = err;
      else if (err instanceof AuthenticationError && err.code === "invalid_key") unauthorized++;
      else throw err;
    }
  }
  assert.ok(limited, "no 429 after 60 failed authentications");
  assert.equal(limited.status, 429);
  assert.equal(limited.code, "rate_limit_exceeded");
  assert.ok(limited.retryAfter >= 1);
  const patient = new Agentline({ apiKey: "al_test_wrong", baseUrl: URL, maxRetries: 3 });
  await assert.rejects(patient.agents.list().firstPage(), AuthenticationError);
});

test("lists page by themselves", { skip }, async () => {
  const tag = "js-" + randomUUID().slice(0, 8);
  const made = [];
  for (let i = 0; i < 5; i++) made.push((await client.contacts.create({ phoneNumber: phone(), name: `Lead ${i}`, leadStatus: tag })).id);
  const pages = [];
  for await (const page of client.contacts.list({ limit: 2, lead_status: tag }).pages()) pages.push(page.length);
  assert.deepEqual(pages, [2, 2, 1]);
  const ids = (await client.contacts.list({ limit: 2, leadStatus: tag }).toArray()).map((c) => c.id);
  assert.deepEqual(ids, made.reverse());
  const calls = await client.calls.list({ limit: 1 }).toArray();
  assert.equal(new Set(calls.map((c) => c.id)).size, calls.length);
  assert.ok(calls.length >= 2);
});

test("idempotent creates make one call", { skip }, async () => {
  const idempotencyKey = "js-" + randomUUID();
  const first = await client.calls.create({ agentId: agent.id, to: "+14155550103", idempotencyKey });
  const again = await client.calls.create({ agentId: agent.id, to: "+14155550103", idempotencyKey });
  assert.equal(first.id, again.id);
  await assert.rejects(client.calls.create({ agentId: agent.id, to: "+14155550104", idempotencyKey }), UnprocessableEntityError);
});

test("agents, numbers, contacts and webhook endpoints round-trip", { skip }, async () => {
  const a = await client.agents.create({ name: "Temp", instructions: "Be brief." });
  assert.equal((await client.agents.update(a.id, { name: "Temp 2", firstMessage: null })).name, "Temp 2");
  const n = await client.numbers.create({ phoneNumber: phone(), agentId: a.id });
  assert.equal(n.carrier, "sandbox");
  assert.deepEqual(await client.numbers.calls(n.id).toArray(), []);
  assert.equal((await client.agents.delete(a.id)).deleted, true);
  assert.equal((await client.numbers.get(n.id)).agent_id, null);
  await client.numbers.delete(n.id);
  const c = await client.contacts.create({ phoneNumber: phone(), leadScore: 40 });
  assert.equal((await client.contacts.update(c.id, { leadScore: 90 })).lead_score, 90);
  await client.contacts.delete(c.id);
  await assert.rejects(client.contacts.get(c.id), NotFoundError);

  const endpoint = await client.webhookEndpoints.create({ url: "https://example.com/hooks", eventTypes: ["call.completed"] });
  assert.match(endpoint.secret, /^whsec_/);
  assert.equal((await client.webhookEndpoints.secret(endpoint.id)).secret, endpoint.secret);
  assert.equal((await client.webhookEndpoints.update(endpoint.id, { enabled: false })).enabled, false);
  const rotated = await client.webhookEndpoints.rotateSecret(endpoint.id);
  const body = JSON.stringify({ type: "call.completed" });
  const now = Math.floor(Date.now() / 1000);
  const key = Buffer.from(rotated.secret.slice(6), "base64");
  const signature = createHmac("sha256", key).update(`msg_1.${now}.${body}`).digest("base64");
  const headers = new Headers({ "webhook-id": "msg_1", "webhook-timestamp": String(now), "webhook-signature": `v1,bad v1,${signature}` });
  assert.equal((await verify(body, headers, rotated.secret)).type, "call.completed");
  await assert.rejects(verify(body + " ", headers, rotated.secret), WebhookVerificationError);
  assert.equal((await client.webhookEndpoints.delete(endpoint.id)).deleted, true);
});

test("the Standard Webhooks reference example verifies", async () => {
  const headers = {
    "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
    "webhook-timestamp": "1614265330",
    "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
  };
  const body = new TextEncoder().encode('{"test": 2432232314}');
  assert.deepEqual(await verify(body, headers, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", { now: 1614265330 }), { test: 2432232314 });
  await assert.rejects(verify(body, headers, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), WebhookVerificationError);
});

test("keys are made and revoked with the admin token", { skip: skip || (!ADMIN && "needs AGENTLINE_TEST_ADMIN_TOKEN") }, async () => {
  const admin = new Agentline({ apiKey: ADMIN, baseUrl: URL });
  const made = await admin.keys.create({ name: "js tests", mode: "test", scopes: ["agents:read"] });
  assert.match(made.key, /^al_test_/);
  const narrow = new Agentline({ apiKey: made.key, baseUrl: URL });
  await narrow.agents.list().firstPage();
  await assert.rejects(narrow.contacts.list().firstPage(), PermissionDeniedError);
  assert.ok((await admin.keys.revoke(made.id)).revoked_at);
  await assert.rejects(narrow.agents.list().firstPage(), AuthenticationError);
});
