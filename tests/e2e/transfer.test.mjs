// Export and import: one or all conversations as JSON (Bedrock's message format plus the
// page's record); an import checks the whole file first and a bad one changes nothing.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { freshChat, launch } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const sidebar = (chat) => chat.page.getByRole('navigation', { name: 'Conversations' });
const titles = (chat) => sidebar(chat).locator('.open-conversation').allTextContents();

async function download(chat, name) {
  const [file] = await Promise.all([
    chat.page.waitForEvent('download'),
    sidebar(chat).getByRole('button', { name }).click(),
  ]);
  return { name: file.suggestedFilename(), data: JSON.parse(await readFile(await file.path(), 'utf8')) };
}

test('conversations export as JSON and import into another browser, and a bad file changes nothing', async () => {
  const chat = await freshChat(browser);
  await chat.send('Export me please');
  await chat.waitForStatus(chat.reply(0), 'complete');
  await sidebar(chat).getByRole('button', { name: 'New chat' }).click();
  await chat.send('And me too');
  await chat.waitForStatus(chat.reply(0), 'complete');

  const one = await download(chat, 'Export conversation');
  assert.equal(one.name, 'and-me-too.json', 'named after its title');
  assert.equal(one.data.format, 'converse-edge.conversations');
  assert.deepEqual(one.data.conversations.map((c) => c.title), ['And me too']);
  const [user, reply] = one.data.conversations[0].messages;
  assert.deepEqual(user.message, { role: 'user', content: [{ text: 'And me too' }] });
  assert.equal(reply.message.role, 'assistant');
  assert.equal(reply.stopReason, 'end_turn');

  const all = await download(chat, 'Export all');
  assert.deepEqual(all.data.conversations.map((c) => c.title).sort(), ['And me too', 'Export me please']);

  // Another browser imports them.
  const other = await freshChat(browser);
  const importer = sidebar(other).getByLabel('Import conversations');
  await importer.setInputFiles({ name: 'all.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(all.data)) });
  await sidebar(other).getByRole('status').filter({ hasText: 'Imported 2 conversations.' }).waitFor();
  assert.deepEqual((await titles(other)).sort(), ['And me too', 'Export me please']);
  await sidebar(other).getByRole('button', { name: 'Export me please', exact: true }).click();
  await other.waitForStatus(other.reply(0), 'complete');
  assert.match(await other.replyText(0), /^You said: “Export me please”/);

  // A damaged file: reported, nothing imported, nothing changed.
  const broken = structuredClone(all.data);
  broken.conversations[1].messages[1].id = broken.conversations[1].messages[0].id;
  broken.conversations[0].title = 'Should not appear';
  await importer.setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(broken)) });
  await sidebar(other).getByRole('status').filter({ hasText: /^Import failed: conversations\[1\]\.messages\[1\]: message id \d+ appears twice\. Nothing was changed\.$/ }).waitFor();
  await importer.setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
  await sidebar(other).getByRole('status').filter({ hasText: /^Import failed: this is not a conversations file/ }).waitFor();
  await other.reload();
  await other.waitForStatus(other.reply(0), 'complete');
  assert.deepEqual((await titles(other)).sort(), ['And me too', 'Export me please']);

  // A conversation it already has, unchanged, is not imported twice (it used to be copied).
  const again = { name: 'one.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(one.data)) };
  await sidebar(other).getByLabel('Import conversations').setInputFiles(again);
  await sidebar(other).getByRole('status').filter({ hasText: 'Imported 0 conversations. 1 conversation was already here.' }).waitFor();
  assert.deepEqual((await titles(other)).sort(), ['And me too', 'Export me please']);
  // One that changed since is kept beside it (a taken id gets a new one).
  const changed = structuredClone(one.data);
  changed.conversations[0].updatedAt += 1000;
  await sidebar(other).getByLabel('Import conversations').setInputFiles({ ...again, buffer: Buffer.from(JSON.stringify(changed)) });
  await sidebar(other).getByRole('status').filter({ hasText: /^Imported 1 conversation\.$/ }).waitFor();
  assert.deepEqual((await titles(other)).sort(), ['And me too', 'And me too', 'Export me please']);
  await chat.page.context().close();
  await other.page.context().close();
});
