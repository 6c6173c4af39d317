// How a reply looks: Markdown rendered safely as it streams, code blocks that copy, and a
// view that follows the reply until the reader scrolls away.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { RELAY_URL } from './env.mjs';
import { freshChat, launch } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a reply is rendered as Markdown, and what it must not trust stays text', async () => {
  const chat = await freshChat(browser);
  const title = await chat.page.title();
  await chat.send('Show me [stand-in:markdown]');
  const reply = chat.reply(0);
  await chat.waitForStatus(reply, 'complete');

  await reply.getByRole('heading', { name: 'Steps' }).waitFor();
  assert.deepEqual(await reply.getByRole('listitem').allTextContents(), ['Install the tool', 'Run tool --fast']);
  assert.equal(await reply.locator('strong').first().textContent(), 'the tool');
  assert.equal(await reply.locator('pre code.language-rust').textContent(), 'fn main() {\n    println!("<b>hi</b>");\n}\n');
  assert.equal(await reply.getByRole('cell', { name: 'verbose' }).count(), 1);
  const guide = reply.getByRole('link', { name: 'the guide' });
  assert.equal(await guide.getAttribute('href'), 'https://example.com/guide');
  assert.equal(await guide.getAttribute('target'), '_blank');
  assert.match(await guide.getAttribute('rel'), /noopener/);
  // A javascript: link keeps its text and loses the link.
  assert.equal(await reply.getByRole('link', { name: 'this' }).count(), 0);
  assert.match(await chat.replyText(0), /or this\./);
  // Raw HTML is shown as the text it is: no element, no script run.
  assert.equal(await reply.locator('.text img, .text script, .text b').count(), 0);
  assert.match(await chat.replyText(0), /<img src=x onerror="document.title='pwned'">/);
  assert.equal(await chat.page.title(), title);
  assert.equal(await reply.locator('blockquote em').textContent(), 'text');
  await chat.page.context().close();
});

test('a code block copies its code, and a reply copies its Markdown', async () => {
  const chat = await freshChat(browser);
  await chat.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: RELAY_URL });
  await chat.send('Code please [stand-in:markdown]');
  const reply = chat.reply(0);
  await chat.waitForStatus(reply, 'complete');
  const clipboard = () => chat.page.evaluate(() => navigator.clipboard.readText());

  const copyCode = reply.getByRole('button', { name: 'Copy code' });
  await copyCode.click();
  await copyCode.filter({ hasText: 'Copied' }).waitFor();
  assert.equal(await clipboard(), 'fn main() {\n    println!("<b>hi</b>");\n}\n');

  await reply.getByRole('button', { name: 'Copy reply' }).click();
  const markdown = await clipboard();
  assert.ok(markdown.startsWith('## Steps\n\n1. Install **the tool**\n'), JSON.stringify(markdown));
  assert.ok(markdown.includes('```rust\n'), 'the Markdown source, not the rendered text');
  await chat.page.context().close();
});

test('the view follows a streaming reply, stays put when the reader scrolls up, and resumes at the bottom', async () => {
  const chat = await freshChat(browser);
  await chat.page.setViewportSize({ width: 800, height: 500 });
  await chat.send('A long one [stand-in:markdown-1500] [stand-in:delay-3]');
  const reply = chat.reply(0);
  const scroller = chat.conversation;
  const metrics = () => scroller.evaluate((el) => ({
    top: el.scrollTop, gap: el.scrollHeight - el.scrollTop - el.clientHeight, height: el.scrollHeight,
  }));

  // While it streams and overflows, the newest text is in view.
  await chat.page.waitForFunction(() => {
    const el = document.querySelector('main.messages');
    return el.scrollHeight > el.clientHeight * 2 && el.scrollTop > 0;
  }, null, { polling: 'raf', timeout: 15_000 });
  assert.ok((await metrics()).gap < 30, 'following the reply');

  // The reader scrolls up: the view stays where they put it while text keeps arriving.
  await scroller.hover();
  await chat.page.mouse.wheel(0, -400);
  await chat.page.waitForFunction(() => {
    const el = document.querySelector('main.messages');
    return el.scrollHeight - el.scrollTop - el.clientHeight > 300;
  }, null, { polling: 'raf' });
  const held = await metrics();
  await chat.page.waitForFunction((h) => document.querySelector('main.messages').scrollHeight > h + 400,
    held.height, { polling: 'raf', timeout: 15_000 });
  assert.equal((await metrics()).top, held.top, 'the view did not jump back down');

  // "Jump to latest" brings them back, and the view follows again.
  await chat.page.getByRole('button', { name: /Jump to latest/ }).click();
  const jumped = await metrics();
  assert.ok(jumped.gap < 30, `at the bottom after the jump: ${JSON.stringify(jumped)}`);
  await chat.page.waitForFunction((h) => document.querySelector('main.messages').scrollHeight > h + 400,
    jumped.height, { polling: 'raf', timeout: 15_000 });
  assert.ok((await metrics()).gap < 30, 'following again');
  await chat.page.getByRole('button', { name: 'Stop' }).click();
  await chat.waitForStatus(reply, 'stopped');
  await chat.page.context().close();
});

test('code is highlighted once the reply is whole, by a highlighter the page loads only then', async () => {
  const chat = await freshChat(browser);
  const loaded = () => chat.page.evaluate(() =>
    performance.getEntriesByType('resource').some((e) => new URL(e.name).pathname === '/highlight.js'));
  await chat.send('Plain words first');
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.equal(await loaded(), false, 'a conversation without code loads no highlighter');

  await chat.send('Code please [stand-in:markdown]');
  const reply = chat.reply(1);
  await chat.waitForStatus(reply, 'complete');
  const code = reply.locator('pre code.language-rust');
  await code.locator('.hljs-keyword', { hasText: 'fn' }).waitFor();
  assert.equal(await code.textContent(), 'fn main() {\n    println!("<b>hi</b>");\n}\n', 'the code itself is unchanged');
  assert.equal(await code.locator('.hljs-string').first().textContent(), '"<b>hi</b>"');
  assert.equal(await reply.locator('.code-lang').textContent(), 'rust');
  assert.equal(await loaded(), true);
  await chat.page.context().close();
});
