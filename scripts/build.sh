#!/usr/bin/env bash
# Builds the page (Trunk → dist/), the worker (worker-build → edge-worker/build/) and the
# local Bedrock stand-in (cargo → target/release/bedrock-local). Release builds throughout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Trunk and worker-build find wasm-opt, esbuild and wasm-bindgen here; nothing is downloaded.
export PATH="$root/node_modules/.bin:$PATH"
export WASM_BINDGEN_BIN="$(command -v wasm-bindgen)"
export WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$root/node_modules/@esbuild/linux-x64/bin/esbuild"

echo "==> page (trunk build --release)"
trunk build --release --quiet
echo "==> worker (worker-build --release)"
(cd edge-worker && worker-build --release >/dev/null)
echo "==> stand-in (cargo build --release -p bedrock-local)"
cargo build --release --quiet -p bedrock-local
