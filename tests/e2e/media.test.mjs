// Videos and recordings: attached by picker, checked against Bedrock's limits and the model
// before anything is sent (one video a request, under 25 MB encoded:
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_VideoSource.html,
// https://docs.aws.amazon.com/nova/latest/userguide/modalities-video.html; and the relay's own
// body cap, which the page reads from /v1/models), previewed as <video> and <audio> elements
// playing the stored bytes, sent as Bedrock's `video` and `audio` blocks, kept across a
// reload, exported and imported. Nova takes video; no foundation model in AWS's feature table
// takes audio on Converse, so audio goes to a model the deployer declared (an imported model).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { lastRequest, post } from './http.mjs';
import { freshChat, ownDeployment } from './page.mjs';

const NOVA = 'us.amazon.nova-lite-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const SPEECH = 'arn:aws:bedrock:us-east-1:123456789012:imported-model/speech1';
const DECLARED = { [SPEECH]: { family: 'Our speech model', contextWindow: 32000, maxOutputTokens: 4096, audio: true } };
const CAP = 1_000_000;

/** Half a second of a 440 Hz tone: a real WAV, so the browser can play what the page stored. */
function wav(seconds = 0.5, rate = 8000) {
  const samples = Math.round(seconds * rate);
  const out = Buffer.alloc(44 + samples * 2);
  out.write('RIFF', 0); out.writeUInt32LE(36 + samples * 2, 4); out.write('WAVE', 8);
  out.write('fmt ', 12); out.writeUInt32LE(16, 16); out.writeUInt16LE(1, 20); out.writeUInt16LE(1, 22);
  out.writeUInt32LE(rate, 24); out.writeUInt32LE(rate * 2, 28); out.writeUInt16LE(2, 32); out.writeUInt16LE(16, 34);
  out.write('data', 36); out.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) out.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return out;
}

// The bytes of a video as the page stores and sends them (the stand-in does not decode video).
const VIDEO = Buffer.concat([Buffer.from('\x00\x00\x00\x18ftypmp42'), Buffer.alloc(2988, 7)]);

const own = ownDeployment({
  PAGE_ACCESS: 'open',
  ALLOWED_MODELS: `${NOVA},${HAIKU},${SPEECH}`,
  MODEL_CAPABILITIES: JSON.stringify(DECLARED),
  MAX_BODY_BYTES: String(CAP),
  ALLOWED_S3_BUCKETS: 'my-videos',
});

const picker = (chat) => chat.page.getByLabel('Attach files');
const pending = (chat) => chat.page.getByRole('list', { name: 'Attachments' });
const shown = (chat, n) => chat.userMessages.nth(n).getByRole('list', { name: 'Attached files' });
const alert = (chat, text) => chat.page.locator('.send-error[role="alert"]').filter({ hasText: text });

async function useModel(chat, id) {
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${id}"]`).waitFor({ state: 'attached' });
  await model.selectOption(id);
}

/** Whether the element plays its source: metadata loaded (the CSP lets `blob:` media in). */
const playable = (locator) => locator.evaluate((el) => el.readyState >= 1 || new Promise((resolve) => {
  el.addEventListener('loadedmetadata', () => resolve(true), { once: true });
  el.addEventListener('error', () => resolve(false), { once: true });
}));

