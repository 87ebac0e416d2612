#!/usr/bin/env python3
"""Synthetic weights: the values a CUDA artifact fills its tensors with under
`--synthetic-weights SEED`, reproduced bit for bit in numpy, and a command that writes them as a
Hugging Face checkpoint (so transformers can run the very model the artifact ran).

  scripts/cuda/synthetic.py --manifest ARTIFACT/manifest.json --config MODEL_DIR --seed S -o OUT_DIR

The formula (integer arithmetic modulo 2^64; tensor t is the t-th entry, from 0, of the
manifest's "tensors" list; i is the element's row-major index within its tensor):

  splitmix64(x): x += 0x9E3779B97F4A7C15; z = x
                 z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
                 z = (z ^ (z >> 27)) * 0x94D049BB133111EB
                 return z ^ (z >> 31)
  base = splitmix64((S << 20) ^ t);  h = splitmix64(base + i)
  u    = float32(h >> 40) * 2^-23 - 1          exact, uniform in [-1, 1) on a 2^-23 grid
  rank 1 [n] (norm weights):   v = 1 + 0.25 * u              in float32 (one rounding: the
                                                             product is exact, so an FMA agrees)
  rank 2 [rows, cols]:         v = u * float32(sqrt(3 / cols))  (sqrt in float64, rounded to
                                                             float32; one float32 rounding)

then v is stored in the tensor's manifest dtype: F32 as is, BF16 and F16 rounded to nearest even.
The rank-2 scale gives every linear layer's output about the variance of its input, so a deep
random model keeps finite, non-degenerate logits. I8 tensors (w8a8 artifacts) are not synthetic.

OUT_DIR gets model.safetensors (every manifest tensor under its manifest name, shape and dtype,
in manifest order) and MODEL_DIR's config.json and generation_config.json. Tensors are generated
in chunks on a thread pool and streamed to the file, so memory stays at a few chunks whatever
the model's size (the safetensors package's writers need every tensor in memory at once); when
the package is importable the written file is reopened with it and checked. The directory is
written as OUT_DIR.tmp-XXXXXX and renamed at the end.
"""
import argparse
import json
import math
import os
import shutil
import struct
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MASK64 = (1 << 64) - 1
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31))
CHUNK_ELEMS = 1 << 24  # elements generated at once: 128 MiB of uint64 per chunk in flight

# manifest dtype -> (numpy dtype of the stored element, bytes per element)
DTYPES = {"F32": (np.dtype("<f4"), 4), "BF16": (np.dtype("<u2"), 2), "F16": (np.dtype("<f2"), 2)}


class SyntheticError(Exception):
    """A problem with the inputs, reported as one line."""


def splitmix64(x):
    """splitmix64 of every element of a uint64 array, modulo 2^64 (numpy's uint64 arithmetic
    wraps). Consumes x (works in place) and returns it."""
    x += GOLDEN
    x ^= x >> SHIFTS[0]
    x *= MIX1
    x ^= x >> SHIFTS[1]
    x *= MIX2
    x ^= x >> SHIFTS[2]
    return x


def tensor_base(seed, index):
    """splitmix64((seed << 20) ^ index): the per-tensor offset of the element hashes."""
    x = np.array([((int(seed) << 20) & MASK64) ^ int(index)], dtype=np.uint64)
    return int(splitmix64(x)[0])


def check_spec(shape, dtype, where="tensor"):
    if dtype == "I8":
        raise SyntheticError(f"{where} is I8 (an int8 weight of a w8a8 artifact): synthetic "
                             "weights cover F32, BF16 and F16 tensors only")
    if dtype not in DTYPES:
        raise SyntheticError(f"{where} has dtype {dtype!r}; synthetic weights cover F32, BF16 "
                             "and F16")
    if len(shape) not in (1, 2) or any(int(s) <= 0 for s in shape):
        raise SyntheticError(f"{where} has shape {list(shape)}; synthetic weights are defined "
                             "for rank-1 and rank-2 tensors")


def synthetic_chunk(seed, index, shape, start, stop, base=None):
    """float32 values of elements [start, stop) (row-major) of tensor `index`."""
    if base is None:
        base = tensor_base(seed, index)
    x = np.arange(start, stop, dtype=np.uint64)
    x += np.uint64(base)
    h = splitmix64(x)
    h >>= np.uint64(40)
    u = h.astype(np.float32)
    u *= np.float32(2.0 ** -23)
    u -= np.float32(1.0)
    if len(shape) == 1:
        u *= np.float32(0.25)
        u += np.float32(1.0)
    else:
        u *= np.float32(math.sqrt(3.0 / int(shape[1])))
    return u


