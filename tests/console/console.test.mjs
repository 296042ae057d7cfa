// The console, end to end in headless Chromium against a real agentline server.
//
// Env (set by scripts/test-clients.sh console): AGENTLINE_TEST_URL, AGENTLINE_TEST_ADMIN_TOKEN (account A),
// AGENTLINE_TEST_OTHER_ADMIN_TOKEN (account B), CHROMIUM (default /usr/bin/chromium),
// CONSOLE_SCREENSHOTS (a folder to write the pages' screenshots to, e.g. docs/console).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const BASE = process.env.AGENTLINE_TEST_URL;
const ADMIN = process.env.AGENTLINE_TEST_ADMIN_TOKEN;
const OTHER_ADMIN = process.env.AGENTLINE_TEST_OTHER_ADMIN_TOKEN;
const SHOTS = process.env.CONSOLE_SCREENSHOTS;
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});
after(async () => browser?.close());

async function apiAs(token, method, path, body) {
  const response = await fetch(`${BASE}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  assert.ok(response.ok, `${method} ${path}: ${JSON.stringify(data)}`);
  return data;
}

async function signedIn(key) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(`${BASE}/console`);
  assert.match(page.url(), /\/console\/sign-in$/, 'a browser without a session is sent to sign in');
  if (!signedIn.shown) { await shot(page, 'sign-in'); signedIn.shown = true; }
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console$/);
  await page.locator('#nav a').first().waitFor();
  return { context, page, problems };
}

// Screenshots the page for the docs, and checks that every field on it has a label.
async function shot(page, name) {
  const unlabelled = await page.locator('input:not([type=hidden]), select, textarea')
    .evaluateAll((fields) => fields.filter((f) => f.labels.length === 0).map((f) => f.outerHTML));
  assert.deepEqual(unlabelled, [], `every field of the ${name} page has a label`);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

test('an operator places a sandbox test call from an agent page and reviews it', async () => {
  const { context, page, problems } = await signedIn(ADMIN);

  await page.goto(`${BASE}/console#/numbers`);
  await page.getByLabel('Phone number').fill('+14155550142');
  await page.getByLabel('Label').fill('Console line');
  await page.getByRole('button', { name: 'Add number' }).click();
  await page.getByRole('cell', { name: '+14155550142' }).waitFor();

  await page.goto(`${BASE}/console#/agents`);
  await page.getByLabel('Name').fill('Console receptionist');
  await page.getByLabel('First message').fill('Hello, this is the console agent.');
  await page.getByRole('button', { name: 'Create agent' }).click();
  await page.getByRole('heading', { name: 'Agent Console receptionist' }).waitFor();
  await shot(page, 'agent');

  await page.getByRole('button', { name: 'Start test call' }).click();
  const live = page.locator('#test-call-live');
  await live.locator('.status-completed').waitFor({ timeout: 90_000 });
  const heard = await page.locator('#live-transcript li').allTextContents();
  assert.ok(heard.some((line) => line.includes('Hello, this is the console agent.')),
    `the live transcript shows the agent's first message: ${JSON.stringify(heard)}`);
  assert.ok(heard.some((line) => line.includes('caller') || line.includes('user')), 'and the callee speaking');
  await shot(page, 'test-call');

  await live.getByRole('link').click();
  await page.getByRole('heading', { name: /^Call call_/ }).waitFor();
  await page.locator('.transcript li').first().waitFor();
  const timeline = await page.locator('section', { hasText: 'Timeline' }).textContent();
  for (const type of ['call.queued', 'call.answered', 'call.completed']) assert.ok(timeline.includes(type), type);
  const audio = page.locator('#recording');
  await audio.waitFor();
  const seconds = await audio.evaluate((el) => new Promise((resolve, reject) => {
    if (el.readyState >= 1) resolve(el.duration);
    el.addEventListener('loadedmetadata', () => resolve(el.duration));
    el.addEventListener('error', () => reject(new Error(`the recording does not load: ${el.error?.code}`)));
  }));
  assert.ok(seconds > 1, `the recording plays (${seconds} s)`);
  assert.equal(await page.locator('section', { hasText: 'Latency per turn' }).locator('svg rect').count() > 0, true,
    'a latency bar per turn');
  await shot(page, 'call');

  await page.goto(`${BASE}/console#/calls`);
  await page.locator('#calls-table td a').first().waitFor();
  await shot(page, 'calls');
  for (const [hash, heading] of [['#/numbers', 'Numbers'], ['#/contacts', 'Contacts'], ['#/dnc', 'Do-Not-Call list'],
    ['#/campaigns', 'Campaigns'], ['#/webhooks', 'Webhooks'], ['#/billing', 'Wallet and usage']]) {
    await page.goto(`${BASE}/console${hash}`);
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    await shot(page, hash.slice(2));
  }
  assert.match(await page.locator('#balance').textContent(), /\d+\.\d\d/);
  assert.deepEqual(problems, [], 'no script errors');
  await context.close();
});

