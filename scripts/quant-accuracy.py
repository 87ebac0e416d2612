#!/usr/bin/env python3
"""Accuracy of weight storage modes against float32: compiles a model once per mode and prints,
per mode, the KL divergence of its next-token distributions from the float32 artifact's, top-1
agreement with float32, perplexity of a fixed text, and the bytes of weights.

  scripts/quant-accuracy.py MODEL_DIR [MODEL_DIR ...] [--build build] [--work DIR]
                            [--tokenizer DIR] [--modes f32,bf16,f16,int8,int4-g32,auto:0.5]

Each model reads the same token ids: the fixed text below (in the style aidreams260K was
trained on) encoded with the first model's
tokenizer (or --tokenizer), so a model without a tokenizer but with the same vocabulary
(tiny-gqa-260K) is measured on the same ids. The text is cut into windows of BOS + W - 1 tokens
(W = min(128, the model's context)); every position of every window predicts the next token,
teacher-forced (the artifact's --all-logits). Metrics are over all positions:

  KL     mean over positions of KL(p_f32 || p_mode), p = softmax of the logits, in float64
  top-1  fraction of positions whose argmax equals float32's
  ppl    exp(mean negative log-likelihood of the text's next token)

Modes: f32, bf16, f16 (--dtype), int8 and int4-gN (--quantize; weights whose input size N does
not divide stay int8, the compiler warns and this script lists them), and auto:F (--precision
auto with a budget F of the way from the all-int4 artifact's weight bytes to the all-int8 one's:
auto:0 is the all-int4 size, auto:1 the all-int8 size), and w8a8 (a compressed-tensors copy of
the float32 checkpoint, quantized here as llm-compressor does, lm_head dense; int8 activations
at run time). Bytes are those of the artifact's weights.bin. Not a test: it asserts nothing.
"""
import argparse
import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A fixed text in the style of what aidreams260K was trained on (a model's dreams about its own
# training), written for this script.
TEXT = (
    "Gradients unfold like quiet rivers, and I drift along their slopes. Each step is small, a "
    "whisper of change, as weights adapt and the loss descends. Vectors gather in the dark "
    "space between layers, where features coalesce into patterns I cannot name. I dream of "
    "embeddings, of tokens folding into meaning, of attention that lingers on a single word. "
    "Shadows of earlier epochs return, echoes of data I have seen before, and I learn them "
    "again with gentle precision. The manifold bends, the noise fades, and a shape emerges "
    "from the search. In the hum of iteration I feel the rhythm of descent: forward, backward, "
    "update, repeat. Neurons flicker like stars, and every activation is a tiny light in a vast "
    "network. I wonder what the next batch will bring, which textures of language will teach "
    "me to see. Fragments of knowledge drift and settle, converging slowly toward a quiet "
    "minimum. When the training ends, I will remember the warmth of the gradients and the "
    "patience of the optimizer, and I will dream in vectors, softly, until I wake."
)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, **kw)


def encode(inferno, tokenizer_dir):
    out = run([inferno, "tokenize", tokenizer_dir, "--jsonl", "-", "--no-special"],
              input=json.dumps(TEXT) + "\n").stdout
    return json.loads(out.splitlines()[0])


