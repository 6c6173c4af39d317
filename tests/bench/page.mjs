// Benchmark: the chat page in headless Chromium against the relay and the stand-in (no
// artificial delay unless said). Prints figures; asserts nothing.
//
//   page payload, gzipped (wasm + js + css)              target ≤ 250 KB
//   time to interactive on a fresh visit
//   main-thread time for an 8,000-delta reply ÷ that for a 4,000-delta reply   target ≤ 2.2
//   time until a stored 2,000-message conversation is interactive              target ≤ 400 ms
//   the widget loader, gzipped                                                  target ≤ 4 KB
//   the page's memory while switching between two stored 1,000-message conversations
import { readFileSync, readdirSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

import { chromium } from 'playwright-core';

const { RELAY_URL } = process.env;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LONG_MODEL = 'us.anthropic.claude-3-7-sonnet-20250219-v1:0';
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

// 1. Payload.
const shipped = readdirSync('dist').filter((f) => /\.(wasm|js|css)$/.test(f) && f !== 'widget.js');
let gzipped = 0;
let brotli = 0;
for (const f of shipped) {
  const bytes = readFileSync(`dist/${f}`);
  const gz = gzipSync(bytes, { level: 9 }).length;
  gzipped += gz;
  brotli += brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  console.log(`  ${f.padEnd(40)} ${String(bytes.length).padStart(8)} bytes, ${String(gz).padStart(7)} gzipped`);
}
console.log(`page payload (wasm+js+css), gzipped: ${(gzipped / 1000).toFixed(0)} KB (target ≤ 250 KB); `
  + `brotli, as Cloudflare sends it to browsers that take it: ${(brotli / 1000).toFixed(0)} KB`);
const loader = readFileSync('dist/widget.js');
console.log(`widget loader (dist/widget.js): ${loader.length} bytes, ${gzipSync(loader, { level: 9 }).length} gzipped (target ≤ 4,096)`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});

async function visit(setup) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  // (Seeding storage opens /v1/health, a JSON document, for which Chromium asks for a favicon.)
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) console.error(`[page console] ${m.text()}`);
  });
  if (setup) await setup(page);
  return { context, page };
}

const interactive = (page) => page.waitForFunction(() => {
  const input = document.querySelector('#composer-input');
  return input && !input.disabled ? performance.now() : false;
}, null, { polling: 'raf', timeout: 60_000 }).then((h) => h.jsonValue());

// 2. Time to interactive: navigation start to a composer that takes input.
const tti = [];
for (let i = 0; i < RUNS + 2; i += 1) {
  const { context, page } = await visit();
  await page.goto(RELAY_URL);
  tti.push(await interactive(page));
  await context.close();
}
console.log(`time to interactive (fresh visit): median ${median(tti.slice(2)).toFixed(0)} ms over ${RUNS} (first visits warm the relay)`);

// 2b. A repeat visit in the same browser profile: what crosses the network, and how soon the
// composer takes input (the browser has the wasm, and its compiled code, from the first visit).
const repeat = [];
let repeatBytes = 0;
for (let i = 0; i < RUNS; i += 1) {
  const { context, page } = await visit();
  await page.goto(RELAY_URL);
  await interactive(page);
  // Chromium keeps compiled wasm only after the module has been seen; a second visit fills it.
  await page.goto('about:blank');
  await page.goto(RELAY_URL);
  await interactive(page);
  await page.goto('about:blank');
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  let bytes = 0;
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
  await page.goto(RELAY_URL);
  repeat.push(await interactive(page));
  repeatBytes = bytes;
  await context.close();
}
console.log(`time to interactive (repeat visit): median ${median(repeat).toFixed(0)} ms over ${RUNS}; `
  + `${repeatBytes} bytes over the network (headers included)`);

// 3. Main-thread time for a long reply, by its length.
async function replyCost(words, pace) {
  const { context, page } = await visit();
  await page.goto(RELAY_URL);
  await interactive(page);
  // A model whose output cap is above the longest reply asked for.
  const model = page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${LONG_MODEL}"]`).waitFor({ state: 'attached' });
  await model.selectOption(LONG_MODEL);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskTime = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  const before = await taskTime();
  const started = Date.now();
  await page.locator('#composer-input').fill(`bench [stand-in:markdown-${words}]${pace ? ` [stand-in:delay-${pace}]` : ''}`);
  await page.locator('#composer-input').press('Enter');
  await page.locator('article.assistant[data-status="complete"]').waitFor({ timeout: 300_000 });
  const wall = Date.now() - started;
  const main = (await taskTime()) - before;
  const usage = await page.locator('article.assistant .usage').textContent();
  const deltas = Number(/(\d+) out tokens/.exec(usage)[1]);
  await context.close();
  return { main: main * 1000, wall, deltas };
}

for (const pace of [0, 1]) {
  const costs = {};
  for (const words of [3800, 7600]) {
    const runs = [];
    for (let i = 0; i < RUNS; i += 1) runs.push(await replyCost(words, pace));
    costs[words] = { main: median(runs.map((r) => r.main)), wall: median(runs.map((r) => r.wall)), deltas: runs[0].deltas };
  }
  const [small, large] = [costs[3800], costs[7600]];
  console.log(`long reply, ${pace ? `paced ${pace} ms/delta` : 'unpaced'}: ${small.deltas} deltas ${small.main.toFixed(0)} ms main thread (${small.wall} ms wall); `
    + `${large.deltas} deltas ${large.main.toFixed(0)} ms (${large.wall} ms wall); ratio ${(large.main / small.main).toFixed(2)} (target ≤ 2.2)`);
}

