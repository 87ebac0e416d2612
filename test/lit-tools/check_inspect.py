#!/usr/bin/env python3
"""Checks `inferno inspect --json` output against the model directory, independently.

  check_inspect.py MODEL_DIR REPORT.json [--variant V] [--parameters N] [--context N]
                   [--target cpu|cuda] [--kv-dtype D] [--dtype f32|bf16|f16] [--usable yes|no]

Reads config.json, tokenizer_config.json and every safetensors header itself (sharing no code
with the compiler) and derives what the report must say: tensor, shard and byte counts per
dtype; the parameter count twice -- summed from the headers' shapes and computed from the
config's dimensions -- which must agree with each other and with the report (and with
--parameters, a published figure, when given); the evidence; the quantization's coverage
(compressed-tensors matching: exact name, class name, or re.match of a "re:" pattern); the KV
cache bytes per token and the memory arithmetic. Prints one line per mismatch and exits 1 if
there is any.
"""

import argparse
import json
import os
import re
import struct
import sys

AUX = (".weight_scale", ".weight_zero_point", ".input_scale", ".input_zero_point",
       ".weight_shape", ".weight_g_idx", ".output_scale", ".k_scale", ".v_scale")
SIZE = {"F32": 4, "F16": 2, "BF16": 2, "I8": 1, "U8": 1, "I32": 4, "F8_E4M3": 1, "F64": 8,
        "I64": 8, "I16": 2}
LINEARS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
           "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")


