/**
 * Debian's Chromium for the console suites, driven by playwright-core: whether it can run (a loud
 * skip, and a failure under CI=true), how it is started, and the README screenshots.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(fileURLToPath(new URL('../..', import.meta.url)), 'docs/screenshots');

/** Why the browser tests cannot run here, or undefined; under CI=true a missing Chromium fails. */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const message = `CONSOLE BROWSER TESTS NOT RUN: ${CHROMIUM} not found (apt-get install chromium)`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true requires them)`);
  process.stderr.write(`\n*** ${message} — skipping ***\n\n`);
  return message;
}

/** Headless, and without the background traffic this machine's closed network refuses. */
export function launchBrowser(userDataDir: string, options: { acceptDownloads?: boolean } = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1366, height: 860 },
    ...options,
  });
}

/** A README picture of the page as it stands. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  // Toasts are transient; close them so they do not cover the page in the README pictures.
  for (const close of await page.locator('.sl-toasts button.cds--toast-notification__close-button').all()) await close.click().catch(() => {});
  await page.locator('.sl-toasts .cds--toast-notification').first().waitFor({ state: 'detached', timeout: 5000 }).catch(() => {});
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: false });
}
