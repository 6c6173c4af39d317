// The chat page as a person uses it: one page object for every browser test.
import { after, before } from 'node:test';

import { chromium } from 'playwright-core';

import { RELAY_URL } from './env.mjs';
import { pageRelay } from './workerd.mjs';

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS });
}

/**
 * Loads `url` in `page` (without one, reloads it) and waits for `ready`, as a person opens a page. A load that stalls
 * (seen in full runs on two cores with three `wrangler dev`s: a static file of the page that
 * wrangler's local asset server leaves unanswered until the client gives up, logged there as
 * `GET /widget.js 200 OK (14972ms)`; the worker's code does not run for these files) is
 * reported with the requests still unfinished and the page's state, and loaded once more, as
 * its user would reload; a page that does not load twice fails the test.
 */
export async function load(page, url, { ready = async () => {} } = {}) {
  const go = () => (url === undefined ? page.reload({ timeout: 20_000 }) : page.goto(url, { timeout: 20_000 }));
  const unfinished = new Map();
  const started = (r) => unfinished.set(r, Date.now());
  const ended = (r) => unfinished.delete(r);
  page.on('request', started);
  page.on('requestfinished', ended);
  page.on('requestfailed', ended);
  try {
    try {
      await go();
      await ready();
    } catch (e) {
      console.error(`[${url ?? page.url()} did not load: ${e.message.split('\n')[0]}] ${await loadState(page, unfinished)}; loading once more`);
      await go();
      await ready();
    }
  } finally {
    page.off('request', started);
    page.off('requestfinished', ended);
    page.off('requestfailed', ended);
  }
}

async function loadState(page, unfinished) {
  const now = Date.now();
  const pending = [...unfinished].map(([r, t]) => `${r.method()} ${r.url()} (${now - t} ms)`);
  const state = await page.evaluate(() => ({
    readyState: document.readyState,
    body: document.body?.innerHTML.slice(0, 200),
    resources: performance.getEntriesByType('resource').map((e) => `${e.name} ${Math.round(e.duration)} ms`),
  })).catch((e) => ({ unreadable: e.message }));
  return `unfinished requests: [${pending.join(', ')}]; page: ${JSON.stringify(state)}`;
}

export class ChatPage {
  constructor(page) {
    this.page = page;
    this.input = page.getByLabel('Message', { exact: true });
    this.conversation = page.getByRole('main', { name: 'Conversation' });
    this.replies = this.conversation.locator('article.assistant');
    this.userMessages = this.conversation.locator('article.user');
  }

  /** Loads the chat page (see `load`) and waits until it can be typed in. */
  async open(url = RELAY_URL) {
    await load(this.page, url, { ready: () => this.input.waitFor({ timeout: 15_000 }) });
  }

  /** Reloads the chat page (see `load`) and waits until it can be typed in. */
  async reload() {
    await load(this.page, undefined, { ready: () => this.input.waitFor({ timeout: 15_000 }) });
  }

  /** Types `text` and presses Enter, as a person would. */
  async send(text) {
    await this.input.fill(text);
    await this.input.press('Enter');
  }

  /** The n-th reply (0-based), waiting until it exists. */
  reply(n) {
    return this.replies.nth(n);
  }

  async waitForStatus(locator, status, timeout = 15_000) {
    await locator.and(this.page.locator(`[data-status="${status}"]`)).waitFor({ timeout });
  }

  async replyText(n) {
    return (await this.reply(n).locator('.text').textContent()) ?? '';
  }
}

/**
 * A new browser context (wrangler's local certificate accepted) on the chat page (of `url`);
 * `options` are the context's (a phone's `viewport`, `hasTouch`, `isMobile`), and `titles`
 * leaves generated titles on.
 */
export async function freshChat(browser, url = RELAY_URL, { titles = false, ...options } = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, ...options });
  // Generated titles are a second request after each first reply; the suites that read the
  // stand-in's last request turn them off, as Settings can (the titles test turns them on).
  if (!titles) await context.addInitScript(() => localStorage.setItem('converse-edge.titles', 'off'));
  const page = await context.newPage();
  // A panic or an uncaught error in the page is printed with the test's output.
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.error(`[page console] ${m.text()}`); });
  const chat = new ChatPage(page);
  await chat.open(url);
  return chat;
}

/**
 * A deployment of the suite's own: a relay serving the page with `bindings` (see `pageRelay`)
 * and a browser, started before the suite's tests and closed after them. Its `url` and
 * `browser` are there once the tests run.
 */
export function ownDeployment(bindings) {
  const own = {};
  before(async () => {
    ({ mf: own.mf, url: own.url } = await pageRelay(bindings));
    own.browser = await launch();
  });
  after(async () => {
    await own.browser?.close();
    await own.mf?.dispose();
  });
  return own;
}
