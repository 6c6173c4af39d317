// Calling the relay as any HTTP client would, and reading its SSE.
import { readFile } from 'node:fs/promises';
import https from 'node:https';

import { RELAY_KEY, RELAY_LOG, RELAY_URL, STANDIN_URL } from './env.mjs';

/**
 * The relay's JSON log line for the request `response` answered (a stream's is written when
 * it ends: read the body first). Waits for wrangler to flush it, up to five seconds.
 */
export async function logLine(response, log = RELAY_LOG) {
  const id = response.headers.get('x-relay-request-id');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const line = (await readFile(log, 'utf8')).split('\n').find((l) => l.includes(`"requestId":"${id}"`));
    if (line) return JSON.parse(line.slice(line.indexOf('{')));
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`no log line for request ${id}`);
}

/** The body of the last Converse request the stand-in received, as it arrived (null: none yet). */
export async function lastRequest() {
  const text = await (await fetch(`${STANDIN_URL}/_stand-in/last-request`)).text();
  return text ? JSON.parse(text) : null;
}

export const path = (model, op, base = RELAY_URL) => `${base}/model/${encodeURIComponent(model)}/${op}`;
export const body = (text, extra = {}) => JSON.stringify({ messages: [{ role: 'user', content: [{ text }] }], ...extra });

/**
 * POSTs to the relay as an API client with the test key (pass `authorization: null` for none);
 * `init.base` names another relay than the main one.
 */
export async function post(model, op, payload, headers = {}, { base, ...init } = {}) {
  const all = { 'content-type': 'application/json', authorization: `Bearer ${RELAY_KEY}`, ...headers };
  for (const [k, v] of Object.entries(all)) if (v === null) delete all[k];
  const send = () => fetch(path(model, op, base), { method: 'POST', headers: all, body: payload, ...init });
  let response;
  try {
    response = await send();
  } catch (e) {
    // wrangler dev's proxy can also reset the connection of the request after one whose body
    // the relay refused unread (seen once in a full run): sent again, once, like its 503.
    if (!['ECONNRESET', 'EPIPE'].includes(e.cause?.code)) throw e;
    return send();
  }
  if (!devProxyHiccup(response)) return response;
  await response.arrayBuffer();
  return send();
}

/**
 * Whether `response` is wrangler dev's own 503 (no Bedrock error name: never the relay's) on
 * the request after one whose body the relay refused unread. Only its local dev proxy does
 * this (Cloudflare does not); such a request is sent again, once.
 */
export const devProxyHiccup = (response) =>
  response.status === 503 && !response.headers.get('x-amzn-errortype');

/** Reads an SSE response, noting when each event arrived. */
export async function readSse(response) {
  const events = [];
  const decoder = new TextDecoder();
  let buffer = '';
  let reads = 0;
  for await (const chunk of response.body) {
    reads += 1;
    const at = performance.now();
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      events.push({ event, data: JSON.parse(data), at });
    }
  }
  return { events, reads };
}


/** Streams `payload` through the relay as SSE and returns the events (name and data). */
export async function stream(model, payload) {
  const response = await post(model, 'converse-stream', payload, { accept: 'text/event-stream' });
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  return (await readSse(response)).events;
}

/**
 * Sends a request whose body is written by `write(req)` (which may never end it), and
 * resolves with the response's status and body as soon as the relay answers. A server that
 * answers and closes while body bytes are still in flight resets the connection, which can
 * lose its answer on the way (TCP), so a reset (or a broken pipe) before any answer is tried
 * again, twice; so is
 * wrangler dev's own 503 (see devProxyHiccup).
 */
export async function rawPost(url, headers, write) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const answer = await new Promise((resolve, reject) => {
        const req = https.request(url, { method: 'POST', headers, rejectUnauthorized: false, agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => { text += d; });
          res.on('end', () => { req.destroy(); resolve({ status: res.statusCode, type: res.headers['x-amzn-errortype'], text }); });
          res.on('error', reject);
        });
        req.on('error', reject);
        write(req);
      });
      // wrangler dev's proxy, after a body the relay left unread (see devProxyHiccup).
      if (answer.status === 503 && !answer.type && attempt < 3) continue;
      return answer;
    } catch (e) {
      if (!['ECONNRESET', 'EPIPE'].includes(e.code) || attempt === 3) throw e;
    }
  }
}
