// Structured output (outputConfig.textFormat, json_schema): replies that follow a JSON schema,
// where the model takes it: https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html
// (Claude Haiku, Sonnet and Opus 4.5, Opus 4.6, select open-weight models). The stand-in
// writes JSON that follows the schema, and refuses it elsewhere in Bedrock's words.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { MODEL, PASS_THROUGH_RELAY_URL } from './env.mjs';
import { body, lastRequest, post, stream } from './http.mjs';
import { freshChat, launch } from './page.mjs';

const SONNET_45 = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const SONNET_46 = 'us.anthropic.claude-sonnet-4-6';
const NOVA = 'us.amazon.nova-lite-v1:0';
const SCHEMA = {
  title: 'City', type: 'object', additionalProperties: false, required: ['city', 'country', 'population'],
  properties: { city: { type: 'string' }, country: { type: 'string' }, population: { type: 'integer' } },
};
const asking = (schema = SCHEMA) => ({
  outputConfig: { textFormat: { type: 'json_schema', structure: { jsonSchema: { name: 'City', schema: JSON.stringify(schema) } } } },
});

let browser;
/** A new chat with `modelId` chosen and Settings open. */
async function chatWith(modelId) {
  const chat = await freshChat(browser);
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${modelId}"]`).waitFor({ state: 'attached' });
  await model.selectOption(modelId);
  await chat.page.getByText('Settings', { exact: true }).click();
  return { chat, model };
}
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a model with structured output replies with JSON that follows the schema, sent and streamed', async () => {
  const r = await post(SONNET_45, 'converse', body('The largest city of Portugal?', asking()));
  assert.equal(r.status, 200, await r.clone().text());
  const reply = JSON.parse((await r.json()).output.message.content[0].text);
  assert.deepEqual(Object.keys(reply).sort(), ['city', 'country', 'population']);
  assert.ok(Number.isInteger(reply.population));
  assert.deepEqual((await lastRequest()).outputConfig, asking().outputConfig, 'the relay passed it on unchanged');

  const events = await stream(SONNET_45, body('And of Spain?', asking()));
  const text = events.filter((e) => e.event === 'contentBlockDelta').map((e) => e.data.delta.text).join('');
  assert.deepEqual(Object.keys(JSON.parse(text)).sort(), ['city', 'country', 'population']);
});

test('a model without structured output is refused in Bedrock\'s words', async () => {
  // Claude before 4.5, as LiteLLM #27846 and hindsight #3300 recorded Bedrock answering.
  let r = await post(MODEL, 'converse', body('hi', asking()));
  assert.equal(r.status, 400);
  assert.equal(r.headers.get('x-amzn-errortype'), 'ValidationException');
  assert.equal((await r.json()).message,
    'The model returned the following errors: output_config.format: Extra inputs are not permitted');
  r = await post(NOVA, 'converse', body('hi', asking()));
  assert.equal(r.status, 400);
  assert.match((await r.json()).message, /doesn't support the outputConfig field/);
});

test('the page asks for a reply format, shows the JSON reply as a tree that folds, with a copy button for the JSON, after a reload too', async () => {
  const { chat, model } = await chatWith(SONNET_45);
  const field = chat.page.getByLabel(/^Reply format/);
  await field.fill('{"type": "object", "properties": ');
  assert.match(await chat.page.locator('.settings-panel .field-error').textContent(), /^the reply format is not valid JSON/);
  await field.fill(JSON.stringify(SCHEMA, null, 1));
  assert.equal(await chat.page.locator('.settings-panel .field-error').count(), 0);
  await chat.page.getByText('Settings', { exact: true }).click();

  await chat.send('The largest city of Portugal, please');
  await chat.waitForStatus(chat.reply(0), 'complete');
  const sent = (await lastRequest()).outputConfig.textFormat;
  assert.equal(sent.type, 'json_schema');
  assert.deepEqual(JSON.parse(sent.structure.jsonSchema.schema), SCHEMA);
  assert.equal(sent.structure.jsonSchema.name, 'City');
  const shown = async () => {
    const block = chat.reply(0).locator('.json-view');
    assert.ok(await block.getByRole('button', { name: /copy/i }).isVisible(), 'with its copy button');
    const text = await block.locator('code').textContent();
    assert.match(text, /^{\n {2}"city": /, 'what it copies is indented');
    assert.deepEqual(Object.keys(JSON.parse(text)).sort(), ['city', 'country', 'population']);
    // A tree: the reply's object folds, its fields named by their keys.
    const root = block.locator('.json-tree > details > summary');
    assert.equal(await root.textContent(), '{ 3 fields }');
    assert.equal(await block.locator('.json-key').first().textContent(), '"city"');
    await root.click();
    assert.equal(await block.locator('.json-key').first().isVisible(), false, 'folded');
    await root.press('Enter');
    assert.equal(await block.locator('.json-key').first().isVisible(), true, 'unfolded from the keyboard');
  };
  await shown();
  await chat.reload();
  await chat.waitForStatus(chat.reply(0), 'complete');
  await shown();

  // A model without structured output: the field is disabled and says why; nothing is sent.
  await model.selectOption(MODEL);
  await chat.page.getByText('Settings', { exact: true }).click();
  assert.ok(await field.isDisabled());
  assert.ok(await chat.page.getByText('Claude 3 Haiku takes no reply formats (structured output).').isVisible());
  await chat.page.getByText('Settings', { exact: true }).click();
  await chat.send('Free text again');
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.equal((await lastRequest()).outputConfig, undefined);
  await chat.page.context().close();
});

test('an effort level goes to a model that takes it; another level, or a model without effort, is refused in Bedrock\'s words', async () => {
  // https://platform.claude.com/docs/en/build-with-claude/effort: Opus 4.5 takes low to high,
  // Opus and Sonnet 4.6 max besides. The pass-through relay offers every model.
  const effort = (model, level) =>
    post(model, 'converse', body('hi', { outputConfig: { effort: level } }), {}, { base: PASS_THROUGH_RELAY_URL });
  let r = await effort(SONNET_46, 'max');
  assert.equal(r.status, 200, await r.clone().text());
  assert.deepEqual((await lastRequest()).outputConfig, { effort: 'max' });
  r = await effort('global.anthropic.claude-opus-4-5-20251101-v1:0', 'max');
  assert.equal(r.status, 400);
  assert.equal((await r.json()).message,
    "The model returned the following errors: output_config.effort: Input should be 'low', 'medium' or 'high'");
  r = await effort(MODEL, 'low');
  assert.equal(r.status, 400);
  assert.equal((await r.json()).message,
    'The model returned the following errors: output_config.effort: Extra inputs are not permitted');
});

test('the page offers the effort levels of the model, and sends the one chosen', async () => {
  const { chat, model } = await chatWith(SONNET_46);
  const effort = chat.page.getByLabel('Effort');
  assert.deepEqual(await effort.locator('option').allTextContents(),
    ["The model's default (high)", 'low', 'medium', 'high', 'max']);
  await effort.selectOption('low');
  await chat.page.getByText('Settings', { exact: true }).click();
  await chat.send('Quickly, please');
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.deepEqual((await lastRequest()).outputConfig, { effort: 'low' });

  // Sonnet 4.5 takes no effort: the field is gone and nothing is sent.
  await model.selectOption(SONNET_45);
  await chat.page.getByText('Settings', { exact: true }).click();
  assert.equal(await chat.page.getByLabel('Effort').count(), 0);
  await chat.page.getByText('Settings', { exact: true }).click();
  await chat.send('And now?');
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.equal((await lastRequest()).outputConfig, undefined);
  await chat.page.context().close();
});
