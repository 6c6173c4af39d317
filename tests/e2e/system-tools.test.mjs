// System tools: tools Bedrock runs itself within a reply, such as Nova 2 Lite's code
// interpreter and web grounding (https://docs.aws.amazon.com/nova/latest/userguide/tool-built-in.html).
// The deployer allows them (SYSTEM_TOOLS; none by default), the page offers them to the models
// that run them, and shows each call with the result Bedrock returned in the same reply (as
// recorded in realcases pyd-96), without running anything itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { body, lastRequest, post } from './http.mjs';
import { freshChat, ownDeployment } from './page.mjs';

const NOVA_2 = 'us.amazon.nova-2-lite-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const INTERPRETER = 'nova_code_interpreter';

const own = ownDeployment({
    PAGE_ACCESS: 'open',
    ALLOWED_MODELS: `${NOVA_2},${HAIKU}`,
    SYSTEM_TOOLS: `${INTERPRETER},nova_grounding`,
  });

const systemTools = (request) => (request.toolConfig?.tools ?? []).filter((t) => t.systemTool).map((t) => t.systemTool.name);
const card = (chat) => chat.page.getByRole('group', { name: `Tool call ${INTERPRETER}` });

test('the code interpreter runs within the reply: its card shows what Bedrock returned, and nothing runs in the page', async () => {
  const chat = await freshChat(own.browser, own.url);
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${NOVA_2}"]`).waitFor({ state: 'attached' });
  await model.selectOption(NOVA_2);
  await chat.page.getByText('Tools', { exact: true }).click();
  const place = chat.page.locator('.tools-panel li', { has: chat.page.getByText(INTERPRETER, { exact: true }) }).locator('.tool-place');
  assert.equal(await place.textContent(), 'Run by Bedrock, for the models that have it (Nova 2 Lite)');
  await chat.page.getByText('Tools', { exact: true }).click();

  await chat.send('What is 1234 * 5678? [stand-in:system-tool]');
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.deepEqual(systemTools(await lastRequest()), [INTERPRETER, 'nova_grounding']);
  await card(chat).and(chat.page.locator('[data-status="done"]')).waitFor();
  assert.match(await card(chat).locator('.tool-result').textContent(), /"stdOut":"7006652"/);
  assert.match(await chat.replyText(0), /^The code interpreter printed 7006652\./);
  assert.equal(await chat.replies.count(), 1, 'no round of tool results followed');

  // The reply, with the call and its result in it, goes back as Bedrock took it (pyd-97).
  await chat.send('Thanks');
  await chat.waitForStatus(chat.reply(1), 'complete');
  const [, reply] = (await lastRequest()).messages;
  assert.deepEqual(reply.content.slice(0, 2).map((b) => Object.keys(b)[0]), ['toolUse', 'toolResult']);
  assert.equal(reply.content[1].toolResult.type, `${INTERPRETER}_result`);

  await chat.reload();
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.match(await card(chat).locator('.tool-result').textContent(), /7006652/);

  // Switched off, it is not offered; a model without system tools is offered none.
  await chat.page.getByText('Tools', { exact: true }).click();
  await chat.page.getByRole('checkbox', { name: `Use ${INTERPRETER}` }).uncheck();
  await chat.page.getByText('Tools', { exact: true }).click();
  await chat.send('Once more');
  await chat.waitForStatus(chat.reply(2), 'complete');
  assert.deepEqual(systemTools(await lastRequest()), ['nova_grounding']);
  await model.selectOption(HAIKU);
  await chat.send('And with Claude');
  await chat.waitForStatus(chat.reply(3), 'complete');
  assert.deepEqual(systemTools(await lastRequest()), []);
  await chat.page.context().close();
});

test('a system tool the deployer did not allow is refused before Bedrock is called', async () => {
  // The stack's main relay allows none (and a model it offers is asked, so that the tool is
  // what is refused).
  const asking = body('What is 2 + 2?', { toolConfig: { tools: [{ systemTool: { name: INTERPRETER } }] } });
  const r = await post('us.amazon.nova-lite-v1:0', 'converse', asking);
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('x-amzn-errortype'), 'AccessDeniedException');
  assert.equal((await r.json()).message, `This relay does not offer the system tool ${INTERPRETER}.`);
});
