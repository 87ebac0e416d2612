#!/usr/bin/env python3
"""Measures `inferno inspect`'s memory estimate against the peak RSS of real CPU runs.

  test/inspect/measure_memory.py [--build build] [--work DIR] [--tokenizers DIR]
                                 [--models llama-3.2-1b,tinyllama-1.1b] [--context 1024]

For each model: generates the full-size checkpoint in bf16 (random weights, cached under
--work), compiles it with the given context (weights packed, as stored), asks
`inferno inspect --json --context N` for total_bytes, then runs the artifact under
/usr/bin/time -v with a prompt that fills the context to its last 16 positions (so the whole KV
cache is touched) and 16 greedy tokens. Prints one markdown table: estimate, measured peak
RSS, and the difference. Not a test: it takes minutes and 2.5 GB of disk per model; remove
--work afterwards.
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
TOKENIZER = {"llama-3.2-1b": "llama3.2", "tinyllama-1.1b": "llama2", "llama-3.1-8b": "llama3.1"}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, **kw)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "measure-memory"))
    ap.add_argument("--tokenizers", default=os.path.join(ROOT, "..", "shared", "models", "tokenizers"))
    ap.add_argument("--models", default="llama-3.2-1b,tinyllama-1.1b")
    ap.add_argument("--context", type=int, default=1024)
    args = ap.parse_args()
    inferno = os.path.join(args.build, "bin", "inferno")
    os.makedirs(args.work, exist_ok=True)

    rows = []
    for preset in args.models.split(","):
        model = os.path.join(args.work, preset)
        if not os.path.exists(model):
            cmd = [PYTHON, os.path.join(ROOT, "models", "generate.py"), "-o", model,
                   "--preset", preset, "--dtype", "bf16"]
            tok = os.path.join(args.tokenizers, TOKENIZER.get(preset, ""))
            if preset in TOKENIZER and os.path.isdir(tok):
                cmd += ["--tokenizer", tok]
            run(cmd)
        artifact = model + ".artifact"
        run([inferno, "compile", model, "-o", artifact, "--context", str(args.context), "--force"])
        report = json.loads(run([inferno, "inspect", model, "--json", "--context",
                                 str(args.context)]).stdout)
        mem = report["memory"]
        fill = args.context - 16
        prompt = ",".join(str(1000 + (i * 7919) % 20000) for i in range(fill - 16))
        timed = run(["/usr/bin/time", "-v", os.path.join(artifact, "model"), "--prompt-ids", prompt,
                     "-n", "16", "--temperature", "0", "--ignore-eos", "--ids"])
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", timed.stderr).group(1))
        rss *= 1024
        est = mem["total_bytes"]
        rows.append((preset, "bf16", args.context, mem["loaded_weights_bytes"],
                     mem["kv_cache_bytes"], mem["activation_bytes"] + mem["runtime_bytes"], est,
                     rss, (est - rss) / rss * 100))
        print(f"measure_memory.py: {preset}: estimate {est}, peak RSS {rss}", file=sys.stderr)

    mib = lambda b: f"{b / 2**20:,.0f}"
    print("| model | weights | context | estimate: weights + KV + activations/runtime = total (MiB) "
          "| peak RSS (MiB) | estimate vs RSS |")
    print("|---|---|---|---|---|---|")
    for preset, dtype, ctx, w, kv, other, est, rss, diff in rows:
        print(f"| {preset} | {dtype} | {ctx} | {mib(w)} + {mib(kv)} + {mib(other)} = {mib(est)} "
              f"| {mib(rss)} | {diff:+.1f}% |")


if __name__ == "__main__":
    main()
