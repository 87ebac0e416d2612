#!/usr/bin/python3
"""Self-checks of the numpy Llama reference (llama_ref.py) and compare.py.

  selftest.py [--work DIR] [--shared DIR]

Generates small checkpoints with models/generate.py into DIR (a temporary folder by default)
and, with --shared (the folder holding aidreams260K and tiny-gqa-260K), also checks the real
tiny checkpoints against their pinned greedy outputs. Prints one line per check and a closing
"N passed, N failed"; exit status 1 if any check failed. docs/reference.md lists the checks.
"""

import argparse
import contextlib
import io
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import llama_ref as R  # noqa: E402

F32 = np.float32
ULP = 2.0 ** -23          # float32 spacing at 1.0 (relative spacing lies in [2^-24, 2^-23])

# Greedy ids from BOS (prompt [1]), float32. Hugging Face transformers 5.17 (float32, eager and
# sdpa attention, CPU and CUDA, and float64) produced the same ids over the whole context.
PINNED = {
    "aidreams260K": [319, 459, 355, 260, 275, 429, 339, 315, 374, 327, 446, 262, 421, 392, 275, 280, 269,
                     440, 270, 283, 446, 299, 303, 266, 358, 430, 312, 379, 441, 260, 446, 262, 421, 392,
                     275, 280, 269, 440, 270, 283],
    "tiny-gqa-260K": [461, 461, 401, 401, 401, 461, 378, 455, 473, 456, 435, 299, 362, 409, 283, 264, 283,
                      452, 288, 13, 431, 431, 431, 431, 431, 431, 431, 431, 431, 431, 431, 431, 431, 293,
                      430, 417, 363, 416, 315, 342],
}

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (": " + detail) if detail else ""), flush=True)
    return ok


def rel_l2(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def run(args, **kw):
    return subprocess.run([sys.executable] + args, capture_output=True, text=True, **kw)


def generate(work, name, *args):
    out = os.path.join(work, name)
    p = run([os.path.join(ROOT, "models", "generate.py"), "-o", out, "--force"] + list(args))
    if p.returncode != 0:
        raise SystemExit("generate.py %s failed:\n%s" % (" ".join(args), p.stderr))
    return out


def write_config(work, name, cfg):
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f)
    return R.Config(d)


# ----------------------------------------------------------------------------------------------
# formats

def check_formats(work):
    # bf16 -> f32 by shifting the bits: exact patterns.
    bits = np.array([0x3F80, 0xC000, 0x7F80, 0xFF80, 0x0001, 0x8000, 0x4049, 0x7F7F], np.uint16)
    want = np.array([1.0, -2.0, np.inf, -np.inf, 2.0 ** -133, -0.0, 3.140625, 3.3895313892515355e38], np.float64)
    got = R.to_float32(bits, "BF16").astype(np.float64)
    check("bf16 bit patterns", np.array_equal(got, want) and np.signbit(got[5]), str(got.tolist()))

    # A hand-written safetensors file: three dtypes, metadata, a non-zero offset order.
    a32 = np.arange(6, dtype="<f4").reshape(2, 3) - 2.5
    a16 = np.array([0.5, -1.25, 65504.0], "<f2")
    abf = np.array([0x3F80, 0x4040, 0xBF00], "<u2")          # 1, 3, -0.5
    blobs = [("b16", "BF16", [3], abf), ("w", "F32", [2, 3], a32), ("h", "F16", [3], a16)]
    header, data = {"__metadata__": {"format": "pt"}}, b""
    for name, dt, shape, arr in blobs:
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [len(data), len(data) + arr.nbytes]}
        data += arr.tobytes()
    hj = json.dumps(header).encode()
    hj += b" " * (-len(hj) % 8)
    d = os.path.join(work, "st")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.safetensors")
    with open(path, "wb") as f:
        f.write(len(hj).to_bytes(8, "little") + hj + data)
    w = R.Weights(d)
    ok = (np.array_equal(w.get("w", (2, 3)), a32) and np.array_equal(w.get("h"), a16.astype(F32))
          and np.array_equal(w.get("b16"), np.array([1, 3, -0.5], F32)) and w.get("w").dtype == F32)
    check("safetensors reader (F32, F16, BF16, metadata)", ok)

    def bad(mutate, what):
        h = dict(header)
        mutate(h)
        hb = json.dumps(h).encode()
        with open(path, "wb") as f:
            f.write(len(hb).to_bytes(8, "little") + hb + data)
        try:
            R.Weights(d)
        except R.RefError as e:
            return check("safetensors rejects " + what, True, str(e).split(": ", 1)[1])
        return check("safetensors rejects " + what, False, "no error")
    bad(lambda h: h.update(w=dict(h["w"], dtype="I8")), "an unsupported dtype")
    bad(lambda h: h.update(w=dict(h["w"], data_offsets=[0, 20])), "a size that does not match the shape")
    bad(lambda h: h.update(w=dict(h["w"], data_offsets=[len(data), len(data) + 24])), "offsets past the end")


