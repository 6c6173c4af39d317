// The README's pictures of the chat page, desktop and phone, taken from a running stack
// (scripts/run.sh): `RELAY_URL=http://127.0.0.1:8787 node tests/bench/screenshots.mjs`.
// Writes docs/chat.png (1280×800) and docs/phone.png (390×844).
import { chromium } from 'playwright-core';

const RELAY_URL = process.env.RELAY_URL || 'http://127.0.0.1:8787';
const CLAUDE_37 = 'us.anthropic.claude-3-7-sonnet-20250219-v1:0';
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });

async function conversation(page) {
  await page.goto(RELAY_URL);
  const input = page.getByLabel('Message', { exact: true });
  await input.waitFor();
  const model = page.getByRole('combobox', { name: 'Model' });
  await model.locator(`option[value="${CLAUDE_37}"]`).waitFor({ state: 'attached' });
  await model.selectOption(CLAUDE_37);
  const send = async (text, n) => {
    await input.fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('article.assistant').nth(n).and(page.locator('[data-status="complete"]')).waitFor();
  };
  await send('Show me a table of three planets and a code block [stand-in:markdown] [stand-in:reasoning]', 0);
  await page.locator('article.assistant details.thinking summary').first().click();
  await send('Summarise it in a few words', 1);
}

const desktop = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await conversation(desktop);
await desktop.screenshot({ path: 'docs/chat.png' });

const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
await conversation(phone);
await phone.screenshot({ path: 'docs/phone.png' });
await browser.close();
console.log('wrote docs/chat.png and docs/phone.png');
