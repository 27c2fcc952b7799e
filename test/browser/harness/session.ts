// One browser session: bundle a page entry, serve it, start Chromium, open the page and wait for
// the entry to announce itself (`globalThis.__plmReady`). Collects the page's console output and
// errors for reports. `close` undoes all three.
import type { Page } from 'playwright-core';
import { buildPage } from './bundle.js';
import { launchChromium, type LaunchOptions } from './chromium.js';
import { serveStatic } from './server.js';

export interface SessionOptions extends LaunchOptions {
  /** Classic scripts for index.html, by URL path (served from `files`). */
  scripts?: readonly string[];
  /** Extra URL path -> file on disk. */
  files?: Record<string, string>;
}

export interface Session {
  page: Page;
  flags: string[];
  /** Console lines and page errors seen so far. */
  log: string[];
  close(): Promise<void>;
}

export async function openSession(entry: string, o: SessionOptions = {}): Promise<Session> {
  const built = await buildPage(entry, o.scripts ?? []);
  const server = await serveStatic(built.dir, o.files ?? {});
  let browser: Awaited<ReturnType<typeof launchChromium>> | null = null;
  const close = async (): Promise<void> => {
    await browser?.close();
    await server.close();
    built.remove();
  };
  try {
    browser = await launchChromium(o);
    const page = await browser.context.newPage();
    const log: string[] = [];
    page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
    await page.goto(server.url);
    await page.waitForFunction(() => (globalThis as { __plmReady?: boolean }).__plmReady === true, null, {
      timeout: 30_000,
    });
    return { page, flags: browser.flags, log, close };
  } catch (e) {
    await close();
    throw e;
  }
}
