// Prompt caching from the page (https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html):
// Settings offers the lifetimes the model takes (five minutes; an hour besides on Claude's 4.5
// generation), the page marks the last two user turns as checkpoints, and each reply says what
// the cache read back and wrote, by lifetime. The stand-in keeps a real cache: a prefix of at
// least the model's minimum (1,024 tokens on Claude Sonnet 4.5, a token per word here) is
// written, and read back by the next message.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { lastRequest } from './http.mjs';
import { freshChat, launch } from './page.mjs';

const SONNET_45 = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const SONNET_37 = 'us.anthropic.claude-3-7-sonnet-20250219-v1:0';
const HAIKU_3 = 'anthropic.claude-3-haiku-20240307-v1:0';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const cachePoints = (request) => request.messages.map((m) => m.content.filter((b) => b.cachePoint).map((b) => b.cachePoint));

async function useModel(chat, id) {
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${id}"]`).waitFor({ state: 'attached' });
  await model.selectOption(id);
}

test('with an hour chosen, the conversation is written to the cache once and read back by the next message', async () => {
  const chat = await freshChat(browser);
  await useModel(chat, SONNET_45);
  await chat.page.getByText('Settings', { exact: true }).click();
  const lifetime = chat.page.getByRole('combobox', { name: 'Prompt cache' });
  assert.deepEqual(await lifetime.locator('option').allTextContents(), ['Off', 'For five minutes', 'For an hour']);
  await lifetime.selectOption('1h');
  // A system prompt long enough to be cached (the model's minimum is 1,024 tokens).
  await chat.page.getByLabel('System prompt').fill(Array.from({ length: 1100 }, (_, i) => `rule${i}`).join(' '));

  await chat.send('First question');
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.deepEqual(cachePoints(await lastRequest()), [[{ type: 'default', ttl: '1h' }]]);
  // 1,100 words of system prompt and two of the message, written for an hour.
  assert.match(await chat.reply(0).locator('.usage').textContent(), /^0 in · \d+ out tokens · cache: 1102 written \(kept 1 h\)/);

  await chat.send('Second question');
  await chat.waitForStatus(chat.reply(1), 'complete');
  const second = await lastRequest();
  assert.deepEqual(cachePoints(second), [[{ type: 'default', ttl: '1h' }], [], [{ type: 'default', ttl: '1h' }]]);
  assert.match(await chat.reply(1).locator('.usage').textContent(), /cache: 1102 read \(not processed again\), \d+ written \(kept 1 h\)/);
  await chat.page.context().close();
});

test('a model with only five minutes gets checkpoints without a ttl, and one without caching gets none, saying so', async () => {
  const chat = await freshChat(browser);
  await useModel(chat, SONNET_45);
  await chat.page.getByText('Settings', { exact: true }).click();
  const lifetime = chat.page.getByRole('combobox', { name: 'Prompt cache' });
  await lifetime.selectOption('1h');

  await useModel(chat, SONNET_37);
  assert.deepEqual(await lifetime.locator('option').allTextContents(), ['Off', 'For five minutes']);
  await chat.send('Hello');
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.deepEqual(cachePoints(await lastRequest()), [[{ type: 'default' }]]);
  // Below the minimum nothing is cached, and the reply says nothing of a cache.
  assert.doesNotMatch(await chat.reply(0).locator('.usage').textContent(), /cache/);

  await useModel(chat, HAIKU_3);
  assert.equal(await lifetime.isDisabled(), true);
  await chat.page.getByText('Claude 3 Haiku takes no prompt caching.').waitFor();
  await chat.send('Again');
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.deepEqual(cachePoints(await lastRequest()), [[], [], []]);
  await chat.page.context().close();
});
