// The agentline console: every page is drawn from the same /v1 API a client uses, with the
// browser's session cookie as the credential and the session's CSRF token on every write.
// The API decides what this session may see and do; the console only hides what it may not.
'use strict';

const main = document.getElementById('main');
let session = null;
let cleanups = [];

// ---- HTML with every interpolated value escaped, unless it is already html ----
class Html { constructor(text) { this.text = text; } toString() { return this.text; } }
const escapeText = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const piece = (v) => (v instanceof Html ? v.text : Array.isArray(v) ? v.map(piece).join('') : escapeText(v));
const html = (strings, ...values) =>
  new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? piece(values[i]) : ''), ''));

// ---- the API ----
async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = session.csrf_token;
  let payload;
  if (typeof body === 'string') { headers['content-type'] = 'text/csv'; payload = body; }
  else if (body !== undefined) { headers['content-type'] = 'application/json'; payload = JSON.stringify(body); }
  const response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (response.status === 401) { location.assign('/console/sign-in'); throw new Error('Signed out'); }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error(data?.error?.message || response.statusText);
    error.status = response.status;
    throw error;
  }
  return data;
}
const can = (scope) => session.allowed.includes(scope);
const isAdmin = () => session.credential === 'admin';

// ---- small views ----
const when = (t) => (t ? new Date(t).toLocaleString() : '');
const money = (cents, currency) => `${(cents / 100).toFixed(2)} ${currency || ''}`.trim();
const link = (href, text) => html`<a href="${href}">${text}</a>`;
const table = (headings, rows, empty = 'Nothing yet.') =>
  rows.length
    ? html`<table><thead><tr>${headings.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
        <tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody></table>`
    : html`<p class="empty">${empty}</p>`;
const field = (id, label, input) => html`<div class="field"><label for="${id}">${label}</label>${input}</div>`;
const text = (id, label, value = '', attrs = '') =>
  field(id, label, html`<input id="${id}" name="${id}" value="${value}" ${new Html(attrs)}>`);
const area = (id, label, value = '') =>
  field(id, label, html`<textarea id="${id}" name="${id}" rows="4">${value}</textarea>`);
const select = (id, label, options, chosen) =>
  field(id, label, html`<select id="${id}" name="${id}">${options.map(([v, t]) =>
    html`<option value="${v}" ${new Html(v === chosen ? 'selected' : '')}>${t}</option>`)}</select>`);
const status = (s) => html`<span class="status status-${s}">${s}</span>`;

function show(content) { main.innerHTML = piece(content); }
function notice(message, kind = 'error') {
  const box = document.createElement('p');
  box.className = kind; box.setAttribute('role', kind === 'error' ? 'alert' : 'status'); box.textContent = message;
  main.prepend(box);
}
function every(ms, fn) { const t = setInterval(fn, ms); cleanups.push(() => clearInterval(t)); }
function formData(form) { return Object.fromEntries(new FormData(form).entries()); }
const blankToNull = (v) => (v === undefined || v.trim() === '' ? null : v.trim());

// Runs a form's action; its error is shown above the page, the page redrawn on success.
function onSubmit(id, action) {
  const form = document.getElementById(id);
  if (!form) return;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try { await action(formData(form), form); } catch (err) { notice(err.message); }
  });
}
function onClick(selector, action) {
  for (const button of main.querySelectorAll(selector)) {
    button.addEventListener('click', async () => {
      try { await action(button.dataset); } catch (err) { notice(err.message); }
    });
  }
}