test('a video is previewed, sent as a video block, kept across a reload, and exported and imported with its bytes', async () => {
  const chat = await freshChat(own.browser, own.url);
  await useModel(chat, NOVA);
  await picker(chat).setInputFiles([{ name: 'clip.mp4', mimeType: 'video/mp4', buffer: VIDEO }]);
  const preview = pending(chat).locator('video[aria-label^="mp4 video"]');
  await preview.waitFor();
  assert.match(await preview.getAttribute('src'), /^blob:/);
  assert.equal(await preview.getAttribute('controls'), '');

  // Nova takes one video a request, and the conversation goes whole with each request.
  await picker(chat).setInputFiles([{ name: 'second.mov', mimeType: 'video/quicktime', buffer: VIDEO }]);
  await alert(chat, 'second.mov: a conversation can carry only one video (Bedrock takes one per request)').waitFor();

  await chat.send('What happens in it?');
  await chat.waitForStatus(chat.reply(0), 'complete');
  const [first] = (await lastRequest()).messages;
  assert.deepEqual(first.content, [
    { video: { format: 'mp4', source: { bytes: VIDEO.toString('base64') } } },
    { text: 'What happens in it?' },
  ]);
  assert.match(await chat.replyText(0), /I received a video \(mp4, 3000 bytes\)\./);
  assert.equal(await pending(chat).count(), 0);

  await chat.reload();
  await chat.waitForStatus(chat.reply(0), 'complete');
  const kept = shown(chat, 0).locator('video');
  assert.match(await kept.getAttribute('src'), /^blob:/);
  assert.equal(await kept.getAttribute('aria-label'), 'mp4 video (3 KB)');

  const sidebar = chat.page.getByRole('navigation', { name: 'Conversations' });
  const [file] = await Promise.all([
    chat.page.waitForEvent('download'),
    sidebar.getByRole('button', { name: 'Export conversation' }).click(),
  ]);
  const exported = JSON.parse(await readFile(await file.path(), 'utf8'));
  assert.deepEqual(exported.conversations[0].messages[0].message.content[0], first.content[0]);

  const other = await freshChat(own.browser, own.url);
  const importer = other.page.getByRole('navigation', { name: 'Conversations' }).getByLabel('Import conversations');
  await importer.setInputFiles({ name: 'video.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(exported)) });
  await other.page.getByRole('status').filter({ hasText: 'Imported 1 conversation.' }).waitFor();
  await other.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: 'What happens in it?', exact: true }).click();
  await shown(other, 0).locator('video[aria-label="mp4 video (3 KB)"]').waitFor();
  await other.page.context().close();
  await chat.page.context().close();
});

test('a recording goes to a model declared to take audio, plays from the stored bytes, and is refused by name elsewhere', async () => {
  const chat = await freshChat(own.browser, own.url);
  const recording = wav();
  await useModel(chat, HAIKU);
  await picker(chat).setInputFiles([{ name: 'memo.wav', mimeType: 'audio/wav', buffer: recording }]);
  await alert(chat, 'memo.wav: Claude 3 Haiku takes no audio').waitFor();
  assert.equal(await chat.page.getByRole('list', { name: 'Attachments' }).count(), 0);

  await useModel(chat, SPEECH);
  await picker(chat).setInputFiles([{ name: 'memo.wav', mimeType: 'audio/wav', buffer: recording }]);
  const preview = pending(chat).locator('audio[aria-label^="wav recording"]');
  await preview.waitFor();
  assert.equal(await playable(preview), true, 'the browser plays the stored recording');
  assert.equal(Math.round(await preview.evaluate((el) => el.duration) * 10), 5, 'all half a second of it');

  await chat.send('Transcribe this, please.');
  await chat.waitForStatus(chat.reply(0), 'complete');
  const [first] = (await lastRequest()).messages;
  assert.deepEqual(first.content[0], { audio: { format: 'wav', source: { bytes: recording.toString('base64') } } });
  assert.match(await chat.replyText(0), new RegExp(`I received a recording \\(wav, ${recording.length} bytes\\)\\.`));
  await chat.reload();
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.equal(await playable(shown(chat, 0).locator('audio')), true, 'it plays after a reload too');
  await chat.page.context().close();
});

