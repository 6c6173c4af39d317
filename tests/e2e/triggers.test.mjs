// Every response feature of the stand-in, asked for by its trigger, through the relay in
// workerd: what a client of the relay sees for each.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MODEL } from './env.mjs';
import { body, post, stream } from './http.mjs';

const CLAUDE_37 = 'us.anthropic.claude-3-7-sonnet-20250219-v1:0';
const CALC = {
  toolSpec: {
    name: 'calc',
    description: 'Evaluates an arithmetic expression.',
    inputSchema: { json: { type: 'object', properties: { expr: { type: 'string' } }, required: ['expr'] } },
  },
};
const WEATHER = {
  toolSpec: { name: 'weather', inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } } },
};

const named = (events, name) => events.filter((e) => e.event === name);
const stopReason = (events) => named(events, 'messageStop')[0]?.data.stopReason;

test('every HTTP error arrives with Bedrock\'s status and name', async () => {
  const names = {
    400: 'ValidationException', 403: 'AccessDeniedException', 404: 'ResourceNotFoundException',
    408: 'ModelTimeoutException', 424: 'ModelErrorException', 429: 'ThrottlingException',
    500: 'InternalServerException', 503: 'ServiceUnavailableException',
  };
  for (const [status, name] of Object.entries(names)) {
    for (const op of ['converse', 'converse-stream']) {
      const response = await post(MODEL, op, body(`x [stand-in:http-${status}]`), { accept: 'text/event-stream' });
      assert.equal(response.status, Number(status), `${op} ${status}`);
      assert.equal(response.headers.get('x-amzn-errortype'), name);
      assert.ok((await response.json()).message.length > 0);
    }
  }
});

test('every in-stream exception ends the stream as its own event', async () => {
  for (const member of ['internalServerException', 'modelStreamErrorException', 'validationException',
    'throttlingException', 'serviceUnavailableException']) {
    const events = await stream(MODEL, body(`x [stand-in:stream-${member}]`));
    assert.equal(named(events, 'contentBlockDelta').length, 3, member);
    assert.equal(events.at(-1).event, member);
    assert.ok(events.at(-1).data.message);
  }
});

test('an exception as the stream\'s first frame arrives as the only event', async () => {
  const events = await stream(MODEL, body('x [stand-in:stream-throttlingException-first]'));
  assert.deepEqual(events.map((e) => e.event), ['throttlingException']);
  assert.ok(events[0].data.message);
});

test('a :message-type error frame ends the stream as an error event with its code', async () => {
  const events = await stream(MODEL, body('x [stand-in:error-frame]'));
  assert.equal(named(events, 'contentBlockDelta').length, 3);
  assert.equal(events.at(-1).event, 'error');
  assert.equal(events.at(-1).data.__type, 'InternalServerException');
  assert.equal(events.at(-1).data.message, 'The stream failed.');
});

test('a tool call streams its input in pieces that join into JSON', async () => {
  const events = await stream(MODEL, body('add 2 and 2 [stand-in:tool]', { toolConfig: { tools: [CALC] } }));
  const start = named(events, 'contentBlockStart')[0].data;
  assert.equal(start.start.toolUse.name, 'calc');
  assert.match(start.start.toolUse.toolUseId, /^tooluse_/);
  const pieces = named(events, 'contentBlockDelta')
    .filter((e) => e.data.contentBlockIndex === start.contentBlockIndex)
    .map((e) => e.data.delta.toolUse.input);
  assert.ok(pieces.length >= 2, `${pieces.length} pieces`);
  assert.deepEqual(JSON.parse(pieces.join('')), { expr: 'example' });
  assert.equal(stopReason(events), 'tool_use');
});

test('two tools can be asked for at once', async () => {
  const events = await stream(MODEL, body('both [stand-in:tools2]', { toolConfig: { tools: [CALC, WEATHER] } }));
  const starts = named(events, 'contentBlockStart').map((e) => e.data.start.toolUse);
  assert.deepEqual(starts.map((s) => s.name), ['calc', 'weather']);
  assert.notEqual(starts[0].toolUseId, starts[1].toolUseId);
});

test('malformed tool input is streamed as it would be, with malformed_tool_use', async () => {
  const events = await stream(MODEL, body('x [stand-in:malformed-tool]', { toolConfig: { tools: [CALC] } }));
  const input = named(events, 'contentBlockDelta').filter((e) => e.data.delta.toolUse).map((e) => e.data.delta.toolUse.input).join('');
  assert.throws(() => JSON.parse(input));
  assert.equal(stopReason(events), 'malformed_tool_use');
});

test('the final answer quotes the tool results it was given', async () => {
  const messages = [
    { role: 'user', content: [{ text: 'add' }] },
    { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'calc', input: { expr: '2+2' } } }] },
    { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: '4' }] } }] },
  ];
  const reply = await (await post(MODEL, 'converse', JSON.stringify({ messages, toolConfig: { tools: [CALC] } }))).json();
  assert.match(reply.output.message.content[0].text, /^The tool results: calc returned “4”\./);
});

test('reasoning streams with its signature, and redacted reasoning as bytes', async () => {
  let events = await stream(CLAUDE_37, body('think [stand-in:reasoning]'));
  const reasoning = named(events, 'contentBlockDelta').filter((e) => e.data.delta.reasoningContent).map((e) => e.data.delta.reasoningContent);
  assert.ok(reasoning.filter((r) => r.text).length >= 2);
  assert.ok(reasoning.at(-1).signature);
  events = await stream(CLAUDE_37, body('think [stand-in:redacted]'));
  const redacted = named(events, 'contentBlockDelta').find((e) => e.data.delta.reasoningContent?.redactedContent);
  assert.equal(Buffer.from(redacted.data.delta.reasoningContent.redactedContent, 'base64').toString(), 'stand-in redacted reasoning');
});

test('a document with citations enabled is cited', async () => {
  const messages = [{ role: 'user', content: [{ text: 'summarise' }, {
    document: { name: 'Atlas', format: 'txt', source: { bytes: Buffer.from('Paris is the capital of France.').toString('base64') }, citations: { enabled: true } },
  }] }];
  const events = await stream(MODEL, JSON.stringify({ messages }));
  const citation = named(events, 'contentBlockDelta').find((e) => e.data.delta.citation).data.delta.citation;
  assert.equal(citation.title, 'Atlas');
  assert.deepEqual(citation.location, { documentChar: { documentIndex: 0, start: 0, end: 31 } });
});

test('a guardrail intervenes, with its trace', async () => {
  const events = await stream(MODEL, body('forbidden [stand-in:guardrail]', {
    guardrailConfig: { guardrailIdentifier: 'g-1', guardrailVersion: '1', trace: 'enabled', streamProcessingMode: 'sync' },
  }));
  assert.equal(stopReason(events), 'guardrail_intervened');
  assert.ok(named(events, 'metadata')[0].data.trace.guardrail.inputAssessment);
});

test('the context window: exceeded mid-reply, or refused up front', async () => {
  const events = await stream(MODEL, body('x [stand-in:context-window]'));
  assert.equal(stopReason(events), 'model_context_window_exceeded');
  const response = await post('amazon.titan-text-lite-v1', 'converse', body('word '.repeat(4001)));
  assert.equal(response.status, 400);
  assert.equal((await response.json()).message, 'Input is too long for requested model.');
});

test('max_tokens ends a reply early', async () => {
  const events = await stream(MODEL, body('count with me', { inferenceConfig: { maxTokens: 3 } }));
  assert.equal(named(events, 'contentBlockDelta').length, 3);
  assert.equal(stopReason(events), 'max_tokens');
});
