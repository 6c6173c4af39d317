// PAGE_ACCESS=access: the chat page behind Cloudflare Access. The third relay that
// scripts/test.sh starts takes its team's keys from a local stand-in (access-idp.mjs), whose
// private key the tests sign with, as Access signs its application tokens (RS256, `aud`, `iss`,
// `exp`): https://developers.cloudflare.com/cloudflare-one/access-controls/applications/http-apps/authorization-cookie/validating-json/
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { MODEL } from './env.mjs';
import { body, lastRequest, logLine, post } from './http.mjs';

const RELAY = process.env.ACCESS_RELAY_URL;
const { kid, privateKey } = JSON.parse(readFileSync(process.env.ACCESS_KEY_FILE, 'utf8'));
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra = {}) => ({
  aud: [process.env.ACCESS_AUD], iss: process.env.ACCESS_TEAM_DOMAIN, exp: now() + 300, iat: now(), nbf: now() - 5,
  email: 'ada@example.com', sub: 'user-1', type: 'app', ...extra,
});

/** An application token as Access makes one (or, with `key`, as someone else would). */
function jwt(payload, { key = privateKey, alg = 'RS256' } = {}) {
  const part = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const signed = `${part({ alg, kid, typ: 'JWT' })}.${part(payload)}`;
  return `${signed}.${sign('sha256', Buffer.from(signed), key).toString('base64url')}`;
}

const asUser = (token) => ({ authorization: null, origin: RELAY, ...(token && { 'cf-access-jwt-assertion': token }) });
const chat = (token) => post(MODEL, 'converse', body('hello from behind Access'), asUser(token), { base: RELAY });

test('a user Cloudflare Access let through chats, and is named in the log line', async () => {
  assert.equal((await (await fetch(`${RELAY}/v1/models`)).json()).pageAccess, 'access');
  const r = await chat(jwt(claims()));
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal((await r.json()).stopReason, 'end_turn');
  assert.equal((await logLine(r, process.env.ACCESS_RELAY_LOG)).caller, 'user:ada@example.com');
});

test('without a valid Access token nobody chats: missing, expired, another app\'s, another issuer\'s, forged', async () => {
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const good = jwt(claims());
  const [head, , signature] = good.split('.');
  const tampered = `${head}.${Buffer.from(JSON.stringify(claims({ email: 'admin@example.com' }))).toString('base64url')}.${signature}`;
  const refused = {
    'no token (Origin alone proves nothing)': undefined,
    expired: jwt(claims({ exp: now() - 1 })),
    'not valid yet': jwt(claims({ nbf: now() + 600 })),
    'another application': jwt(claims({ aud: ['someone-elses-app'] })),
    'another issuer': jwt(claims({ iss: 'https://evil.cloudflareaccess.com' })),
    'signed with another key': jwt(claims(), { key: other }),
    'claims changed after signing': tampered,
    'not RS256': jwt(claims(), { alg: 'HS256' }),
  };
  for (const [what, token] of Object.entries(refused)) {
    const sent = await lastRequest();
    const r = await chat(token);
    assert.equal(r.status, 401, what);
    assert.equal(r.headers.get('x-amzn-errortype'), 'AccessDeniedException', what);
    assert.match((await r.json()).message, /Cloudflare Access/, what);
    assert.deepEqual(await lastRequest(), sent, `${what}: nothing reached Bedrock`);
  }
});
