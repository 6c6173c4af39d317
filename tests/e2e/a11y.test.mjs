// Accessibility, checked by axe-core (Deque's rules engine, from npm) in Chromium: the empty
// page, a conversation (light and dark), the Settings panel, the phone layout, and the widget
// in its frame — no violation axe rates serious or critical (contrast included, so the dark
// Stop button is held to 4.5:1). And a keyboard-only walk: load → send → stop → edit → new
// chat, without the mouse.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';

import { RELAY_URL, WIDGET_HOST } from './env.mjs';
import { freshChat, launch, load } from './page.mjs';
import { hostPage, serveHosts } from './widget-host.mjs';

const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser;
let hosts;
before(async () => {
  browser = await launch();
  hosts = await serveHosts({ '/plain': hostPage() });
});
after(async () => {
  await browser?.close();
  await hosts?.close();
});

/** Runs axe in `target` (a page or a frame): the serious and critical violations, described. */
async function violations(target) {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await target.evaluate(AXE);
  const found = await target.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

async function audit(target, what) {
  const found = await violations(target);
  assert.deepEqual(found, [], `${what}: ${JSON.stringify(found, null, 1)}`);
}

for (const colorScheme of ['light', 'dark']) {
  test(`no serious or critical axe violation, ${colorScheme}: the empty page, a conversation, a running reply, Settings`, async () => {
    const chat = await freshChat(browser, RELAY_URL, { colorScheme });
    await audit(chat.page, 'the empty page');
    await chat.send('Hello there');
    await chat.waitForStatus(chat.reply(0), 'complete');
    await audit(chat.page, 'a conversation');
    await chat.send('A long one [stand-in:words-400] [stand-in:delay-20]');
    await chat.page.getByRole('button', { name: 'Stop' }).waitFor();
    await audit(chat.page, 'a reply arriving (the Stop button)');
    await chat.page.getByRole('button', { name: 'Stop' }).click();
    await chat.page.getByText('Settings', { exact: true }).click();
    await chat.page.getByLabel('System prompt').waitFor();
    await audit(chat.page, 'the Settings panel');
    await chat.page.context().close();
  });
}

test('no serious or critical axe violation on a phone, with the drawer open', async () => {
  const chat = await freshChat(browser, RELAY_URL, { viewport: { width: 390, height: 844 } });
  await chat.send('Hello there');
  await chat.waitForStatus(chat.reply(0), 'complete');
  await chat.page.getByRole('button', { name: 'Conversations' }).click();
  await chat.page.getByRole('button', { name: 'Close conversations' }).waitFor();
  await audit(chat.page, 'the phone layout');
  await chat.page.context().close();
});

test('no serious or critical axe violation in the widget\'s frame', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await load(page, `${WIDGET_HOST}/plain`);
  await page.locator('converse-edge-widget button.launcher').click();
  const frame = page.frameLocator('converse-edge-widget iframe');
  await frame.getByLabel('Message').waitFor();
  const chatFrame = page.frames().find((f) => f.url().startsWith(`${RELAY_URL}/widget`));
  await audit(chatFrame, 'the widget');
  await context.close();
});

test('keyboard only: load, send, stop, edit and resend, new chat — no mouse', async () => {
  const chat = await freshChat(browser);
  const { page } = chat;
  // The message box has the focus on load; a skip link leads to it from the top of the page.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'composer-input');
  // From the top of the page (where a reader arriving by keyboard starts), the first Tab
  // reaches the skip link.
  await page.evaluate(() => { document.body.tabIndex = -1; document.body.focus(); });
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to the message box');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'composer-input');

  await page.keyboard.type('A long one [stand-in:words-400] [stand-in:delay-20]');
  await page.keyboard.press('Enter');
  await chat.reply(0).locator('.text').filter({ hasText: /word\d+/ }).waitFor();
  // Esc stops the reply wherever the focus is (here: the page, not the message box).
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('Escape');
  await chat.waitForStatus(chat.reply(0), 'stopped');

  // Edit: Tab to the user message's Edit button, Enter, type, Enter.
  const edit = chat.userMessages.nth(0).getByRole('button', { name: 'Edit' });
  await edit.focus();
  await page.keyboard.press('Enter');
  const box = page.getByLabel('Edit message');
  await box.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Edit message');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Short now');
  await page.keyboard.press('Enter');
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.match(await chat.replyText(0), /^You said: “Short now”/);

  // New chat from the keyboard, and the message box has the focus again.
  await page.getByRole('button', { name: 'New chat' }).focus();
  await page.keyboard.press('Enter');
  await chat.userMessages.first().waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.activeElement?.id === 'composer-input');
  await chat.page.context().close();
});
