#!/usr/bin/env python3
"""CUDA benchmark: decode and prefill speed of compiled artifacts on the GPU, each next to the
card's ceiling measured in the same run.

  scripts/bench-cuda.py --artifact NAME=DIR [--artifact NAME=DIR ...] [--repeat N]
                        [--seed S] [--json FILE]

Ceilings, measured first with torch in a child process (which exits, so its memory and CUDA
context are gone before any artifact runs):
  copy     a device-to-device copy of a 2 GiB buffer: bytes read + bytes written / time,
           median of 20 copies timed with CUDA events after 3 warm-up copies
  matmul   torch.matmul of two random 8192 x 8192 bfloat16 matrices: 2 * 8192^3 / time,
           median of 20 after warm-up (the dense bf16 tensor-core rate cuBLAS reaches)

Then every artifact runs with `--synthetic-weights 1` (no weight files are read; the values do not
change the speed), round-robin over the artifacts --repeat times so that a disturbance hits all
of them alike; each figure is the median of its runs:
  decode   a prompt of 32 random ids, `-n 128 --temperature 0 --ignore-eos --ids --stats`: the
           `generated:` tok/s
  prefill  512 random ids (pp512), `-n 1 ... --stats`: the `prompt:` tok/s and seconds

Ceilings per artifact:
  decode   batch-1 decode reads every weight once per token, so tok/s <= copy bandwidth /
           weight bytes (the sum of the manifest tensors' "bytes": the stored dtype, a tied
           embedding once as lm_head, an untied one not at all: a token reads one row of it)
  prefill  FLOPs = 2 * (L * tokens + H): L the elements of every rank-2 ".weight" tensor but the
           embedding and lm_head (the layers' linear projections: q, k, v, o, gate, up, down),
           H those of lm_head (the embedding when tied), which runs for the last prompt
           position only (the runtime computes only the logits it samples from). Attention's
           own products (about 2% of the total at 512 tokens for the 1B shape) and norms are not
           counted. TFLOP/s = FLOPs / prefill seconds, against the bf16 matmul ceiling.

Prints the card's name and one markdown table; --json FILE writes the same rows.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DECODE_PROMPT, DECODE_TOKENS, PREFILL_TOKENS = 32, 128, 512
COPY_BYTES, MATMUL_N, WARMUP, TIMED = 2 << 30, 8192, 3, 20


class BenchError(Exception):
    """A run that could not happen; one line, exit 1."""


def median(values):
    return float(np.median(np.asarray(values, dtype=np.float64)))


def measure_ceilings():
    """(card name, copy bytes/s, bf16 matmul FLOP/s), measured with torch on the current GPU."""
    import torch

    def timed(fn):
        for _ in range(WARMUP):
            fn()
        torch.cuda.synchronize()
        ms = []
        for _ in range(TIMED):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            ms.append(start.elapsed_time(end))
        return median(ms) / 1e3

    def copy_seconds():
        src = torch.ones(COPY_BYTES, dtype=torch.uint8, device="cuda")
        dst = torch.empty_like(src)
        return timed(lambda: dst.copy_(src))

    def matmul_seconds():
        gen = torch.Generator(device="cuda").manual_seed(0)
        a = torch.randn(MATMUL_N, MATMUL_N, device="cuda", dtype=torch.bfloat16, generator=gen)
        b = torch.randn(MATMUL_N, MATMUL_N, device="cuda", dtype=torch.bfloat16, generator=gen)
        return timed(lambda: torch.matmul(a, b))

    copy_s = copy_seconds()
    torch.cuda.empty_cache()
    matmul_s = matmul_seconds()
    return dict(device=torch.cuda.get_device_name(), copy_bytes_per_s=2 * COPY_BYTES / copy_s,
                matmul_flops=2 * MATMUL_N ** 3 / matmul_s)


def ceilings_in_child():
    """measure_ceilings() in a child interpreter, so the artifacts get the whole card."""
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--measure-ceilings"],
                          text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise BenchError(f"measuring the ceilings with torch failed: {tail[0]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def read_manifest(artifact):
    path = os.path.join(artifact, "manifest.json")
    try:
        with open(path) as f:
            manifest = json.load(f)
        tensors = [(t["name"], [int(s) for s in t["shape"]], int(t["bytes"])) for t in manifest["tensors"]]
        context = int(manifest["generation"]["context"])
        vocab = int(manifest["generation"]["vocab"])
    except OSError as e:
        raise BenchError(f"{path}: {e.strerror}")
    except (ValueError, KeyError, TypeError) as e:
        raise BenchError(f"{path}: not an artifact manifest ({e!r})")
    return dict(tensors=tensors, context=context, vocab=vocab)


def weight_bytes(manifest):
    """Bytes decode reads per token: every tensor of the manifest as stored, but an embedding
    that lm_head does not share, of which a token reads one row."""
    untied = any(name == "lm_head.weight" for name, _, _ in manifest["tensors"])
    return sum(nbytes for name, _, nbytes in manifest["tensors"]
               if not (untied and name == "model.embed_tokens.weight"))


def matmul_params(manifest):
    """(elements of the layers' linear weights, elements of lm_head): rank-2 ".weight" tensors;
    lm_head is lm_head.weight, or the embedding when the model ties them."""
    shapes = {name: shape for name, shape, _ in manifest["tensors"]}
    layers = sum(int(np.prod(shape)) for name, shape in shapes.items()
                 if len(shape) == 2 and name.endswith(".weight")
                 and name not in ("model.embed_tokens.weight", "lm_head.weight"))
    head = shapes.get("lm_head.weight", shapes.get("model.embed_tokens.weight"))
    if head is None:
        raise BenchError("the manifest has neither lm_head.weight nor model.embed_tokens.weight")
    return layers, int(np.prod(head))


def prefill_flops(manifest, tokens):
    layers, head = matmul_params(manifest)
    return 2 * (layers * tokens + head)


STATS = {
    "load_s": r"^load: ([\d.]+) s$",
    "prompt_tokens": r"^prompt: (\d+) tokens, [\d.]+ s, [\d.]+ tok/s$",
    "prompt_s": r"^prompt: \d+ tokens, ([\d.]+) s, [\d.]+ tok/s$",
    "prompt_tok_s": r"^prompt: \d+ tokens, [\d.]+ s, ([\d.]+) tok/s$",
    "generated_tokens": r"^generated: (\d+) tokens, [\d.]+ s, [\d.]+ tok/s$",
    "generated_s": r"^generated: \d+ tokens, ([\d.]+) s, [\d.]+ tok/s$",
    "generated_tok_s": r"^generated: \d+ tokens, [\d.]+ s, ([\d.]+) tok/s$",
}


def parse_stats(stderr):
    """The --stats figures, and 'kernels': the line after `generated:` (kernels and device)."""
    stats = {}
    for key, pattern in STATS.items():
        m = re.search(pattern, stderr, re.M)
        if not m:
            raise BenchError(f"no line matching {pattern!r} in the --stats output")
        stats[key] = float(m.group(1))
    lines = stderr.splitlines()
    after = [i + 1 for i, line in enumerate(lines) if line.startswith("generated: ")]
    stats["kernels"] = lines[after[-1]].strip() if after and after[-1] < len(lines) else ""
    return stats


def run_artifact(artifact, prompt, tokens):
    cmd = [os.path.join(artifact, "model"), "--prompt-ids", ",".join(map(str, prompt)), "-n",
           str(tokens), "--temperature", "0", "--ignore-eos", "--ids", "--stats",
           "--synthetic-weights", "1"]
    proc = subprocess.run(cmd, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise BenchError(f"{cmd[0]} exited with {proc.returncode}: {tail[0]}")
    return parse_stats(proc.stderr)


def parse_artifact_arg(text):
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=DIR, got {text!r}")
    return name, path


def bench(artifacts, repeat, seed, ceilings):
    """Runs every artifact round-robin; returns the table's rows (dicts)."""
    configs = []
    for name, path in artifacts:
        manifest = read_manifest(path)
        rng = np.random.default_rng(seed)  # the same prompts for artifacts of one vocabulary
        if PREFILL_TOKENS + 1 > manifest["context"]:
            raise BenchError(f"{path}: a context of {manifest['context']} positions cannot hold "
                             f"the {PREFILL_TOKENS}-token prefill prompt")
        vocab = manifest["vocab"]
        configs.append(dict(name=name, path=path, manifest=manifest,
                            decode_prompt=[int(i) for i in rng.integers(0, vocab, DECODE_PROMPT)],
                            prefill_prompt=[int(i) for i in rng.integers(0, vocab, PREFILL_TOKENS)],
                            decode=[], prefill=[]))
    for _ in range(repeat):
        for c in configs:
            c["decode"].append(run_artifact(c["path"], c["decode_prompt"], DECODE_TOKENS))
            c["prefill"].append(run_artifact(c["path"], c["prefill_prompt"], 1))
    rows = []
    for c in configs:
        nbytes = weight_bytes(c["manifest"])
        decode = median([r["generated_tok_s"] for r in c["decode"]])
        roofline = ceilings["copy_bytes_per_s"] / nbytes
        # Seconds from the rate: --stats prints seconds to the millisecond, a sixth of pp512.
        flops = [prefill_flops(c["manifest"], r["prompt_tokens"]) * r["prompt_tok_s"] / r["prompt_tokens"]
                 for r in c["prefill"]]
        prefill_tflops = median(flops) / 1e12
        rows.append(dict(
            artifact=c["name"], path=os.path.abspath(c["path"]), weights_gb=nbytes / 1e9,
            decode_tok_s=decode, roofline_tok_s=roofline, decode_fraction=decode / roofline,
            prefill_tok_s=median([r["prompt_tok_s"] for r in c["prefill"]]),
            prefill_tflop_s=prefill_tflops,
            prefill_fraction=prefill_tflops * 1e12 / ceilings["matmul_flops"],
            load_s=median([r["load_s"] for r in c["decode"] + c["prefill"]]),
            kernels=c["decode"][0]["kernels"], runs=repeat))
    return rows


def print_table(rows, ceilings, repeat):
    print(f"device: {ceilings['device']}; copy {ceilings['copy_bytes_per_s'] / 1e9:.0f} GB/s "
          f"(read + written), bf16 matmul {ceilings['matmul_flops'] / 1e12:.0f} TFLOP/s "
          f"({MATMUL_N}^3); synthetic weights; median of {repeat} round-robin "
          f"run{'s' * (repeat > 1)}")
    print()
    print("| artifact | weights GB | decode tok/s | roofline tok/s | of roofline | prefill tok/s "
          "(pp512) | prefill TFLOP/s | of matmul ceiling |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['artifact']} | {r['weights_gb']:.2f} | {r['decode_tok_s']:.1f} | "
              f"{r['roofline_tok_s']:.1f} | {r['decode_fraction']:.0%} | {r['prefill_tok_s']:.0f} | "
              f"{r['prefill_tflop_s']:.1f} | {r['prefill_fraction']:.0%} |")
    print()
    for r in rows:
        print(f"{r['artifact']}: load {r['load_s']:.2f} s; {r['kernels']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--artifact", action="append", type=parse_artifact_arg, default=[],
                    metavar="NAME=DIR", help="a CUDA artifact to measure (repeatable)")
    ap.add_argument("--repeat", type=int, default=1, help="round-robin runs of each artifact")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random prompt ids")
    ap.add_argument("--json", help="also write the rows to this file")
    ap.add_argument("--measure-ceilings", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure_ceilings:
        print(json.dumps(measure_ceilings()))
        return
    if not args.artifact:
        ap.error("give at least one --artifact NAME=DIR")
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    try:
        for _, path in args.artifact:
            read_manifest(path)  # fail early, before the ceilings take their time
        ceilings = ceilings_in_child()
        rows = bench(args.artifact, args.repeat, args.seed, ceilings)
    except BenchError as e:
        sys.exit(f"bench-cuda.py: error: {e}")
    print_table(rows, ceilings, args.repeat)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(ceilings=ceilings, repeat=args.repeat, rows=rows), f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
