// Pictures of the page at a phone's width (390×844), to look at as a person would: a JSON
// reply's tree, a video attached and sent, a tool's search results; each says whether the page
// scrolls sideways. From a running stack whose relay offers Claude Sonnet 4.5 and Nova Lite
// (scripts/run.sh, with ALLOWED_MODELS naming them in edge-worker/.dev.vars):
// `RELAY_URL=http://127.0.0.1:8787 OUT=/tmp node tests/bench/look.mjs`.
import { chromium } from 'playwright-core';

const RELAY_URL = process.env.RELAY_URL || 'http://127.0.0.1:8787';
const OUT = process.env.OUT || '/tmp';
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
let page;
let input;

/** A new phone (a browser context of its own: nothing stored) with `modelId` chosen. */
async function fresh(modelId) {
  await page?.context().close();
  page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
  input = page.getByLabel('Message', { exact: true });
  await page.goto(RELAY_URL);
  await input.waitFor();
  const model = page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${modelId}"]`).waitFor({ state: 'attached' });
  await model.selectOption(modelId);
}
async function send(text) {
  const n = await page.locator('article.assistant').count();
  await input.fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('article.assistant').nth(n).and(page.locator('[data-status="complete"]')).waitFor();
}
/** The whole page and its horizontal overflow (a phone must never scroll sideways). */
async function shoot(name) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: `${OUT}/${name}.png` });
  console.log(`${name}: page ${wide} px wide at 390`);
}

await fresh('us.anthropic.claude-sonnet-4-5-20250929-v1:0');
await page.getByText('Settings', { exact: true }).click();
await page.getByLabel(/^Reply format/).fill(JSON.stringify({
  title: 'City', type: 'object', required: ['city', 'districts'],
  properties: { city: { type: 'string' }, districts: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, population: { type: 'integer' } } } } },
}));
await page.getByText('Settings', { exact: true }).click();
await send('The largest city of Portugal, with its districts');
await shoot('phone-json');

await fresh('us.amazon.nova-lite-v1:0');
await page.getByLabel('Attach files').setInputFiles([
  { name: 'clip.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(3000, 1) },
]);
await shoot('phone-video-pending');
await send('What happens in this clip?');
await shoot('phone-video-sent');

await fresh('us.anthropic.claude-sonnet-4-5-20250929-v1:0');
await send('Read the launch note [stand-in:call handbook_read_note {"name":"launch"}]');
await page.locator('article.assistant').nth(1).and(page.locator('[data-status="complete"]')).waitFor();
await page.locator('.tool-card summary').first().click();
await shoot('phone-search-results');
await browser.close();
