// Benchmark: where the relay's CPU goes, by function. Takes a V8 CPU profile of the worker's
// isolate (through workerd's inspector, INSPECTOR_URL) over a series of requests of one kind,
// and prints the functions with the most self time (WebAssembly functions by their Rust
// names, from the name section), and the same grouped by crate. Prints figures; asserts
// nothing. Run by `scripts/bench.sh profile`; PROFILE_KIND is `health` (a health check),
// `word` (a one-word stream, the fixed cost), `paced` (100 deltas 10 ms apart, frames) or `sse` (the same as SSE).
import WebSocket from 'ws';

const { RELAY_URL, RELAY_KEY_SECRET, INSPECTOR_URL } = process.env;
const KIND = process.env.PROFILE_KIND ?? 'word';
const N = Number(process.env.PROFILE_RUNS ?? (['word', 'health'].includes(KIND) ? 300 : 20));
const INTERVAL_US = 50;
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';

const marker = KIND === 'word' ? '[stand-in:words-0]' : '[stand-in:words-100] [stand-in:delay-10]';
const send = () => (KIND === 'health' ? fetch(`${RELAY_URL}/v1/health`) : fetch(`${RELAY_URL}/model/${encodeURIComponent(MODEL)}/converse-stream`, {
  method: 'POST',
  headers: {
    authorization: `Bearer ${RELAY_KEY_SECRET}`, 'content-type': 'application/json',
    ...(KIND === 'sse' ? { accept: 'text/event-stream' } : {}),
  },
  body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: `one ${marker}` }] }] }),
}));

const targets = await (await fetch(`${INSPECTOR_URL}/json`)).json();
const target = targets.find((t) => t.id.includes('core:user')) ?? targets[0];
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
let next = 0;
const pending = new Map();
ws.on('message', (data) => {
  const message = JSON.parse(data);
  if (message.id && pending.has(message.id)) {
    pending.get(message.id)(message);
    pending.delete(message.id);
  }
});
const call = (method, params = {}) => new Promise((resolve) => {
  next += 1;
  pending.set(next, resolve);
  ws.send(JSON.stringify({ id: next, method, params }));
});

for (let i = 0; i < 5; i += 1) await (await send()).arrayBuffer(); // warm up
await call('Profiler.enable');
await call('Profiler.setSamplingInterval', { interval: INTERVAL_US });
await call('Profiler.start');
for (let i = 0; i < N; i += 1) {
  const response = await send();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
}
const { result: { profile } } = await call('Profiler.stop');
ws.close();

// Self time per node: its samples × the sampling interval. (The profile's span over its
// samples is no measure: the sampler is silent while the isolate waits, and the wait would be
// spread over what ran.)
const perSample = INTERVAL_US / 1000; // ms
const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const self = new Map();
for (const node of profile.nodes) {
  const name = node.callFrame.functionName || `(anonymous ${node.callFrame.url.split('/').pop()})`;
  self.set(name, (self.get(name) ?? 0) + (hits.get(node.id) ?? 0) * perSample);
}
const idle = ['(idle)', '(program)', '(garbage collector)'];
const busy = [...self].filter(([name]) => !idle.includes(name)).reduce((sum, [, ms]) => sum + ms, 0);
console.log(`\n${N} ${KIND} streams; ${(busy / N).toFixed(2)} ms of sampled JavaScript and WebAssembly per request`
  + ` (${idle.map((n) => `${n} ${((self.get(n) ?? 0) / N).toFixed(2)} ms`).join(', ')})\n`);
console.log('| function (self time) | ms per request | share |');
console.log('|---|---|---|');
for (const [name, ms] of [...self].filter(([n]) => !idle.includes(n)).sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`| ${name.slice(0, 110).replaceAll('|', '\\|')} | ${(ms / N).toFixed(3)} | ${(100 * ms / busy).toFixed(1)} % |`);
}
// Who calls the costliest: for each of the top functions, the nearest named Rust caller.
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const rustCaller = (node) => {
  for (let p = parent.get(node.id); p; p = parent.get(p.id)) {
    const name = p.callFrame.functionName;
    if (/::/.test(name) && !/^(wasm_bindgen|js_sys|web_sys|core|alloc|std|futures_[a-z]+|wasm_bindgen_futures)::/.test(name)) return name.replace(/::h[0-9a-f]{16}$/, '');
  }
  return '(no Rust caller)';
};
const callers = new Map();
for (const [id, count] of hits) {
  const node = byId.get(id);
  const name = node.callFrame.functionName;
  if (!name || idle.includes(name)) continue;
  const key = `${name}\u0000${rustCaller(node)}`;
  callers.set(key, (callers.get(key) ?? 0) + count * perSample);
}
console.log('\n| function ← its nearest Rust caller | ms per request |');
console.log('|---|---|');
for (const [key, ms] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  const [name, caller] = key.split('\u0000');
  console.log(`| ${name.replace(/::h[0-9a-f]{16}$/, '').slice(0, 60)} ← ${caller.slice(0, 80)} | ${(ms / N).toFixed(3)} |`);
}
// By crate: a Rust symbol's first path segment (`worker::…`, `serde_json::…`), else JavaScript.
const crates = new Map();
for (const [name, ms] of self) {
  if (idle.includes(name)) continue;
  const crate = /^[<]?([a-z_][a-z0-9_]*)::/.exec(name)?.[1] ?? (/^\$?[a-z_0-9]+$/i.test(name) && name.includes('_') ? 'wasm (unnamed)' : 'JavaScript and workerd');
  crates.set(crate, (crates.get(crate) ?? 0) + ms);
}
console.log('\n| crate | ms per request | share |');
console.log('|---|---|---|');
for (const [crate, ms] of [...crates].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  console.log(`| ${crate} | ${(ms / N).toFixed(3)} | ${(100 * ms / busy).toFixed(1)} % |`);
}
