// The deployer's AWS Lambda tools: the relay invokes the function (Lambda's Invoke API, SigV4
// for `lambda`, https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html) with the tool's
// input as its event, and turns each of Lambda's answers into a result the model can use.
// The stand-in is Lambda here: it checks the signature with its own verifier and runs a few
// functions (tests/bedrock-local/src/lambda.rs). The error paths are declared on the strict relay.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RELAY_KEY, RELAY_URL, SECRETS, STANDIN_URL, STRICT_RELAY_LOG, STRICT_RELAY_URL } from './env.mjs';
import { logLine } from './http.mjs';

const keyed = { authorization: `Bearer ${RELAY_KEY}`, 'content-type': 'application/json' };
const run = (name, input, base = STRICT_RELAY_URL) =>
  fetch(`${base}/v1/tools/${name}`, { method: 'POST', headers: keyed, body: JSON.stringify(input) });
const lastInvoke = async () => (await fetch(`${STANDIN_URL}/_stand-in/last-invoke`)).json();
const requests = async () => (await (await fetch(`${STANDIN_URL}/_stand-in/stats`)).json()).requests;

test('a Lambda tool is listed as running in Lambda, without its ARN', async () => {
  const text = await (await fetch(`${RELAY_URL}/v1/tools`)).text();
  const listed = JSON.parse(text);
  const forecast = listed.tools.find((t) => t.toolSpec.name === 'forecast');
  assert.deepEqual(forecast.toolSpec.inputSchema.json.required, ['city']);
  assert.equal(listed.runs.forecast, 'lambda');
  assert.equal(listed.runs.lookup_order, 'http');
  assert.ok(!text.includes('arn:aws:lambda') && !text.includes('123456789012'), 'the listing names the function');
});

test('the function gets the input as its event, by its qualified ARN, and its JSON result comes back', async () => {
  const r = await run('forecast', { city: 'Lisbon', days: 2 }, RELAY_URL);
  const text = await r.text();
  assert.equal(r.status, 200);
  const { status, result } = JSON.parse(text);
  assert.equal(status, 'success');
  assert.equal(result.city, 'Lisbon');
  assert.deepEqual(result.forecast.map((d) => d.day), [1, 2]);
  assert.deepEqual(await lastInvoke(), {
    function: 'arn:aws:lambda:us-east-1:123456789012:function:forecast:live',
    event: { city: 'Lisbon', days: 2 },
  });
  for (const secret of SECRETS) assert.ok(!text.includes(secret));
  const line = await logLine(r);
  assert.deepEqual([line.operation, line.tool, line.runs, line.outcome, line.attempts, line.caller],
    ['RunTool', 'forecast', 'lambda', 'success', 1, 'key:tests']);
  assert.ok(!JSON.stringify(line).includes('Lisbon'), 'the log line holds the input');
});

test('input that does not fit the schema is refused before Lambda is called', async () => {
  const before = await requests();
  const r = await (await run('forecast', { city: 'Lisbon', days: 30 }, RELAY_URL)).json();
  assert.equal(r.status, 'error');
  assert.match(r.error, /^the input does not fit the tool's schema: .*days/);
  assert.equal(await requests(), before);
});

test('a JSON string result is the result; a result that is not JSON is a tool error', async () => {
  assert.deepEqual(await (await run('lambda_shout', { text: 'hello' })).json(), { status: 'success', result: 'HELLO' });
  assert.deepEqual(await (await run('lambda_not_json', {})).json(),
    { status: 'error', error: "the function's result is not JSON: sunny, 21 °C" });
});

test('a function error reaches the model with its message, never its stack trace', async () => {
  const r = await run('lambda_fails', {});
  const text = await r.text();
  assert.deepEqual(JSON.parse(text), { status: 'error', error: 'the function failed (ValueError): no city named Atlantis' });
  assert.ok(!text.includes('/var/task'), 'the stack trace reached the caller');
  assert.equal((await logLine(r, STRICT_RELAY_LOG)).outcome, 'error');
});

test('a time-out in Lambda, and a function that never answers, are tool errors', async () => {
  assert.deepEqual(await (await run('lambda_times_out', {})).json(), {
    status: 'error',
    error: 'the function timed out in Lambda: RequestId: 6f1d7c1e-0d1c-4b8e-9a52-3f0e2c9b1a77 Error: Task timed out after 3.00 seconds',
  });
  const started = performance.now();
  assert.deepEqual(await (await run('lambda_hangs', {})).json(),
    { status: 'error', error: 'the function did not answer within 1.5 s' });
  assert.ok(performance.now() - started < 5000);
});

test('a result over Lambda\'s synchronous limit is a tool error that names the limit', async () => {
  assert.deepEqual(await (await run('lambda_too_big', {})).json(), {
    status: 'error', error: "the function's result is larger than Lambda returns from a synchronous call (6291556 bytes)",
  });
});

test('a throttle is tried again; a function throttled every time is a tool error after three calls', async () => {
  const once = await run('lambda_throttled_once', { n: Math.random() });
  assert.deepEqual(await once.json(), { status: 'success', result: { answered: 'after a throttle' } });
  assert.equal((await logLine(once, STRICT_RELAY_LOG)).attempts, 2);
  const always = await run('lambda_throttled', {});
  assert.deepEqual(await always.json(), {
    status: 'error', error: 'Lambda is throttling the function (TooManyRequestsException); try again in a moment',
  });
  assert.equal((await logLine(always, STRICT_RELAY_LOG)).attempts, 3);
});

test('a function Lambda does not have is a tool error that does not name the account', async () => {
  const r = await (await run('lambda_missing', {})).json();
  assert.deepEqual(r, {
    status: 'error', error: 'Lambda has no function by the name the deployer declared (ResourceNotFoundException)',
  });
});

test('Lambda tools need the caller\'s key like any tool', async () => {
  const before = await requests();
  const r = await fetch(`${RELAY_URL}/v1/tools/forecast`, { method: 'POST', body: '{"city":"Lisbon"}' });
  assert.equal(r.status, 403);
  assert.equal(await requests(), before);
});
