#!/usr/bin/env python3
"""Parity of a CUDA artifact with Hugging Face transformers, on the GPU machine.

  scripts/cuda/hf_parity.py --artifact ARTIFACT --model MODEL_DIR [--synthetic SEED]
                            [--prompt-len 32] [--steps 64] [--seed 0] [--tol 1e-2]
                            [--weights DIR] [--work DIR] [--no-bf16] [--json FILE]

The artifact runs once, greedily, on a random prompt (BOS, then ids drawn with --seed):
`--prompt-ids P -n STEPS --temperature 0 --ignore-eos --ids --dump-logits X --all-logits Y`.
With --synthetic SEED it runs with `--synthetic-weights SEED` and the reference reads the same
values from a checkpoint that synthetic.py writes (MODEL_DIR then only supplies config.json and
generation_config.json); otherwise it reads its weight files (from --weights DIR if given) and the
reference reads MODEL_DIR's safetensors.

The reference is transformers' LlamaForCausalLM loaded in float32 on the GPU (float32 compute
over the stored weights, TF32 off, eager attention): one forward pass over the prompt followed by
the artifact's own generated tokens (teacher forcing), so every reference row sees exactly the
context the artifact saw. Compared:

  decode   rel-L2 = ||a - r|| / ||r|| of each --dump-logits row (row i: the logits after the
           prompt and the first i generated tokens) against the reference at the same
           position; the worst over the steps must be <= --tol
  prefill  the same for every --all-logits row (each prompt position) against the reference's
           prompt rows; the worst must be <= --tol
  greedy   the artifact's token at each step against the reference's argmax there. A step
           whose reference top-2 gap is below --tie (1e-3) times the row's max - min is a
           near-tie, where float32 rounding may legitimately pick either token: agreement is
           counted up to the first near-tie, and any disagreement before it fails. Later
           disagreements outside near-ties are reported, not failed (the artifact computes in
           its own precision).

The artifact's outputs are also checked for consistency: each generated token is the argmax of
its own dumped row, and the last --all-logits row equals --dump-logits row 0 (the same logits).
For the documentation, the same rel-L2 figures are also measured against transformers in
bfloat16 (informational; --no-bf16 skips it). Prints one markdown table; exit status 1 when a
check fails, 2 on bad arguments or a run that could not happen.

If MODEL_DIR's weights are stored in another dtype than the artifact's (compile --dtype), the
float32 reference uses the checkpoint's values and the comparison includes that rounding.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import synthetic  # noqa: E402


class ParityError(Exception):
    """The run could not happen (bad arguments, a failing command); one line, exit 2."""


def read_manifest(artifact):
    path = os.path.join(artifact, "manifest.json")
    try:
        with open(path) as f:
            manifest = json.load(f)
        gen = manifest["generation"]
        if not all(isinstance(gen[k], int) for k in ("vocab", "context")):
            raise TypeError("generation.vocab and generation.context must be integers")
    except OSError as e:
        raise ParityError(f"{path}: {e.strerror}")
    except (ValueError, KeyError, TypeError) as e:
        raise ParityError(f"{path}: not an artifact manifest ({e!r})")
    return manifest


def random_prompt(manifest, length, seed):
    """BOS (when the model has one) followed by ids drawn uniformly from the vocabulary."""
    gen = manifest["generation"]
    rng = np.random.default_rng(seed)
    ids = [int(i) for i in rng.integers(0, gen["vocab"], size=length)]
    if gen.get("bos_token_id") is not None and length > 0:
        ids[0] = int(gen["bos_token_id"])
    return ids


def run_artifact(artifact, prompt, steps, work, weight_args):
    """Runs the artifact greedily; returns (generated ids, dump rows [steps, vocab], all-logits
    rows [prompt, vocab])."""
    dump, every = os.path.join(work, "dump-logits.npy"), os.path.join(work, "all-logits.npy")
    cmd = [os.path.join(artifact, "model"), "--prompt-ids", ",".join(map(str, prompt)),
           "-n", str(steps), "--temperature", "0", "--ignore-eos", "--ids",
           "--dump-logits", dump, "--all-logits", every] + weight_args
    proc = subprocess.run(cmd, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise ParityError(f"{cmd[0]} exited with {proc.returncode}: {tail[0]}")
    try:
        ids = [int(t) for t in proc.stdout.split()]
    except ValueError:
        raise ParityError(f"{cmd[0]}: --ids printed something else than ids: {proc.stdout[:200]!r}")
    return ids, np.load(dump), np.load(every)


def rel_l2(a, r):
    """||a - r|| / ||r|| per row, in float64."""
    a, r = np.asarray(a, np.float64), np.asarray(r, np.float64)
    return np.linalg.norm(a - r, axis=-1) / np.maximum(np.linalg.norm(r, axis=-1), 1e-300)


def near_tie(row, tie):
    """Whether the row's top-2 gap is below tie * (max - min)."""
    top2 = np.partition(np.asarray(row, np.float64), -2)[-2:]
    return (top2[1] - top2[0]) < tie * (float(np.max(row)) - float(np.min(row)))


