// The deployer's HTTP tools, run by the relay so their secret headers never reach a client.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RELAY_KEY, RELAY_URL, TOOL_SECRET } from './env.mjs';

const auth = { authorization: `Bearer ${RELAY_KEY}`, 'content-type': 'application/json' };
const run = (name, input) => fetch(`${RELAY_URL}/v1/tools/${name}`, { method: 'POST', headers: auth, body: JSON.stringify(input) });

test('GET /v1/tools lists the declared tools as Bedrock tool specs, without their targets or secrets', async () => {
  const text = await (await fetch(`${RELAY_URL}/v1/tools`)).text();
  const { tools } = JSON.parse(text);
  assert.deepEqual(tools.map((t) => t.toolSpec.name).slice(0, 4), ['lookup_order', 'broken_tool', 'slow_tool', 'forecast']);
  assert.deepEqual(tools[0].toolSpec.inputSchema.json.required, ['orderId']);
  assert.ok(!text.includes('_stand-in') && !text.includes(TOOL_SECRET) && !text.includes('TOOL_SECRET'));
});

test('a tool runs with its secret header, and the secret is not in the answer', async () => {
  const r = await run('lookup_order', { orderId: 'A-1001' });
  const text = await r.text();
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(text), { status: 'success', result: { echo: { orderId: 'A-1001' }, secretSeen: true } });
  assert.ok(!text.includes(TOOL_SECRET));
});

test('input that does not fit the schema is refused before any call', async () => {
  const r = await (await run('lookup_order', { orderId: 'not valid!', extra: 1 })).json();
  assert.equal(r.status, 'error');
  assert.match(r.error, /^the input does not fit the tool's schema: /);
  assert.match(r.error, /orderId/);
});

test('a failing tool and a tool that times out are tool errors', async () => {
  let r = await (await run('broken_tool', {})).json();
  assert.deepEqual(r, { status: 'error', error: 'the tool answered HTTP 500: the test tool failed on purpose' });
  const started = performance.now();
  r = await (await run('slow_tool', {})).json();
  assert.deepEqual(r, { status: 'error', error: 'the tool did not answer within 1.5 s' });
  assert.ok(performance.now() - started < 5000);
});

test('unknown tools and callers without a key are refused', async () => {
  assert.equal((await run('no_such_tool', {})).status, 404);
  const r = await fetch(`${RELAY_URL}/v1/tools/lookup_order`, { method: 'POST', body: '{}' });
  assert.equal(r.status, 403);
});
