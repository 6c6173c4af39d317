// Bedrock projects (`projectIdentifier`, botocore 1.44.8): the deployer chooses the project a
// deployment bills to (`BEDROCK_PROJECT`; scripts/test.sh sets `converse-edge-tests`) and the
// others a caller may name (`BEDROCK_PROJECTS`: `team-b`); a caller cannot bill to any other.
// The API reference: "Specify default or omit this field to use the default project for your
// account" (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MODEL } from './env.mjs';
import { body, lastRequest, logLine, post } from './http.mjs';

const errorOf = async (r) => ({ status: r.status, type: r.headers.get('x-amzn-errortype'), ...(await r.json()) });

test('a request that names no project is billed to the deployment\'s, and the log line says which', async () => {
  const r = await post(MODEL, 'converse-stream', body('which project?'), { accept: 'text/event-stream' });
  assert.equal(r.status, 200);
  await r.text();
  assert.equal((await lastRequest()).projectIdentifier, 'converse-edge-tests');
  assert.equal((await logLine(r)).project, 'converse-edge-tests');
});

test('a project the deployer lists may be named, by id or by its ARN in the relay\'s region', async () => {
  for (const project of ['team-b', 'arn:aws:bedrock:us-east-1:123456789012:project/team-b']) {
    const r = await post(MODEL, 'converse', body('hi', { projectIdentifier: project }));
    assert.equal(r.status, 200, project);
    assert.equal((await r.json()).stopReason, 'end_turn');
    assert.equal((await lastRequest()).projectIdentifier, project);
    assert.equal((await logLine(r)).project, project);
  }
});

test('no caller bills to a project the deployer did not list, the account\'s default included', async () => {
  for (const project of ['default', 'someone-elses', 'arn:aws:bedrock:eu-west-1:123456789012:project/team-b']) {
    const sent = await lastRequest();
    const e = await errorOf(await post(MODEL, 'converse', body('bill me elsewhere', { projectIdentifier: project })));
    assert.deepEqual([e.status, e.type], [403, 'AccessDeniedException'], project);
    assert.match(e.message, /does not bill to the project/);
    assert.deepEqual(await lastRequest(), sent, 'nothing reached Bedrock');
  }
});

test('a project identifier Bedrock would refuse is a ValidationException naming the member', async () => {
  for (const project of ['', 'has spaces', 'arn:aws:bedrock:us-east-1:42:project/p']) {
    const e = await errorOf(await post(MODEL, 'converse', body('hi', { projectIdentifier: project })));
    assert.deepEqual([e.status, e.type], [400, 'ValidationException'], project);
    assert.match(e.message, /^projectIdentifier: /);
  }
});