// ---- pages ----
async function callsPage(params) {
  const agents = can('agents:read') ? (await api('GET', '/v1/agents?limit=100')).data : [];
  const draw = async () => {
    const query = new URLSearchParams({ limit: '50' });
    if (params.get('status')) query.set('status', params.get('status'));
    if (params.get('agent_id')) query.set('agent_id', params.get('agent_id'));
    const calls = (await api('GET', `/v1/calls?${query}`)).data;
    const rows = calls.map((c) => [link(`#/calls/${c.id}`, c.id), c.to, c.from, status(c.status),
      c.end_reason || '', c.duration ?? '', when(c.created_at)]);
    document.getElementById('calls-table').innerHTML =
      piece(table(['Call', 'To', 'From', 'Status', 'End reason', 'Seconds', 'Created'], rows, 'No calls yet.'));
  };
  const statuses = ['', 'queued', 'initiated', 'ringing', 'in_progress', 'completed', 'failed', 'busy', 'no_answer', 'canceled'];
  show(html`<h1>Calls</h1>
    <form id="calls-filter" class="inline">
      ${select('status', 'Status', statuses.map((s) => [s, s || 'any']), params.get('status') || '')}
      ${select('agent_id', 'Agent', [['', 'any'], ...agents.map((a) => [a.id, a.name])], params.get('agent_id') || '')}
      <button type="submit">Filter</button></form>
    <p class="hint">This list refreshes by itself every 2 seconds.</p>
    <div id="calls-table" aria-live="polite"></div>`);
  onSubmit('calls-filter', (data) => {
    const q = new URLSearchParams(Object.entries(data).filter(([, v]) => v));
    location.hash = `#/calls?${q}`;
  });
  await draw();
  every(2000, () => draw().catch(() => {}));
}

const TERMINAL = ['completed', 'failed', 'busy', 'no_answer', 'canceled'];

async function callPage(id) {
  const draw = async () => {
    const call = await api('GET', `/v1/calls/${id}`);
    const [events, transcript, deliveries] = await Promise.all([
      api('GET', `/v1/calls/${id}/events`),
      api('GET', `/v1/calls/${id}/transcript`),
      can('webhooks:read') ? api('GET', `/v1/webhook-deliveries?call_id=${id}&limit=100`) : { data: [] },
    ]);
    show(html`<h1>Call ${call.id}</h1>
      <dl class="facts">
        <dt>Status</dt><dd id="call-status">${status(call.status)}</dd>
        <dt>To</dt><dd>${call.to}</dd><dt>From</dt><dd>${call.from}</dd>
        <dt>Agent</dt><dd>${call.agent_name}</dd><dt>Carrier</dt><dd>${call.carrier}</dd>
        <dt>End reason</dt><dd>${call.end_reason || ''}</dd><dt>Answered by</dt><dd>${call.answered_by || ''}</dd>
        <dt>Duration</dt><dd>${call.duration ?? ''} s</dd><dt>Cost</dt><dd>${call.cost_cents ?? ''} ¢</dd>
      </dl>
      ${!TERMINAL.includes(call.status) && can('calls:write') ? html`<button id="end-call" class="danger">End call</button>` : ''}
      <section><h2>Timeline</h2>${table(['Time', 'Event', 'Status'],
        events.data.map((e) => [when(e.created_at), e.type, e.status]))}</section>
      <section><h2>Transcript</h2>${transcriptView(transcript.turns)}</section>
      <section><h2>Recording</h2>${TERMINAL.includes(call.status) && call.recording_url
        ? html`<audio id="recording" controls preload="metadata" src="/v1/calls/${id}/recording"></audio>
               <p><a href="/v1/calls/${id}/recording" download>Download the stereo recording</a></p>`
        : html`<p class="empty">Available when the call has ended.</p>`}</section>
      <section><h2>Latency per turn</h2>${latencyChart(call.latency)}</section>
      <section><h2>Analysis</h2>${call.analysis
        ? html`<pre>${JSON.stringify(call.analysis, null, 2)}</pre>` : html`<p class="empty">No analysis.</p>`}</section>
      <section><h2>Webhook deliveries</h2>${table(['Event', 'URL', 'Status', 'Attempts', 'Last error', ''],
        deliveries.data.map((d) => [d.event_type, d.url, d.status, attemptsView(d), d.last_error || '',
          can('webhooks:write') ? html`<button class="redeliver" data-id="${d.id}">Redeliver</button>` : '']),
        'No webhook deliveries for this call.')}</section>`);
    loadAttemptsOnOpen();
    onClick('#end-call', async () => { await api('POST', `/v1/calls/${id}/end`, {}); await draw(); });
    onClick('.redeliver', async ({ id: delivery }) => {
      await api('POST', `/v1/webhook-deliveries/${delivery}/redeliver`, {});
      notice('Queued for redelivery.', 'ok');
    });
    return call;
  };
  const first = await draw();
  if (!TERMINAL.includes(first.status)) {
    let ended = false;
    every(1500, async () => {
      if (ended) return;
      const call = await draw().catch(() => null);
      ended = call ? TERMINAL.includes(call.status) : false;
    });
  }
}

