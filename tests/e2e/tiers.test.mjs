// Service tiers (`serviceTier.type`: default, flex, priority, reserved). Flex costs less and
// may wait; priority is billed at a premium; reserved draws on the account's reserved capacity
// (https://docs.aws.amazon.com/bedrock/latest/userguide/service-tiers-inference.html). So the
// deployer says which a caller may ask for (ALLOWED_SERVICE_TIERS; unset: default and flex).
// The test relay offers default, flex and priority; the strict relay default alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MODEL, STRICT_RELAY_URL } from './env.mjs';
import { body, lastRequest, logLine, post } from './http.mjs';
import { freshChat, launch } from './page.mjs';

const errorOf = async (r) => ({ status: r.status, type: r.headers.get('x-amzn-errortype'), ...(await r.json()) });

test('a tier the relay offers is asked for, and the log line names the tier that served', async () => {
  const r = await post(MODEL, 'converse', body('cheaper please', { serviceTier: { type: 'flex' } }));
  assert.equal(r.status, 200);
  assert.deepEqual((await r.json()).serviceTier, { type: 'flex' });
  assert.deepEqual((await lastRequest()).serviceTier, { type: 'flex' });
  assert.equal((await logLine(r)).serviceTier, 'flex');
});

test('a tier the deployer does not offer is refused before Bedrock, saying which it offers', async () => {
  const sent = await lastRequest();
  let e = await errorOf(await post(MODEL, 'converse', body('reserve it', { serviceTier: { type: 'reserved' } })));
  assert.deepEqual([e.status, e.type], [403, 'AccessDeniedException']);
  assert.equal(e.message, 'This relay does not offer the service tier reserved; it offers default, flex, priority.');
  e = await errorOf(await post(MODEL, 'converse-stream', body('hurry', { serviceTier: { type: 'priority' } }), {}, { base: STRICT_RELAY_URL }));
  assert.deepEqual([e.status, e.type, e.message], [403, 'AccessDeniedException', 'This relay does not offer the service tier priority; it offers default.']);
  assert.deepEqual(await lastRequest(), sent, 'nothing reached Bedrock');
  // Each relay lists what it offers.
  assert.deepEqual((await (await fetch(`${STRICT_RELAY_URL}/v1/models`)).json()).serviceTiers, ['default']);
});

test('the page asks for the conversation\'s tier, and each reply says which tier served it, after a reload too', async () => {
  const browser = await launch();
  try {
    const chat = await freshChat(browser);
    await chat.page.getByText('Settings', { exact: true }).click();
    const tier = chat.page.getByLabel('Service tier');
    assert.deepEqual(
      await tier.locator('option').allTextContents(),
      ['Standard', 'Flex: costs less, may take longer', 'Priority: answers first, costs more'],
      'the tiers this relay offers',
    );
    await tier.selectOption('flex');
    await chat.page.keyboard.press('Escape');
    await chat.send('Not in a hurry');
    await chat.waitForStatus(chat.reply(0), 'complete');
    assert.deepEqual((await lastRequest()).serviceTier, { type: 'flex' });
    const usage = chat.reply(0).locator('.usage');
    assert.match(await usage.textContent(), /· flex tier/);
    await chat.reload();
    await chat.waitForStatus(chat.reply(0), 'complete');
    assert.match(await usage.textContent(), /· flex tier/);

    // Back to the standard tier: no tier is named, and the reply names none.
    await chat.page.getByText('Settings', { exact: true }).click();
    await chat.page.getByLabel('Service tier').selectOption('');
    await chat.page.keyboard.press('Escape');
    await chat.send('Now the usual way');
    await chat.waitForStatus(chat.reply(1), 'complete');
    assert.equal((await lastRequest()).serviceTier, undefined);
    assert.doesNotMatch(await chat.reply(1).locator('.usage').textContent(), /tier/);
  } finally {
    await browser.close();
  }
});
