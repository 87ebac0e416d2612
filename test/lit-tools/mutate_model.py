#!/usr/bin/env python3
"""Corrupt a model directory in place, one defect at a time, for bad-input tests.

  mutate_model.py DIR KIND [ARG...]

Each kind leaves the rest of the directory well formed (sizes, offsets, the index and the
file length stay consistent), so a test sees exactly the intended problem. Works on single
file and sharded directories; TENSOR is looked up through the index when sharded. Header
edits are made in place (re-padded with spaces) when they fit, so they also work on big
sparse checkpoints; kinds that add or remove a tensor rewrite the whole file (small models).
Run with no arguments for the list of kinds.
"""

import inspect
import json
import math
import os
import shutil
import struct
import sys

ELEM = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
        "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}
DEFAULT_TENSOR = "model.layers.0.self_attn.k_proj.weight"  # non-square under GQA


def die(msg):
    sys.exit(f"mutate_model.py: error: {msg}")


# --- safetensors helpers ------------------------------------------------------------------

def read_index(d):
    path = os.path.join(d, "model.safetensors.index.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_index(d, index):
    with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")


def weight_files(d):
    index = read_index(d)
    if index:
        return list(dict.fromkeys(index["weight_map"].values()))
    return ["model.safetensors"]


def file_of(d, tensor):
    index = read_index(d)
    fn = index["weight_map"].get(tensor) if index else "model.safetensors"
    if fn is None:
        die(f"{tensor} is not in the index")
    return os.path.join(d, fn)


def read_header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return n, json.loads(f.read(n))


def encode(header):
    return json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()


def rewrite_header(path, n, header):
    """Rewrite the header, data untouched: in place, re-padded with spaces, when the new JSON
    fits in the old length; else (small files only) the data moves behind a longer header."""
    text = encode(header)
    if len(text) <= n:
        with open(path, "r+b") as f:
            f.seek(8)
            f.write(text + b" " * (n - len(text)))
        return
    if os.path.getsize(path) > 1 << 30:
        die(f"{os.path.basename(path)}: edited header needs {len(text)} bytes, has {n}, "
            "and the file is too big to rewrite")
    with open(path, "rb") as f:
        f.seek(8 + n)
        data = f.read()
    text += b" " * (-(8 + len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def rebuild(path, drop=None, add=None):
    """Rewrite a file with tensor `drop` removed or `add` = (name, dtype, shape) appended
    (zero data), laid out contiguously like a fresh file."""
    n, header = read_header(path)
    with open(path, "rb") as f:
        f.seek(8 + n)
        data = f.read()
    meta = header.pop("__metadata__", None)
    out, blobs, off = ({"__metadata__": meta} if meta is not None else {}), [], 0
    for name, t in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        if name == drop:
            continue
        b, e = t["data_offsets"]
        out[name] = dict(t, data_offsets=[off, off + e - b])
        blobs.append(data[b:e])
        off += e - b
    if add:
        name, dtype, shape = add
        size = math.prod(shape) * ELEM[dtype]
        out[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + size]}
        blobs.append(bytes(size))
    text = encode(out)
    text += b" " * (-(8 + len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def tensor_entry(d, tensor):
    path = file_of(d, tensor)
    n, header = read_header(path)
    if tensor not in header:
        die(f"{tensor} not in {os.path.basename(path)}")
    return path, n, header, header[tensor]


def target_file(d, args):
    return os.path.join(d, args[0]) if args else os.path.join(d, weight_files(d)[0])


# --- config mutations ---------------------------------------------------------------------

def edit_config(d, fn):
    path = os.path.join(d, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    fn(cfg)
    with open(path, "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")


def remove_config(d):
    os.remove(os.path.join(d, "config.json"))


def config_invalid_json(d):
    path = os.path.join(d, "config.json")
    os.truncate(path, os.path.getsize(path) // 2)  # cut mid-way: an unterminated object


def config_drop_field(d, field):
    def drop(cfg):
        if field not in cfg:
            die(f"config.json has no field {field}")
        del cfg[field]
    edit_config(d, drop)


def config_set(d, field, value):
    edit_config(d, lambda cfg: cfg.__setitem__(field, json.loads(value)))


def config_set_path(d, path, value):
    """Sets a nested field, e.g. quantization_config.config_groups.group_0.weights.strategy,
    to a JSON value."""
    def set_path(cfg):
        keys = path.split(".")
        node = cfg
        for k in keys[:-1]:
            if not isinstance(node, dict) or k not in node:
                die(f"config.json has no field {path}")
            node = node[k]
        node[keys[-1]] = json.loads(value)
    edit_config(d, set_path)


# --- safetensors mutations ----------------------------------------------------------------

def header_length_past_eof(d, *args):
    path = target_file(d, args)
    with open(path, "r+b") as f:
        f.write(struct.pack("<Q", os.path.getsize(path)))  # 8 + N > file size


def header_not_json(d, *args):
    path = target_file(d, args)
    n, _ = read_header(path)
    pattern = b"this is not json "
    with open(path, "r+b") as f:
        f.seek(8)
        f.write((pattern * (n // len(pattern) + 1))[:n])


def set_first_byte(d, tensor, value):
    """Overwrites the first data byte of a tensor (e.g. a zero point that is not zero)."""
    path = file_of(d, tensor)
    n, header = read_header(path)
    begin = header[tensor]["data_offsets"][0]
    with open(path, "r+b") as f:
        f.seek(8 + n + begin)
        f.write(bytes([int(value) & 0xFF]))


def offsets_out_of_range(d, tensor=DEFAULT_TENSOR):
    path, n, header, t = tensor_entry(d, tensor)
    data_len = os.path.getsize(path) - 8 - n
    b, e = t["data_offsets"]
    t["data_offsets"] = [b, data_len + (e - b)]  # ends one tensor-length past the data
    rewrite_header(path, n, header)


def offsets_overlap(d, *args):
    """Tensor #2 (by offset) starts inside tensor #1. Every later tensor moves back by the same
    amount and the file is shortened by it, so sizes match shapes and there is no gap or
    trailing byte: the overlap is the only defect."""
    path = target_file(d, args)
    n, header = read_header(path)
    order = sorted((k for k in header if k != "__metadata__"),
                   key=lambda k: header[k]["data_offsets"][0])
    if len(order) < 2:
        die(f"{os.path.basename(path)} has fewer than two tensors")
    first, second = (header[k]["data_offsets"] for k in order[:2])
    shift = max(1, min(first[1] - first[0], second[1] - second[0]) // 2)
    for k in order[1:]:
        header[k]["data_offsets"] = [o - shift for o in header[k]["data_offsets"]]
    rewrite_header(path, n, header)
    os.truncate(path, os.path.getsize(path) - shift)  # after the rewrite: n may have grown


def unknown_dtype(d, tensor=DEFAULT_TENSOR):
    path, n, header, t = tensor_entry(d, tensor)
    t["dtype"] = "Q7"
    rewrite_header(path, n, header)


def shape_mismatch(d, tensor=DEFAULT_TENSOR):
    """Same element count (so offsets stay right), wrong shape: swap a non-square matrix,
    halve/double a square one, make a vector [1, n]."""
    path, n, header, t = tensor_entry(d, tensor)
    s = t["shape"]
    if len(s) == 2 and s[0] != s[1]:
        t["shape"] = [s[1], s[0]]
    elif len(s) == 2 and s[0] % 2 == 0:
        t["shape"] = [s[0] // 2, s[1] * 2]
    elif len(s) == 1:
        t["shape"] = [1, s[0]]
    else:
        die(f"no same-size wrong shape for {s}")
    rewrite_header(path, n, header)


def remove_tensor(d, tensor=DEFAULT_TENSOR):
    path, _, _, t = tensor_entry(d, tensor)
    rebuild(path, drop=tensor)
    index = read_index(d)
    if index:
        del index["weight_map"][tensor]
        index["metadata"]["total_size"] -= t["data_offsets"][1] - t["data_offsets"][0]
        write_index(d, index)


def add_tensor(d, name="model.extra.weight"):
    path = os.path.join(d, weight_files(d)[-1])
    _, header = read_header(path)
    dtype = next(t["dtype"] for k, t in header.items() if k != "__metadata__")
    shape = [4, 8]
    rebuild(path, add=(name, dtype, shape))
    index = read_index(d)
    if index:
        index["weight_map"][name] = os.path.basename(path)
        index["metadata"]["total_size"] += math.prod(shape) * ELEM[dtype]
        write_index(d, index)


def index_missing_shard(d):
    if not read_index(d):
        die("not a sharded model (no model.safetensors.index.json)")
    os.remove(os.path.join(d, weight_files(d)[-1]))


def truncate_file(d, name, size):
    path = os.path.join(d, name)
    size = int(size)
    os.truncate(path, size if size >= 0 else os.path.getsize(path) + size)  # negative: cut


def empty_dir(d):
    for name in os.listdir(d):
        p = os.path.join(d, name)
        shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)


KINDS = {
    "remove-config": (remove_config, "delete config.json"),
    "config-invalid-json": (config_invalid_json, "truncate config.json mid-way"),
    "config-drop-field": (config_drop_field, "FIELD: delete a config.json field"),
    "config-set": (config_set, "FIELD JSON_VALUE: set a config.json field"),
    "config-set-path": (config_set_path, "A.B.C JSON_VALUE: set a nested config.json field"),
    "set-first-byte": (set_first_byte, "TENSOR BYTE: overwrite the tensor's first data byte"),
    "header-length-past-eof": (header_length_past_eof,
                               "[FILE]: header length = file size (past the end)"),
    "header-not-json": (header_not_json, "[FILE]: header bytes replaced by text, same length"),
    "offsets-out-of-range": (offsets_out_of_range, "[TENSOR]: data_offsets end past the data"),
    "offsets-overlap": (offsets_overlap, "[FILE]: tensor #2 starts inside tensor #1"),
    "unknown-dtype": (unknown_dtype, "[TENSOR]: dtype 'Q7'"),
    "shape-mismatch": (shape_mismatch, "[TENSOR]: same byte size, shape the config disagrees with"),
    "remove-tensor": (remove_tensor, "[TENSOR]: drop a tensor (file and index stay valid)"),
    "add-tensor": (add_tensor, "[NAME]: add an unexpected [4, 8] tensor"),
    "index-missing-shard": (index_missing_shard, "delete the last shard named by the index"),
    "truncate-file": (truncate_file, "FILE BYTES: truncate FILE to BYTES (negative: cut BYTES)"),
    "empty-dir": (empty_dir, "delete everything in DIR"),
}


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in KINDS:
        kinds = "\n".join(f"  {k:24} {h}" for k, (_, h) in KINDS.items())
        sys.exit(f"{__doc__}\nkinds (default TENSOR {DEFAULT_TENSOR}):\n{kinds}")
    d, kind, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if not os.path.isdir(d):
        die(f"{d} is not a directory")
    fn, usage = KINDS[kind]
    try:
        inspect.signature(fn).bind(d, *args)
    except TypeError:
        die(f"{kind} takes: {usage}")
    fn(d, *args)


if __name__ == "__main__":
    main()
