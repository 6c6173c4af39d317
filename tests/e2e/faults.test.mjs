// The fault matrix: every failure gives a defined status or stream event, within a bounded
// time, and the relay stays usable.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MODEL, STANDIN_URL } from './env.mjs';
import { body, logLine, post, readSse } from './http.mjs';

const sse = { accept: 'text/event-stream' };
const stats = async () => (await fetch(`${STANDIN_URL}/_stand-in/stats`)).json();

test('throttling and 5xx are retried, then passed on with their name', async () => {
  for (const [status, name] of [[429, 'ThrottlingException'], [500, 'InternalServerException'], [503, 'ServiceUnavailableException']]) {
    const before = (await stats()).requests;
    const r = await post(MODEL, 'converse', body(`x [stand-in:http-${status}]`));
    assert.equal(r.status, status);
    assert.equal(r.headers.get('x-amzn-errortype'), name);
    assert.equal(r.headers.get('x-relay-attempts'), '3');
    assert.equal((await stats()).requests - before, 3, `${status} was tried three times`);
  }
  const r = await post(MODEL, 'converse', body('x [stand-in:http-429]'));
  assert.equal(r.headers.get('retry-after'), '1');
});

test('a throttled first attempt is invisible to the client when a retry succeeds', async () => {
  const r = await post(MODEL, 'converse-stream', body(`once ${Math.random()} [stand-in:http-503-once]`), sse);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-relay-attempts'), '2');
  const { events } = await readSse(r);
  assert.equal(events.at(-1).event, 'metadata');
});

// Bedrock refuses a ConverseStream it throttles before it begins with `200` and a
// `throttlingException` as the first frame ("ThrottlingException: Your request was denied due
// to exceeding the account quotas", a ConverseStreamOutput member in the service model).
// Nothing has reached the client then, so the relay retries as it does an HTTP 429.
test('a stream throttled at its first frame is retried, invisibly to the client', async () => {
  for (const accept of [sse, {}]) {
    const r = await post(MODEL, 'converse-stream', body(`first ${Math.random()} [stand-in:stream-throttlingException-first-once]`), accept);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-relay-attempts'), '2');
    if (accept.accept) {
      const { events } = await readSse(r);
      assert.deepEqual(events.filter((e) => /Exception/.test(e.event)), []);
      assert.equal(events.at(-1).event, 'metadata');
    } else {
      const bytes = Buffer.from(await r.arrayBuffer());
      // (The reply quotes the trigger, so the exception is looked for by its frame header.)
      assert.ok(!bytes.includes(':exception-type'), 'no exception frame reached an SDK client');
      assert.ok(bytes.includes('messageStop') && bytes.includes('metadata'));
    }
  }
  // Throttled every time: the last attempt's stream is passed on as Bedrock sent it.
  const r = await post(MODEL, 'converse-stream', body('x [stand-in:stream-throttlingException-first]'), sse);
  assert.equal(r.headers.get('x-relay-attempts'), '3');
  assert.deepEqual((await readSse(r)).events.map((e) => e.event), ['throttlingException']);
});

test('client errors are not retried', async () => {
  for (const [status, name] of [[400, 'ValidationException'], [403, 'AccessDeniedException'], [404, 'ResourceNotFoundException'],
    [408, 'ModelTimeoutException'], [424, 'ModelErrorException']]) {
    const r = await post(MODEL, 'converse', body(`x [stand-in:http-${status}]`));
    assert.equal(r.status, status);
    assert.equal(r.headers.get('x-amzn-errortype'), name);
    assert.equal(r.headers.get('x-relay-attempts'), '1');
  }
});

test('an upstream that never answers ends with ModelTimeoutException after the first-byte time-out', async () => {
  const started = performance.now();
  const r = await post(MODEL, 'converse-stream', body('x [stand-in:stall-start]'), sse);
  assert.equal(r.status, 408);
  assert.equal(r.headers.get('x-amzn-errortype'), 'ModelTimeoutException');
  assert.ok(performance.now() - started < 10_000);
});

test('an upstream that stalls mid-stream ends the stream with a time-out event, and is cancelled', async () => {
  const before = (await stats()).cancelled;
  const { events } = await readSse(await post(MODEL, 'converse-stream', body('x [stand-in:stall]'), sse));
  assert.equal(events.filter((e) => e.event === 'contentBlockDelta').length, 3);
  assert.equal(events.at(-1).event, 'error');
  assert.equal(events.at(-1).data.__type, 'ModelTimeoutException');
  await waitFor(async () => (await stats()).cancelled > before, 'the stand-in saw the upstream request cancelled');
});

