// Tool use in the page: the model asks, the page runs its built-in tool, the answer uses it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { TOOL_SECRET } from './env.mjs';
import { lastRequest } from './http.mjs';
import { freshChat, launch } from './page.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });


const call = (name, input) => `[stand-in:call ${name} ${JSON.stringify(input)}]`;
/** The Tools panel's words for where `name` runs (the panel open). */
const place = (chat, name) =>
  chat.page.locator('.tools-panel li', { has: chat.page.getByText(name, { exact: true }) }).locator('.tool-place').textContent();
/** Sets each tool to ask before running (the panel open; closes it). */
async function askFirst(chat, names) {
  for (const name of names) await chat.page.getByRole('checkbox', { name: `Ask before running ${name}` }).check();
  await chat.page.getByText('Tools', { exact: true }).click();
}
/** Runs each waiting call, in order, and waits until each is done. */
async function approve(chat, names) {
  for (const name of names) {
    const card = chat.page.getByRole('group', { name: `Tool call ${name}` });
    await card.and(chat.page.locator('[data-status="asking"]')).waitFor();
    await card.getByRole('button', { name: 'Run' }).click();
    await card.and(chat.page.locator('[data-status="done"]')).waitFor();
  }
}

test('a calculation runs the calculator, shows its card, and the answer has the exact result', async () => {
  const chat = await freshChat(browser);
  await chat.send(`What is 0.1 + 0.2? ${call('calculator', { expression: '0.1 + 0.2' })}`);
  // The card appears while the call's input is still streaming in.
  await chat.page.waitForFunction(() => {
    const card = document.querySelector('.tool-card[data-status="receiving"]');
    const input = card?.querySelector('.tool-input').textContent ?? '';
    return input.length > 0 && input !== '{"expression":"0.1 + 0.2"}';
  }, null, { polling: 'raf', timeout: 15_000 });
  const card = chat.page.getByRole('group', { name: 'Tool call calculator' });
  await card.and(chat.page.locator('[data-status="done"]')).waitFor();
  await card.locator('summary').click();
  assert.equal(await card.locator('.tool-result').textContent(), '0.3');
  assert.equal(await card.locator('.tool-input').textContent(), '{"expression":"0.1 + 0.2"}');
  // The model's next turn saw the result.
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.match(await chat.replyText(1), /^The tool results: calculator returned “0\.3”\./);
  // The tool turn stays in the conversation across a reload.
  await chat.reload();
  await chat.page.getByRole('group', { name: 'Tool call calculator' }).and(chat.page.locator('[data-status="done"]')).waitFor();
  await chat.page.context().close();
});

test('two tools asked for at once both run, and a failing tool is an error card the model still answers', async () => {
  const chat = await freshChat(browser);
  await chat.send(`Both please ${call('calculator', { expression: '1 / 0' })} ${call('convert_units', { value: '1', from: 'mi', to: 'km' })}`);
  const failed = chat.page.getByRole('group', { name: 'Tool call calculator' });
  await failed.and(chat.page.locator('[data-status="failed"]')).waitFor();
  await failed.locator('summary').click();
  assert.equal(await failed.locator('.tool-result').textContent(), 'division by zero');
  await chat.page.getByRole('group', { name: 'Tool call convert_units' }).and(chat.page.locator('[data-status="done"]')).waitFor();
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.match(await chat.replyText(1),
    /calculator failed with “division by zero”; convert_units returned “1\.609344 km”/);
  await chat.page.context().close();
});

test('a deployer\'s HTTP tool runs through the relay, and its secret never reaches the page', async () => {
  const chat = await freshChat(browser);
  await chat.send(`Where is my order? ${call('lookup_order', { orderId: 'B-7' })}`);
  const card = chat.page.getByRole('group', { name: 'Tool call lookup_order' });
  await card.and(chat.page.locator('[data-status="done"]')).waitFor();
  await card.locator('summary').click();
  assert.equal(await card.locator('.tool-result').textContent(), '{"echo":{"orderId":"B-7"},"secretSeen":true}');
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.match(await chat.replyText(1), /lookup_order returned “\{"echo":\{"orderId":"B-7"\},"secretSeen":true\}”/);
  const everything = await chat.page.evaluate(async () => {
    const entries = performance.getEntriesByType('resource').map((e) => e.name).join(' ');
    return document.documentElement.outerHTML + entries + JSON.stringify(localStorage);
  });
  assert.ok(!everything.includes(TOOL_SECRET), 'the tool secret is in the page');
  await chat.page.context().close();
});

