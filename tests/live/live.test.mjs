// The relay and the chat page against real Amazon Bedrock (scripts/live.sh; opt-in, costs a
// fraction of a cent a run).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

const { RELAY_URL, RELAY_KEY_SECRET, LIVE_MODEL } = process.env;
const path = (op) => `${RELAY_URL}/model/${encodeURIComponent(LIVE_MODEL)}/${op}`;
const ask = (text) => JSON.stringify({ messages: [{ role: 'user', content: [{ text }] }], inferenceConfig: { maxTokens: 32 } });
const post = (op, body, headers = {}) => fetch(path(op), {
  method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${RELAY_KEY_SECRET}`, ...headers },
});

test('Converse through the relay: real Bedrock answers', async () => {
  const r = await post('converse', ask('Say the word "pong" and nothing else.'));
  assert.equal(r.status, 200, await r.clone().text());
  const reply = await r.json();
  assert.match(reply.output.message.content.map((b) => b.text ?? '').join(''), /pong/i);
  assert.ok(reply.usage.outputTokens > 0);
});

test('ConverseStream through the relay arrives as SSE, event by event', async () => {
  const r = await post('converse-stream', ask('Count from 1 to 5.'), { accept: 'text/event-stream' });
  assert.equal(r.status, 200);
  const names = [...(await r.text()).matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
  assert.equal(names[0], 'messageStart');
  assert.ok(names.includes('contentBlockDelta'));
  assert.deepEqual(names.slice(-2), ['messageStop', 'metadata']);
});

let browser;
before(async () => { browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] }); });
after(async () => { await browser?.close(); });

test('the chat page gets a reply from real Bedrock, and goes on with the conversation', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(RELAY_URL);
  // The relay's one model is chosen for a new conversation once its list has arrived.
  await page.getByRole('combobox', { name: 'Model' }).locator(`option[value="${LIVE_MODEL}"]`).waitFor({ state: 'attached' });
  const input = page.getByLabel('Message', { exact: true });
  const replies = page.getByRole('main', { name: 'Conversation' }).locator('article.assistant');
  for (const [n, text] of ['Say hello in French.', 'Now in German.'].entries()) {
    await input.fill(text);
    await input.press('Enter');
    await replies.nth(n).and(page.locator('[data-status="complete"]')).waitFor({ timeout: 60_000 });
    assert.ok((await replies.nth(n).locator('.text').textContent()).trim().length > 0);
  }
  await context.close();
});
