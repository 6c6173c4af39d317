// What scripts/test.sh tells the suites about the running stack.
function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these suites through scripts/test.sh`);
  return value;
}

export const RELAY_URL = required('RELAY_URL');
export const STANDIN_DELAY_MS = Number(required('STANDIN_DELAY_MS'));
export const STANDIN_URL = required('STANDIN_URL');
export const RELAY_KEY = required('RELAY_KEY_SECRET');
export const RELAY_LOG = required('RELAY_LOG');
/** A second relay with the strictest settings (scripts/test.sh lists them): the trust suite's. */
export const STRICT_RELAY_URL = required('STRICT_RELAY_URL');
export const STRICT_RELAY_LOG = required('STRICT_RELAY_LOG');
/** A relay that rewrites nothing it relays (and has the page behind Access): scripts/test.sh. */
export const PASS_THROUGH_RELAY_URL = required('ACCESS_RELAY_URL');
/** Strings that must never reach a client or a log line: the relay's upstream secrets. */
export const TOOL_SECRET = required('TOOL_SECRET');
/** The relays' key for widget visitor tokens: with it a test can mint tokens, as no client can. */
export const WIDGET_TOKEN_SECRET = required('WIDGET_TOKEN_SECRET');
export const SECRETS = [required('STANDIN_SECRET_ACCESS_KEY'), required('STANDIN_SESSION_TOKEN'), RELAY_KEY, TOOL_SECRET, WIDGET_TOKEN_SECRET, required('MCP_SECRET')];
export const WIDGET_HOST = `http://localhost:${required('WIDGET_HOST_PORT')}`;
export const WIDGET_OTHER = `http://localhost:${required('WIDGET_OTHER_PORT')}`;
export const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
