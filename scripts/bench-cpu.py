#!/usr/bin/env python3
"""CPU benchmark: decode and prefill speed of a compiled Llama-3.2-1B-shaped model, each next to
its ceiling, measured in one run.

  scripts/bench-cpu.py [--build build] [--work DIR] [--dtypes bf16,f32,w8a8] [--threads 1,2]

Generates the full-size model with random weights (models/generate.py, cached under --work;
w8a8: a bf16 checkpoint with compressed-tensors int8 linears, lm_head/embedding dense),
compiles it with --weights link (timed; w8a8 with --weights pack, which aligns every int8
row to 64 bytes: read in place from 8-byte-aligned checkpoint tensors, each 64-byte load of the
VNNI kernel straddles two cache lines), measures the machine's read bandwidth
(inferno-membw), then runs the artifact: a 64-token prompt (prefill) and 64 greedy tokens
(decode), with --stats and under /usr/bin/time for peak RSS. Prints one markdown table.

Ceilings: batch-1 decode reads every weight once per token, so decode tok/s <= read bandwidth /
bytes of weights (the tied embedding counted once, as lm_head). Prefill's work is
2 * matmul parameters * tokens FLOPs (attention is negligible at 64 tokens).
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
    the artifact reads it (the tied embedding is one tensor)."""
    with open(os.path.join(artifact, "manifest.json")) as f:
        return sum(t["bytes"] for t in json.load(f)["tensors"])


def matmul_params(cfg):
    h, f, layers = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    heads, kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = cfg.get("head_dim") or h // heads
    per_layer = h * heads * d * 2 + h * kv * d * 2 + 3 * h * f
    return layers * per_layer + cfg["vocab_size"] * h  # + lm_head


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--dtypes", default="bf16,f32")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--preset", default="llama-3.2-1b")
    ap.add_argument("--tokens", type=int, default=64)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    inferno = os.path.join(args.build, "bin", "inferno")
    threads = [int(t) for t in args.threads.split(",")]

    bandwidth = {}
    for line in run([os.path.join(args.build, "bin", "inferno-membw")] + [str(t) for t in threads]).stdout.splitlines():
        m = re.match(r"threads (\d+) read ([\d.]+) GB/s", line)
        bandwidth[int(m.group(1))] = float(m.group(2)) * 1e9

    prompt = ",".join(str(1 + (i * 37) % 5000) for i in range(args.tokens))
    rows = []
    for dtype in args.dtypes.split(","):
        model = os.path.join(args.work, f"{args.preset}-{dtype}")
        if not os.path.isdir(model):
            quant = ["--dtype", "bf16", "--quantize", "w8a8"] if dtype == "w8a8" else ["--dtype", dtype]
            run([PYTHON, os.path.join(ROOT, "models", "generate.py"), "-o", model,
                 "--preset", args.preset, "--seed", "1"] + quant)
        with open(os.path.join(model, "config.json")) as f:
            cfg = json.load(f)
        artifact = os.path.join(args.work, f"{args.preset}-{dtype}.artifact")
        start = time.monotonic()
        run([inferno, "compile", model, "-o", artifact, "--force", "--context", "1024",
             "--weights", "pack" if dtype == "w8a8" else "link"])
        compile_s = time.monotonic() - start
        nbytes = weight_bytes(artifact)
        flops_per_token = 2 * matmul_params(cfg)
        for t in threads:
            out = run(["/usr/bin/time", "-v", os.path.join(artifact, "model"), "--prompt-ids", prompt,
                       "-n", str(args.tokens), "--temperature", "0", "--ignore-eos", "--ids",
                       "--stats", "--threads", str(t)])
            stats = out.stderr
            prefill = float(re.search(r"prompt: \d+ tokens, [\d.]+ s, ([\d.]+) tok/s", stats).group(1))
            decode = float(re.search(r"generated: \d+ tokens, [\d.]+ s, ([\d.]+) tok/s", stats).group(1))
            rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", stats).group(1)) * 1024
            isa = re.search(r"kernels: ([^,\s]+)", stats).group(1)
            roofline = bandwidth[t] / nbytes
            rows.append((dtype, t, isa, compile_s, decode, roofline, decode / roofline, prefill,
                         prefill * flops_per_token / 1e9, rss, nbytes))

    print(f"model: {args.preset} shape, random weights; read bandwidth "
          + ", ".join(f"{t} thread{'s' * (t > 1)} {bandwidth[t] / 1e9:.1f} GB/s" for t in threads))
    print()
    print("| dtype | threads | kernels | compile s (w8a8: pack, else link) | decode tok/s | roofline tok/s | "
          "of roofline | prefill tok/s | prefill GFLOP/s | peak RSS GB | weights GB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.1f} | {r[4]:.2f} | {r[5]:.2f} | {r[6]:.0%} | "
              f"{r[7]:.1f} | {r[8]:.1f} | {r[9] / 1e9:.2f} | {r[10] / 1e9:.2f} |")


if __name__ == "__main__":
    main()
