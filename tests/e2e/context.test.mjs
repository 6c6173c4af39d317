// The context window: a meter of what the next request will use, the oldest turns left out
// or summarised before a send would not fit, and "Trim and retry" when Bedrock says a
// request is too long.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { lastRequest } from './http.mjs';
import { STANDIN_URL } from './env.mjs';
import { freshChat, launch } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const TITAN = 'amazon.titan-text-lite-v1'; // a 4,000-token window
const SONNET_35 = 'us.anthropic.claude-3-5-sonnet-20240620-v1:0'; // Bedrock counts its tokens
const lastCount = async () => JSON.parse(await (await fetch(`${STANDIN_URL}/_stand-in/last-count`)).text());

async function titanChat(strategy) {
  const chat = await freshChat(browser);
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${TITAN}"]`).waitFor({ state: 'attached' });
  await model.selectOption(TITAN);
  if (strategy) {
    await chat.page.getByText('Settings', { exact: true }).click();
    await chat.page.getByLabel('When the conversation outgrows the context window').selectOption(strategy);
    await chat.page.getByText('Settings', { exact: true }).click();
  }
  return chat;
}

async function say(chat, n, text) {
  await chat.send(text);
  await chat.waitForStatus(chat.reply(n), 'complete');
}

test('the meter shows what the next request will use of the model\'s window', async () => {
  const chat = await freshChat(browser);
  const meter = chat.page.getByRole('meter', { name: 'Context window used' });
  assert.equal(await meter.getAttribute('max'), '200000');
  assert.equal(await meter.getAttribute('value'), '0');
  await say(chat, 0, 'How big is this?');
  const usage = await chat.reply(0).locator('.usage').textContent();
  const [, input, output] = /^(\d+) in · (\d+) out/.exec(usage);
  // What Bedrock reported for the reply covers everything so far.
  assert.equal(Number(await meter.getAttribute('value')), Number(input) + Number(output));
  assert.match(await chat.page.locator('.status-line .context').textContent(), /^Context: \d+ of 200000 tokens \(0%\)/);

  // What is being written counts too (a 100,000-word draft used to show 0 %).
  const before = Number(await meter.getAttribute('value'));
  await chat.input.fill('word '.repeat(20_000));
  await chat.page.waitForFunction(([el, floor]) => Number(el.getAttribute('value')) > floor,
    [await meter.elementHandle(), before + 15_000]);
  await chat.input.fill('');
  await chat.page.waitForFunction(([el, back]) => Number(el.getAttribute('value')) === back,
    [await meter.elementHandle(), before]);
  await chat.page.context().close();
});

