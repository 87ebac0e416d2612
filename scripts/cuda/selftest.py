#!/usr/bin/python3
"""Self-checks of the CUDA scripts' numpy parts, runnable without a GPU or torch.

  scripts/cuda/selftest.py [--work DIR]

  - synthetic.py's vectorized splitmix64 against published splitmix64 outputs, and its values
    against a slow pure-Python implementation of the formula (Python integers, float32 rounding
    through struct), across chunk boundaries, for large seeds and tensor indices
  - bfloat16 rounding against a slow nearest-even reference (including exact halfway cases and
    carries into the exponent); float16 against struct's IEEE half packing
  - the command: a checkpoint written for a generated tiny model's tensor list, read back with
    the numpy reference's own safetensors reader (test/reference/llama_ref.py), which also runs
    it as a model; refusals (I8, rank 3, an existing output) leave nothing behind
  - hf_parity.py's comparison on logits from the numpy reference: a faithful "artifact" passes,
    a perturbed one fails, near-ties are recognised
  - bench-cuda.py's bytes per decoded token: lm_head counted, an untied embedding not

Prints one line per check and "N passed, N failed"; exit status 1 if any check failed.
"""
import argparse
import importlib.util
import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "reference"))
import hf_parity  # noqa: E402
import llama_ref  # noqa: E402
import synthetic  # noqa: E402

MASK = (1 << 64) - 1
RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(bool(ok))
    print(f"{'PASS' if ok else 'FAIL'}: {name}{'' if ok else ' -- ' + detail}")


# ----------------------------------------------------------------------------------------------
# slow references