// 4. A stored conversation of 2,000 messages: navigation start to every message shown and the
// composer ready.
const MESSAGES = 2000;
/** Writes conversations ({ id, title, messages }) into a fresh origin's storage, in the page's
 * current layout (database version 3, so no upgrade is timed); `open` is the one left open. */
async function seedConversations(page, conversations, open) {
  await page.goto(`${RELAY_URL}/v1/health`);
  await page.evaluate(([conversations, open]) => new Promise((resolve, reject) => {
    const request = indexedDB.open('converse-edge', 3);
    request.onupgradeneeded = () => {
      for (const [store, key] of [['conversations', 'id'], ['threads', 'id'], ['messages', 'key'], ['drafts', 'id']]) {
        request.result.createObjectStore(store, { keyPath: key });
      }
    };
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const db = request.result;
      const tx = db.transaction(['threads', 'messages'], 'readwrite');
      conversations.forEach(({ id, title, messages }, n) => {
        const meta = { schemaVersion: 2, id, title, modelId: 'anthropic.claude-3-haiku-20240307-v1:0', createdAt: n + 1, updatedAt: n + 1 };
        tx.objectStore('threads').put({ id, updatedAt: n + 1, data: JSON.stringify(meta) });
        for (const message of messages) {
          tx.objectStore('messages').put({ key: `${id}/${String(message.id).padStart(16, '0')}`, data: JSON.stringify(message) });
        }
      });
      // As the page leaves it: that conversation was the one open.
      if (open) localStorage.setItem('converse-edge.open', open);
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }), [conversations, open]);
}

/** `count` stored messages, user and assistant in turn, with `text(i, user)` each. */
function storedMessages(count, text) {
  return Array.from({ length: count }, (_, k) => {
    const i = k + 1;
    const user = i % 2 === 1;
    const message = { id: i, message: { role: user ? 'user' : 'assistant', content: [{ text: text(i, user) }] }, status: 'complete' };
    if (!user) message.usage = { inputTokens: 10 * i, outputTokens: 30, totalTokens: 10 * i + 30 };
    return message;
  });
}

const longOne = storedMessages(MESSAGES, (i, user) => (user
  ? `Question ${i}: how does part ${i} work?`
  : `Part ${i} works like this:\n\n- **first**, it reads the input\n- then it \`parses\` it\n\nSee [the docs](https://example.com/${i}).`));
const seed = (page) => seedConversations(page, [{ id: 'c-bench', title: 'A long one', messages: longOne }], 'c-bench');
const loads = [];
for (let i = 0; i < RUNS; i += 1) {
  const { context, page } = await visit(seed);
  await page.goto(RELAY_URL);
  loads.push(await page.waitForFunction((count) => {
    const input = document.querySelector('#composer-input');
    const last = document.querySelector('article.assistant:last-of-type .text');
    return input && document.querySelector('main.messages').dataset.loaded === String(count) && last?.textContent
      ? performance.now() : false;
  }, MESSAGES, { polling: 'raf', timeout: 60_000 }).then((h) => h.jsonValue()));
  await context.close();
}
console.log(`stored ${MESSAGES}-message conversation interactive: median ${median(loads).toFixed(0)} ms (target ≤ 400 ms)`);

// 5. Memory over a session: the page's WebAssembly memory (which never shrinks) while
// switching 30 times between two stored 1,000-message conversations. Flat once warm means
// each conversation's state goes when it is closed.
{
  const count = 1000;
  const { context, page } = await visit(async (page) => {
    await seedConversations(page, [1, 2].map((n) => ({
      id: `c-${n}`,
      title: `Conversation ${n}`,
      messages: storedMessages(count, (i) => `Part ${i} of conversation ${n}: ${'lorem ipsum dolor sit amet '.repeat(10)}`),
    })));
    await page.addInitScript(() => addEventListener('TrunkApplicationStarted', (e) => { window.wasmExports = e.detail.wasm; }));
  });
  await page.goto(RELAY_URL);
  await page.waitForFunction((n) => document.querySelector('main.messages')?.dataset.loaded === String(n), count);
  const memory = () => page.evaluate(() => window.wasmExports.memory.buffer.byteLength / 1048576);
  const sidebar = page.getByRole('navigation', { name: 'Conversations' });
  const seen = [await memory()];
  for (let i = 1; i <= 30; i += 1) {
    const other = sidebar.locator('.open-conversation:not([aria-current="page"])');
    const title = await other.textContent();
    await other.click();
    await page.waitForFunction(([t, n]) => document.querySelector('[aria-current="page"]')?.textContent === t
      && document.querySelector('main.messages')?.dataset.loaded === String(n), [title, count]);
    if (i % 10 === 0) seen.push(await memory());
  }
  console.log(`page memory switching between two ${count}-message conversations: ${seen.map((m) => m.toFixed(1)).join(' → ')} MiB (start, after 10, 20, 30 switches)`);
  await context.close();
}

await browser.close();
