// The relay in workerd (wrangler dev) in front of the stand-in, called as any HTTP client would.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MODEL, RELAY_URL, SECRETS, STANDIN_DELAY_MS } from './env.mjs';
import { body, post, readSse } from './http.mjs';

test('converse through the relay returns Bedrock\'s JSON', async () => {
  const response = await post(MODEL, 'converse', body('hello relay', { inferenceConfig: { maxTokens: 200 } }));
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^application\/json/);
  const reply = await response.json();
  assert.equal(reply.output.message.role, 'assistant');
  assert.match(reply.output.message.content[0].text, /^You said: “hello relay”\./);
  assert.equal(reply.stopReason, 'end_turn');
  assert.equal(reply.usage.inputTokens, 2);
  assert.equal(reply.usage.totalTokens, reply.usage.inputTokens + reply.usage.outputTokens);
  assert.equal(typeof reply.metrics.latencyMs, 'number');
});

test('converse-stream arrives as SSE, event by event, before the upstream has finished', async () => {
  const started = performance.now();
  const response = await post(MODEL, 'converse-stream', body('stream this to me'), { accept: 'text/event-stream' });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const { events, reads } = await readSse(response);

  const names = events.map((e) => e.event);
  assert.equal(names[0], 'messageStart');
  assert.deepEqual(names.slice(-3), ['contentBlockStop', 'messageStop', 'metadata']);
  const deltas = events.filter((e) => e.event === 'contentBlockDelta');
  assert.ok(deltas.length >= 8, `${deltas.length} deltas`);
  for (const e of events) assert.ok(!('p' in e.data), `padding leaked in ${e.event}`);

  // The stand-in pauses STANDIN_DELAY_MS before each delta. Had the relay buffered the reply,
  // everything would arrive at once; streamed, the first delta comes long before the end.
  const firstDelta = deltas[0].at;
  const stop = events.find((e) => e.event === 'messageStop').at;
  const upstreamSpan = (deltas.length - 1) * STANDIN_DELAY_MS;
  assert.ok(stop - firstDelta >= upstreamSpan * 0.8,
    `first delta ${Math.round(firstDelta - started)} ms, messageStop ${Math.round(stop - started)} ms, upstream needs ≥ ${upstreamSpan} ms between them`);
  assert.ok(reads >= deltas.length / 2, `${reads} reads for ${deltas.length} deltas`);

  // Streamed and unstreamed replies agree.
  const text = deltas.map((e) => e.data.delta.text).join('');
  const converse = await (await post(MODEL, 'converse', body('stream this to me'))).json();
  assert.equal(text, converse.output.message.content[0].text);
  const meta = events.at(-1).data;
  assert.deepEqual(meta.usage, converse.usage);
  assert.equal(events.at(-2).data.stopReason, 'end_turn');
});

test('without Accept: text/event-stream the relay passes Bedrock\'s binary frames through', async () => {
  const response = await post(MODEL, 'converse-stream', body('binary please'));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/vnd.amazon.eventstream');
  const bytes = new Uint8Array(await response.arrayBuffer());
  // Walk the frames by their prelude (total length, big-endian) and read each :event-type.
  const view = new DataView(bytes.buffer);
  const types = [];
  for (let at = 0; at < bytes.length;) {
    const total = view.getUint32(at);
    const frame = new TextDecoder().decode(bytes.subarray(at, at + total));
    types.push(/:event-type\x07..([a-zA-Z]+)/s.exec(frame)?.[1]);
    assert.match(frame, /"p":"[a-zA-Z0-9]+"/, 'Bedrock\'s padding is passed through untouched');
    at += total;
  }
  assert.equal(types[0], 'messageStart');
  assert.deepEqual(types.slice(-3), ['contentBlockStop', 'messageStop', 'metadata']);
});

