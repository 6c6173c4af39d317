// Attachments: images and documents by picker, paste and drag-and-drop; checked in the
// browser against Bedrock's limits with a clear message; previewed; sent as content blocks;
// kept with the conversation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { lastRequest } from './http.mjs';
import { freshChat, launch } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// The smallest valid PNG: 1×1 pixel.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const picker = (chat) => chat.page.getByLabel('Attach files');
const pending = (chat) => chat.page.getByRole('list', { name: 'Attachments' });

test('an image and a document chosen with the picker are previewed, sent as Bedrock blocks, and kept', async () => {
  const chat = await freshChat(browser);
  await picker(chat).setInputFiles([
    { name: 'dot.png', mimeType: 'image/png', buffer: PNG },
    { name: 'meeting notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Ship on Friday.') },
  ]);
  await pending(chat).getByRole('img', { name: /png image/ }).waitFor();
  await pending(chat).getByText('meeting notes (1 KB)').waitFor();

  await chat.send('What do these say?');
  await chat.waitForStatus(chat.reply(0), 'complete');
  const [first] = (await lastRequest()).messages;
  assert.deepEqual(first.content[0], { image: { format: 'png', source: { bytes: PNG.toString('base64') } } });
  assert.deepEqual(first.content[1], {
    document: { name: 'meeting notes', format: 'txt', source: { bytes: Buffer.from('Ship on Friday.').toString('base64') } },
  });
  assert.deepEqual(first.content[2], { text: 'What do these say?' });
  assert.equal(await pending(chat).count(), 0, 'the composer is empty again');

  const shown = chat.userMessages.nth(0).getByRole('list', { name: 'Attached files' });
  await shown.getByRole('img').waitFor();
  await chat.reload();
  await chat.waitForStatus(chat.reply(0), 'complete');
  await chat.userMessages.nth(0).getByRole('list', { name: 'Attached files' }).getByText('meeting notes (1 KB)').waitFor();
  const src = await chat.userMessages.nth(0).getByRole('img').getAttribute('src');
  assert.match(src, /^blob:/);
  await chat.page.context().close();
});

test('files waiting to be sent are still there after a reload, and gone once sent', async () => {
  const chat = await freshChat(browser);
  await picker(chat).setInputFiles([
    { name: 'dot.png', mimeType: 'image/png', buffer: PNG },
    { name: 'plan.md', mimeType: 'text/markdown', buffer: Buffer.from('# Plan') },
  ]);
  await pending(chat).getByText('plan (1 KB)').waitFor();
  await chat.input.fill('What is in the plan?');
  // The page saves them as they are added; wait for that write, not for a time.
  await chat.page.waitForFunction(() => new Promise((resolve) => {
    const open = indexedDB.open('converse-edge');
    open.onsuccess = () => {
      const read = open.result.transaction('drafts').objectStore('drafts').get('pending');
      read.onsuccess = () => resolve(read.result?.data.includes('plan') ?? false);
    };
  }));
  await chat.reload();
  await pending(chat).getByRole('img', { name: /png image/ }).waitFor();
  await pending(chat).getByText('plan (1 KB)').waitFor();
  assert.equal(await chat.input.inputValue(), 'What is in the plan?');

  await chat.input.press('Enter');
  await chat.waitForStatus(chat.reply(0), 'complete');
  const [first] = (await lastRequest()).messages;
  assert.deepEqual(first.content.map((b) => Object.keys(b)[0]), ['image', 'document', 'text']);
  await chat.reload();
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.equal(await pending(chat).count(), 0, 'sent files are not offered again');
  await chat.page.context().close();
});

