# Starting and stopping the local stack; sourced by run.sh and test.sh.
# Each start_* function sets a *_PID and a *_URL variable.

export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true
# wrangler dev alone reads every request body to its end before a response goes out; Cloudflare
# does not, and the relay refuses an oversized body without reading it (tested).
export WRANGLER_DISABLE_REQUEST_BODY_DRAINING=true

stack_pids=()
stop_stack() {
  for pid in "${stack_pids[@]}"; do
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_line FILE PATTERN SECONDS: wait until FILE has a line matching PATTERN.
wait_for_line() {
  local deadline=$((SECONDS + $3))
  until grep -q "$2" "$1" 2>/dev/null; do
    if ((SECONDS > deadline)); then echo "timed out waiting for '$2' in $1:" >&2; tail -n 30 "$1" >&2; return 1; fi
    sleep 0.1
  done
}

# wait_for_url URL SECONDS: wait until URL answers 200 (a local self-signed certificate is fine).
wait_for_url() {
  local deadline=$((SECONDS + $2))
  until curl -kfsS -o /dev/null "$1" 2>/dev/null; do
    if ((SECONDS > deadline)); then echo "timed out waiting for $1" >&2; return 1; fi
    sleep 0.2
  done
}

# start_standin ADDR LOG [ENV=VALUE ...]: the local Bedrock stand-in.
start_standin() {
  local addr=$1 log=$2; shift 2
  : >"$log" # empty it now, so no line from an earlier run is read as this one's
  setsid env BEDROCK_LOCAL_ADDR="$addr" "$@" target/release/bedrock-local >"$log" 2>&1 &
  STANDIN_PID=$!
  stack_pids+=("$STANDIN_PID")
  wait_for_line "$log" "listening on" 30
  STANDIN_URL=$(grep -o 'http://[0-9.:]*' "$log" | head -n1)
}

# start_relay PORT LOG [wrangler dev options ...]: the worker in workerd, serving dist/ too.
# RELAY_PROTOCOL=https serves it over TLS with wrangler's local self-signed certificate.
start_relay() {
  local port=$1 log=$2 protocol=${RELAY_PROTOCOL:-http}; shift 2
  : >"$log"
  (cd edge-worker && setsid ../node_modules/.bin/wrangler dev --ip 127.0.0.1 --port "$port" \
    --local-protocol "$protocol" --inspector-port "$(free_port)" --show-interactive-dev-session=false \
    --log-level log "$@") >"$log" 2>&1 &
  RELAY_PID=$!
  stack_pids+=("$RELAY_PID")
  RELAY_URL="$protocol://127.0.0.1:$port"
  wait_for_url "$RELAY_URL/v1/health" 90 || { tail -n 40 "$log" >&2; return 1; }
}
