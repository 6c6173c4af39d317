// Citations: a document sent to a model that cites (Claude 3.5 Haiku, 3.7 and 4.x:
// https://docs.anthropic.com/en/docs/build-with-claude/citations) goes with
// `citations.enabled` (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CitationsConfig.html);
// the reply's cited passages are marked with their sources' numbers, and the sources listed
// under it, as part of the reply's Markdown. The stand-in cites each such document (its title, the passage, the characters).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { MODEL } from './env.mjs';
import { lastRequest } from './http.mjs';
import { freshChat, launch } from './page.mjs';

const SONNET_45 = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const NOTES = 'Ship on Friday. Tests first.';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function sendNotes(modelId) {
  const chat = await freshChat(browser);
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${modelId}"]`).waitFor({ state: 'attached' });
  await model.selectOption(modelId);
  await chat.page.getByLabel('Attach files').setInputFiles([{ name: 'meeting notes.txt', mimeType: 'text/plain', buffer: Buffer.from(NOTES) }]);
  await chat.send('What do the notes say?');
  await chat.waitForStatus(chat.reply(0), 'complete');
  const document = (await lastRequest()).messages[0].content.find((b) => b.document).document;
  return { chat, document };
}

test('a document sent to a model that cites is cited: the passage marked, its source listed, after a reload too', async () => {
  const { chat, document } = await sendNotes(SONNET_45);
  assert.deepEqual(document.citations, { enabled: true });
  const shown = async () => {
    const text = chat.reply(0).locator('.text');
    assert.match(await text.locator('p').first().textContent(), /meeting notes says “Ship on Friday\. Tests first\.”\. \[1\]$/);
    assert.equal(await text.locator('p > strong').last().textContent(), 'Sources');
    const items = text.locator('ol > li');
    assert.equal(await items.count(), 1);
    assert.match(await items.first().textContent(), /^meeting notes, characters 0–28/);
    assert.equal((await items.first().locator('blockquote').textContent()).trim(), NOTES);
  };
  await shown();
  await chat.reload();
  await chat.waitForStatus(chat.reply(0), 'complete');
  await shown();
  // The conversation goes on with the cited reply in its history.
  await chat.send('Thanks');
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.ok((await lastRequest()).messages[1].content.some((b) => b.citationsContent));
  await chat.page.context().close();
});

test('a model that gives no citations gets the document without asking, and lists no sources', async () => {
  const { chat, document } = await sendNotes(MODEL);
  assert.equal(document.citations, undefined);
  assert.doesNotMatch(await chat.replyText(0), /Sources/);
  await chat.page.context().close();
});