test('the Tools panel says where each tool runs; a Lambda tool and an HTTP tool, both approved, answer in one turn', async () => {
  const chat = await freshChat(browser);
  await chat.page.getByText('Tools', { exact: true }).click();
  assert.equal(await place(chat, 'calculator'), 'Runs in this page');
  assert.equal(await place(chat, 'lookup_order'), "Runs on the relay's server");
  assert.equal(await place(chat, 'forecast'), 'Runs in AWS Lambda, called by the relay');
  await askFirst(chat, ['forecast', 'lookup_order']);

  await chat.send(`Weather and my order ${call('forecast', { city: 'Porto', days: 1 })} ${call('lookup_order', { orderId: 'C-3' })}`);
  await approve(chat, ['forecast', 'lookup_order']);
  await chat.waitForStatus(chat.reply(1), 'complete');
  const answer = await chat.replyText(1);
  assert.match(answer, /forecast returned “\{"city":"Porto","forecast":\[\{"day":1,/);
  assert.match(answer, /lookup_order returned “\{"echo":\{"orderId":"C-3"\},"secretSeen":true\}”/);
  const results = (await lastRequest()).messages.at(-1).content.map((b) => b.toolResult);
  assert.deepEqual(results.map((r) => r.status), ['success', 'success']);
  assert.equal(results[0].content[0].json.city, 'Porto');
  await chat.page.context().close();
});

test('a tool set to ask first waits for Run or Skip', async () => {
  const chat = await freshChat(browser);
  await chat.page.getByText('Tools', { exact: true }).click();
  await chat.page.getByRole('checkbox', { name: 'Ask before running calculator' }).check();
  await chat.page.getByText('Tools', { exact: true }).click();

  await chat.send(`Add please ${call('calculator', { expression: '2 + 2' })}`);
  let card = chat.page.getByRole('group', { name: 'Tool call calculator' });
  await card.and(chat.page.locator('[data-status="asking"]')).waitFor();
  await card.getByRole('button', { name: 'Run' }).click();
  await card.and(chat.page.locator('[data-status="done"]')).waitFor();
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.match(await chat.replyText(1), /calculator returned “4”/);

  await chat.send(`Again ${call('calculator', { expression: '3 + 3' })}`);
  card = chat.replies.nth(2).getByRole('group', { name: 'Tool call calculator' });
  await card.and(chat.page.locator('[data-status="asking"]')).waitFor();
  await card.getByRole('button', { name: 'Skip' }).click();
  await chat.waitForStatus(chat.reply(3), 'complete');
  assert.match(await chat.replyText(3), /calculator failed with “the person chose not to run this tool”/);
  await chat.page.context().close();
});

test('a tool switched off is not offered to the model', async () => {
  const chat = await freshChat(browser);
  await chat.page.getByText('Tools', { exact: true }).click();
  await chat.page.getByRole('checkbox', { name: 'Use calculator' }).uncheck();
  await chat.page.getByText('Tools', { exact: true }).click();
  await chat.send(`Add ${call('calculator', { expression: '1 + 1' })}`);
  await chat.waitForStatus(chat.reply(0), 'complete');
  assert.match(await chat.replyText(0), /^You said: /);
  assert.equal(await chat.page.getByRole('group', { name: 'Tool call calculator' }).count(), 0);
  const sent = await lastRequest();
  const offered = sent.toolConfig.tools.map((t) => t.toolSpec.name);
  assert.ok(!offered.includes('calculator') && offered.includes('current_time'), offered.join(','));
  await chat.page.context().close();
});

test('a tool switched off does not run even when the model calls it anyway', async () => {
  const chat = await freshChat(browser);
  await chat.page.getByText('Tools', { exact: true }).click();
  await chat.page.getByRole('checkbox', { name: 'Use calculator' }).uncheck();
  await chat.page.getByText('Tools', { exact: true }).click();
  // `call!`: the stand-in calls the tool though the request does not offer it, as models do.
  await chat.send(`Add [stand-in:call! calculator ${JSON.stringify({ expression: '1 + 1' })}]`);
  const card = chat.page.getByRole('group', { name: 'Tool call calculator' });
  await card.and(chat.page.locator('[data-status="failed"]')).waitFor();
  await chat.waitForStatus(chat.reply(1), 'complete');
  const results = (await lastRequest()).messages.at(-1).content.filter((b) => b.toolResult).map((b) => b.toolResult);
  assert.deepEqual(results.map((r) => [r.status, r.content[0].text]),
    [['error', 'the tool calculator is not switched on in this conversation']]);
  await chat.page.context().close();
});

test('a conversation that used tools goes on with a model that has none: the calls are told as text', async () => {
  // Bedrock refuses toolUse and toolResult blocks in a request without toolConfig (so does the
  // stand-in, in Bedrock's words).
  const chat = await freshChat(browser);
  await chat.send(`Add ${call('calculator', { expression: '2 + 2' })}`);
  await chat.page.getByRole('group', { name: 'Tool call calculator' }).and(chat.page.locator('[data-status="done"]')).waitFor();
  await chat.waitForStatus(chat.reply(1), 'complete');
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator('option[value="amazon.titan-text-lite-v1"]').waitFor({ state: 'attached' });
  await model.selectOption('amazon.titan-text-lite-v1');
  await chat.send('And what was that?');
  await chat.waitForStatus(chat.reply(2), 'complete');
  const sent = await lastRequest();
  assert.equal(sent.toolConfig, undefined);
  const blocks = sent.messages.flatMap((m) => m.content);
  assert.ok(!blocks.some((b) => b.toolUse || b.toolResult), JSON.stringify(blocks));
  assert.ok(blocks.some((b) => /^\[I called the tool calculator with .*2 \+ 2/.test(b.text)), JSON.stringify(blocks));
  assert.ok(blocks.some((b) => /^\[calculator returned: .*4/.test(b.text)), JSON.stringify(blocks));
  await chat.page.context().close();
});

test('a tool switched off in a conversation that used it is withdrawn there, for a model that takes tool changes', async () => {
  // Anthropic's "Mid-conversation system messages and tool changes" (Claude Opus 4.8, Opus 5
  // and 5.5, Sonnet 5.5, Haiku 5.5 on Bedrock): a system message with a `toolRemoval` withdraws
  // a tool without editing the tools array, which "invalidates the prompt cache for the entire
  // conversation". The calls keep their shape; the stand-in no longer calls the tool.
  const chat = await freshChat(browser);
  const model = chat.page.getByRole('combobox', { name: 'Model' });
  await model.locator('option[value="global.anthropic.claude-sonnet-5-5"]').waitFor({ state: 'attached' });
  await model.selectOption('global.anthropic.claude-sonnet-5-5');
  await chat.send(`Add ${call('calculator', { expression: '2 + 2' })}`);
  await chat.page.getByRole('group', { name: 'Tool call calculator' }).and(chat.page.locator('[data-status="done"]')).waitFor();
  await chat.waitForStatus(chat.reply(1), 'complete');
  const before = await lastRequest();
  await chat.page.getByText('Tools', { exact: true }).click();
  await chat.page.getByRole('checkbox', { name: 'Use calculator' }).uncheck();
  await chat.page.getByText('Tools', { exact: true }).click();
  await chat.send(`Once more ${call('calculator', { expression: '3 + 3' })}`);
  await chat.waitForStatus(chat.reply(2), 'complete');
  assert.match(await chat.replyText(2), /^You said: /);
  assert.equal(await chat.page.getByRole('group', { name: 'Tool call calculator' }).count(), 1);
  const sent = await lastRequest();
  // The tools are declared as they were while the calculator was on.
  assert.deepEqual(sent.toolConfig.tools, before.toolConfig.tools);
  // The history up to the removal is the one sent before; the removal stands after the
  // answer that used the tool, before what the person said next.
  const roles = sent.messages.map((m) => m.role);
  assert.deepEqual(roles, ['user', 'assistant', 'user', 'assistant', 'system', 'user']);
  assert.deepEqual(sent.messages[4].content, [{ toolRemoval: { tool: { name: 'calculator' } } }]);
  assert.ok(sent.messages[1].content.some((b) => b.toolUse?.name === 'calculator'), JSON.stringify(sent.messages[1]));
  // Switched on again: offered as before, nothing withdrawn.
  await chat.page.getByText('Tools', { exact: true }).click();
  await chat.page.getByRole('checkbox', { name: 'Use calculator' }).check();
  await chat.page.getByText('Tools', { exact: true }).click();
  await chat.send(`And now ${call('calculator', { expression: '4 + 4' })}`);
  await chat.page.getByRole('group', { name: 'Tool call calculator' }).nth(1).and(chat.page.locator('[data-status="done"]')).waitFor();
  await chat.waitForStatus(chat.reply(4), 'complete');
  const again = await lastRequest();
  assert.ok(!again.messages.some((m) => m.role === 'system'), JSON.stringify(again.messages.map((m) => m.role)));
  await chat.page.context().close();
});

test('a model that keeps calling tools is stopped at the round cap', async () => {
  const chat = await freshChat(browser);
  await chat.send(`Keep going [stand-in:loop] ${call('current_time', {})}`);
  const note = chat.page.getByText('Stopped after 5 rounds of tool calls.');
  await note.waitFor({ timeout: 20_000 });
  // Five rounds ran, a tool card each; the sixth call is shown, not run.
  const cards = chat.page.getByRole('group', { name: /^Tool call / });
  assert.equal(await cards.count(), 6);
  assert.equal(await cards.nth(5).locator('.tool-result').textContent(), 'not run: the round cap was reached');
  await chat.page.context().close();
});

test('the tool choice is sent on the first request of a turn: any tool, or a named one', async () => {
  const chat = await freshChat(browser);
  await chat.page.getByText('Tools', { exact: true }).click();
  const choice = chat.page.getByRole('combobox', { name: /^Tool choice/ });
  await choice.selectOption('any');
  await chat.send('First');
  await chat.waitForStatus(chat.reply(0), 'complete');
  let sent = await lastRequest();
  assert.deepEqual(sent.toolConfig.toolChoice, { any: {} });

  await choice.selectOption('convert_units');
  await chat.send('Second');
  await chat.waitForStatus(chat.reply(1), 'complete');
  sent = await lastRequest();
  assert.deepEqual(sent.toolConfig.toolChoice, { tool: { name: 'convert_units' } });

  await choice.selectOption('auto');
  await chat.send('Third');
  await chat.waitForStatus(chat.reply(2), 'complete');
  sent = await lastRequest();
  assert.equal(sent.toolConfig.toolChoice, undefined);
  await chat.page.context().close();
});

test('the Tools panel names an MCP tool\'s server and a server left out; an MCP and a Lambda tool, both approved, answer in one turn', async () => {
  const chat = await freshChat(browser);
  await chat.page.getByText('Tools', { exact: true }).click();
  assert.equal(await place(chat, 'handbook_word_count'), 'Runs on the MCP server handbook, called by the relay');
  assert.equal(await chat.page.locator('.tools-panel [role="status"]').textContent(),
    'The MCP server offline is unavailable (it could not be reached): its tools are left out.');
  await askFirst(chat, ['handbook_word_count', 'forecast']);

  await chat.send(`Count and forecast ${call('handbook_word_count', { text: 'one two three' })} ${call('forecast', { city: 'Faro', days: 1 })}`);
  await approve(chat, ['handbook_word_count', 'forecast']);
  await chat.waitForStatus(chat.reply(1), 'complete');
  const answer = await chat.replyText(1);
  assert.match(answer, /handbook_word_count returned “\{"result":3\}”/);
  assert.match(answer, /forecast returned “\{"city":"Faro","forecast":\[\{"day":1,/);
  const results = (await lastRequest()).messages.at(-1).content.map((b) => b.toolResult);
  assert.deepEqual(results.map((r) => [r.status, r.content]).at(0), ['success', [{ json: { result: 3 } }]]);
  await chat.page.context().close();
});

test('an MCP tool\'s image reaches the model as an image block, and its card says it is an image', async () => {
  const chat = await freshChat(browser);
  await chat.send(`A green swatch please ${call('handbook_swatch', { colour: 'green' })}`);
  const card = chat.page.getByRole('group', { name: 'Tool call handbook_swatch' });
  await card.and(chat.page.locator('[data-status="done"]')).waitFor();
  await card.locator('summary').click();
  assert.equal(await card.locator('.tool-result').textContent(), '[image]');
  await chat.waitForStatus(chat.reply(1), 'complete');
  assert.match(await chat.replyText(1), /handbook_swatch returned “\[image\]”/);
  const [result] = (await lastRequest()).messages.at(-1).content.map((b) => b.toolResult);
  assert.equal(result.content[0].image.format, 'png');
  assert.equal(Buffer.from(result.content[0].image.source.bytes, 'base64').subarray(1, 4).toString(), 'PNG');
  await chat.page.context().close();
});
