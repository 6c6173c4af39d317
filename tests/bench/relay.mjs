// Benchmark: the relay's cost over talking to Bedrock (the stand-in, no artificial delay)
// directly. Prints figures; asserts nothing.
//
//   time to first event and total time of a 2,000-delta stream, direct vs through the relay
//   500 concurrent streams through the relay: errors, wall time, workerd memory
import { readFileSync } from 'node:fs';

const { STANDIN_URL, STANDIN_API_KEY, RELAY_URL, RELAY_KEY_SECRET, RELAY_PID } = process.env;
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const CONCURRENT = (process.env.BENCH_CONCURRENT ?? '200,500').split(',').map(Number);
const path = `/model/${encodeURIComponent(MODEL)}/converse-stream`;
const payload = (words) => JSON.stringify({
  messages: [{ role: 'user', content: [{ text: `bench [stand-in:words-${words}]` }] }],
  inferenceConfig: { maxTokens: 4096 },
});

async function timedStream(url, headers, body, timeoutMs = 120_000) {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  let first = null;
  let bytes = 0;
  let reads = 0;
  for await (const chunk of response.body) {
    if (first === null) first = performance.now() - started;
    bytes += chunk.length;
    reads += 1;
  }
  return { first, total: performance.now() - started, bytes, reads };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const ms = (x) => `${x.toFixed(1)} ms`;

function rssKiB(pid) {
  // workerd is a child of wrangler: add up the tree.
  let total = 0;
  const walk = (p) => {
    try { total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))[1]); } catch { return; }
    for (const t of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ').filter(Boolean)) walk(t);
  };
  walk(pid);
  return total;
}

const direct = { url: `${STANDIN_URL}${path}`, headers: { authorization: `Bearer ${STANDIN_API_KEY}` } };
const relayed = { url: `${RELAY_URL}${path}`, headers: { authorization: `Bearer ${RELAY_KEY_SECRET}`, accept: 'text/event-stream' } };
const relayedFrames = { url: `${RELAY_URL}${path}`, headers: { authorization: `Bearer ${RELAY_KEY_SECRET}` } };
// ONLY_STREAM=1: only the unpaced 2,000-delta stream, frames passed on (for the floor run).
const ONLY_STREAM = Boolean(process.env.ONLY_STREAM);

// Warm up both paths.
for (const target of [direct, relayed]) await timedStream(target.url, target.headers, payload(10));

// Paced like a model (PACED_DELAY_MS between deltas): what a person sees.
const pacedWords = 100;
const pacedDelay = Number(process.env.PACED_DELAY_MS ?? 10);
const paced = {};
for (const [name, target] of ONLY_STREAM ? [] : [['direct', direct], ['relay (SSE)', relayed]]) {
  const runs = [];
  for (let i = 0; i < 5; i += 1) {
    runs.push(await timedStream(target.url, target.headers, payload(`${pacedWords}] [stand-in:delay-${pacedDelay}`)));
  }
  paced[name] = { first: median(runs.map((r) => r.first)), total: median(runs.map((r) => r.total)) };
}

const words = 2000;
const results = {};
const paths = ONLY_STREAM
  ? [['direct', direct], ['floor (frames)', relayedFrames]]
  : [['direct', direct], ['relay (SSE)', relayed], ['relay (frames)', relayedFrames]];
for (const [name, target] of paths) {
  const runs = [];
  for (let i = 0; i < RUNS; i += 1) runs.push(await timedStream(target.url, target.headers, payload(words)));
  results[name] = {
    first: median(runs.map((r) => r.first)), total: median(runs.map((r) => r.total)), bytes: runs[0].bytes, reads: median(runs.map((r) => r.reads)),
  };
}
console.log(`\n${words}-word stream (≈${words + 12} deltas), median of ${RUNS} runs:`);
console.log('| path | first event | total | bytes | reads by the client |\n|---|---|---|---|---|');
for (const [name, r] of Object.entries(results)) console.log(`| ${name} | ${ms(r.first)} | ${ms(r.total)} | ${r.bytes} | ${r.reads} |`);
const d = results.direct;
for (const [name] of paths.slice(1)) {
  const r = results[name];
  console.log(`${name}: first event +${(r.first - d.first).toFixed(1)} ms over direct (target ≤ +3 ms); total ×${(r.total / d.total).toFixed(2)} (target ≤ ×1.3)`);
}

if (!ONLY_STREAM) console.log(`\n${pacedWords}-word stream paced at ${pacedDelay} ms per delta, median of 5 runs:`);
if (!ONLY_STREAM) console.log('| path | first event | total |\n|---|---|---|');
for (const [name, r] of Object.entries(paced)) console.log(`| ${name} | ${ms(r.first)} | ${ms(r.total)} |`);

for (const n of ONLY_STREAM ? [] : CONCURRENT) {
  const before = RELAY_PID ? rssKiB(Number(RELAY_PID)) : 0;
  let peak = before;
  const sampler = setInterval(() => { if (RELAY_PID) peak = Math.max(peak, rssKiB(Number(RELAY_PID))); }, 100);
  const started = performance.now();
  const outcomes = await Promise.allSettled(
    Array.from({ length: n }, () => timedStream(relayed.url, relayed.headers, payload(50), 60_000)),
  );
  clearInterval(sampler);
  const errors = outcomes.filter((o) => o.status === 'rejected');
  const ok = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
  console.log(`\n${n} concurrent 50-word streams through the relay (60 s time-out each): ${errors.length} errors, ` +
    `wall ${ms(performance.now() - started)}` + (ok.length ? `, median first event ${ms(median(ok.map((r) => r.first)))}` : ''));
  if (errors.length) console.log(`first error: ${errors[0].reason}`);
  if (RELAY_PID) console.log(`relay process tree memory: ${(before / 1024).toFixed(0)} MiB before, ${(peak / 1024).toFixed(0)} MiB at peak`);
}