def synthetic_tensor(seed, index, shape, dtype="F32"):
    """The float32 values of manifest tensor `index` (before conversion to `dtype`), shaped."""
    check_spec(shape, dtype)
    count = int(np.prod(shape, dtype=np.int64))
    base = tensor_base(seed, index)
    out = np.empty(count, dtype=np.float32)
    for start in range(0, count, CHUNK_ELEMS):
        stop = min(count, start + CHUNK_ELEMS)
        out[start:stop] = synthetic_chunk(seed, index, shape, start, stop, base)
    return out.reshape(tuple(int(s) for s in shape))


def bf16_bits(values):
    """float32 -> bfloat16 bit patterns (uint16), rounded to nearest even (finite input)."""
    u = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounded = u + (np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1)))
    return (rounded >> np.uint32(16)).astype(np.uint16)


def to_stored(values, dtype):
    """float32 values -> the array of stored elements (F32: float32, BF16: uint16 bits,
    F16: float16)."""
    if dtype == "F32":
        return np.ascontiguousarray(values, dtype=np.float32)
    if dtype == "BF16":
        return bf16_bits(values)
    if dtype == "F16":
        return np.ascontiguousarray(values, dtype=np.float32).astype(np.float16)
    raise SyntheticError(f"unsupported dtype {dtype!r}")


def synthetic_stored(seed, index, shape, dtype):
    """Tensor `index` as stored: a numpy array of the dtype's elements (bf16 as uint16 bits)."""
    return to_stored(synthetic_tensor(seed, index, shape, dtype), dtype)


def synthetic_torch(seed, index, shape, dtype, device="cpu"):
    """Tensor `index` as a torch tensor of its manifest dtype (bf16 from the rounded bits)."""
    import torch
    stored = synthetic_stored(seed, index, shape, dtype)
    if dtype == "BF16":
        return torch.from_numpy(stored.view(np.int16)).view(torch.bfloat16).to(device)
    return torch.from_numpy(stored).to(device)


def read_manifest(path):
    """The manifest's tensor list [(name, dtype, shape)], checked to be synthesizable."""
    try:
        with open(path) as f:
            manifest = json.load(f)
        tensors = [(t["name"], t["dtype"], [int(s) for s in t["shape"]]) for t in manifest["tensors"]]
    except OSError as e:
        raise SyntheticError(f"{path}: {e.strerror}")
    except (ValueError, KeyError, TypeError) as e:
        raise SyntheticError(f"{path}: not an artifact manifest with a tensor list ({e!r})")
    if not tensors:
        raise SyntheticError(f"{path}: the manifest lists no tensors")
    for name, dtype, shape in tensors:
        check_spec(shape, dtype, f"{path}: tensor '{name}'")
    return tensors


def safetensors_header(tensors):
    """The JSON header (padded so the data starts 8-byte aligned) and the data's byte size."""
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, dtype, shape in tensors:
        nbytes = int(np.prod(shape, dtype=np.int64)) * DTYPES[dtype][1]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return text, offset


def _stored_chunk(seed, index, shape, dtype, start, stop, base):
    return to_stored(synthetic_chunk(seed, index, shape, start, stop, base), dtype).tobytes()


def write_safetensors(path, tensors, seed, workers=None):
    """Writes model.safetensors by hand: 8-byte little-endian header length, JSON header, data
    (little-endian, bf16 as the rounded upper halves of the float32 values). Chunks are made on a
    thread pool (numpy releases the GIL) and written in order, a bounded window in flight."""
    if sys.byteorder != "little":
        raise SyntheticError("safetensors data is little-endian; this writer needs a "
                             "little-endian host")
    text, total = safetensors_header(tensors)
    workers = workers or min(8, os.cpu_count() or 1)
    with open(path, "wb") as f, ThreadPoolExecutor(max_workers=workers) as pool:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        window, pending = 2 * workers, []
        for index, (name, dtype, shape) in enumerate(tensors):
            base = tensor_base(seed, index)
            count = int(np.prod(shape, dtype=np.int64))
            for start in range(0, count, CHUNK_ELEMS):
                pending.append(pool.submit(_stored_chunk, seed, index, shape, dtype, start,
                                           min(count, start + CHUNK_ELEMS), base))
                if len(pending) >= window:
                    f.write(pending.pop(0).result())
        for future in pending:
            f.write(future.result())
        if f.tell() != 8 + len(text) + total:
            raise SyntheticError(f"{path}: wrote {f.tell()} bytes, expected {8 + len(text) + total}")