def compare(prompt_len, ids, dump, every, ref, tol, tie):
    """Checks the artifact's outputs against reference logits `ref` [>= prompt_len + steps - 1,
    vocab] over prompt + ids (teacher forcing). Returns a dict of figures and 'problems' (a list
    of sentences, empty when the artifact passes)."""
    steps = len(ids)
    problems = []
    if dump.shape != (steps, ref.shape[1]):
        problems.append(f"--dump-logits has shape {list(dump.shape)}, expected [{steps}, {ref.shape[1]}]")
    if every.shape != (prompt_len, ref.shape[1]):
        problems.append(f"--all-logits has shape {list(every.shape)}, expected [{prompt_len}, {ref.shape[1]}]")
    if problems:
        return dict(problems=problems)
    for i in range(steps):
        if int(np.argmax(dump[i])) != ids[i]:
            problems.append(f"step {i}: generated {ids[i]}, but its dumped logits' argmax is "
                            f"{int(np.argmax(dump[i]))}")
            break
    if steps and not np.array_equal(every[-1], dump[0]):
        problems.append("the last --all-logits row differs from --dump-logits row 0")
    decode_err = rel_l2(dump, ref[prompt_len - 1:prompt_len - 1 + steps])
    prefill_err = rel_l2(every, ref[:prompt_len])
    worst_decode = int(np.argmax(decode_err)) if steps else 0
    worst_prefill = int(np.argmax(prefill_err))
    if steps and not decode_err[worst_decode] <= tol:
        problems.append(f"decode rel-L2 {decode_err[worst_decode]:.3g} at step {worst_decode} "
                        f"exceeds {tol:g}")
    if not prefill_err[worst_prefill] <= tol:
        problems.append(f"prefill rel-L2 {prefill_err[worst_prefill]:.3g} at prompt position "
                        f"{worst_prefill} exceeds {tol:g}")
    first_tie, agree, later = None, 0, []
    for i in range(steps):
        row = ref[prompt_len - 1 + i]
        tied = near_tie(row, tie)
        if tied and first_tie is None:
            first_tie = i
        same = int(np.argmax(row)) == ids[i]
        if first_tie is None:
            if same:
                agree += 1
            else:
                problems.append(f"step {i}: the artifact chose {ids[i]}, the reference "
                                f"{int(np.argmax(row))} (no near-tie)")
        elif not same and not tied:
            later.append(i)
    return dict(problems=problems, steps=steps, decode=float(decode_err.max()) if steps else 0.0,
                decode_step=worst_decode, prefill=float(prefill_err.max()),
                prefill_position=worst_prefill, agree=agree, first_tie=first_tie,
                later_disagreements=later)


def load_hf(model_dir, dtype_name):
    """transformers' LlamaForCausalLM on the GPU, in float32 or bfloat16."""
    import torch
    import transformers
    from transformers import LlamaForCausalLM
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[dtype_name]
    # `dtype` replaced `torch_dtype` in transformers 4.56 (and from_pretrained's default became
    # "auto" in 5.0, so it must be given).
    major, minor = (int(p) for p in transformers.__version__.split(".")[:2])
    key = "dtype" if (major, minor) >= (4, 56) else "torch_dtype"
    model = LlamaForCausalLM.from_pretrained(model_dir, attn_implementation="eager", **{key: dtype})
    return model.to("cuda").eval()


def reference_logits(model_dir, dtype_name, tokens):
    """Logits [len(tokens), vocab] (float32 numpy) of one forward pass over `tokens`."""
    import torch
    # Plain float32 products: no TF32 (which rounds inputs to 10 mantissa bits).
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    model = load_hf(model_dir, dtype_name)
    try:
        with torch.no_grad():
            ids = torch.tensor([tokens], dtype=torch.long, device="cuda")
            logits = model(input_ids=ids, use_cache=False).logits[0]
            return logits.float().cpu().numpy()
    finally:
        del model
        torch.cuda.empty_cache()


def device_name():
    import torch
    return torch.cuda.get_device_name()


