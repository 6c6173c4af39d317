// What scripts/test.sh tells the suites about the running stack.
function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these suites through scripts/test.sh`);
  return value;
}

export const RELAY_URL = required('RELAY_URL');
export const STANDIN_DELAY_MS = Number(required('STANDIN_DELAY_MS'));
/** Strings that must never reach a client: the relay's upstream secrets. */
export const SECRETS = [required('STANDIN_SECRET_ACCESS_KEY'), required('STANDIN_SESSION_TOKEN')];
export const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
