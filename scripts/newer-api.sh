#!/usr/bin/env bash
# Which Converse members and enum values the newest botocore on PyPI knows and our wire types
# do not. It changes nothing and fails nothing: the test command checks the botocore that
# tests/requirements.txt pins; raising that pin turns what this prints into test failures
# that a commit then fixes.
#
#   scripts/newer-api.sh            # the newest botocore
#   scripts/newer-api.sh 1.44.9     # a given version
set -euo pipefail
cd "$(dirname "$0")/.."

pinned=$(sed -n 's/^botocore==\([^ ]*\).*/\1/p' tests/requirements.txt)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

wanted=botocore${1:+==$1}
python3 -m pip download -q --no-deps --only-binary :all: -d "$scratch" "$wanted" >/dev/null
wheel=$(ls "$scratch"/botocore-*.whl)
version=$(basename "$wheel" | cut -d- -f2)
python3 - "$wheel" "$scratch/service-2.json" <<'PY'
import gzip, sys, zipfile
wheel = zipfile.ZipFile(sys.argv[1])
name = max(n for n in wheel.namelist() if n.startswith("botocore/data/bedrock-runtime/") and "/service-2.json" in n)
data = wheel.read(name)
open(sys.argv[2], "wb").write(gzip.decompress(data) if name.endswith(".gz") else data)
PY

echo "botocore pinned in tests/requirements.txt: $pinned; checked: $version"
out="$scratch/conformance.out"
if BOTOCORE_BEDROCK_MODEL="$scratch/service-2.json" cargo test -p converse-shared --test conformance --locked -q \
  every_member_and_value_round_trips >"$out" 2>&1; then
  echo "our wire types know every Converse member and value of botocore $version"
  exit 0
fi
problems=$(grep -E 'is missing from our types|our types refuse the sample|the round trip changed' "$out" |
  sed -E 's/ \(variant [0-9]+(, required only)?\)//' | sort -u || true)
if [[ -z "$problems" ]]; then
  echo "the conformance test failed for another reason:" >&2
  tail -20 "$out" >&2
  exit 1
fi
echo "what botocore $version has and our wire types lack:"
echo "$problems" | sed 's/^/  /'
echo "to take it on: raise boto3 and botocore in tests/requirements.in, regenerate tests/requirements.txt (its header says how), and make the test command green."