test('files that would make a request larger than the relay takes are refused before sending, naming both sizes', async () => {
  const chat = await freshChat(own.browser, own.url);
  await useModel(chat, NOVA);
  // 900 KB of video is 1.2 MB once encoded; this relay takes 1 MB a request.
  await picker(chat).setInputFiles([{ name: 'long.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(900_000, 1) }]);
  await alert(chat, 'long.mp4: with it, this conversation would be 1.2 MB to send; this relay takes at most 1.0 MB a request').waitFor();
  assert.equal(await chat.page.getByRole('list', { name: 'Attachments' }).count(), 0);
  await chat.page.context().close();
});

test('an image the model generates is shown with its reply, kept across a reload, and goes back as words', async () => {
  const chat = await freshChat(own.browser, own.url);
  await useModel(chat, NOVA);
  await chat.send('Draw a dot [stand-in:image]');
  await chat.waitForStatus(chat.reply(0), 'complete');
  const image = () => chat.reply(0).getByRole('list', { name: 'Generated images' }).getByRole('img', { name: 'png image (1 KB)' });
  // Streamed in pieces of its bytes and put back together: the browser decodes a 1×1 PNG.
  const decoded = (img) => img.evaluate((el) => el.decode().then(() => el.naturalWidth, () => 0));
  assert.equal(await decoded(image()), 1);

  await chat.reload();
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.equal(await decoded(image()), 1);

  await chat.send('Thanks');
  await chat.waitForStatus(chat.reply(1), 'complete');
  const [, reply] = (await lastRequest()).messages;
  assert.deepEqual(reply.content.at(-1), { text: '[an image (png) was generated here]' });
  await chat.page.context().close();
});

test('a large video goes by its S3 URI, from a bucket the deployer allows, where the model takes files by S3 link', async () => {
  const chat = await freshChat(own.browser, own.url);
  const s3 = chat.page.getByRole('button', { name: 'Attach a file in S3' });
  await useModel(chat, NOVA);
  await s3.waitFor();
  // Claude takes no files by S3 link: no button.
  await useModel(chat, HAIKU);
  await s3.waitFor({ state: 'detached' });
  await useModel(chat, NOVA);
  const link = async (uri) => {
    chat.page.once('dialog', (dialog) => dialog.accept(uri));
    await s3.click();
  };
  await link('https://example.com/keynote.mp4');
  await alert(chat, 'https://example.com/keynote.mp4: not an S3 URI of a file').waitFor();
  await link('s3://my-videos/talks/keynote.mp4');
  await pending(chat).getByText('keynote.mp4 (in S3)').waitFor();

  await chat.send('Summarise the talk');
  await chat.waitForStatus(chat.reply(0), 'complete');
  const [first] = (await lastRequest()).messages;
  assert.deepEqual(first.content[0], { video: { format: 'mp4', source: { s3Location: { uri: 's3://my-videos/talks/keynote.mp4' } } } });
  assert.match(await chat.replyText(0), /I received a video \(mp4, by S3\)\./);
  await chat.page.context().close();
});

test('the relay has Bedrock read no file from a bucket its deployer did not allow', async () => {
  // The stack's main relay allows none: its AWS role would otherwise read whatever it can for anyone.
  const naming = (uri) => JSON.stringify({ messages: [{ role: 'user', content: [
    { text: 'What is in it?' }, { video: { format: 'mp4', source: { s3Location: { uri } } } }] }] });
  const r = await post('us.amazon.nova-lite-v1:0', 'converse', naming('s3://my-videos/talks/keynote.mp4'));
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('x-amzn-errortype'), 'AccessDeniedException');
  assert.equal((await r.json()).message, 'This relay does not read that file from S3: its bucket is not one the deployer allows.');
  // Nor to count its tokens: a count would tell what the file holds.
  const counting = JSON.stringify({ input: { converse: JSON.parse(naming('s3://payroll/2026.mp4')) } });
  const c = await post('anthropic.claude-3-haiku-20240307-v1:0', 'count-tokens', counting);
  assert.equal(c.status, 403);
  assert.equal(c.headers.get('x-amzn-errortype'), 'AccessDeniedException');
});