test('a truncated frame and a frame with a bad CRC end the stream with an error event', async () => {
  for (const fault of ['truncate', 'bad-crc']) {
    const { events } = await readSse(await post(MODEL, 'converse-stream', body(`x [stand-in:${fault}]`), sse));
    assert.equal(events.at(-1).event, 'error', fault);
    assert.equal(events.at(-1).data.__type, 'InternalServerException');
  }
});

test('a client that goes away cancels the upstream request', async () => {
  const before = (await stats()).cancelled;
  const controller = new AbortController();
  const r = await post(MODEL, 'converse-stream', body('long please [stand-in:long]'), sse, { signal: controller.signal });
  const reader = r.body.getReader();
  await reader.read();
  controller.abort();
  await waitFor(async () => (await stats()).cancelled > before, 'the stand-in saw the stream cancelled');
});

// As Bedrock's frames (what the AWS SDKs and the page take), the relay hands the upstream body
// on natively and only watches a copy of it (#20); it adds no frame of its own. A stall cuts
// the stream after its whole frames, as a dying connection to Bedrock would; a damaged frame
// reaches the client's decoder as Bedrock sent it; each is named in the relay's log.
const frames = async (r) => {
  const chunks = [];
  let cut = false;
  try {
    for await (const chunk of r.body) chunks.push(chunk);
  } catch {
    cut = true;
  }
  const bytes = Buffer.concat(chunks);
  const types = [];
  const errors = [];
  let at = 0;
  while (at + 4 <= bytes.length && at + bytes.readUInt32BE(at) <= bytes.length) {
    const frame = bytes.subarray(at, at + bytes.readUInt32BE(at)).toString('latin1');
    types.push(/:event-type\x07..([a-zA-Z]+)/s.exec(frame)?.[1]);
    const error = /:error-code\x07..([a-zA-Z]+)/s.exec(frame)?.[1];
    if (error) errors.push(error);
    at += bytes.readUInt32BE(at);
  }
  return { types, errors, cut, partial: bytes.length - at };
};

test('as frames, a stall ends the stream after its whole frames, cancels the upstream, and is logged', async () => {
  const before = (await stats()).cancelled;
  const started = performance.now();
  const r = await post(MODEL, 'converse-stream', body('x [stand-in:stall]'));
  assert.equal(r.status, 200);
  // workerd cuts the response; wrangler dev's proxy in front of it may end it cleanly instead.
  // Either way the client has whole frames and no messageStop: its SDK reports an incomplete
  // reply (the page: chat.test.mjs).
  const { types, errors, partial } = await frames(r);
  assert.ok(performance.now() - started < 10_000, 'ended after the idle time-out (2 s), not left hanging');
  assert.equal(partial, 0);
  assert.equal(types.filter((t) => t === 'contentBlockDelta').length, 3);
  assert.ok(!types.includes('messageStop'));
  assert.deepEqual(errors, []);
  await waitFor(async () => (await stats()).cancelled > before, 'the stand-in saw the upstream request cancelled');
  const line = await logLine(r);
  assert.equal(line.error, 'ModelTimeoutException');
});

test('as frames, a frame cut off or damaged upstream reaches the client as Bedrock sent it, and is logged', async () => {
  const cutOff = await post(MODEL, 'converse-stream', body('x [stand-in:truncate]'));
  const received = await frames(cutOff);
  assert.equal(received.types.filter((t) => t === 'contentBlockDelta').length, 3);
  assert.ok(received.partial > 0, 'the half frame is passed on, for the client\'s decoder to refuse');
  assert.equal((await logLine(cutOff)).error, 'InternalServerException');
  const damaged = await post(MODEL, 'converse-stream', body('x [stand-in:bad-crc]'));
  await frames(damaged);
  assert.equal((await logLine(damaged)).error, 'InternalServerException');
});

test('as frames, a client that goes away cancels the upstream request, and the log says so', async () => {
  const before = (await stats()).cancelled;
  const controller = new AbortController();
  const r = await post(MODEL, 'converse-stream', body('long please [stand-in:long]'), {}, { signal: controller.signal });
  const reader = r.body.getReader();
  await reader.read();
  controller.abort();
  await waitFor(async () => (await stats()).cancelled > before, 'the stand-in saw the stream cancelled');
  assert.equal((await logLine(r)).error, 'ClientClosed');
});

test('malformed JSON gets a ValidationException body', async () => {
  const r = await post(MODEL, 'converse', '{"messages": [');
  assert.equal(r.status, 400);
  assert.equal(r.headers.get('x-amzn-errortype'), 'ValidationException');
  assert.match((await r.json()).message, /^Malformed input request/);
});

async function waitFor(check, what, ms = 8000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out: ${what}`);
}
