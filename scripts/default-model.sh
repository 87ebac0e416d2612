#!/usr/bin/env bash
# The main job on the built-in default model: generates the project's own tiny Llama
# (2 layers, grouped-query attention, seeded random weights) under build/models/ and runs
# the compiler on it. Run after building (see README.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${INFERNO_BUILD_DIR:-$root/build}
model=$build/models/tiny

# Debian's interpreter carries numpy even when another python3 comes first on PATH.
python=/usr/bin/python3
[ -x "$python" ] || python=python3

if [ ! -d "$model" ]; then
  "$python" "$root/models/generate.py" -o "$model" --preset tiny
fi
"$build/bin/inferno" import "$model"