test('files Bedrock would refuse are refused here, each with the reason, and the good ones stay', async () => {
  const chat = await freshChat(browser);
  await picker(chat).setInputFiles([
    { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') },
    { name: 'huge.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(4_600_000, 1) },
    { name: 'tool.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') },
    { name: 'ok.png', mimeType: 'image/png', buffer: PNG },
  ]);
  const alerts = chat.page.locator('.send-error[role="alert"]');
  await alerts.nth(2).waitFor();
  const texts = await alerts.allTextContents();
  assert.match(texts[0], /^fake\.png: the bytes are not a png image/);
  assert.match(texts[1], /^huge\.pdf: the document is 4\.60 MB; the limit is 4\.5 MB/);
  assert.match(texts[2], /^tool\.exe: only images .* and documents .* can be attached/);
  assert.equal(await pending(chat).getByRole('listitem').count(), 1);

  // Removing one takes it out of the message.
  await pending(chat).getByRole('button', { name: /^Remove png image/ }).click();
  assert.equal(await pending(chat).count(), 0);

  // A document needs words with it; the draft and the file stay.
  await picker(chat).setInputFiles([{ name: 'a.md', mimeType: 'text/markdown', buffer: Buffer.from('# hi') }]);
  await pending(chat).getByText(/^a \(/).waitFor();
  await chat.input.press('Enter');
  await chat.page.getByRole('alert').filter({ hasText: 'write a message to go with the document' }).waitFor();
  assert.equal(await pending(chat).getByRole('listitem').count(), 1);

  // A model that takes no images says so (the document waiting to go, it takes: no warning).
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator('option[value="amazon.titan-text-lite-v1"]').waitFor({ state: 'attached' });
  await model.selectOption('amazon.titan-text-lite-v1');
  assert.equal(await model.inputValue(), 'amazon.titan-text-lite-v1');
  await picker(chat).setInputFiles([{ name: 'dot.png', mimeType: 'image/png', buffer: PNG }]);
  await chat.page.getByRole('alert').filter({ hasText: 'dot.png: Amazon Titan Text Lite takes no images' }).waitFor();
  await chat.page.context().close();
});

test('switching to a model that cannot take what the conversation holds warns first: stay, or switch and send a note in its place', async () => {
  const chat = await freshChat(browser);
  const TITAN = 'amazon.titan-text-lite-v1';
  await picker(chat).setInputFiles([{ name: 'dot.png', mimeType: 'image/png', buffer: PNG }]);
  await pending(chat).getByRole('img', { name: /png image/ }).waitFor();
  await chat.send('What is this?');
  await chat.waitForStatus(chat.reply(0), 'complete');

  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${TITAN}"]`).waitFor({ state: 'attached' });
  await model.selectOption(TITAN);
  const warning = chat.page.getByRole('alert').filter({ hasText: 'This conversation holds 1 image that Amazon Titan Text Lite cannot take' });
  await warning.getByRole('button', { name: 'Keep the current model' }).click();
  await warning.waitFor({ state: 'detached' });
  assert.equal(await model.inputValue(), 'anthropic.claude-3-haiku-20240307-v1:0');

  await model.selectOption(TITAN);
  await warning.getByRole('button', { name: 'Switch anyway' }).click();
  assert.equal(await model.inputValue(), TITAN);
  // Every later message used to fail with a ValidationException; now the image goes as words.
  await chat.send('And now?');
  await chat.waitForStatus(chat.reply(1), 'complete');
  const [first] = (await lastRequest()).messages;
  assert.deepEqual(first.content, [
    { text: '[an image was left out: Amazon Titan Text Lite takes no images]' },
    { text: 'What is this?' },
  ]);
  assert.match(await chat.reply(1).locator('.note').first().textContent(), /1 image of this conversation went as a note/);
  await chat.page.context().close();
});

test('files can be pasted into the message and dropped on the composer', async () => {
  const chat = await freshChat(browser);
  const transfer = (name, type, base64) => chat.page.evaluateHandle(({ name, type, base64 }) => {
    const data = new DataTransfer();
    data.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type }));
    return data;
  }, { name, type, base64 });

  const pasted = await transfer('pasted.png', 'image/png', PNG.toString('base64'));
  await chat.input.evaluate((el, clipboardData) => {
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }));
  }, pasted);
  await pending(chat).getByRole('listitem').first().waitFor();

  const dropped = await transfer('dropped.csv', 'text/csv', Buffer.from('a,b\n1,2\n').toString('base64'));
  await chat.page.locator('form.composer').dispatchEvent('drop', { dataTransfer: dropped });
  await pending(chat).getByText('dropped (1 KB)').waitFor();
  assert.equal(await pending(chat).getByRole('listitem').count(), 2);

  await chat.send('Both');
  await chat.waitForStatus(chat.reply(0), 'complete');
  const kinds = (await lastRequest()).messages[0].content.map((b) => Object.keys(b)[0]);
  assert.deepEqual(kinds, ['image', 'document', 'text']);
  await chat.page.context().close();
});
