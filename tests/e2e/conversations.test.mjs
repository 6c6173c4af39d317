// Conversations kept in the browser: the sidebar (new, open, search, rename, delete with
// Undo), the stored layout and its migration, and nothing lost to a reload or a bad record.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { RELAY_URL, STANDIN_URL } from './env.mjs';
import { lastRequest } from './http.mjs';
import { ChatPage, freshChat, launch, load } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const sidebar = (chat) => chat.page.getByRole('navigation', { name: 'Conversations' });
const titles = (chat) => sidebar(chat).locator('.open-conversation').allTextContents();

/** Polls `check` (async, truthy when done) until it holds: no fixed sleeps. */
async function until(check, what, timeout = 10_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Every record of one of the page's stores, parsed. */
function stored(page, store) {
  return page.evaluate((store) => new Promise((resolve, reject) => {
    const open = indexedDB.open('converse-edge');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains(store)) { db.close(); resolve([]); return; }
      const all = db.transaction(store).objectStore(store).getAll();
      all.onsuccess = () => { db.close(); resolve(all.result.map((r) => ({ key: r.key, ...JSON.parse(r.data) }))); };
      all.onerror = () => reject(all.error);
    };
  }), store);
}
const storedMessages = (page) => stored(page, 'messages');

/** Writes schema-1 records (whole conversations) into a fresh origin's storage. */
async function seedV1(page, records) {
  await load(page, `${RELAY_URL}/v1/health`);
  await page.evaluate((records) => new Promise((resolve, reject) => {
    const open = indexedDB.open('converse-edge', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('conversations', { keyPath: 'id' });
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('conversations', 'readwrite');
      for (const record of records) tx.objectStore('conversations').put(record);
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), records);
}

test('conversations are listed, opened, searched by title and by text, and renamed', async () => {
  const chat = await freshChat(browser);
  await chat.send('Alpha topic');
  await chat.waitForStatus(chat.reply(0), 'complete');
  await chat.send('Tell me about zebras');
  await chat.waitForStatus(chat.reply(1), 'complete');

  await sidebar(chat).getByRole('button', { name: 'New chat' }).click();
  assert.equal(await chat.replies.count(), 0, 'the new conversation is empty');
  await chat.send('Beta question');
  await chat.waitForStatus(chat.reply(0), 'complete');
  await until(async () => (await titles(chat)).length === 2, 'two conversations listed');
  assert.deepEqual(await titles(chat), ['Beta question', 'Alpha topic'], 'newest first, titled by the first message');

  // Opening one shows its messages.
  await sidebar(chat).getByRole('button', { name: 'Alpha topic', exact: true }).click();
  await until(async () => (await chat.replies.count()) === 2, 'the first conversation');
  assert.deepEqual(await chat.userMessages.locator('.text').allTextContents(), ['Alpha topic', 'Tell me about zebras']);
  assert.equal(await sidebar(chat).locator('[aria-current="page"]').textContent(), 'Alpha topic');

  // Search matches titles, and text inside the messages.
  const search = sidebar(chat).getByRole('searchbox', { name: 'Search conversations' });
  await search.fill('beta');
  await until(async () => (await titles(chat)).join() === 'Beta question', 'a title match');
  await search.fill('ZEBRA');
  await until(async () => (await titles(chat)).join() === 'Alpha topic', 'a text match');
  await search.fill('no such words anywhere');
  await sidebar(chat).getByText('No conversation matches.').waitFor();
  await search.fill('');

  // Rename: Enter keeps the new title, Escape keeps the old one; both survive a reload.
  await sidebar(chat).getByRole('button', { name: 'Rename “Alpha topic”' }).click();
  const field = sidebar(chat).getByRole('textbox', { name: 'Conversation title' });
  await field.fill('Animals');
  await field.press('Enter');
  await sidebar(chat).getByRole('button', { name: 'Animals', exact: true }).waitFor();
  await sidebar(chat).getByRole('button', { name: 'Rename “Beta question”' }).click();
  await field.fill('Not this');
  await field.press('Escape');
  await chat.reload();
  await until(async () => (await titles(chat)).length === 2, 'the list after a reload');
  assert.deepEqual((await titles(chat)).sort(), ['Animals', 'Beta question']);

  // A reload reopens the conversation that was open, also when it is not the newest.
  const current = () => sidebar(chat).locator('[aria-current="page"]').textContent();
  const [newest, older] = await titles(chat);
  await sidebar(chat).getByRole('button', { name: older, exact: true }).click();
  await until(async () => (await current()) === older, 'the older conversation open');
  await chat.reload();
  await until(async () => (await titles(chat)).length === 2, 'the list after a second reload');
  assert.equal((await titles(chat))[0], newest, 'opening a conversation does not make it the newest');
  await until(async () => (await current()) === older, 'the older conversation open again');
  const asked = older === 'Animals' ? ['Alpha topic', 'Tell me about zebras'] : ['Beta question'];
  await until(async () => (await chat.userMessages.locator('.text').allTextContents()).join() === asked.join(), 'its messages');
  await chat.page.context().close();
});

test('a deleted conversation comes back with Undo, and is gone for good otherwise', async () => {
  const chat = await freshChat(browser);
  for (const text of ['Keep me', 'Delete me']) {
    await sidebar(chat).getByRole('button', { name: 'New chat' }).click();
    await chat.send(text);
    await chat.waitForStatus(chat.reply(0), 'complete');
  }
  await until(async () => (await titles(chat)).length === 2, 'two conversations');

  await sidebar(chat).getByRole('button', { name: 'Delete “Delete me”' }).click();
  assert.deepEqual(await titles(chat), ['Keep me']);
  assert.equal(await chat.replies.count(), 0, 'the open conversation was the deleted one');
  await undo(chat.page).click();
  await until(async () => (await titles(chat)).length === 2, 'the conversation back');
  // It was open, so it is open again, where it was.
  await until(async () => (await chat.replyText(0).catch(() => '')).includes('Delete me'), 'its messages back');
  assert.equal(await sidebar(chat).locator('[aria-current="page"]').textContent(), 'Delete me');

  await sidebar(chat).getByRole('button', { name: 'Delete “Delete me”' }).click();
  // The deletion is saved before the page goes (a reload a moment earlier keeps it: nothing lost).
  await until(async () => (await stored(chat.page, 'threads')).some((t) => t.title === 'Delete me' && t.deletedAt),
    'the deletion saved');
  await chat.reload();
  await until(async () => (await titles(chat)).length === 1, 'the list after a reload');
  assert.deepEqual(await titles(chat), ['Keep me']);
  const left = await storedMessages(chat.page);
  assert.ok(left.every((m) => !JSON.stringify(m).includes('Delete me')), 'its messages are gone from storage');
  await chat.page.context().close();
});

/** The Undo button of the "Deleted …" notice. */
const undo = (page) => page.getByRole('status').filter({ hasText: 'Deleted' }).getByRole('button', { name: 'Undo' });

/**
 * Writes conversations into a fresh origin's storage, as schema 2 keeps them: each is
 * `{ id, title, updatedAt, texts }`, its messages alternating user and assistant.
 */
async function seedV2(page, conversations) {
  await load(page, `${RELAY_URL}/v1/health`);
  await page.evaluate((conversations) => new Promise((resolve, reject) => {
    const open = indexedDB.open('converse-edge', 2);
    open.onupgradeneeded = () => {
      for (const [name, keyPath] of [['conversations', 'id'], ['threads', 'id'], ['messages', 'key']]) {
        open.result.createObjectStore(name, { keyPath });
      }
    };
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction(['threads', 'messages'], 'readwrite');
      for (const { id, title, updatedAt, texts } of conversations) {
        const meta = { schemaVersion: 2, id, title, modelId: 'anthropic.claude-3-haiku-20240307-v1:0', createdAt: 1, updatedAt };
        tx.objectStore('threads').put({ id, updatedAt, data: JSON.stringify(meta) });
        texts.forEach((text, i) => {
          const message = { id: i + 1, message: { role: i % 2 ? 'assistant' : 'user', content: [{ text }] }, status: 'complete' };
          tx.objectStore('messages').put({ key: `${id}/${String(i + 1).padStart(16, '0')}`, data: JSON.stringify(message) });
        });
      }
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), conversations);
}

/** `count` conversations "Topic n" of two messages each, the newest last. */
const topics = (count) => Array.from({ length: count }, (_, i) => ({
  id: `c-seed-${i + 1}`, title: `Topic ${i + 1}`, updatedAt: i + 1, texts: [`question ${i + 1}`, `answer ${i + 1}`],
}));

for (const [width, height] of [[1280, 800], [390, 844], [320, 640]]) {
  test(`at ${width} px, deleting from a long list shows Undo on screen, and Undo reopens the open conversation`, async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width, height } });
    const page = await context.newPage();
    await seedV2(page, topics(40));
    await load(page, RELAY_URL);
    const nav = page.getByRole('navigation', { name: 'Conversations' });
    const phone = width < 720;
    if (phone) await page.getByRole('button', { name: 'Conversations' }).click();
    // The oldest, far down the list: reaching its delete button scrolls the sidebar.
    await nav.getByRole('button', { name: 'Delete “Topic 1”' }).click();
    const button = undo(page);
    await button.waitFor();
    const box = await button.boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= height && box.x >= 0 && box.x + box.width <= width,
      `Undo is within the ${width}×${height} window: ${JSON.stringify(box)}`);
    await button.click();
    await nav.getByRole('button', { name: 'Topic 1', exact: true }).waitFor();
    await button.waitFor({ state: 'detached' });

    // The open conversation (the newest), deleted and brought back, is open again.
    const open = nav.getByRole('button', { name: 'Topic 40', exact: true });
    await until(async () => (await open.getAttribute('aria-current')) === 'page', 'the newest open');
    if (phone && !(await nav.isVisible())) await page.getByRole('button', { name: 'Conversations' }).click();
    await nav.getByRole('button', { name: 'Delete “Topic 40”' }).click();
    const main = page.getByRole('main', { name: 'Conversation' });
    await main.locator('article').first().waitFor({ state: 'detached' });
    await undo(page).click();
    await main.getByText('answer 40').waitFor();
    assert.equal(await open.getAttribute('aria-current'), 'page');
    await context.close();
  });
}

