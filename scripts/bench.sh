#!/usr/bin/env bash
# Prints performance figures: the relay against the stand-in with no artificial delay, the
# chat page in headless Chromium, and the sizes of what is shipped. Not a test: it asserts
# nothing. `scripts/bench.sh relay` or `scripts/bench.sh page` runs one part; `scripts/bench.sh
# memory` (not part of the rest) measures the relay's memory at the body size cap; `scripts/bench.sh
# fixed` (nor this) the relay's fixed cost per request, and `scripts/bench.sh profile` where the
# relay's CPU goes, by function.
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
PAGE_ACCESS=open
RATE_LIMIT_RPM=1000000
RATE_LIMIT_TPM=1000000000
RATE_LIMIT_IP_RPM=1000000
RATE_LIMIT_IP_TPM=1000000000
VARS
# start_miniflare LOG [ENV=VALUE ...]: the built worker in workerd through Miniflare's API (no
# wrangler dev proxy in front); sets MF_URL. FLOOR=1 runs a JavaScript pass-through instead.
start_miniflare() {
  local log=$1; shift
  : >"$log"
  setsid env "$@" node tests/bench/miniflare.mjs "$logs/relay.env" >"$log" 2>&1 &
  stack_pids+=("$!")
  wait_for_line "$log" "listening on" 60
  MF_URL=$(grep -o 'http://[0-9.:]*' "$log" | head -n1)
}
if [ "$part" = memory ]; then
  # MAX_BODY_BYTES=N measures at another cap; FLOOR=1 the same for a JavaScript worker that only
  # passes the body on (workerd's own cost).
  [ -z "${MAX_BODY_BYTES:-}" ] || echo "MAX_BODY_BYTES=$MAX_BODY_BYTES" >>"$logs/relay.env"
  start_miniflare "$logs/miniflare-memory.log" ${FLOOR:+FLOOR=1}
  echo "==> memory of the ${FLOOR:+floor, not the }relay (workerd through Miniflare $MF_URL) at the body size cap"
  RELAY_URL="$MF_URL" RELAY_PID="${stack_pids[-1]}" RELAY_KEY_SECRET="$RELAY_KEY_SECRET" node tests/bench/memory.mjs
  exit 0
fi
if [ "$part" = fixed ]; then
  # The relay's fixed cost per request (health check, listing, one-word stream), and whether it
  # grows with the requests the rate limiter remembers. FIXED_VARS="NAME=VALUE ..." sets more
  # of the relay's variables (RATE_LIMIT_RPM=0 ... for a relay that asks no rate limiter).
  for var in ${FIXED_VARS:-}; do echo "$var" >>"$logs/relay.env"; done
  start_miniflare "$logs/miniflare-fixed.log"
  echo "==> fixed cost per request (relay in workerd through Miniflare $MF_URL)"
  RELAY_URL="$MF_URL" RELAY_PID="${stack_pids[-1]}" RELAY_KEY_SECRET="$RELAY_KEY_SECRET" node tests/bench/fixed.mjs
  # The same health check and one-word stream through the JavaScript pass-through, then through
  # the same pass-through written with workers-rs (tests/bench/rust-floor, built as the relay
  # is), each in a workerd of its own: workerd's cost, then what hosting a Rust worker adds;
  # between them, the JavaScript pass-through teeing the body as the relay does, and JavaScript
  # asking workerd for all the relay's frames delivery asks of it (their streams only).
  # fixed_floor NAME WHAT [ENV=VALUE ...]: the relay's workerd stopped, the floor NAME's started.
  fixed_floor() {
    local name=$1 what=$2; shift 2
    kill -- "-${stack_pids[-1]}" 2>/dev/null || true
    start_miniflare "$logs/miniflare-fixed-$name.log" "$@"
    RELAY_URL="$MF_URL" RELAY_PID="${stack_pids[-1]}" RELAY_KEY_SECRET="$RELAY_KEY_SECRET" \
      FIXED_FLOOR="$what" node tests/bench/fixed.mjs
  }
  fixed_floor floor "a JavaScript worker" FLOOR=1
  FIXED_KINDS=stream fixed_floor tee-floor "a JavaScript worker that tees the body" FLOOR=tee
  FIXED_KINDS=stream fixed_floor shape-floor "a JavaScript worker asking workerd for what the relay asks" FLOOR=shape
  scripts/build.sh rust-floor >"$logs/rust-floor-build.log" 2>&1 || { cat "$logs/rust-floor-build.log"; exit 1; }
  fixed_floor rust-floor "a Rust (workers-rs) worker" WORKER_SCRIPT=tests/bench/rust-floor/build/index.js
  exit 0