test('a key created in the console is shown once, bounds what its session sees, and stops at revocation', async () => {
  const { context, page } = await signedIn(ADMIN);
  await page.goto(`${BASE}/console#/keys`);
  await page.getByLabel('Name', { exact: true }).fill('Read-only calls');
  for (const box of await page.locator('input[name=scope]').all()) {
    if ((await box.getAttribute('value')) !== 'calls:read') await box.uncheck();
  }
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.locator('#new-key-secret').textContent()).trim();
  assert.match(secret, /^al_live_/);
  await shot(page, 'keys');

  const limited = await signedIn(secret);
  const sections = await limited.page.locator('#nav a').allTextContents();
  assert.deepEqual(sections, ['Calls', 'Campaigns'], 'only what calls:read allows');
  await limited.page.goto(`${BASE}/console#/agents`);
  await limited.page.getByRole('heading', { name: 'Cannot show this page' }).waitFor();

  page.on('dialog', (dialog) => dialog.accept());
  await page.locator('tr', { hasText: 'Read-only calls' }).getByRole('button', { name: 'Revoke' }).click();
  await page.locator('tr', { hasText: 'Read-only calls' }).getByRole('cell', { name: 'revoked' }).waitFor();

  await limited.page.goto(`${BASE}/console#/calls`);
  await limited.page.waitForURL(/\/console\/sign-in$/);
  await limited.page.getByLabel('API key').fill(secret);
  await limited.page.getByRole('button', { name: 'Sign in' }).click();
  await limited.page.getByRole('alert').waitFor();
  assert.match(await limited.page.getByRole('alert').textContent(), /not valid, revoked/);
  await limited.context.close();
  await context.close();
});

test("one account's console never shows another's data", async () => {
  const agent = await apiAs(OTHER_ADMIN, 'POST', '/v1/agents', { name: 'Hidden agent of B' });
  const number = await apiAs(OTHER_ADMIN, 'POST', '/v1/numbers', { phone_number: '+14155550143', carrier: 'sandbox' });
  const call = await apiAs(OTHER_ADMIN, 'POST', '/v1/calls',
    { agent_id: agent.id, from_number_id: number.id, to: '+14155550102' });
  const { context, page } = await signedIn(ADMIN);
  for (const hash of [`#/calls/${call.id}`, `#/agents/${agent.id}`]) {
    await page.goto(`${BASE}/console${hash}`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
  }
  for (const hash of ['#/calls', '#/agents', '#/numbers']) {
    await page.goto(`${BASE}/console${hash}`);
    await page.locator('main h1').waitFor();
    await page.waitForTimeout(300);
    const shown = await page.locator('main').textContent();
    for (const secret of [call.id, 'Hidden agent of B', '+14155550143']) {
      assert.ok(!shown.includes(secret), `${hash} shows nothing of account B (${secret})`);
    }
  }
  await context.close();
});

test('signing out ends the session', async () => {
  const { context, page } = await signedIn(ADMIN);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/console\/sign-in$/);
  const response = await page.request.get(`${BASE}/v1/calls`);
  assert.equal(response.status(), 401, 'the old cookie no longer works');
  await page.goto(`${BASE}/console`);
  assert.match(page.url(), /\/console\/sign-in$/);
  await context.close();
});
