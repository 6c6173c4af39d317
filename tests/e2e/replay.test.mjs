// The page driven by real Bedrock output: replies recorded from real Bedrock
// (tests/fixtures/realcases) replayed by the stand-in, frames split at every position, into the
// chat page in Chromium. What it shows is what the recorded deltas say, and the conversation
// goes on: what the page sends back is accepted by the stand-in, which judges as Bedrock does.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { lastRequest } from './http.mjs';
import { freshChat, launch } from './page.mjs';
import { fixture, frames, textBlocks } from './realcases.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function replayed(chat, id, n) {
  await chat.send(`[stand-in:replay ${id}]`);
  await chat.waitForStatus(chat.reply(n), 'complete');
  return textBlocks(frames(await fixture(`accepted/${id}.response.bin`)));
}

test('a real Claude reply with signed reasoning shows its text, and the conversation goes on', async () => {
  const chat = await freshChat(browser);
  const [text] = await replayed(chat, 'pyd-93', 0);
  assert.equal(await chat.replyText(0), text);
  await chat.send('Thank you');
  await chat.waitForStatus(chat.reply(1), 'complete');
  const sent = await lastRequest();
  assert.equal(sent.messages[1].role, 'assistant');
  assert.ok(sent.messages[1].content.some((b) => b.text === text), 'the reply is sent back as it came');
});

test('a real gpt-oss reply that opens with an empty text block can be continued', async () => {
  const chat = await freshChat(browser);
  const blocks = await replayed(chat, 'pyd-74', 0);
  assert.equal(blocks[0], '', 'the recording opens with an empty text block');
  assert.equal((await chat.replyText(0)).trim(), blocks.join('').trim());
  await chat.send('And now?');
  await chat.waitForStatus(chat.reply(1), 'complete');
  const sent = await lastRequest();
  assert.ok(sent.messages[1].content.every((b) => b.text !== ''), 'no empty text block goes back to Bedrock');
});