test('for a model Bedrock counts, the meter shows Bedrock\'s count of the next request, and says which it shows', async () => {
  const chat = await freshChat(browser);
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${SONNET_35}"]`).waitFor({ state: 'attached' });
  await model.selectOption(SONNET_35);
  const meter = chat.page.getByRole('meter', { name: 'Context window used' });
  const label = chat.page.locator('.status-line .context');
  const counted = () => label.filter({ hasText: 'counted by Bedrock' }).waitFor();

  // The draft is counted once typing rests: by the foundation model the profile routes to.
  await chat.input.fill('one two three four five six seven');
  await counted();
  const sent = await lastCount();
  assert.deepEqual(sent.input.converse.messages, [{ role: 'user', content: [{ text: 'one two three four five six seven' }] }]);
  const before = Number(await meter.getAttribute('value'));
  // What Bedrock then bills for that request is what the meter showed.
  await chat.input.press('Enter');
  await chat.waitForStatus(chat.reply(0), 'complete');
  const [, input] = /^(\d+) in/.exec(await chat.reply(0).locator('.usage').textContent());
  assert.equal(before, Number(input));

  // After the reply, the history is counted (the reply too), and a change shows an estimate
  // until its count comes.
  await counted();
  const history = Number(await meter.getAttribute('value'));
  assert.ok(history > before, `${history} > ${before}`);
  await chat.input.fill('and a few more words');
  await counted();
  assert.equal((await lastCount()).input.converse.messages.length, 3);
  const withDraft = Number(await meter.getAttribute('value'));
  assert.equal(withDraft, history + 5);
  // Back to a state counted before: answered from the counts had, with no call.
  await chat.input.fill('');
  await chat.page.waitForFunction(([el, n]) => Number(el.getAttribute('value')) === n, [await meter.elementHandle(), history]);
  await counted();
  assert.equal((await lastCount()).input.converse.messages.length, 3, 'no new count was asked for');

  // A model Bedrock does not count: an estimate, said to be one.
  await model.selectOption('us.amazon.nova-lite-v1:0');
  await label.filter({ hasText: /· estimated$/ }).waitFor();
  assert.match(await label.getAttribute('title'), /does not count this model's tokens/);
  await chat.page.context().close();
});

test('the oldest turns are left out when a send would not fit, and the request still starts with the user', async () => {
  const chat = await titanChat();
  const long = (tag) => `${tag} ${'lorem '.repeat(700)}`; // ~1,050 estimated tokens
  await say(chat, 0, long('first'));
  await say(chat, 1, long('second'));
  await say(chat, 2, long('third'));
  const sent = await lastRequest();
  assert.equal(sent.messages[0].role, 'user');
  assert.ok(sent.messages[0].content[0].text.startsWith('second'), 'the first turn was left out');
  assert.equal(sent.messages.length, 3);
  await chat.reply(2).getByText(/2 earlier messages were left out to fit Amazon Titan Text Lite's context window/).waitFor();
  // Nothing is lost on the page: every message is still there.
  assert.equal(await chat.userMessages.count(), 3);
  await chat.page.context().close();
});

test('with "summarise", the oldest turns are replaced by the model\'s summary of them', async () => {
  const chat = await titanChat('summarise');
  const long = (tag) => `${tag} ${'lorem '.repeat(700)}`;
  await say(chat, 0, long('first'));
  await say(chat, 1, long('second'));
  await say(chat, 2, long('third'));
  const sent = await lastRequest();
  const opening = sent.messages[0].content[0].text;
  // The stand-in's "summary" quotes the request it was asked in.
  assert.match(opening, /^Summary of the earlier conversation: You said: “Summarise the conversation so far/);
  assert.ok(sent.messages[0].content[1].text.startsWith('second'));
  await chat.reply(2).getByText(/2 earlier messages were summarised/).waitFor();
  // The person can read what the model now gets instead of those turns, also after a reload.
  const note = chat.page.locator('details.summary-note');
  await note.getByText('Earlier turns are sent to the model as this summary').click();
  assert.match(await note.locator('p').textContent(), /^You said: “Summarise the conversation so far/);
  // The summary is kept: the next request starts from it without asking again.
  await say(chat, 3, 'short');
  assert.match((await lastRequest()).messages[0].content[0].text, /^Summary of the earlier conversation:/);
  await chat.reload();
  await chat.waitForStatus(chat.reply(3), 'complete');
  await note.getByText('Earlier turns are sent to the model as this summary').waitFor();
  await chat.page.context().close();
});

test('"Input is too long" from Bedrock offers Trim and retry, which fits the request and answers', async () => {
  const chat = await titanChat();
  // Short words: the page's estimate (4 characters a token) is below the model's count.
  await say(chat, 0, `one ${'a '.repeat(1500)}`);
  await say(chat, 1, `two ${'a '.repeat(1500)}`);
  await chat.send(`three ${'a '.repeat(1200)}`);
  const failed = chat.reply(2);
  await chat.waitForStatus(failed, 'error');
  assert.match(await failed.getByRole('alert').textContent(), /^Trim the conversation and retry, or choose a model with a larger context window: .* Input is too long.* \(ValidationException\)$/);
  await failed.getByRole('button', { name: 'Trim and retry' }).click();
  await chat.waitForStatus(chat.reply(2), 'complete');
  const sent = await lastRequest();
  assert.ok(sent.messages.length < 5, `${sent.messages.length} messages sent`);
  assert.ok(sent.messages[0].content[0].text.startsWith('three'));
  assert.equal(await chat.userMessages.count(), 3, 'every message stays on the page');

  // A reply that stops with model_context_window_exceeded offers it too.
  await chat.send('overflow [stand-in:context-window]');
  await chat.waitForStatus(chat.reply(3), 'complete');
  await chat.reply(3).getByRole('button', { name: 'Trim and retry' }).waitFor();
  await chat.page.context().close();
});
