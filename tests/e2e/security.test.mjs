// The relay on the open internet: who may call, what they may ask, what the page is served
// with, and what the log says.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { MODEL, RELAY_KEY, RELAY_LOG, RELAY_URL, SECRETS } from './env.mjs';
import { body, logLine, path, post, rawPost } from './http.mjs';

const errorType = (r) => r.headers.get('x-amzn-errortype');

test('API clients need a valid relay key', async () => {
  let r = await post(MODEL, 'converse', body('hi'), { authorization: null });
  assert.equal(r.status, 403);
  assert.equal(errorType(r), 'MissingAuthenticationTokenException');
  r = await post(MODEL, 'converse', body('hi'), { authorization: 'Bearer not-a-key-at-all-000000' });
  assert.equal(r.status, 403);
  assert.equal(errorType(r), 'UnrecognizedClientException');
  r = await post(MODEL, 'converse', body('hi'));
  assert.equal(r.status, 200);
});

test('with PAGE_ACCESS open, pages from the relay\'s own origin may call; other origins may not', async () => {
  assert.equal((await (await fetch(`${RELAY_URL}/v1/models`)).json()).pageAccess, 'open');
  let r = await post(MODEL, 'converse', body('hi'), { authorization: null, origin: RELAY_URL });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), RELAY_URL);
  r = await post(MODEL, 'converse', body('hi'), { authorization: null, origin: 'https://evil.example' });
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('access-control-allow-origin'), null);
});

