// Keyboard and access: every control has a name, the reply is announced once (not per
// token), dark mode follows the system, the page works at 360 px; and a full disk shows an
// error and loses nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { RELAY_URL } from './env.mjs';
import { freshChat, launch, load } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Interactive elements without an accessible name (aria-label, a label, or text). */
function unnamedControls(page) {
  return page.evaluate(() => [...document.querySelectorAll('button, input, select, textarea, summary, meter')]
    .filter((el) => {
      const name = el.getAttribute('aria-label') || [...(el.labels ?? [])].map((l) => l.textContent).join('')
        || el.textContent || el.getAttribute('title') || '';
      return !name.trim();
    })
    .map((el) => el.outerHTML.slice(0, 120)));
}

test('every control is named, and the keyboard alone can write, send, stop and edit', async () => {
  const chat = await freshChat(browser);
  await chat.send('Hello');
  await chat.waitForStatus(chat.reply(0), 'complete');
  await chat.page.getByText('Settings', { exact: true }).click();
  await chat.page.getByText('Tools', { exact: true }).click();
  assert.deepEqual(await unnamedControls(chat.page), []);

  // Shift+Enter is a new line; Enter sends; Esc stops.
  await chat.input.focus();
  await chat.page.keyboard.type('line one');
  await chat.page.keyboard.press('Shift+Enter');
  await chat.page.keyboard.type('line two [stand-in:long]');
  assert.equal(await chat.input.inputValue(), 'line one\nline two [stand-in:long]');
  await chat.page.keyboard.press('Enter');
  await chat.page.waitForFunction(() => document.querySelectorAll('article.assistant')[1]?.dataset.status === 'streaming');
  await chat.page.keyboard.press('Escape');
  await chat.waitForStatus(chat.reply(1), 'stopped');
  assert.equal(await chat.userMessages.nth(1).locator('.text').textContent(), 'line one\nline two [stand-in:long]');
  await chat.page.context().close();
});

test('a streamed reply is announced once through a polite live region, not per token', async () => {
  const chat = await freshChat(browser);
  const region = chat.page.locator('[aria-live="polite"]');
  assert.equal(await region.count(), 1);
  await region.evaluate((el) => {
    window.liveChanges = 0;
    new MutationObserver(() => { window.liveChanges += 1; }).observe(el, { childList: true, subtree: true, characterData: true });
  });
  await chat.send('Announce this [stand-in:words-60]');
  await chat.waitForStatus(chat.reply(0), 'complete');
  await region.filter({ hasText: /^Reply complete: You said/ }).waitFor();
  const changes = await chat.page.evaluate(() => window.liveChanges);
  assert.ok(changes <= 3, `the live region changed ${changes} times for a 70-token reply`);
  await chat.page.context().close();
});

test('dark mode follows the system, and the page works 360 px wide', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, colorScheme: 'dark', viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const input = page.getByLabel('Message', { exact: true });
  await load(page, RELAY_URL, { ready: () => input.waitFor({ timeout: 15_000 }) });
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [r, g, b] = background.match(/\d+/g).map(Number);
  assert.ok(r + g + b < 150, `a dark background: ${background}`);

  // Nothing wider than the screen; the conversations list opens from its button.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling');
  const nav = page.getByRole('navigation', { name: 'Conversations' });
  assert.equal(await nav.isVisible(), false);
  const toggle = page.getByRole('button', { name: 'Conversations', exact: true });
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await nav.getByRole('button', { name: 'New chat' }).click();
  assert.equal(await nav.isVisible(), false);

  await input.fill('Small screen');
  await input.press('Enter');
  const reply = page.locator('article.assistant[data-status="complete"]');
  await reply.waitFor();
  const box = await reply.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 360, `the reply fits: ${JSON.stringify(box)}`);
  assert.ok(await page.getByRole('button', { name: 'Send' }).isVisible());
  await context.close();
});

test('a full disk shows an error and loses nothing; what was not saved is saved once there is room', async () => {
  const chat = await freshChat(browser);
  await chat.send('Saved before the disk filled');
  await chat.waitForStatus(chat.reply(0), 'complete');
  // The disk fills: every write fails as the browser fails it then.
  await chat.page.evaluate(() => {
    window.realPut = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function full() {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });

  await chat.send('Written while the disk is full');
  await chat.waitForStatus(chat.reply(1), 'complete');
  const alert = chat.page.getByRole('alert').filter({ hasText: /browser storage is full/ });
  await alert.waitFor();
  assert.match(await alert.textContent(), /nothing saved before was lost/);
  assert.equal(await chat.userMessages.count(), 2, 'the message is still on screen');

  await chat.page.evaluate(() => { IDBObjectStore.prototype.put = window.realPut; });
  await chat.send('Room again');
  await chat.waitForStatus(chat.reply(2), 'complete');
  await alert.waitFor({ state: 'detached' });
  await chat.reload();
  await chat.waitForStatus(chat.reply(2), 'complete');
  assert.deepEqual(await chat.userMessages.locator('.text').allTextContents(),
    ['Saved before the disk filled', 'Written while the disk is full', 'Room again']);
  await chat.page.context().close();
});
