// The deployer's MCP servers (MCP_SERVERS): the relay opens a session over MCP's Streamable
// HTTP transport (https://modelcontextprotocol.io/specification/2025-11-25/basic/transports),
// lists the servers' tools (`tools/list`) beside the declared ones and calls them
// (`tools/call`) for callers it trusts, with the server's secret header, which never leaves
// the worker. The server is a real one, made with the official MCP Python SDK
// (tests/mcp/server.py); scripts/test.sh declares it, and one that is not there, on the main
// relay, and one that refuses the relay on the strict relay.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { PASS_THROUGH_RELAY_URL, RELAY_KEY, RELAY_URL, SECRETS, STRICT_RELAY_URL } from './env.mjs';
import { logLine } from './http.mjs';

const keyed = { authorization: `Bearer ${RELAY_KEY}`, 'content-type': 'application/json' };
const run = (name, input) =>
  fetch(`${RELAY_URL}/v1/tools/${name}`, { method: 'POST', headers: keyed, body: JSON.stringify(input) });
const ran = async (name, input) => (await run(name, input)).json();
const listing = async (base = RELAY_URL, headers = {}) => fetch(`${base}/v1/tools`, { headers });

test('the MCP server\'s tools are listed beside the declared ones, named by server, as its allowlist says', async () => {
  const text = await (await listing()).text();
  const listed = JSON.parse(text);
  assert.deepEqual(listed.tools.map((t) => t.toolSpec.name), [
    'lookup_order', 'broken_tool', 'slow_tool', 'forecast',
    'handbook_search_handbook', 'handbook_word_count', 'handbook_swatch', 'handbook_read_note', 'handbook_explode',
  ], 'delete_everything is not in the allowlist');
  const search = listed.tools.find((t) => t.toolSpec.name === 'handbook_search_handbook').toolSpec;
  assert.equal(search.description, 'Searches the product handbook and says which pages mention the query.');
  assert.deepEqual(search.inputSchema.json.required, ['query']);
  assert.equal(listed.runs.handbook_swatch, 'mcp:handbook');
  assert.equal(listed.runs.forecast, 'lambda');
  assert.ok(!text.includes('127.0.0.1') && !text.includes('/mcp'), 'the listing names the server\'s address');
  for (const secret of SECRETS) assert.ok(!text.includes(secret), 'the listing holds a secret');
});

test('a server that cannot be reached is left out, and the listing says so without its address', async () => {
  const { unavailable } = await (await listing()).json();
  assert.deepEqual(unavailable, [{ server: 'offline', why: 'it could not be reached' }]);
});

test('a server that refuses the relay, redirects it or does not speak MCP is left out, saying why', async () => {
  const r = await listing(STRICT_RELAY_URL, { authorization: `Bearer ${RELAY_KEY}` });
  assert.equal(r.status, 200);
  const { tools, unavailable } = await r.json();
  assert.deepEqual(tools.map((t) => t.toolSpec.name).filter((n) => !n.startsWith('lambda_')), ['redirecting_tool']);
  assert.deepEqual(unavailable, [
    { server: 'locked', why: 'it answered HTTP 401' },
    { server: 'moved', why: 'it answered with a redirect (HTTP 307), which is not followed' },
    { server: 'not_mcp', why: "the server's answer holds no response to the request" },
  ]);
});

test('the listing asks who calls: a wrong key, no key where the page is off, no Access token', async () => {
  // https://developers.cloudflare.com/cloudflare-one/access-controls/applications/http-apps/authorization-cookie/validating-json/
  const refused = [
    [STRICT_RELAY_URL, {}, 403, 'MissingAuthenticationTokenException'],
    [STRICT_RELAY_URL, { authorization: 'Bearer not-a-key' }, 403, 'UnrecognizedClientException'],
    [RELAY_URL, { authorization: 'Bearer not-a-key' }, 403, 'UnrecognizedClientException'],
    [PASS_THROUGH_RELAY_URL, {}, 401, 'AccessDeniedException'],
  ];
  for (const [base, headers, status, type] of refused) {
    const r = await listing(base, headers);
    assert.equal(r.status, status, `${base} ${JSON.stringify(headers)}`);
    assert.equal(r.headers.get('x-amzn-errortype'), type);
  }
  // The open page lists without a key: a same-origin GET carries no Origin.
  assert.equal((await listing()).status, 200);
});