test('a reload in the middle of a reply keeps what had arrived, marked interrupted', async () => {
  const chat = await freshChat(browser);
  await chat.send('Keep this [stand-in:words-600] [stand-in:delay-10]');
  // The partial reply reaches storage while it streams.
  await until(async () => (await storedMessages(chat.page)).some(
    (m) => m.status === 'streaming' && /word\d+/.test(m.message.content[0]?.text ?? '')), 'a saved partial reply');
  await chat.reload();
  const reply = chat.reply(0);
  await chat.waitForStatus(reply, 'interrupted');
  assert.match(await chat.replyText(0), /^You said: “Keep this/);
  assert.ok(!(await chat.replyText(0)).includes('(Local Bedrock stand-in'), 'only what had arrived');
  await reply.getByText(/Interrupted/).waitFor();
  assert.deepEqual(await chat.userMessages.locator('.text').allTextContents(),
    ['Keep this [stand-in:words-600] [stand-in:delay-10]']);
  await chat.page.context().close();
});

test('opening another conversation in the middle of a reply keeps it, stopped, and the page keeps working', async () => {
  const chat = await freshChat(browser);
  const crashes = [];
  chat.page.on('pageerror', (e) => crashes.push(e.message));
  chat.page.on('console', (m) => { if (/panicked|disposed/.test(m.text())) crashes.push(m.text()); });
  await chat.send('First conversation');
  await chat.waitForStatus(chat.reply(0), 'complete');
  await sidebar(chat).getByRole('button', { name: 'New chat' }).click();
  await chat.send('Long one [stand-in:words-600] [stand-in:delay-10]');
  await until(async () => /word\d+/.test(await chat.replyText(0)), 'the reply under way');

  // Away while it streams (the conversation left behind is let go of), and back.
  await sidebar(chat).getByRole('button', { name: 'First conversation', exact: true }).click();
  await until(async () => (await chat.userMessages.locator('.text').allTextContents()).join() === 'First conversation',
    'the first conversation');
  await sidebar(chat).locator('.open-conversation', { hasText: 'Long one' }).click();
  await chat.waitForStatus(chat.reply(0), 'stopped');
  assert.match(await chat.replyText(0), /word\d+/, 'what had arrived is kept');

  // The page still answers, in this conversation and after switching again.
  await chat.send('Still there?');
  await chat.waitForStatus(chat.reply(1), 'complete');
  await sidebar(chat).getByRole('button', { name: 'First conversation', exact: true }).click();
  await chat.send('And here?');
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.deepEqual(crashes, []);
  await chat.page.context().close();
});

