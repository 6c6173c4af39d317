// Settings per conversation: the relay's models with what each takes, the system prompt
// (emulated where a model has none), inference parameters, model-specific JSON checked before
// use, controls a model does not take disabled with the reason, and defaults for new chats.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { lastRequest } from './http.mjs';
import { ChatPage, freshChat, launch } from './page.mjs';
import { pageRelay } from './workerd.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });


async function openSettings(chat) {
  await chat.page.getByText('Settings', { exact: true }).click();
  return chat.page.locator('.settings-panel');
}

test('the model is chosen from the relay\'s list, and a model without a system prompt gets it emulated', async () => {
  const chat = await freshChat(browser);
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator('option[value="amazon.titan-text-lite-v1"]').waitFor({ state: 'attached' });
  const offered = await model.locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert.ok(offered.includes('us.amazon.nova-lite-v1:0') && offered.includes('anthropic.claude-3-haiku-20240307-v1:0'));

  const settings = await openSettings(chat);
  await settings.getByLabel('System prompt').fill('Answer like a pirate');
  await settings.getByLabel('System prompt').blur();
  await model.selectOption('amazon.titan-text-lite-v1');
  await settings.getByText(/Emulated: Amazon Titan Text Lite has no system prompt/).waitFor();
  assert.match(await settings.locator('.capabilities').textContent(), /Amazon Titan Text Lite: 4000 tokens of context, up to 4096 out/);

  await chat.send('Ahoy');
  const reply = chat.reply(0);
  await chat.waitForStatus(reply, 'complete');
  const sent = await lastRequest();
  assert.equal(sent.system, undefined, 'Titan is sent no system field');
  assert.deepEqual(sent.messages[0].content, [{ text: 'Answer like a pirate' }, { text: 'Ahoy' }]);
  await reply.getByText(/takes no system prompt: it was sent at the start of your first message/).waitFor();

  // Claude takes it as a system prompt.
  await model.selectOption('anthropic.claude-3-haiku-20240307-v1:0');
  await chat.send('Again');
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.deepEqual((await lastRequest()).system, [{ text: 'Answer like a pirate' }]);
  assert.match(await chat.replyText(1), /My system prompt is “Answer like a pirate”/);
  await chat.page.context().close();
});

test('inference parameters and model-specific fields reach Bedrock; bad values are refused with the draft kept', async () => {
  const chat = await freshChat(browser);
  const settings = await openSettings(chat);
  await settings.getByLabel('Temperature').fill('0.3');
  await settings.getByLabel('Temperature').blur();
  await settings.getByLabel('Max tokens').fill('6');
  await settings.getByLabel('Max tokens').blur();
  await settings.getByLabel('Stop sequences (one per line)').fill('zebra');
  await settings.getByLabel('Stop sequences (one per line)').blur();
  await settings.getByLabel('Model-specific fields (JSON)').fill('{"top_k": 7}');

  await chat.send('one two three four five six seven eight');
  await chat.waitForStatus(chat.reply(0), 'complete');
  const sent = await lastRequest();
  assert.deepEqual(sent.inferenceConfig, { maxTokens: 6, temperature: 0.3, stopSequences: ['zebra'] });
  assert.deepEqual(sent.additionalModelRequestFields, { top_k: 7 });
  assert.equal((await chat.replyText(0)).split(/\s+/).filter(Boolean).length, 6, 'the reply stops at 6 tokens');

  // Out of range: refused at the field, the old value stays in use.
  await settings.getByLabel('Temperature').fill('1.5');
  await settings.getByLabel('Temperature').blur();
  await settings.getByRole('alert').filter({ hasText: '1.5 is not a number from 0 to 1' }).waitFor();
  await settings.getByLabel('Max tokens').fill('99999');
  await settings.getByLabel('Max tokens').blur();
  await settings.getByRole('alert').filter({ hasText: 'not a whole number from 1 to 4096' }).waitFor();

  // JSON that is not an object: shown at once, and a send is refused with the draft kept.
  await settings.getByLabel('Model-specific fields (JSON)').fill('{"top_k": ');
  await settings.getByRole('alert').filter({ hasText: 'not valid JSON' }).waitFor();
  await chat.send('Will this go?');
  await chat.page.getByRole('alert').filter({ hasText: /^Not sent: model-specific fields are not valid JSON/ }).waitFor();
  assert.equal(await chat.input.inputValue(), 'Will this go?');
  assert.equal(await chat.replies.count(), 1);
  await settings.getByLabel('Model-specific fields (JSON)').fill('');
  await chat.input.press('Enter');
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.equal((await lastRequest()).inferenceConfig.temperature, 0.3);

  // The settings belong to the conversation: they come back after a reload.
  await chat.reload();
  await chat.waitForStatus(chat.reply(1), 'complete');
  const again = await openSettings(chat);
  assert.equal(await again.getByLabel('Temperature').inputValue(), '0.3');
  assert.equal(await again.getByLabel('Max tokens').inputValue(), '6');
  await chat.page.context().close();
});

