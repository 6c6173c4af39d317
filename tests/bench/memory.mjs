// Peak memory of the relay's workerd with request bodies at the size cap (MAX_BODY_BYTES,
// 32 MiB by default): what one such request, and several at once, cost an isolate whose
// limit on Cloudflare is 128 MB. Prints figures; asserts nothing. Run by `scripts/bench.sh memory`.
import { readFileSync } from 'node:fs';

const { RELAY_URL, RELAY_KEY_SECRET, RELAY_PID } = process.env;
const CAP = Number(process.env.MAX_BODY_BYTES ?? 32 * 1024 * 1024);
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

/** The resident memory of the workerd processes under `pid` (not Miniflare's node), KiB. */
function rssKiB(pid) {
  let total = 0;
  const walk = (p) => {
    let status;
    try { status = readFileSync(`/proc/${p}/status`, 'utf8'); } catch { return; }
    if (/^Name:\s+workerd/m.test(status)) total += Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
    for (const t of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ').filter(Boolean)) walk(t);
  };
  walk(pid);
  return total;
}

/** A body of about `CAP - 1 KiB` bytes: `blocks` text blocks sharing the size. */
function body(blocks) {
  const each = Math.floor((CAP - 1024) / blocks) - 12;
  const content = Array.from({ length: blocks }, () => ({ text: 'a'.repeat(each) }));
  return JSON.stringify({ messages: [{ role: 'user', content }] });
}

/** Sends `n` copies of `payload` at once while sampling memory every 5 ms; the peak, MiB. */
async function peak(payload, n) {
  const before = rssKiB(RELAY_PID);
  let top = before;
  const sampler = setInterval(() => { top = Math.max(top, rssKiB(RELAY_PID)); }, 5);
  const statuses = await Promise.all(Array.from({ length: n }, async () => {
    const r = await fetch(`${RELAY_URL}/model/${encodeURIComponent(MODEL)}/converse`, {
      method: 'POST', body: payload,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${RELAY_KEY_SECRET}` },
    });
    await r.arrayBuffer();
    return r.status;
  }));
  clearInterval(sampler);
  top = Math.max(top, rssKiB(RELAY_PID));
  return { before: before / 1024, peak: top / 1024, statuses: [...new Set(statuses)].join('/') };
}

const mib = (x) => `${x.toFixed(0)} MiB`;
// Warm up with small requests first: what the first request of an isolate costs (compiling the
// relay's code) is not what a large body costs.
for (let i = 0; i < 3; i += 1) await peak(JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'warm up' }] }] }), 2);
console.log(`body ≈ ${(CAP / 1048576).toFixed(0)} MiB (the cap)    at once    workerd before → peak    growth    answered`);
for (const [label, blocks] of [['one text block', 1], ['1,000 blocks', 1000], ['10,000 blocks (the block cap)', 10000]]) {
  const payload = body(blocks);
  for (const n of [1, 3]) {
    const { before, peak: top, statuses } = await peak(payload, n);
    console.log(`${label.padEnd(32)} ${String(n).padStart(2)}    ${mib(before)} → ${mib(top)}    ${mib(top - before).padStart(8)}    HTTP ${statuses}`);
  }
}
