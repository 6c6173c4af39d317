// converse-edge widget loader: `<script src="https://<relay>/widget.js" data-…>` puts a chat
// launcher on any page. Until the launcher is first opened it fetches nothing; then it frames
// the relay's compact chat (`/widget`), which the relay serves only to the sites it lets embed
// it. Launcher and panel live in a shadow root, so the host page's CSS cannot reach
// them; the chat itself is a cross-origin frame. Host page and frame talk by postMessage
// only, each checking the other's origin. Built by esbuild into dist/widget.js.
import { launcher as WORDS } from '../i18n/strings.json';

(() => {
  const script = document.currentScript;
  if (!script || window.ConverseEdge) return;
  const relay = new URL(script.src).origin;
  const problem = (message) => console.error(`[converse-edge widget] ${message}`);

  // The data attributes, checked: a bad value is reported and its default used.
  const KNOWN = ['title', 'greeting', 'placeholder', 'accent', 'theme', 'corner', 'open', 'model', 'prompt', 'systemPrompt', 'lang'];
  const data = script.dataset;
  for (const name of Object.keys(data)) {
    if (!KNOWN.includes(name)) problem(`unknown attribute data-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}; known: ${KNOWN.join(', ')}.`);
  }
  const oneOf = (name, values) => {
    const value = data[name];
    if (value === undefined || values.includes(value)) return value ?? values[0];
    problem(`data-${name}="${value}" must be one of ${values.join(', ')}; ${values[0]} is used.`);
    return values[0];
  };
  const corner = oneOf('corner', ['bottom-right', 'bottom-left', 'top-right', 'top-left']);
  const startOpen = oneOf('open', ['false', 'true']) === 'true';
  oneOf('theme', ['auto', 'light', 'dark']);
  let lang = data.lang || 'en';
  if (!WORDS[lang]) {
    problem(`data-lang="${lang}" has no strings; one of ${Object.keys(WORDS).join(', ')}. English is used.`);
    lang = 'en';
  }
  const words = { ...WORDS.en, ...WORDS[lang] };
  let accent = data.accent;
  if (accent !== undefined && !/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(accent)) {
    problem(`data-accent="${accent}" is not a colour like #1a7f5a.`);
    accent = undefined;
  }

  // What the frame is told (after "#", so it never reaches a server log).
  const settings = new URLSearchParams();
  const pass = { title: 'title', greeting: 'greeting', placeholder: 'placeholder', theme: 'theme', model: 'model', prompt: 'prompt', systemPrompt: 'system' };
  for (const [attr, key] of Object.entries(pass)) if (data[attr]) settings.set(key, data[attr]);
  settings.set('lang', lang);
  if (accent) settings.set('accent', accent);
  const frameUrl = `${relay}/widget?site=${encodeURIComponent(location.origin)}#${settings}`;

  const host = document.createElement('converse-edge-widget');
  const root = host.attachShadow({ mode: 'open' });
  const [v, h] = corner.split('-');
  const colour = accent || '#2f6fed';
  const css = `:host{all:initial!important;position:fixed!important;${v}:16px!important;${h}:16px!important;z-index:2147483000!important;display:block!important}
.launcher{all:initial;box-sizing:border-box;width:56px;height:56px;border-radius:50%;background:${colour};color:#fff;cursor:pointer;display:grid;place-items:center;box-shadow:0 4px 16px rgb(0 0 0/.25);position:relative}
.launcher:focus-visible{outline:3px solid ${colour};outline-offset:3px}
.launcher svg{width:26px;height:26px;fill:currentColor}
.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;background:#d92d20;color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center;padding:0 5px;box-sizing:border-box}
.panel{position:absolute;${v}:68px;${h}:0;width:min(400px,calc(100vw - 32px));height:min(640px,calc(100vh - 100px));border-radius:12px;overflow:hidden;box-shadow:0 8px 32px rgb(0 0 0/.3);background:#fff;transition:opacity .15s,transform .15s}
.panel[hidden]{display:block;visibility:hidden;opacity:0;transform:translateY(8px);pointer-events:none}
iframe{border:0;width:100%;height:100%;display:block}
.failed{font:14px system-ui,sans-serif;padding:16px;color:#b42318}
@media (max-width:480px){.panel{position:fixed;inset:0;width:100vw;height:100dvh;border-radius:0}.open .launcher{display:none}}
@media (prefers-reduced-motion:reduce){.panel{transition:none}}`;
  const launcher = document.createElement('button');
  launcher.className = 'launcher';
  launcher.type = 'button';
  launcher.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16v12H7l-3 3z"/></svg>';
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.hidden = true;
  launcher.append(badge);
  const panel = document.createElement('div');
  panel.className = 'panel';
  panel.hidden = true;
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', data.title || words.open);
  const wrap = document.createElement('div');
  wrap.append(launcher, panel);
  // A constructed sheet, not a <style> element, so a host page's CSP needs no 'unsafe-inline'.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  root.adoptedStyleSheets = [sheet];
  root.append(wrap);

  let frame = null;
  let ready = false;
  let unread = 0;
  const queue = [];
  const listeners = {};
  const emit = (type, detail) => {
    for (const fn of listeners[type] || []) try { fn(detail); } catch (e) { console.error(e); }
    window.dispatchEvent(new CustomEvent(`converse-edge:${type}`, { detail }));
  };
  const post = (message) => {
    if (ready) frame.contentWindow.postMessage(message, relay);
    else queue.push(message);
  };
  const label = () => {
    const open = !panel.hidden;
    launcher.setAttribute('aria-label', open ? words.close : unread ? `${words.open} (${words.unread}: ${unread})` : words.open);
    launcher.setAttribute('aria-expanded', String(open));
    badge.hidden = !unread;
    badge.textContent = unread;
    wrap.className = open ? 'open' : '';
  };

  function load() {
    frame = document.createElement('iframe');
    frame.title = data.title || words.open;
    frame.src = frameUrl;
    frame.allow = 'clipboard-write';
    frame.referrerPolicy = 'no-referrer';
    frame.sandbox = 'allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox allow-downloads';
    panel.append(frame);
    // A frame the relay refused (this site may not embed it) never says it is ready.
    setTimeout(() => {
      if (ready) return;
      problem(`${relay} did not serve the chat to ${location.origin}: is this site in the relay's WIDGET_SITES, and does this page's Content-Security-Policy allow frame-src ${relay}?`);
      const failed = document.createElement('p');
      failed.className = 'failed';
      failed.setAttribute('role', 'alert');
      failed.textContent = words.failed;
      panel.replaceChildren(failed);
    }, 15000);
  }

  // The chat's records, kept in this (first-party) origin's IndexedDB: browsers deny or
  // partition storage in third-party frames. Keys are scoped to the relay.
  let opened;
  const scope = `${relay}|`;
  const store = async (m) => {
    const db = await (opened ||= new Promise((ok, no) => {
      const r = indexedDB.open('converse-edge-widget', 1);
      r.onupgradeneeded = () => r.result.createObjectStore('records');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    }));
    return new Promise((ok, no) => {
      const tx = db.transaction('records', m.op === 'get' ? 'readonly' : 'readwrite');
      const records = tx.objectStore('records');
      const range = (prefix) => IDBKeyRange.bound(scope + prefix, `${scope}${prefix}\uffff`);
      let keys, values;
      if (m.op === 'get') {
        keys = records.getAllKeys(range(m.prefix));
        values = records.getAll(range(m.prefix));
      } else {
        for (const [k, v] of m.put || []) records.put(String(v), scope + k);
        for (const k of m.del || []) records.delete(scope + k);
        for (const p of m.delPrefix || []) records.delete(range(p));
      }
      tx.oncomplete = () => ok(keys ? keys.result.map((k, i) => [k.slice(scope.length), values.result[i]]) : null);
      tx.onerror = tx.onabort = () => no(tx.error);
    });
  };

  window.addEventListener('message', (event) => {
    if (event.origin !== relay || !frame || event.source !== frame.contentWindow) return;
    const message = event.data || {};
    switch (message.type) {
      case 'converse-edge:ready':
        ready = true;
        for (const queued of queue.splice(0)) post(queued);
        emit('ready');
        break;
      case 'converse-edge:close':
        api.close();
        break;
      case 'converse-edge:reply':
        if (panel.hidden) { unread += 1; label(); }
        emit('reply', { status: message.status, text: message.text });
        break;
      case 'converse-edge:problem':
        problem(message.message);
        break;
      case 'converse-edge:store': {
        const answer = (reply) => frame.contentWindow.postMessage({ type: 'converse-edge:stored', id: message.id, ...reply }, relay);
        store(message).then((result) => answer({ result }), (e) => answer({ error: `${e?.name}: ${e?.message}` }));
        break;
      }
    }
  });

  const api = {
    open() {
      if (!panel.hidden) return;
      if (!frame) load();
      panel.hidden = false;
      unread = 0;
      label();
      frame.focus();
      post({ type: 'converse-edge:opened' });
      emit('open');
    },
    close() {
      if (panel.hidden) return;
      const hadFocus = root.activeElement !== null;
      panel.hidden = true;
      label();
      if (hadFocus) launcher.focus();
      emit('close');
    },
    toggle() { panel.hidden ? api.open() : api.close(); },
    /** Sends `text` as the visitor's message (opening the chat if it is closed). */
    send(text) {
      api.open();
      post({ type: 'converse-edge:send', text: String(text) });
    },
    /** Calls `fn` on 'open', 'close', 'ready' or 'reply' ({status, text}). */
    on(type, fn) { (listeners[type] ||= []).push(fn); },
  };
  launcher.addEventListener('click', api.toggle);
  host.addEventListener('keydown', (event) => { if (event.key === 'Escape') api.close(); });
  window.ConverseEdge = api;
  label();
  const start = () => {
    document.body.append(host);
    if (startOpen) api.open();
  };
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
