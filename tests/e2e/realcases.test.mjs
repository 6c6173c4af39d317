// Real Bedrock traffic through the relay: requests and replies recorded from real Bedrock by
// other projects' test suites (tests/fixtures/realcases, provenance in its INDEX.md).
// - every request Bedrock accepted reaches Bedrock through the relay byte for byte;
// - every request Bedrock refused is refused with Bedrock's error name and words;
// - every recorded reply replays through the relay: a stream as the same frames (binary) or
//   as the same events (SSE), a Converse reply as the same JSON.
// The relay here rewrites nothing (no model list, output cap or project: scripts/test.sh).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { PASS_THROUGH_RELAY_URL as BASE, STANDIN_URL } from './env.mjs';
import { post, readSse } from './http.mjs';
import { cases, fixture as file, frames, replay } from './realcases.mjs';

const operation = (c) => (c.operation === 'ConverseStream' ? 'converse-stream' : 'converse');

/** The exact bytes of the last request the stand-in received. */
async function lastRequestBytes() {
  return Buffer.from(await (await fetch(`${STANDIN_URL}/_stand-in/last-request`)).arrayBuffer());
}

const withoutPadding = ({ p, ...rest }) => rest;

test('every request real Bedrock accepted reaches Bedrock through the relay byte for byte', async () => {
  const accepted = cases.filter((c) => c.category === 'accepted' && c.files.request && c.model_id);
  assert.ok(accepted.length >= 224);
  const failures = [];
  for (const c of accepted) {
    const sent = await file(c.files.request);
    const response = await post(c.model_id, operation(c), sent, {}, { base: BASE });
    const answer = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200) {
      failures.push(`${c.id} (${c.model_id}): HTTP ${response.status} ${answer.toString().slice(0, 200)}`);
      continue;
    }
    if (!(await lastRequestBytes()).equals(sent)) failures.push(`${c.id}: the body reached Bedrock changed`);
  }
  assert.deepEqual(failures, []);
});

test('every request real Bedrock refused is refused with its error name and words', async () => {
  const refused = cases.filter((c) => c.category === 'rejected');
  assert.equal(refused.length, 12);
  for (const c of refused) {
    const recorded = JSON.parse(await file(c.files.error));
    const response = await post(c.model_id, operation(c), await file(c.files.request), {}, { base: BASE });
    assert.equal(response.status, recorded.status, c.id);
    assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException', c.id);
    assert.equal((await response.json()).message, recorded.message, c.id);
  }
});

test('recorded streams replay through the relay: the same frames, or the same events as SSE', async () => {
  const streams = cases.filter((c) => c.category === 'accepted' && c.files.response?.endsWith('.response.bin'));
  assert.ok(streams.length >= 10);
  for (const c of streams) {
    const recorded = await file(c.files.response);
    const binary = await post('us.amazon.nova-lite-v1:0', 'converse-stream', replay(c.id), {}, { base: BASE });
    assert.equal(binary.status, 200, c.id);
    assert.equal(binary.headers.get('content-type'), 'application/vnd.amazon.eventstream');
    assert.ok(Buffer.from(await binary.arrayBuffer()).equals(recorded), `${c.id}: frames changed on the way`);

    const sse = await post('us.amazon.nova-lite-v1:0', 'converse-stream', replay(c.id), { accept: 'text/event-stream' }, { base: BASE });
    assert.equal(sse.status, 200, c.id);
    const { events } = await readSse(sse);
    const expected = frames(recorded).map(({ event, data }) => ({ event, data: withoutPadding(data) }));
    assert.deepEqual(events.map(({ event, data }) => ({ event, data: withoutPadding(data) })), expected, c.id);
  }
});

test('recorded Converse replies replay through the relay as the same JSON', async () => {
  const replies = cases.filter((c) => c.category === 'accepted' && c.id.startsWith('pyd-') && c.files.response?.endsWith('.response.json'));
  assert.ok(replies.length >= 190);
  for (const c of replies) {
    const response = await post('us.amazon.nova-lite-v1:0', 'converse', replay(c.id), {}, { base: BASE });
    assert.equal(response.status, 200, c.id);
    assert.deepEqual(await response.json(), JSON.parse(await file(c.files.response)), c.id);
  }
});
