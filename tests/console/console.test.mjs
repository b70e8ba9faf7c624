// End-to-end tests of the web console: headless Chromium (Debian's chromium, never a downloaded browser) driven by
// playwright-core against a live hub that the .NET functional tests start (ConsoleEndToEndTests). Each step waits for
// what a person would see, never for a fixed time. Screenshots of every screen land in ARTIFACTS.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const hub = process.env.HUB_URL;
const ownerKey = process.env.HUB_API_KEY;
const upstream = process.env.UPSTREAM_URL;
const upstreamKey = process.env.UPSTREAM_KEY;
const artifacts = process.env.ARTIFACTS ?? 'artifacts';
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const wait = { timeout: 15_000 };

let browser;
let page;
const consoleErrors = [];

async function shot(name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

async function signIn(key) {
  await page.goto(`${hub}/`);
  await page.getByLabel('Access key').fill(key);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('nav[aria-label="Console"]').waitFor(wait);
}

async function open(screen, heading) {
  await page.goto(`${hub}/#/${screen}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor(wait);
}

/** Reloads a screen until a condition holds (for what the hub records a moment after a call), bounded. */
async function reloadUntil(screen, heading, locator, what) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await open(screen, heading);
    await page.waitForLoadState('networkidle');
    if (await locator().count() > 0) return;
    if (Date.now() > deadline) assert.fail(`${what} did not appear within 20 s`);
    await page.waitForTimeout(250);
  }
}

async function chat(prompt) {
  await page.getByLabel('Message').fill(prompt);
  const before = await page.locator('#conversation li.assistant').count();
  await page.getByRole('button', { name: 'Send' }).click();
  const answer = page.locator('#conversation li.assistant').nth(before);
  await answer.locator('xpath=self::*[@data-state]').waitFor(wait);
  return answer;
}

/** A step of the one story the suite tells: after a failed step the rest are skipped, not each left to time out. */
let broken = false;
function step(name, body) {
  it(name, async t => {
    if (broken) { t.skip('an earlier step failed'); return; }
    try {
      await body();
    } catch (error) {
      broken = true;
      await shot(`failed-${name.replace(/\W+/g, '-')}`).catch(() => {});
      throw error;
    }
  });
}

describe('web console', () => {
  before(async () => {
    assert.ok(hub && ownerKey && upstream && upstreamKey, 'HUB_URL, HUB_API_KEY, UPSTREAM_URL and UPSTREAM_KEY must be set (the .NET test sets them)');
    mkdirSync(artifacts, { recursive: true });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // A Content-Security-Policy violation (inline script or style, anything from elsewhere) is a console error.
    page.on('console', message => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    page.on('pageerror', error => consoleErrors.push(String(error)));
  });

  after(async () => {
    await browser?.close();
  });

  step('signs in with a pasted key and opens the playground', async () => {
    await page.goto(`${hub}/`);
    await page.getByRole('heading', { name: 'Sign in to AIGNE Hub' }).waitFor(wait);
    await shot('01-sign-in');
    await signIn(ownerKey);
    await page.getByRole('heading', { level: 1, name: 'Playground' }).waitFor(wait);
    assert.match(await page.locator('#who').innerText(), /owner/);
  });

  step('streams an answer from demo/echo with its tokens and provider', async () => {
    await page.locator('#chat-model').selectOption('demo/echo');
    const answer = await chat('Hello from the console');
    assert.equal(await answer.getAttribute('data-state'), 'done');
    assert.equal(await answer.locator('.content').innerText(), 'Hello from the console');
    await answer.locator('.meta[data-recorded="true"]').waitFor(wait);
    assert.match(await answer.locator('.meta').innerText(), /4 \+ 4 tokens.*provider demo/);
    await shot('02-playground');
  });

  step('stops a streamed answer mid-way', async () => {
    const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    await page.getByLabel('Message').fill(words);
    await page.getByRole('button', { name: 'Send' }).click();
    const answer = page.locator('#conversation li.assistant').last();
    await answer.locator('.content', { hasText: 'word3' }).waitFor(wait);
    await page.getByRole('button', { name: 'Stop' }).click();
    await answer.locator('xpath=self::*[@data-state="stopped"]').waitFor(wait);
    const text = await answer.locator('.content').innerText();
    assert.ok(!text.includes('word199'), 'the answer stopped before its end');
    assert.match(text, /stopped/);
  });

  step('writes the request as code without the key, and tries images and embeddings', async () => {
    await page.getByLabel('Message').fill('What is in the request?');
    await page.getByRole('button', { name: 'Copy as curl' }).click();
    const code = await page.locator('#code').innerText();
    assert.match(code, /curl -sN http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions/);
    assert.match(code, /"model":"demo\/echo"/);
    assert.match(code, /\$HUB_KEY/);
    assert.ok(!code.includes(ownerKey), 'the code never contains the signed-in key');

    await page.getByRole('tab', { name: 'Images' }).click();
    await page.getByLabel('Prompt').fill('a red square');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.locator('#image-results img[alt="Generated: a red square"]').waitFor(wait);
    await shot('02b-playground-images');

    await page.getByRole('tab', { name: 'Embeddings' }).click();
    await page.getByLabel('Texts (one per line)').fill('first\nsecond');
    await page.getByRole('button', { name: 'Embed' }).click();
    await page.locator('#embedding-results li', { hasText: '“second”' }).waitFor(wait);
    assert.match(await page.locator('#embedding-results').innerText(), /dimensions/);
  });

  step('registers a provider pointed at a fake upstream: failing with a refused key, connected with a good one', async () => {
    await open('providers', 'Providers');
    await page.getByText('No provider is registered yet').waitFor(wait);
    await page.getByRole('button', { name: '+ Add provider' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add provider' });
    await dialog.getByLabel('Provider').selectOption('deepseek');
    await dialog.getByLabel('Base URL (optional; required for ollama)').fill(upstream);
    await dialog.getByLabel('API key').fill('sk-console-wrong-0000000000009999');
    await dialog.getByRole('button', { name: 'Add provider' }).click();
    const card = page.locator('section[data-provider="deepseek"]');
    await card.locator('.provider-status', { hasText: 'failing' }).waitFor(wait);
    assert.match(await card.locator('.provider-status').innerText(), /refused the credential \(HTTP 401\)/);
    await shot('03a-providers-failing');

    await card.getByRole('button', { name: 'Add a key to deepseek' }).click();
    const addKey = page.getByRole('dialog', { name: 'Add a key to deepseek' });
    await addKey.getByLabel('Name').fill('good');
    await addKey.getByLabel('API key').fill(upstreamKey);
    await addKey.getByRole('button', { name: 'Add key' }).click();
    await card.locator('.provider-status', { hasText: 'connected' }).waitFor(wait);
    await addKey.waitFor({ state: 'detached' });
    const masked = `${upstreamKey.slice(0, 4)}****${upstreamKey.slice(-4)}`;
    assert.ok((await card.innerText()).includes(masked), `the good key is shown masked as ${masked}`);
    assert.ok(!(await page.content()).includes(upstreamKey), 'the key itself is never shown');
    await card.getByRole('button', { name: 'Test good' }).click();
    await card.locator('tr', { hasText: 'good' }).locator('.badge.ok').waitFor(wait);
    await shot('03-providers');
  });

  step('refuses a call with 402 in credits mode until credits are granted', async () => {
    await open('rates', 'Models & rates');
    const form = page.locator('#set-rate');
    await form.getByLabel('Provider').fill('demo');
    await form.getByLabel('Model').fill('echo');
    await form.getByLabel('Input rate (credits per token)').fill('0.5');
    await form.getByLabel(/Output rate/).fill('1');
    await form.getByRole('button', { name: 'Save rate' }).click();
    await page.locator('#rate-list td', { hasText: 'demo/echo' }).waitFor(wait);
    await shot('04-rates');

    await open('billing', 'Billing');
    await page.locator('#billing-mode').selectOption('credits');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved: credits mode.').waitFor(wait);

    await open('playground', 'Playground');
    await page.locator('#chat-model').selectOption('demo/echo');
    const refused = await chat('Will this be paid?');
    assert.equal(await refused.getAttribute('data-state'), 'failed');
    assert.match(await refused.locator('.content').innerText(), /Not enough credits \(402\)/);
    await shot('05-playground-402');

    await open('billing', 'Billing');
    await page.getByLabel('Amount for Owner').fill('1000');
    await page.getByRole('button', { name: 'Grant credits to Owner' }).click();
    await page.getByText('Granted 1000 credits to Owner.').waitFor(wait);
    await page.locator('.balance[data-user="owner"]', { hasText: '1000' }).waitFor(wait);
    assert.match(await page.locator('#who').innerText(), /1000 credits/);
    await page.getByRole('button', { name: 'Transactions of Owner' }).click();
    await page.locator('#transactions td', { hasText: 'granted' }).waitFor(wait);
    await page.getByRole('button', { name: 'Run the ledger audit' }).click();
    await page.getByText(/accounts replayed from their ledgers: 0 mismatches/).waitFor(wait);
    await shot('06-billing');

    await open('playground', 'Playground');
    await page.locator('#chat-model').selectOption('demo/echo');
    const paid = await chat('Now it is paid');
    assert.equal(await paid.getAttribute('data-state'), 'done');
    await paid.locator('.meta[data-recorded="true"]').waitFor(wait);
    // 4 prompt tokens × 0.5 + 4 completion tokens × 1 = 6 credits.
    assert.match(await paid.locator('.meta').innerText(), /6(\.0+)? credits charged/);
  });

  step('shows the calls in the usage chart and the call history', async () => {
    await reloadUntil('usage', 'Usage', () => page.locator('svg.chart rect.bar'), 'a bar in the usage chart');
    // The response cache's figures sit beside the totals (no call asked for the cache here).
    assert.match(await page.getByRole('list', { name: 'Totals' }).innerText(), /cache hits[\s\S]*saved by the cache/);
    await page.locator('#call-history td', { hasText: 'demo/echo' }).first().waitFor(wait);
    await page.locator('#call-history td', { hasText: 'cancelled' }).first().waitFor(wait);
    await shot('07-usage');
    await page.locator('#call-filters').getByLabel('Status').selectOption('failed');
    await page.locator('#call-filters').getByRole('button', { name: 'Filter' }).click();
    await page.locator('#call-history td', { hasText: 'insufficient_credits' }).first().waitFor(wait);
    const download = page.waitForEvent('download', wait);
    await page.getByRole('button', { name: 'Export CSV' }).click();
    assert.match((await download).suggestedFilename(), /^aignehub-calls-.*\.csv$/);
  });

  let memberSecret;

  step('creates a key whose secret is shown once', async () => {
    await open('keys', 'Keys & users');
    const users = page.locator('#create-user');
    await users.getByLabel('Display name').fill('Ada');
    await users.getByRole('button', { name: 'Add user' }).click();
    // Exactly 'Ada': hasText matches substrings case-insensitively, and a user id (hex) can contain 'ada'.
    await page.locator('#user-list td', { hasText: /^Ada$/ }).waitFor(wait);
    const keys = page.locator('#create-key');
    await keys.getByLabel('For user').selectOption({ label: 'Ada (member)' });
    await keys.getByLabel('Name').fill('ada laptop');
    await keys.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your new key' });
    memberSecret = await dialog.locator('#new-secret').innerText();
    assert.match(memberSecret, /^ahk_[0-9a-f]{16}_/);
    await shot('08-key-secret-once');
    await dialog.getByRole('button', { name: 'Close dialog' }).click();
    // A closed <dialog> leaves the accessibility tree at once (so its role locator is "detached") but stays in the DOM
    // until its close event removes it: wait for the element itself to go.
    await page.locator('#new-secret').waitFor({ state: 'detached', ...wait });
    await page.locator('#key-list td', { hasText: 'ada laptop' }).waitFor(wait);
    assert.ok(!(await page.content()).includes(memberSecret), 'the secret is not shown again');
    await shot('09-keys');
  });

  step('disables a user, whose key is then refused, and enables them again', async () => {
    const ownKeys = () => fetch(`${hub}/api/user/keys`, { headers: { authorization: `Bearer ${memberSecret}` } });
    assert.equal((await ownKeys()).status, 200);
    await page.getByRole('button', { name: 'Disable Ada' }).click();
    await page.getByRole('dialog', { name: 'Please confirm' }).getByRole('button', { name: 'Disable user' }).click();
    await page.getByText('Ada is disabled.').waitFor(wait);
    await page.getByRole('button', { name: 'Enable Ada' }).waitFor(wait);
    assert.equal((await ownKeys()).status, 403, "a disabled user's key is refused");
    await shot('09b-user-disabled');
    await page.getByRole('button', { name: 'Enable Ada' }).click();
    await page.getByText('Ada is enabled.').waitFor(wait);
    assert.equal((await ownKeys()).status, 200, 'enabled again, the same key works');
  });

  let teamId;

  step('creates a team, makes a user its admin and issues a team key shown once', async () => {
    await open('teams', 'Teams');
    await page.getByLabel('Team name').fill('Red team');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByText('Created team Red team.').waitFor(wait);
    await page.locator('#team-list td', { hasText: 'Red team' }).waitFor(wait);
    const team = page.getByRole('region', { name: 'Team Red team' });
    await team.waitFor(wait);
    teamId = await team.getAttribute('data-team');
    assert.match(teamId, /^team_/);

    const member = page.locator('#team-member');
    await member.getByLabel('User').selectOption({ label: 'Ada' });
    await member.getByLabel('Team role').selectOption('admin');
    await member.getByRole('button', { name: 'Save member' }).click();
    await page.getByText('Ada is now admin of Red team.').waitFor(wait);
    await team.locator('tr', { has: page.locator('td', { hasText: /^Ada$/ }) }).locator('td', { hasText: 'admin' }).waitFor(wait);
    // A second member (the signed-in owner), whose credits a team key issued by Ada must never spend.
    const others = (await member.getByLabel('User').locator('option').allInnerTexts()).filter(label => label !== 'Ada');
    await member.getByLabel('User').selectOption({ label: others[0] });
    await member.getByLabel('Team role').selectOption('member');
    await member.getByRole('button', { name: 'Save member' }).click();
    await page.getByText(`${others[0]} is now member of Red team.`).waitFor(wait);

    const key = page.locator('#team-key');
    await key.getByLabel('For member').selectOption({ label: 'Ada' });
    await key.getByLabel('Name').fill('red ci');
    await key.getByRole('button', { name: 'Create team key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your new key' });
    const secret = await dialog.locator('#new-secret').innerText();
    assert.match(secret, /^ahk_[0-9a-f]{16}_/);
    await dialog.getByRole('button', { name: 'Close dialog' }).click();
    await page.locator('#new-secret').waitFor({ state: 'detached', ...wait });
    // The team lists the key by its id (the secret's middle part), never the secret.
    await team.locator('code', { hasText: secret.split('_')[1] }).waitFor(wait);
    assert.ok(!(await page.content()).includes(secret), 'the team key secret is not shown again');
    await shot('09b-teams');
  });

  step('sets a team budget, shows what is left and when it resets, and deletes it', async () => {
    await open('budgets', 'Budgets');
    const form = page.locator('#set-budget');
    await form.getByLabel('Scope').selectOption('team');
    await form.getByLabel('Subject id').fill(teamId);
    await form.getByLabel('Limit (USD)').fill('5');
    await form.getByLabel('Soft threshold (USD, optional)').fill('4');
    await form.getByLabel('Period').selectOption('day');
    await form.getByRole('button', { name: 'Set budget' }).click();
    await page.getByText(new RegExp(`Budget team:${teamId}: \\$5 of \\$5 left, resets `)).waitFor(wait);
    const row = page.locator('#budget-list tr', { has: page.locator(`.remaining[data-budget="team:${teamId}"]`) });
    await row.waitFor(wait);
    const cells = await row.locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(1, 9), ['team', teamId, 'day', '$5', '$4', '$0', '$0', '$5']);
    assert.notEqual(cells[9], 'never', 'a daily budget says when it resets');
    await shot('09c-budgets');

    await page.getByRole('button', { name: `Delete budget team:${teamId}` }).click();
    await page.getByRole('dialog', { name: 'Please confirm' }).getByRole('button', { name: 'Delete budget' }).click();
    await page.getByText(`Deleted the budget team:${teamId}.`).waitFor(wait);
    await page.getByText('No budgets yet: set one below.').waitFor(wait);
  });

  step('shows the audit trail of the changes made', async () => {
    await open('audit', 'Audit trail');
    await page.locator('#audit-list td', { hasText: 'CreateAccessKey' }).first().waitFor(wait);
    await page.locator('#audit-list td', { hasText: 'provider:deepseek' }).first().waitFor(wait);
    await shot('10-audit');
  });

  step('hides the admin screens from a member', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to AIGNE Hub' }).waitFor(wait);
    await signIn(memberSecret);
    const nav = await page.locator('nav[aria-label="Console"]').innerText();
    for (const hidden of ['Providers', 'Models & rates', 'Billing', 'Audit trail']) assert.ok(!nav.includes(hidden), `${hidden} is hidden from a member`);
    for (const shown of ['Playground', 'My keys', 'Teams', 'Budgets', 'Usage']) assert.ok(nav.includes(shown), `${shown} is shown to a member`);
    await page.goto(`${hub}/#/providers`);
    await page.getByText('Your key may not use this screen.').waitFor(wait);
    await open('usage', 'Usage');
    await shot('11-member-usage');
  });

  step('shows a team admin their team to manage and the budgets that limit their calls', async () => {
    await open('teams', 'Teams');
    await page.locator('#team-list td', { hasText: 'Red team' }).waitFor(wait);
    assert.equal(await page.locator('#create-team').count(), 0, 'only hub admins create teams');
    await page.getByRole('button', { name: 'Open team Red team' }).click();
    await page.locator('#team-member').waitFor(wait);
    // A team's admin issues team keys to themselves only (a key spends its owner's credits): of the team's two
    // members, the form offers one.
    assert.equal(await page.getByRole('table', { name: 'Members of Red team' }).locator('tbody tr').count(), 2);
    assert.equal(await page.locator('#team-key-user option').count(), 1, 'a team admin is offered only themselves');
    await open('budgets', 'Budgets');
    await page.getByText('No budget limits your calls.').waitFor(wait);
    assert.equal(await page.locator('#set-budget').count(), 0, 'the admin budget form is not shown to a member');
  });

  step('signs in with the configured OIDC issuer (code flow with PKCE) as an admin', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: /^Sign in with 127\.0\.0\.1:\d+$/ }).click();
    await page.locator('nav[aria-label="Console"]').waitFor(wait);
    assert.match(await page.locator('#who').innerText(), /User console-admin · admin/);
    assert.equal(new URL(page.url()).search, '', 'the code is not left in the address bar');
    assert.match(await page.locator('nav[aria-label="Console"]').innerText(), /Providers/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(memberSecret);
  });

  step('has a dark theme and loads nothing the Content-Security-Policy blocks', async () => {
    await open('playground', 'Playground');
    await page.getByRole('button', { name: 'Dark theme' }).click();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    await shot('12-playground-dark');
    assert.deepEqual(consoleErrors.filter(e => /Content Security Policy|Refused to/.test(e)), []);
  });
});
