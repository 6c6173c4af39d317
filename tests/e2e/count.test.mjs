// CountTokens (`POST /model/{modelId}/count-tokens`) through the relay, under the identity,
// policy and log line of Converse. AWS: "The token count returned by this operation will match
// the token count that would be charged if the same input were sent to the model"; it takes a
// foundation model's id, and other projects recorded it refusing inference profiles with "The
// provided model doesn't support counting tokens."
// (https://docs.aws.amazon.com/bedrock/latest/userguide/count-tokens.html)
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RELAY_URL, STANDIN_URL, STRICT_RELAY_URL } from './env.mjs';
import { logLine, post } from './http.mjs';

// The relay offers Claude Sonnet 4 by its US profile (wrangler.toml's ALLOWED_MODELS), so it
// counts by the foundation model that profile routes to.
const SONNET = 'anthropic.claude-sonnet-4-20250514-v1:0';
const PROFILE = `us.${SONNET}`;

const conversation = (text) => ({
  system: [{ text: 'Be brief.' }],
  messages: [{ role: 'user', content: [{ text }] }],
});
const counting = (text) => JSON.stringify({ input: { converse: conversation(text) } });
const errorOf = async (r) => ({ status: r.status, type: r.headers.get('x-amzn-errortype'), ...(await r.json()) });
const lastCount = async () => (await fetch(`${STANDIN_URL}/_stand-in/last-count`)).text();

test('a count through the relay is what the same input is billed, and is logged without its text', async () => {
  const text = 'how many tokens are in this question';
  const r = await post(SONNET, 'count-tokens', counting(text));
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /application\/json/);
  const { inputTokens } = await r.json();

  const billed = await post(PROFILE, 'converse', JSON.stringify(conversation(text)));
  assert.equal(billed.status, 200);
  assert.equal((await billed.json()).usage.inputTokens, inputTokens, 'the count is what Converse bills');

  const line = await logLine(r);
  assert.deepEqual(
    [line.operation, line.model, line.status, line.inputTokens, line.caller],
    ['count-tokens', SONNET, 200, inputTokens, 'key:tests'],
  );
  assert.doesNotMatch(JSON.stringify(line), /how many tokens/);
});

test('Bedrock\'s refusal of a profile or of a model it does not count reaches the caller in its words', async () => {
  for (const model of [PROFILE, 'anthropic.claude-3-haiku-20240307-v1:0']) {
    const e = await errorOf(await post(model, 'count-tokens', counting('hi')));
    assert.deepEqual([e.status, e.type, e.message], [400, 'ValidationException', 'The provided model doesn\'t support counting tokens.'], model);
  }
});

test('the relay counts only for models it offers, within its size limits, and only for callers it knows', async () => {
  const before = await lastCount();
  // Claude Opus 4 is counted by Bedrock, but this relay offers no profile of it.
  let e = await errorOf(await post('anthropic.claude-opus-4-20250514-v1:0', 'count-tokens', counting('hi')));
  assert.deepEqual([e.status, e.type], [403, 'AccessDeniedException']);
  assert.match(e.message, /does not offer the model/);

  // More messages than MAX_MESSAGES (1,000 here) inside the count's input.
  const many = Array.from({ length: 1001 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: [{ text: 'x' }] }));
  e = await errorOf(await post(SONNET, 'count-tokens', JSON.stringify({ input: { converse: { messages: many } } })));
  assert.deepEqual([e.status, e.type], [400, 'ValidationException']);
  assert.match(e.message, /more than 1000 messages/);

  e = await errorOf(await post(SONNET, 'count-tokens', '{"input": {"converse": {"messages": ['));
  assert.deepEqual([e.status, e.type], [400, 'ValidationException']);
  assert.match(e.message, /^Malformed input request/);

  // No key, on a relay whose page is off: refused before anything is read.
  e = await errorOf(await post(SONNET, 'count-tokens', counting('hi'), { authorization: null, origin: STRICT_RELAY_URL }, { base: STRICT_RELAY_URL }));
  assert.deepEqual([e.status, e.type], [403, 'MissingAuthenticationTokenException']);

  assert.equal(await lastCount(), before, 'nothing reached Bedrock');
});

test('a widget visitor, whose chat shows no context meter, cannot count tokens', async () => {
  const site = 'http://open.example'; // in the test relay's WIDGET_SITES
  const { token } = await (await fetch(`${RELAY_URL}/v1/widget`, { headers: { 'x-converse-widget': site } })).json();
  const visitor = { authorization: null, 'x-converse-widget': site, 'x-converse-widget-token': token };
  const chat = await post(PROFILE, 'converse', JSON.stringify(conversation('hi')), visitor);
  assert.equal(chat.status, 200, 'the token is good for a chat');
  await chat.arrayBuffer();
  const e = await errorOf(await post(SONNET, 'count-tokens', counting('hi'), visitor));
  assert.deepEqual([e.status, e.type], [403, 'AccessDeniedException']);
  assert.match(e.message, /does not count tokens/);
});