def slow_splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def f32(x):
    """Round a Python float (double) to the nearest float32 (ties to even)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def slow_value(seed, index, shape, i):
    """One element by the formula, in Python integers and doubles. u is exact in both; the
    rank-1 and rank-2 results are exact in double before their single float32 rounding."""
    base = slow_splitmix64(((seed << 20) & MASK) ^ index)
    h = slow_splitmix64((base + i) & MASK)
    u = (h >> 40) * 2.0 ** -23 - 1.0
    if len(shape) == 1:
        return f32(1.0 + 0.25 * u)
    return f32(u * f32(math.sqrt(3.0 / shape[1])))


def slow_bf16(x):
    """The bfloat16 nearest to float32 x (ties to the even bit pattern), as uint16 bits."""
    bits = struct.unpack("<I", struct.pack("<f", x))[0]
    lo = bits >> 16
    candidates = []
    for b in (lo, lo + 1):
        value = struct.unpack("<f", struct.pack("<I", (b << 16) & 0xFFFFFFFF))[0]
        candidates.append((abs(value - x), b & 1, b))  # exact: both are float32 values
    candidates.sort()
    return candidates[0][2] & 0xFFFF


# ----------------------------------------------------------------------------------------------
# checks

def check_splitmix():
    # Published splitmix64 outputs (Vigna's reference generator): state 0, and state 1234567.
    got = synthetic.splitmix64(np.array([0], dtype=np.uint64))[0]
    check("splitmix64 of state 0 is 0xe220a8397b1dcdaf", int(got) == 0xE220A8397B1DCDAF, hex(int(got)))
    golden = 0x9E3779B97F4A7C15
    states = np.array([(1234567 + k * golden) & MASK for k in range(5)], dtype=np.uint64)
    want = [6457827717110365317, 3203168211198807973, 9817491932198370423,
            4593380528125082431, 16408922859458223821]
    got = [int(v) for v in synthetic.splitmix64(states)]
    check("splitmix64 sequence from state 1234567", got == want, str(got))
    rng = random.Random(1)
    xs = [rng.getrandbits(64) for _ in range(500)] + [0, MASK, MASK - golden + 1]
    got = [int(v) for v in synthetic.splitmix64(np.array(xs, dtype=np.uint64))]
    check("splitmix64 vectorized = Python integers on 503 states", got == [slow_splitmix64(x) for x in xs])


def check_values():
    saved = synthetic.CHUNK_ELEMS
    synthetic.CHUNK_ELEMS = 37  # many chunk boundaries inside each tensor
    try:
        rng = random.Random(2)
        cases = [(0, 0, [64]), (1, 1, [7, 13]), (1, 2, [3, 2048]), (12345, 300, [96, 5]),
                 (MASK, 7, [200]), ((1 << 44) + 3, (1 << 20) + 9, [11, 64])]
        for seed, index, shape in cases:
            values = synthetic.synthetic_tensor(seed, index, shape, "F32").reshape(-1)
            count = values.size
            sample = sorted(set(list(range(min(100, count))) + list(range(max(0, count - 100), count))
                                + [rng.randrange(count) for _ in range(100)]))
            want = np.array([slow_value(seed, index, shape, i) for i in sample], dtype=np.float32)
            same = np.array_equal(values[sample].view(np.uint32), want.view(np.uint32))
            check(f"values seed {seed} tensor {index} shape {shape}: {len(sample)} elements bit-exact",
                  same, f"first mismatch at {sample[int(np.argmax(values[sample] != want))]}")
        v = synthetic.synthetic_tensor(3, 4, [1000, 16], "F32")
        bound = math.sqrt(3.0 / 16)
        check("rank-2 values lie in [-sqrt(3/cols), sqrt(3/cols))",
              v.min() >= -np.float32(bound) and v.max() < np.float32(bound))
        n = synthetic.synthetic_tensor(3, 5, [4096], "F32")
        check("rank-1 values lie in [0.75, 1.25]", n.min() >= 0.75 and n.max() <= 1.25)
    finally:
        synthetic.CHUNK_ELEMS = saved


def check_rounding():
    values = np.concatenate([synthetic.synthetic_tensor(9, i, shape, "F32").reshape(-1)
                             for i, shape in enumerate([[512], [64, 48], [32, 4096]])])
    edge_bits = [0x3F808000, 0x3F818000, 0xBF808000, 0xBF818000,  # exact halves: to even
                 0x3F808001, 0x3F807FFF, 0x3FFFFFFF, 0x3F7FFF80,  # just above/below; carries
                 0x00008000, 0x00018000, 0x7F7F7FFF, 0x80000000, 0]
    edges = np.array(edge_bits, dtype=np.uint32).view(np.float32)
    allv = np.concatenate([values, edges])
    got = synthetic.bf16_bits(allv)
    want = np.array([slow_bf16(float(x)) for x in allv], dtype=np.uint16)
    check(f"bf16 round to nearest even = slow reference on {allv.size} values",
          np.array_equal(got, want), f"{int((got != want).sum())} differ")
    got16 = synthetic.to_stored(values, "F16")
    want16 = np.frombuffer(b"".join(struct.pack("<e", float(x)) for x in values), dtype="<f2")
    check(f"f16 conversion = struct's IEEE half on {values.size} values",
          np.array_equal(got16.view(np.uint16), want16.view(np.uint16)))


def manifest_for(model_dir, path, dtypes=None):
    """A manifest whose tensor list is the checkpoint's (file order), optionally re-typed."""
    st = llama_ref.SafetensorsFile(os.path.join(model_dir, "model.safetensors"))
    order = sorted(st.tensors.items(), key=lambda kv: kv[1][2])
    tensors = []
    for name, (dtype, shape, _) in order:
        dtype = (dtypes or {}).get(name, dtype)
        tensors.append({"name": name, "dtype": dtype, "shape": list(shape), "file": 0, "offset": 0,
                        "bytes": int(np.prod(shape)) * synthetic.DTYPES.get(dtype, (None, 1))[1]})
    with open(path, "w") as f:
        json.dump({"target": "cuda", "tensors": tensors,
                   "generation": {"vocab": 256, "context": 128, "bos_token_id": 1}}, f)
    return tensors


