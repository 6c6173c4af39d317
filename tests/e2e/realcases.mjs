// Reading the recorded real Bedrock traffic in tests/fixtures/realcases (see its INDEX.md).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

const ROOT = new URL('../fixtures/realcases/', import.meta.url);

/** The index's cases (id, category, operation, model_id, files, ...). */
export const { cases } = JSON.parse(await readFile(new URL('index.json', ROOT), 'utf8'));

/** A fixture file's bytes, by its path in the index. */
export const fixture = (name) => readFile(new URL(name, ROOT));

/** A request whose last user message asks the stand-in to replay recorded case `id`. */
export const replay = (id) => JSON.stringify({ messages: [{ role: 'user', content: [{ text: `[stand-in:replay ${id}]` }] }] });

/**
 * The events of an event stream: each frame's `:event-type` and JSON payload. (Checksums and
 * header types are the Rust codec tests' concern: shared/tests/realcases.rs.)
 */
export function frames(bytes) {
  const events = [];
  for (let at = 0; at < bytes.length;) {
    const total = bytes.readUInt32BE(at);
    const headersEnd = at + 12 + bytes.readUInt32BE(at + 4);
    const headers = {};
    for (let h = at + 12; h < headersEnd;) {
      const name = bytes.toString('utf8', h + 1, h + 1 + bytes[h]);
      h += 1 + bytes[h];
      assert.equal(bytes[h], 7, 'Bedrock sends string headers only');
      const length = bytes.readUInt16BE(h + 1);
      headers[name] = bytes.toString('utf8', h + 3, h + 3 + length);
      h += 3 + length;
    }
    events.push({ event: headers[':event-type'], data: JSON.parse(bytes.toString('utf8', headersEnd, at + total - 4)) });
    at += total;
  }
  return events;
}

/** The text blocks a recorded stream's text deltas make, in order. */
export function textBlocks(events) {
  const blocks = new Map();
  for (const { event, data } of events) {
    const text = event === 'contentBlockDelta' ? data.delta.text : undefined;
    if (text !== undefined) blocks.set(data.contentBlockIndex, (blocks.get(data.contentBlockIndex) ?? '') + text);
  }
  return [...blocks.values()];
}
