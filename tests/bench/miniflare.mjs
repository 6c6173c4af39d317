// Runs the built relay in workerd through Miniflare's API, without `wrangler dev` (whose
// own proxy worker and dev-server layers sit in front of the worker there), so the benchmark
// can tell the relay's cost from the local dev tooling's. Prints "listening on <url>" and
// runs until killed. Reads the relay's variables from the env file given as the argument.
// WORKER_SCRIPT=<built index.js, under this directory> runs another built worker instead (the
// bench's Rust floor).
import { readFileSync } from 'node:fs';

import { Miniflare } from 'miniflare';

// wrangler.toml's [vars] first (as wrangler dev reads them), then the env file's.
const toml = readFileSync('edge-worker/wrangler.toml', 'utf8');
const tomlVars = Object.fromEntries(
  [...(/^\[vars\]\n([\s\S]*?)(?=^\[)/m.exec(toml)?.[1] ?? '').matchAll(/^([A-Z_]+)\s*=\s*"(.*)"$/gm)]
    .map((m) => [m[1], m[2]]),
);
const vars = Object.fromEntries(
  readFileSync(process.argv[2], 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1).replace(/^'(.*)'$/, '$1')];
    }),
);

// Every floor's call to the stand-in: the request's path, POSTed with the stand-in's key.
const UPSTREAM = `const upstream = (url, env, body, init = {}) => fetch(env.BEDROCK_ENDPOINT + url.pathname, {
  method: 'POST', body, ...init,
  headers: { 'content-type': 'application/json', authorization: 'Bearer ' + env.STANDIN_API_KEY },
});
`;

// FLOOR=1: instead of the relay, the least a worker can do: hand Bedrock's body straight back
// (JavaScript, no Rust, no decoding) — what workerd itself costs per stream; and answer a
// health check as the relay does, what workerd costs per request.
const FLOOR = `${UPSTREAM}export default {
  fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/v1/health') return Response.json({ status: 'ok' });
    return upstream(url, env, request.body);
  },
};`;

// FLOOR=read: a JavaScript worker that reads each chunk of Bedrock's body and writes it on
// unchanged: the least any delivery that rewrites the stream (SSE) can cost in workerd.
const READING_FLOOR = `${UPSTREAM}export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const answer = await upstream(url, env, request.body);
    const reader = answer.body.getReader();
    const { readable, writable } = new IdentityTransformStream();
    const writer = writable.getWriter();
    ctx.waitUntil((async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        writer.write(value);
      }
      await writer.close();
    })());
    return new Response(readable, answer);
  },
};`;

// FLOOR=transform: a JavaScript worker that pipes Bedrock's body through a TransformStream
// whose transform hands each chunk on: workerd reads the body itself, and calls the worker
// once per chunk. The least a delivery that rewrites the stream chunk by chunk, in a
// transform, can cost.
const TRANSFORM_FLOOR = `${UPSTREAM}export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const answer = await upstream(url, env, request.body);
    const through = new TransformStream({ transform(chunk, controller) { controller.enqueue(chunk); } });
    return new Response(answer.body.pipeThrough(through), answer);
  },
};`;
// FLOOR=tee: the JavaScript pass-through, but teeing Bedrock's body as the relay does: one
// branch handed to the client natively, the other read to its end after the response is
// returned (the relay reads it for the reply's metadata). What the tee costs by itself.
const TEE_FLOOR = `${UPSTREAM}export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/v1/health') return Response.json({ status: 'ok' });
    const answer = await upstream(url, env, request.body);
    const [client, kept] = answer.body.tee();
    ctx.waitUntil((async () => {
      const reader = kept.getReader();
      while (!(await reader.read()).done);
    })());
    return new Response(client, answer);
  },
};`;
// FLOOR=shape: JavaScript asking workerd for everything the relay's frames delivery asks of it,
// and doing nothing else: the request body read whole, an abortable subrequest, the tee, the
// opening read raced with a timer (the relay waits for the first frame, to retry a throttled
// one), one branch piped through an IdentityTransformStream, the other watched (each read
// followed by a 100 ms timer raced with the pipe's end, an idle deadline) after the answer, and
// one log line. The difference between the relay and this is the isolate's own code.
const SHAPE_FLOOR = `${UPSTREAM}export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === '/v1/health') return Response.json({ status: 'ok' });
    const body = await request.arrayBuffer();
    const controller = new AbortController();
    const answer = await upstream(url, env, body, { signal: controller.signal });
    const [watched, whole] = answer.body.tee();
    const reader = watched.getReader();
    const race = (promise, ms) => {
      let timer;
      return Promise.race([promise, new Promise((done) => { timer = setTimeout(done, ms); })])
        .finally(() => clearTimeout(timer));
    };
    const opening = await race(reader.read(), 30000);
    const pipe = new IdentityTransformStream();
    const piped = whole.pipeTo(pipe.writable);
    ctx.waitUntil((async () => {
      let pipeDone = false;
      piped.finally(() => { pipeDone = true; });
      let next = opening;
      while (next && !next.done) {
        if (!pipeDone) await race(piped, 100);
        next = await race(reader.read(), 30000);
      }
      console.log(JSON.stringify({ status: 200, model: url.pathname, outputTokens: 9, stopReason: 'end_turn' }));
    })());
    return new Response(pipe.readable, answer);
  },
};`;
const FLOORS = { read: READING_FLOOR, transform: TRANSFORM_FLOOR, tee: TEE_FLOOR, shape: SHAPE_FLOOR };

const mf = new Miniflare({
  host: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  // INSPECTOR_PORT: V8's inspector, for a CPU profile of the worker (tests/bench/profile.mjs).
  ...(process.env.INSPECTOR_PORT ? { inspectorPort: Number(process.env.INSPECTOR_PORT) } : {}),
  modules: true,
  ...(process.env.FLOOR ? { script: FLOORS[process.env.FLOOR] ?? FLOOR } : { scriptPath: process.env.WORKER_SCRIPT ?? 'edge-worker/build/index.js' }),
  modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
  compatibilityDate: '2026-04-01',
  bindings: { ...tomlVars, ...vars, STANDIN_API_KEY: process.env.STANDIN_API_KEY ?? '' },
  durableObjects: { RATE_LIMITER: { className: 'RateLimiter', useSQLite: true } },
  assets: { directory: 'dist', binding: 'ASSETS', routerConfig: { has_user_worker: true } },
});
const url = await mf.ready;
console.log(`listening on ${url.origin}`);
