#!/usr/bin/env python3
"""CPU benchmark: decode and prefill speed of a compiled Llama-3.2-1B-shaped model, each next to
its ceiling, measured in one run.

  scripts/bench-cpu.py [--build build] [--work DIR] [--dtypes bf16,f32,w8a8,int8,int4-g128]
                       [--threads 1,2]
                       [--fusion on,off] [--repeat N]

Generates the full-size model with random weights (models/generate.py, cached under --work;
w8a8: a bf16 checkpoint with compressed-tensors int8 linears, lm_head/embedding dense; int8 and
int4-gN: the bf16 checkpoint compiled with --quantize, weights quantized into weights.bin),
compiles it with --weights link (timed; w8a8 with --weights pack, which aligns every int8
row to 64 bytes: read in place from 8-byte-aligned checkpoint tensors, each 64-byte load of the
VNNI kernel straddles two cache lines), then runs the artifact: a 64-token prompt (prefill) and
64 greedy tokens (decode), with --stats and under /usr/bin/time for peak RSS, measuring the
machine's read bandwidth (inferno-membw, same thread count) just before and just after every
run. Prints one markdown table.
`--fusion on,off` also compiles each model with --no-fuse, to compare the fused kernels side by
side. `--repeat N` runs every configuration N times, round-robin (so a burst of load elsewhere on
the machine hits all of them alike), and reports the median of each figure.

Ceilings: batch-1 decode reads every weight once per token, so decode tok/s <= read bandwidth /
bytes of weights (the tied embedding counted once, as lm_head). The bandwidth is the sustained
read rate (inferno-membw: all its passes of the faster access pattern, bytes over time), since a
decode run lasts seconds; the best single pass (about 0.1 s) is shown as a second fraction. A
shared VM's bandwidth drifts by a third within minutes, so each run is set against the mean of
the two measurements around it, and the fractions are medians of per-run fractions.
Prefill's work is 2 * (layer matmul parameters * tokens + lm_head parameters) FLOPs: lm_head
runs for the last prompt token only, and attention is negligible at 64 tokens. Its ceiling is
the arithmetic peak that kernel-bench measures on the same threads: float32 FMA, or vdpbf16ps
for the avx512-bf16 rows (bf16 runs once more with INFERNO_KERNEL_ISA=avx512-bf16 where the CPU
has AVX512_BF16), or TDPBF16PS for the amx-bf16 rows (the default where the CPU has AMX-BF16;
bf16 then runs once more with INFERNO_KERNEL_ISA=exact, float32 activations).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, **kw)


def weight_bytes(artifact):
    """Bytes decode reads per token: every tensor the artifact's manifest lists, in the dtype
    the artifact reads it (a tied embedding is one tensor, lm_head), but an embedding that
    lm_head does not share, of which a token reads one row."""
    with open(os.path.join(artifact, "manifest.json")) as f:
        tensors = json.load(f)["tensors"]
    untied = any(t["name"] == "lm_head.weight" for t in tensors)
    return sum(t["bytes"] for t in tensors
               if not (untied and t["name"] == "model.embed_tokens.weight"))


def matmul_params(cfg):
    """(parameters of the layers' matmuls, parameters of lm_head)."""
    h, f, layers = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    heads, kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = cfg.get("head_dim") or h // heads
    per_layer = h * heads * d * 2 + h * kv * d * 2 + 3 * h * f
    return layers * per_layer, cfg["vocab_size"] * h


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--dtypes", default="bf16,f32")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--preset", default="llama-3.2-1b")
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--fusion", default="on", help="on, off or on,off (compile with --no-fuse too)")
    ap.add_argument("--repeat", type=int, default=1, help="round-robin runs of each configuration")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    inferno = os.path.join(args.build, "bin", "inferno")
    threads = [int(t) for t in args.threads.split(",")]

    # Arithmetic ceilings (kernel-bench: float32 FMA and, where the CPU has AVX512_BF16,
    # vdpbf16ps loops, and where it has AMX-BF16, TDPBF16PS loops on every thread), for the
    # prefill column.
    peaks = {}
    with open("/proc/cpuinfo") as f:
        flags = f.read()
    has_bf16_dot = " avx512_bf16" in flags
    has_amx = has_bf16_dot and " amx_bf16" in flags
    for t in threads:
        env = dict(os.environ, INFERNO_KERNEL_ISA="amx-bf16" if has_amx
                   else "avx512-bf16" if has_bf16_dot else "")
        out = run([os.path.join(args.build, "bin", "kernel-bench"), "--only", "peaks", "--threads",
                   str(t)], env=env).stdout
        for name, key in (("fma-peak", "fma"), ("dot-peak", "dot"), ("amx-peak", "amx")):
            m = re.search(name + r" .*?\| +([\d.]+) GFLOP/s", out)
            if m:
                peaks[(t, key)] = float(m.group(1))

    def read_bandwidth(t):
        """The sustained and the best-pass read bandwidth with t threads, bytes/s."""
        out = run([os.path.join(args.build, "bin", "inferno-membw"), str(t)]).stdout
        m = re.match(r"threads \d+ read ([\d.]+) GB/s best pass, ([\d.]+) GB/s sustained", out)
        return dict(bandwidth=float(m.group(2)) * 1e9, best_pass=float(m.group(1)) * 1e9)

    prompt = ",".join(str(1 + (i * 37) % 5000) for i in range(args.tokens))
    fusions = args.fusion.split(",")
    configs = []  # (dtype, fusion, threads, variant, artifact, compile_s, nbytes, prefill_flops)
    for dtype in args.dtypes.split(","):
        # int8 / int4-gN: weight-only quantization at compile time, from the bf16 checkpoint.
        weight_only = dtype.startswith("int")
        checkpoint = "bf16" if weight_only else dtype
        model = os.path.join(args.work, f"{args.preset}-{checkpoint}")
        if not os.path.isdir(model):
            quant = (["--dtype", "bf16", "--quantize", "w8a8"] if checkpoint == "w8a8"
                     else ["--dtype", checkpoint])
            run([PYTHON, os.path.join(ROOT, "models", "generate.py"), "-o", model,
                 "--preset", args.preset, "--seed", "1"] + quant)
        with open(os.path.join(model, "config.json")) as f:
            cfg = json.load(f)
        layer_params, head_params = matmul_params(cfg)
        # Prefill runs every layer on every prompt token, and lm_head on the last one only (the
        # logits of the others are not computed).
        prefill_flops = 2 * (layer_params * args.tokens + head_params)
        for fusion in fusions:
            artifact = os.path.join(args.work, f"{args.preset}-{dtype}-fuse-{fusion}.artifact")
            start = time.monotonic()
            run([inferno, "compile", model, "-o", artifact, "--force", "--context", "1024",
                 "--weights", "pack" if dtype == "w8a8" else "link"]
                + (["--quantize", dtype] if weight_only else [])
                + (["--no-fuse"] if fusion == "off" else []))
            compile_s = time.monotonic() - start
            nbytes = weight_bytes(artifact)
            # bf16 also with the other kernels: where the default is amx-bf16 (AMX rounds
            # prefill activations to bf16), the exact ones too; the opt-in vdpbf16ps ones.
            variants = [None] + (["exact"] if dtype == "bf16" and has_amx else []) \
                + (["avx512-bf16"] if dtype == "bf16" and has_bf16_dot else [])
            for variant in variants:
                for t in threads:
                    configs.append((dtype, fusion, t, variant, artifact, compile_s, nbytes,
                                    prefill_flops))

    samples = {i: [] for i in range(len(configs))}
    for _ in range(args.repeat):
        for i, (dtype, fusion, t, variant, artifact, *_rest) in enumerate(configs):
            env = dict(os.environ)
            env.pop("INFERNO_KERNEL_ISA", None)
            if variant:
                env["INFERNO_KERNEL_ISA"] = variant
            bandwidth_before = read_bandwidth(t)
            out = run(["/usr/bin/time", "-v", os.path.join(artifact, "model"), "--prompt-ids", prompt,
                       "-n", str(args.tokens), "--temperature", "0", "--ignore-eos", "--ids",
                       "--stats", "--threads", str(t)], env=env)
            stats = out.stderr
            bandwidth_after = read_bandwidth(t)
            # Decode as tokens / seconds: --stats rounds tok/s to one decimal (1 % at 10 tok/s).
            generated = re.search(r"generated: (\d+) tokens, ([\d.]+) s", stats)
            samples[i].append(dict(
                {key: (bandwidth_before[key] + bandwidth_after[key]) / 2 for key in bandwidth_after},
                prefill=float(re.search(r"prompt: \d+ tokens, [\d.]+ s, ([\d.]+) tok/s", stats).group(1)),
                prefill_s=float(re.search(r"prompt: \d+ tokens, ([\d.]+) s", stats).group(1)),
                decode=int(generated.group(1)) / float(generated.group(2)),
                rss=int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", stats).group(1)) * 1024,
                load_s=float(re.search(r"load: ([\d.]+) s", stats).group(1)),
                isa=re.search(r"kernels: ([^,\s]+)", stats).group(1)))

    def median(values):
        values = sorted(values)
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

    rows = []
    for i, (dtype, fusion, t, variant, artifact, compile_s, nbytes, prefill_flops) in enumerate(configs):
        runs = samples[i]
        figure = {key: median([r[key] for r in runs])
                  for key in ("prefill", "prefill_s", "decode", "rss", "load_s", "bandwidth")}
        isa = runs[0]["isa"]
        roofline = figure["bandwidth"] / nbytes
        of_roofline = median([r["decode"] * nbytes / r["bandwidth"] for r in runs])
        of_best_pass = median([r["decode"] * nbytes / r["best_pass"] for r in runs])
        # Only bf16 weights take the bf16 dot products (vdpbf16ps or AMX tiles) in prefill.
        unit = {"avx512-bf16": "dot", "amx-bf16": "amx"}.get(isa, "fma") if dtype == "bf16" else "fma"
        peak = peaks.get((t, unit), 0)
        rows.append((dtype, t, isa, compile_s, figure["decode"], roofline, of_roofline,
                     figure["prefill"], prefill_flops / figure["prefill_s"] / 1e9, figure["rss"], nbytes,
                     figure["load_s"], peak, fusion, of_best_pass))

    def spread(t, key):
        values = [r[key] / 1e9 for i, c in enumerate(configs) if c[2] == t for r in samples[i]]
        return f"{min(values):.1f}-{max(values):.1f}"

    print(f"model: {args.preset} shape, random weights; read bandwidth around the runs, "
          "sustained (best pass) GB/s: "
          + ", ".join(f"{t} thread{'s' * (t > 1)} {spread(t, 'bandwidth')} ({spread(t, 'best_pass')})"
                      for t in threads)
          + "; load average at the end " + " ".join(f"{x:.2f}" for x in os.getloadavg())
          + f"; median of {args.repeat} round-robin run{'s' * (args.repeat > 1)}")
    print()
    print("| dtype | fused | threads | kernels | compile s (w8a8: pack, else link) | load s | decode tok/s | roofline tok/s | "
          "of roofline | of best-pass roofline | prefill tok/s | prefill GFLOP/s | peak GFLOP/s | of peak | peak RSS GB | "
          "weights GB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        of_peak = f"{r[8] / r[12]:.0%}" if r[12] else "-"
        print(f"| {r[0]} | {r[13]} | {r[1]} | {r[2]} | {r[3]:.1f} | {r[11]:.2f} | {r[4]:.2f} | {r[5]:.2f} | "
              f"{r[6]:.0%} | {r[14]:.0%} | {r[7]:.1f} | {r[8]:.1f} | {r[12]:.0f} | {of_peak} | "
              f"{r[9] / 1e9:.2f} | {r[10] / 1e9:.2f} |")


if __name__ == "__main__":
    main()