def product(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def headers(model_dir):
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = list(dict.fromkeys(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    tensors = {}
    for name in files:
        with open(os.path.join(model_dir, name), "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))
        for t, e in header.items():
            if t != "__metadata__":
                tensors[t] = e
    return files, tensors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("report")
    ap.add_argument("--variant")
    ap.add_argument("--parameters", type=int)
    ap.add_argument("--context", type=int)
    ap.add_argument("--target", default="cpu")
    ap.add_argument("--kv-dtype", help="the KV cache's element type inspect was asked for")
    ap.add_argument("--dtype")
    ap.add_argument("--usable", choices=["yes", "no"], default="yes")
    args = ap.parse_args()

    with open(args.report) as f:
        rep = json.load(f)
    with open(os.path.join(args.model_dir, "config.json")) as f:
        cfg = json.load(f)
    files, tensors = headers(args.model_dir)
    bad = []

    def expect(what, got, want):
        if got != want:
            bad.append(f"{what}: report says {got!r}, expected {want!r}")

    # Counts from the headers.
    expect("tensors", rep["tensors"], len(tensors))
    expect("shards", rep["shards"], len(files))
    dtypes = {}
    for e in tensors.values():
        dtypes[e["dtype"]] = dtypes.get(e["dtype"], 0) + e["data_offsets"][1] - e["data_offsets"][0]
    expect("dtypes", rep["dtypes"], dtypes)
    expect("memory.weights_bytes", rep["memory"]["weights_bytes"], sum(dtypes.values()))

    tied = cfg.get("tie_word_embeddings", False)
    from_headers = sum(product(e["shape"]) for t, e in tensors.items()
                       if not t.endswith(AUX) and not (tied and t == "lm_head.weight"))
    L, h, ffn, V = (cfg["num_hidden_layers"], cfg["hidden_size"], cfg["intermediate_size"],
                    cfg["vocab_size"])
    heads = cfg["num_attention_heads"]
    kvh = cfg.get("num_key_value_heads", heads)
    hd = cfg.get("head_dim") or h // heads
    q, kv = heads * hd, kvh * hd
    per_layer = 2 * h + q * h + 2 * kv * h + h * q + 3 * h * ffn
    from_config = V * h + L * per_layer + h + (0 if tied else V * h)
    broken = args.usable == "no"  # tensors missing or misshapen: the two sums differ
    if from_headers != from_config and not broken:
        bad.append(f"the headers hold {from_headers} parameters but the config implies {from_config}")
    expect("parameters", rep["parameters"], from_headers)
    if args.parameters is not None:
        expect("parameters (published)", rep["parameters"], args.parameters)

    # Evidence.
    ev = rep["evidence"]
    expect("evidence.vocab_size", ev["vocab_size"], V)
    expect("evidence.num_hidden_layers", ev["num_hidden_layers"], L)
    expect("evidence.num_attention_heads", ev["num_attention_heads"], heads)
    expect("evidence.num_key_value_heads", ev["num_key_value_heads"], kvh)
    expect("evidence.architectures", ev["architectures"], cfg.get("architectures", []))
    rope = cfg.get("rope_scaling") or {}
    expect("evidence.rope_scaling.type", ev["rope_scaling"]["type"],
           rope.get("rope_type", rope.get("type", "none")) if rope else "none")
    if rope:
        expect("evidence.rope_scaling.factor", ev["rope_scaling"]["factor"], rope["factor"])
    bos = None
    tc_path = os.path.join(args.model_dir, "tokenizer_config.json")
    if os.path.exists(tc_path):
        with open(tc_path, encoding="utf-8") as f:
            b = json.load(f).get("bos_token")
        bos = b["content"] if isinstance(b, dict) else b
    expect("evidence.tokenizer_bos", ev["tokenizer_bos"], bos)
    qc = cfg.get("quantization_config")
    expect("evidence.quantization_config", ev["quantization_config"],
           qc["quant_method"] if qc else None)
    if args.variant:
        expect("variant", rep["variant"], args.variant)

    # Quantization.
    if qc is None:
        expect("quantization", rep["quantization"], None)
    else:
        rq = rep["quantization"] or {}
        group = list(qc["config_groups"].values())[0]
        w, a = group["weights"], group.get("input_activations")
        kind = "fp" if w["type"] == "float" else "int"
        expect("quantization.method", rq.get("method"), qc["quant_method"])
        expect("quantization.scheme", rq.get("scheme"),
               f"w{w['num_bits']}a{a['num_bits'] if a else 16}-{kind}{w['num_bits']}")
        expect("quantization.weights_strategy", rq.get("weights_strategy"), w["strategy"])
        expect("quantization.activations_strategy", rq.get("activations_strategy"),
               a["strategy"] if a else None)
        expect("quantization.ignore", rq.get("ignore"), qc.get("ignore", []))

        def matches(pattern, module):
            if pattern.startswith("re:"):
                return re.match(pattern[3:], module) is not None
            return pattern in (module, "Linear")

        modules = [f"model.layers.{i}.{m}" for i in range(L) for m in LINEARS]
        if not tied:
            modules.append("lm_head")
        covered = [m for m in modules
                   if not any(matches(p, m) for p in qc.get("ignore", []))
                   and any(matches(t, m) for t in group["targets"])]
        expect("quantization.quantized_modules", rq.get("quantized_modules"), covered)
        expect("quantization.dense_modules", rq.get("dense_modules"),
               [m for m in modules if m not in covered])

    # Memory.
    mem = rep["memory"]
    max_pos = cfg.get("max_position_embeddings", 2048)
    context = args.context or min(max_pos, 4096)
    expect("memory.context", mem["context"], context)
    kv_bytes = 4 if args.target == "cpu" or args.dtype == "f32" else 2
    if args.kv_dtype:
        kv_bytes = {"fp8": 1, "bf16": 2, "f16": 2, "f32": 4}[args.kv_dtype]
    expect("memory.kv_dtype", mem["kv_dtype"],
           args.kv_dtype or ("f32" if kv_bytes == 4 else "bf16"))
    per_token = 2 * L * kvh * hd * kv_bytes
    expect("memory.kv_cache_bytes_per_token", mem["kv_cache_bytes_per_token"], per_token)
    expect("memory.kv_cache_bytes", mem["kv_cache_bytes"], per_token * context)
    # The weights the engine maps: every tensor the decoder reads (not an lm_head that tying
    # ignores), in --dtype when given.
    if not qc and not broken:
        elem = {"f32": 4, "bf16": 2, "f16": 2}.get(args.dtype)
        used = 0
        for t, e in tensors.items():
            if tied and t == "lm_head.weight":
                continue
            stored = e["data_offsets"][1] - e["data_offsets"][0]
            used += product(e["shape"]) * elem if elem else stored
        expect("memory.loaded_weights_bytes", mem["loaded_weights_bytes"], used)
    parts = (mem["loaded_weights_bytes"] + mem["kv_cache_bytes"] + mem["activation_bytes"]
             + mem["runtime_bytes"])
    expect("memory.total_bytes", mem["total_bytes"], parts)
    expect("memory.fits", mem["fits"], mem["total_bytes"] <= mem["capacity_bytes"])
    if not mem["fits"] and not mem["suggestions"]:
        bad.append("memory: does not fit but suggests nothing")
    expect("memory.suggestion", mem["suggestion"],
           "; ".join(mem["suggestions"]) if mem["suggestions"] else None)

    errors = [p for p in rep["problems"] if p["severity"] == "error"]
    expect("usable", rep["usable"], not errors)
    expect("usable (as the test expects)", rep["usable"], args.usable == "yes")

    for line in bad:
        print(f"check_inspect.py: {args.model_dir}: {line}")
    if bad:
        sys.exit(1)
    print(f"check_inspect.py: {rep['variant']}, {rep['parameters']:,} parameters, "
          f"{len(tensors)} tensors in {len(files)} files: OK")


if __name__ == "__main__":
    main()
