#!/usr/bin/env bash
# Prints performance figures: the relay against the stand-in with no artificial delay, the
# chat page in headless Chromium, and the sizes of what is shipped. Not a test: it asserts
# nothing. `scripts/bench.sh relay` or `scripts/bench.sh page` runs one part.
set -euo pipefail
part=${1:-all}
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
scripts/build.sh >/dev/null

echo "==> sizes"
for f in dist/*_bg.wasm edge-worker/build/index_bg.wasm; do
  printf '%-45s %8d bytes, %8d gzipped\n' "$f" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
done

source scripts/stack.sh
trap stop_stack EXIT INT TERM
logs=target/logs/bench
mkdir -p "$logs"
export STANDIN_API_KEY="bench-key-$RANDOM$RANDOM" RELAY_KEY_SECRET="bench-relay-key-$RANDOM$RANDOM"
start_standin 127.0.0.1:0 "$logs/bedrock-local.log" BEDROCK_LOCAL_DELAY_MS=0 BEDROCK_LOCAL_API_KEY="$STANDIN_API_KEY" \
  BEDROCK_LOCAL_ACCESS_KEY_ID=AKIABENCH BEDROCK_LOCAL_SECRET_ACCESS_KEY=bench-secret
cat >"$logs/relay.env" <<VARS
BEDROCK_ENDPOINT=$STANDIN_URL
AWS_ACCESS_KEY_ID=AKIABENCH
AWS_SECRET_ACCESS_KEY=bench-secret
RELAY_API_KEYS=bench:$RELAY_KEY_SECRET
RATE_LIMIT_RPM=1000000
RATE_LIMIT_TPM=1000000000
RATE_LIMIT_IP_RPM=1000000
RATE_LIMIT_IP_TPM=1000000000
VARS
start_relay "$(free_port)" "$logs/wrangler.log" --env-file "$PWD/$logs/relay.env" --persist-to "$PWD/$logs/state"
if [ "$part" != page ]; then
  echo "==> relay vs direct (stand-in $STANDIN_URL, relay in wrangler dev $RELAY_URL)"
  STANDIN_URL="$STANDIN_URL" RELAY_URL="$RELAY_URL" RELAY_PID="$RELAY_PID" node tests/bench/relay.mjs
  # The same worker in workerd through Miniflare's API: no wrangler dev proxy in front. The
  # wrangler dev relay is stopped first, so the two do not share the CPU.
  kill -- "-$RELAY_PID" 2>/dev/null || true
  : >"$logs/miniflare.log"
  setsid node tests/bench/miniflare.mjs "$logs/relay.env" >"$logs/miniflare.log" 2>&1 &
  stack_pids+=("$!")
  wait_for_line "$logs/miniflare.log" "listening on" 60
  mf_url=$(grep -o 'http://[0-9.:]*' "$logs/miniflare.log" | head -n1)
  echo "==> relay vs direct (relay in workerd through Miniflare $mf_url)"
  STANDIN_URL="$STANDIN_URL" RELAY_URL="$mf_url" RELAY_PID="${stack_pids[-1]}" node tests/bench/relay.mjs
  kill -- "-${stack_pids[-1]}" 2>/dev/null || true
  : >"$logs/floor.log"
  FLOOR=1 setsid node tests/bench/miniflare.mjs "$logs/relay.env" >"$logs/floor.log" 2>&1 &
  stack_pids+=("$!")
  wait_for_line "$logs/floor.log" "listening on" 60
  floor_url=$(grep -o 'http://[0-9.:]*' "$logs/floor.log" | head -n1)
  echo "==> the floor: a JavaScript worker handing Bedrock's body straight back, in the same workerd"
  STANDIN_URL="$STANDIN_URL" RELAY_URL="$floor_url" ONLY_STREAM=1 node tests/bench/relay.mjs
fi
if [ "$part" != relay ]; then
  [ "$part" = page ] || start_relay "$(free_port)" "$logs/wrangler.log" --env-file "$PWD/$logs/relay.env" --persist-to "$PWD/$logs/state"
  echo "==> the chat page in headless Chromium (relay $RELAY_URL)"
  RELAY_URL="$RELAY_URL" node tests/bench/page.mjs
fi
