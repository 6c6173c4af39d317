#!/usr/bin/env bash
# Installs everything converse-edge needs on a fresh machine, and skips what is there.
# Only the package registries are used: crates.io, npm, PyPI, Debian.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

lock_version() { # the version of crate $1 in Cargo.lock
  awk -v n="$1" '$0 == "name = \"" n "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}
WASM_BINDGEN_VERSION=$(lock_version wasm-bindgen)
TRUNK_VERSION=0.21.14
WORKER_BUILD_VERSION=0.8.7

if ! grep -q "wasm_bindgen = \"$WASM_BINDGEN_VERSION\"" Trunk.toml; then
  echo "Trunk.toml's [tools] wasm_bindgen must be $WASM_BINDGEN_VERSION, the version in Cargo.lock" >&2
  exit 1
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
if ! rustup component list --installed | grep -q '^clippy'; then rustup component add clippy rustfmt; fi

if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (matches Cargo.lock; ~2 min)"
  # --locked fails: one of its locked dependencies is no longer on crates.io.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if [[ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]]; then
  say "installing trunk $TRUNK_VERSION (~7 min)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force
fi
if [[ "$(worker-build --version 2>/dev/null)" != "$WORKER_BUILD_VERSION" ]]; then
  say "installing worker-build $WORKER_BUILD_VERSION (~4 min)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked --force
fi

if [[ ! -x node_modules/.bin/wrangler || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing npm packages from package-lock.json (wrangler, workerd, binaryen, esbuild, playwright-core)"
  npm ci --no-fund --no-audit
fi

if ! command -v chromium >/dev/null 2>&1; then
  say "installing Debian's chromium (for the browser tests)"
  if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# The venv is rebuilt from scratch whenever tests/requirements.txt changes (its hash is kept in
# the venv), so a machine never keeps packages the lock no longer names: every package is
# pinned and hash-checked, transitive ones included, and nothing else is installed.
requirements_hash=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
if [[ "$(cat .venv/requirements.sha256 2>/dev/null)" != "$requirements_hash" ]]; then
  say "installing tests/requirements.txt into .venv (boto3, botocore, pytest; pinned and hashed)"
  python3 -m venv --clear .venv
  .venv/bin/pip install -q --no-deps --require-hashes --only-binary :all: -r tests/requirements.txt
  echo "$requirements_hash" >.venv/requirements.sha256
fi
