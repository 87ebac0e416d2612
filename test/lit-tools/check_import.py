#!/usr/bin/env python3
"""Checks `inferno import` output against the model directory, independently of the compiler.

  check_import.py MODEL_DIR MODULE.mlir

Reads config.json, generation_config.json and the safetensors headers itself, derives what the
module must say -- every llama.weight (file, absolute offset, dtype, shape), the #llama.config
fields, the generation ids and the forward pass's op counts -- and compares with the printed
module. Prints one line per mismatch and exits 1 if there is any; prints a summary otherwise.
"""

import json
import os
import re
import struct
import sys

MLIR_DTYPE = {"F32": "f32", "F16": "f16", "BF16": "bf16", "I8": "i8", "I32": "i32",
              "F8_E4M3": "f8E4M3FN"}


def read_headers(model_dir):
    """{tensor: (file, absolute offset, dtype, shape)} from the index (or the single file)."""
    index_path = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    tensors = {}
    for name in files:
        with open(os.path.join(model_dir, name), "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))
        for tensor, entry in header.items():
            if tensor == "__metadata__":
                continue
            tensors[tensor] = (name, 8 + n + entry["data_offsets"][0], entry["dtype"],
                               entry["shape"])
    return tensors


def expected_names(cfg):
    names = ["model.embed_tokens.weight"]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        names += [p + s for s in ("input_layernorm.weight", "self_attn.q_proj.weight",
                                  "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                                  "self_attn.o_proj.weight", "post_attention_layernorm.weight",
                                  "mlp.gate_proj.weight", "mlp.up_proj.weight",
                                  "mlp.down_proj.weight")]
    names.append("model.norm.weight")
    if not cfg.get("tie_word_embeddings", False):
        names.append("lm_head.weight")
    return names


def main():
    model_dir, module_path = sys.argv[1:3]
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    gen = {}
    if os.path.exists(os.path.join(model_dir, "generation_config.json")):
        with open(os.path.join(model_dir, "generation_config.json")) as f:
            gen = json.load(f)
    with open(module_path) as f:
        text = f.read()
    problems = []

    # Weights: exactly the expected tensors, each where the header says.
    weights = {}
    for m in re.finditer(r'llama\.weight @(\S+) in "([^"]+)" at (\d+) : tensor<([^>]+)>', text):
        dims = m.group(4).split("x")
        weights[m.group(1)] = (m.group(2), int(m.group(3)), dims[-1], [int(d) for d in dims[:-1]])
    headers = read_headers(model_dir)
    names = expected_names(cfg)
    if sorted(weights) != sorted(names):
        problems.append(f"weights {sorted(set(weights) ^ set(names))} differ from the config's")
    for name in names:
        if name not in weights or name not in headers:
            continue
        file, offset, dtype, shape = headers[name]
        want = (file, offset, MLIR_DTYPE.get(dtype, dtype), shape)
        if weights[name] != want:
            problems.append(f"{name}: module says {weights[name]}, header says {want}")

    # The config attribute.
    m = re.search(r"#llama\.config<([^>]*<[^>]*>[^>]*)>", text)
    if not m:
        problems.append("no #llama.config")
    else:
        attr = m.group(1)
        heads = cfg["num_attention_heads"]
        want = {
            "hidden": cfg["hidden_size"], "intermediate": cfg["intermediate_size"],
            "layers": cfg["num_hidden_layers"], "heads": heads,
            "kv_heads": cfg.get("num_key_value_heads", heads),
            "head_dim": cfg.get("head_dim") or cfg["hidden_size"] // heads,
            "vocab": cfg["vocab_size"], "max_positions": cfg.get("max_position_embeddings", 2048),
        }
        for key, value in want.items():
            if not re.search(rf"\b{key} = {value}\b", attr):
                problems.append(f"config: expected {key} = {value} in {attr}")
        eps = re.search(r"rms_eps = ([-+.e0-9]+)", attr)
        if not eps or float(eps.group(1)) != float(cfg.get("rms_norm_eps", 1e-6)):
            problems.append(f"config: rms_eps differs from {cfg.get('rms_norm_eps')}")
        tie = "true" if cfg.get("tie_word_embeddings", False) else "false"
        if f"tie_embeddings = {tie}" not in attr:
            problems.append(f"config: expected tie_embeddings = {tie}")
        theta = re.search(r"theta = ([-+.e0-9]+)", attr)
        if not theta or float(theta.group(1)) != float(cfg.get("rope_theta", 10000.0)):
            problems.append(f"config: rope theta differs from {cfg.get('rope_theta')}")
        scaling = cfg.get("rope_scaling") or {}
        kind = scaling.get("rope_type", scaling.get("type", "none"))
        if kind == "llama3":
            # The printer leaves out parameters at their defaults (low 1.0, high 4.0).
            for key, default in (("factor", None), ("low_freq_factor", 1.0),
                                 ("high_freq_factor", 4.0)):
                got = re.search(rf"\b{key} = ([-+.e0-9]+)", attr)
                value = float(got.group(1)) if got else default
                if value is None or value != float(scaling[key]):
                    problems.append(f"config: rope {key} differs from {scaling[key]}")
            if f"original_max_positions = {scaling['original_max_position_embeddings']}" not in attr:
                problems.append("config: rope original_max_positions differs")
        if ("scaling = " + kind) not in attr and kind not in ("none", "default"):
            problems.append(f"config: expected rope scaling {kind}")

    # Generation ids: eos is the union of both files, in first-seen order.
    def ids(v):
        return [] if v is None else (v if isinstance(v, list) else [v])
    eos = []
    for i in ids(cfg.get("eos_token_id")) + ids(gen.get("eos_token_id")):
        if i not in eos:
            eos.append(i)
    want_eos = "eos_token_ids = array<i64" + (": " + ", ".join(map(str, eos)) if eos else "") + ">"
    if want_eos not in text:
        problems.append(f"generation: expected {want_eos}")
    bos = gen.get("bos_token_id", cfg.get("bos_token_id"))
    if bos is not None and f"bos_token_id = {bos} : i64" not in text:
        problems.append(f"generation: expected bos_token_id = {bos}")

    # The forward pass: one of each per layer, as in LlamaDecoderLayer.
    layers = cfg["num_hidden_layers"]
    counts = {"llama.embedding": 1, "llama.rms_norm": 2 * layers + 1, "llama.linear": 7 * layers,
              "llama.rope": 2 * layers, "llama.attention": layers, "llama.add": 2 * layers,
              "llama.swiglu": layers, "llama.lm_head": 1}
    for op, n in counts.items():
        got = len(re.findall(rf"= {re.escape(op)} ", text))
        if got != n:
            problems.append(f"forward: {got} {op} ops, expected {n}")
    head = "model.embed_tokens.weight" if cfg.get("tie_word_embeddings") else "lm_head.weight"
    if f"llama.lm_head %" not in text or f", @{head} :" not in text.split("llama.lm_head", 1)[-1]:
        problems.append(f"forward: lm_head should read @{head}")

    for p in problems:
        print("mismatch:", p)
    if problems:
        return 1
    print(f"ok: {len(weights)} weights, {layers} layers, config and generation ids agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