test('New chat in the middle of a reply keeps that reply as stopped, not as cut off by a closed page', async () => {
  const chat = await freshChat(browser);
  await chat.send('Long one [stand-in:words-600] [stand-in:delay-10]');
  await until(async () => /word\d+/.test(await chat.replyText(0)), 'the reply under way');
  await sidebar(chat).getByRole('button', { name: 'New chat' }).click();
  await until(async () => (await storedMessages(chat.page)).some((m) => m.status === 'stopped'), 'the reply saved as stopped');
  await sidebar(chat).locator('.open-conversation', { hasText: 'Long one' }).click();
  await chat.waitForStatus(chat.reply(0), 'stopped');
  await chat.reload();
  await chat.waitForStatus(chat.reply(0), 'stopped');
  assert.equal(await chat.reply(0).getByText(/page closed/).count(), 0);
  assert.match(await chat.replyText(0), /word\d+/, 'what had arrived is kept');
  await chat.page.context().close();
});

test('schema-1 conversations are moved to the current layout, and a damaged one does not hide the rest', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const conversation = {
    schemaVersion: 1, id: 'c-old', title: 'From the old layout', modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
    createdAt: 1000, updatedAt: 2000, toolChoice: 'any',
    messages: [
      { id: 1, message: { role: 'user', content: [{ text: 'An old question' }] }, status: 'complete' },
      { id: 2, message: { role: 'assistant', content: [{ text: 'An old **answer**' }] }, status: 'complete',
        usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 } },
    ],
  };
  await seedV1(page, [
    { id: 'c-old', updatedAt: 2000, data: JSON.stringify(conversation) },
    { id: 'c-bad', updatedAt: 3000, data: '{"schemaVersion":1,"id":"c-bad", truncated' },
  ]);
  await load(page, RELAY_URL);
  const nav = page.getByRole('navigation', { name: 'Conversations' });
  await nav.getByRole('button', { name: 'From the old layout', exact: true }).waitFor();
  const main = page.getByRole('main', { name: 'Conversation' });
  await main.locator('article.assistant strong').filter({ hasText: 'answer' }).waitFor();
  assert.match(await page.getByRole('alert').filter({ hasText: 'could not be read' }).textContent(),
    /1 stored conversation could not be read/);
  const moved = await storedMessages(page);
  assert.deepEqual(moved.map((m) => m.key), ['c-old/0000000000000001', 'c-old/0000000000000002']);
  await context.close();
});

