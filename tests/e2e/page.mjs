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

export class ChatPage {
  constructor(page) {
    this.page = page;
    this.input = page.getByLabel('Message', { exact: true });
    this.conversation = page.getByRole('main', { name: 'Conversation' });
    this.replies = this.conversation.locator('article.assistant');
    this.userMessages = this.conversation.locator('article.user');
  }

  /**
   * Loads the page and waits until it can be typed in. A start that stalls (seen in full runs
   * on two cores with three `wrangler dev`s: no error, no composer after 30 s, or a load that
   * never finished) is reported with the requests still unfinished and the page's state, and
   * is loaded once more, as its user would; a page that does not start twice fails the test.
   */
  async open(url = RELAY_URL) {
    const unfinished = new Map();
    const started = (r) => unfinished.set(r, Date.now());
    const ended = (r) => unfinished.delete(r);
    this.page.on('request', started);
    this.page.on('requestfinished', ended);
    this.page.on('requestfailed', ended);
    try {
      try {
        await this.page.goto(url, { timeout: 20_000 });
        await this.input.waitFor({ timeout: 15_000 });
      } catch (e) {
        // Also when the load itself never finished (seen once: goto's 30 s passed with no
        // error from the relay); a second navigation, as a person would reload.
        console.error(`[page did not start: ${e.message.split('\n')[0]}] ${await this.#startState(unfinished)}; loading once more`);
        await this.page.goto(url, { timeout: 20_000 });
        await this.input.waitFor({ timeout: 20_000 });
      }
    } finally {
      this.page.off('request', started);
      this.page.off('requestfinished', ended);
      this.page.off('requestfailed', ended);
    }
  }

  async #startState(unfinished) {
    const now = Date.now();
    const pending = [...unfinished].map(([r, t]) => `${r.method()} ${r.url()} (${now - t} ms)`);
    const state = await this.page.evaluate(() => ({
      readyState: document.readyState,
      body: document.body?.innerHTML.slice(0, 200),
      resources: performance.getEntriesByType('resource').map((e) => `${e.name} ${Math.round(e.duration)} ms`),
    })).catch((e) => ({ unreadable: e.message }));
    return `unfinished requests: [${pending.join(', ')}]; page: ${JSON.stringify(state)}`;
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