test('CORS preflight is answered for allowed origins only, never with *', async () => {
  const preflight = (origin) => fetch(path(MODEL, 'converse-stream'), {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  let r = await preflight(RELAY_URL);
  assert.equal(r.status, 204);
  assert.equal(r.headers.get('access-control-allow-origin'), RELAY_URL);
  assert.match(r.headers.get('access-control-allow-methods'), /POST/);
  r = await preflight('https://evil.example');
  assert.equal(r.headers.get('access-control-allow-origin'), null);
});

test('model ids that could reach another upstream path are refused', async () => {
  // (A bare `..` segment never arrives: URL parsers resolve it, %2E%2E included.)
  for (const model of ['a/../../evil', 'x/./y', 'x y', 'a\u0000b']) {
    const r = await post(model, 'converse', body('hi'));
    assert.equal(r.status, 400, model);
    assert.equal(errorType(r), 'ValidationException');
    assert.match((await r.json()).message, /^The provided model identifier is invalid/);
  }
});

test('only offered models are served, and /v1/models lists them with capabilities', async () => {
  const r = await post('meta.llama3-70b-instruct-v1:0', 'converse', body('hi'));
  assert.equal(r.status, 403);
  assert.equal(errorType(r), 'AccessDeniedException');
  const list = await (await fetch(`${RELAY_URL}/v1/models`)).json();
  assert.equal(list.anyModel, false);
  const haiku = list.models.find((m) => m.modelId === MODEL);
  assert.equal(haiku.family, 'Claude 3 Haiku');
  assert.equal(haiku.contextWindow, 200000);
  assert.equal(haiku.maxOutputTokens, 4096);
  assert.equal(list.models.find((m) => m.modelId === 'amazon.titan-text-lite-v1').systemPrompt, false);
});

test('caps: body size (413), output tokens, and the cap set where none was asked', async () => {
  // Over the cap (1 MiB here): refused on its Content-Length, so only 1 KiB of it is sent (a
  // refusal that arrives while a whole body is still on its way can be lost to a TCP reset).
  const announced = { authorization: `Bearer ${RELAY_KEY}`, 'content-type': 'application/json', 'content-length': '1100000' };
  const big = await rawPost(path(MODEL, 'converse'), announced, (req) => req.write(Buffer.alloc(1024, ' ')));
  assert.equal(big.status, 413);
  assert.equal(big.type, 'ValidationException');
  let r = await post(MODEL, 'converse', body('hi', { inferenceConfig: { maxTokens: 5000 } }));
  assert.equal(r.status, 400);
  assert.match((await r.json()).message, /above this relay's limit of 4096/);
  await post(MODEL, 'converse', body('hi', { futureField: 1 }));
  // The request was written again to set maxTokens, and lost nothing on the way.
  const seen = await (await fetch(`${process.env.STANDIN_URL}/_stand-in/last-request`)).text();
  assert.match(seen, /"maxTokens":4096/);
});

test('the page is served with a strict Content-Security-Policy and safe headers', async () => {
  const r = await fetch(`${RELAY_URL}/`);
  const csp = r.headers.get('content-security-policy');
  assert.ok(csp, 'a CSP header');
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.match(csp, /frame-ancestors 'self'/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
});

test('a repeat visit needs only the page: its wasm, script and style are cached for good', async () => {
  const html = await (await fetch(`${RELAY_URL}/`)).text();
  const assets = [...html.matchAll(/['"](\/[\w-]+\.(?:wasm|js|css))['"]/g)].map((m) => m[1]);
  assert.deepEqual(new Set(assets.map((a) => a.split('.').pop())), new Set(['wasm', 'js', 'css']));
  for (const asset of assets) {
    const r = await fetch(`${RELAY_URL}${asset}`);
    assert.equal(r.status, 200, asset);
    assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable', asset);
    await r.arrayBuffer();
  }
  // What has a stable name is checked again on every use, so a deployment reaches everyone.
  for (const path of ['/', '/widget.js']) {
    const r = await fetch(`${RELAY_URL}${path}`);
    assert.doesNotMatch(r.headers.get('cache-control') ?? '', /immutable/, path);
    await r.arrayBuffer();
  }
});

test('each request leaves one JSON log line, with no secret and no message text', async () => {
  const secretText = 'a very private sentence 7q3z';
  const r = await post(MODEL, 'converse-stream', body(secretText), { accept: 'text/event-stream' });
  assert.match(r.headers.get('x-relay-request-id'), /^[0-9a-f]{16}$/);
  await r.text();
  const entry = await logLine(r);
  assert.equal(entry.caller, 'key:tests');
  assert.equal(entry.model, MODEL);
  assert.equal(entry.operation, 'converse-stream');
  assert.equal(entry.status, 200);
  assert.equal(entry.attempts, 1);
  assert.equal(entry.stopReason, 'end_turn');
  assert.ok(entry.inputTokens > 0 && entry.outputTokens > 0 && entry.ttfbMs >= 0 && entry.totalMs >= entry.ttfbMs);
  const log = await readFile(RELAY_LOG, 'utf8');
  assert.ok(!log.includes(secretText), 'message text in the log');
  for (const secret of SECRETS) assert.ok(!log.includes(secret), 'a secret in the log');
});

test('over a rate limit: 429 ThrottlingException with Retry-After', async () => {
  const limited = { authorization: `Bearer ${RELAY_KEY}-limited` }; // 3 requests a minute
  for (let i = 0; i < 3; i += 1) {
    assert.equal((await post(MODEL, 'converse', body(`n${i}`), limited)).status, 200);
  }
  const r = await post(MODEL, 'converse', body('one too many'), limited);
  assert.equal(r.status, 429);
  assert.equal(errorType(r), 'ThrottlingException');
  assert.ok(Number(r.headers.get('retry-after')) >= 1);
  assert.match((await r.json()).message, /^Rate limit exceeded/);
});

test('tokens per minute count what streamed replies used', async () => {
  const tokens = { authorization: `Bearer ${RELAY_KEY}-tokens`, accept: 'text/event-stream' }; // 20 tokens a minute
  const first = await post(MODEL, 'converse-stream', body('a first question that uses some tokens'), tokens);
  assert.equal(first.status, 200);
  await first.text();
  const r = await post(MODEL, 'converse-stream', body('again'), tokens);
  assert.equal(r.status, 429);
  assert.equal(errorType(r), 'ThrottlingException');
});
