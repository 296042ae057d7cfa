// Compiled (not run) by `tsc` in scripts/test-clients.sh: the declarations are valid and fit the usage in the README.
import Agentline, { APIError, NotFoundError, RateLimitError, WaitTimeoutError, verify, type CallView, type Agent } from "agentline";

async function firstCall(): Promise<string | null | undefined> {
  const client = new Agentline({ apiKey: "al_test_…", baseUrl: "http://127.0.0.1:8080" });
  const agent: Agent = await client.agents.create({ name: "Riley", firstMessage: "Hi!" });
  await client.numbers.create({ phone_number: "+14155550150", agent_id: agent.id });
  const call = await client.calls.create({ agentId: agent.id, to: "+14155550100", variables: { name: "Ada" } });
  const done: CallView = await client.calls.wait(call.id, { timeout: 120, onEvent: (e) => console.log(e.type, e.status) });
  for await (const c of client.calls.list({ limit: 10, status: "completed" })) console.log(c.id, c.end_reason, c.summary);
  const transcript = await client.calls.transcript(call.id);
  transcript.turns.forEach((t) => console.log(t.speaker, t.text));
  const later: unknown = done["sentiment"]; // a field a newer server adds
  void later;
  try {
    await client.calls.get("call_x");
  } catch (err) {
    if (err instanceof NotFoundError) console.log(err.status, err.code, err.message);
    if (err instanceof RateLimitError) console.log(err.retryAfter);
    if (err instanceof WaitTimeoutError) console.log(err.call.status);
    if (err instanceof APIError) console.log(err.param);
  }
  const endpoint = await client.webhookEndpoints.create({ url: "https://example.com/hook", eventTypes: ["call.completed"] });
  await verify("{}", { "webhook-id": "msg", "webhook-timestamp": "1", "webhook-signature": "v1,x" }, endpoint.secret);
  return done.summary;
}
void firstCall;
