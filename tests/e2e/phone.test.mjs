// The chat page on a phone (320 and 390 px wide), as #18 found it broken: Settings and Tools
// opened off the left edge, the conversation drawer could not be dismissed, the header took
// several rows, and Enter sent half-written messages from a touch keyboard; and as a later look
// at 390 px found it, a model-switch warning cut to its first letter.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { RELAY_URL } from './env.mjs';
import { freshChat, launch } from './page.mjs';

const TITAN = 'amazon.titan-text-lite-v1';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Asserts that `locator`'s box lies inside a `width`×`height` window. */
async function inside(locator, width, height, what) {
  const box = await locator.boundingBox();
  assert.ok(box, `${what} is shown`);
  assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= width + 0.5 && box.y + box.height <= height + 0.5,
    `${what} lies inside the ${width}×${height} window: ${JSON.stringify(box)}`);
}

for (const [width, height] of [[320, 640], [390, 844]]) {
  test(`at ${width} px, Settings and Tools open inside the window and close on Esc and on a tap outside`, async () => {
    const chat = await freshChat(browser, RELAY_URL, { viewport: { width, height } });
    const { page } = chat;
    const header = page.locator('header.top');
    const headerBox = await header.boundingBox();
    assert.ok(headerBox.height < 64, `the header is one row: ${headerBox.height} px tall`);

    await page.getByText('Settings', { exact: true }).click();
    const prompt = page.getByLabel('System prompt');
    await inside(prompt, width, height, 'the system prompt');
    await inside(page.getByLabel('Max tokens'), width, height, 'max tokens');
    await page.keyboard.press('Escape');
    await prompt.waitFor({ state: 'hidden' });

    await page.getByText('Tools', { exact: true }).click();
    const choice = page.getByLabel('Tool choice');
    await inside(choice, width, height, 'the tool choice');
    // A tap beside the menu (below it: it leaves a quarter of the window) closes it.
    const sheet = await page.locator('.tools-panel ul').boundingBox();
    assert.ok(sheet.y + sheet.height < height - 20, `the menu leaves room below it: ${JSON.stringify(sheet)}`);
    await page.mouse.click(width / 2, height - 10);
    await choice.waitFor({ state: 'hidden' });

    // Every control of the header and composer is a touch target of at least 44 px.
    for (const control of [page.getByRole('button', { name: 'Conversations' }), page.getByRole('combobox').first(),
      page.getByRole('button', { name: 'Send' })]) {
      const box = await control.boundingBox();
      assert.ok(box.height >= 43.5, `${await control.textContent()} is ${box.height} px tall`);
    }
    await chat.page.context().close();
  });

  test(`at ${width} px, a warning that asks before switching models shows its reason whole, its choices inside the window`, async () => {
    const chat = await freshChat(browser, RELAY_URL, { viewport: { width, height } });
    const { page } = chat;
    await page.getByLabel('Attach files').setInputFiles([{ name: 'dot.png', mimeType: 'image/png', buffer: PNG }]);
    await chat.send('What is this?');
    await chat.waitForStatus(chat.reply(0), 'complete');
    const model = page.getByRole('combobox', { name: 'Model' });
    await model.locator(`option[value="${TITAN}"]`).waitFor({ state: 'attached' });
    await model.selectOption(TITAN);
    const warning = page.getByRole('alert').filter({ hasText: 'Amazon Titan Text Lite cannot take' });
    await warning.waitFor();
    // Found cut to "T…" at 390 px: one line held the reason and both buttons.
    const reason = warning.locator('span');
    const cut = await reason.evaluate((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
    assert.equal(cut, false, `the reason is shown whole: ${await reason.textContent()}`);
    for (const choice of ['Switch anyway', 'Keep the current model']) {
      await inside(warning.getByRole('button', { name: choice }), width, height, choice);
    }
    await chat.page.context().close();
  });

  test(`at ${width} px, the conversation drawer closes by its button, a tap beside it, and Esc`, async () => {
    const chat = await freshChat(browser, RELAY_URL, { viewport: { width, height } });
    const { page } = chat;
    const toggle = page.getByRole('button', { name: 'Conversations' });
    const drawer = page.getByRole('navigation', { name: 'Conversations' });
    await drawer.waitFor({ state: 'hidden' });

    await toggle.click();
    await inside(drawer.getByRole('button', { name: 'New chat' }), width, height, 'New chat');
    await drawer.getByRole('button', { name: 'Close conversations' }).click();
    await drawer.waitFor({ state: 'hidden' });

    await toggle.click();
    await drawer.waitFor();
    const box = await drawer.boundingBox();
    // The backdrop beside the drawer.
    await page.mouse.click(Math.min(width - 5, box.x + box.width + 20), height / 2);
    await drawer.waitFor({ state: 'hidden' });

    await toggle.click();
    await drawer.waitFor();
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await chat.page.context().close();
  });
}

test('on a touch keyboard Enter adds a line, and Send sends', async () => {
  const chat = await freshChat(browser, RELAY_URL, { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  await chat.input.fill('first line');
  await chat.input.press('Enter');
  await chat.input.pressSequentially('second line');
  assert.equal(await chat.input.inputValue(), 'first line\nsecond line');
  assert.equal(await chat.userMessages.count(), 0, 'nothing was sent by Enter');
  await chat.page.getByRole('button', { name: 'Send' }).tap();
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.match(await chat.replyText(0), /first line\s+second line/);
  await chat.page.context().close();
});
