#!/usr/bin/env python3
"""Write a Hugging Face-format Llama model directory with seeded random weights.

The output looks like a real checkpoint (config.json, generation_config.json,
model.safetensors or shards + model.safetensors.index.json, optionally the
tokenizer files), so the compiler can be tested on every seed model's structure
without downloading real weights.

Examples:
  models/generate.py -o /tmp/tiny                              # the default 'tiny' model
  models/generate.py -o /tmp/m --preset llama-3.2-1b --scale tiny --vocab 512
  models/generate.py -o /tmp/m --preset tiny --dtype bf16 --shards 3
  models/generate.py -o /tmp/m --preset deepseek-r1-distill-llama-70b --shards 17 \\
      --shard-digits-total 6 --sparse                          # 141 GB of holes, instant
  models/generate.py -o /tmp/m --config path/to/config.json --scale tiny
  models/generate.py -o /tmp/m --preset llama-3.2-1b --quantize w8a8 --sparse

Only the Python standard library and numpy are used; safetensors is written by hand.
"""

import argparse
import json
import os
import re
import shutil
import struct
import sys
import tempfile
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

LLAMA3_ROPE = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
               "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}
LLAMA3_EOS = [128001, 128008, 128009]

# Hyper-parameters of the real seed models (values from their published config.json /
# generation_config.json). 'gen_eos' is generation_config.json's eos_token_id, which can differ
# from config.json's: the effective stop set is the union of the two.
PRESETS = {
    "llama-3.1-8b": dict(
        num_hidden_layers=32, hidden_size=4096, num_attention_heads=32, num_key_value_heads=8,
        intermediate_size=14336, vocab_size=128256, max_position_embeddings=131072,
        rope_theta=500000.0, rope_scaling=LLAMA3_ROPE, tie_word_embeddings=False,
        bos_token_id=128000, eos_token_id=LLAMA3_EOS, gen_eos=LLAMA3_EOS, torch_dtype="bfloat16"),
    "llama-3.2-1b": dict(
        num_hidden_layers=16, hidden_size=2048, num_attention_heads=32, num_key_value_heads=8,
        head_dim=64, intermediate_size=8192, vocab_size=128256, max_position_embeddings=131072,
        rope_theta=500000.0, rope_scaling=dict(LLAMA3_ROPE, factor=32.0), tie_word_embeddings=True,
        bos_token_id=128000, eos_token_id=LLAMA3_EOS, gen_eos=LLAMA3_EOS, torch_dtype="bfloat16"),
    "tinyllama-1.1b": dict(
        num_hidden_layers=22, hidden_size=2048, num_attention_heads=32, num_key_value_heads=4,
        intermediate_size=5632, vocab_size=32000, max_position_embeddings=2048,
        rope_theta=10000.0, rope_scaling=None, tie_word_embeddings=False,
        bos_token_id=1, eos_token_id=2, gen_eos=2, torch_dtype="bfloat16"),
    "deepseek-r1-distill-llama-8b": dict(
        num_hidden_layers=32, hidden_size=4096, num_attention_heads=32, num_key_value_heads=8,
        intermediate_size=14336, vocab_size=128256, max_position_embeddings=131072,
        rope_theta=500000.0, rope_scaling=LLAMA3_ROPE, tie_word_embeddings=False,
        bos_token_id=128000, eos_token_id=128001, gen_eos=128001, torch_dtype="bfloat16"),
    # The real config.json ships Llama-3.3-70B-Instruct's eos list and head_dim; the DeepSeek
    # tokenizer's end of sentence (and its generation_config.json, by the 8B's) is 128001.
    "deepseek-r1-distill-llama-70b": dict(
        num_hidden_layers=80, hidden_size=8192, num_attention_heads=64, num_key_value_heads=8,
        head_dim=128, intermediate_size=28672, vocab_size=128256, max_position_embeddings=131072,
        rope_theta=500000.0, rope_scaling=LLAMA3_ROPE, tie_word_embeddings=False,
        bos_token_id=128000, eos_token_id=LLAMA3_EOS, gen_eos=128001, torch_dtype="bfloat16"),
    "tiny": dict(
        num_hidden_layers=2, hidden_size=64, num_attention_heads=4, num_key_value_heads=2,
        intermediate_size=160, vocab_size=256, max_position_embeddings=128,
        rope_theta=10000.0, rope_scaling=None, tie_word_embeddings=False,
        bos_token_id=1, eos_token_id=2, gen_eos=2, torch_dtype="float32"),
    "tiny-mha": dict(
        num_hidden_layers=2, hidden_size=64, num_attention_heads=4, num_key_value_heads=4,
        intermediate_size=160, vocab_size=256, max_position_embeddings=128,
        rope_theta=10000.0, rope_scaling=None, tie_word_embeddings=True,
        bos_token_id=1, eos_token_id=2, gen_eos=2, torch_dtype="float32"),
}

