// Search results from tools: a deployer's tool may answer in Converse's own terms
// (`"resultFormat": "converse"`, `{"content": [...]}`), search results among them
// (`SearchResultBlock`: source, title, content; "only supported by Anthropic Claude Opus 4.1,
// Opus 4, Sonnet 4.5, Sonnet 4, Sonnet 3.7, and 3.5 Haiku models", the service model). The page
// lists them under the tool's call, asks the models that cite them for citations
// (https://platform.claude.com/docs/en/build-with-claude/search-results) and shows the cited
// sources with their links; to a model that takes none, they go as text. The tool is the
// stand-in's small help centre (`/_stand-in/tools/search`).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { STANDIN_URL, TOOL_SECRET } from './env.mjs';
import { lastRequest } from './http.mjs';
import { freshChat, ownDeployment } from './page.mjs';

const SONNET_45 = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const NOVA = 'us.amazon.nova-lite-v1:0';

const own = ownDeployment({
  PAGE_ACCESS: 'open',
  ALLOWED_MODELS: `${SONNET_45},${NOVA}`,
  TOOL_SECRET,
  TOOLS: JSON.stringify([{
    name: 'search_help',
    description: 'Searches the help centre.',
    inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
    url: `${STANDIN_URL}/_stand-in/tools/search`,
    headers: { 'x-tool-secret': { secret: 'TOOL_SECRET' } },
    resultFormat: 'converse',
  }]),
});

const ask = (query) => `How do returns work? [stand-in:call search_help ${JSON.stringify({ query })}]`;
const card = (chat) => chat.page.getByRole('group', { name: 'Tool call search_help' });

async function chatWith(modelId) {
  const chat = await freshChat(own.browser, own.url);
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${modelId}"]`).waitFor({ state: 'attached' });
  await model.selectOption(modelId);
  return chat;
}

/** The tool-result blocks the page sent to the model in answer to the call. */
async function sentResults() {
  const { messages } = await lastRequest();
  return messages.at(-1).content.find((b) => b.toolResult).toolResult.content;
}

test('a tool\'s search results are listed under its call, cited in the answer with their links, after a reload too', async () => {
  const chat = await chatWith(SONNET_45);
  await chat.send(ask('returns'));
  await card(chat).and(chat.page.locator('[data-status="done"]')).waitFor();
  await chat.waitForStatus(chat.reply(1), 'complete');

  // Sent as search results, with citations asked for.
  const sent = await sentResults();
  assert.deepEqual(sent.map((b) => b.searchResult.title), ['Returns and refunds', 'Shipping']);
  assert.ok(sent.every((b) => b.searchResult.citations?.enabled === true));

  const shown = async () => {
    await card(chat).locator('summary').click();
    const found = card(chat).getByRole('list', { name: 'Sources found' }).getByRole('listitem');
    assert.equal(await found.count(), 2);
    const link = found.first().getByRole('link', { name: 'Returns and refunds' });
    assert.equal(await link.getAttribute('href'), 'https://shop.test/help/returns');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await found.first().locator('.tool-source').textContent(), 'https://shop.test/help/returns');
    // The answer cites them: each passage marked, the sources listed under it as links.
    const text = chat.reply(1).locator('.text');
    assert.match(await text.textContent(), /Returns and refunds says “Items can be returned within 30 days for a full refund\.”\. \[1\]/);
    const sources = text.locator('ol > li');
    assert.equal(await sources.count(), 2);
    assert.match(await sources.first().textContent(), /^Returns and refunds, search result 1/);
    assert.equal(await sources.first().getByRole('link').getAttribute('href'), 'https://shop.test/help/returns');
  };
  await shown();
  await chat.reload();
  await chat.waitForStatus(chat.reply(1), 'complete');
  await shown();
  await chat.page.context().close();
});

test('a source that is not a web address is listed without a link', async () => {
  const chat = await chatWith(SONNET_45);
  await chat.send(ask('repairs'));
  await card(chat).and(chat.page.locator('[data-status="done"]')).waitFor();
  await card(chat).locator('summary').click();
  const found = card(chat).getByRole('list', { name: 'Sources found' }).getByRole('listitem');
  assert.equal(await found.count(), 1);
  assert.equal(await found.first().getByRole('link').count(), 0);
  assert.equal(await found.first().textContent(), 'Warranty kb://warranty/7');
  await chat.page.context().close();
});

test('to a model that takes no search results, they go as text with their sources, and the answer uses them', async () => {
  const chat = await chatWith(NOVA);
  await chat.send(ask('returns'));
  await chat.waitForStatus(chat.reply(1), 'complete');
  const sent = await sentResults();
  assert.deepEqual(sent.map((b) => Object.keys(b)[0]), ['text', 'text']);
  assert.equal(sent[0].text, 'Returns and refunds (https://shop.test/help/returns):\nItems can be returned within 30 days for a full refund.');
  assert.match(await chat.replyText(1), /^The tool results: search_help returned “Returns and refunds \(https:\/\/shop\.test\/help\/returns\)/);
  assert.doesNotMatch(await chat.replyText(1), /\[1\]/);
  // The card lists them all the same.
  await card(chat).locator('summary').click();
  assert.equal(await card(chat).getByRole('list', { name: 'Sources found' }).getByRole('listitem').count(), 2);
  await chat.page.context().close();
});