def check_dtypes_and_shards(work, tiny):
    bf = generate(work, "tiny-bf16", "--preset", "tiny", "--dtype", "bf16")
    f16 = generate(work, "tiny-f16", "--preset", "tiny", "--dtype", "f16")
    sh = generate(work, "tiny-bf16-sh3", "--preset", "tiny", "--dtype", "bf16", "--shards", "3")
    a, b, h = R.Weights(tiny), R.Weights(bf), R.Weights(f16)
    ok = True
    for n in a.where:
        x = a.get(n)
        u = x.view(np.uint32).astype(np.uint64)
        rne = (((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16).astype(np.uint32).view(np.float32)
        ok &= np.array_equal(rne, b.get(n)) and b.dtype(n) == "BF16"
        ok &= np.array_equal(x.astype(np.float16).astype(F32), h.get(n)) and h.dtype(n) == "F16"
    check("bf16/f16 checkpoints read as the rounded f32 weights (%d tensors)" % len(a.where), ok)
    ids1, l1 = R.generate(R.Llama(bf), [1, 5, 9], 20)
    ids2, l2 = R.generate(R.Llama(sh), [1, 5, 9], 20)
    check("3 shards give the logits of one file (bitwise)", np.array_equal(l1, l2) and ids1 == ids2)


# ----------------------------------------------------------------------------------------------
# RoPE

def inv_freq_f64(theta, d, rope):
    """The RoPE frequencies in float64 from the formula, written as a loop the way Meta's
    reference (apply_scaling) does, independent of rope_inv_freq."""
    out = []
    for i in range(0, d, 2):
        f = 1.0 / theta ** (i / d)
        if rope.get("type") == "linear":
            f = f / rope["factor"]
        elif rope.get("type") == "llama3":
            L, lo, hi, k = (rope["original_max_position_embeddings"], rope["low_freq_factor"],
                            rope["high_freq_factor"], rope["factor"])
            wl = 2 * math.pi / f
            if wl < L / hi:
                pass
            elif wl > L / lo:
                f = f / k
            else:
                s = (L / wl - lo) / (hi - lo)
                f = (1 - s) * f / k + s * f
        out.append(f)
    return np.array(out)


def check_rope(work):
    cases = [
        ("TinyLlama / Llama 2 (theta 1e4, d 64)", 10000.0, 64, {}, 2048),
        ("aidreams260K (theta 1e4, d 16)", 10000.0, 16, {}, 128),
        ("Llama 3.1 8B (theta 5e5, d 128, llama3 x8)", 500000.0, 128,
         {"type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
          "original_max_position_embeddings": 8192}, 131072),
        ("Llama 3.2 1B (theta 5e5, d 64, llama3 x32)", 500000.0, 64,
         {"type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
          "original_max_position_embeddings": 8192}, 131072),
        ("linear x4 (theta 1e4, d 128)", 10000.0, 128, {"type": "linear", "factor": 4.0}, 16384),
        ("head_dim 80 (theta 1e4)", 10000.0, 80, {}, 4096),
    ]
    for label, theta, d, rope, max_pos in cases:
        cfg = {"hidden_size": d * 4, "num_attention_heads": 4, "head_dim": d, "rope_theta": theta,
               "max_position_embeddings": max_pos}
        if rope:
            cfg["rope_scaling"] = dict(rope, rope_type=rope["type"])
            del cfg["rope_scaling"]["type"]
        c = write_config(work, "rope-" + str(len(results)), cfg)
        f32 = R.rope_inv_freq(c).astype(np.float64)
        f64 = inv_freq_f64(theta, d, rope)
        rel = np.abs(f32 - f64) / f64
        # Float32 steps: the exponent i/d (exact when d is a power of two), the power, 1/x, and
        # for llama3 a few more; each rounding is at most half a float32 ulp, and an exponent
        # error is magnified by ln(theta) in the power.
        bound = 2 * ULP if d & (d - 1) == 0 else 2 * ULP * (1 + math.log(theta))
        if rope.get("type") == "llama3":
            bound *= 4
        if rope.get("type") == "llama3":
            # The band of each frequency, decided on the unscaled float32 frequencies as
            # transformers does, must be the band float64 puts it in.
            plain = dict(cfg)
            del plain["rope_scaling"]
            wl32 = F32(2 * math.pi) / R.rope_inv_freq(write_config(work, "rope-plain-%d" % len(results), plain))
            wl64 = 2 * math.pi / np.array([1.0 / theta ** (i / d) for i in range(0, d, 2)])
            L = rope["original_max_position_embeddings"]
            cls32 = np.where(wl32 < L / 4, 0, np.where(wl32 > L, 2, 1))
            cls64 = np.where(wl64 < L / 4, 0, np.where(wl64 > L, 2, 1))
            regions = ", unchanged/smoothed/divided %d/%d/%d" % tuple(np.bincount(cls64, minlength=3))
            check("llama3 bands of " + label + " agree with float64", np.array_equal(cls32, cls64), regions[2:])
        check("inv_freq of %s within %.1f float32 ulps of float64" % (label, bound / ULP), rel.max() <= bound,
              "max rel err %.3g (%.2f ulp)" % (rel.max(), rel.max() / ULP))

        # Angles and cos/sin at every position up to max_pos: the angle is float(pos) * inv_freq
        # rounded once; cos/sin are the float32 nearest the true values of that angle.
        inv = R.rope_inv_freq(c)
        pos = np.unique(np.concatenate([np.arange(min(max_pos, 4096)),
                                        np.linspace(0, max_pos - 1, 4096).astype(np.int64)]))
        cos, sin = R.rope_cos_sin(inv, pos)
        ang64 = pos.astype(np.float64)[:, None] * inv.astype(np.float64)[None, :]   # exact
        ang32 = (pos.astype(F32)[:, None] * inv[None, :]).astype(np.float64)
        half_ulp = np.spacing(np.abs(ang64).astype(F32)).astype(np.float64) / 2
        ok_ang = np.all(np.abs(ang32 - ang64) <= half_ulp)
        c64 = np.cos(np.concatenate([ang32, ang32], 1))
        s64 = np.sin(np.concatenate([ang32, ang32], 1))
        ok_cs = (np.all(np.abs(cos - c64) <= np.spacing(np.abs(c64).astype(F32)) / 2 + 1e-300)
                 and np.all(np.abs(sin - s64) <= np.spacing(np.abs(s64).astype(F32)) / 2 + 1e-300))
        drift = float(np.abs(ang32 - pos[:, None] * f64[None, :]).max())
        check("angles and cos/sin of %s at positions up to %d correctly rounded" % (label, max_pos - 1),
              ok_ang and ok_cs, "largest angle drift from the float64 formula %.3g rad" % drift)

    # rotate-half on HF's row order == complex rotation of Meta's interleaved pairs.
    rng = np.random.default_rng(1)
    d, T, H = 16, 9, 3
    x = rng.standard_normal((H, T, d)).astype(F32)
    inv = R.rope_inv_freq(write_config(work, "rope-rh", {"hidden_size": 48, "num_attention_heads": 3,
                                                         "head_dim": d, "rope_theta": 10000.0}))
    pos = np.arange(100, 100 + T)
    cos, sin = R.rope_cos_sin(inv, pos)
    hf = R.apply_rope(x, cos, sin).astype(np.float64)
    meta = np.empty_like(x)                  # HF row j <-> Meta row 2j, HF row j + d/2 <-> Meta 2j+1
    meta[..., 0::2], meta[..., 1::2] = x[..., :d // 2], x[..., d // 2:]
    z = (meta[..., 0::2] + 1j * meta[..., 1::2]) * np.exp(1j * pos[:, None] * inv.astype(np.float64)[None, :])
    back = np.concatenate([z.real, z.imag], axis=-1)
    check("rotate-half == interleaved complex rotation (Meta layout)", np.abs(hf - back).max() < 1e-5,
          "max diff %.3g" % np.abs(hf - back).max())


# ----------------------------------------------------------------------------------------------
# models

class InterleavedLlama(R.Llama):
    """The same model with q/k projection rows put back into Meta's interleaved order and RoPE
    applied to adjacent pairs as complex numbers (llama2.c / Meta style)."""

    def __init__(self, d):
        super().__init__(d)
        c = self.cfg
        for i in range(c.layers):
            for proj, heads in (("q_proj", c.heads), ("k_proj", c.kv_heads)):
                n = "model.layers.%d.self_attn.%s.weight" % (i, proj)
                w = self.mat[n]
                # HF row order within a head: [pairs' first elements..., pairs' second elements...]
                self.mat[n] = w.reshape(heads, 2, c.head_dim // 2, -1).transpose(0, 2, 1, 3).reshape(w.shape)

    def rope(self, x, cos, sin, layer, which):
        h = x.shape[-1] // 2
        c, s = cos[:, :h], sin[:, :h]
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = a * c - b * s
        out[..., 1::2] = a * s + b * c
        return out


def float64_shadow(d, prompt, ids):
    """Teacher-forced logits of the whole model evaluated in float64 (llama_ref with its float32
    type switched to float64)."""
    saved = R.F32
    R.F32 = np.float64
    try:
        m = R.Llama(d)
        m.vec = {k: v.astype(np.float64) for k, v in m.vec.items()}
        return R.generate(m, prompt, len(ids), teacher=ids)[1]
    finally:
        R.F32 = saved


def check_model(label, d, prompt, n, pinned=None, n_recompute=64):
    m = R.Llama(d)
    ids, rows = R.generate(m, prompt, n, ignore_eos=True)
    if pinned is not None:
        check("%s: greedy ids from BOS match the pinned ones (%d)" % (label, len(pinned)),
              ids[:len(pinned)] == pinned, " ".join(map(str, ids[:20])) + " ...")
    k = min(n, n_recompute)
    ids_r, rows_r = R.generate(m, prompt, k, ignore_eos=True, recompute=True)
    diff = float(np.abs(rows[:k] - rows_r).max())
    check("%s: KV cache vs full recompute over %d steps" % (label, k),
          ids[:k] == ids_r and diff <= 1e-5, "max abs diff %.3g%s" % (diff, " (bitwise)" if diff == 0 else ""))
    allp = R.Session(m).prefill(prompt + ids[:-1], all_logits=True)[len(prompt) - 1:]
    diff = float(np.abs(allp - rows).max())
    check("%s: one prefill of the %d-step trajectory vs step-by-step decode" % (label, len(ids)), diff <= 1e-5,
          "max abs diff %.3g" % diff)
    il = InterleavedLlama(d)
    _, rows_i = R.generate(il, prompt, len(ids), teacher=ids)
    r = rel_l2(rows_i, rows)
    check("%s: Meta-layout interleaved RoPE model agrees" % label,
          r <= 1e-5 and np.array_equal(rows_i.argmax(1), rows.argmax(1)), "rel L2 %.3g" % r)
    rows64 = float64_shadow(d, prompt, ids)
    r = rel_l2(rows, rows64)
    s = np.sort(rows64, axis=1)
    gap = float((s[:, -1] - s[:, -2]).min())
    check("%s: float32 vs float64 evaluation" % label,
          r <= 1e-5 and np.array_equal(rows64.argmax(1), np.array(ids)),
          "rel L2 %.3g, max abs %.3g, smallest top-1/top-2 gap %.4f" % (r, np.abs(rows - rows64).max(), gap))
    return ids


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def call(module, argv):
    """Run a tool's main(argv) in this process, capturing what it prints."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = module.main(argv)
    return Result(rc, out.getvalue(), err.getvalue())


def check_cli(work, tiny):
    import compare as C
    # One real process for each tool; the other cases call main() in this process.
    p = run([os.path.join(HERE, "llama_ref.py"), tiny, "--prompt-ids", "1,5,9", "-n", "12"])
    greedy = p.stdout.split()
    check("cli: greedy prints one line of ids", p.returncode == 0 and len(greedy) == 12
          and p.stdout.count("\n") == 1, p.stdout.strip())
    ref = lambda *a: call(R, list(a))          # noqa: E731
    cmp_ = lambda *a: call(C, list(a))         # noqa: E731
    # eos: config.json's list and generation_config.json's id both stop generation.
    e1 = generate(work, "eos1", "--preset", "tiny", "--eos", "7,%s" % greedy[1], "--gen-eos", "7")
    e2 = generate(work, "eos2", "--preset", "tiny", "--eos", "7", "--gen-eos", greedy[2])
    o1 = ref(e1, "--prompt-ids", "1,5,9", "-n", "12").stdout.split()
    o2 = ref(e2, "--prompt-ids", "1,5,9", "-n", "12").stdout.split()
    o3 = ref(e2, "--prompt-ids", "1,5,9", "-n", "12", "--ignore-eos").stdout.split()
    check("cli: stops at config.json's eos list and at generation_config.json's eos (printed)",
          o1 == greedy[:2] and o2 == greedy[:3] and o3 == greedy, "%s | %s" % (" ".join(o1), " ".join(o2)))
    # max_position_embeddings (128 for the tiny preset) bounds prompt + generated.
    prompt = ",".join(["1"] + ["5"] * 124)
    o = ref(tiny, "--prompt-ids", prompt, "-n", "50", "--ignore-eos").stdout.split()
    check("cli: stops at max_position_embeddings", len(o) == 3, "%d generated after 125 prompt tokens" % len(o))
    # logits dumps and teacher forcing.
    L = os.path.join(work, "greedy.npy")
    T = os.path.join(work, "teacher.npy")
    A = os.path.join(work, "all.npy")
    ref(tiny, "--prompt-ids", "1,5,9", "-n", "12", "--dump-logits", L)
    teacher = ",".join(greedy[:6] + ["3", "4"] + greedy[8:])
    pt = ref(tiny, "--prompt-ids", "1,5,9", "--teacher-ids", teacher, "--dump-logits", T)
    ref(tiny, "--prompt-ids", "1,5,9," + ",".join(greedy[:11]), "--all-logits", A)
    lg, lt, la = np.load(L), np.load(T), np.load(A)
    check("cli: --dump-logits is float32 [steps, vocab], argmax = printed ids",
          lg.dtype == F32 and lg.shape == (12, 256) and [str(i) for i in lg.argmax(1)] == greedy)
    check("cli: --teacher-ids follows the teacher; rows before the forced change equal greedy's",
          lt.shape == (12, 256) and np.array_equal(lt[:7], lg[:7]) and not np.array_equal(lt[7:], lg[7:])
          and pt.stdout.split()[:6] == greedy[:6])
    check("cli: --all-logits gives every prompt position, matching the decode rows",
          la.shape == (14, 256) and np.abs(la[2:] - lg).max() <= 1e-5,
          "max abs diff %.3g" % np.abs(la[2:] - lg).max())
    for args, what in (([tiny, "--prompt-ids", "1,999", "-n", "2"], "an out-of-range id"),
                       ([os.path.join(work, "nope"), "--prompt-ids", "1", "-n", "2"], "a missing model")):
        p = ref(*args)
        check("cli: exit 1 with one error line for " + what,
              p.returncode == 1 and p.stderr.startswith("llama_ref: error:") and p.stderr.count("\n") == 1,
              p.stderr.strip())
    # compare.py
    ok = run([os.path.join(HERE, "compare.py"), L, L, "--max-abs", "0", "--rel-l2", "0", "--same-ids",
              "-q"]).returncode == 0
    p = cmp_(T, L, "--same-ids", "-q")
    first = [ln for ln in p.stdout.splitlines() if ln.startswith("first differing token index: ")]
    ok &= p.returncode == 1 and len(first) == 1 and int(first[0].split(": ")[1].split()[0]) >= 7
    ok &= cmp_(T, L, "--max-abs", "1e9", "-q").returncode == 0
    ok &= cmp_(T, L, "--rel-l2", "1e-3", "-q").returncode == 1
    ok &= cmp_("1,2,3", "1 2 3", "--same-ids").returncode == 0
    p = cmp_("1,2,3", "1,2,4,5", "--same-ids")
    ok &= p.returncode == 1 and "first differing index: 2" in p.stdout
    ok &= cmp_("1,2", "1,2,4", "--prefix", "--same-ids").returncode == 0
    ok &= cmp_(L, " ".join(greedy), "--same-ids").returncode == 0
    ok &= cmp_(L, os.path.join(work, "missing.npy")).returncode == 2
    check("compare.py: thresholds, first differing index, exit codes", ok)


def f32(v):
    """A Python float rounded to float32. One double operation followed by this rounding equals
    the float32 operation for + - * / (53 >= 2*24 + 2 bits: double rounding is innocuous)."""
    return struct.unpack("<f", struct.pack("<f", v))[0]


def check_w8a8():
    """w8a8_matmul against a one-value-at-a-time evaluation in Python floats and integers: the
    quantization (Python's round is half to even), exact integer sums and the two float32
    epilogue products, plus hand-made ties and an all-zero row."""
    rng = np.random.default_rng(11)
    m, n, k = 5, 7, 300
    x = (rng.standard_normal((m, k)) * 3).astype(np.float32)
    x[1] = 0
    x[2, :8] = [127, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 126.5]
    x[2, 8:] = 0
    w = rng.integers(-128, 128, (n, k)).astype(np.int8)
    ws = (rng.random(n) * 0.01 + 1e-4).astype(np.float32)
    got = R.w8a8_matmul(x, w.astype(np.float64), ws)
    ok, worst = True, ""
    for i in range(m):
        row = [float(v) for v in x[i]]
        absmax = max(abs(v) for v in row)
        s = f32(absmax / 127.0)
        q = [0] * k if absmax == 0 else \
            [max(-128, min(127, round(f32(v * f32(127.0 / absmax))))) for v in row]
        if i == 2 and q[:8] != [127, 0, 2, 2, 0, -2, -2, 126]:
            ok, worst = False, "ties: %s" % q[:8]
        for j in range(n):
            acc = sum(a * int(b) for a, b in zip(q, w[j]))
            want = f32(s * f32(float(ws[j]) * f32(float(acc))))
            if float(got[i, j]) != want:
                ok, worst = False, "y[%d, %d] = %r, expected %r" % (i, j, float(got[i, j]), want)
    check("w8a8_matmul equals the value-by-value evaluation (quantization, ties, int sums, epilogue)",
          ok, worst)


def generated_checks(work):
    check_w8a8()
    check_formats(work)
    check_rope(work)
    tiny = generate(work, "tiny", "--preset", "tiny")
    check_dtypes_and_shards(work, tiny)
    check_model("tiny (GQA 4/2, untied)", tiny, [1, 5, 9], 60)
    check_model("tiny-mha (tied)", generate(work, "tiny-mha", "--preset", "tiny-mha"), [1, 5, 9], 60)
    check_model("llama-3.2-1b tiny, vocab 512 (llama3 RoPE x32, tied, GQA 8/2)",
                generate(work, "l32", "--preset", "llama-3.2-1b", "--scale", "tiny", "--vocab", "512"),
                [1, 5, 9], 40)
    check_model("tiny with linear RoPE x4", generate(work, "linear", "--preset", "tiny", "--rope-scaling",
                                                    "linear:4"), [1, 5, 9], 40)
    check_cli(work, tiny)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", help="folder for generated models (kept); default: a temporary one")
    ap.add_argument("--shared", help="folder with aidreams260K and tiny-gqa-260K")
    ap.add_argument("--only-shared", action="store_true", help="with --shared: only the real checkpoints")
    a = ap.parse_args()
    if a.only_shared and not a.shared:
        ap.error("--only-shared needs --shared")
    work = a.work or tempfile.mkdtemp(prefix="llama-ref-")
    os.makedirs(work, exist_ok=True)
    try:
        if not a.only_shared:
            generated_checks(work)
        if a.shared:
            for name in ("aidreams260K", "tiny-gqa-260K"):
                d = os.path.join(a.shared, name)
                n = R.Config(d).max_pos - 1
                check_model(name, d, [1], n, pinned=PINNED[name])
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