// A delivery's attempt count; opened, every attempt with what the receiver answered.
const attemptsView = (delivery) => html`<details class="attempts" data-id="${delivery.id}">
  <summary>${delivery.attempts}</summary><ol></ol></details>`;

function loadAttemptsOnOpen() {
  for (const box of main.querySelectorAll('details.attempts')) {
    box.addEventListener('toggle', async () => {
      if (!box.open) return;
      const detail = await api('GET', `/v1/webhook-deliveries/${box.dataset.id}`).catch(() => ({ attempt_log: [] }));
      box.querySelector('ol').innerHTML = piece(detail.attempt_log.map((a) => html`<li>${when(a.created_at)}:
        ${a.status_code ?? a.error ?? 'no answer'} in ${a.latency_ms} ms</li>`));
    }, { once: false });
  }
}

function transcriptView(turns) {
  if (!turns.length) return html`<p class="empty">No turns.</p>`;
  const clock = (ms) => `${Math.floor(ms / 60000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}`;
  return html`<ol class="transcript">${turns.map((t) => html`<li class="turn ${t.speaker}">
    <time>${clock(t.start_ms)}</time> <strong>${t.speaker}</strong> ${t.text}
    ${t.interrupted ? html`<span class="barge-in" title="The caller spoke over the agent here">barge-in</span>` : ''}</li>`)}</ol>`;
}

// Response time of each turn (end of the caller's speech to the agent's first audio), as bars.
function latencyChart(latency) {
  const turns = latency?.per_turn || [];
  if (!turns.length) return html`<p class="empty">No turns measured.</p>`;
  const most = Math.max(...turns.map((t) => t.response_ms || 0), 1);
  const width = 24, height = 120;
  const bars = turns.map((t, i) => {
    const h = Math.round(((t.response_ms || 0) / most) * (height - 20));
    return html`<rect x="${i * width + 4}" y="${height - h}" width="${width - 8}" height="${h}">
      <title>turn ${i + 1}: ${t.response_ms} ms</title></rect>`;
  });
  return html`<svg class="chart" role="img" aria-label="Response time per turn, longest ${most} ms"
    width="${turns.length * width + 8}" height="${height}">${bars}</svg>
    <p class="hint">Response p50 ${latency.response_ms?.p50 ?? '–'} ms, p95 ${latency.response_ms?.p95 ?? '–'} ms over ${latency.turns} turns.</p>`;
}

async function agentsPage() {
  const agents = (await api('GET', '/v1/agents?limit=100')).data;
  show(html`<h1>Agents</h1>
    ${table(['Name', 'First message', 'Language', 'Created'], agents.map((a) =>
      [link(`#/agents/${a.id}`, a.name), a.first_message || '', a.language, when(a.created_at)]), 'No agents yet.')}
    ${can('agents:write') ? html`<h2>New agent</h2><form id="agent-new">${agentFields({})}
      <button type="submit">Create agent</button></form>` : ''}`);
  onSubmit('agent-new', async (data) => {
    const agent = await api('POST', '/v1/agents', agentBody(data));
    location.hash = `#/agents/${agent.id}`;
  });
}