# compressed-tensors W8A8 int8, as llm-compressor writes it: int8 weights with per-channel
# scales, int8 activations quantized per token at run time; lm_head left dense.
W8A8_CONFIG = {
    "config_groups": {"group_0": {
        "input_activations": {"actorder": None, "block_structure": None, "dynamic": True,
                              "group_size": None, "num_bits": 8, "observer": "memoryless",
                              "observer_kwargs": {}, "strategy": "token", "symmetric": True,
                              "type": "int"},
        "output_activations": None, "targets": ["Linear"],
        "weights": {"actorder": None, "block_structure": None, "dynamic": False,
                    "group_size": None, "num_bits": 8, "observer": "minmax",
                    "observer_kwargs": {}, "strategy": "channel", "symmetric": True,
                    "type": "int"}}},
    "format": "int-quantized", "global_compression_ratio": 1.2, "ignore": ["lm_head"],
    "kv_cache_scheme": None, "quant_method": "compressed-tensors",
    "quantization_status": "compressed"}

# dtype flag -> (safetensors dtype, config torch_dtype, bytes per element)
DTYPES = {"f32": ("F32", "float32", 4), "bf16": ("BF16", "bfloat16", 2),
          "f16": ("F16", "float16", 2)}
TORCH_TO_FLAG = {v[1]: k for k, v in DTYPES.items()}

CHUNK_ELEMS = 1 << 22  # rows are generated in chunks of about this many values (16 MB of float32)


def die(msg):
    sys.exit(f"generate.py: error: {msg}")


def read_source_config(path):
    """The fields of a real config.json that this generator models (extras such as
    quantization_config are dropped); generation_config.json beside it supplies gen_eos."""
    with open(path) as f:
        src = json.load(f)
    if src.get("hidden_act", "silu") != "silu" or src.get("attention_bias") or src.get("mlp_bias"):
        die(f"{path}: only silu, bias-free Llama models can be generated")
    cfg = {k: src[k] for k in ("num_hidden_layers", "hidden_size", "num_attention_heads",
                               "intermediate_size", "vocab_size")}
    cfg["num_key_value_heads"] = src.get("num_key_value_heads", cfg["num_attention_heads"])
    if src.get("head_dim") is not None:
        cfg["head_dim"] = src["head_dim"]
    cfg["max_position_embeddings"] = src.get("max_position_embeddings", 2048)
    cfg["rms_norm_eps"] = src.get("rms_norm_eps", 1e-6)
    cfg["rope_theta"] = src.get("rope_theta", 10000.0)
    cfg["rope_scaling"] = src.get("rope_scaling")
    cfg["tie_word_embeddings"] = src.get("tie_word_embeddings", False)
    cfg["bos_token_id"] = src.get("bos_token_id", 1)
    cfg["eos_token_id"] = src.get("eos_token_id", 2)
    cfg["torch_dtype"] = src.get("torch_dtype") or src.get("dtype") or "bfloat16"
    cfg["gen_eos"] = cfg["eos_token_id"]
    quant = src.get("quantization_config")
    if quant is not None:
        groups = list((quant.get("config_groups") or {}).values())
        weights = (groups[0].get("weights") or {}) if groups else {}
        if (quant.get("quant_method") != "compressed-tensors" or len(groups) != 1
                or weights.get("num_bits") != 8 or weights.get("type") != "int"
                or weights.get("strategy") != "channel"):
            die(f"{path}: only compressed-tensors int8 per-channel (w8a8) checkpoints can be "
                "generated")
        cfg["quantize"] = "w8a8"
        cfg["quantization_config"] = quant
    gen_path = os.path.join(os.path.dirname(path), "generation_config.json")
    if os.path.exists(gen_path):
        with open(gen_path) as f:
            gen = json.load(f)
        cfg["gen_eos"] = gen.get("eos_token_id", cfg["eos_token_id"])
    return cfg


