// Benchmark: the relay's cost over talking to Bedrock (the stand-in, no artificial delay)
// directly. Prints figures; asserts nothing.
//
//   time to first event and total time of a 2,000-delta stream, direct vs through the relay
//   a 100-delta stream paced like a model: first event, and the worker's CPU per stream
//   500 concurrent streams through the relay: errors, wall time, workerd memory
//
// With BENCH_OUT, the figures are also written there as JSON; with BENCH_FLOOR_OF (the floor
// run, a JavaScript pass-through in the same workerd), the relay's figures in that file are
// printed as ratios to the floor's (#20's targets: CPU ≤ 2×, first event ≤ floor + 1 ms).
// FLOOR_TITLE names another floor (scripts/bench.sh's reading floor) in that table.
import { readFileSync, writeFileSync } from 'node:fs';

import { cpuMs } from './proc.mjs';

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
/** `runs` streams one after another: median first event and total, and the worker's CPU per stream. */
async function measured(target, body, runs) {
  const before = RELAY_PID ? cpuMs(Number(RELAY_PID)) : 0;
  const all = [];
  for (let i = 0; i < runs; i += 1) all.push(await timedStream(target.url, target.headers, body));
  const cpu = RELAY_PID ? (cpuMs(Number(RELAY_PID)) - before) / runs : null;
  return {
    first: median(all.map((r) => r.first)), total: median(all.map((r) => r.total)), cpu,
    bytes: all[0].bytes, reads: median(all.map((r) => r.reads)),
  };
}
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

// Paced like a model (PACED_DELAY_MS between deltas): what a person sees, and what the worker
// spends per stream when chunks come a few at a time (as Bedrock sends them).
const pacedWords = 100;
const pacedDelay = Number(process.env.PACED_DELAY_MS ?? 10);
const PACED_RUNS = Number(process.env.BENCH_PACED_RUNS ?? 10);
const paced = {};
const pacedPaths = ONLY_STREAM
  ? [['floor (frames)', relayedFrames]]
  : [['direct', direct], ['relay (SSE)', relayed], ['relay (frames)', relayedFrames]];
for (const [name, target] of pacedPaths) {
  paced[name] = await measured(target, payload(`${pacedWords}] [stand-in:delay-${pacedDelay}`), PACED_RUNS);
}

const words = 2000;
const results = {};
const paths = ONLY_STREAM
  ? [['direct', direct], ['floor (frames)', relayedFrames]]
  : [['direct', direct], ['relay (SSE)', relayed], ['relay (frames)', relayedFrames]];
for (const [name, target] of paths) results[name] = await measured(target, payload(words), RUNS);
const cpu = (r) => (r.cpu === null ? '—' : ms(r.cpu));
console.log(`\n${words}-word stream (≈${words + 12} deltas), median of ${RUNS} runs:`);
console.log('| path | first event | total | worker CPU per stream | bytes | reads by the client |\n|---|---|---|---|---|---|');
for (const [name, r] of Object.entries(results)) {
  console.log(`| ${name} | ${ms(r.first)} | ${ms(r.total)} | ${name === 'direct' ? '—' : cpu(r)} | ${r.bytes} | ${r.reads} |`);
}
const d = results.direct;
for (const [name] of paths.slice(1)) {
  const r = results[name];
  console.log(`${name}: first event +${(r.first - d.first).toFixed(1)} ms over direct (target ≤ +3 ms); total ×${(r.total / d.total).toFixed(2)} (target ≤ ×1.3)`);
}

console.log(`\n${pacedWords}-word stream paced at ${pacedDelay} ms per delta, ${PACED_RUNS} runs:`);
console.log('| path | first event | total | worker CPU per stream |\n|---|---|---|---|');
for (const [name, r] of Object.entries(paced)) {
  console.log(`| ${name} | ${ms(r.first)} | ${ms(r.total)} | ${name === 'direct' ? '—' : cpu(r)} |`);
}

if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, JSON.stringify({ paced, unpaced: results }));
if (process.env.BENCH_FLOOR_OF) {
  const relay = JSON.parse(readFileSync(process.env.BENCH_FLOOR_OF, 'utf8'));
  const floor = { paced: paced['floor (frames)'], unpaced: results['floor (frames)'] };
  console.log(`\nThe relay against ${process.env.FLOOR_TITLE || 'the floor (a JavaScript pass-through in the same workerd)'}, this run:`);
  console.log('| delivery | CPU paced | CPU unpaced | first event paced | first event unpaced |\n|---|---|---|---|---|');
  for (const name of ['relay (SSE)', 'relay (frames)']) {
    const ratio = (kind) => `${(relay[kind][name].cpu / floor[kind].cpu).toFixed(2)}× (${ms(relay[kind][name].cpu)} / ${ms(floor[kind].cpu)})`;
    const first = (kind) => `${relay[kind][name].first - floor[kind].first >= 0 ? '+' : ''}${(relay[kind][name].first - floor[kind].first).toFixed(1)} ms`;
    console.log(`| ${name.slice(7, -1)} | ${ratio('paced')} | ${ratio('unpaced')} | ${first('paced')} | ${first('unpaced')} |`);
  }
  if (!process.env.FLOOR_TITLE) console.log('targets (#20): CPU ≤ 2× the floor; first event ≤ floor + 1 ms');
}

// Each count as frames (the page's and the SDKs' delivery), then as SSE.
const concurrentRuns = CONCURRENT.flatMap((n) => [[n, 'frames', relayedFrames], [n, 'SSE', relayed]]);
for (const [n, delivery, target] of ONLY_STREAM ? [] : concurrentRuns) {
  const before = RELAY_PID ? rssKiB(Number(RELAY_PID)) : 0;
  let peak = before;
  const sampler = setInterval(() => { if (RELAY_PID) peak = Math.max(peak, rssKiB(Number(RELAY_PID))); }, 100);
  const started = performance.now();
  const outcomes = await Promise.allSettled(
    Array.from({ length: n }, () => timedStream(target.url, target.headers, payload(50), 60_000)),
  );
  clearInterval(sampler);
  const errors = outcomes.filter((o) => o.status === 'rejected');
  const ok = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
  console.log(`\n${n} concurrent 50-word streams through the relay as ${delivery} (60 s time-out each): ${errors.length} errors, ` +
    `wall ${ms(performance.now() - started)}` + (ok.length ? `, median first event ${ms(median(ok.map((r) => r.first)))}` : ''));
  if (errors.length) console.log(`first error: ${errors[0].reason}`);
  if (RELAY_PID) console.log(`relay process tree memory: ${(before / 1024).toFixed(0)} MiB before, ${(peak / 1024).toFixed(0)} MiB at peak`);
}
