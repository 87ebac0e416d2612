#!/usr/bin/env bash
# The main job on the built-in default model: generates the project's own tiny Llama
# (2 layers, grouped-query attention, seeded random weights) under build/models/, compiles it
# into an artifact and generates 32 tokens from it (ids: random weights have no tokenizer).
# Run after building (see README.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${INFERNO_BUILD_DIR:-$root/build}
model=$build/models/tiny
artifact=$build/models/tiny.artifact

# Debian's interpreter carries numpy even when another python3 comes first on PATH.
python=/usr/bin/python3
[ -x "$python" ] || python=python3

if [ ! -d "$model" ]; then
  "$python" "$root/models/generate.py" -o "$model" --preset tiny
fi
echo "== inferno import $model (first lines)"
"$build/bin/inferno" import "$model" | sed -n 1,4p
echo "== inferno compile $model -o $artifact"
"$build/bin/inferno" compile "$model" -o "$artifact" --force
ls -l "$artifact"
echo "== inferno run $artifact --prompt-ids 1,2,3 -n 32 --temperature 0 --ids --stats"
"$build/bin/inferno" run "$artifact" --prompt-ids 1,2,3 -n 32 --temperature 0 --ids --stats