const agentFields = (a) => html`${text('name', 'Name', a.name || '', 'required')}
  ${area('first_message', 'First message', a.first_message || '')}
  ${area('instructions', 'Instructions', a.instructions || '')}
  ${text('voice', 'Voice', a.voice || '')}`;
const agentBody = (d) => ({ name: d.name, first_message: blankToNull(d.first_message),
  instructions: d.instructions, voice: blankToNull(d.voice) });

async function agentPage(id) {
  const agent = await api('GET', `/v1/agents/${id}`);
  const numbers = can('numbers:read') ? (await api('GET', '/v1/numbers?limit=100')).data : [];
  const writable = can('agents:write');
  show(html`<h1>Agent ${agent.name}</h1>
    <form id="agent-edit"><fieldset ${new Html(writable ? '' : 'disabled')}><legend>Settings</legend>
      ${agentFields(agent)}<button type="submit">Save</button></fieldset></form>
    ${writable ? html`<button id="agent-delete" class="danger">Delete agent</button>` : ''}
    ${can('calls:write') ? html`<section><h2>Test call</h2>
      <p class="hint">Calls a sandbox number: the sandbox callee answers and talks to this agent.</p>
      <form id="test-call" class="inline">
        ${text('to', 'Sandbox number', '+14155550100', 'required')}
        ${select('from_number_id', 'From number', numbers.map((n) => [n.id, n.phone_number]))}
        <button type="submit">Start test call</button></form>
      <div id="test-call-live" aria-live="polite"></div></section>` : ''}`);
  onSubmit('agent-edit', async (data) => {
    await api('PATCH', `/v1/agents/${id}`, agentBody(data));
    notice('Saved.', 'ok');
  });
  onClick('#agent-delete', async () => {
    if (!confirm(`Delete agent ${agent.name}?`)) return;
    await api('DELETE', `/v1/agents/${id}`);
    location.hash = '#/agents';
  });
  onSubmit('test-call', async (data) => {
    const body = { agent_id: id, to: data.to, from_number_id: blankToNull(data.from_number_id || '') };
    const call = await api('POST', '/v1/calls', body);
    watchTestCall(call.id);
  });
}

