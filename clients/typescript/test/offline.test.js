// The client's own logic against a stand-in fetch (no server): SSE, polling, retries, paging.
import { test } from "node:test";
import assert from "node:assert/strict";
import Agentline, { InternalServerError, RateLimitError, WaitTimeoutError, APIError } from "agentline";

const CALL = { id: "call_1", status: "queued" };
const json = (status, body, headers = {}) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

function standIn(routes) {
  const seen = [];
  const fetch = async (url, init) => {
    const { pathname, searchParams } = new URL(url);
    seen.push({ method: init.method, pathname, searchParams, headers: init.headers });
    const answers = routes[`${init.method} ${pathname}`];
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    return typeof answer === "function" ? answer(searchParams) : answer();
  };
  return { client: (opts = {}) => new Agentline({ apiKey: "al_test_x", baseUrl: "http://agentline.test", fetch, ...opts }), seen };
}

test("wait follows the stream and answers the ended call", async () => {
  const events = [{ type: "call.ringing", status: "ringing" }, { type: "call.completed", status: "completed" }];
  const body = ": hi\n\n" + events.map((e, i) => `id: evt_${i}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");
  const { client } = standIn({
    "GET /v1/calls/call_1": [() => json(200, CALL), () => json(200, { ...CALL, status: "completed", summary: "ok", answered_at: "t" })],
    "GET /v1/calls/call_1/events": [() => new Response(body, { headers: { "content-type": "text/event-stream" } })],
  });
  const seen = [];
  const done = await client().calls.wait("call_1", { timeout: 5, onEvent: (e) => seen.push(e.type) });
  assert.equal(done.summary, "ok");
  assert.deepEqual(seen, ["call.ringing", "call.completed"]);
});

test("wait polls without a stream, and times out", async () => {
  const { client } = standIn({
    "GET /v1/calls/call_1": [() => json(200, CALL)],
    "GET /v1/calls/call_1/events": [() => json(200, { data: [] })],
  });
  await assert.rejects(client().calls.wait("call_1", { timeout: 0.5, pollInterval: 0.1 }), WaitTimeoutError);
});

test("429 is retried after Retry-After; 5xx only when safe to repeat", async () => {
  const { client, seen } = standIn({
    "GET /v1/agents/agt_1": [
      () => json(429, { error: { code: "rate_limit_exceeded", message: "m" } }, { "retry-after": "0" }),
      () => json(503, { error: { code: "server_error", message: "m" } }),
      () => json(200, { id: "agt_1" }),
    ],
    "POST /v1/agents": [() => json(500, { error: { code: "server_error", message: "boom" } })],
    "POST /v1/calls": [() => new Response("bad gateway", { status: 502 }), () => json(201, CALL)],
    "GET /v1/calls/call_2": [() => json(429, { error: { code: "rate_limit_exceeded", message: "m" } }, { "retry-after": "120" })],
  });
  const c = client();
  assert.equal((await c.agents.get("agt_1")).id, "agt_1");
  await assert.rejects(c.agents.create({ name: "x" }), InternalServerError);
  assert.equal(seen.filter((r) => r.pathname === "/v1/agents").length, 1);
  assert.equal((await c.calls.create({ agentId: "agt_1", to: "+14155550100" })).id, "call_1");
  const posts = seen.filter((r) => r.pathname === "/v1/calls");
  assert.equal(posts.length, 2);
  assert.equal(posts[0].headers["Idempotency-Key"], posts[1].headers["Idempotency-Key"]);
  await assert.rejects(c.calls.get("call_2"), (err) => err instanceof RateLimitError && err.retryAfter === 120);
});

test("lists follow the cursor; bad answers are clear errors", async () => {
  const { client } = standIn({
    "GET /v1/contacts": [(q) => q.get("after")
      ? json(200, { data: [{ id: "c1" }], has_more: false, next_cursor: null })
      : json(200, { data: [{ id: "c3" }, { id: "c2" }], has_more: true, next_cursor: "c2" })],
    "GET /v1/calls": [() => json(200, { nope: 1 })],
  });
  assert.deepEqual((await client().contacts.list({ limit: 2 }).toArray()).map((c) => c.id), ["c3", "c2", "c1"]);
  await assert.rejects(client().calls.list().toArray(), (err) => err instanceof APIError && err.code === "invalid_response");
});