test('a long conversation opens at its end, and earlier messages are shown on request', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const texts = Array.from({ length: 230 }, (_, i) => `message ${i + 1}`);
  await seedV2(page, [{ id: 'c-long', title: 'Long', updatedAt: 2, texts }]);
  await load(page, RELAY_URL);
  const main = page.getByRole('main', { name: 'Conversation' });
  const articles = main.locator('article');
  await articles.last().filter({ hasText: 'message 230' }).waitFor();
  assert.equal(await articles.count(), 100);
  // It opens showing its latest message (it used to open at the top of the window, its oldest).
  const gap = () => main.evaluate((m) => m.scrollHeight - m.scrollTop - m.clientHeight);
  await until(async () => (await gap()) < 30, 'the view at the latest message', 5_000);
  assert.ok(await articles.last().isVisible());
  // Scrolled up with no reply arriving, "Jump to latest" is offered, and brings the end back.
  await main.evaluate((m) => { m.scrollTop = 0; });
  await page.getByRole('button', { name: /Jump to latest/ }).click();
  await until(async () => (await gap()) < 30, 'the view back at the end', 5_000);
  await page.getByRole('button', { name: /Jump to latest/ }).waitFor({ state: 'detached' });
  assert.equal(await articles.first().locator('.text').textContent(), 'message 131');
  const earlier = page.getByRole('button', { name: 'Show earlier messages (130 more)' });
  await earlier.click();
  await page.getByRole('button', { name: 'Show earlier messages (30 more)' }).click();
  await articles.first().filter({ hasText: 'message 1' }).waitFor();
  assert.equal(await articles.count(), 230);
  assert.equal(await page.getByRole('button', { name: /Show earlier messages/ }).count(), 0);
  await context.close();
});

