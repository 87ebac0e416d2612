#!/usr/bin/env bash
# Builds, on a machine without a GPU, everything the GPU checks need, into one folder small
# enough to carry to the GPU machine:
#
#   scripts/cuda/prepare.sh WORK [--inferno build/bin/inferno] [--shared DIR]
#
# WORK/<name>-model   checkpoints with real (generated) weights, small enough to copy:
#                     m1: the Llama-3.2-1B structure scaled down (bf16, tied, llama3 RoPE,
#                         8 query heads over 2 KV heads of 64); m2: the Llama-3.1-8B structure
#                         scaled down (untied, 4 query heads over 1 KV head of 128); tg / ai:
#                         the real tiny checkpoints of the shared test data (f32), when given
# WORK/<name>-cuda    their CUDA artifacts (m1, m2, w8 linked to WORK/<name>-model: run them with
#                     --weights WORK/<name>-model there)
# WORK/w8-cuda       a compressed-tensors w8a8 checkpoint of the 1B structure scaled down
# WORK/m1-fp8-cuda   m1 with its KV cache in fp8 e4m3 (--kv-dtype fp8)
# WORK/l1b-cuda, WORK/l8b-cuda, WORK/l1b-w8a8-cuda, WORK/l1b-fp8-cuda
#                     full-size Llama-3.2-1B and Llama-3.1-8B in bf16 (and the 1B as w8a8),
#                     compiled from sparse
#                     checkpoints (headers only) with --weights link --max-batch 512: run with
#                     --synthetic-weights SEED there; WORK/l1b-model and WORK/l8b-model hold
#                     their config files for the reference
# WORK/m1-cpu         the CPU artifact of m1, to compare the two backends on the same machine
#
# Then, on the GPU machine: scripts/cuda/check-on-gpu.sh WORK
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${1:?usage: prepare.sh WORK [--inferno PATH] [--shared DIR]}
shift
INFERNO=$ROOT/build/bin/inferno
SHARED=
while [ $# -gt 0 ]; do
  case $1 in
    --inferno) INFERNO=$2; shift 2 ;;
    --shared) SHARED=$2; shift 2 ;;
    *) echo "prepare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
PYTHON=/usr/bin/python3
[ -x $PYTHON ] || PYTHON=python3
GENERATE="$PYTHON $ROOT/models/generate.py"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
SPARSE=$(mktemp -d)
trap 'rm -rf "$SPARSE"' EXIT

$GENERATE -o "$WORK/m1-model" --preset llama-3.2-1b --layers 2 --hidden 256 --heads 8 \
  --kv-heads 2 --head-dim 64 --ffn 768 --vocab 2048 --dtype bf16 --force
$GENERATE -o "$WORK/m2-model" --preset llama-3.1-8b --layers 2 --hidden 256 --heads 4 \
  --kv-heads 1 --head-dim 128 --ffn 768 --vocab 1024 --dtype bf16 --force
# w8: the 1B structure scaled down again, compressed-tensors w8a8 (dense parts in f32).
$GENERATE -o "$WORK/w8-model" --preset llama-3.2-1b --layers 2 --hidden 256 --heads 8 \
  --kv-heads 2 --head-dim 64 --ffn 768 --vocab 1024 --dtype f32 --quantize w8a8 --force
for m in m1 m2; do
  "$INFERNO" compile "$WORK/$m-model" -o "$WORK/$m-cuda" --target cuda --weights link --force
done
"$INFERNO" compile "$WORK/w8-model" -o "$WORK/w8-cuda" --target cuda --weights link --force
# m1 again with its KV cache in fp8 e4m3 (--kv-dtype fp8).
"$INFERNO" compile "$WORK/m1-model" -o "$WORK/m1-fp8-cuda" --target cuda --weights link \
  --kv-dtype fp8 --force
"$INFERNO" compile "$WORK/m1-model" -o "$WORK/m1-cpu" --weights link --force
if [ -n "$SHARED" ]; then
  for pair in tg:tiny-gqa-260K ai:aidreams260K; do
    name=${pair%%:*} dir=$SHARED/models/${pair#*:}
    rm -rf "$WORK/$name-model" && cp -r "$dir" "$WORK/$name-model"
    "$INFERNO" compile "$WORK/$name-model" -o "$WORK/$name-cuda" --target cuda --force
  done
fi
for pair in l1b:llama-3.2-1b l8b:llama-3.1-8b l1b-w8a8:llama-3.2-1b l1b-fp8:llama-3.2-1b; do
  name=${pair%%:*} preset=${pair#*:}
  quantize=
  kv=
  [ "$name" = l1b-w8a8 ] && quantize="--quantize w8a8"
  [ "$name" = l1b-fp8 ] && kv="--kv-dtype fp8"
  $GENERATE -o "$SPARSE/$name" --preset "$preset" $quantize --sparse --force
  "$INFERNO" compile "$SPARSE/$name" -o "$WORK/$name-cuda" --target cuda --weights link \
    --max-batch 512 $kv --force
  mkdir -p "$WORK/$name-model"
  cp "$SPARSE/$name"/config.json "$SPARSE/$name"/generation_config.json "$WORK/$name-model/"
done
# Symbols are of no use on the GPU machine, and the folder must travel.
strip "$WORK"/*-cuda/model "$WORK"/*-cpu/model
du -sh "$WORK"
