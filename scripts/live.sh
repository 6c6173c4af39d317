#!/usr/bin/env bash
# The live suite (opt-in): the relay, the AWS SDK and the chat page against real Amazon Bedrock
# with a cheap model, and the stand-in's judgement checked against Bedrock's (every recorded
# refusal still refused in the same words). `BEDROCK_LIVE=1 scripts/test.sh` runs it after the
# rest; `scripts/live.sh` alone needs scripts/build.sh to have run.
#
# Needs AWS credentials in the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and
# AWS_SESSION_TOKEN for temporary ones), or AWS_BEARER_TOKEN_BEDROCK (a Bedrock API key).
# AWS_REGION (default us-east-1) and LIVE_MODEL (default us.amazon.nova-micro-v1:0, about
# $0.0001 a run) choose where and what; BEDROCK_ENDPOINT points it at another endpoint (the
# stand-in: a dry run of the suite itself). Without credentials it says so and passes.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${AWS_BEARER_TOKEN_BEDROCK:-}" ] && { [ -z "${AWS_ACCESS_KEY_ID:-}" ] || [ -z "${AWS_SECRET_ACCESS_KEY:-}" ]; }; then
  echo "==> live suite skipped: no AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_BEARER_TOKEN_BEDROCK)"
  exit 0
fi
export AWS_REGION=${AWS_REGION:-us-east-1} LIVE_MODEL=${LIVE_MODEL:-us.amazon.nova-micro-v1:0}
echo "==> live suite: real Bedrock in $AWS_REGION, $LIVE_MODEL"

source scripts/stack.sh
trap stop_stack EXIT INT TERM
logs=target/logs/live
mkdir -p "$logs"
export RELAY_KEY_ID=live RELAY_KEY_SECRET="live-relay-key-$RANDOM$RANDOM$RANDOM"
env_file="$logs/relay.env"
{
  echo "AWS_REGION=$AWS_REGION"
  for name in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_BEARER_TOKEN_BEDROCK BEDROCK_ENDPOINT; do
    [ -z "${!name:-}" ] || echo "$name=${!name}"
  done
  echo "PAGE_ACCESS=open"
  echo "RELAY_API_KEYS=$RELAY_KEY_ID:$RELAY_KEY_SECRET"
  echo "ALLOWED_MODELS=$LIVE_MODEL"
  echo "MAX_OUTPUT_TOKENS=64"
} >"$env_file"
chmod 600 "$env_file"
RELAY_PROTOCOL=https start_relay "$(free_port)" "$logs/wrangler.log" --env-file "$PWD/$env_file" --persist-to "$PWD/$logs/wrangler-state"
export RELAY_URL RELAY_LOG="$PWD/$logs/wrangler.log"

NODE_TLS_REJECT_UNAUTHORIZED=0 NODE_NO_WARNINGS=1 node --test --test-concurrency=1 --test-reporter=spec tests/live/
.venv/bin/pytest -q tests/live
