// Host pages for the widget: a small shop site on another origin than the relay, embedding
// the chat with one script tag. Serves the same pages on two origins: one the relay lets
// embed the chat (WIDGET_HOST), one it does not (WIDGET_OTHER).
import { readFileSync } from 'node:fs';
import http from 'node:http';

import { RELAY_URL, WIDGET_HOST, WIDGET_OTHER } from './env.mjs';

const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

// The sample shop page from the README, with its script tag replaced.
const DEMO = readFileSync(new URL('../../docs/widget-demo.html', import.meta.url), 'utf8');

/** A host page embedding the widget with these data attributes (and extra CSS or body). */
export function hostPage({ attrs = {}, css = '', body = '' } = {}) {
  const data = Object.entries(attrs).map(([k, v]) => ` data-${k}="${escape(v)}"`).join('');
  const script = `<script src="${RELAY_URL}/widget.js"${data}></script>`;
  return DEMO.replace(/<!-- The relay[\s\S]*<\/script>/, script)
    .replace('</style>', `${css}\n</style>`)
    .replace('</main>', `${body}</main>`);
}

/** Serves `pages` (path → HTML) on both host origins until closed. */
export async function serveHosts(pages) {
  const handler = (req, res) => {
    const html = pages[new URL(req.url, 'http://x').pathname];
    res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html ?? 'not found');
  };
  const servers = [];
  for (const origin of [WIDGET_HOST, WIDGET_OTHER]) {
    const server = http.createServer(handler);
    await new Promise((resolve) => server.listen(Number(new URL(origin).port), resolve));
    servers.push(server);
  }
  return { close: () => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))) };
}
