// Benchmark: the relay's fixed cost per request, apart from streaming — the workerd process
// tree's CPU per request (user + system, over a series of requests one after another) for a
// health check, the model listing, and a one-word stream, the stream series repeated so that
// a cost growing with the requests the rate limiter remembers shows. Prints figures; asserts
// nothing. Run by `scripts/bench.sh fixed`; FIXED_FLOOR="<what it is>" runs only the health
// check and the one-word stream (warm-up, then one series each) against a floor worker that
// answers the one and passes the other through (scripts/bench.sh says which floors and why).
import { cpuMsByProcess } from './proc.mjs';

const { RELAY_URL, RELAY_KEY_SECRET, RELAY_PID } = process.env;
const N = Number(process.env.BENCH_FIXED_RUNS ?? 300);
// A new isolate's first requests also pay for V8 compiling the worker (its wasm tiers up on
// background threads of the same process): a series of each kind runs first, printed apart as
// the warm-up, so that the table's figures are an isolate's steady state, as on Cloudflare,
// where an isolate serves many requests.
const WARM = Number(process.env.BENCH_FIXED_WARM ?? 300);
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const keyed = { authorization: `Bearer ${RELAY_KEY_SECRET}` };

const kinds = {
  'GET /v1/health': () => fetch(`${RELAY_URL}/v1/health`),
  'GET /v1/models': () => fetch(`${RELAY_URL}/v1/models`, { headers: keyed }),
  'one-word stream (frames)': () => fetch(`${RELAY_URL}/model/${encodeURIComponent(MODEL)}/converse-stream`, {
    method: 'POST',
    headers: { ...keyed, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'one [stand-in:words-0]' }] }] }),
  }),
};

async function series(name, send, n = N) {
  const before = cpuMsByProcess(Number(RELAY_PID));
  const started = performance.now();
  for (let i = 0; i < n; i += 1) {
    const response = await send();
    if (response.status !== 200) throw new Error(`${name}: HTTP ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  }
  const after = cpuMsByProcess(Number(RELAY_PID));
  const spent = (proc) => ((after[proc] ?? 0) - (before[proc] ?? 0)) / n;
  const cpu = Object.keys(after).reduce((sum, proc) => sum + spent(proc), 0);
  const wall = (performance.now() - started) / n;
  console.log(`| ${name} | ${cpu.toFixed(2)} ms | ${spent('workerd').toFixed(2)} ms | ${wall.toFixed(2)} ms |`);
}

if (process.env.FIXED_FLOOR) {
  // FIXED_KINDS=stream: the stream only (a floor whose health check is another floor's).
  const floorKinds = [['GET /v1/health', kinds['GET /v1/health']], ['one-word stream', kinds['one-word stream (frames)']]]
    .filter(([name]) => process.env.FIXED_KINDS !== 'stream' || name !== 'GET /v1/health');
  for (const [name, send] of floorKinds) {
    await series(`floor, ${process.env.FIXED_FLOOR}, warm-up (first ${WARM}): ${name}`, send, WARM);
    await series(`floor, ${process.env.FIXED_FLOOR}: ${name}`, send);
  }
} else {
  console.log(`\n${N} requests each, one after another, after a warm-up of ${WARM}:\n`);
  console.log('| request | CPU per request | of which workerd (the rest: Miniflare\'s node) | wall per request |');
  console.log('|---|---|---|---|');
  for (const [name, send] of Object.entries(kinds)) await series(`warm-up (first ${WARM}): ${name}`, send, WARM);
  for (const [name, send] of Object.entries(kinds)) await series(name, send);
  for (let round = 2; round <= 4; round += 1) {
    await series(`one-word stream (frames), again (${(round - 1) * N + WARM} before it in the minute)`, kinds['one-word stream (frames)']);
  }
}