// The test call's live transcript, pushed by the API's SSE stream as the call goes on.
function watchTestCall(callId) {
  const live = document.getElementById('test-call-live');
  live.innerHTML = piece(html`<p>Call ${link(`#/calls/${callId}`, callId)}: <span id="test-call-status">${status('queued')}</span></p>
    <ol id="live-transcript" class="transcript"></ol>`);
  const transcript = new EventSource(`/v1/calls/${callId}/transcript/stream`);
  transcript.addEventListener('call.transcript', (event) => {
    const turn = JSON.parse(event.data).payload;
    const item = document.createElement('li');
    item.className = `turn ${turn.speaker}`;
    item.innerHTML = piece(html`<strong>${turn.speaker}</strong> ${turn.text}`);
    document.getElementById('live-transcript')?.append(item);
  });
  const events = new EventSource(`/v1/calls/${callId}/events`);
  const onStatus = (event) => {
    const record = JSON.parse(event.data);
    const label = document.getElementById('test-call-status');
    if (label) label.innerHTML = piece(status(record.status));
  };
  for (const type of ['call.initiated', 'call.ringing', 'call.answered', 'call.in_progress', 'call.completed', 'call.failed']) {
    events.addEventListener(type, onStatus);
  }
  const close = () => { transcript.close(); events.close(); };
  transcript.onerror = () => transcript.close();
  events.onerror = () => events.close();
  cleanups.push(close);
}

async function numbersPage() {
  const numbers = (await api('GET', '/v1/numbers?limit=100')).data;
  const agents = can('agents:read') ? (await api('GET', '/v1/agents?limit=100')).data : [];
  const agentName = Object.fromEntries(agents.map((a) => [a.id, a.name]));
  show(html`<h1>Numbers</h1>
    ${table(['Number', 'Label', 'Carrier', 'Agent (inbound)', 'Outbound', 'Inbound'], numbers.map((n) =>
      [n.phone_number, n.label || '', n.carrier, agentName[n.agent_id] || n.agent_id || '',
        n.outbound_enabled ? 'yes' : 'no', n.inbound_enabled ? 'yes' : 'no']), 'No numbers yet.')}
    ${can('numbers:write') ? html`<h2>Add a number</h2><form id="number-new" class="inline">
      ${text('phone_number', 'Phone number', '', 'required placeholder="+14155550123"')}
      ${text('label', 'Label')}
      ${select('carrier', 'Carrier', [['sandbox', 'sandbox'], ['sip', 'SIP trunk'], ['twilio', 'Twilio']], 'sandbox')}
      ${select('agent_id', 'Agent (inbound)', [['', 'none'], ...agents.map((a) => [a.id, a.name])], '')}
      <button type="submit">Add number</button></form>` : ''}`);
  onSubmit('number-new', async (data) => {
    await api('POST', '/v1/numbers', { phone_number: data.phone_number, label: blankToNull(data.label),
      carrier: data.carrier, agent_id: blankToNull(data.agent_id) });
    await numbersPage();
  });
}

async function contactsPage() {
  const contacts = (await api('GET', '/v1/contacts?limit=100')).data;
  const writable = can('contacts:write');
  show(html`<h1>Contacts</h1>
    ${table(['Name', 'Phone number', 'Email', 'Created', ''], contacts.map((c) =>
      [c.name || '', c.phone_number, c.email || '', when(c.created_at),
        writable ? html`<button class="contact-delete" data-id="${c.id}">Delete</button>` : '']), 'No contacts yet.')}
    ${writable ? html`<h2>New contact</h2><form id="contact-new" class="inline">
      ${text('contact_name', 'Name')}${text('contact_phone', 'Phone number', '', 'required')}
      ${text('contact_email', 'Email')}<button type="submit">Add contact</button></form>` : ''}`);
  onSubmit('contact-new', async (d) => {
    await api('POST', '/v1/contacts', { name: blankToNull(d.contact_name), phone_number: d.contact_phone,
      email: blankToNull(d.contact_email) });
    await contactsPage();
  });
  onClick('.contact-delete', async ({ id }) => { await api('DELETE', `/v1/contacts/${id}`); await contactsPage(); });
}

async function dncPage() {
  const entries = (await api('GET', '/v1/dnc?limit=100')).data;
  const writable = can('contacts:write');
  show(html`<h1>Do-Not-Call list</h1>
    <p class="hint">No call, campaign call included, is placed to a number on this list.</p>
    ${table(['Phone number', 'Reason', 'Added', ''], entries.map((e) => [e.phone_number, e.reason || '', when(e.created_at),
      writable ? html`<button class="dnc-delete" data-id="${e.id}">Remove</button>` : '']), 'The list is empty.')}
    ${writable ? html`<form id="dnc-new" class="inline">${text('dnc_phone', 'Phone number', '', 'required')}
      ${text('dnc_reason', 'Reason')}<button type="submit">Add to the list</button></form>` : ''}`);
  onSubmit('dnc-new', async (d) => {
    await api('POST', '/v1/dnc', { phone_number: d.dnc_phone, reason: blankToNull(d.dnc_reason) });
    await dncPage();
  });
  onClick('.dnc-delete', async ({ id }) => { await api('DELETE', `/v1/dnc/${id}`); await dncPage(); });
}

const SCOPES = ['agents:read', 'agents:write', 'numbers:read', 'numbers:write', 'calls:read', 'calls:write',
  'contacts:read', 'contacts:write', 'billing:read', 'webhooks:read', 'webhooks:write'];

async function keysPage(created) {
  const keys = (await api('GET', '/v1/keys?limit=100')).data;
  show(html`<h1>API keys</h1>
    ${created ? html`<div class="ok" role="status"><p>New key <strong>${created.name}</strong>: copy it now, it is shown only once.</p>
      <p><code id="new-key-secret">${created.key}</code></p></div>` : ''}
    ${table(['Name', 'Prefix', 'Mode', 'Scopes', 'Last used', 'State', ''], keys.map((k) =>
      [k.name, k.prefix, k.mode, k.scopes.join(' '), when(k.last_used_at), k.revoked_at ? 'revoked' : 'active',
        k.revoked_at ? '' : html`<button class="key-revoke danger" data-id="${k.id}" data-name="${k.name}">Revoke</button>`]))}
    <h2>Create a key</h2><form id="key-new">
      ${text('key_name', 'Name', '', 'required')}
      ${select('key_mode', 'Mode', [['live', 'live'], ['test', 'test (sandbox only)']], 'live')}
      <fieldset><legend>Scopes</legend>${SCOPES.map((s) => html`<label class="check">
        <input type="checkbox" name="scope" value="${s}" ${new Html(s.endsWith(':read') ? 'checked' : '')}> ${s}</label>`)}</fieldset>
      <button type="submit">Create key</button></form>`);
  onSubmit('key-new', async (d, form) => {
    const scopes = [...form.querySelectorAll('input[name=scope]:checked')].map((i) => i.value);
    await keysPage(await api('POST', '/v1/keys', { name: d.key_name, mode: d.key_mode, scopes }));
  });
  onClick('.key-revoke', async ({ id, name }) => {
    if (!confirm(`Revoke ${name}? Anything using it stops working at once.`)) return;
    await api('DELETE', `/v1/keys/${id}`);
    await keysPage();
  });
}

async function webhooksPage(secret) {
  const endpoints = (await api('GET', '/v1/webhook-endpoints?limit=100')).data;
  const deliveries = (await api('GET', '/v1/webhook-deliveries?limit=20')).data;
  const writable = can('webhooks:write');
  show(html`<h1>Webhooks</h1>
    ${secret ? html`<div class="ok" role="status"><p>Signing secret (shown once): <code id="endpoint-secret">${secret}</code></p></div>` : ''}
    <h2>Endpoints</h2>
    ${table(['URL', 'Events', 'Enabled', ''], endpoints.map((e) => [e.url, e.event_types.join(' ') || 'all',
      e.enabled ? 'yes' : 'no', writable ? html`<button class="endpoint-rotate" data-id="${e.id}">Rotate secret</button>
        <button class="endpoint-delete danger" data-id="${e.id}">Delete</button>` : '']), 'No endpoints.')}
    ${writable ? html`<form id="endpoint-new" class="inline">${text('endpoint_url', 'URL', '', 'required')}
      ${text('endpoint_events', 'Event types (space-separated; empty for all)')}
      <button type="submit">Add endpoint</button></form>` : ''}
    <h2>Recent deliveries</h2>
    ${table(['Event', 'URL', 'Status', 'Attempts', 'Call', ''], deliveries.map((d) => [d.event_type, d.url, d.status,
      d.attempts, d.call_id ? link(`#/calls/${d.call_id}`, d.call_id) : '',
      writable ? html`<button class="redeliver" data-id="${d.id}">Redeliver</button>` : '']), 'No deliveries.')}`);
  onSubmit('endpoint-new', async (d) => {
    const events = d.endpoint_events.split(/\s+/).filter(Boolean);
    const created = await api('POST', '/v1/webhook-endpoints', { url: d.endpoint_url, event_types: events });
    await webhooksPage(created.secret);
  });
  onClick('.endpoint-rotate', async ({ id }) => {
    const rotated = await api('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, { grace_period_secs: 86400 });
    await webhooksPage(rotated.secret);
  });
  onClick('.endpoint-delete', async ({ id }) => { await api('DELETE', `/v1/webhook-endpoints/${id}`); await webhooksPage(); });
  onClick('.redeliver', async ({ id }) => {
    await api('POST', `/v1/webhook-deliveries/${id}/redeliver`, {});
    notice('Queued for redelivery.', 'ok');
  });
}

async function billingPage() {
  const [balance, ledger, usage] = await Promise.all([api('GET', '/v1/balance'),
    api('GET', '/v1/balance/ledger?limit=50'), api('GET', '/v1/usage?limit=50')]);
  show(html`<h1>Wallet and usage</h1>
    <dl class="facts"><dt>Balance</dt><dd id="balance">${money(balance.balance_cents, balance.currency)}</dd>
      <dt>Rate</dt><dd>${balance.rate_cents_per_minute} ¢ a minute</dd><dt>Plan</dt><dd>${balance.plan}</dd>
      <dt>Concurrent calls</dt><dd>${balance.concurrency_limit}</dd></dl>
    <h2>Ledger</h2>${table(['Time', 'Kind', 'Amount', 'Balance after', 'Call', 'Description'], ledger.data.map((l) =>
      [when(l.created_at), l.kind, money(l.amount_cents, balance.currency), money(l.balance_after_cents, balance.currency),
        l.call_id ? link(`#/calls/${l.call_id}`, l.call_id) : '', l.description || '']))}
    <h2>API usage</h2>${table(['Time', 'Request', 'Status'], usage.data.map((u) =>
      [when(u.created_at), `${u.method} ${u.endpoint}`, u.status_code]))}`);
}

async function campaignsPage() {
  const campaigns = (await api('GET', '/v1/campaigns?limit=100')).data;
  const agents = can('agents:read') ? (await api('GET', '/v1/agents?limit=100')).data : [];
  const numbers = can('numbers:read') ? (await api('GET', '/v1/numbers?limit=100')).data : [];
  show(html`<h1>Campaigns</h1>
    ${table(['Name', 'Status', 'Per minute', 'Concurrent', 'Created'], campaigns.map((c) =>
      [link(`#/campaigns/${c.id}`, c.name), status(c.status), c.calls_per_minute, c.max_concurrent, when(c.created_at)]),
      'No campaigns yet.')}
    ${can('calls:write') ? html`<h2>New campaign</h2><form id="campaign-new">
      ${text('campaign_name', 'Name', '', 'required')}
      ${select('campaign_agent', 'Agent', agents.map((a) => [a.id, a.name]))}
      ${select('campaign_number', 'From number', numbers.map((n) => [n.id, n.phone_number]))}
      ${area('campaign_csv', 'Contacts (CSV with a phone_number column)', 'phone_number,name\n')}
      <button type="submit">Create campaign</button></form>` : ''}`);
  onSubmit('campaign-new', async (d) => {
    const campaign = await api('POST', '/v1/campaigns', { name: d.campaign_name, agent_id: d.campaign_agent,
      from_number_ids: d.campaign_number ? [d.campaign_number] : [] });
    await api('POST', `/v1/campaigns/${campaign.id}/contacts`, d.campaign_csv);
    location.hash = `#/campaigns/${campaign.id}`;
  });
}