def verify_with_safetensors(path, tensors, seed):
    """When the safetensors package is importable: reopen the file with it and check every
    tensor's dtype and shape, and the stored elements of the smallest tensor (a bf16 one only
    through torch: numpy has no bfloat16). Returns whether the check ran."""
    try:
        from safetensors import safe_open
    except ImportError:
        return False
    try:
        import torch
    except ImportError:
        torch = None
    smallest = min(range(len(tensors)), key=lambda i: int(np.prod(tensors[i][2])))
    name, dtype, shape = tensors[smallest]
    framework = "pt" if torch is not None else "numpy"
    with safe_open(path, framework=framework) as st:
        keys = set(st.keys())
        for index, (tname, tdtype, tshape) in enumerate(tensors):
            if tname not in keys:
                raise SyntheticError(f"{path}: safetensors does not find '{tname}'")
            sl = st.get_slice(tname)
            if str(sl.get_dtype()).upper() != tdtype or list(sl.get_shape()) != list(tshape):
                raise SyntheticError(f"{path}: safetensors reads '{tname}' as {sl.get_dtype()} "
                                     f"{sl.get_shape()}, expected {tdtype} {tshape}")
        if framework == "numpy" and dtype == "BF16":
            return True
        got = st.get_tensor(name)
    want = synthetic_stored(seed, smallest, shape, dtype)
    if framework == "pt":
        got = got.view(torch.int16 if dtype == "BF16" else got.dtype).numpy()
    if not np.array_equal(np.asarray(got).view(want.dtype), want):
        raise SyntheticError(f"{path}: '{name}' does not read back as written")
    return True


def write_checkpoint(manifest, config_dir, seed, out, force=False):
    """Writes the Hugging Face checkpoint directory `out` (see the module docstring)."""
    tensors = read_manifest(manifest)
    config = os.path.join(config_dir, "config.json")
    if not os.path.isfile(config):
        raise SyntheticError(f"{config_dir}: no config.json")
    out = os.path.abspath(out.rstrip("/") or "/")
    if os.path.lexists(out) and not force:
        raise SyntheticError(f"{out}: exists (pass --force to replace it)")
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=os.path.basename(out) + ".tmp-", dir=parent)
    try:
        for fn in ("config.json", "generation_config.json"):
            if os.path.isfile(os.path.join(config_dir, fn)):
                shutil.copyfile(os.path.join(config_dir, fn), os.path.join(staging, fn))
        path = os.path.join(staging, "model.safetensors")
        write_safetensors(path, tensors, seed)
        try:
            verify_with_safetensors(path, tensors, seed)
        except SyntheticError:
            raise
        except Exception as e:  # a second opinion only: an API difference must not stop the run
            print(f"synthetic.py: warning: could not check {path} with the safetensors package "
                  f"({e!r})", file=sys.stderr)
        if os.path.lexists(out):
            shutil.rmtree(out)
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return tensors


def parse_seed(text):
    value = int(text, 0)
    if not 0 <= value <= MASK64:
        raise argparse.ArgumentTypeError(f"seed {text} is outside [0, 2^64)")
    return value


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", required=True, help="the artifact's manifest.json")
    ap.add_argument("--config", required=True,
                    help="the model directory the artifact was compiled from (config.json, "
                         "generation_config.json)")
    ap.add_argument("--seed", type=parse_seed, required=True, help="the --synthetic-weights seed")
    ap.add_argument("-o", "--output", required=True, help="checkpoint directory to create")
    ap.add_argument("--force", action="store_true", help="replace an existing output directory")
    args = ap.parse_args()
    try:
        tensors = write_checkpoint(args.manifest, args.config, args.seed, args.output, args.force)
    except SyntheticError as e:
        sys.exit(f"synthetic.py: error: {e}")
    elements = sum(int(np.prod(s)) for _, _, s in tensors)
    print(f"{args.output}: {len(tensors)} tensors, {elements} elements, seed {args.seed}")


if __name__ == "__main__":
    main()