fi
if [ "$part" = profile ]; then
  # Where the relay's CPU goes, by function: a V8 CPU profile of the worker's isolate over a
  # series of requests (PROFILE_KIND=health, word, paced or sse; see tests/bench/profile.mjs);
  # PROFILE_FLOOR=1 profiles the JavaScript floor instead.
  inspector=$(free_port)
  start_miniflare "$logs/miniflare-profile.log" INSPECTOR_PORT="$inspector" ${PROFILE_FLOOR:+FLOOR=1}
  echo "==> CPU profile of the relay (workerd through Miniflare $MF_URL)"
  RELAY_URL="$MF_URL" INSPECTOR_URL="http://127.0.0.1:$inspector" RELAY_KEY_SECRET="$RELAY_KEY_SECRET" \
    node tests/bench/profile.mjs
  exit 0
fi
if [ "$part" != page ]; then
  # BENCH_WRANGLER=0 leaves out the run through wrangler dev (whose dev proxy, not the relay,
  # sets its figures, and whose concurrent runs take minutes of time-outs).
  if [ "${BENCH_WRANGLER:-1}" != 0 ]; then
    start_relay "$(free_port)" "$logs/wrangler.log" --env-file "$PWD/$logs/relay.env" --persist-to "$PWD/$logs/state"
    echo "==> relay vs direct (stand-in $STANDIN_URL, relay in wrangler dev $RELAY_URL)"
    STANDIN_URL="$STANDIN_URL" RELAY_URL="$RELAY_URL" RELAY_PID="$RELAY_PID" node tests/bench/relay.mjs
    # The same worker in workerd through Miniflare's API. The wrangler dev relay is stopped
    # first, so the two do not share the CPU.
    kill -- "-$RELAY_PID" 2>/dev/null || true
  fi
  start_miniflare "$logs/miniflare.log"
  echo "==> relay vs direct (relay in workerd through Miniflare $MF_URL)"
  STANDIN_URL="$STANDIN_URL" RELAY_URL="$MF_URL" RELAY_PID="${stack_pids[-1]}" BENCH_OUT="$logs/relay.json" \
    node tests/bench/relay.mjs
  kill -- "-${stack_pids[-1]}" 2>/dev/null || true
  # floor NAME KIND WHAT [TITLE]: the streams again through a JavaScript worker of that KIND (see
  # tests/bench/miniflare.mjs), printed as ratios of the relay's figures to its own.
  floor() {
    start_miniflare "$logs/$1.log" "FLOOR=$2"
    echo "==> the ${1//-/ }: $3"
    STANDIN_URL="$STANDIN_URL" RELAY_URL="$MF_URL" RELAY_PID="${stack_pids[-1]}" ONLY_STREAM=1 \
      FLOOR_TITLE="${4:-}" BENCH_FLOOR_OF="$logs/relay.json" node tests/bench/relay.mjs
    kill -- "-${stack_pids[-1]}" 2>/dev/null || true
  }
  floor floor 1 "a JavaScript worker handing Bedrock's body straight back, in the same workerd"
  # SSE rewrites the stream, so the worker must read every chunk: its own floor is a
  # JavaScript worker that reads each chunk and writes it on.
  floor reading-floor read "a JavaScript worker reading each chunk of Bedrock's body and writing it on" \
    "the reading floor (the least a delivery that rewrites the stream can cost)"
  # The same, with workerd reading the body and the worker called once per chunk (a
  # TransformStream): the least a delivery written chunk by chunk in a transform can cost.
  floor transform-floor transform "a JavaScript worker piping Bedrock's body through a TransformStream" \
    "the transform floor (workerd reads; the worker is called once per chunk)"
fi
if [ "$part" != relay ]; then
  # Served by workerd through Miniflare, as for the relay: wrangler dev's proxy alone takes
  # ~90 ms to hand over the page's HTML, which is not the page's cost.
  start_miniflare "$logs/miniflare-page.log"
  echo "==> the chat page in headless Chromium (relay in workerd through Miniflare $MF_URL)"
  RELAY_URL="$MF_URL" node tests/bench/page.mjs
fi
