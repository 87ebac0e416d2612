#!/usr/bin/env bash
# The CUDA backend's checks and benchmark, on the GPU machine, over what prepare.sh built:
#
#   scripts/cuda/check-on-gpu.sh WORK [--quick]
#
# 1. the card and the artifact's shared libraries (ldd: the driver and cuBLAS only)
# 2. the CUDA and the CPU artifact of the same model on the same prompt (logits and ids)
#    (2 and 3 run with INFERNO_CUDA_POISON=1: scratch, logits and KV cache NaN-filled)
# 3. parity with Hugging Face transformers (hf_parity.py): the real tiny checkpoints (f32), the
#    scaled-down 1B and 8B structures (bf16, and the 1B with an fp8 KV cache), and the full-size
#    1B on synthetic weights; w8a8
#    against the numpy reference's exact simulation; greedy decoding on the device against the
#    host's argmax
# 4. compute-sanitizer: memcheck and racecheck on a bf16 and an f32 model, initcheck on f32
# 5. INFERNO_CUDA_PROFILE: where a decode step's time goes, kernel by kernel, and the decode
#    graph split into GPU and host time
# 6. bench-cuda.py: decode and pp512 of full-size 1B and 8B (and 1B w8a8) next to the measured
#    ceilings
# --quick skips 4-6. Exit status 1 if a parity check fails.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:?usage: check-on-gpu.sh WORK [--quick]}
QUICK=${2:-}
status=0
cd "$ROOT"
nvidia-smi -L
if ldd "$W/l1b-cuda/model" | grep -E "not found|libcudart|MLIR|LLVM|Halide|absl"; then
  echo "FAIL: unexpected shared libraries"; status=1
fi

# The parity checks run poisoned: before every forward pass the artifact fills its activations,
# scratch buffers and logits with NaN (and its KV cache at load), so that an output a kernel
# leaves unwritten shows up as NaN logits rather than a stale value that happens to be close.
export INFERNO_CUDA_POISON=1
python3 - "$W" <<'PY' || status=1
import numpy as np, os, subprocess, sys, tempfile
W = sys.argv[1]
tmp = tempfile.mkdtemp()
ids = "1,5,9,13,17,21,25,29,33,37,41,45"
out = {}
for kind in ["cpu", "cuda"]:
    p = subprocess.run([f"{W}/m1-{kind}/model", "--weights", f"{W}/m1-model", "--prompt-ids", ids,
                        "-n", "24", "--temperature", "0", "--ignore-eos", "--ids",
                        "--dump-logits", f"{tmp}/{kind}.npy", "--all-logits", f"{tmp}/{kind}-all.npy"],
                       capture_output=True, text=True)
    if p.returncode:
        sys.exit(f"m1-{kind} failed: {p.stderr[-2000:]}")
    out[kind] = (p.stdout.split(), np.load(f"{tmp}/{kind}.npy"), np.load(f"{tmp}/{kind}-all.npy"))
(ic, lc, ac), (ig, lg, ag) = out["cpu"], out["cuda"]
rel = lambda a, b: max(np.linalg.norm(a[i] - b[i]) / np.linalg.norm(a[i]) for i in range(min(len(a), len(b))))
same = next((i for i in range(min(len(ic), len(ig))) if ic[i] != ig[i]), None)
print(f"m1 CUDA vs CPU artifact (f32 kernels): decode rel-L2 {rel(lc, lg):.2e}, prefill {rel(ac, ag):.2e}, "
      f"ids first differ at {same}")
PY

parity() { timeout 600 python3 scripts/cuda/hf_parity.py "$@" 2>&1 | grep -vE "Loading weights" || status=1; }
for m in tg ai; do
  [ -d "$W/$m-cuda" ] && parity --artifact "$W/$m-cuda" --model "$W/$m-model" --steps 90 --no-bf16
done
for m in m1 m2; do
  parity --artifact "$W/$m-cuda" --model "$W/$m-model" --weights "$W/$m-model" --steps 64
done
parity --artifact "$W/l1b-cuda" --model "$W/l1b-model" --synthetic 7 --steps 64
# m1 with its KV cache in fp8 e4m3 (--kv-dtype fp8, scale 1): keys and values keep three
# mantissa bits, so its logits sit further from float32's (about 5e-2 rel-L2) and are held to
# 1e-1; a broken cache path lands near 1.
parity --artifact "$W/m1-fp8-cuda" --model "$W/m1-model" --weights "$W/m1-model" --steps 64 --tol 1e-1
# A prompt longer than a prefill batch (64 here) and than a decode attention block (256 keys):
# prefill in batches attending to the keys cached before them over several key tiles, and
# decode merging the partials of several splits.
for m in m1 m2; do
  parity --artifact "$W/$m-cuda" --model "$W/$m-model" --weights "$W/$m-model" --prompt-len 300 \
    --steps 16 --no-bf16
