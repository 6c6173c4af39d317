// Rate limits as Cloudflare runs them, with the built worker in workerd through Miniflare (which
// sets the client address as Cloudflare's edge does, and restarts with the same Durable Object
// storage, as Cloudflare does):
// - a caller's count lives in its Durable Object's storage, not only in memory: when the object
//   is evicted and starts again (a deploy, an idle eviction, a crash), the count is still there;
// - an isolate admits from a lease of the caller's minute (a twelfth of it), charged to the
//   Durable Object in full when granted: the limit holds exactly, and a lease the isolate
//   never gave back stays charged after a restart;
// - an IPv6 client is limited by its /64, which one subscriber usually holds whole, so hopping
//   between its addresses is no way around a page caller's limit.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { relayInWorkerd } from './workerd.mjs';

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const SECRET = `restart-test-key-${Math.random().toString(36).slice(2)}`;
const storage = await mkdtemp(join(tmpdir(), 'converse-edge-limits-'));
after(() => rm(storage, { recursive: true, force: true }));

/** The relay in workerd, its Durable Objects kept in `storage`. */
function relay(extra = {}) {
  return relayInWorkerd(
    { RELAY_API_KEYS: `restart:${SECRET}:2:1000000`, ...extra }, // two requests a minute
    { durableObjectsPersist: storage },
  );
}

async function converse(mf, secret = SECRET) {
  const response = await mf.dispatchFetch(`http://relay.test/model/${encodeURIComponent(MODEL)}/converse`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'count me' }] }] }),
  });
  await response.arrayBuffer();
  return response;
}

test('a caller over its limit is still over it after the relay and its Durable Objects restart', async () => {
  const first = relay();
  assert.equal((await converse(first)).status, 200);
  assert.equal((await converse(first)).status, 200);
  assert.equal((await converse(first)).status, 429);
  await first.dispose();

  const again = relay();
  try {
    const refused = await converse(again);
    assert.equal(refused.status, 429, 'the count survived the restart');
    assert.equal(refused.headers.get('x-amzn-errortype'), 'ThrottlingException');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
  } finally {
    await again.dispose();
  }
});

test('admitted from leases, a limit holds exactly: 24 a minute, the 25th refused, and still refused after a restart', async () => {
  const secret = `${SECRET}-leased`;
  const leased = () => relay({ RELAY_API_KEYS: `leased:${secret}:24:1000000` }); // leases of two requests
  const first = leased();
  const statuses = [];
  for (let i = 0; i < 25; i += 1) statuses.push((await converse(first, secret)).status);
  assert.deepEqual(statuses, [...Array(24).fill(200), 429]);
  await first.dispose();
  const again = leased();
  try {
    assert.equal((await converse(again, secret)).status, 429, 'the minute is still spent');
  } finally {
    await again.dispose();
  }
});

test('requests that come at once share one renewal of the lease: a minute of 24 admits 24, ten at once or one by one', async () => {
  const secret = `${SECRET}-burst`;
  const mf = relay({ RELAY_API_KEYS: `burst:${secret}:24:1000000` });
  try {
    const burst = await Promise.all(Array.from({ length: 10 }, () => converse(mf, secret)));
    assert.deepEqual(burst.map((r) => r.status), Array(10).fill(200));
    let admitted = 10;
    for (;;) {
      const { status } = await converse(mf, secret);
      if (status !== 200) {
        assert.equal(status, 429);
        break;
      }
      admitted += 1;
    }
    // Each of the ten asking for a lease of its own left nine of them unused, charged: 15.
    assert.equal(admitted, 24);
  } finally {
    await mf.dispose();
  }
});

test('two hundred requests at once under a wide limit are all admitted: renewals of the lease serve them, none leases the minute away', async () => {
  // Seen among 500 streams at once: each request that found the lease spent leased a twelfth of
  // the minute; after twelve the minute was leased out, unused, and the rest refused.
  const secret = `${SECRET}-wide`;
  // Leases of 100 requests and 1,000,000 tokens (each reservation is about 4,100).
  const mf = relay({ RELAY_API_KEYS: `wide:${secret}:1200:12000000`, RATE_LIMIT_IP_RPM: '1200', RATE_LIMIT_IP_TPM: '12000000' });
  try {
    const url = `http://relay.test/model/${encodeURIComponent(MODEL)}/converse`;
    const once = async () => {
      const response = await mf.dispatchFetch(url, {
        method: 'POST',
        // An address of its own: the other tests here spend 127.0.0.1's minute.
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, 'cf-connecting-ip': '198.51.100.30' },
        body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'at once' }] }] }),
      });
      await response.arrayBuffer();
      return response.status;
    };
    const statuses = await Promise.all(Array.from({ length: 200 }, once));
    assert.deepEqual(statuses.filter((s) => s !== 200), []);
  } finally {
    await mf.dispose();
  }
});

test('the addresses of one IPv6 /64 share a page caller\'s limit; the next /64 has its own', async () => {
  const mf = relay({ PAGE_ACCESS: 'open', RATE_LIMIT_IP_RPM: '2', RATE_LIMIT_IP_TPM: '1000000' });
  try {
    const url = (await mf.ready).origin;
    const fromPage = async (ip) => {
      const response = await mf.dispatchFetch(`${url}/model/${encodeURIComponent(MODEL)}/converse`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url, 'cf-connecting-ip': ip },
        body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'from the page' }] }] }),
      });
      await response.arrayBuffer();
      return response.status;
    };
    assert.equal(await fromPage('2001:db8:1:2::1'), 200);
    assert.equal(await fromPage('2001:db8:1:2::2'), 200);
    assert.equal(await fromPage('2001:db8:1:2:ffff:ffff:ffff:ffff'), 429, 'another address of the same /64');
    assert.equal(await fromPage('2001:db8:1:3::1'), 200, 'the next /64');
  } finally {
    await mf.dispose();
  }
});

test('token counts have a limit of their own, apart from inference: a page counting as its user types never takes its replies\' requests', async () => {
  const key = `${SECRET}-lanes`;
  const mf = relay({ RELAY_API_KEYS: `lanes:${key}:2:1000000` }); // two requests a minute
  try {
    const call = async (model, op, body) => {
      const response = await mf.dispatchFetch(`http://relay.test/model/${encodeURIComponent(model)}/${op}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      return [response.status, response.headers.get('x-amzn-errortype')];
    };
    const messages = [{ role: 'user', content: [{ text: 'count me' }] }];
    const count = () => call('anthropic.claude-sonnet-4-20250514-v1:0', 'count-tokens', { input: { converse: { messages } } });
    assert.deepEqual(await count(), [200, null]);
    assert.deepEqual(await count(), [200, null]);
    assert.deepEqual(await count(), [429, 'ThrottlingException'], 'counts are limited too');
    const converse = () => call(MODEL, 'converse', { messages });
    assert.deepEqual(await converse(), [200, null], 'the counts took none of the replies\' requests');
    assert.deepEqual(await converse(), [200, null]);
    assert.deepEqual(await converse(), [429, 'ThrottlingException']);
  } finally {
    await mf.dispose();
  }
});
