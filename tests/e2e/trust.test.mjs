// The relay's rules, tried as an attacker with curl would, against the strict relay that
// scripts/test.sh starts beside the main one: a guardrail enforced (`gr-enforced:1`), only a
// `us.` inference profile and one model offered, the relay's account known (AWS_ACCOUNT_ID),
// and no token limits (`RATE_LIMIT_TPM=0`, `RATE_LIMIT_IP_TPM=0`: 0 means off).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';

import { MODEL, RELAY_KEY, STRICT_RELAY_LOG, STRICT_RELAY_URL, WIDGET_TOKEN_SECRET } from './env.mjs';
import { body, lastRequest, logLine, path, post, rawPost, readSse } from './http.mjs';
import { freshChat, launch } from './page.mjs';

const PROFILE = 'us.anthropic.claude-3-5-sonnet-20240620-v1:0';
const strict = (model, op, payload, headers = {}) => post(model, op, payload, headers, { base: STRICT_RELAY_URL });
const sse = { accept: 'text/event-stream' };
const errorOf = async (r) => ({ status: r.status, type: r.headers.get('x-amzn-errortype'), ...(await r.json()) });

async function refusedBeforeBedrock(response) {
  const sent = await lastRequest();
  const e = await errorOf(await response);
  assert.deepEqual(await lastRequest(), sent, 'nothing reached Bedrock');
  return e;
}

// Bedrock evaluates only guardContent blocks when a request has any, checks an async stream's
// chunks after they were sent, and explains itself in a trace:
// https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-use-converse-api.html
test('an enforced guardrail cannot be narrowed to a harmless guardContent block', async () => {
  const decoy = { guardContent: { text: { text: 'What a lovely day.' } } };
  const inMessage = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'the real question' }, decoy] }] });
  let e = await refusedBeforeBedrock(strict(PROFILE, 'converse-stream', inMessage, sse));
  assert.deepEqual([e.status, e.type], [400, 'ValidationException']);
  assert.match(e.message, /^messages\[0\]\.content\[1\]: .*guardContent/);
  e = await refusedBeforeBedrock(strict(PROFILE, 'converse', body('the real question', { system: [{ text: 'x' }, decoy] })));
  assert.deepEqual([e.status, e.type], [400, 'ValidationException']);
  assert.match(e.message, /^system\[1\]: /);
});

test('an enforced guardrail checks each chunk before it is sent, and keeps its trace to itself', async () => {
  const guarded = (config) => body('hello', { guardrailConfig: { guardrailIdentifier: 'mine', guardrailVersion: '1', ...config } });
  let e = await refusedBeforeBedrock(strict(PROFILE, 'converse-stream', guarded({ streamProcessingMode: 'async' }), sse));
  assert.deepEqual([e.status, e.type], [400, 'ValidationException']);
  assert.match(e.message, /^guardrailConfig\.streamProcessingMode: /);
  for (const trace of ['enabled', 'enabled_full']) {
    e = await refusedBeforeBedrock(strict(PROFILE, 'converse', guarded({ trace })));
    assert.deepEqual([e.status, e.type], [400, 'ValidationException'], trace);
    assert.match(e.message, /^guardrailConfig\.trace: /);
  }
  // What does reach Bedrock carries the deployer's guardrail, processed synchronously.
  const r = await strict(PROFILE, 'converse-stream', guarded({ trace: 'disabled' }), sse);
  assert.equal(r.status, 200);
  await readSse(r);
  assert.deepEqual((await lastRequest()).guardrailConfig, {
    guardrailIdentifier: 'gr-enforced', guardrailVersion: '1', trace: 'disabled', streamProcessingMode: 'sync',
  });
});