done
# w8a8 against the reference's exact simulation of its integer arithmetic (numpy), teacher-forced
# on the artifact's tokens: the median step within 1e-5 (the integer sums are exact, so most
# steps agree to float rounding), every step within 1e-2 (a quantizer input that float
# rounding moves across a rounding boundary changes one int8 activation: about 5e-3 seen once
# in 48 steps), and the same greedy ids except at the reference's near-ties.
"$W/w8-cuda/model" --weights "$W/w8-model" --prompt-ids 1,17,42,99,5 -n 48 --temperature 0 --ignore-eos --ids \
  --dump-logits "$W/w8.npy" > "$W/w8.ids" &&
python3 test/reference/llama_ref.py "$W/w8-model" --prompt-ids 1,17,42,99,5 -n 48 --ignore-eos \
  --teacher-ids "$(cat "$W/w8.ids")" --dump-logits "$W/w8-ref.npy" > /dev/null &&
python3 test/reference/compare.py "$W/w8.npy" "$W/w8-ref.npy" --rel-l2 1e-2 --rel-l2-median 1e-5 \
  --same-ids-except-ties 1e-3 -q && echo "w8a8 (scaled-down 1B) against the exact simulation: pass" ||
  { echo "FAIL: w8a8 parity"; status=1; }
# Greedy decoding on the device (each id fed back there, no logits copied out) against the
# host's argmax over the copied logits (--dump-logits keeps the host loop): the decode kernels
# are deterministic, so the ids must be the same.
long=$(python3 -c "print(','.join(str(7 * i % 2000 + 1) for i in range(300)))")
for run in "m1 short --weights $W/m1-model" "l1b short --synthetic-weights 7" \
           "w8 short --weights $W/w8-model" "m1 long --weights $W/m1-model"; do
  set -- $run
  m=$1 prompt=3,14,15,92,65,35,89,79
  [ "$2" = long ] && prompt=$long
  shift 2
  common=(--prompt-ids "$prompt" -n 96 --temperature 0 --ignore-eos --ids)
  device=$("$W/$m-cuda/model" "$@" "${common[@]}") &&
  host=$("$W/$m-cuda/model" "$@" "${common[@]}" --dump-logits "$W/$m-greedy.npy") &&
  [ -n "$device" ] && [ "$device" = "$host" ] &&
    echo "$m ($(echo "$prompt" | tr , ' ' | wc -w)-token prompt): greedy on the device = greedy on the host over $(echo $device | wc -w) ids" ||
    { echo "FAIL: $m greedy on the device differs from the host's"; status=1; }
done
[ "$QUICK" = --quick ] && exit $status
# Unpoisoned from here: initcheck must see what is really left uninitialized, and the
# profiles and the benchmark time the artifact as users run it.
unset INFERNO_CUDA_POISON

ids=$(python3 -c "import random; r=random.Random(2); print(','.join(str(r.randrange(1000, 100000)) for _ in range(32)))")
for tool in memcheck racecheck; do
  echo "compute-sanitizer $tool (bf16 m1):"
  compute-sanitizer --tool $tool "$W/m1-cuda/model" --weights "$W/m1-model" --prompt-ids 1,2,3,4,5,6,7,8,9,10 -n 40 --temperature 0 --ignore-eos --ids 2>&1 | grep -E "SUMMARY"
  echo "compute-sanitizer $tool (bf16 m1, 300-token prompt: batched prefill, merged decode splits):"
  compute-sanitizer --tool $tool "$W/m1-cuda/model" --weights "$W/m1-model" --prompt-ids "$long" -n 8 --temperature 0 --ignore-eos --ids 2>&1 | grep -E "SUMMARY"
  echo "compute-sanitizer $tool (m1 with an fp8 KV cache, 300-token prompt):"
  compute-sanitizer --tool $tool "$W/m1-fp8-cuda/model" --weights "$W/m1-model" --prompt-ids "$long" -n 8 --temperature 0 --ignore-eos --ids 2>&1 | grep -E "SUMMARY"
done
if [ -d "$W/tg-cuda" ]; then
  for tool in memcheck racecheck initcheck; do
    echo "compute-sanitizer $tool (f32 tiny-gqa):"
    compute-sanitizer --tool $tool "$W/tg-cuda/model" --prompt-ids 1,2,3,4,5,6,7,8,9,10 -n 40 --temperature 0 --ignore-eos --ids 2>&1 | grep -E "SUMMARY"
  done
fi

for m in l1b l8b; do
  echo "== $m: decode (32-token prompt, 128 tokens), every stage timed"
  INFERNO_CUDA_PROFILE=1 "$W/$m-cuda/model" --synthetic-weights 1 --prompt-ids "$ids" -n 128 --temperature 0 --ignore-eos --ids > /dev/null
  echo "== $m: the decode graph in generation"
  INFERNO_CUDA_PROFILE=2 "$W/$m-cuda/model" --synthetic-weights 1 --prompt-ids "$ids" -n 128 --temperature 0 --ignore-eos --ids 2>&1 > /dev/null | grep "decode graph"
done
timeout 500 python3 scripts/bench-cuda.py --artifact 1b-bf16="$W/l1b-cuda" --artifact 8b-bf16="$W/l8b-cuda" \
  --artifact 1b-w8a8="$W/l1b-w8a8-cuda" --repeat 3
exit $status