test('controls a model does not take are disabled with the reason, and defaults apply to new conversations', async () => {
  const chat = await freshChat(browser);
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator('option[value="us.anthropic.claude-sonnet-4-20250514-v1:0"]').waitFor({ state: 'attached' });
  await model.selectOption('us.anthropic.claude-sonnet-4-20250514-v1:0');
  const settings = await openSettings(chat);
  assert.equal(await settings.getByLabel('Top P').isDisabled(), false);
  await settings.getByLabel('Temperature').fill('0.5');
  await settings.getByLabel('Temperature').blur();
  await settings.getByText(/takes temperature or top P, not both/).waitFor();
  assert.equal(await settings.getByLabel('Top P').isDisabled(), true);

  await model.selectOption('amazon.titan-text-lite-v1');
  await chat.page.getByText('Tools', { exact: true }).click();
  await chat.page.getByText(/Amazon Titan Text Lite takes no tools/).waitFor();
  assert.equal(await chat.page.getByRole('checkbox', { name: 'Use calculator' }).isDisabled(), true);

  // Opening Tools closed Settings (a click outside a panel closes it), and Esc closes Tools.
  await settings.getByLabel('Temperature').waitFor({ state: 'hidden' });
  await chat.page.keyboard.press('Escape');
  await chat.page.getByText(/Amazon Titan Text Lite takes no tools/).waitFor({ state: 'hidden' });

  // Defaults: what this conversation uses becomes the start of the next one.
  await (await openSettings(chat)).getByRole('button', { name: 'Use for new conversations' }).click();
  await chat.page.getByRole('button', { name: 'New chat' }).click();
  assert.equal(await model.inputValue(), 'amazon.titan-text-lite-v1');
  assert.equal(await (await openSettings(chat)).getByLabel('Temperature').inputValue(), '0.5');
  await chat.page.context().close();
});

test('when the relay\'s model list cannot be had, the picker says so rather than calling the model unoffered', async () => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  await context.route((url) => url.pathname === '/v1/models',
    (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"message":"Service Unavailable"}' }));
  const chat = new ChatPage(await context.newPage());
  await chat.open();
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator('option').filter({ hasText: 'the relay\'s model list could not be loaded' }).waitFor({ state: 'attached' });
  assert.equal(await model.locator('option').filter({ hasText: 'not offered by this relay' }).count(), 0);
  await context.close();
});

test('a conversation\'s own guardrail goes with each request; a malformed one is refused before sending', async () => {
  const chat = await freshChat(browser);
  const settings = await openSettings(chat);
  const id = settings.getByLabel('Guardrail id');
  // Typed key by key, the field keeps what is typed (a space included) and says what is wrong.
  await id.pressSequentially('My guardrail');
  assert.equal(await id.inputValue(), 'My guardrail');
  await settings.getByLabel('Version', { exact: true }).fill('1');
  // Bedrock's pattern for GuardrailIdentifier: lower-case letters and digits, or an ARN.
  await settings.getByRole('alert').filter({ hasText: 'a guardrail id is lower-case letters and digits, or the guardrail\'s ARN' }).waitFor();
  await chat.page.keyboard.press('Escape');
  await chat.send('hello there');
  await chat.page.getByRole('alert').filter({ hasText: 'Not sent: a guardrail id is' }).waitFor();
  assert.equal(await chat.input.inputValue(), 'hello there', 'the draft is kept');
  assert.equal(await chat.replies.count(), 0);

  await openSettings(chat);
  await id.fill('gr1abc2def3');
  await chat.page.keyboard.press('Escape');
  await chat.input.press('Enter');
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.deepEqual((await lastRequest()).guardrailConfig, { guardrailIdentifier: 'gr1abc2def3', guardrailVersion: '1' });
  await chat.send('something it blocks [stand-in:guardrail]');
  await chat.reply(1).getByText(/A guardrail intervened/).waitFor();
  await chat.page.context().close();
});

test('where the relay enforces its own guardrail, Settings says so instead of offering one', async () => {
  const { mf, url } = await pageRelay({ PAGE_ACCESS: 'open', ENFORCE_GUARDRAIL: 'gr1enforced:1' });
  try {
    assert.equal((await (await fetch(`${url}/v1/models`)).json()).enforcedGuardrail, true);
    const chat = await freshChat(browser, url);
    const settings = await openSettings(chat);
    await settings.getByText('This relay applies its own guardrail to every conversation.').waitFor();
    assert.equal(await settings.getByLabel('Guardrail id').count(), 0);
    await chat.page.context().close();
  } finally {
    await mf.dispose();
  }
});
