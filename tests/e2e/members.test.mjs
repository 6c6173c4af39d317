// The relay forwards every member of the API untouched, in both directions, streaming or not.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { lastRequest, post, stream } from './http.mjs';

const MODEL = 'us.anthropic.claude-3-5-sonnet-20240620-v1:0';

/**
 * A request using every member of ConverseStreamRequest but `outputConfig`, which no model that
 * takes `temperature` with `topP` takes (the stand-in refuses it as Bedrock does): its
 * forwarding is reply_format.test.mjs's, on the models that take it.
 */
const EVERYTHING = {
  messages: [
    { role: 'user', content: [{ text: 'first' }, { cachePoint: { type: 'default' } }] },
    { role: 'assistant', content: [{ text: 'ok' }] },
    { role: 'user', content: [{ text: 'again' }, { guardContent: { text: { text: 'guard me', qualifiers: ['guard_content'] } } }] },
  ],
  system: [{ text: 'Be exact.' }, { cachePoint: { type: 'default', ttl: '5m' } }],
  inferenceConfig: { maxTokens: 300, temperature: 0.25, topP: 0.5, stopSequences: ['STOP HERE'] },
  toolConfig: {
    tools: [{ toolSpec: { name: 'calc', description: 'Adds.', strict: true, inputSchema: { json: { type: 'object' } } } }],
    toolChoice: { auto: {} },
  },
  guardrailConfig: { guardrailIdentifier: 'gr-1', guardrailVersion: 'DRAFT', trace: 'enabled_full', streamProcessingMode: 'async' },
  additionalModelRequestFields: { top_k: 5, nested: { list: [1, 'two', null] } },
  promptVariables: { topic: { text: 'rivers' } },
  additionalModelResponseFieldPaths: ['/stop_sequence', '/usage/detail'],
  requestMetadata: { tenant: 'acme', purpose: 'test' },
  performanceConfig: { latency: 'optimized' },
  serviceTier: { type: 'priority' },
  projectIdentifier: 'team-b', // a project the test relay lets callers name (BEDROCK_PROJECTS)
};
/**
 * Every member of ConverseRequest: the same but `guardrailConfig.streamProcessingMode`, a member
 * of ConverseStream's `GuardrailStreamConfiguration` only (botocore's service model).
 */
const { streamProcessingMode, ...converseGuardrail } = EVERYTHING.guardrailConfig;
const EVERY_CONVERSE = { ...EVERYTHING, guardrailConfig: converseGuardrail };

test('every request member reaches Bedrock as it was sent, and response members come back', async () => {
  const response = await post(MODEL, 'converse', JSON.stringify(EVERY_CONVERSE));
  assert.equal(response.status, 200, await response.clone().text());
  assert.deepEqual(await lastRequest(), EVERY_CONVERSE);
  const reply = await response.json();
  assert.deepEqual(reply.performanceConfig, EVERYTHING.performanceConfig);
  assert.deepEqual(reply.serviceTier, EVERYTHING.serviceTier);
  assert.deepEqual(reply.additionalModelResponseFields, { stop_sequence: 'stand-in value', usage: { detail: 'stand-in value' } });
  assert.equal(typeof reply.usage.cacheWriteInputTokens, 'number');

  // A stream-only member on Converse is Bedrock's ValidationException, named.
  const streamOnly = await post(MODEL, 'converse', JSON.stringify(EVERYTHING));
  assert.equal(streamOnly.status, 400);
  assert.equal(streamOnly.headers.get('x-amzn-errortype'), 'ValidationException');
  assert.match((await streamOnly.json()).message, /extraneous key \[streamProcessingMode\]/);
});

test('streamed: every request member arrives, and stop and metadata members come back through SSE', async () => {
  const events = await stream(MODEL, JSON.stringify(EVERYTHING));
  assert.deepEqual(await lastRequest(), EVERYTHING);
  const stop = events.find((e) => e.event === 'messageStop').data;
  assert.deepEqual(stop.additionalModelResponseFields, { stop_sequence: 'stand-in value', usage: { detail: 'stand-in value' } });
  const meta = events.find((e) => e.event === 'metadata').data;
  assert.deepEqual(meta.performanceConfig, EVERYTHING.performanceConfig);
  assert.deepEqual(meta.serviceTier, EVERYTHING.serviceTier);
  assert.equal(meta.usage.cacheReadInputTokens, 0);
});
