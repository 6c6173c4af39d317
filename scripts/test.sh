#!/usr/bin/env bash
# Runs every test: formatting and lints, unit tests, then the end-to-end suites against a
# freshly built stack (the stand-in, and the relay in workerd through wrangler dev):
# the relay over HTTP (node:test), the chat page in headless Chromium (Playwright), and the
# official AWS SDK for Python against both the stand-in and the relay (pytest).
#
# With arguments (e.g. `scripts/test.sh tests/e2e/render.test.mjs`), builds, starts the stack
# and runs only those end-to-end files: the quick loop while working on one behaviour.
set -euo pipefail
cd "$(dirname "$0")/.."

only=("$@")
if [ ${#only[@]} -eq 0 ]; then
scripts/setup.sh

echo "==> rustfmt, clippy (native and wasm32)"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings
cargo clippy -p frontend -p edge-worker --target wasm32-unknown-unknown --locked --quiet -- -D warnings

echo "==> unit tests"
cargo test --workspace --locked --quiet 2>&1 | grep -v '^$' | grep -v 'running 0 tests' | grep -v '0 passed; 0 failed'
fi

scripts/build.sh
scripts/payload.sh

echo "==> starting the stack"
source scripts/stack.sh
trap stop_stack EXIT INT TERM
logs=target/logs/test
mkdir -p "$logs"
export STANDIN_ACCESS_KEY_ID=AKIATESTSTANDIN00001
export STANDIN_SECRET_ACCESS_KEY="test-secret-$RANDOM$RANDOM"
export STANDIN_SESSION_TOKEN="test-session-token-$RANDOM$RANDOM"
export STANDIN_API_KEY="test-api-key-$RANDOM$RANDOM"
export STANDIN_DELAY_MS=40
export TOOL_SECRET="tool-secret-$RANDOM$RANDOM$RANDOM"
# The widget suite's host pages: one origin that may embed the chat, one that may not.
export WIDGET_HOST_PORT=$(free_port) WIDGET_OTHER_PORT=$(free_port)
export RELAY_KEY_ID=tests RELAY_KEY_SECRET="relay-test-key-$RANDOM$RANDOM$RANDOM"
export WIDGET_TOKEN_SECRET="widget-token-secret-$RANDOM$RANDOM$RANDOM$RANDOM-0123456789"
start_standin 127.0.0.1:0 "$logs/bedrock-local.log" \
  BEDROCK_LOCAL_ACCESS_KEY_ID="$STANDIN_ACCESS_KEY_ID" \
  BEDROCK_LOCAL_SECRET_ACCESS_KEY="$STANDIN_SECRET_ACCESS_KEY" \
  BEDROCK_LOCAL_SESSION_TOKEN="$STANDIN_SESSION_TOKEN" \
  BEDROCK_LOCAL_API_KEY="$STANDIN_API_KEY" \
  BEDROCK_LOCAL_DELAY_MS="$STANDIN_DELAY_MS" \
  BEDROCK_LOCAL_TOOL_SECRET="$TOOL_SECRET"
# The MCP server for the MCP tools (tests/mcp/server.py, the official MCP Python SDK), which
# takes only requests with its bearer token; and a port nothing listens on, for a server that is down.
export MCP_SECRET="mcp-secret-$RANDOM$RANDOM$RANDOM"
mcp_port=$(free_port) offline_port=$(free_port)
: >"$logs/mcp.log"
setsid .venv/bin/python tests/mcp/server.py --port "$mcp_port" --secret "$MCP_SECRET" >"$logs/mcp.log" 2>&1 &
stack_pids+=($!)
wait_for_line "$logs/mcp.log" "listening on" 60
export MCP_URL="http://127.0.0.1:$mcp_port/mcp"
env_file="$logs/relay.env"
cat >"$env_file" <<VARS
BEDROCK_ENDPOINT=$STANDIN_URL
AWS_REGION=us-east-1
AWS_ACCESS_KEY_ID=$STANDIN_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$STANDIN_SECRET_ACCESS_KEY
AWS_SESSION_TOKEN=$STANDIN_SESSION_TOKEN
AWS_ACCOUNT_ID=123456789012
PAGE_ACCESS=open
RELAY_API_KEYS=$RELAY_KEY_ID:$RELAY_KEY_SECRET,limited:$RELAY_KEY_SECRET-limited:3:1000000,tokens:$RELAY_KEY_SECRET-tokens:1000:20,hangup:$RELAY_KEY_SECRET-hangup:1000:3000
RATE_LIMIT_RPM=100000
RATE_LIMIT_TPM=100000000
RATE_LIMIT_IP_RPM=100000
RATE_LIMIT_IP_TPM=100000000
ALLOWED_MODELS=anthropic.claude-3-haiku-20240307-v1:0,us.anthropic.claude-sonnet-4-20250514-v1:0,us.anthropic.claude-sonnet-4-5-20250929-v1:0,us.anthropic.claude-sonnet-4-6,us.anthropic.claude-3-5-sonnet-20240620-v1:0,us.anthropic.claude-3-7-sonnet-20250219-v1:0,us.amazon.nova-lite-v1:0,amazon.titan-text-lite-v1,global.anthropic.claude-sonnet-5-5,global.anthropic.claude-sonnet-5
MAX_OUTPUT_TOKENS=4096
ALLOWED_SERVICE_TIERS=default,flex,priority
BEDROCK_PROJECT=converse-edge-tests
BEDROCK_PROJECTS=team-b
MAX_BODY_BYTES=1048576
FIRST_BYTE_TIMEOUT_MS=3000
IDLE_TIMEOUT_MS=2000
RETRY_MAX_ATTEMPTS=3
RETRY_BUDGET_MS=3000
TOOL_SECRET=$TOOL_SECRET
WIDGET_TOKEN_SECRET=$WIDGET_TOKEN_SECRET
WIDGET_SITES='{"http://localhost:$WIDGET_HOST_PORT":{"models":["anthropic.claude-3-haiku-20240307-v1:0","us.amazon.nova-lite-v1:0"],"prompts":{"support":"You are the support desk of Example Shop.","sales":"You help visitors choose a plan."},"defaultPrompt":"support"},"http://open.example":{"hostPrompt":true},"http://limited.example":{"rpm":2}}'
TOOLS='[{"name":"lookup_order","description":"Looks up an order by its id.","inputSchema":{"type":"object","properties":{"orderId":{"type":"string","pattern":"^[A-Z0-9-]+\$"}},"required":["orderId"],"additionalProperties":false},"url":"$STANDIN_URL/_stand-in/tools/echo","headers":{"x-tool-secret":{"secret":"TOOL_SECRET"}}},{"name":"broken_tool","inputSchema":{"type":"object"},"url":"$STANDIN_URL/_stand-in/tools/fail","headers":{"x-tool-secret":{"secret":"TOOL_SECRET"}}},{"name":"slow_tool","inputSchema":{"type":"object"},"url":"$STANDIN_URL/_stand-in/tools/slow","headers":{"x-tool-secret":{"secret":"TOOL_SECRET"}},"timeoutMs":1500},{"name":"forecast","description":"The weather forecast for a city, from an AWS Lambda function.","inputSchema":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1,"maximum":7}},"required":["city"],"additionalProperties":false},"lambda":"arn:aws:lambda:us-east-1:123456789012:function:forecast:live"}]'
LAMBDA_ENDPOINT=$STANDIN_URL
MCP_SECRET=$MCP_SECRET
MCP_SERVERS='[{"name":"handbook","url":"$MCP_URL","headers":{"authorization":{"secret":"MCP_SECRET","prefix":"Bearer "}},"tools":["search_handbook","word_count","swatch","read_note","explode"]},{"name":"offline","url":"http://127.0.0.1:$offline_port/mcp","timeoutMs":3000}]'
VARS
# Over TLS, as in production: AWS SDKs send Bedrock API keys (Bearer) only over https.
RELAY_PROTOCOL=https start_relay "$(free_port)" "$logs/wrangler.log" --env-file "$PWD/$env_file" --persist-to "$PWD/$logs/wrangler-state"
MAIN_RELAY_URL=$RELAY_URL
# derived_env FILE VAR=VALUE...: the main relay's variables, but for those given.
derived_env() {
  local file=$1; shift
  {
    grep -v -E "^($(printf '%s|' "${@%%=*}" | sed 's/|$//'))=" "$env_file"
    printf '%s\n' "$@"
  } >"$file"
}
# A second relay with the strictest settings a deployer can choose (the trust suite's).
derived_env "$logs/strict-relay.env" \
  PAGE_ACCESS=off \
  "WIDGET_SITES='{\"http://open.example\":{}}'" \
  "RELAY_API_KEYS=$RELAY_KEY_ID:$RELAY_KEY_SECRET,limited:$RELAY_KEY_SECRET-limited:3:1000000,sitekey:$RELAY_KEY_SECRET-sitekey:2:0" \
  ENFORCE_GUARDRAIL=gr-enforced:1 \
  ALLOWED_SERVICE_TIERS=default \
  ALLOWED_MODELS=us.anthropic.claude-3-5-sonnet-20240620-v1:0,anthropic.claude-3-haiku-20240307-v1:0 \
  RATE_LIMIT_TPM=0 \
  RATE_LIMIT_IP_TPM=0 \
  "MCP_SERVERS='[{\"name\":\"locked\",\"url\":\"$MCP_URL\"},{\"name\":\"moved\",\"url\":\"$STANDIN_URL/_stand-in/tools/redirect\",\"headers\":{\"x-tool-secret\":{\"secret\":\"TOOL_SECRET\"}}},{\"name\":\"not_mcp\",\"url\":\"$STANDIN_URL/_stand-in/tools/echo\",\"headers\":{\"x-tool-secret\":{\"secret\":\"TOOL_SECRET\"}}}]'" \
  "TOOLS='[{\"name\":\"redirecting_tool\",\"inputSchema\":{\"type\":\"object\"},\"url\":\"$STANDIN_URL/_stand-in/tools/redirect\",\"headers\":{\"x-tool-secret\":{\"secret\":\"TOOL_SECRET\"}}},{\"name\":\"lambda_shout\",\"inputSchema\":{\"type\":\"object\"},\"lambda\":\"arn:aws:lambda:us-east-1:123456789012:function:shout\"},{\"name\":\"lambda_fails\",\"inputSchema\":{\"type\":\"object\"},\"lambda\":\"arn:aws:lambda:us-east-1:123456789012:function:fails\"},{\"name\":\"lambda_times_out\",\"inputSchema\":{\"type\":\"object\"},\"lambda\":\"arn:aws:lambda:us-east-1:123456789012:function:times_out\"},{\"name\":\"lambda_too_big\",\"inputSchema\":{\"type\":\"object\"},\"lambda\":\"arn:aws:lambda:us-east-1:123456789012:function:too_big\"},{\"name\":\"lambda_not_json\",\"inputSchema\":{\"type\":\"object\"},\"lambda\":\"arn:aws:lambda:us-east-1:123456789012:function:not_json\"},{\"name\":\"lambda_throttled\",\"inputSchema\":{\"type\":\"object\"},\"lambda\":\"arn:aws:lambda:us-east-1:123456789012:function:throttled\"},{\"name\":\"lambda_throttled_once\",\"inputSchema\":{\"type\":\"object\"},\"lambda\":\"arn:aws:lambda:us-east-1:123456789012:function:throttled_once\"},{\"name\":\"lambda_hangs\",\"inputSchema\":{\"type\":\"object\"},\"lambda\":\"arn:aws:lambda:us-east-1:123456789012:function:hangs\",\"timeoutMs\":1500},{\"name\":\"lambda_missing\",\"inputSchema\":{\"type\":\"object\"},\"lambda\":\"arn:aws:lambda:us-east-1:123456789012:function:no_such_function\"}]'"
RELAY_PROTOCOL=https start_relay "$(free_port)" "$logs/strict-wrangler.log" --env-file "$PWD/$logs/strict-relay.env" --persist-to "$PWD/$logs/strict-wrangler-state"
export STRICT_RELAY_URL=$RELAY_URL STRICT_RELAY_LOG="$PWD/$logs/strict-wrangler.log"
# A third relay with the page behind Cloudflare Access, whose keys a local stand-in serves, and
# which rewrites nothing it relays (no model list, output cap or project; bodies up to 4 MiB):
# the real-traffic suite's byte-for-byte pass-through (tests/e2e/realcases.test.mjs).
export ACCESS_KEY_FILE="$PWD/$logs/access-key.json" ACCESS_AUD="aud-$RANDOM$RANDOM"
export ACCESS_TEAM_DOMAIN=https://converse-edge-tests.cloudflareaccess.com
: >"$logs/access-idp.log"
setsid node tests/e2e/access-idp.mjs "$ACCESS_KEY_FILE" >"$logs/access-idp.log" 2>&1 &
stack_pids+=($!)
wait_for_line "$logs/access-idp.log" "listening on" 30
derived_env "$logs/access-relay.env" PAGE_ACCESS=access "ACCESS_TEAM_DOMAIN=$ACCESS_TEAM_DOMAIN" \
  "ACCESS_AUD=$ACCESS_AUD" "ACCESS_JWKS_URL=$(grep -o 'http://[0-9.:]*' "$logs/access-idp.log")/cdn-cgi/access/certs" \
  ALLOWED_MODELS= MAX_OUTPUT_TOKENS= BEDROCK_PROJECT= BEDROCK_PROJECTS= MAX_BODY_BYTES=4194304 \
  ALLOWED_SERVICE_TIERS=default,flex,priority,reserved SYSTEM_TOOLS=nova_code_interpreter,nova_grounding \
  ALLOWED_S3_BUCKETS=pydantic-ai-test-files
RELAY_PROTOCOL=https start_relay "$(free_port)" "$logs/access-wrangler.log" --env-file "$PWD/$logs/access-relay.env" --persist-to "$PWD/$logs/access-wrangler-state"
export ACCESS_RELAY_URL=$RELAY_URL ACCESS_RELAY_LOG="$PWD/$logs/access-wrangler.log"
RELAY_URL=$MAIN_RELAY_URL
export STANDIN_URL RELAY_URL RELAY_LOG="$PWD/$logs/wrangler.log"
echo "stand-in $STANDIN_URL, relays $RELAY_URL, $STRICT_RELAY_URL (strict), $ACCESS_RELAY_URL (access) (logs in $logs)"

echo "==> relay and browser suites (node:test, Playwright + Chromium)"
# The local relay's certificate is wrangler's self-signed one.
NODE_TLS_REJECT_UNAUTHORIZED=0 NODE_NO_WARNINGS=1 node --test --test-concurrency=1 --test-reporter=spec "${only[@]:-tests/e2e/}"
[ ${#only[@]} -eq 0 ] || exit 0

echo "==> AWS SDK suite (boto3)"
.venv/bin/pytest -q tests/sdk

# Opt-in: the same against real Amazon Bedrock (needs AWS credentials; README, "The two commands").
if [ "${BEDROCK_LIVE:-}" = 1 ]; then
  scripts/live.sh
fi
