// Tool use in the page: the model asks, the page runs its built-in tool, the answer uses it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { TOOL_SECRET } from './env.mjs';
import { ChatPage, launch } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function freshChat() {
  const context = await browser.newContext({ ignoreHTTPSErrors: true }); // wrangler's local certificate
  const chat = new ChatPage(await context.newPage());
  await chat.open();
  return chat;
}

const call = (name, input) => `[stand-in:call ${name} ${JSON.stringify(input)}]`;

test('a calculation runs the calculator, shows its card, and the answer has the exact result', async () => {
  const chat = await freshChat();
  await chat.send(`What is 0.1 + 0.2? ${call('calculator', { expression: '0.1 + 0.2' })}`);
  const card = chat.page.getByRole('group', { name: 'Tool call calculator' });
  await card.and(chat.page.locator('[data-status="done"]')).waitFor();
  await card.locator('summary').click();
  assert.equal(await card.locator('.tool-result').textContent(), '0.3');
  assert.equal(await card.locator('.tool-input').textContent(), '{"expression":"0.1 + 0.2"}');
  // The model's next turn saw the result.
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.match(await chat.replyText(1), /^The tool results: calculator returned “0\.3”\./);
  // The tool turn stays in the conversation across a reload.
  await chat.page.reload();
  await chat.page.getByRole('group', { name: 'Tool call calculator' }).and(chat.page.locator('[data-status="done"]')).waitFor();
  await chat.page.context().close();
});

test('two tools asked for at once both run, and a failing tool is an error card the model still answers', async () => {
  const chat = await freshChat();
  await chat.send(`Both please ${call('calculator', { expression: '1 / 0' })} ${call('convert_units', { value: '1', from: 'mi', to: 'km' })}`);
  const failed = chat.page.getByRole('group', { name: 'Tool call calculator' });
  await failed.and(chat.page.locator('[data-status="failed"]')).waitFor();
  await failed.locator('summary').click();
  assert.equal(await failed.locator('.tool-result').textContent(), 'division by zero');
  await chat.page.getByRole('group', { name: 'Tool call convert_units' }).and(chat.page.locator('[data-status="done"]')).waitFor();
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.match(await chat.replyText(1),
    /calculator failed with “division by zero”; convert_units returned “1\.609344 km”/);
  await chat.page.context().close();
});

test('a deployer\'s HTTP tool runs through the relay, and its secret never reaches the page', async () => {
  const chat = await freshChat();
  await chat.send(`Where is my order? ${call('lookup_order', { orderId: 'B-7' })}`);
  const card = chat.page.getByRole('group', { name: 'Tool call lookup_order' });
  await card.and(chat.page.locator('[data-status="done"]')).waitFor();
  await card.locator('summary').click();
  assert.equal(await card.locator('.tool-result').textContent(), '{"echo":{"orderId":"B-7"},"secretSeen":true}');
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.match(await chat.replyText(1), /lookup_order returned “\{"echo":\{"orderId":"B-7"\},"secretSeen":true\}”/);
  const everything = await chat.page.evaluate(async () => {
    const entries = performance.getEntriesByType('resource').map((e) => e.name).join(' ');
    return document.documentElement.outerHTML + entries + JSON.stringify(localStorage);
  });
  assert.ok(!everything.includes(TOOL_SECRET), 'the tool secret is in the page');
  await chat.page.context().close();
});