test('a burst of 2,000 events arrives whole and in order, in a few writes, as SSE and as frames', async () => {
  const prompt = 'all at once [stand-in:words-2000] [stand-in:delay-0]';
  const converse = await (await post(MODEL, 'converse', body(prompt))).json();
  const expected = converse.output.message.content[0].text;

  const burst = async () => readSse(await post(MODEL, 'converse-stream', body(prompt), { accept: 'text/event-stream' }));
  let { events, reads } = await burst();
  // Writing together needs the upstream to outpace the relay, which a busy two-core machine
  // upset once in a full run (1,836 reads): a second stream written one event at a time is
  // the regression this looks for.
  if (reads >= events.length / 2) ({ events, reads } = await burst());
  const deltas = events.filter((e) => e.event === 'contentBlockDelta');
  assert.ok(deltas.length >= 2000, `${deltas.length} deltas`);
  assert.equal(deltas.map((e) => e.data.delta.text).join(''), expected);
  assert.deepEqual(events.map((e) => e.event).slice(-3), ['contentBlockStop', 'messageStop', 'metadata']);
  // Arriving faster than they are written, events go out together, not one write each.
  assert.ok(reads < deltas.length / 2, `${reads} reads for ${deltas.length} deltas`);

  const frames = await post(MODEL, 'converse-stream', body(prompt));
  const bytes = new Uint8Array(await frames.arrayBuffer());
  const view = new DataView(bytes.buffer);
  let text = '';
  let count = 0;
  let at = 0;
  while (at < bytes.length) {
    const total = view.getUint32(at);
    const headers = view.getUint32(at + 4);
    const frame = bytes.subarray(at, at + total);
    assert.equal(frame.length, total, `frame ${count} is whole`);
    const payload = JSON.parse(new TextDecoder().decode(frame.subarray(12 + headers, total - 4)));
    if (payload.delta?.text !== undefined) text += payload.delta.text;
    count += 1;
    at += total;
  }
  assert.equal(at, bytes.length, 'the stream ends at a frame boundary');
  assert.equal(count, events.length, 'as many frames as SSE events');
  assert.equal(text, expected);
});

test('model ids with ":" and "/" (inference profiles, ARNs) reach the model', async () => {
  for (const model of ['us.amazon.nova-lite-v1:0', 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0']) {
    const reply = await (await post(model, 'converse', body('which model?'))).json();
    assert.ok(reply.output.message.content[0].text.includes(`model ${model}.)`), JSON.stringify(reply));
  }
});

test('Bedrock\'s errors keep their name, status and message', async () => {
  let response = await post(MODEL, 'converse', JSON.stringify({ messages: [{ role: 'assistant', content: [{ text: 'hi' }] }] }));
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException');
  assert.match((await response.json()).message, /^A conversation must start with a user message/);

  response = await post(MODEL, 'converse-stream', body('x [stand-in:throttle]'), { accept: 'text/event-stream' });
  assert.equal(response.status, 429);
  assert.equal(response.headers.get('x-amzn-errortype'), 'ThrottlingException');
  assert.match((await response.json()).message, /Too many requests/);

  response = await post(MODEL, 'converse', '{"messages": [');
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException');
  assert.match((await response.json()).message, /^Malformed input request/);

  response = await fetch(`${RELAY_URL}/model/${MODEL}/invoke`, { method: 'POST', body: '{}' });
  assert.equal(response.status, 404);
  assert.equal(response.headers.get('x-amzn-errortype'), 'UnknownOperationException');
});

test('an exception in the middle of a stream arrives as its own SSE event', async () => {
  const response = await post(MODEL, 'converse-stream', body('x [stand-in:stream-throttle]'), { accept: 'text/event-stream' });
  assert.equal(response.status, 200);
  const { events } = await readSse(response);
  assert.ok(events.some((e) => e.event === 'contentBlockDelta'));
  const last = events.at(-1);
  assert.equal(last.event, 'throttlingException');
  assert.match(last.data.message, /Too many tokens/);
});

test('fields the wire model does not know yet reach Bedrock unchanged', async () => {
  // The stand-in rejects unknown top-level fields by name: so the relay forwarded it as sent.
  const response = await post(MODEL, 'converse', body('hi', { futureField: { x: 1 } }));
  assert.equal(response.status, 400);
  assert.match((await response.json()).message, /extraneous key \[futureField\]/);
});

test('the page and the API share one origin, and no secret reaches a client', async () => {
  const page = await fetch(`${RELAY_URL}/`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<title>converse-edge<\/title>/);
  const texts = [html];
  for (const payload of [body('hi'), body('x [stand-in:throttle]'), '{']) {
    texts.push(await (await post(MODEL, 'converse', payload)).text());
    const r = await post(MODEL, 'converse-stream', payload, { accept: 'text/event-stream' });
    texts.push(JSON.stringify([...r.headers]), await r.text());
  }
  for (const secret of SECRETS) {
    for (const text of texts) assert.ok(!text.includes(secret), 'a secret appeared in a response');
  }
});

test('a Converse reply that takes longer than the first-byte time-out to write still arrives', async () => {
  // Bedrock sends nothing, not even headers, until a Converse reply is written; the stand-in
  // does the same with `delay-N` (here ≈ 20 deltas × 250 ms, past this relay's 3 s
  // FIRST_BYTE_TIMEOUT_MS, which is for streams).
  const started = performance.now();
  const r = await post(MODEL, 'converse', body('take your time [stand-in:delay-250] [stand-in:words-12]'));
  assert.equal(r.status, 200, await r.clone().text());
  assert.ok(performance.now() - started > 3000, 'the reply took longer than the first-byte time-out');
  assert.equal((await r.json()).stopReason, 'end_turn');
});
