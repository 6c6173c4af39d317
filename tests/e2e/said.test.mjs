// The page says what happened to a reply: the model's reasoning, in a "Thinking" section that
// grows as it streams (and says so where the provider redacted it), and why a reply stopped
// when it was not the end of its turn, with the way on. Before #18 reasoning was never shown
// and every stop looked like a finished reply.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { lastRequest } from './http.mjs';
import { freshChat, launch } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const CLAUDE_37 = 'us.anthropic.claude-3-7-sonnet-20250219-v1:0';

async function pickModel(chat, id) {
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${id}"]`).waitFor({ state: 'attached' });
  await model.selectOption(id);
}

test('a reasoning model\'s thinking is shown under "Thinking", redacted reasoning said as such, and both survive a reload', async () => {
  const chat = await freshChat(browser);
  await pickModel(chat, CLAUDE_37);
  await chat.send('Think it over [stand-in:reasoning] [stand-in:redacted]');
  const reply = chat.reply(0);
  await chat.waitForStatus(reply, 'complete');
  const check = async () => {
    const thinking = reply.locator('details.thinking');
    await thinking.locator('summary').filter({ hasText: /^Thinking$/ }).click();
    // The stand-in's reasoning: "The user wrote N words. I will quote them back."
    assert.match(await thinking.locator('.thinking-text').textContent(), /^The user wrote \d+ words\. I will quote them back\.$/);
    await thinking.getByText(/encrypted by the provider/).waitFor();
    // The reasoning is not in the reply's text.
    assert.doesNotMatch(await chat.replyText(0), /I will quote them back/);
  };
  await check();
  // The next request sends the signed reasoning back, as Bedrock requires for Claude.
  await chat.send('And then?');
  await chat.waitForStatus(chat.reply(1), 'complete');
  const sent = (await lastRequest()).messages[1].content.map((b) => Object.keys(b)[0]);
  assert.deepEqual(sent.filter((k) => k === 'reasoningContent').length, 2, JSON.stringify(sent));
  await chat.reload();
  await chat.waitForStatus(chat.reply(0), 'complete');
  await check();
  assert.equal(await chat.reply(1).locator('details.thinking').count(), 0, 'a reply without reasoning has no Thinking section');
  await chat.page.context().close();
});

test('a reply stopped by a stop sequence says so, and a finished one says nothing', async () => {
  const chat = await freshChat(browser);
  await chat.page.getByText('Settings', { exact: true }).click();
  await chat.page.getByLabel('Stop sequences (one per line)').fill('gamma');
  await chat.page.getByLabel('Stop sequences (one per line)').blur();
  await chat.page.getByText('Settings', { exact: true }).click();
  await chat.send('alpha beta gamma delta');
  const reply = chat.reply(0);
  await chat.waitForStatus(reply, 'complete');
  const note = reply.locator('[data-stop-reason="stop_sequence"]');
  assert.match(await note.textContent(), /^Stopped at one of this conversation's stop sequences/);
  assert.doesNotMatch(await chat.replyText(0), /delta/);

  await chat.page.getByText('Settings', { exact: true }).click();
  await chat.page.getByLabel('Stop sequences (one per line)').fill('');
  await chat.page.getByLabel('Stop sequences (one per line)').blur();
  await chat.page.getByText('Settings', { exact: true }).click();
  await chat.send('one two');
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.equal(await chat.reply(1).locator('.stop-reason').count(), 0, 'end_turn needs no explanation');
  await chat.page.context().close();
});

test('extended thinking is switched on in Settings for a model that offers it, with its budget, and what it cannot go with is left out, said so', async () => {
  const chat = await freshChat(browser);
  const settings = chat.page.locator('.settings-panel');
  await chat.page.getByText('Settings', { exact: true }).click();
  // Claude 3 Haiku has none: the switch is off and says why.
  assert.equal(await settings.getByLabel('Extended thinking').isDisabled(), true);
  await settings.getByText('Claude 3 Haiku has no extended thinking.').waitFor();
  // Claude Sonnet 5.5 thinks adaptively ("adaptive thinking is on by default", AWS's model
  // cards for the 5.5 generation): no budget to set, and the page says why.
  await pickModel(chat, 'global.anthropic.claude-sonnet-5-5');
  assert.equal(await settings.getByLabel('Extended thinking').isDisabled(), true);
  await settings.getByText('Claude Sonnet 5.5 thinks on its own, as much as its effort asks: it takes no thinking budget.').waitFor();
  // Nor temperature or top P ("`temperature` is deprecated for this model", Claude Opus 4.7 on).
  assert.equal(await settings.getByLabel('Temperature').isDisabled(), true);
  assert.equal(await settings.getByLabel('Top P').isDisabled(), true);
  await settings.getByText('Claude Sonnet 5.5 sets its own sampling: it takes no temperature or top P.').waitFor();
  await pickModel(chat, CLAUDE_37);
  await settings.getByLabel('Temperature').fill('0.5');
  await settings.getByLabel('Temperature').blur();
  await settings.getByLabel('Extended thinking').check();
  await settings.getByLabel('Thinking budget (tokens)').fill('2048');
  await settings.getByLabel('Thinking budget (tokens)').blur();
  await chat.page.keyboard.press('Escape');

  await chat.send('Think about this');
  const reply = chat.reply(0);
  await chat.waitForStatus(reply, 'complete');
  const sent = await lastRequest();
  // AWS: thinking is {"type": "enabled", "budget_tokens": N}, maxTokens above it, no temperature.
  assert.deepEqual(sent.additionalModelRequestFields, { thinking: { type: 'enabled', budget_tokens: 2048 } });
  assert.ok(sent.inferenceConfig.maxTokens > 2048, JSON.stringify(sent.inferenceConfig));
  assert.equal(sent.inferenceConfig.temperature, undefined);
  await reply.locator('details.thinking').waitFor();
  assert.match(await reply.locator('.note').first().textContent(), /Temperature and top P were left out: Claude 3\.7 Sonnet takes neither while it thinks\./);
  await chat.page.context().close();
});
