#!/usr/bin/env bash
# Builds the page (Trunk → dist/), the worker (worker-build → edge-worker/build/) and the
# local Bedrock stand-in (cargo → target/release/bedrock-local). Release builds throughout.
# `scripts/build.sh rust-floor` builds only the benchmark's Rust floor (tests/bench/rust-floor).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Trunk and worker-build find wasm-opt, esbuild and wasm-bindgen here; nothing is downloaded.
export PATH="$root/node_modules/.bin:$PATH"
export WASM_BINDGEN_BIN="$(command -v wasm-bindgen)"
export WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$root/node_modules/@esbuild/linux-x64/bin/esbuild"

if [ "${1:-}" = rust-floor ]; then
  cd tests/bench/rust-floor && exec worker-build --release >/dev/null
fi

echo "==> page (trunk build --release)"
trunk build --release --quiet
# Security headers for the page (Workers static assets read dist/_headers). The page's one
# inline script (Trunk's loader) is allowed by its hash, so the policy needs no 'unsafe-inline'.
python3 - "${FRAME_ANCESTORS:-'self'}" <<'PY'
import base64, hashlib, os, re, sys
html = open("dist/index.html", encoding="utf-8").read()
hashes = " ".join(
    "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
    for s in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S) if s.strip()
)
csp = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' " + hashes + "; style-src 'self'; "
       "img-src 'self' data: blob:; media-src blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors " + sys.argv[1])
rules = ("/*\n  Content-Security-Policy: " + csp + "\n  X-Content-Type-Options: nosniff\n"
         "  Referrer-Policy: no-referrer\n  Permissions-Policy: camera=(), microphone=(), geolocation=()\n")
# Trunk names the wasm, its JavaScript and the CSS by their content's hash, so a browser may keep
# them for good: a repeat visit downloads and revalidates nothing but index.html. Anything with a
# stable name (index.html, widget.js) keeps the default, revalidated on every use.
for name in sorted(os.listdir("dist")):
    # (Trunk writes the 64-bit hash without leading zeros: 15 digits in one build of 16.)
    if re.fullmatch(r"[\w-]+-[0-9a-f]{12,16}(_bg)?\.(js|wasm|css)", name):
        rules += "/" + name + "\n  Cache-Control: public, max-age=31536000, immutable\n"
open("dist/_headers", "w").write(rules)
PY
echo "==> widget loader (esbuild → dist/widget.js)"
esbuild frontend/widget/widget.js --bundle --minify --format=iife --target=es2020 --log-level=warning \
  --outfile=dist/widget.js
echo "==> syntax highlighter (esbuild → dist/highlight.js, loaded by the page on demand)"
esbuild frontend/highlight/highlight.js --bundle --minify --format=esm --target=es2020 --log-level=warning \
  --outfile=dist/highlight.js
echo "==> worker (worker-build --release)"
(cd edge-worker && worker-build --release >/dev/null)
echo "==> stand-in (cargo build --release -p bedrock-local)"
cargo build --release --quiet -p bedrock-local