test('an offered inference profile admits itself and its ARN here, not another geography or the bare id', async () => {
  for (const model of [PROFILE, `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${PROFILE}`]) {
    const r = await strict(model, 'converse', body('which model?'));
    assert.equal(r.status, 200, model);
    assert.match((await r.json()).output.message.content[0].text, /model /);
  }
  for (const model of [
    PROFILE.replace(/^us\./, 'global.'),
    PROFILE.replace(/^us\./, 'eu.'),
    PROFILE.replace(/^us\./, ''),
    `arn:aws:bedrock:us-east-1:999999999999:inference-profile/${PROFILE}`, // another account's
    `arn:aws:bedrock:eu-west-1:123456789012:inference-profile/${PROFILE}`, // another region's
    'arn:aws:bedrock:us-east-1:999999999999:application-inference-profile/anthropic.claude-3-haiku-20240307-v1:0',
  ]) {
    const e = await refusedBeforeBedrock(strict(model, 'converse', body('hi')));
    assert.deepEqual([e.status, e.type], [403, 'AccessDeniedException'], model);
  }
});

test('a token limit of 0 means no token limit, not "refuse everything"', async () => {
  for (let i = 0; i < 3; i += 1) {
    const r = await strict('anthropic.claude-3-haiku-20240307-v1:0', 'converse', body(`n${i}`));
    assert.equal(r.status, 200);
    assert.ok((await r.json()).usage.totalTokens > 0);
  }
});

test('Bedrock\'s access denials and 5xx texts are the relay\'s to read, not the caller\'s', async () => {
  // IAM's words name the relay's principal and account; a caller is told the error's name only.
  let r = await strict(PROFILE, 'converse', body('x [stand-in:iam-denied]'));
  let e = await errorOf(r);
  assert.deepEqual([e.status, e.type], [403, 'AccessDeniedException']);
  assert.doesNotMatch(e.message, /arn:aws:iam|123456789012|not authorized/);
  assert.match((await logLine(r, STRICT_RELAY_LOG)).upstreamMessage, /^User: arn:aws:iam::123456789012:user\/.* is not authorized/);
  r = await strict(PROFILE, 'converse-stream', body('x [stand-in:http-500]'), sse);
  e = await errorOf(r);
  assert.deepEqual([e.status, e.type], [500, 'InternalServerException']);
  assert.doesNotMatch(e.message, /stand-in trigger/);
  assert.match((await logLine(r, STRICT_RELAY_LOG)).upstreamMessage, /stand-in trigger/);
  // What the caller can act on keeps Bedrock's words.
  e = await errorOf(await strict(PROFILE, 'converse', body('x [stand-in:http-400]')));
  assert.deepEqual([e.status, e.message], [400, 'The provided request is not valid (stand-in trigger).']);
});

test('an HTTP tool that redirects is a tool error: its secret header goes nowhere else', async () => {
  // The stand-in's redirect points at its echo tool, which would answer with success.
  const r = await fetch(`${STRICT_RELAY_URL}/v1/tools/redirecting_tool`, {
    method: 'POST', headers: { authorization: `Bearer ${RELAY_KEY}`, 'content-type': 'application/json' }, body: '{}',
  });
  assert.deepEqual(await r.json(), { status: 'error', error: 'the tool answered with a redirect (HTTP 307), which is not followed' });
});

const keyed = { authorization: `Bearer ${RELAY_KEY}`, 'content-type': 'application/json' };

test('a body declared larger than the cap is refused before the rest of it is sent', async () => {
  // 1 KiB of the 50 MB announced is sent, then nothing: the answer cannot have waited for the
  // rest. (wrangler dev's proxy passes a request on once its body starts.)
  const announced = { ...keyed, 'content-length': String(50 * 1024 * 1024) };
  const r = await rawPost(path(PROFILE, 'converse', STRICT_RELAY_URL), announced, (req) => req.write(Buffer.alloc(1024, ' ')));
  assert.deepEqual([r.status, r.type], [413, 'ValidationException']);
  assert.match(JSON.parse(r.text).message, /larger than this relay takes \(1048576 bytes\)/);
});

