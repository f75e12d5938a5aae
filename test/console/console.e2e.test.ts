/**
 * The web console end to end: a real `sluice serve`, Debian's Chromium driven by playwright-core,
 * and real `openvpn` client processes. Sign in, create a server, watch a client appear live,
 * disconnect it from the row menu, delete another, bulk-disconnect two; screenshots for the README.
 *
 * Skips loudly when Chromium is missing — and fails instead under CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { freeUdpPort, startVpnClient, type VpnClientProcess } from '../support/openvpn-client.ts';
import { realOpenVpnSkipReason } from '../support/real-openvpn.ts';
import { browserSkipReason, launchBrowser, shot } from '../support/browser.ts';
import { startSluice } from '../support/sluice-process.ts';
import { API_VERSION as VERSION } from '../support/api-client.ts';

const reason = browserSkipReason();
const openvpnMissing = reason ? undefined : realOpenVpnSkipReason();

/** Waits on a condition with a deadline (polling, never a blind sleep). */
async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A real openvpn client (test/support/openvpn-client.ts) and the name the steps know it by. */
interface VpnUser {
  name: string;
  process: VpnClientProcess;
}

/** Resolves once the client's session is up; a failure names the client. */
async function connected(user: VpnUser, timeoutMs: number): Promise<void> {
  try {
    await user.process.connected(timeoutMs);
  } catch (error) {
    throw new Error(`openvpn ${user.name}: ${(error as Error).message}`, { cause: error });
  }
}