def check_reference_dir(model_dir):
    if not os.path.isfile(os.path.join(model_dir, "config.json")):
        raise ParityError(f"{model_dir}: no config.json")
    if not any(f.endswith(".safetensors") for f in os.listdir(model_dir)):
        raise ParityError(f"{model_dir}: no safetensors weights for the reference (pass "
                          "--synthetic SEED to generate them)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--artifact", required=True, help="a CUDA artifact directory")
    ap.add_argument("--model", required=True, help="the model directory it was compiled from")
    ap.add_argument("--synthetic", type=synthetic.parse_seed, metavar="SEED",
                    help="run with --synthetic-weights SEED; the reference reads the same values")
    ap.add_argument("--weights", help="without --synthetic: the artifact's --weights DIR")
    ap.add_argument("--prompt-len", type=int, default=32)
    ap.add_argument("--steps", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0, help="seed of the random prompt ids")
    ap.add_argument("--tol", type=float, default=1e-2, help="largest rel-L2 of a logits row")
    ap.add_argument("--tie", type=float, default=1e-3,
                    help="near-tie: top-2 gap below this fraction of the row's max - min")
    ap.add_argument("--work", help="folder for the logits and the synthetic checkpoint "
                                   "(default: a temporary folder, removed at the end)")
    ap.add_argument("--no-bf16", action="store_true", help="skip the bfloat16 transformers run")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    if args.prompt_len < 1 or args.steps < 1:
        ap.error("--prompt-len and --steps must be at least 1")
    if args.synthetic is not None and args.weights:
        ap.error("--weights and --synthetic exclude each other")

    work = args.work or tempfile.mkdtemp(prefix="hf-parity-")
    os.makedirs(work, exist_ok=True)
    try:
        try:
            manifest = read_manifest(args.artifact)
            gen = manifest["generation"]
            if args.prompt_len + args.steps > gen["context"]:
                raise ParityError(f"--prompt-len + --steps = {args.prompt_len + args.steps} exceeds "
                                  f"the artifact's context ({gen['context']})")
            if args.synthetic is not None:
                reference_dir = os.path.join(work, "synthetic-checkpoint")
                synthetic.write_checkpoint(os.path.join(args.artifact, "manifest.json"),
                                           args.model, args.synthetic, reference_dir, force=True)
                weight_args = ["--synthetic-weights", str(args.synthetic)]
            else:
                reference_dir = args.model
                check_reference_dir(reference_dir)
                weight_args = ["--weights", args.weights] if args.weights else []
            prompt = random_prompt(manifest, args.prompt_len, args.seed)
            ids, dump, every = run_artifact(args.artifact, prompt, args.steps, work, weight_args)
            if len(ids) != args.steps:
                raise ParityError(f"the artifact generated {len(ids)} tokens, expected {args.steps}")
            tokens = prompt + ids[:-1]
            ref32 = reference_logits(reference_dir, "float32", tokens)
            figures = compare(len(prompt), ids, dump, every, ref32, args.tol, args.tie)
            bf16 = None
            if not args.no_bf16 and "decode" in figures:
                ref16 = reference_logits(reference_dir, "bfloat16", tokens)
                bf16 = dict(decode=float(rel_l2(dump, ref16[len(prompt) - 1:len(prompt) - 1 + len(ids)]).max()),
                            prefill=float(rel_l2(every, ref16[:len(prompt)]).max()),
                            hf_bf16_vs_f32=float(rel_l2(ref16, ref32).max()))
        except (ParityError, synthetic.SyntheticError) as e:
            sys.stderr.write(f"hf_parity.py: error: {e}\n")
            sys.exit(2)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)

    name = manifest.get("model", {}).get("name") or os.path.basename(os.path.abspath(args.model))
    weights = f"synthetic seed {args.synthetic}" if args.synthetic is not None else "checkpoint"
    passed = not figures["problems"]
    print(f"device: {device_name()}; reference: transformers LlamaForCausalLM, "
          f"float32 compute, teacher-forced on the artifact's tokens; weights: {weights}")
    print()
    print("| model | prompt | steps | worst decode rel-L2 | worst prefill rel-L2 | greedy agreement | "
          "vs HF bf16: decode / prefill | result |")
    print("|---|---|---|---|---|---|---|---|")
    if "decode" in figures:
        tie = (f" (near-tie at step {figures['first_tie']})" if figures["first_tie"] is not None
               else "")
        vs16 = f"{bf16['decode']:.2e} / {bf16['prefill']:.2e}" if bf16 else "-"
        print(f"| {name} | {len(prompt)} random ids (seed {args.seed}) | {figures['steps']} | "
              f"{figures['decode']:.2e} (step {figures['decode_step']}) | {figures['prefill']:.2e} "
              f"(position {figures['prefill_position']}) | {figures['agree']}/{figures['steps']}{tie} | "
              f"{vs16} | {'pass' if passed else 'FAIL'} |")
        if bf16:
            print(f"\nHF bfloat16 against HF float32 (for scale): worst rel-L2 {bf16['hf_bf16_vs_f32']:.2e}")
        if figures["later_disagreements"]:
            print(f"after the first near-tie, disagreements outside near-ties at steps "
                  f"{figures['later_disagreements']}")
    for problem in figures["problems"]:
        print(f"FAIL: {problem}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(model=name, prompt=prompt, generated=ids, weights=weights,
                           tol=args.tol, passed=passed, bf16=bf16, **figures), f, indent=2)
            f.write("\n")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
