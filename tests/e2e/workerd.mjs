// The built worker in workerd through Miniflare, for suites that need a relay of their own
// (its own variables, its own Durable Object storage) rather than the stack's wrangler dev.
import { Miniflare } from 'miniflare';

import { STANDIN_URL } from './env.mjs';

/**
 * A relay whose upstream is the stand-in, with `bindings` added to its variables; `options`
 * go to Miniflare (`durableObjectsPersist`, `assets`, `port`, ...). Its log lines are dropped:
 * they are the main relay suite's concern.
 */
export function relayInWorkerd(bindings = {}, options = {}) {
  return new Miniflare({
    modules: true,
    scriptPath: 'edge-worker/build/index.js',
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-01',
    bindings: {
      BEDROCK_ENDPOINT: STANDIN_URL,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.STANDIN_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: process.env.STANDIN_SECRET_ACCESS_KEY,
      AWS_SESSION_TOKEN: process.env.STANDIN_SESSION_TOKEN,
      ...bindings,
    },
    durableObjects: { RATE_LIMITER: { className: 'RateLimiter', useSQLite: true } },
    handleRuntimeStdio(stdout, stderr) { stdout.resume(); stderr.resume(); },
    ...options,
  });
}

/**
 * A relay that also serves the built page (dist/), on a free local port, with `bindings` added
 * to its variables: for browser suites that need a deployment of their own. Returns the
 * Miniflare instance (to dispose of) and the page's origin.
 */
export async function pageRelay(bindings = {}) {
  const mf = relayInWorkerd(bindings, {
    host: '127.0.0.1',
    port: 0,
    assets: { directory: 'dist', binding: 'ASSETS', routerConfig: { has_user_worker: true } },
  });
  return { mf, url: (await mf.ready).origin };
}