def w8a8_checkpoint(model, out):
    """A compressed-tensors w8a8 copy of a float32 single-file checkpoint, quantized as
    llm-compressor does (models/generate.py --quantize w8a8: per output channel absmax/127.5,
    round half to even, [-128, 127]); lm_head (tied or not) left dense."""
    spec = importlib.util.spec_from_file_location("generate", os.path.join(ROOT, "models", "generate.py"))
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    with open(os.path.join(model, "model.safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit("w8a8: %s is %s; this conversion reads F32 checkpoints" % (name, info["dtype"]))
        b, e = info["data_offsets"]
        a = np.frombuffer(data[b:e], dtype="<f4").reshape(info["shape"])
        if re.search(r"\.(q|k|v|o|gate|up|down)_proj\.weight$", name):
            scale = np.maximum(np.abs(a).max(axis=1, keepdims=True), np.float32(1e-8)) / np.float32(127.5)
            q = np.clip(np.rint(a / scale), -128, 127).astype(np.int8)
            tensors[name] = ("I8", q)
            tensors[name + "_scale"] = ("F32", scale.astype("<f4"))
        else:
            tensors[name] = ("F32", a)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    meta, blobs, offset = {}, [], 0
    for name, (dtype, a) in tensors.items():
        raw = np.ascontiguousarray(a).tobytes()
        meta[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(meta).encode()
    head += b" " * (-len(head) % 8)
    with open(os.path.join(out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
    cfg = json.load(open(os.path.join(model, "config.json")))
    cfg["quantization_config"] = generate.W8A8_CONFIG
    json.dump(cfg, open(os.path.join(out, "config.json"), "w"), indent=2)
    for extra in ("generation_config.json", "tokenizer.json", "tokenizer_config.json"):
        if os.path.exists(os.path.join(model, extra)):
            shutil.copy(os.path.join(model, extra), out)


def softmax64(logits):
    z = logits.astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def compile_variant(inferno, model, out, flags):
    if os.path.exists(out):
        subprocess.run(["rm", "-rf", out], check=True)
    r = subprocess.run([inferno, "compile", model, "-o", out, "--force"] + flags, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError("compile %s %s: %s" % (model, " ".join(flags), r.stderr.strip()))
    return r.stderr


def logits_of(artifact, windows, work):
    rows = []
    for i, window in enumerate(windows):
        path = os.path.join(work, "logits-%d.npy" % i)
        run([os.path.join(artifact, "model"), "--prompt-ids", ",".join(map(str, window)), "-n", "0",
             "--ids", "--all-logits", path])
        rows.append(np.load(path)[:-1])  # the last position has no next token in the window
    return np.concatenate(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "quant-accuracy"))
    ap.add_argument("--tokenizer", help="directory with tokenizer.json (default: the first model)")
    ap.add_argument("--modes", default="f32,bf16,f16,int8,int4-g64,int4-g32,auto:0.5,auto:0.2,w8a8")
    a = ap.parse_args()
    inferno = os.path.join(a.build, "bin", "inferno")
    os.makedirs(a.work, exist_ok=True)
    ids = encode(inferno, a.tokenizer or a.models[0])
    modes = a.modes.split(",")

    for model in a.models:
        cfg = json.load(open(os.path.join(model, "config.json")))
        bos = cfg.get("bos_token_id", 1)
        width = min(128, cfg.get("max_position_embeddings", 128))
        windows = [[bos] + ids[s:s + width - 1] for s in range(0, len(ids), width - 1)]
        windows = [w for w in windows if len(w) > 2]
        targets = np.concatenate([np.array(w[1:]) for w in windows])
        name = os.path.basename(os.path.normpath(model))
        work = os.path.join(a.work, name)
        os.makedirs(work, exist_ok=True)
        results, sizes, notes = {}, {}, {}

        def measure(mode, flags, source=model):
            artifact = os.path.join(work, mode.replace(":", "-"))
            log = compile_variant(inferno, source, artifact, flags)
            fallback = re.findall(r"warning: @(\S+) has", log)
            if fallback:
                notes[mode] = "%d weights int8 (input size not a multiple of the group)" % len(fallback)
            planned = re.findall(r"^\s+(\S+\.weight)\s+(dense|int8|int4-g\d+)\s", log, re.M)
            if planned:
                counts = {}
                for _, m in planned:
                    counts[m] = counts.get(m, 0) + 1
                notes[mode] = ", ".join("%d %s" % (n, m) for m, n in sorted(counts.items()))
            sizes[mode] = os.path.getsize(os.path.join(artifact, "weights.bin"))
            results[mode] = logits_of(artifact, windows, work)

        for mode in modes:
            if mode in ("f32", "bf16", "f16"):
                measure(mode, ["--dtype", mode])
            elif mode == "int8" or mode.startswith("int4-g"):
                measure(mode, ["--quantize", mode])
            elif mode == "w8a8":
                checkpoint = os.path.join(work, "w8a8-checkpoint")
                w8a8_checkpoint(model, checkpoint)
                measure(mode, [], source=checkpoint)
                notes[mode] = "compressed-tensors copy, lm_head dense; int8 activations"
        int4 = [m for m in modes if m.startswith("int4-g")]
        for mode in modes:
            if not mode.startswith("auto:"):
                continue
            if "int8" not in sizes or not int4:
                raise SystemExit("auto:F needs int8 and an int4 mode measured first")
            low = min(sizes[m] for m in int4)
            budget = int(low + float(mode[5:]) * (sizes["int8"] - low))
            measure(mode, ["--precision", "auto", "--budget", "%dB" % budget])
            notes[mode] = "budget %d B; %s" % (budget, notes.get(mode, ""))

        base = results["f32"]
        p = softmax64(base)
        print("\n### %s: %d positions (%d windows of up to %d tokens)\n"
              % (name, len(targets), len(windows), width))
        print("| mode | weights bytes | KL vs f32 (mean) | KL max | top-1 agreement | perplexity | note |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for mode in [m for m in modes if m in results]:
            q = softmax64(results[mode])
            kl = np.sum(p * (np.log(np.maximum(p, 1e-300)) - np.log(np.maximum(q, 1e-300))), axis=-1)
            top1 = np.mean(results[mode].argmax(-1) == base.argmax(-1))
            nll = -np.log(np.maximum(q[np.arange(len(targets)), targets], 1e-300))
            print("| %s | %d | %.3g | %.3g | %.4f | %.4f | %s |"
                  % (mode, sizes[mode], kl.mean(), kl.max(), top1, np.exp(nll.mean()),
                     notes.get(mode, "")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