test('a chunked body that never ends is cut off at the cap', { timeout: 30_000 }, async () => {
  let sent = 0;
  let answered = false;
  const r = await rawPost(path(PROFILE, 'converse', STRICT_RELAY_URL), { ...keyed, 'transfer-encoding': 'chunked' }, async (req) => {
    sent = 0;
    req.write('{"messages":[{"role":"user","content":[{"text":"');
    const chunk = Buffer.alloc(16 * 1024, 'a');
    // Twice the cap, then silence, the body still unfinished: a relay that reads on waits
    // forever (and the test fails on its time-out); and nothing is left in flight when the
    // relay answers, so the answer is not lost to a TCP reset.
    while (!answered && !req.destroyed && sent < 2 * 1024 * 1024) {
      sent += chunk.length;
      if (!req.write(chunk)) await new Promise((resolve) => { req.once('drain', resolve); req.once('close', resolve); });
      else await new Promise((resolve) => setImmediate(resolve));
    }
  });
  answered = true;
  assert.deepEqual([r.status, r.type], [413, 'ValidationException']);
  assert.ok(sent <= 2 * 1024 * 1024, `${sent} bytes were taken before the refusal`);
});

test('a conversation of countless tiny blocks is refused by count, before it is built', async () => {
  const blocks = Array.from({ length: 10_001 }, () => ({ text: 'x' }));
  const payload = JSON.stringify({ messages: [{ role: 'user', content: blocks }] });
  assert.ok(payload.length < 1024 * 1024, 'under the byte cap: the count is what refuses it');
  // The relay answers while the body is still arriving, so the client may not finish writing
  // it: sent as a client that reads the answer whatever becomes of its upload.
  const sent = await lastRequest();
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${RELAY_KEY}`, 'content-length': Buffer.byteLength(payload) };
  const answer = await rawPost(path(PROFILE, 'converse', STRICT_RELAY_URL), headers, (req) => req.end(payload));
  assert.deepEqual(await lastRequest(), sent, 'nothing reached Bedrock');
  assert.deepEqual([answer.status, answer.type], [400, 'ValidationException']);
  assert.match(JSON.parse(answer.text).message, /more than 10000 content blocks/);
});

test('requests the policy refuses still count against the caller\'s limit', async () => {
  const limited = { authorization: `Bearer ${RELAY_KEY}-limited` }; // 3 requests a minute
  for (let i = 0; i < 3; i += 1) {
    const e = await errorOf(await strict('some.unoffered-model-v1:0', 'converse', body('hi'), limited));
    assert.equal(e.status, 403);
  }
  const r = await strict(PROFILE, 'converse', body('now a good one'), limited);
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('x-amzn-errortype'), 'ThrottlingException');
  await r.arrayBuffer();
});

// PAGE_ACCESS: `Origin` is a header anyone can type, so it proves nothing. With the page off
// (the strict relay), a request without a key is refused whatever Origin it claims.
test('with PAGE_ACCESS off, a forged Origin gets nothing: no chat, no tool', async () => {
  const forged = { authorization: null, origin: STRICT_RELAY_URL };
  let e = await refusedBeforeBedrock(strict(PROFILE, 'converse-stream', body('hi'), { ...forged, ...sse }));
  assert.deepEqual([e.status, e.type], [403, 'MissingAuthenticationTokenException']);
  assert.match(e.message, /PAGE_ACCESS is off/);
  const r = await fetch(`${STRICT_RELAY_URL}/v1/tools/redirecting_tool`, {
    method: 'POST', headers: { origin: STRICT_RELAY_URL, 'content-type': 'application/json' }, body: '{}',
  });
  e = await errorOf(r);
  assert.deepEqual([e.status, e.type], [403, 'MissingAuthenticationTokenException']);
  // The same request with a key is served: the key is what counts.
  assert.equal((await strict(PROFILE, 'converse', body('hi'), { origin: STRICT_RELAY_URL })).status, 200);
});

test('with PAGE_ACCESS off, the page says it cannot chat here and how the deployer opens it', async () => {
  assert.equal((await (await fetch(`${STRICT_RELAY_URL}/v1/models`)).json()).pageAccess, 'off');
  const browser = await launch();
  try {
    const chat = await freshChat(browser, STRICT_RELAY_URL);
    const notice = chat.page.getByRole('alert').filter({ hasText: 'PAGE_ACCESS=open' });
    await notice.waitFor();
    assert.match(await notice.textContent(), /serves API keys only/);
  } finally {
    await browser.close();
  }
});

test('a client that hangs up before the reply\'s usage arrives is still charged its tokens', async () => {
  // This key may use 3,000 tokens a minute; a request reserves its body's size and the
  // relay's output cap (4,096) until Bedrock's usage settles it.
  const key = { authorization: `Bearer ${RELAY_KEY}-hangup`, ...sse };
  const short = async (text) => {
    const r = await post(MODEL, 'converse-stream', body(text), key);
    assert.equal(r.status, 200);
    const { events } = await readSse(r);
    return events.find((e) => e.event === 'metadata').data.usage.totalTokens;
  };
  // Settled to what the replies used: the next request is admitted.
  assert.ok((await short('one')) + (await short('two')) < 3000);
  // A stream the client leaves after its first event: no usage ever arrives.
  const controller = new AbortController();
  const r = await post(MODEL, 'converse-stream', body('x [stand-in:stall]'), key, { signal: controller.signal });
  const reader = r.body.getReader();
  await reader.read();
  controller.abort();
  await reader.closed.catch(() => {});
  const after = await post(MODEL, 'converse', body('and now?'), key);
  assert.equal(after.status, 429, 'the reservation of the abandoned stream is still charged');
  assert.equal(after.headers.get('x-amzn-errortype'), 'ThrottlingException');
  await after.arrayBuffer();
});

// Widget visitor tokens: `v1.<site, base64url>.<visitor>.<expiry>.<HMAC-SHA256, base64url>`.
// The test can mint them because it knows the relays' WIDGET_TOKEN_SECRET, as no client does.
function mint(site, expirySecs, secret = WIDGET_TOKEN_SECRET) {
  const signed = `v1.${Buffer.from(site).toString('base64url')}.t3st.${expirySecs}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}
const SITE = 'http://open.example';
const visitor = (token, site = SITE) => ({ authorization: null, origin: STRICT_RELAY_URL, 'x-converse-widget': site, 'x-converse-widget-token': token });
const issued = async (site = SITE) =>
  (await (await fetch(`${STRICT_RELAY_URL}/v1/widget`, { headers: { 'x-converse-widget': site } })).json()).token;

test('a widget visitor proves its site with a token the relay signed; a bare site header gets nothing', async () => {
  // With PAGE_ACCESS off, the widget still works: its token, not the page, admits it.
  let r = await strict(PROFILE, 'converse', body('hi'), visitor(await issued()));
  assert.equal(r.status, 200);
  await r.arrayBuffer();
  const now = Math.floor(Date.now() / 1000);
  assert.equal((await strict(PROFILE, 'converse', body('hi'), visitor(mint(SITE, now + 60)))).status, 200, 'a well-made token');
  const refusals = {
    'no token': { authorization: null, origin: STRICT_RELAY_URL, 'x-converse-widget': SITE },
    'signed with another key': visitor(mint(SITE, now + 60, 'not-the-relays-secret-0123456789abcdef')),
    expired: visitor(mint(SITE, now - 1)),
    'another site named': visitor(await issued(), 'http://elsewhere.example'),
    'a site no longer allowed': visitor(mint('http://gone.example', now + 60), 'http://gone.example'),
  };
  for (const [what, headers] of Object.entries(refusals)) {
    const e = await refusedBeforeBedrock(strict(PROFILE, 'converse', body('hi'), headers));
    assert.deepEqual([e.status, e.type], [403, 'AccessDeniedException'], what);
  }
});

test('a site\'s limit adds to a key\'s: a key cannot escape its own limit by naming a site', async () => {
  const key = { authorization: `Bearer ${RELAY_KEY}-sitekey` }; // 2 requests a minute
  for (let i = 0; i < 2; i += 1) assert.equal((await strict(PROFILE, 'converse', body(`n${i}`), key)).status, 200);
  const r = await strict(PROFILE, 'converse', body('through a site'), { ...visitor(await issued()), ...key });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('x-amzn-errortype'), 'ThrottlingException');
  await r.arrayBuffer();
});
