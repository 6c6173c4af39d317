// A caller's rate-limit count lives in its Durable Object's storage, not only in memory: when
// the object is evicted and starts again (a deploy, an idle eviction, a crash), the count is
// still there, so a restart is no way around a limit. The built worker runs here in workerd
// through Miniflare, which restarts with the same Durable Object storage, as Cloudflare does.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { Miniflare } from 'miniflare';

import { STANDIN_URL } from './env.mjs';

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const SECRET = `restart-test-key-${Math.random().toString(36).slice(2)}`;
const storage = await mkdtemp(join(tmpdir(), 'converse-edge-limits-'));
after(() => rm(storage, { recursive: true, force: true }));

/** The relay in workerd, its Durable Objects kept in `storage`. */
function relay() {
  return new Miniflare({
    modules: true,
    scriptPath: 'edge-worker/build/index.js',
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-01',
    bindings: {
      BEDROCK_ENDPOINT: STANDIN_URL,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.STANDIN_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: process.env.STANDIN_SECRET_ACCESS_KEY,
      AWS_SESSION_TOKEN: process.env.STANDIN_SESSION_TOKEN,
      RELAY_API_KEYS: `restart:${SECRET}:2:1000000`, // two requests a minute
    },
    durableObjects: { RATE_LIMITER: { className: 'RateLimiter', useSQLite: true } },
    durableObjectsPersist: storage,
    // The worker's log lines are the main relay suite's concern; here they would only be noise.
    handleRuntimeStdio(stdout, stderr) { stdout.resume(); stderr.resume(); },
  });
}

async function converse(mf) {
  const response = await mf.dispatchFetch(`http://relay.test/model/${encodeURIComponent(MODEL)}/converse`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
    body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'count me' }] }] }),
  });
  await response.arrayBuffer();
  return response;
}

test('a caller over its limit is still over it after the relay and its Durable Objects restart', async () => {
  const first = relay();
  assert.equal((await converse(first)).status, 200);
  assert.equal((await converse(first)).status, 200);
  assert.equal((await converse(first)).status, 429);
  await first.dispose();

  const again = relay();
  try {
    const refused = await converse(again);
    assert.equal(refused.status, 429, 'the count survived the restart');
    assert.equal(refused.headers.get('x-amzn-errortype'), 'ThrottlingException');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
  } finally {
    await again.dispose();
  }
});