/** Waits for the client process to end, or fails naming it at the deadline. */
async function waitForExit(user: VpnUser, timeoutMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`openvpn ${user.name} still running ${timeoutMs} ms after the disconnect:\n${user.process.output().split('\n').slice(-25).join('\n')}`)), timeoutMs);
  });
  try {
    return await Promise.race([user.process.exited, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

class ApiCaller {
  private token = '';
  constructor(
    private readonly base: string,
    private readonly apikey: string,
  ) {}
  async signIn(): Promise<void> {
    const res = await fetch(`${this.base}/identity/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: this.apikey }).toString(),
    });
    assert.equal(res.status, 200, await res.clone().text());
    this.token = ((await res.json()) as { access_token: string }).access_token;
  }
  async call(method: string, pathAndQuery: string, body?: unknown): Promise<Response> {
    const sep = pathAndQuery.includes('?') ? '&' : '?';
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(`${this.base}${pathAndQuery}${sep}${VERSION}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
  }
  async profile(serverId: string, commonName: string): Promise<string> {
    const res = await this.call('POST', `/v1/vpn_servers/${serverId}/client_profile`, { common_name: commonName });
    assert.equal(res.status, 200, await res.clone().text());
    return res.text();
  }
}

const clientRow = (page: Page, commonName: string): Locator => page.locator('tr[data-client-id]').filter({ has: page.getByRole('cell', { name: commonName, exact: true }) });

async function rowStatus(row: Locator): Promise<string | null> {
  return (await row.count()) === 1 ? row.getAttribute('data-status') : null;
}

test('web console: sign in, create a server, live clients, disconnect, delete, bulk disconnect', { skip: reason, timeout: 300_000 }, async (t) => {
  const sluice = await startSluice();
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'sluice-e2e-chromium-'));
  const clients: VpnUser[] = [];
  const startClient = (name: string, profile: string): VpnUser => {
    const user = { name, process: startVpnClient(profile) };
    clients.push(user);
    return user;
  };
  const browser: { context?: BrowserContext } = {};
  const consoleErrors: string[] = [];
  t.after(async () => {
    await Promise.all(clients.map((c) => c.process.stop()));
    await browser.context?.close();
    await sluice.stop();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  const context = await launchBrowser(userDataDir, { acceptDownloads: true });
  browser.context = context;
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  // Kept apart from consoleErrors (which one step clears on purpose): the console runs under a
  // strict Content-Security-Policy and must never trip it.
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`Content-Security-Policy violation: ${e.violatedDirective} ${e.blockedURI}`));
  });

  // Steps build on each other: after a failure the rest are skipped, and the page is captured.
  let broken: string | undefined;
  const step = (name: string, needsVpn: boolean, fn: () => Promise<void>) =>
    t.test(name, { skip: broken ? `an earlier step failed: ${broken}` : needsVpn ? openvpnMissing : undefined }, async () => {
      try {
        await fn();
      } catch (error) {
        broken = name;
        const file = path.join(tmpdir(), `sluice-console-e2e-failure-${Date.now()}.png`);
        await page.screenshot({ path: file, fullPage: true }).catch(() => {});
        process.stderr.write(`console e2e: step "${name}" failed; page captured in ${file}\n`);
        throw error;
      }
    });

  const api = new ApiCaller(sluice.url, sluice.adminApiKey);
  await api.signIn();
  const serverName = 'e2e-office';
  let serverId = '';

  await step('sign-in with an API key; a wrong key shows the error code', false, async () => {
    const index = await page.goto(sluice.url);
    const headers = (await index?.allHeaders()) ?? {};
    assert.match(headers['content-security-policy'] ?? '', /default-src 'self'.*frame-ancestors 'none'/, 'the console is served under a strict CSP');
    assert.equal(headers['x-frame-options'], 'DENY');
    await page.getByLabel('API key', { exact: true }).fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/invalid_api_key/).waitFor();
    await page.getByLabel('API key', { exact: true }).fill(sluice.adminApiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Client-to-site servers' }).waitFor();
    const cookies = await context.cookies();
    assert.deepEqual(cookies, [], 'the token is never kept in a cookie');
    consoleErrors.length = 0; // the refused key above logs a 400 on purpose
  });

  await step('create a server from the form; API validation lands on the field', false, async () => {
    await page.getByRole('button', { name: /Create/ }).first().click();
    const dialog = page.getByRole('dialog').filter({ hasText: /Create VPN server/ });
    await dialog.waitFor();
    await dialog.getByLabel('Name', { exact: true }).fill(serverName);
    await dialog.getByLabel('Client IP pool').fill('10.77.0.0/8');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await dialog.getByText('The prefix must be from /9 to /22.').waitFor();
    await dialog.getByLabel('Client IP pool').fill('10.77.0.0/22');
    await dialog.getByLabel('Port', { exact: true }).fill(String(await freeUdpPort()));
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.locator(`tr[data-server-name="${serverName}"]`);
    await row.waitFor();
    const list = (await (await api.call('GET', `/v1/vpn_servers?name=${serverName}`)).json()) as { vpn_servers: { id: string }[] };
    serverId = list.vpn_servers[0]?.id ?? '';
    assert.ok(serverId, 'the server exists in the API');
    // The gateway brings it up; the list polls, so the tag turns Stable without a reload.
    await row.getByText(/^Stable/).waitFor({ timeout: 60_000 });
  });

  await step('server details: title names the server, tabs, overview fields', false, async () => {
    await page.getByRole('link', { name: serverName, exact: true }).click();
    await page.getByRole('heading', { name: serverName, level: 1 }).waitFor();
    assert.match(await page.title(), new RegExp(`^${serverName}`));
    await page.getByText('10.77.0.0/22').first().waitFor();
    await page.getByRole('tab', { name: /^Clients/ }).click();
    await page.getByText('No clients yet').waitFor();
    assert.match(page.url(), /\/clients$/);
  });


  await step('a real openvpn client appears live; disconnect from the row menu ends its process', true, async () => {
    // Issue alice's profile through the console (download), the others through the API.
    await page.getByRole('button', { name: 'Issue client certificate' }).click();
    const dialog = page.getByRole('dialog').filter({ hasText: /Issue client certificate/ });
    await dialog.getByLabel('Common name').fill('alice');
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Issue and download' }).click()]);
    const profile = readFileSync((await download.path()) as string, 'utf8');
    assert.match(profile, /<cert>[\s\S]*<\/cert>/);
    const alice = startClient('alice', profile);
    await connected(alice, 60_000);
    const row = clientRow(page, 'alice');
    await until('alice to appear connected without a reload', 30_000, async () => (await rowStatus(row)) === 'connected');

    // Servers page, for the README: the connected count.
    await page.getByRole('link', { name: 'Client-to-site servers' }).first().click();
    await page.locator(`tr[data-server-name="${serverName}"]`).getByRole('cell', { name: '1', exact: true }).waitFor({ timeout: 30_000 });
    await shot(page, 'servers.png');
    await page.getByRole('link', { name: serverName, exact: true }).click();
    await page.getByRole('tab', { name: /^Clients/ }).click();
    await until('alice row', 15_000, async () => (await rowStatus(row)) === 'connected');
    await shot(page, 'clients.png');

    await page.getByRole('button', { name: /^Actions for alice/ }).click();
    await page.getByRole('menuitem', { name: 'Disconnect' }).click();
    const confirm = page.getByRole('dialog').filter({ hasText: /Disconnect VPN client alice/ });
    await confirm.waitFor();
    await shot(page, 'confirm-disconnect.png');
    await confirm.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await page.getByText(/Disconnection request for VPN client alice/).waitFor();
    await until('alice to turn disconnected', 30_000, async () => (await rowStatus(row)) === 'disconnected');
    await waitForExit(alice, 30_000);
    assert.equal(await row.getByText('Disconnected').count(), 1);
  });

  await step('delete another client from the row menu: the row goes and the process exits', true, async () => {
    const bob = startClient('bob', await api.profile(serverId, 'bob'));
    await connected(bob, 60_000);
    const row = clientRow(page, 'bob');
    await until('bob to appear', 30_000, async () => (await rowStatus(row)) === 'connected');
    await page.getByRole('button', { name: /^Actions for bob/ }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog').filter({ hasText: /Delete VPN client bob/ });
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await until('bob row to go', 30_000, async () => (await row.count()) === 0);
    await waitForExit(bob, 30_000);
    const listed = (await (await api.call('GET', `/v1/vpn_servers/${serverId}/clients`)).json()) as { clients: { common_name?: string }[] };
    assert.equal(listed.clients.filter((c) => c.common_name === 'bob').length, 0);
  });

  await step('bulk-disconnect two clients with the batch action', true, async () => {
    const pair = await Promise.all(['carol', 'dave'].map(async (cn) => startClient(cn, await api.profile(serverId, cn))));
    await Promise.all(pair.map((p) => connected(p, 60_000)));
    for (const cn of ['carol', 'dave']) await until(`${cn} to appear`, 30_000, async () => (await rowStatus(clientRow(page, cn))) === 'connected');
    await page.getByRole('combobox', { name: 'Status' }).selectOption('connected');
    for (const cn of ['carol', 'dave']) await clientRow(page, cn).locator('input[type="checkbox"]').check({ force: true });
    const batch = page.locator('.cds--batch-actions');
    await batch.getByText('2 items selected').waitFor();
    await batch.getByRole('button', { name: 'Disconnect' }).click();
    const confirm = page.getByRole('dialog').filter({ hasText: /Disconnect 2 VPN clients/ });
    await confirm.getByText(/carol/).waitFor();
    await confirm.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await page.getByText(/Disconnection requests for 2 VPN clients/).waitFor();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('all');
    for (const cn of ['carol', 'dave']) await until(`${cn} to turn disconnected`, 30_000, async () => (await rowStatus(clientRow(page, cn))) === 'disconnected');
    await Promise.all(pair.map((p) => waitForExit(p, 30_000)));
  });

  await step('routes tab: a route limited to users from the form; action, access and traffic columns; edit access', false, async () => {
    await page.getByRole('tab', { name: 'VPN server routes' }).click();
    await page.getByRole('button', { name: 'Create route' }).first().click();
    const dialog = page.getByRole('dialog').filter({ hasText: 'Create route' });
    await dialog.getByLabel('Destination').fill('192.168.50.0/24');
    await dialog.getByLabel('Action').selectOption('translate');
    await dialog.getByLabel('Name', { exact: true }).fill('finance');
    await dialog.getByLabel('Users allowed').fill('alice, bob');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByRole('row').filter({ hasText: '192.168.50.0/24' });
    await row.getByText('Users: alice, bob').waitFor();
    await row.getByText('translate', { exact: true }).waitFor();
    await row.getByText('—', { exact: true }).waitFor(); // nothing counted: this test's gateway runs without a data plane
    const routes = (await (await api.call('GET', `/v1/vpn_servers/${serverId}/routes`)).json()) as { routes: { name: string; access?: unknown }[] };
    assert.deepEqual(routes.routes.find((r) => r.name === 'finance')?.access, { users: ['alice', 'bob'], common_names: [] });
    await shot(page, 'routes.png');
    await page.getByRole('button', { name: 'Actions for route finance' }).click();
    await page.getByRole('menuitem', { name: 'Edit access' }).click();
    const edit = page.getByRole('dialog').filter({ hasText: 'Who may use route finance' });
    await edit.getByLabel('Users allowed').fill('');
    await edit.getByRole('button', { name: 'Save', exact: true }).click();
    await edit.waitFor({ state: 'detached' });
    await row.getByText('Everyone', { exact: true }).waitFor();
    await page.getByRole('tab', { name: /^Clients/ }).click();
  });

  await step('monitoring tab: charts of the real sessions above, under a strict Content-Security-Policy', true, async () => {
    type Point = { connects: number; disconnects: number; connected_clients: number };
    const sum = (points: Point[], read: (p: Point) => number): number => points.reduce((a, p) => a + read(p), 0);
    // alice, bob, carol and dave connected and left: the control plane's own time-series has them.
    await until('the sessions in the monitoring series', 60_000, async () => {
      const m = (await (await api.call('GET', `/v1/vpn_servers/${serverId}/monitoring`)).json()) as { points: Point[] };
      return sum(m.points, (p) => p.connects) >= 4 && sum(m.points, (p) => p.disconnects) >= 4;
    });
    // The server's own strict policy (no inline script or style, no eval) applies; violations are console errors.
    await page.goto(`${sluice.url}/vpn_servers/${serverId}/monitoring`);
    await page.getByRole('heading', { name: serverName, level: 1 }).waitFor();
    const sessions = page.locator('[data-chart="sessions"]');
    await sessions.getByText(/^Connects and disconnects \([1-9]\d* \/ [1-9]\d*\)$/).waitFor({ timeout: 30_000 });
    await page.locator('[data-chart="connected"]').getByText(/^Connected clients \(peak [1-9]/).waitFor();
    for (const name of ['connected', 'sessions', 'traffic', 'auth-failures']) {
      assert.ok((await page.locator(`[data-chart="${name}"] svg`).count()) > 0, `${name} chart drawn`);
    }
    assert.ok((await sessions.locator('path.line').count()) >= 2, 'a line per series');
    await page.getByRole('tab', { name: 'Last 24 hours' }).click();
    await sessions.getByText(/^Connects and disconnects \([1-9]/).waitFor();
    await page.getByRole('tab', { name: 'Last hour' }).click();
    await sessions.getByText(/^Connects and disconnects \([1-9]/).waitFor();
    await shot(page, 'monitoring.png');
    await page.getByRole('tab', { name: /^Clients/ }).click();
    assert.deepEqual(consoleErrors.filter((e) => /Content Security Policy|Refused to/.test(e)), [], 'nothing the policy refused');
  });

  await step('filters, narrow window, sign-out; no console errors', false, async () => {
    await page.getByRole('searchbox').first().fill('no-such-user');
    await page.getByText(/No client matches|No clients yet/).waitFor();
    await page.getByRole('searchbox').first().fill('');
    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByRole('heading', { name: serverName, level: 1 }).waitFor();
    let last: unknown;
    const overflow = await until('the narrow layout to settle', 10_000, async () => {
      const o = await page.evaluate(() => {
        const wide = [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.sl-table-scroll'))
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`);
        return { by: document.documentElement.scrollWidth - window.innerWidth, wide };
      });
      last = o;
      return o.by <= 1 ? o : false;
    }).catch((error: Error) => error);
    assert.ok(!(overflow instanceof Error), `the page scrolls sideways in a narrow window: ${JSON.stringify(last)}`);
    await page.setViewportSize({ width: 1366, height: 860 });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('sluice.session')), null);
    assert.deepEqual(consoleErrors, [], 'the browser console stays free of errors');
    assert.deepEqual(cspViolations, [], 'nothing the console does trips its Content-Security-Policy');
  });
});