def run_cli(*args):
    return subprocess.run([sys.executable, os.path.join(HERE, "synthetic.py")] + list(args),
                          text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def check_checkpoint(work):
    model = os.path.join(work, "tiny")
    subprocess.run([sys.executable, os.path.join(ROOT, "models", "generate.py"), "-o", model,
                    "--preset", "tiny", "--dtype", "bf16", "--seed", "3"], check=True,
                   stdout=subprocess.DEVNULL)
    manifest = os.path.join(work, "manifest.json")
    # Mixed storage, as a --precision artifact would have: f32 norms, one f16 projection.
    retype = {"model.norm.weight": "F32", "model.layers.0.input_layernorm.weight": "F32",
              "model.layers.1.mlp.down_proj.weight": "F16"}
    tensors = manifest_for(model, manifest, retype)
    out = os.path.join(work, "synthetic")
    proc = run_cli("--manifest", manifest, "--config", model, "--seed", "5", "-o", out)
    check("synthetic.py writes a checkpoint", proc.returncode == 0, proc.stderr.strip())
    if proc.returncode != 0:
        return
    st = llama_ref.SafetensorsFile(os.path.join(out, "model.safetensors"))
    order = [name for name, _ in sorted(st.tensors.items(), key=lambda kv: kv[1][2])]
    check("every manifest tensor, in manifest order", order == [t["name"] for t in tensors])
    with open(os.path.join(out, "model.safetensors"), "rb") as f:
        header_len = struct.unpack("<Q", f.read(8))[0]
    check("data starts 8-byte aligned", (8 + header_len) % 8 == 0)
    exact, typed = True, True
    for index, t in enumerate(tensors):
        dtype, shape, _ = st.tensors[t["name"]]
        typed &= dtype == t["dtype"] and list(shape) == t["shape"]
        raw = st.raw(t["name"]).reshape(-1)
        count = raw.size
        sample = sorted(set([0, 1, count // 2, count - 1] + list(range(0, count, max(1, count // 40)))))
        slow = [slow_value(5, index, t["shape"], i) for i in sample]
        if dtype == "F32":
            want = np.array(slow, dtype=np.float32).view(np.uint32)
            exact &= np.array_equal(raw[sample].view(np.uint32), want)
        elif dtype == "BF16":
            exact &= np.array_equal(raw[sample], np.array([slow_bf16(v) for v in slow], np.uint16))
        else:
            want = np.frombuffer(b"".join(struct.pack("<e", v) for v in slow), "<f2")
            exact &= np.array_equal(raw[sample].view(np.uint16), want.view(np.uint16))
    check("stored dtypes and shapes are the manifest's", typed)
    check("stored elements = slow formula + slow rounding (F32, BF16, F16 tensors)", exact)
    same_config = all(open(os.path.join(model, fn), "rb").read() == open(os.path.join(out, fn), "rb").read()
                      for fn in ("config.json", "generation_config.json"))
    check("config.json and generation_config.json copied", same_config)
    leftovers = [n for n in os.listdir(work) if ".tmp-" in n]
    check("no staging directory left", not leftovers, str(leftovers))
    try:
        ref = llama_ref.Llama(out)
        ids, rows = llama_ref.generate(ref, [1, 17, 42, 99], 4, ignore_eos=True)
        check("the numpy reference runs the checkpoint (finite logits)",
              len(ids) == 4 and np.isfinite(rows).all())
    except llama_ref.RefError as e:
        check("the numpy reference runs the checkpoint", False, str(e))
        return
    check_compare(ref)

    proc = run_cli("--manifest", manifest, "--config", model, "--seed", "5", "-o", out)
    check("an existing output is refused without --force",
          proc.returncode != 0 and "exists" in proc.stderr and os.path.isdir(out), proc.stderr)
    for label, changes in (("an I8 tensor", {"model.layers.0.self_attn.q_proj.weight": "I8"}),):
        bad = os.path.join(work, "bad-manifest.json")
        manifest_for(model, bad, changes)
        target = os.path.join(work, "refused")
        proc = run_cli("--manifest", bad, "--config", model, "--seed", "5", "-o", target)
        lines = proc.stderr.strip().splitlines()
        check(f"{label} is refused in one line, nothing written",
              proc.returncode != 0 and len(lines) == 1 and "I8" in lines[0]
              and not os.path.exists(target), proc.stderr)
    try:
        synthetic.synthetic_tensor(1, 0, [2, 3, 4], "F32")
        check("a rank-3 tensor is refused", False, "no error")
    except synthetic.SyntheticError as e:
        check("a rank-3 tensor is refused", "rank" in str(e), str(e))


def check_compare(model):
    """hf_parity.compare on the numpy reference's logits: a faithful run, perturbed runs."""
    prompt, steps = [1, 5, 9, 200, 33, 7], 12
    ids, dump = llama_ref.generate(model, prompt, steps, ignore_eos=True)
    every = llama_ref.Session(model).prefill(prompt, all_logits=True).astype(np.float32)
    dump = dump.copy()
    dump[0] = every[-1]  # the artifact hands out the same logits for both
    ref = llama_ref.Session(model).prefill(prompt + ids[:-1], all_logits=True)
    figures = hf_parity.compare(len(prompt), ids, dump, every, ref, 1e-2, 1e-3)
    check("compare: the reference against itself passes",
          not figures["problems"] and figures["decode"] < 1e-5 and figures["prefill"] < 1e-5,
          str(figures["problems"]))
    check("compare: agreement counts every step before a near-tie",
          figures["agree"] == (figures["first_tie"] if figures["first_tie"] is not None else steps),
          str(figures))
    noisy = dump.copy()
    noisy[5] += 0.05 * np.linalg.norm(noisy[5]) / math.sqrt(noisy.shape[1])
    figures = hf_parity.compare(len(prompt), ids, noisy, every, ref, 1e-2, 1e-3)
    check("compare: a decode row 5% off fails at that step",
          any("decode rel-L2" in p and "step 5" in p for p in figures["problems"]), str(figures["problems"]))
    off = every.copy()
    off[2] *= 1.03
    figures = hf_parity.compare(len(prompt), ids, dump, off, ref, 1e-2, 1e-3)
    check("compare: a prefill row 3% off fails at that position",
          any("prefill rel-L2" in p and "position 2" in p for p in figures["problems"]), str(figures["problems"]))
    # A wrong token, consistent with its own dumped row (the artifact's logits lean elsewhere).
    wrong = list(ids)
    row = dump[3].copy()
    second = int(np.argsort(row)[-2])
    row[second] = row.max() + 1e-3
    wrong[3] = second
    dump2 = dump.copy()
    dump2[3] = row
    figures = hf_parity.compare(len(prompt), wrong, dump2, every, ref, 1.0, 1e-3)
    check("compare: a different token where the reference has no near-tie fails",
          any("step 3" in p and "no near-tie" in p for p in figures["problems"]), str(figures["problems"]))
    # The same wrong token where the reference's top two are (made) tied: allowed, reported.
    tied = ref.copy()
    r = tied[len(prompt) - 1 + 3]
    top = int(np.argmax(r))
    r[second] = r[top]
    figures = hf_parity.compare(len(prompt), wrong, dump2, every, tied, 1.0, 1e-3)
    check("compare: a disagreement at a near-tie passes and names the step",
          not figures["problems"] and figures["first_tie"] == 3 and figures["agree"] == 3,
          str(figures))
    inconsistent = list(ids)
    inconsistent[2] = second
    figures = hf_parity.compare(len(prompt), inconsistent, dump, every, ref, 1.0, 1e-3)
    check("compare: a token that is not its own row's argmax is caught",
          any("dumped logits' argmax" in p for p in figures["problems"]), str(figures["problems"]))


def check_bench_bytes():
    """bench-cuda.py's decode bytes: lm_head is read whole per token, an untied embedding is not."""
    spec = importlib.util.spec_from_file_location("bench_cuda", os.path.join(ROOT, "scripts", "bench-cuda.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    layer = ("model.layers.0.mlp.down_proj.weight", [8, 32], 512)
    norm = ("model.norm.weight", [8], 16)
    embed = ("model.embed_tokens.weight", [100, 8], 1600)
    head = ("lm_head.weight", [100, 8], 1600)
    tied = dict(tensors=[embed, layer, norm])
    untied = dict(tensors=[embed, layer, norm, head])
    check("decode bytes: a tied embedding counts once, as lm_head",
          bench.weight_bytes(tied) == 1600 + 512 + 16, str(bench.weight_bytes(tied)))
    check("decode bytes: an untied embedding does not count, lm_head does",
          bench.weight_bytes(untied) == 512 + 16 + 1600, str(bench.weight_bytes(untied)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", help="scratch folder (default: a temporary one, removed)")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="cuda-selftest-")
    if args.work:
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
    try:
        check_splitmix()
        check_values()
        check_rounding()
        check_bench_bytes()
        check_checkpoint(work)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    failed = RESULTS.count(False)
    print(f"{len(RESULTS) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
