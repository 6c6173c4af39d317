// Controls on messages: Regenerate, Edit and resend, Continue after max_tokens, Retry after
// an error in the middle of a stream; and what each reply cost and took.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { lastRequest } from './http.mjs';
import { freshChat, launch } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });


test('Regenerate answers the last message again, replacing the reply', async () => {
  const chat = await freshChat(browser);
  await chat.send('First question');
  await chat.waitForStatus(chat.reply(0), 'complete');
  await chat.send('Second question');
  await chat.waitForStatus(chat.reply(1), 'complete');
  // Only the last reply offers it.
  assert.equal(await chat.reply(0).getByRole('button', { name: 'Regenerate' }).count(), 0);
  const before = await chat.reply(1).evaluate((el) => { el.dataset.marked = 'old'; return el.textContent; });
  await chat.reply(1).getByRole('button', { name: 'Regenerate' }).click();
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.equal(await chat.replies.count(), 2);
  assert.equal(await chat.conversation.locator('[data-marked="old"]').count(), 0, 'the old reply is gone');
  const sent = await lastRequest();
  assert.deepEqual(sent.messages.map((m) => m.role), ['user', 'assistant', 'user'], 'the history, without the replaced reply');
  assert.match(await chat.replyText(1), /^You said: “Second question”/);
  assert.ok(before.includes('Second question'));
  await chat.page.context().close();
});

test('editing a message resends it and replaces the turns after it, also in storage', async () => {
  const chat = await freshChat(browser);
  await chat.send('Tell me about cats');
  await chat.waitForStatus(chat.reply(0), 'complete');
  await chat.send('And dogs');
  await chat.waitForStatus(chat.reply(1), 'complete');

  // Escape leaves it as it was.
  await chat.userMessages.nth(0).getByRole('button', { name: 'Edit' }).click();
  const box = chat.page.getByRole('textbox', { name: 'Edit message' });
  await box.fill('never sent');
  await box.press('Escape');
  assert.equal(await chat.userMessages.nth(0).locator('.text').textContent(), 'Tell me about cats');

  await chat.userMessages.nth(0).getByRole('button', { name: 'Edit' }).click();
  assert.equal(await box.inputValue(), 'Tell me about cats');
  await box.fill('Tell me about owls');
  await box.press('Enter');
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.deepEqual(await chat.userMessages.locator('.text').allTextContents(), ['Tell me about owls']);
  assert.equal(await chat.replies.count(), 1);
  assert.match(await chat.replyText(0), /^You said: “Tell me about owls”\.( \(Local|$)/);
  assert.equal((await lastRequest()).messages.length, 1);

  await chat.reload();
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.deepEqual(await chat.userMessages.locator('.text').allTextContents(), ['Tell me about owls']);
  assert.equal(await chat.replies.count(), 1, 'the replaced turns are gone from storage too');
  await chat.page.context().close();
});

test('Regenerate and Edit keep the earlier versions: ‹ › shows each again, after a reload and in an export', async () => {
  const chat = await freshChat(browser);
  await chat.send('Name a colour');
  await chat.waitForStatus(chat.reply(0), 'complete');
  const first = await chat.replyText(0);
  // With a system prompt the stand-in's answer differs (it quotes the prompt).
  await chat.page.getByText('Settings', { exact: true }).click();
  await chat.page.locator('.settings-panel').getByLabel('System prompt').fill('Be brief');
  await chat.page.locator('.settings-panel').getByLabel('System prompt').blur();
  await chat.page.keyboard.press('Escape');
  await chat.reply(0).getByRole('button', { name: 'Regenerate' }).click();
  await chat.waitForStatus(chat.reply(0), 'complete');
  const second = await chat.replyText(0);
  assert.match(second, /My system prompt is “Be brief”/);
  const versions = chat.reply(0).getByRole('navigation', { name: 'Versions' });
  assert.equal(await versions.locator('span').textContent(), '2/2');
  assert.ok(await versions.getByRole('button', { name: 'Next version' }).isDisabled());

  await versions.getByRole('button', { name: 'Previous version' }).click();
  await versions.locator('span', { hasText: '1/2' }).waitFor();
  assert.equal(await chat.replyText(0), first);
  await chat.reload();
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.equal(await chat.replyText(0), first, 'the version shown is kept');
  assert.equal(await versions.locator('span').textContent(), '1/2');

  // Editing keeps the message as it was, with the replies it had.
  await chat.userMessages.nth(0).getByRole('button', { name: 'Edit' }).click();
  await chat.page.getByRole('textbox', { name: 'Edit message' }).fill('Name a fruit');
  await chat.page.getByRole('textbox', { name: 'Edit message' }).press('Enter');
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.match(await chat.replyText(0), /^You said: “Name a fruit”/);
  const edits = chat.userMessages.nth(0).getByRole('navigation', { name: 'Versions' });
  assert.equal(await edits.locator('span').textContent(), '2/2');
  assert.equal(await versions.count(), 0, 'the new reply has no versions of its own');

  const [file] = await Promise.all([
    chat.page.waitForEvent('download'),
    chat.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'Export conversation' }).click(),
  ]);
  const exported = JSON.parse(await readFile(await file.path(), 'utf8')).conversations[0].messages;
  const [was] = exported[0].versions.others;
  assert.deepEqual(was.map((m) => m.message.content[0].text), ['Name a colour', first]);
  assert.deepEqual(was[1].versions.others[0][0].message.content[0].text, second);

  await edits.getByRole('button', { name: 'Previous version' }).click();
  await edits.locator('span', { hasText: '1/2' }).waitFor();
  assert.equal(await chat.userMessages.nth(0).locator('.text').textContent(), 'Name a colour');
  assert.equal(await chat.replyText(0), first);
  assert.equal(await versions.locator('span').textContent(), '1/2', 'the versions inside a version are kept');
  await chat.page.context().close();
});

