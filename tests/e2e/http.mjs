// Calling the relay as any HTTP client would, and reading its SSE.
import { RELAY_KEY, RELAY_URL, STANDIN_URL } from './env.mjs';

/** The body of the last Converse request the stand-in received, exactly as it arrived. */
export const lastRequest = async () => (await fetch(`${STANDIN_URL}/_stand-in/last-request`)).json();

export const path = (model, op) => `${RELAY_URL}/model/${encodeURIComponent(model)}/${op}`;
export const body = (text, extra = {}) => JSON.stringify({ messages: [{ role: 'user', content: [{ text }] }], ...extra });

/** POSTs to the relay as an API client with the test key (pass `authorization: null` for none). */
export function post(model, op, payload, headers = {}, init = {}) {
  const all = { 'content-type': 'application/json', authorization: `Bearer ${RELAY_KEY}`, ...headers };
  for (const [k, v] of Object.entries(all)) if (v === null) delete all[k];
  return fetch(path(model, op), { method: 'POST', headers: all, body: payload, ...init });
}

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