async function campaignPage(id) {
  const draw = async () => {
    const [campaign, contacts] = await Promise.all([api('GET', `/v1/campaigns/${id}`),
      api('GET', `/v1/campaigns/${id}/contacts?limit=100`)]);
    const counts = campaign.counts || {};
    const actions = { draft: ['start'], running: ['pause', 'cancel'], paused: ['resume', 'cancel'] }[campaign.status] || [];
    show(html`<h1>Campaign ${campaign.name}</h1>
      <dl class="facts"><dt>Status</dt><dd>${status(campaign.status)}</dd>
        ${Object.entries(counts).map(([k, v]) => html`<dt>${k.replaceAll('_', ' ')}</dt><dd>${typeof v === 'object' ? JSON.stringify(v) : v}</dd>`)}</dl>
      ${can('calls:write') ? actions.map((a) => html`<button class="campaign-action" data-action="${a}">${a}</button> `) : ''}
      <h2>Contacts</h2>${table(['Line', 'Number', 'Name', 'State', 'Attempts', 'Next attempt', 'Skipped because'],
        contacts.data.map((c) => [c.line ?? '', c.phone_number, c.name || '', c.state,
          c.attempts.map((a) => (a.call_id ? link(`#/calls/${a.call_id}`, a.outcome || 'in progress') : a.outcome)),
          when(c.next_attempt_at), c.skip_reason || '']))}`);
    onClick('.campaign-action', async ({ action }) => { await api('POST', `/v1/campaigns/${id}/${action}`, {}); await draw(); });
  };
  await draw();
  every(3000, () => draw().catch(() => {}));
}

// ---- navigation ----
const SECTIONS = [
  ['#/calls', 'Calls', () => can('calls:read')],
  ['#/agents', 'Agents', () => can('agents:read')],
  ['#/numbers', 'Numbers', () => can('numbers:read')],
  ['#/contacts', 'Contacts', () => can('contacts:read')],
  ['#/dnc', 'Do-Not-Call', () => can('contacts:read')],
  ['#/campaigns', 'Campaigns', () => can('calls:read')],
  ['#/keys', 'API keys', isAdmin],
  ['#/webhooks', 'Webhooks', () => can('webhooks:read')],
  ['#/billing', 'Wallet', () => can('billing:read')],
];

const ROUTES = [
  [/^#\/calls$/, (_, params) => callsPage(params)],
  [/^#\/calls\/([\w-]+)$/, (m) => callPage(m[1])],
  [/^#\/agents$/, agentsPage],
  [/^#\/agents\/([\w-]+)$/, (m) => agentPage(m[1])],
  [/^#\/numbers$/, numbersPage],
  [/^#\/contacts$/, contactsPage],
  [/^#\/dnc$/, dncPage],
  [/^#\/campaigns$/, campaignsPage],
  [/^#\/campaigns\/([\w-]+)$/, (m) => campaignPage(m[1])],
  [/^#\/keys$/, () => keysPage()],
  [/^#\/webhooks$/, () => webhooksPage()],
  [/^#\/billing$/, billingPage],
];

async function route() {
  for (const cleanup of cleanups.splice(0)) cleanup();
  const visible = SECTIONS.filter(([, , allowed]) => allowed());
  const [path, query = ''] = (location.hash || visible[0]?.[0] || '#/calls').split('?');
  document.getElementById('nav').innerHTML = piece(visible.map(([href, label]) =>
    html`<a href="${href}" ${new Html(path.startsWith(href) ? 'aria-current="page"' : '')}>${label}</a>`));
  const found = ROUTES.find(([pattern]) => pattern.test(path));
  if (!found) { show(html`<h1>Not found</h1><p>There is no such page.</p>`); return; }
  try {
    await found[1](path.match(found[0]), new URLSearchParams(query));
  } catch (err) {
    show(err.status === 404 ? html`<h1>Not found</h1><p>${err.message}</p>`
      : html`<h1>Cannot show this page</h1><p role="alert" class="error">${err.message}</p>`);
  }
}

async function start() {
  const response = await fetch('/console/session', { credentials: 'same-origin' });
  if (!response.ok) { location.assign('/console/sign-in'); return; }
  session = await response.json();
  document.getElementById('sign-out-csrf').value = session.csrf_token;
  document.getElementById('who').textContent =
    `${session.account_id} · ${session.credential === 'admin' ? 'admin token' : `${session.mode} key`}`;
  window.addEventListener('hashchange', route);
  await route();
}

start();