test('a reply cut off by max tokens continues in the same message until it is whole', async () => {
  const chat = await freshChat(browser);
  await chat.page.getByText('Settings', { exact: true }).click();
  await chat.page.getByLabel('Max tokens').fill('4');
  await chat.page.getByLabel('Max tokens').blur();
  await chat.page.getByText('Settings', { exact: true }).click();
  await chat.send('alpha beta gamma delta epsilon zeta');
  const reply = chat.reply(0);
  await chat.waitForStatus(reply, 'complete');
  assert.equal(await chat.replyText(0), 'You said: “alpha beta');
  // Why it stopped, and the way on (it used to look like a finished reply).
  assert.match(await reply.locator('[data-stop-reason="max_tokens"]').textContent(), /^Cut off: .*Continue it/);

  let rounds = 0;
  while (await reply.getByRole('button', { name: 'Continue' }).count()) {
    await reply.getByRole('button', { name: 'Continue' }).click();
    await chat.waitForStatus(reply, 'complete');
    rounds += 1;
    const sent = await lastRequest();
    const prefill = sent.messages.at(-1);
    assert.equal(prefill.role, 'assistant', 'the reply so far is sent as the start to go on from');
    assert.ok(!/\s$/.test(prefill.content[0].text), 'without trailing whitespace');
    assert.ok(rounds < 10);
  }
  assert.ok(rounds >= 2, `continued ${rounds} times`);
  assert.equal(await reply.locator('.stop-reason').count(), 0, 'whole at last: no stop note');
  assert.equal(await chat.replies.count(), 1, 'one message throughout');
  assert.match(await chat.replyText(0),
    /^You said: “alpha beta gamma delta epsilon zeta”\. \(Local Bedrock stand-in, model anthropic\.claude-3-haiku-20240307-v1:0\.\)$/);
  // Its usage is the sum of every part.
  const [, output] = /(\d+) out tokens/.exec(await reply.locator('.usage').textContent());
  assert.equal(Number(output), (await chat.replyText(0)).split(' ').length);
  await chat.page.context().close();
});

