#!/usr/bin/env python3
"""Independent checker for safetensors files and Hugging Face Llama model directories.

  check_safetensors.py PATH...   (a .safetensors file, or a model directory)

For each file: header length within the file, header is a JSON object, known dtypes, byte
length == shape x element size, tensors contiguous from 0 with no gap or overlap, and the
file ends exactly where the data does. For a directory also: config.json parses and has the
Llama fields, the index (when sharded) agrees with the shards, and the tensor names and
shapes are exactly those the config implies. Prints a summary and one 'error:' line per
problem; exits 1 if there was any. Deliberately shares no code with models/generate.py.
"""

import json
import math
import os
import struct
import sys

ELEM = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
        "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}
TORCH = {"float32": "F32", "bfloat16": "BF16", "float16": "F16"}
CONFIG_INTS = ["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
               "vocab_size"]


class Report:
    def __init__(self):
        self.errors = 0

    def error(self, where, msg):
        self.errors += 1
        print(f"error: {where}: {msg}")


def check_file(path, rep):
    """Returns {name: (dtype, shape)} of every entry (None if the header is unreadable)."""
    where = os.path.basename(path)
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        if size < 8:
            rep.error(where, f"file of {size} bytes has no header length")
            return None
        n = struct.unpack("<Q", f.read(8))[0]
        if 8 + n > size:
            rep.error(where, f"header length {n} runs past the end of the file ({size} bytes)")
            return None
        raw = f.read(n)
    try:
        header = json.loads(raw.decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError("not an object")
    except ValueError as e:
        rep.error(where, f"header is not a JSON object ({e})")
        return None
    meta = header.pop("__metadata__", None)
    if meta is not None and not (isinstance(meta, dict) and
                                 all(isinstance(v, str) for v in meta.values())):
        rep.error(where, "__metadata__ is not a string-to-string map")
    data_len = size - 8 - n
    tensors, spans, out_of_range = {}, [], False
    for name, t in header.items():
        if not isinstance(t, dict):
            rep.error(where, f"{name}: entry is not an object")
            out_of_range = True
            continue
        dtype, shape, offs = t.get("dtype"), t.get("shape"), t.get("data_offsets")
        tensors[name] = (dtype, shape)
        if not (isinstance(offs, list) and len(offs) == 2 and all(isinstance(o, int) for o in offs)
                and 0 <= offs[0] <= offs[1]):
            rep.error(where, f"{name}: bad data_offsets {offs!r}")
            out_of_range = True
            continue
        if offs[1] > data_len:
            # Sizes and layout mean nothing past the end: report this alone.
            rep.error(where, f"{name}: data_offsets {offs} end past the data ({data_len} bytes)")
            out_of_range = True
            continue
        spans.append((offs[0], offs[1], name))
        if dtype not in ELEM:
            rep.error(where, f"{name}: unknown dtype {dtype!r}")
        elif not (isinstance(shape, list) and all(isinstance(x, int) and x >= 0 for x in shape)):
            rep.error(where, f"{name}: bad shape {shape!r}")
        elif offs[1] - offs[0] != math.prod(shape) * ELEM[dtype]:
            rep.error(where, f"{name}: {offs[1] - offs[0]} bytes for shape {shape} {dtype} "
                             f"(needs {math.prod(shape) * ELEM[dtype]})")
    # Layout: sorted by offset, each tensor starts where the previous ended (the header order
    # need not be the data order).
    pos, prev = 0, None
    for begin, end, name in ([] if out_of_range else sorted(spans)):
        if begin < pos:
            rep.error(where, f"{name} [{begin}, {end}) overlaps {prev} (ends at {pos})")
        elif begin > pos:
            rep.error(where, f"gap of {begin - pos} bytes before {name}")
        pos, prev = max(pos, end), name
    if spans and not out_of_range and pos < data_len:
        rep.error(where, f"{data_len - pos} bytes after the last tensor")
    dtypes = sorted({str(d) for d, _ in tensors.values()})
    print(f"{where}: header {n} bytes{'' if (8 + n) % 8 == 0 else ' (data start not 8-aligned)'}, "
          f"{len(tensors)} tensors, {'/'.join(dtypes) or '-'}, data {data_len} bytes")
    return tensors


def expected_tensors(cfg):
    h, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads", heads)
    hd = cfg.get("head_dim") or h // heads
    f, v = cfg["intermediate_size"], cfg["vocab_size"]
    exp = {"model.embed_tokens.weight": [v, h], "model.norm.weight": [h]}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        exp.update({p + "input_layernorm.weight": [h], p + "post_attention_layernorm.weight": [h],
                    p + "self_attn.q_proj.weight": [heads * hd, h],
                    p + "self_attn.k_proj.weight": [kv * hd, h],
                    p + "self_attn.v_proj.weight": [kv * hd, h],
                    p + "self_attn.o_proj.weight": [h, heads * hd],
                    p + "mlp.gate_proj.weight": [f, h], p + "mlp.up_proj.weight": [f, h],
                    p + "mlp.down_proj.weight": [h, f]})
    if not cfg.get("tie_word_embeddings", False):
        exp["lm_head.weight"] = [v, h]
    return exp


def load_config(d, rep):
    path = os.path.join(d, "config.json")
    if not os.path.exists(path):
        rep.error("config.json", "missing")
        return None
    try:
        with open(path) as f:
            cfg = json.load(f)
    except ValueError as e:
        rep.error("config.json", f"not valid JSON ({e})")
        return None
    ok = True
    for k in CONFIG_INTS:
        if not isinstance(cfg.get(k), int) or isinstance(cfg.get(k), bool) or cfg[k] <= 0:
            rep.error("config.json", f"{k} missing or not a positive integer: {cfg.get(k)!r}")
            ok = False
    if cfg.get("model_type") != "llama":
        rep.error("config.json", f"model_type {cfg.get('model_type')!r} is not 'llama'")
    eos = cfg.get("eos_token_id")
    if not (isinstance(eos, int) or
            (isinstance(eos, list) and all(isinstance(e, int) for e in eos))):
        rep.error("config.json", f"eos_token_id {eos!r} is neither an int nor a list of ints")
    if ok:
        print(f"config.json: {cfg['num_hidden_layers']} layers, hidden {cfg['hidden_size']}, "
              f"heads {cfg['num_attention_heads']}/{cfg.get('num_key_value_heads')}, "
              f"ffn {cfg['intermediate_size']}, vocab {cfg['vocab_size']}, "
              f"tied {cfg.get('tie_word_embeddings', False)}, {cfg.get('torch_dtype')}")
    return cfg if ok else None


def check_dir(d, rep):
    if not os.listdir(d):
        rep.error(d, "empty directory")
        return
    cfg = load_config(d, rep)
    index_path = os.path.join(d, "model.safetensors.index.json")
    found, unreadable = {}, set()  # tensors of unreadable files are not checked against config
    if os.path.exists(index_path):
        with open(index_path) as f:
            index = json.load(f)
        wm = index.get("weight_map", {})
        total, sizes_known = 0, True
        for fn in dict.fromkeys(wm.values()):
            path = os.path.join(d, fn)
            tensors = check_file(path, rep) if os.path.exists(path) else None
            if tensors is None:
                if not os.path.exists(path):
                    rep.error("index", f"shard {fn} is missing")
                unreadable.update(n for n, f_ in wm.items() if f_ == fn)
                continue
            for name, t in tensors.items():
                if wm.get(name) != fn:
                    rep.error(fn, f"{name} is not listed for this shard in the index")
                found[name] = t
                if t[0] in ELEM and isinstance(t[1], list):
                    total += math.prod(t[1]) * ELEM[t[0]]
                else:
                    sizes_known = False  # already reported; the sum would mean nothing
            for name in (n for n, f_ in wm.items() if f_ == fn and n not in tensors):
                rep.error("index", f"{name} listed in {fn} but not in its header")
        if sizes_known and not unreadable and \
                index.get("metadata", {}).get("total_size") != total:
            rep.error("index", f"total_size {index.get('metadata', {}).get('total_size')} != "
                               f"{total} bytes of tensors")
        print(f"index: {len(wm)} tensors in {len(set(wm.values()))} shards")
    elif os.path.exists(os.path.join(d, "model.safetensors")):
        found = check_file(os.path.join(d, "model.safetensors"), rep)
        if found is None:
            return
    else:
        rep.error(d, "no model.safetensors and no model.safetensors.index.json")
    if cfg is None:
        return
    exp = expected_tensors(cfg)
    want_dtype = TORCH.get(cfg.get("torch_dtype"))
    for name, shape in exp.items():
        if name in unreadable:
            continue
        if name not in found:
            rep.error("tensors", f"{name} missing")
        elif found[name][1] != shape:
            rep.error("tensors", f"{name} has shape {found[name][1]}, config implies {shape}")
        elif want_dtype and found[name][0] in ELEM and found[name][0] != want_dtype:
            rep.error("tensors", f"{name} is {found[name][0]}, config says {want_dtype}")
    for name in found:
        if name not in exp:
            rep.error("tensors", f"unexpected tensor {name}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rep = Report()
    for p in sys.argv[1:]:
        print(f"== {p}")
        if os.path.isdir(p):
            check_dir(p, rep)
        elif os.path.exists(p):
            check_file(p, rep)
        else:
            rep.error(p, "does not exist")
    print("OK" if rep.errors == 0 else f"{rep.errors} error(s)")
    sys.exit(1 if rep.errors else 0)


if __name__ == "__main__":
    main()
