#!/usr/bin/env bash
# The page's payload budget: the chat page's wasm, script and style in dist/ (what a first
# visit downloads), gzipped at level 9, against the number committed in frontend/PAYLOAD_BUDGET.
# Fails when the payload is more than 2 % over it; says so when it is well under, so the number
# can be lowered (a normal commit). Deterministic: a size, not a timing. Run after scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=$(tr -dc 0-9 <frontend/PAYLOAD_BUDGET)
total=0
for f in dist/frontend-*_bg.wasm dist/frontend-*.js dist/style-*.css; do
  [ -f "$f" ] || { echo "payload: $f is missing; run scripts/build.sh first" >&2; exit 1; }
  size=$(gzip -9 -n -c "$f" | wc -c)
  printf '  %-45s %8d bytes gzipped\n' "$f" "$size"
  total=$((total + size))
done
limit=$((budget * 102 / 100))
printf 'page payload: %d bytes gzipped; budget %d (fails over %d)\n' "$total" "$budget" "$limit"
if [ "$total" -gt "$limit" ]; then
  echo "payload: over budget by $((total - budget)) bytes; shrink it, or raise frontend/PAYLOAD_BUDGET with the reason in the commit" >&2
  exit 1
fi
if [ "$total" -lt $((budget * 95 / 100)) ]; then
  echo "payload: more than 5 % under budget: lower frontend/PAYLOAD_BUDGET to $total"
fi
