// A relay that does not offer the page's default model (ALLOWED_MODELS without Claude 3 Haiku):
// a newcomer's first message goes to a model the relay offers, not to a refusal. The built
// worker serves the page here in workerd through Miniflare, with its own model list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { lastRequest } from './http.mjs';
import { freshChat, launch } from './page.mjs';
import { pageRelay } from './workerd.mjs';

const OFFERED = 'us.amazon.nova-lite-v1:0';
let mf;
let url;
let browser;
before(async () => {
  ({ mf, url } = await pageRelay({ PAGE_ACCESS: 'open', ALLOWED_MODELS: OFFERED }));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await mf?.dispose();
});

test('a new conversation takes a model the relay offers, and its first message is answered', async () => {
  const chat = await freshChat(browser, url);
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${OFFERED}"]`).waitFor({ state: 'attached' });
  await chat.send('Hello, first time here');
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.equal(await model.inputValue(), OFFERED);
  assert.equal((await lastRequest()).messages.at(-1).content[0].text, 'Hello, first time here');
});
