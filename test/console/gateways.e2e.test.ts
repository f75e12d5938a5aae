/**
 * The console's Gateways page end to end: a real `sluice serve` and Debian's Chromium driven by
 * playwright-core. Empty state, register a gateway from the form (its join token and the command
 * shown once, and the token really joins), a refusal on the field, a new join token that retires
 * the old one, delete; a screenshot for the README.
 *
 * Skips loudly when Chromium is missing — and fails instead under CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { browserSkipReason, launchBrowser, shot } from '../support/browser.ts';
import { startSluice } from '../support/sluice-process.ts';
import { API_VERSION as VERSION } from '../support/api-client.ts';

const TOKEN = /^sjt_[A-Za-z0-9_-]{43}$/;

const reason = browserSkipReason();

test('web console: gateways — empty state, register with a one-time join token, new token, delete', { skip: reason, timeout: 180_000 }, async (t) => {
  const sluice = await startSluice();
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'sluice-e2e-chromium-'));
  const browser: { context?: BrowserContext } = {};
  t.after(async () => {
    await browser.context?.close();
    await sluice.stop();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  const context = await launchBrowser(userDataDir);
  browser.context = context;
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: sluice.url });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`Content-Security-Policy violation: ${e.violatedDirective} ${e.blockedURI}`));
  });

  // Steps build on each other: after a failure the rest are skipped, and the page is captured.
  let broken: string | undefined;
  const step = (name: string, fn: () => Promise<void>) =>
    t.test(name, { skip: broken ? `an earlier step failed: ${broken}` : undefined }, async () => {
      try {
        await fn();
      } catch (error) {
        broken = name;
        const file = path.join(tmpdir(), `sluice-console-gateways-e2e-failure-${Date.now()}.png`);
        await page.screenshot({ path: file, fullPage: true }).catch(() => {});
        process.stderr.write(`console gateways e2e: step "${name}" failed; page captured in ${file}\n`);
        throw error;
      }
    });

  const join = (token: string) =>
    fetch(`${sluice.url}/gateway/join`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ join_token: token }) });
  const listGateways = async (): Promise<{ name: string; status: string }[]> => {
    const tokenRes = await fetch(`${sluice.url}/identity/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: sluice.adminApiKey }).toString(),
    });
    const { access_token: bearer } = (await tokenRes.json()) as { access_token: string };
    const res = await fetch(`${sluice.url}/v1/gateways?${VERSION}`, { headers: { Authorization: `Bearer ${bearer}` } });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { gateways: { name: string; status: string }[] }).gateways;
  };
  const row = page.locator('tr[data-gateway-name="edge-1"]');
  /** The token and command the join-token modal shows; checks the warning and the command's shape. */
  const shownToken = async (): Promise<string> => {
    const dialog = page.getByTestId('join-token-modal');
    await dialog.getByRole('heading', { name: 'Join token for gateway edge-1' }).waitFor();
    await dialog.getByText('it will not be shown again', { exact: false }).waitFor();
    const token = ((await dialog.getByRole('textbox', { name: 'Join token' }).textContent()) ?? '').trim();
    assert.match(token, TOKEN);
    const command = ((await dialog.getByRole('textbox', { name: 'Gateway command' }).textContent()) ?? '').trim();
    assert.equal(command, `sluice gateway --control-plane ${sluice.url} --join-token ${token}`);
    return token;
  };

  let firstToken = '';

  await step('sign in, open Gateways from the side navigation: the empty state explains and names the command', async () => {
    await page.goto(sluice.url);
    await page.getByLabel('API key', { exact: true }).fill(sluice.adminApiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Client-to-site servers' }).waitFor();
    await page.getByRole('link', { name: 'Gateways', exact: true }).click();
    await page.getByRole('heading', { name: 'Gateways', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/gateways');
    assert.equal(await page.title(), 'Gateways · Sluice');
    assert.match((await page.getByRole('link', { name: 'Gateways', exact: true }).getAttribute('class')) ?? '', /side-nav__link--current/);
    assert.doesNotMatch((await page.getByRole('link', { name: 'Client-to-site servers' }).getAttribute('class')) ?? '', /side-nav__link--current/);
    await page.getByText('No gateways yet').waitFor();
    await page.getByText(`sluice gateway --control-plane ${sluice.url} --join-token …`).waitFor();
    // A reload keeps the page: the server answers the console for /gateways.
    await page.reload();
    await page.getByText('No gateways yet').waitFor();
  });

  await step('register edge-1 from the form: the join token and the command are shown once', async () => {
    await page.getByRole('button', { name: 'Register gateway' }).click();
    const dialog = page.getByRole('dialog').filter({ hasText: 'Register gateway' });
    await dialog.getByRole('button', { name: 'Register', exact: true }).click();
    await dialog.getByText('A name is required.').waitFor();
    await dialog.getByLabel('Name', { exact: true }).fill('edge-1');
    await dialog.getByLabel('Host', { exact: true }).fill('vpn-1.example.com');
    await dialog.getByRole('button', { name: 'Register', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    firstToken = await shownToken();
    const modal = page.getByTestId('join-token-modal');
    await modal.getByRole('button', { name: 'Copy command' }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `sluice gateway --control-plane ${sluice.url} --join-token ${firstToken}`);
    await modal.getByRole('button', { name: 'Done' }).click();
    await modal.waitFor({ state: 'detached' });
    assert.equal(await page.getByText(firstToken).count(), 0, 'the token is gone from the page once closed');
  });

  await step('the table lists edge-1 as pending', async () => {
    await row.waitFor();
    assert.equal(await row.getAttribute('data-status'), 'pending');
    await row.getByText('Pending', { exact: true }).waitFor();
    await row.getByRole('cell', { name: 'vpn-1.example.com', exact: true }).waitFor();
    await row.getByRole('cell', { name: 'Never', exact: true }).waitFor();
    assert.deepEqual((await listGateways()).map((g) => [g.name, g.status]), [['edge-1', 'pending']]);
    await shot(page, 'gateways.png');
  });

  await step('a second edge-1 is refused: the conflict lands on the Name field', async () => {
    await page.getByRole('button', { name: 'Register gateway' }).click();
    const dialog = page.getByRole('dialog').filter({ hasText: 'Register gateway' });
    await dialog.getByLabel('Name', { exact: true }).fill('edge-1');
    await dialog.getByLabel('Host', { exact: true }).fill('vpn-2.example.com');
    await dialog.getByRole('button', { name: 'Register', exact: true }).click();
    await dialog.getByText(/already exists \(name_conflict\)/).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    consoleErrors.length = 0; // the refused registration logs a 409 on purpose
  });

  await step('new join token from the row menu: confirmed, shown once; the old token no longer joins, the new one does', async () => {
    await page.getByRole('button', { name: 'Actions for edge-1' }).click();
    await page.getByRole('menuitem', { name: 'New join token' }).click();
    const confirm = page.getByRole('dialog').filter({ hasText: 'New join token for gateway edge-1?' });
    await confirm.getByText(/stop working at once/).waitFor();
    await confirm.getByRole('button', { name: 'Issue join token' }).click();
    const token = await shownToken();
    assert.notEqual(token, firstToken);
    await page.getByTestId('join-token-modal').getByRole('button', { name: 'Done' }).click();
    assert.equal((await join(firstToken)).status, 401, 'the earlier token stopped working');
    const joined = await join(token);
    assert.equal(joined.status, 200, await joined.clone().text());
    assert.match(((await joined.json()) as { credential: string }).credential, /^sgc_/);
  });

  await step('delete edge-1 from the row menu: the row goes', async () => {
    await page.getByRole('button', { name: 'Actions for edge-1' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog').filter({ hasText: 'Delete gateway edge-1?' });
    await confirm.getByText(/its live connection ends at once\. No VPN server names it\./).waitFor();
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('Gateway edge-1 deleted').waitFor();
    await row.waitFor({ state: 'detached' });
    await page.getByText('No gateways yet').waitFor();
    assert.deepEqual(await listGateways(), []);
    assert.deepEqual(consoleErrors, [], 'the browser console stays free of errors');
  });
});