test('a result comes back as Converse blocks (structured content as JSON), and the run is logged as an MCP run', async () => {
  const r = await run('handbook_search_handbook', { query: 'shipping' });
  const text = await r.text();
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(text), {
    status: 'success',
    content: [{ json: { result: "2 handbook pages mention 'shipping': returns.md, shipping.md." } }],
  });
  for (const secret of SECRETS) assert.ok(!text.includes(secret));
  const line = await logLine(r);
  assert.deepEqual([line.operation, line.tool, line.runs, line.outcome, line.caller],
    ['RunTool', 'handbook_search_handbook', 'mcp', 'success', 'key:tests']);
  assert.ok(!JSON.stringify(line).includes('shipping'), 'the log line holds the input');
});

test('structured content is sent as JSON; an embedded text resource as a search result sourced by its URI', async () => {
  assert.deepEqual(await ran('handbook_word_count', { text: 'one two three' }),
    { status: 'success', content: [{ json: { result: 3 } }] });
  // Retrieved text with its source: a search result, which the models that cite take as one.
  assert.deepEqual(await ran('handbook_read_note', { name: 'launch' }), {
    status: 'success',
    content: [{ searchResult: { source: 'note://launch', title: 'note://launch', content: [{ text: 'Note launch: ship on Friday.' }] } }],
  });
});

test('an image result is a Converse image block with the PNG\'s bytes', async () => {
  const { status, content } = await ran('handbook_swatch', { colour: 'red' });
  assert.equal(status, 'success');
  assert.equal(content.length, 1);
  assert.equal(content[0].image.format, 'png');
  const png = Buffer.from(content[0].image.source.bytes, 'base64');
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.readUInt32BE(16), 8, 'the swatch is 8 pixels wide');
});

test('a tool error (isError) is a tool error with the server\'s words', async () => {
  assert.deepEqual(await ran('handbook_explode', {}),
    { status: 'error', error: 'Error executing tool explode: the fuse was lit on purpose' });
  assert.deepEqual(await ran('handbook_swatch', { colour: 'pink' }),
    { status: 'error', error: "Error executing tool swatch: no swatch in 'pink'; try red, green or blue" });
});

test('input that does not fit the tool\'s schema is refused before the server is called', async () => {
  const r = await ran('handbook_word_count', { words: 3 });
  assert.equal(r.status, 'error');
  assert.match(r.error, /^the input does not fit the tool's schema: .*"text" is a required property/);
});

test('a tool the allowlist leaves out cannot be run, nor can a caller without a key run any', async () => {
  assert.equal((await run('handbook_delete_everything', {})).status, 404);
  const r = await fetch(`${RELAY_URL}/v1/tools/handbook_word_count`, { method: 'POST', body: '{"text":"a"}' });
  assert.equal(r.status, 403);
});

test('a session the server has forgotten is opened again, once, and the call goes through', async () => {
  // A server may end a session at any time; its ID then answers 404 and the client must start
  // a new one: https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#session-management
  const controls = process.env.MCP_URL.replace(/\/mcp$/, '/_test');
  const opened = async () => (await (await fetch(`${controls}/stats`)).json()).opened;
  assert.equal((await ran('handbook_word_count', { text: 'a b' })).status, 'success');
  const before = await opened();
  await fetch(`${controls}/forget`, { method: 'POST' });
  assert.deepEqual(await ran('handbook_word_count', { text: 'a b c d' }), { status: 'success', content: [{ json: { result: 4 } }] });
  assert.equal(await opened(), before + 1, 'the relay opened one new session');
  assert.equal((await ran('handbook_word_count', { text: 'e' })).status, 'success');
  assert.equal(await opened(), before + 1, 'the new session is kept');
});
