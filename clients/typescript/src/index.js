// agentline's JavaScript client: Node 18+ and browsers (fetch), ESM, no dependencies.
// Types: index.d.ts (hand-written) and models.d.ts (generated from docs/openapi.json).

export const VERSION = "0.1.0";
const DEFAULT_BASE_URL = "http://127.0.0.1:8080";
const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const FINAL_STATUSES = new Set(["completed", "failed", "no_answer", "busy", "canceled"]);
const FINAL_EVENTS = new Set(["call.completed", "call.failed"]);

// ---- errors ------------------------------------------------------------------------------

/** The base of every error this package throws. */
export class AgentlineError extends Error {
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

/** The server could not be reached, or the connection failed mid-request. */
export class APIConnectionError extends AgentlineError {
  constructor(message, cause) {
    super(message);
    this.cause = cause;
  }
}

/** `calls.wait` gave up before the call ended; `call` is the call as last seen. */
export class WaitTimeoutError extends AgentlineError {
  constructor(message, call) {
    super(message);
    this.call = call;
  }
}

/** The server answered with an error: `status` (HTTP), `code` (stable), `message` (for people). */
export class APIError extends AgentlineError {
  constructor(status, code, message, { param = null, body = null, headers = {} } = {}) {
    super(`${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
    this.message = message;
    this.param = param;
    this.body = body;
    this.headers = headers;
  }
  /** The error object with any extra fields (such as `balance_cents`). */
  get details() {
    return this.body && typeof this.body.error === "object" && this.body.error ? this.body.error : {};
  }
}
export class BadRequestError extends APIError {}
export class AuthenticationError extends APIError {}
export class PaymentRequiredError extends APIError {}
export class PermissionDeniedError extends APIError {}
export class NotFoundError extends APIError {}
export class ConflictError extends APIError {}
export class UnprocessableEntityError extends APIError {}
/** 429: `retryAfter` is the server's `Retry-After`, in seconds. */
export class RateLimitError extends APIError {
  get retryAfter() {
    const value = Number.parseFloat(this.headers["retry-after"]);
    return Number.isFinite(value) ? value : null;
  }
}
export class InternalServerError extends APIError {}

const BY_STATUS = {
  400: BadRequestError, 401: AuthenticationError, 402: PaymentRequiredError, 403: PermissionDeniedError,
  404: NotFoundError, 409: ConflictError, 422: UnprocessableEntityError, 429: RateLimitError,
};

function errorFor(status, body, headers) {
  let code = "unknown_error", message = `HTTP ${status}`, param = null;
  if (body && typeof body === "object" && body.error && typeof body.error === "object") {
    code = String(body.error.code || code);
    message = String(body.error.message || message);
    param = body.error.param ?? null;
  } else if (typeof body === "string" && body.trim()) {
    message = body.trim().slice(0, 500);
  }
  const Class = BY_STATUS[status] || (status >= 500 ? InternalServerError : APIError);
  return new Class(status, code, message, { param, body, headers });
}

// ---- helpers -----------------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const snake = (key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const env = (name) => (typeof process !== "undefined" && process.env ? process.env[name] : undefined);

/** Top-level camelCase keys become snake_case (nested objects, such as `metadata`, are left alone). */
function toBody(params) {
  const out = {};
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined) out[snake(key)] = value;
  }
  return out;
}

function toQuery(params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null) query.set(snake(key), String(value));
  }
  const text = query.toString();
  return text ? `?${text}` : "";
}

function pathId(id) {
  if (typeof id !== "string" || !id) throw new TypeError("an id must be a non-empty string");
  return encodeURIComponent(id);
}

function headersOf(response) {
  const out = {};
  response.headers.forEach((value, key) => { out[key.toLowerCase()] = value; });
  return out;
}

function newIdempotencyKey() {
  const c = globalThis.crypto;
  const id = c && c.randomUUID ? c.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  return `agentline-js-${id}`;
}

// ---- lists -------------------------------------------------------------------------------

/** Every item of a list, fetched page by page: `for await (const call of client.calls.list()) …`. */
export class Page {
  constructor(client, path, params) {
    this._client = client;
    this._path = path;
    this._params = params;
  }
  async *pages() {
    let after;
    for (;;) {
      const body = await this._client.request("GET", this._path + toQuery({ ...this._params, after }));
      if (!body || !Array.isArray(body.data)) {
        throw new APIError(200, "invalid_response", "a list answer without `data`", { body });
      }
      yield body.data;
      after = body.has_more ? body.next_cursor : null;
      if (!after) return;
    }
  }
  async *[Symbol.asyncIterator]() {
    for await (const page of this.pages()) yield* page;
  }
  async firstPage() {
    for await (const page of this.pages()) return page;
    return [];
  }
  /** Every item in one array (reads every page). */
  async toArray() {
    const all = [];
    for await (const item of this) all.push(item);
    return all;
  }
}

// ---- resources ---------------------------------------------------------------------------

class Resource {
  constructor(client, path) {
    this._client = client;
    this._path = path;
  }
  _item(id, suffix = "") {
    return `${this._path}/${pathId(id)}${suffix}`;
  }
  list(params = {}) {
    return new Page(this._client, this._path, params);
  }
  get(id) {
    return this._client.request("GET", this._item(id));
  }
}

class Crud extends Resource {
  create(params) {
    return this._client.request("POST", this._path, { body: toBody(params) });
  }
  update(id, params) {
    return this._client.request("PATCH", this._item(id), { body: toBody(params) });
  }
  delete(id) {
    return this._client.request("DELETE", this._item(id));
  }
}

class Numbers extends Crud {
  calls(id, params = {}) {
    return new Page(this._client, this._item(id, "/calls"), params);
  }
}

class WebhookEndpoints extends Crud {
  secret(id) {
    return this._client.request("GET", this._item(id, "/secret"));
  }
  rotateSecret(id, params = {}) {
    return this._client.request("POST", this._item(id, "/rotate-secret"), { body: toBody(params) });
  }
}

class WebhookDeliveries extends Resource {
  redeliver(id) {
    return this._client.request("POST", this._item(id, "/redeliver"));
  }
}

class Campaigns extends Resource {
  /** Create a campaign (a draft unless `start: true`). */
  create(params) {
    return this._client.request("POST", this._path, { body: toBody(params) });
  }
  /** Add rows (an array of objects) or a CSV file's text; a faulty row fails it all. */
  addContacts(id, contacts) {
    const path = this._item(id, "/contacts");
    if (typeof contacts === "string") {
      return this._client.request("POST", path, { body: contacts, headers: { "Content-Type": "text/csv" } });
    }
    return this._client.request("POST", path, { body: { contacts: (contacts || []).map(toBody) } });
  }
  contacts(id, params = {}) {
    return this._client.request("GET", this._item(id, `/contacts${toQuery(params)}`));
  }
  start(id) {
    return this._client.request("POST", this._item(id, "/start"));
  }
  pause(id) {
    return this._client.request("POST", this._item(id, "/pause"));
  }
  resume(id) {
    return this._client.request("POST", this._item(id, "/resume"));
  }
  cancel(id) {
    return this._client.request("POST", this._item(id, "/cancel"));
  }
}

class Keys extends Resource {
  create(params = {}) {
    return this._client.request("POST", this._path, { body: toBody(params) });
  }
  revoke(id) {
    return this._client.request("DELETE", this._item(id));
  }
}

class Calls extends Resource {
  /** Place a call; an `Idempotency-Key` is sent (made up unless `idempotencyKey` is given), so retries are safe. */
  create(params) {
    const { idempotencyKey, ...rest } = params || {};
    const headers = { "Idempotency-Key": idempotencyKey || newIdempotencyKey() };
    return this._client.request("POST", this._path, { body: toBody(rest), headers });
  }
  end(id) {
    return this._client.request("POST", this._item(id, "/end"));
  }
  /** Hand an `in_progress` call to a person: `{ to, mode: "blind" | "warm", whisper }`. */
  transfer(id, params) {
    return this._client.request("POST", this._item(id, "/transfer"), { body: toBody(params) });
  }
  events(id) {
    return this._client.request("GET", this._item(id, "/events"));
  }
  transcript(id) {
    return this._client.request("GET", this._item(id, "/transcript"));
  }
  async transcriptText(id) {
    const response = await this._client.raw("GET", this._item(id, "/transcript") + "?format=text");
    return response.text();
  }
  /** The recording (WAV) as bytes; `NotFoundError` (`recording_not_found`) when the call has none. */
  async recording(id) {
    const response = await this._client.raw("GET", this._item(id, "/recording"));
    return new Uint8Array(await response.arrayBuffer());
  }
  /** The recording as a `Response`, to stream its body. */
  recordingResponse(id) {
    return this._client.raw("GET", this._item(id, "/recording"));
  }
  /**
   * Wait until the call has ended and answer it: the live event stream (SSE), else polling.
   * Options: `timeout` (seconds, default 600), `pollInterval` (seconds, 1), `onEvent(event)`,
   * `settle` (seconds to wait for an answered call's `summary`, 2), `signal`.
   */
  wait(id, options = {}) {
    return this._client._wait(pathId(id), options);
  }
}

// ---- SSE ---------------------------------------------------------------------------------

async function* sseMessages(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let message = { id: null, event: null, data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.search(/\r?\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer[newline] === "\r" ? 2 : 1));
        if (line === "") {
          if (message.data.length || message.event) yield { ...message, data: message.data.join("\n") };
          message = { id: null, event: null, data: [] };
        } else if (!line.startsWith(":")) {
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? "" : line.slice(colon + 1);
          if (value.startsWith(" ")) value = value.slice(1);
          if (field === "data") message.data.push(value);
          else if (field === "event") message.event = value;
          else if (field === "id") message.id = value;
        }
      }
    }
  } finally {
    reader.releaseLock();
  }
}

// ---- the client --------------------------------------------------------------------------

/** agentline's API: `new Agentline({ apiKey, baseUrl })` (defaults: `AGENTLINE_API_KEY`, `AGENTLINE_URL`). */
export class Agentline {
  constructor({ apiKey, baseUrl, timeout = 30, maxRetries = 2, fetch: fetchImpl } = {}) {
    this.apiKey = apiKey || env("AGENTLINE_API_KEY");
    if (!this.apiKey) throw new AgentlineError("an API key is needed: pass { apiKey } or set AGENTLINE_API_KEY");
    this.baseUrl = (baseUrl || env("AGENTLINE_URL") || DEFAULT_BASE_URL).replace(/\/+$/, "");
    this.timeout = timeout;
    this.maxRetries = maxRetries;
    this._fetch = fetchImpl || globalThis.fetch.bind(globalThis);
    this.calls = new Calls(this, "/v1/calls");
    this.campaigns = new Campaigns(this, "/v1/campaigns");
    this.agents = new Crud(this, "/v1/agents");
    this.numbers = new Numbers(this, "/v1/numbers");
    this.contacts = new Crud(this, "/v1/contacts");
    this.webhookEndpoints = new WebhookEndpoints(this, "/v1/webhook-endpoints");
    this.webhookDeliveries = new WebhookDeliveries(this, "/v1/webhook-deliveries");
    this.keys = new Keys(this, "/v1/keys");
  }

  _retryDelay(attempt, response, method, headers) {
    if (attempt >= this.maxRetries) return null;
    const safe = IDEMPOTENT.has(method) || "Idempotency-Key" in headers;
    if (response) {
      if (!RETRY_STATUSES.has(response.status)) return null;
      if (response.status !== 429 && !safe) return null;
      const retryAfter = Number.parseFloat(response.headers.get("retry-after"));
      if (Number.isFinite(retryAfter)) return retryAfter <= 60 ? retryAfter * 1000 : null;
    } else if (!safe) {
      return null;
    }
    return Math.min(8000, 500 * 2 ** attempt) * (0.75 + Math.random() / 2);
  }

  /** Send a request and answer the `Response` (retried on 429/5xx as allowed); throws `APIError` on 4xx/5xx. */
  async raw(method, path, { body, headers = {}, timeout, signal, stream = false } = {}) {
    const all = {
      Authorization: `Bearer ${this.apiKey}`,
      Accept: "application/json",
      ...headers,
    };
    // A body with a type of its own (a CSV file) goes as given; anything else as JSON.
    const own = typeof body === "string" && headers["Content-Type"];
    if (body !== undefined && !own) all["Content-Type"] = "application/json";
    for (let attempt = 0; ; attempt++) {
      const controller = new AbortController();
      const abort = () => controller.abort(signal.reason);
      if (signal) {
        if (signal.aborted) abort();
        else signal.addEventListener("abort", abort, { once: true });
      }
      const limit = (timeout ?? this.timeout) * 1000;
      const timer = setTimeout(() => controller.abort(new Error("timed out")), limit);
      let response;
      try {
        response = await this._fetch(this.baseUrl + path, {
          method,
          headers: all,
          body: body === undefined ? undefined : own ? body : JSON.stringify(body),
          signal: controller.signal,
        });
      } catch (err) {
        clearTimeout(timer);
        if (signal?.aborted) throw err;
        const delay = this._retryDelay(attempt, null, method, all);
        if (delay === null) throw new APIConnectionError(`${method} ${path}: ${err?.cause?.message || err?.message || err}`, err);
        await sleep(delay);
        continue;
      }
      if (!stream) clearTimeout(timer);
      const delay = this._retryDelay(attempt, response, method, all);
      if (delay !== null) {
        clearTimeout(timer);
        await response.body?.cancel().catch(() => {});
        await sleep(delay);
        continue;
      }
      if (response.status >= 400) {
        clearTimeout(timer);
        const text = await response.text().catch(() => "");
        let parsed = text;
        try { parsed = JSON.parse(text); } catch {}
        throw errorFor(response.status, parsed, headersOf(response));
      }
      if (stream) response._clearTimer = () => clearTimeout(timer);
      return response;
    }
  }

  /** Send a request and answer its JSON body. */
  async request(method, path, options = {}) {
    const response = await this.raw(method, path, options);
    const text = await response.text();
    if (!text) return null;
    try {
      return JSON.parse(text);
    } catch {
      throw new APIError(response.status, "invalid_response", "the server's answer is not JSON", { body: text });
    }
  }

  async _follow(id, deadline, onEvent, signal) {
    let lastId = null;
    while (Date.now() < deadline) {
      const headers = { Accept: "text/event-stream" };
      if (lastId) headers["Last-Event-ID"] = lastId;
      const controller = new AbortController();
      const stop = setTimeout(() => controller.abort(), Math.max(100, deadline - Date.now()));
      if (signal) signal.addEventListener("abort", () => controller.abort(), { once: true });
      let response;
      try {
        response = await this.raw("GET", `/v1/calls/${id}/events`, {
          headers, stream: true, signal: controller.signal, timeout: (deadline - Date.now()) / 1000 + 1,
        });
      } catch (err) {
        clearTimeout(stop);
        if (err instanceof APIError && [401, 403, 404].includes(err.status)) throw err;
        return false;
      }
      try {
        if (!(response.headers.get("content-type") || "").includes("text/event-stream") || !response.body) return false;
        for await (const message of sseMessages(response.body)) {
          if (message.id) lastId = message.id;
          let event;
          try { event = JSON.parse(message.data); } catch { event = { raw: message.data }; }
          if (onEvent) await onEvent(event);
          if (FINAL_EVENTS.has(event.type)) return true;
        }
        // The stream closed without the final event: reconnect where it left off.
      } catch {
        if (Date.now() >= deadline || signal?.aborted) return false;
        return false;
      } finally {
        clearTimeout(stop);
        response._clearTimer?.();
        controller.abort();
      }
    }
    return false;
  }

  async _wait(id, { timeout = 600, pollInterval = 1, onEvent, settle = 2, signal } = {}) {
    const deadline = Date.now() + timeout * 1000;
    const get = () => this.request("GET", `/v1/calls/${id}`, { signal });
    let call = await get();
    if (!FINAL_STATUSES.has(call.status)) {
      await this._follow(id, deadline, onEvent, signal);
      call = await get();
      let seen = call.status;
      while (!FINAL_STATUSES.has(call.status)) {
        if (Date.now() >= deadline) throw new WaitTimeoutError(`call ${id} is still ${call.status} after ${timeout} s`, call);
        await sleep(Math.max(50, Math.min(pollInterval * 1000, deadline - Date.now())));
        call = await get();
        if (onEvent && call.status !== seen) await onEvent({ type: `call.${call.status}`, status: call.status, call_id: id, polled: true });
        seen = call.status;
      }
    }
    const settleUntil = Math.min(deadline, Date.now() + settle * 1000);
    while (call.answered_at && call.summary == null && Date.now() < settleUntil) {
      await sleep(200);
      call = await get();
    }
    return call;
  }
}

// ---- webhooks ----------------------------------------------------------------------------

/** The delivery's signature or timestamp does not check out: do not trust its body. */
export class WebhookVerificationError extends AgentlineError {}

const TOLERANCE_SECS = 5 * 60;

function header(headers, name) {
  if (typeof headers?.get === "function") {
    const value = headers.get(name);
    if (value != null) return String(value);
  } else {
    for (const [key, value] of Object.entries(headers || {})) {
      if (key.toLowerCase() === name) return String(Array.isArray(value) ? value[0] : value);
    }
  }
  throw new WebhookVerificationError(`the ${name} header is missing`);
}

function base64ToBytes(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new WebhookVerificationError("the secret is not valid base64");
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function bytesToBase64(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

async function subtle() {
  if (globalThis.crypto?.subtle) return globalThis.crypto.subtle;
  const { webcrypto } = await import("node:crypto"); // Node 18 without the global
  return webcrypto.subtle;
}

/**
 * Check a webhook delivery (Standard Webhooks) and answer its parsed JSON body; throws
 * `WebhookVerificationError` when it is not genuine. `body` is the raw body as received
 * (string or bytes); `headers` a `Headers` or a plain object; `secret` the endpoint's `whsec_…`.
 */
export async function verify(body, headers, secret, { tolerance = TOLERANCE_SECS, now } = {}) {
  if (typeof secret !== "string" || !secret.startsWith("whsec_")) throw new WebhookVerificationError("the secret is not a whsec_ secret");
  const key = base64ToBytes(secret.slice("whsec_".length));
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  const sentAt = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(sentAt)) throw new WebhookVerificationError("webhook-timestamp is not a number");
  const clock = now ?? Date.now() / 1000;
  if (Math.abs(clock - sentAt) > tolerance) throw new WebhookVerificationError("webhook-timestamp is too far from now");
  const raw = typeof body === "string" ? new TextEncoder().encode(body) : new Uint8Array(body);
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + raw.length);
  signed.set(prefix);
  signed.set(raw, prefix.length);
  const crypto = await subtle();
  const hmacKey = await crypto.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const expected = bytesToBase64(new Uint8Array(await crypto.sign("HMAC", hmacKey, signed)));
  for (const entry of signatures.split(/\s+/)) {
    const comma = entry.indexOf(",");
    if (comma < 0 || entry.slice(0, comma) !== "v1") continue;
    const given = entry.slice(comma + 1);
    let same = given.length === expected.length;
    for (let i = 0; i < expected.length; i++) same = (expected.charCodeAt(i) === given.charCodeAt(i)) && same;
    if (same) {
      const text = new TextDecoder().decode(raw);
      try { return text ? JSON.parse(text) : null; } catch { return text; }
    }
  }
  throw new WebhookVerificationError("no signature matches");
}

export const webhooks = { verify };
export default Agentline;