def scale_to_tiny(cfg):
    """Shrink widths, keeping layer count, GQA ratio, tying, RoPE, vocabulary and token ids."""
    heads, kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    ratio = heads // kv
    # Keep two or more KV heads where head_dim can stay >= 8: with a single KV head every
    # query-to-KV-head mapping is right, so a wrong one would go unnoticed.
    new_kv = max(1, min(8 // ratio, kv, 4))
    new_heads = new_kv * ratio
    hidden = 64
    head_dim = hidden // new_heads if hidden % new_heads == 0 else 8
    cfg.update(hidden_size=new_heads * head_dim, num_attention_heads=new_heads,
               num_key_value_heads=new_kv,
               intermediate_size=int(round(2.5 * new_heads * head_dim / 16)) * 16,
               max_position_embeddings=min(cfg["max_position_embeddings"], 256))
    if "head_dim" in cfg:
        cfg["head_dim"] = head_dim


def parse_ids(text):
    """'2' -> 2, '2,3' -> [2, 3] (a list, even of one, when written with a comma)."""
    parts = [int(p) for p in text.split(",") if p]
    return parts[0] if len(parts) == 1 and "," not in text else parts


def parse_rope_scaling(text):
    if text == "none":
        return None
    kind, _, factor = text.partition(":")
    factor = float(factor or 8.0)
    if kind == "llama3":
        return dict(LLAMA3_ROPE, factor=factor)
    if kind == "linear":
        return {"rope_type": "linear", "factor": factor}
    if kind == "linear-type":  # the older key spelling that some configs still carry
        return {"type": "linear", "factor": factor}
    die(f"--rope-scaling: expected none, llama3:F, linear:F or linear-type:F, got {text!r}")


def remap_token_ids(cfg):
    """When the vocabulary is shrunk below the special ids, renumber them 1, 2, 3, ... in order
    of first appearance (bos, eos, generation eos), keeping int/list forms and the union."""
    def ids(v):
        return v if isinstance(v, list) else [v]
    all_ids = [cfg["bos_token_id"]] + ids(cfg["eos_token_id"]) + ids(cfg["gen_eos"])
    if max(all_ids) < cfg["vocab_size"]:
        return
    order = list(dict.fromkeys(all_ids))
    if len(order) + 1 > cfg["vocab_size"]:
        die("vocabulary too small for the special token ids")
    new = {old: i + 1 for i, old in enumerate(order)}
    for key in ("bos_token_id", "eos_token_id", "gen_eos"):
        v = cfg[key]
        cfg[key] = [new[x] for x in v] if isinstance(v, list) else new[v]


def build_config(args):
    if args.config:
        cfg = read_source_config(args.config)
    else:
        cfg = json.loads(json.dumps(PRESETS[args.preset]))  # deep copy
    cfg.setdefault("rms_norm_eps", 1e-5)
    if args.scale == "tiny":
        scale_to_tiny(cfg)

    overrides = {"num_hidden_layers": args.layers, "hidden_size": args.hidden,
                 "num_attention_heads": args.heads, "num_key_value_heads": args.kv_heads,
                 "intermediate_size": args.ffn, "vocab_size": args.vocab,
                 "max_position_embeddings": args.context, "rope_theta": args.rope_theta,
                 "rms_norm_eps": args.rms_eps, "tie_word_embeddings": args.tie,
                 "bos_token_id": args.bos, "eos_token_id": args.eos}
    for key, value in overrides.items():
        if value is not None:
            cfg[key] = value
    if args.eos is not None and args.gen_eos is None:
        cfg["gen_eos"] = args.eos
    if args.gen_eos is not None:
        cfg["gen_eos"] = args.gen_eos
    if args.rope_scaling is not None:
        cfg["rope_scaling"] = parse_rope_scaling(args.rope_scaling)
    if args.head_dim is not None:
        cfg["head_dim"] = args.head_dim
    elif "head_dim" in cfg and (args.hidden or args.heads):
        cfg["head_dim"] = cfg["hidden_size"] // cfg["num_attention_heads"]
    if args.dtype:
        cfg["torch_dtype"] = DTYPES[args.dtype][1]
    if cfg["torch_dtype"] not in TORCH_TO_FLAG:
        die(f"unsupported torch_dtype {cfg['torch_dtype']!r}")
    remap_token_ids(cfg)

    heads, kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    if heads % kv:
        die(f"{heads} attention heads are not a multiple of {kv} KV heads")
    if "head_dim" not in cfg and cfg["hidden_size"] % heads:
        die("hidden size is not a multiple of the head count: pass --head-dim")
    if cfg.get("head_dim", cfg["hidden_size"] // heads) % 2:
        die("head_dim must be even (RoPE rotates pairs)")
    return cfg


def config_json(cfg):
    keys = ["num_hidden_layers", "hidden_size", "num_attention_heads", "num_key_value_heads",
            "intermediate_size", "vocab_size", "max_position_embeddings", "rms_norm_eps",
            "rope_theta", "rope_scaling", "tie_word_embeddings", "bos_token_id", "eos_token_id",
            "torch_dtype"]
    out = {k: cfg[k] for k in keys}
    if "head_dim" in cfg:  # absent in many real configs (then hidden_size / heads)
        out["head_dim"] = cfg["head_dim"]
    out.update(architectures=["LlamaForCausalLM"], model_type="llama", hidden_act="silu",
               attention_bias=False, mlp_bias=False)
    if cfg.get("quantize") == "w8a8":
        out["quantization_config"] = cfg.get("quantization_config", W8A8_CONFIG)
    return out


def tensor_specs(cfg):
    """[(name, shape, init)] in file order; init is 'embed', 'linear' or 'norm', and with
    quantization 'qweight' (int8 [out, in]) followed by 'qscale' ([out, 1], its per-channel
    scales) for every linear but lm_head (the only module the generated configs ignore)."""
    h, ffn, vocab = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hd = cfg.get("head_dim", h // cfg["num_attention_heads"])
    q, kv = cfg["num_attention_heads"] * hd, cfg["num_key_value_heads"] * hd
    specs = [("model.embed_tokens.weight", (vocab, h), "embed")]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        specs += [(p + "input_layernorm.weight", (h,), "norm"),
                  (p + "self_attn.q_proj.weight", (q, h), "linear"),
                  (p + "self_attn.k_proj.weight", (kv, h), "linear"),
                  (p + "self_attn.v_proj.weight", (kv, h), "linear"),
                  (p + "self_attn.o_proj.weight", (h, q), "linear"),
                  (p + "post_attention_layernorm.weight", (h,), "norm"),
                  (p + "mlp.gate_proj.weight", (ffn, h), "linear"),
                  (p + "mlp.up_proj.weight", (ffn, h), "linear"),
                  (p + "mlp.down_proj.weight", (h, ffn), "linear")]
    specs.append(("model.norm.weight", (h,), "norm"))
    if not cfg["tie_word_embeddings"]:
        specs.append(("lm_head.weight", (vocab, h), "linear"))
    if cfg.get("quantize") == "w8a8":
        qc = cfg.get("quantization_config", W8A8_CONFIG)
        quantized = []
        for name, shape, init in specs:
            if init == "linear" and quantizes(qc, name[:-len(".weight")]):
                quantized += [(name, shape, "qweight"), (name + "_scale", (shape[0], 1), "qscale")]
                if cfg.get("zero_points"):
                    quantized.append((name + "_zero_point", (shape[0], 1), "qzero"))
            else:
                quantized.append((name, shape, init))
        specs = quantized
    return specs


def quantizes(qc, module):
    """compressed-tensors' module matching for a Linear module: `ignore` first, then any config
    group's targets; each entry the class name "Linear", a module name, or "re:" + a regex
    matched as re.match does (anchored at the start only)."""
    def match(pattern):
        if pattern.startswith("re:"):
            return re.match(pattern[3:], module) is not None
        return pattern in (module, "Linear")
    if any(match(p) for p in qc.get("ignore") or []):
        return False
    return any(match(t) for g in (qc.get("config_groups") or {}).values()
               for t in g.get("targets") or [])


def elem_size(init, elem):
    return 1 if init in ("qweight", "qzero") else elem


def split_shards(sizes, n):
    """Index of the first tensor of each shard: cut where the running byte count crosses
    k/n of the total (so layers straddle shards, as in real checkpoints), at least one
    tensor per shard."""
    if n > len(sizes):
        die(f"{n} shards for {len(sizes)} tensors")
    total, starts, run, firsts = sum(sizes), [], 0, [0]
    for s in sizes:
        starts.append(run)
        run += s
    for k in range(1, n):
        i = next((j for j, st in enumerate(starts) if st * n >= k * total), len(sizes))
        firsts.append(min(max(i, firsts[-1] + 1), len(sizes) - (n - k)))
    return firsts


def to_dtype(a, dtype):
    """float32 array -> contiguous array of the target dtype's bytes."""
    if dtype == "F32":
        return a
    if dtype == "F16":
        return a.astype(np.float16)
    # bf16: round to nearest even on the float32 bit pattern, keep the high half.
    u = a.view(np.uint32)
    r = u >> 16
    r &= 1
    r += 0x7FFF
    r += u
    return r.view(np.uint16)[..., 1::2].copy()


def make_chunk(seed, name, shape, init, row0, rows, dtype):
    # Seeded per (tensor name, chunk): values do not depend on dtype, sharding, thread count or
    # on which other tensors exist, and chunks can be generated in parallel.
    if init == "qzero":
        return np.zeros((rows, 1), np.int8)
    if init in ("qweight", "qscale"):
        # Symmetric per-channel int8 of the dense weight as llm-compressor computes it: the
        # scale spreads [-absmax, absmax] over the 255 steps of [-128, 127] (absmax / 127.5),
        # rounded to the stored dtype, and q = round_half_even(w / scale) clamped to [-128, 127]
        # (so -128 is common: every row's most negative weight near -absmax lands on it).
        w = make_chunk(seed, name, shape, "linear", row0, rows, "F32")
        scale = np.maximum(np.abs(w).max(axis=1, keepdims=True), np.float32(1e-8)) / np.float32(127.5)
        scale = np.ascontiguousarray(scale, dtype=np.float32)
        if dtype == "BF16":
            scale = (to_dtype(scale, dtype).astype(np.uint32) << np.uint32(16)).view(np.float32)
        elif dtype == "F16":
            scale = scale.astype(np.float16).astype(np.float32)
        if init == "qscale":
            return to_dtype(scale, dtype)
        return np.clip(np.rint(w / scale), -128, 127).astype(np.int8)
    rng = np.random.default_rng([seed, zlib.crc32(name.encode()), row0])
    cols = shape[1] if len(shape) == 2 else shape[0]
    a = rng.standard_normal((rows, cols) if len(shape) == 2 else (cols,), dtype=np.float32)
    if init == "norm":
        a *= np.float32(0.1)
        a += np.float32(1.0)
    elif init == "linear":
        a *= np.float32(1.0 / np.sqrt(cols))  # unit-variance inputs give unit-variance outputs
    else:
        # Embedding: std hidden^-1/4 sits between O(1) inputs (well above rms_norm_eps) and
        # O(1) logits when the table doubles as lm_head (tied): logits std = hidden^1/4.
        a *= np.float32(cols ** -0.25)
    return to_dtype(a, dtype)


class Writer:
    """Writes safetensors files, generating chunks on a thread pool (numpy's generators and
    conversions release the GIL) while the main thread writes them in order."""

    def __init__(self, seed, dtype, elem, sparse, sort):
        self.seed, self.dtype, self.elem, self.sparse, self.sort = seed, dtype, elem, sparse, sort
        self.workers = min(8, os.cpu_count() or 1)
        self.weight_shapes = {}  # quantized weight -> shape, for generating its scales
        self.pool = ThreadPoolExecutor(max_workers=self.workers)

    def write(self, path, specs):
        if self.sort:  # as safetensors' own writer lays files out: by name, so layers.10 < layers.2
            specs = sorted(specs)
        header, off = {"__metadata__": {"format": "pt"}}, 0
        for name, shape, init in specs:
            n = int(np.prod(shape)) * elem_size(init, self.elem)
            header[name] = {"dtype": "I8" if init in ("qweight", "qzero") else self.dtype,
                            "shape": list(shape), "data_offsets": [off, off + n]}
            off += n
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " * (-(8 + len(text)) % 8)  # data starts 8-byte aligned, as HF writes it
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            if self.sparse:
                f.truncate(8 + len(text) + off)  # right size, data left as a hole
            else:
                self._write_data(f, specs)

    def _write_data(self, f, specs):
        jobs = []
        for name, shape, init in specs:
            if init == "qscale":  # scales of the weight named without "_scale", chunked as it is
                name, shape = name[:-len("_scale")], self.weight_shapes[name[:-len("_scale")]]
            elif init == "qzero":
                name, shape = name[:-len("_zero_point")], self.weight_shapes[name[:-len("_zero_point")]]
            rows = shape[0] if len(shape) == 2 else 1
            step = max(1, CHUNK_ELEMS // shape[-1]) if len(shape) == 2 else 1
            for row0 in range(0, rows, step):
                jobs.append((self.seed, name, shape, init, row0, min(step, rows - row0),
                             self.dtype))
        # Bounded window of chunks in flight: memory stays at a few chunks whatever the model size.
        window, pending = 2 * self.workers + 2, []
        for job in jobs:
            pending.append(self.pool.submit(make_chunk, *job))
            if len(pending) >= window:
                f.write(pending.pop(0).result())
        for fut in pending:
            f.write(fut.result())


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def check_tokenizer(path, vocab):
    with open(path, encoding="utf-8") as f:
        tok = json.load(f)
    ids = list((tok.get("model") or {}).get("vocab", {}).values() or [0])
    ids += [t["id"] for t in tok.get("added_tokens", [])]
    if max(ids) >= vocab:
        print(f"generate.py: warning: tokenizer ids go up to {max(ids)}, vocab_size is {vocab}",
              file=sys.stderr)


def generate(args, cfg, out_dir):
    dtype, _, elem = DTYPES[TORCH_TO_FLAG[cfg["torch_dtype"]]]
    specs = tensor_specs(cfg)
    sizes = [int(np.prod(s)) * elem_size(init, elem) for _, s, init in specs]
    write_json(os.path.join(out_dir, "config.json"), config_json(cfg))
    write_json(os.path.join(out_dir, "generation_config.json"),
               {"bos_token_id": cfg["bos_token_id"], "eos_token_id": cfg["gen_eos"]})
    if args.tokenizer:
        for fn in ("tokenizer.json", "tokenizer_config.json"):
            src = os.path.join(args.tokenizer, fn)
            if not os.path.exists(src):
                die(f"--tokenizer: {src} not found")
            shutil.copyfile(src, os.path.join(out_dir, fn))
        check_tokenizer(os.path.join(out_dir, "tokenizer.json"), cfg["vocab_size"])

    writer = Writer(args.seed, dtype, elem, args.sparse, args.tensor_order == "sorted")
    writer.weight_shapes = {name: shape for name, shape, init in specs if init == "qweight"}
    with writer.pool:
        if args.index:
            # A real checkpoint's layout: its shard names and which tensor each one holds.
            with open(args.index) as f:
                weight_map = json.load(f)["weight_map"]
            names = {name for name, _, _ in specs}
            if set(weight_map) != names:
                extra, missing = set(weight_map) - names, names - set(weight_map)
                die(f"--index {args.index}: its tensors differ from this config's "
                    f"({len(extra)} not in the config, {len(missing)} not in the index)")
            for fn in sorted(set(weight_map.values())):
                writer.write(os.path.join(out_dir, fn),
                             [sp for sp in specs if weight_map[sp[0]] == fn])
            with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
                json.dump({"metadata": {"total_size": sum(sizes)}, "weight_map": weight_map},
                          f, indent=2)
                f.write("\n")
        elif args.shards == 1:
            writer.write(os.path.join(out_dir, "model.safetensors"), specs)
        else:
            firsts = split_shards(sizes, args.shards) + [len(specs)]
            weight_map = {}
            for k in range(args.shards):
                fn = f"model-{k + 1:05d}-of-{args.shards:0{args.shard_digits_total}d}.safetensors"
                part = specs[firsts[k]:firsts[k + 1]]
                writer.write(os.path.join(out_dir, fn), part)
                weight_map.update((name, fn) for name, _, _ in part)
            with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
                json.dump({"metadata": {"total_size": sum(sizes)}, "weight_map": weight_map},
                          f, indent=2)
                f.write("\n")
    params = sum(int(np.prod(s)) for _, s, init in specs if init != "qscale")
    return len(specs), params, sum(sizes)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", required=True, help="model directory to create")
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    src.add_argument("--config", help="a real config.json to take the structure from")
    ap.add_argument("--scale", choices=["full", "tiny"], default="full",
                    help="tiny: same structure (layers, GQA ratio, tying, RoPE, ids), hidden 64")
    ap.add_argument("--dtype", choices=sorted(DTYPES), help="default: the config's torch_dtype")
    ap.add_argument("--shards", type=int, default=1, help="more than 1: sharded with an index")
    ap.add_argument("--index", help="a real model.safetensors.index.json: lay the shards out as "
                                    "it does (file names, which tensor goes where)")
    ap.add_argument("--shard-digits-total", type=int, choices=[5, 6], default=5,
                    help="digits of the total in shard names (6: model-00001-of-000017)")
    ap.add_argument("--seed", type=int, default=0)
    for flag, what in [("layers", "layer count"), ("hidden", "hidden size"),
                       ("heads", "attention heads"), ("kv-heads", "key/value heads"),
                       ("head-dim", "head dim (also writes head_dim to config.json)"),
                       ("ffn", "intermediate size"), ("vocab", "vocabulary size"),
                       ("context", "max_position_embeddings")]:
        ap.add_argument("--" + flag, type=int, help=what)
    ap.add_argument("--rope-theta", type=float)
    ap.add_argument("--rope-scaling", help="none, llama3:F, linear:F or linear-type:F")
    ap.add_argument("--rms-eps", type=float)
    ap.add_argument("--bos", type=int, help="bos_token_id")
    ap.add_argument("--eos", type=parse_ids, help="config eos_token_id: 2 or 2,3 (a list)")
    ap.add_argument("--gen-eos", type=parse_ids, help="generation_config eos_token_id")
    tie = ap.add_mutually_exclusive_group()
    tie.add_argument("--tie", dest="tie", action="store_true")
    tie.add_argument("--no-tie", dest="tie", action="store_false")
    ap.set_defaults(tie=None)  # neither flag: keep the preset's / config's choice
    ap.add_argument("--tensor-order", choices=["natural", "sorted"], default="natural",
                    help="order within each file: embed, layers 0..L-1, norm, lm_head; or by name")
    ap.add_argument("--tokenizer", help="directory with tokenizer.json and tokenizer_config.json")
    ap.add_argument("--sparse", action="store_true",
                    help="headers and file sizes only, data left as holes (instant)")
    ap.add_argument("--quantize", choices=["w8a8"],
                    help="w8a8: compressed-tensors int8 linears with per-channel scales "
                         "(lm_head dense), and the quantization_config that describes them")
    ap.add_argument("--quant-ignore",
                    help="with --quantize: the quantization_config ignore list, comma-separated "
                         "module names or re:REGEX (default: the config's, else lm_head)")
    ap.add_argument("--zero-points", action="store_true",
                    help="with --quantize: also write all-zero X.weight_zero_point tensors, as "
                         "older compressed-tensors writers did for symmetric schemes")
    ap.add_argument("--force", action="store_true", help="replace an existing output directory")
    args = ap.parse_args()

    if sys.byteorder != "little":
        die("safetensors data is little-endian; this writer assumes a little-endian host")
    if args.shards < 1:
        die("--shards must be at least 1")
    out = os.path.abspath(args.output.rstrip("/") or "/")
    if os.path.lexists(out) and not args.force:
        die(f"{args.output} exists (pass --force to replace it)")
    cfg = build_config(args)
    if args.quantize:
        cfg["quantize"] = args.quantize
    if (args.quant_ignore is not None or args.zero_points) and cfg.get("quantize") != "w8a8":
        die("--quant-ignore and --zero-points need --quantize w8a8 or a quantized --config")
    if args.quant_ignore is not None:
        qc = json.loads(json.dumps(cfg.get("quantization_config", W8A8_CONFIG)))
        qc["ignore"] = [p for p in args.quant_ignore.split(",") if p]
        cfg["quantization_config"] = qc
    cfg["zero_points"] = args.zero_points

    # Build next to the target and rename at the end: a crash never leaves a half-written model.
    try:
        os.makedirs(os.path.dirname(out), exist_ok=True)
    except OSError as e:
        die(f"cannot create {os.path.dirname(out)}: {e.strerror}")
    tmp = tempfile.mkdtemp(prefix=os.path.basename(out) + ".tmp-", dir=os.path.dirname(out))
    try:
        os.chmod(tmp, 0o755)
        count, params, nbytes = generate(args, cfg, tmp)
        if os.path.lexists(out):
            old = tmp + ".old"
            os.rename(out, old)
            os.rename(tmp, out)
            shutil.rmtree(old) if os.path.isdir(old) else os.remove(old)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    files = len(set(json.load(open(args.index))["weight_map"].values())) if args.index \
        else args.shards
    print(f"generate.py: {count} tensors, {params:,} parameters, {nbytes:,} bytes of "
          f"{cfg['torch_dtype']} in {files} safetensors file{'s' * (files > 1)}"
          f"{' (sparse)' if args.sparse else ''} -> {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