test('a stream that fails midway can be retried, and the retry replaces it', async () => {
  const chat = await freshChat(browser);
  await chat.send('Flaky [stand-in:stream-throttle-once]');
  const reply = chat.reply(0);
  await chat.waitForStatus(reply, 'error');
  assert.match(await reply.getByRole('alert').textContent(), /^Wait a few seconds, then retry: .* \(ThrottlingException\)$/);
  await reply.getByRole('button', { name: 'Retry' }).click();
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.equal(await chat.replies.count(), 1);
  assert.equal(await chat.reply(0).getByRole('alert').count(), 0);
  assert.match(await chat.replyText(0), /^You said: “Flaky \[stand-in:stream-throttle-once\]”\./);
  await chat.page.context().close();
});

test('a message whose reply failed stays its own turn: the next message is sent alone, not merged into it', async () => {
  const chat = await freshChat(browser);
  await chat.send('First try [stand-in:stream-throttle-once]');
  await chat.waitForStatus(chat.reply(0), 'error');
  // The prompt says it went unanswered (it used to be glued silently onto the next message).
  await chat.userMessages.nth(0).getByText(/^Not answered/).waitFor();
  await chat.send('A different question');
  await chat.waitForStatus(chat.reply(1), 'complete');
  const sent = await lastRequest();
  assert.equal(sent.messages.length, 1, JSON.stringify(sent.messages));
  assert.deepEqual(sent.messages[0].content, [{ text: 'A different question' }], 'the stand-in received the new message alone');
  assert.match(await chat.replyText(1), /^You said: “A different question”\./);
  assert.equal(await chat.userMessages.count(), 2, 'both messages stay on screen, each its own turn');
  await chat.page.context().close();
});

test('each reply shows its tokens, time to first token and total time; the conversation its totals', async () => {
  const chat = await freshChat(browser);
  await chat.send('Count me');
  await chat.waitForStatus(chat.reply(0), 'complete');
  await chat.send('And me');
  await chat.waitForStatus(chat.reply(1), 'complete');
  const usage = await chat.reply(0).locator('.usage').textContent();
  const match = /^(\d+) in · (\d+) out tokens · first token (\d+) ms · (\d+) ms$/.exec(usage);
  assert.ok(match, usage);
  assert.ok(Number(match[3]) <= Number(match[4]), 'first token before the end');
  const counts = await chat.replies.locator('.usage').allTextContents();
  const sum = (i) => counts.map((c) => Number(/^(\d+) in · (\d+) out/.exec(c)[i])).reduce((a, b) => a + b);
  assert.equal(await chat.page.getByLabel('Conversation usage').textContent(),
    `This conversation: ${sum(1)} in · ${sum(2)} out tokens over 2 replies`);
  await chat.page.context().close();
});

test('shortcuts: ArrowUp in the empty message box edits the last message, Ctrl+Shift+O starts a new chat', async () => {
  const chat = await freshChat(browser);
  await chat.send('First words');
  await chat.waitForStatus(chat.reply(0), 'complete');
  // With words in the box, ArrowUp is the caret's.
  await chat.input.fill('a draft');
  await chat.input.press('ArrowUp');
  assert.equal(await chat.page.getByLabel('Edit message').count(), 0);
  await chat.input.fill('');
  await chat.input.press('ArrowUp');
  const box = chat.page.getByLabel('Edit message');
  await box.waitFor();
  assert.equal(await box.inputValue(), 'First words');
  assert.equal(await chat.page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Edit message');
  await box.fill('Second words');
  await box.press('Enter');
  await chat.reply(0).locator('.text').filter({ hasText: 'Second words' }).waitFor();
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.equal(await chat.userMessages.count(), 1);

  await chat.page.keyboard.press('Control+Shift+O');
  await chat.userMessages.first().waitFor({ state: 'detached' });
  await chat.page.waitForFunction(() => document.activeElement?.id === 'composer-input');
  await chat.page.context().close();
});
