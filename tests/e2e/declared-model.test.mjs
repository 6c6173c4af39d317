// Models outside converse-edge's own table. A deployer declares what one takes
// (MODEL_CAPABILITIES) and the relay and the page go by that; a model nobody declared is sent
// text alone, and the page says so instead of guessing. Both ids below are real Bedrock models
// (AWS's "Supported foundation models" list) that the stand-in's own catalog knows and
// shared's table does not.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { body, lastRequest, post } from './http.mjs';
import { freshChat, launch } from './page.mjs';
import { pageRelay, relayInWorkerd } from './workerd.mjs';

const GEMMA = 'google.gemma-3-27b-it';
const GLM = 'zai.glm-4.7-flash';
const DECLARED = { [GEMMA]: { family: 'Gemma 3 27B', contextWindow: 128000, maxOutputTokens: 8192, systemPrompt: true, images: true } };
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let mf;
let url;
let browser;
before(async () => {
  ({ mf, url } = await pageRelay({ PAGE_ACCESS: 'open', ALLOWED_MODELS: `${GEMMA},${GLM}`, MODEL_CAPABILITIES: JSON.stringify(DECLARED) }));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await mf?.dispose();
});

test('the relay lists a declared model with what it was declared to take, and an undeclared one as unknown', async () => {
  const { models } = await (await fetch(`${url}/v1/models`)).json();
  const [gemma, glm] = [GEMMA, GLM].map((id) => models.find((m) => m.modelId === id));
  assert.deepEqual(
    [gemma.known, gemma.family, gemma.contextWindow, gemma.maxOutputTokens, gemma.systemPrompt, gemma.images, gemma.tools, gemma.video],
    [true, 'Gemma 3 27B', 128000, 8192, true, true, false, false],
  );
  // Nothing guessed: no attachments, no tools, the system prompt folded.
  assert.deepEqual([glm.known, glm.images, glm.documents, glm.tools, glm.systemPrompt], [false, false, false, false, false]);
});

test('a declaration the relay cannot use stops the relay with a plain log line, not a guess', async () => {
  const broken = relayInWorkerd({ MODEL_CAPABILITIES: JSON.stringify({ [GLM]: { images: true } }), RELAY_API_KEYS: 'k:0123456789abcdef0123' });
  try {
    await broken.ready;
    const r = await broken.dispatchFetch(`http://relay/model/${GLM}/converse`, {
      method: 'POST', headers: { authorization: 'Bearer k:0123456789abcdef0123' }, body: body('hi'),
    });
    assert.equal(r.status, 500);
    assert.equal(r.headers.get('x-amzn-errortype'), 'InternalServerException');
    assert.match((await r.json()).message, /misconfigured; its log says how/);
  } finally {
    await broken.dispose();
  }
});

test('the page sends a declared model what it takes, and an unknown one text alone, saying so', async () => {
  const chat = await freshChat(browser, url);
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${GLM}"]`).waitFor({ state: 'attached' });
  assert.equal(await model.locator(`option[value="${GEMMA}"]`).textContent(), `Gemma 3 27B — ${GEMMA}`);
  await chat.page.getByText('Settings', { exact: true }).click();
  const settings = chat.page.locator('.settings-panel');
  await settings.getByLabel('System prompt').fill('Answer briefly');
  await settings.getByLabel('System prompt').blur();

  // Declared: the image and the system prompt go as themselves.
  await model.selectOption(GEMMA);
  assert.match(await settings.locator('.capabilities').textContent(), /^Gemma 3 27B: 128000 tokens of context, up to 8192 out; takes images$/);
  await chat.page.getByLabel('Attach files').setInputFiles([{ name: 'dot.png', mimeType: 'image/png', buffer: PNG }]);
  await chat.page.getByRole('list', { name: 'Attachments' }).getByRole('img').waitFor();
  await chat.send('What is in the picture?');
  await chat.waitForStatus(chat.reply(0), 'complete');
  let sent = await lastRequest();
  assert.deepEqual(sent.system, [{ text: 'Answer briefly' }]);
  assert.ok(sent.messages[0].content.some((b) => b.image), 'the image went to Gemma');

  // Unknown: said plainly, where the model is chosen and in Settings.
  await model.selectOption(GLM);
  await chat.page.getByRole('alert').filter({ hasText: 'This conversation holds 1 image that an unknown model cannot take' })
    .getByRole('button', { name: 'Switch anyway' }).click();
  await chat.page.getByRole('note').filter({ hasText: 'Not a model this relay knows: it is sent text alone' }).waitFor();
  assert.match(await settings.locator('.capabilities').textContent(), new RegExp(`^The relay does not know what ${GLM.replace('.', '\\.')} takes, so it sends text alone`));
  await chat.page.getByLabel('Attach files').setInputFiles([{ name: 'dot.png', mimeType: 'image/png', buffer: PNG }]);
  await chat.page.getByRole('alert').filter({ hasText: 'dot.png: The relay does not know whether this model takes images' }).waitFor();
  await chat.send('And now?');
  await chat.waitForStatus(chat.reply(1), 'complete');
  sent = await lastRequest();
  assert.equal(sent.system, undefined, 'no system field for a model nobody declared');
  assert.deepEqual(sent.messages[0].content.slice(0, 1), [{ text: 'Answer briefly' }]);
  assert.ok(!sent.messages.some((m) => m.content.some((b) => b.image)), 'the earlier image went as words');
  await chat.reply(1).getByText(/The relay does not know what this model takes, so it sends text alone: the system prompt was sent/).waitFor();
  await chat.page.context().close();
});
