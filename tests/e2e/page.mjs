// The chat page as a person uses it: one page object for every browser test.
import { chromium } from 'playwright-core';

import { RELAY_URL } from './env.mjs';

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

  async open(url = RELAY_URL) {
    await this.page.goto(url);
    await this.input.waitFor();
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

/** A new browser context (wrangler's local certificate accepted) on the chat page (of `url`). */
export async function freshChat(browser, url = RELAY_URL) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  // A panic or an uncaught error in the page is printed with the test's output.
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.error(`[page console] ${m.text()}`); });
  const chat = new ChatPage(page);
  await chat.open(url);
  return chat;
}