test('the list is grouped by date as chat pages do, and each new message says when it was written', async () => {
  const day = 86_400_000;
  const now = Date.now();
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const seeded = [['Old plans', 40], ['Midweek', 3], ['Last night', 1], ['This morning', 0]];
  await seedV2(page, seeded.map(([title, ago], i) => ({
    id: `c-dated-${i}`, title, updatedAt: now - ago * day, texts: [`about ${title}`, 'noted'],
  })));
  const chat = new ChatPage(page);
  await chat.open();
  const nav = page.getByRole('navigation', { name: 'Conversations' });
  await nav.getByRole('button', { name: 'Old plans', exact: true }).waitFor();
  // The month in the browser's own language, as the page names it.
  const month = await page.evaluate((at) => new Date(at).toLocaleString('default', { month: 'long', year: 'numeric' }), now - 40 * day);
  // Headings and rows in the order they are shown.
  const shown = await nav.locator('.date-group h2, .open-conversation').allTextContents();
  assert.deepEqual(shown, ['Today', 'This morning', 'Yesterday', 'Last night', 'Previous 7 days', 'Midweek', month, 'Old plans']);

  // Messages kept before times were show none; a new one shows its time, kept over a reload.
  assert.equal(await chat.conversation.locator('article time').count(), 0);
  await chat.send('What time is it?');
  await chat.waitForStatus(chat.reply(1), 'complete');
  const time = chat.userMessages.nth(1).locator('.who time');
  assert.match(await time.textContent(), /^\d{1,2}:\d{2}/);
  const written = Date.parse(await time.getAttribute('datetime'));
  assert.ok(Math.abs(written - Date.now()) < 60_000, `written at ${new Date(written).toISOString()}`);
  assert.match(await time.getAttribute('title'), new RegExp(String(new Date().getFullYear())));
  await chat.reload();
  await chat.userMessages.nth(1).waitFor();
  assert.equal(Date.parse(await chat.userMessages.nth(1).locator('.who time').getAttribute('datetime')), written);
  await context.close();
});

test('after its first reply the model names the conversation, unless Settings turns that off', async () => {
  const chat = await freshChat(browser, RELAY_URL, { titles: true });
  await chat.send('Plan a weekend in Porto with my sister');
  await chat.waitForStatus(chat.reply(0), 'complete');
  // The stand-in answers as models do ("Plan a weekend in."); the list shows it bare.
  await until(async () => (await titles(chat))[0] === 'Plan a weekend in', 'the generated title');
  const asked = await lastRequest();
  assert.match(asked.messages[0].content[0].text, /^Name this conversation in at most six words\. Reply with the title alone\.\n\nIt begins:\nPlan a weekend in Porto with my sister/);
  assert.deepEqual([asked.system, asked.inferenceConfig.maxTokens], [undefined, 24]);
  await chat.send('And where to eat?');
  await chat.waitForStatus(chat.reply(1), 'complete');
  await chat.reload();
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.equal((await titles(chat))[0], 'Plan a weekend in', 'kept, and not renamed by later turns');

  // Off: a new conversation's title stays its first message's start, and no naming call is made.
  await chat.page.getByText('Settings', { exact: true }).click();
  await chat.page.getByLabel('Let the model name new conversations').uncheck();
  await chat.page.keyboard.press('Escape');
  await sidebar(chat).getByRole('button', { name: 'New chat' }).click();
  const requests = async () => (await (await fetch(`${STANDIN_URL}/_stand-in/stats`)).json()).requests;
  const before = await requests();
  await chat.send('Another topic entirely');
  await chat.waitForStatus(chat.reply(0), 'complete');
  await chat.send('Still on it');
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.equal(await requests() - before, 2, 'two replies, no naming call');
  assert.equal((await titles(chat))[0], 'Another topic entirely');
  await chat.page.context().close();
});
