// Benchmark: the relay's fixed cost per request, apart from streaming — the workerd process
// tree's CPU per request (user + system, over a series of requests one after another) for a
// health check, the model listing, and a one-word stream, the stream series repeated so that
// a cost growing with the requests the rate limiter remembers shows. Prints figures; asserts
// nothing. Run by `scripts/bench.sh fixed`; FIXED_FLOOR=1 runs only the health check and the
// one-word stream, once each, against a JavaScript worker that answers the one and passes the
// other through (the floor: workerd's and the harness's own cost).
import { cpuMs } from './proc.mjs';

const { RELAY_URL, RELAY_KEY_SECRET, RELAY_PID } = process.env;
const N = Number(process.env.BENCH_FIXED_RUNS ?? 300);
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

async function series(name, send) {
  const before = cpuMs(Number(RELAY_PID));
  const started = performance.now();
  for (let i = 0; i < N; i += 1) {
    const response = await send();
    if (response.status !== 200) throw new Error(`${name}: HTTP ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  }
  const cpu = (cpuMs(Number(RELAY_PID)) - before) / N;
  const wall = (performance.now() - started) / N;
  console.log(`| ${name} | ${cpu.toFixed(2)} ms | ${wall.toFixed(2)} ms |`);
}

if (process.env.FIXED_FLOOR) {
  for (const [name, send] of [['GET /v1/health', kinds['GET /v1/health']], ['one-word stream', kinds['one-word stream (frames)']]]) {
    await (await send()).arrayBuffer(); // warm up
    await series(`floor, a JavaScript worker: ${name}`, send);
  }
} else {
  for (const send of Object.values(kinds)) await (await send()).arrayBuffer(); // warm up
  console.log(`\n${N} requests each, one after another:\n`);
  console.log('| request | CPU per request | wall per request |');
  console.log('|---|---|---|');
  for (const [name, send] of Object.entries(kinds)) await series(name, send);
  for (let round = 2; round <= 4; round += 1) {
    await series(`one-word stream (frames), again (${(round - 1) * N} before it in the minute)`, kinds['one-word stream (frames)']);
  }
}
