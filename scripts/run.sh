#!/usr/bin/env bash
# Installs what is missing, builds, starts the local Bedrock stand-in and the relay
# (wrangler dev, real workerd), and prints the URL of the chat page. Ctrl+C stops both.
#
# With real AWS credentials in edge-worker/.dev.vars (and no BEDROCK_ENDPOINT), the same
# page talks to real Bedrock; the stand-in is then not started.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8787}

scripts/setup.sh
scripts/build.sh
[[ -f edge-worker/.dev.vars ]] || cp edge-worker/.dev.vars.example edge-worker/.dev.vars

source scripts/stack.sh
trap stop_stack EXIT INT TERM
mkdir -p target/logs
endpoint=$(sed -n 's/^BEDROCK_ENDPOINT=//p' edge-worker/.dev.vars)
if [[ "$endpoint" =~ ^http://(127\.0\.0\.1|localhost):([0-9]+)$ ]]; then
  start_standin "127.0.0.1:${BASH_REMATCH[2]}" target/logs/bedrock-local.log
  echo "Local Bedrock stand-in: $STANDIN_URL (log: target/logs/bedrock-local.log)"
else
  echo "Upstream: ${endpoint:-real Bedrock (https://bedrock-runtime.<AWS_REGION>.amazonaws.com)}"
fi
# The MCP server of .dev.vars.example (tests/mcp/server.py), where MCP_SERVERS names it.
if grep -q '^MCP_SERVERS=.*http://127\.0\.0\.1:8791/mcp' edge-worker/.dev.vars; then
  secret=$(sed -n 's/^MCP_SECRET=//p' edge-worker/.dev.vars)
  : >target/logs/mcp.log
  setsid .venv/bin/python tests/mcp/server.py --port 8791 ${secret:+--secret "$secret"} >target/logs/mcp.log 2>&1 &
  stack_pids+=($!)
  wait_for_line target/logs/mcp.log "listening on" 30
  echo "MCP server: http://127.0.0.1:8791/mcp (log: target/logs/mcp.log)"
fi
start_relay "$PORT" target/logs/wrangler.log
echo
echo "  converse-edge is running: open $RELAY_URL"
echo "  (relay log: target/logs/wrangler.log; Ctrl+C to stop)"
echo
wait "$RELAY_PID"
