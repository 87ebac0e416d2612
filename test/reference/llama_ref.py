#!/usr/bin/python3
"""Plain float32 reference of the Llama forward pass (Hugging Face LlamaForCausalLM semantics).

Independent of the compiler: only the Python standard library and numpy. Reads a Hugging Face
model directory (config.json, generation_config.json, model.safetensors or shards with
model.safetensors.index.json) and runs greedy or teacher-forced decoding with a KV cache, or by
full recomputation for cross-checking the cache.

  llama_ref.py MODEL_DIR --prompt-ids 1 -n 100                      # greedy ids, one line
  llama_ref.py MODEL_DIR --prompt-ids 1 -n 100 --dump-logits L.npy  # + logits [steps, vocab]
  llama_ref.py MODEL_DIR --prompt-ids 1 --teacher-ids 5,6,7 --dump-logits L.npy
  llama_ref.py MODEL_DIR --prompt-ids 1,2,3 --all-logits P.npy      # logits of every prompt position

docs/reference.md says which dtype each step runs in and how each mirrors transformers.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np

F32 = np.float32


class RefError(Exception):
    """A problem with the model directory or the arguments; reported as one line, exit 1."""


# ----------------------------------------------------------------------------------------------
# safetensors, parsed by hand

# dtype name -> (numpy dtype of the stored element, bytes per element)
ST_DTYPES = {"F32": (np.dtype("<f4"), 4), "F16": (np.dtype("<f2"), 2), "BF16": (np.dtype("<u2"), 2),
             "I8": (np.dtype("i1"), 1)}


class SafetensorsFile:
    """One .safetensors file: an 8-byte little-endian header length, a JSON header
    {name: {dtype, shape, data_offsets: [begin, end]}} (offsets relative to the end of the
    header), then the raw data. Tensors are views into one read-only np.memmap."""

    def __init__(self, path):
        self.path = path
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) != 8:
                raise RefError("%s: shorter than the 8-byte header length" % path)
            n = int.from_bytes(head, "little")
            if n > size - 8:
                raise RefError("%s: header length %d exceeds the file (%d bytes)" % (path, n, size))
            try:
                header = json.loads(f.read(n).decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise RefError("%s: header is not valid JSON (%s)" % (path, e))
        if not isinstance(header, dict):
            raise RefError("%s: header is not a JSON object" % path)
        self.data_start = 8 + n
        self.data_len = size - self.data_start
        self.tensors = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            try:
                dtype, shape, (begin, end) = info["dtype"], list(info["shape"]), info["data_offsets"]
                if not all(isinstance(v, int) and not isinstance(v, bool) for v in shape + [begin, end]):
                    raise TypeError
            except (KeyError, TypeError, ValueError):
                raise RefError("%s: tensor '%s' has a malformed header entry" % (path, name))
            if dtype not in ST_DTYPES:
                raise RefError("%s: tensor '%s' has unsupported dtype %s" % (path, name, dtype))
            count = 1
            for s in shape:
                count *= int(s)
            if not (0 <= begin <= end <= self.data_len) or end - begin != count * ST_DTYPES[dtype][1]:
                raise RefError("%s: tensor '%s' (%s %s) has bad data_offsets [%d, %d]"
                               % (path, name, dtype, shape, begin, end))
            self.tensors[name] = (dtype, tuple(int(s) for s in shape), begin)
        self._mm = None

    def raw(self, name):
        """The stored elements of one tensor (a memmap view; BF16 comes as uint16)."""
        dtype, shape, begin = self.tensors[name]
        count = int(np.prod(shape, dtype=np.int64))
        if count == 0:
            return np.zeros(shape, ST_DTYPES[dtype][0])
        if self._mm is None:
            self._mm = np.memmap(self.path, dtype=np.uint8, mode="r")
        nbytes = count * ST_DTYPES[dtype][1]
        buf = self._mm[self.data_start + begin:self.data_start + begin + nbytes]
        return buf.view(ST_DTYPES[dtype][0]).reshape(shape)


def to_float32(raw, dtype):
    """Stored elements -> a fresh float32 array (exact for all three dtypes)."""
    if dtype == "BF16":
        return (raw.astype(np.uint32) << np.uint32(16)).view(np.float32)
    return np.array(raw, dtype=np.float32)


class Weights:
    """Tensor name -> float32 array (converted from the stored dtype on each call; the model
    keeps what it converted)."""

    def __init__(self, model_dir):
        index_path = os.path.join(model_dir, "model.safetensors.index.json")
        single = os.path.join(model_dir, "model.safetensors")
        self.where = {}   # name -> SafetensorsFile
        if os.path.exists(index_path):
            index = read_json(index_path)
            wmap = index.get("weight_map") if isinstance(index, dict) else None
            if not isinstance(wmap, dict):
                raise RefError("%s: no 'weight_map' object" % index_path)
            files = {}
            for name, fname in wmap.items():
                if fname not in files:
                    p = os.path.join(model_dir, fname)
                    if not os.path.exists(p):
                        raise RefError("%s: shard '%s' (for '%s') does not exist" % (index_path, fname, name))
                    files[fname] = SafetensorsFile(p)
                st = files[fname]
                if name not in st.tensors:
                    raise RefError("%s: '%s' is not in %s as the index says" % (index_path, name, fname))
                self.where[name] = st
        elif os.path.exists(single):
            st = SafetensorsFile(single)
            for name in st.tensors:
                self.where[name] = st
        else:
            raise RefError("%s: neither model.safetensors nor model.safetensors.index.json" % model_dir)

    def has(self, name):
        return name in self.where

    def shape(self, name):
        return self.where[name].tensors[name][1]

    def dtype(self, name):
        return self.where[name].tensors[name][0]

    def get(self, name, shape=None):
        if name not in self.where:
            raise RefError("weights: tensor '%s' is missing" % name)
        if shape is not None and self.shape(name) != tuple(shape):
            raise RefError("weights: tensor '%s' has shape %s, config implies %s"
                           % (name, list(self.shape(name)), list(shape)))
        st = self.where[name]
        return to_float32(st.raw(name), st.tensors[name][0])


# ----------------------------------------------------------------------------------------------
# config

def read_json(path):
    try:
        with open(path, "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise RefError("%s: cannot read JSON (%s)" % (path, e))


def id_set(v, where):
    if v is None:
        return set()
    if isinstance(v, bool):
        raise RefError("%s: eos_token_id must be an int or a list of ints" % where)
    if isinstance(v, int):
        return {v}
    if isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        return set(v)
    raise RefError("%s: eos_token_id must be an int or a list of ints, got %r" % (where, v))


class Config:
    """The fields of config.json the forward pass needs, with LlamaConfig's defaults."""

    def __init__(self, model_dir):
        path = os.path.join(model_dir, "config.json")
        c = read_json(path)
        if not isinstance(c, dict):
            raise RefError("%s: not a JSON object" % path)
        self.raw = c

        def num(key, default, kind=int):
            v = c.get(key, default)
            if v is None:
                v = default
            if isinstance(v, bool) or not isinstance(v, (int, float)) or (kind is int and v != int(v)):
                raise RefError("%s: field '%s' must be a number, got %r" % (path, key, v))
            return kind(v)

        self.hidden = num("hidden_size", 4096)
        self.ffn = num("intermediate_size", 11008)
        self.layers = num("num_hidden_layers", 32)
        self.heads = num("num_attention_heads", 32)
        self.kv_heads = num("num_key_value_heads", self.heads)
        self.head_dim = num("head_dim", self.hidden // self.heads if self.heads else 0)
        self.vocab = num("vocab_size", 32000)
        self.max_pos = num("max_position_embeddings", 2048)
        self.eps = num("rms_norm_eps", 1e-6, float)
        self.tie = bool(c.get("tie_word_embeddings", False))
        for key, v in (("hidden_size", self.hidden), ("intermediate_size", self.ffn),
                       ("num_hidden_layers", self.layers), ("num_attention_heads", self.heads),
                       ("num_key_value_heads", self.kv_heads), ("head_dim", self.head_dim),
                       ("vocab_size", self.vocab), ("max_position_embeddings", self.max_pos)):
            if v <= 0:
                raise RefError("%s: field '%s' must be positive, got %d" % (path, key, v))
        if self.heads % self.kv_heads:
            raise RefError("%s: num_attention_heads %d is not a multiple of num_key_value_heads %d"
                           % (path, self.heads, self.kv_heads))
        if self.head_dim % 2:
            raise RefError("%s: head_dim %d must be even for rotary embedding" % (path, self.head_dim))
        act = c.get("hidden_act", "silu")
        if act != "silu":
            raise RefError("%s: hidden_act '%s' is not supported (only silu)" % (path, act))
        for key in ("attention_bias", "mlp_bias"):
            if c.get(key):
                raise RefError("%s: %s is not supported" % (path, key))

        # RoPE: rope_theta + rope_scaling (transformers 4.x), or rope_parameters (5.x).
        params = c.get("rope_parameters")
        scaling = c.get("rope_scaling")
        theta = c.get("rope_theta")
        if isinstance(params, dict):
            if theta is None:
                theta = params.get("rope_theta")
            if scaling is None:
                scaling = params
        self.rope_theta = float(10000.0 if theta is None else theta)
        self.rope_type = "default"
        self.rope = {}
        if scaling is not None:
            if not isinstance(scaling, dict):
                raise RefError("%s: rope_scaling must be null or an object" % path)
            rtype = scaling.get("rope_type", scaling.get("type", "default"))
            keys = {"default": (), "linear": ("factor",),
                    "llama3": ("factor", "low_freq_factor", "high_freq_factor",
                               "original_max_position_embeddings")}
            if rtype not in keys:
                raise RefError("%s: rope type '%s' is not supported (default, linear, llama3)" % (path, rtype))
            for k in keys[rtype]:
                v = scaling.get(k)
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                    raise RefError("%s: %s rope_scaling needs a positive number '%s', got %r" % (path, rtype, k, v))
                self.rope[k] = float(v)
            if rtype == "llama3" and self.rope["high_freq_factor"] <= self.rope["low_freq_factor"]:
                raise RefError("%s: llama3 rope_scaling needs high_freq_factor > low_freq_factor" % path)
            self.rope_type = rtype

        eos = id_set(c.get("eos_token_id"), path)
        gpath = os.path.join(model_dir, "generation_config.json")
        if os.path.exists(gpath):
            g = read_json(gpath)
            if isinstance(g, dict):
                eos |= id_set(g.get("eos_token_id"), gpath)
        self.eos = eos


# ----------------------------------------------------------------------------------------------
# RoPE

def f32_pow(base, exps):
    """float32 base ** float32 exponents, correctly rounded to float32 (evaluated in float64)."""
    return np.power(np.float64(F32(base)), exps.astype(np.float64)).astype(F32)


def f32_cos_sin(angles):
    """cos and sin of float32 angles, correctly rounded to float32 (evaluated in float64)."""
    a = angles.astype(np.float64)
    return np.cos(a).astype(F32), np.sin(a).astype(F32)


def rope_inv_freq(cfg):
    """inv_freq [head_dim/2] in float32, as transformers' rope initialisation functions compute it."""
    d = cfg.head_dim
    # default: 1 / base ** (arange(0, d, 2, int64).float() / d), every step in float32
    exps = np.arange(0, d, 2, dtype=np.int64).astype(F32) / F32(d)
    inv_freq = F32(1.0) / f32_pow(cfg.rope_theta, exps)
    if cfg.rope_type == "linear":
        inv_freq = inv_freq / F32(cfg.rope["factor"])
    elif cfg.rope_type == "llama3":
        r = cfg.rope
        factor, low, high, old = r["factor"], r["low_freq_factor"], r["high_freq_factor"], \
            r["original_max_position_embeddings"]
        low_wavelen = F32(old / low)
        high_wavelen = F32(old / high)
        wavelen = F32(2 * math.pi) / inv_freq
        scaled = np.where(wavelen > low_wavelen, inv_freq / F32(factor), inv_freq)
        smooth = (F32(old) / wavelen - F32(low)) / F32(high - low)
        smoothed = (F32(1) - smooth) * scaled / F32(factor) + smooth * scaled
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        inv_freq = np.where(medium, smoothed, scaled)
    return inv_freq.astype(F32)


def rope_cos_sin(inv_freq, positions):
    """cos, sin [T, head_dim] for integer positions: angles = float(pos) * inv_freq in float32,
    duplicated to the full head (cat(freqs, freqs)), then cos/sin in float32."""
    ang = positions.astype(F32)[:, None] * inv_freq[None, :]
    ang = np.concatenate([ang, ang], axis=-1)
    return f32_cos_sin(ang)


def apply_rope(x, cos, sin):
    """x [heads, T, d]: x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x2, x1)."""
    h = x.shape[-1] // 2
    rot = np.concatenate([-x[..., h:], x[..., :h]], axis=-1)
    return x * cos + rot * sin


# ----------------------------------------------------------------------------------------------
# the model

# Numerics. Every tensor is float32 and every elementwise step is one float32 operation, as in
# transformers run in float32. Where float32 leaves the result to the library (the order of a
# sum, the accuracy of exp/cos/sin/pow), the reference takes the float32 nearest the exact
# value: sums and dot products accumulate in float64 and are rounded once, transcendental
# functions are evaluated in float64 and rounded once. So results do not depend on the BLAS,
# on SIMD paths or on how many rows are processed together.

def matmul(x, w64):
    """x [.., in] float32 @ w64.T ([out, in], the float32 weight held as float64) -> float32."""
    return (x.astype(np.float64) @ w64.T).astype(F32)


def fsum(x, axis=-1):
    return np.sum(x, axis=axis, keepdims=True, dtype=np.float64).astype(F32)


def fexp(x):
    return np.exp(x.astype(np.float64)).astype(F32)


def w8a8_matmul(x, wq64, w_scale):
    """compressed-tensors w8a8 int8, exactly as vLLM runs it: per row (token) of x [.., in],
    s = absmax / 127 and q = round_half_even(x * (127 / absmax)) saturated to [-128, 127], all in
    float32; int8 x int8 products summed exactly (float64 holds every such sum exactly below
    2^53, so BLAS may add them in any order); y = s * (w_scale * float32(acc)), both products in
    float32. An all-zero row has s = 0 and q = 0. wq64 is the int8 weight [out, in] held as
    float64, w_scale its float32 per-channel scales [out]."""
    absmax = np.max(np.abs(x), axis=-1, keepdims=True)
    zero = absmax == F32(0)
    safe = np.where(zero, F32(1), absmax)
    q = np.clip(np.rint(x * (F32(127) / safe)), F32(-128), F32(127))
    q = np.where(zero, F32(0), q)
    acc = (q.astype(np.float64) @ wq64.T).astype(F32)   # exact integers, rounded once to float32
    return (absmax / F32(127)) * (w_scale * acc)


def quantize_dequantize(w, mode):
    """Weight-only quantization as `inferno compile --quantize` writes it (docs/quantization.md),
    returning the float32 weights the kernels see. w: float32 [out, in]. mode "int8": one scale
    per row, absmax/127, q = round-half-to-even(w / scale) in [-127, 127]; "int4-gN": one scale
    per N consecutive inputs of a row, absmax/7, q in [-7, 7]. Every step is a float32 operation,
    as the compiler's; a zero row or group has scale 0 and q = 0."""
    w = np.asarray(w, F32)
    out, inp = w.shape
    if mode == "int8":
        group, limit = inp, F32(127)
    elif mode.startswith("int4-g") and mode[6:].isdigit() and int(mode[6:]) % 16 == 0 and int(mode[6:]) > 0:
        group, limit = int(mode[6:]), F32(7)
    else:
        raise RefError("quantization mode %r: expected int8 or int4-gN" % mode)
    if inp % group:
        raise RefError("int4 group %d does not divide %d input features" % (group, inp))
    g = w.reshape(out, inp // group, group)
    scale = (np.max(np.abs(g), axis=2, keepdims=True) / limit).astype(F32)
    safe = np.where(scale == 0, F32(1), scale)
    q = np.clip(np.rint((g / safe).astype(F32)), -limit, limit)
    q = np.where(scale == 0, F32(0), q)
    return (q.astype(F32) * scale).astype(F32).reshape(out, inp)


def quantization_plan(names, spec, lm_head_name, tied):
    """Which 2-D weights to quantize, and how: {name: mode}. spec is a mode ("int8", "int4-g128":
    every projection, int4 falling back to int8 where the group does not divide the input size,
    as --quantize does) or "MODULE=MODE,..." entries matched like a --precision policy (leading
    module-path components, `*`, ranges A-B; later entries win; `embed_tokens` only by name)."""
    projections = [n for n in names if n != "model.embed_tokens.weight"] + [lm_head_name]

    def module(name):
        m = name[len("model."):] if name.startswith("model.") else name
        return m[:-len(".weight")] if m.endswith(".weight") else m

    def matches(pattern, path):
        pc, mc = pattern.split("."), path.split(".")
        if len(pc) > len(mc):
            return False
        for p, c in zip(pc, mc):
            if p in ("*", c):
                continue
            lo, _, hi = p.partition("-")
            if not (lo.isdigit() and hi.isdigit() and c.isdigit() and int(lo) <= int(c) <= int(hi)):
                return False
        return True

    plan = {}
    if "=" not in spec:
        for n in projections:
            plan[n] = spec
        return plan
    for entry in spec.split(","):
        pattern, _, mode = entry.strip().partition("=")
        for n in set(projections) | {"model.embed_tokens.weight"}:
            paths = [module(n)] + (["lm_head"] if n == lm_head_name else [])
            if pattern == "default":
                if n in projections:
                    plan[n] = mode
            elif any(matches(pattern, p) for p in paths):
                plan[n] = mode
    return {n: m for n, m in plan.items() if m.startswith("int")}


def rms_norm(x, weight, eps):
    """weight * (x * rsqrt(mean(x^2, -1) + eps)): x*x, the mean, + eps, sqrt, 1/, and the two
    products each rounded to float32."""
    sq = x * x
    var = (np.sum(sq, axis=-1, keepdims=True, dtype=np.float64) / sq.shape[-1]).astype(F32)
    return weight * (x * (F32(1) / np.sqrt(var + F32(eps))))


def silu(x):
    """x / (1 + exp(-x)) in float32 (exp(-x) may overflow to inf: x / inf = -0, as in torch)."""
    with np.errstate(over="ignore"):
        return x / (F32(1) + fexp(-x))


def quantized_modules(cfg, model_dir):
    """Names of the linear modules config.json's compressed-tensors quantization_config
    quantizes: those a config group targets (the class name "Linear", a module name, or a
    "re:" regex matched as Python's re.match does) and `ignore` does not name. Only w8a8 int8
    (per-channel symmetric weights, dynamic per-token int8 activations) is simulated."""
    import re
    qc = cfg.raw.get("quantization_config")
    if qc is None:
        return set()
    where = os.path.join(model_dir, "config.json")
    if qc.get("quant_method") != "compressed-tensors" or qc.get("format") != "int-quantized":
        raise RefError("%s: only compressed-tensors int-quantized checkpoints are simulated" % where)
    groups = list((qc.get("config_groups") or {}).values())
    for g in groups:
        wq, aq = g.get("weights") or {}, g.get("input_activations") or {}
        if (wq.get("num_bits"), wq.get("type"), wq.get("strategy"), wq.get("symmetric")) != (8, "int", "channel", True) \
                or (aq.get("num_bits"), aq.get("type"), aq.get("strategy"), aq.get("dynamic")) != (8, "int", "token", True):
            raise RefError("%s: only w8a8 int8 (channel weights, dynamic token activations) is simulated" % where)

    def match(pattern, module):
        if pattern.startswith("re:"):
            return re.match(pattern[3:], module) is not None
        return pattern == module or pattern == "Linear"

    modules = []
    for i in range(cfg.layers):
        modules += ["model.layers.%d.%s" % (i, m) for m in
                    ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                     "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")]
    if not cfg.tie:
        modules.append("lm_head")
    out = set()
    for m in modules:
        if any(match(p, m) for p in (qc.get("ignore") or [])):
            continue
        if any(match(t, m) for g in groups for t in (g.get("targets") or [])):
            out.add(m)
    return out


class KVCache:
    """Per layer K (after RoPE) and V, [kv_heads, capacity, head_dim], grown by doubling. The
    values are float32; they are held as float64 because the products that read them accumulate
    in float64."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.length = 0
        self.cap = 0
        self.k = [None] * cfg.layers
        self.v = [None] * cfg.layers

    def reserve(self, n):
        if n <= self.cap:
            return
        cap = max(n, min(2 * self.cap, self.cfg.max_pos) if self.cap else 16, 16)
        c = self.cfg
        for i in range(c.layers):
            k = np.zeros((c.kv_heads, cap, c.head_dim), np.float64)
            v = np.zeros((c.kv_heads, cap, c.head_dim), np.float64)
            if self.k[i] is not None:
                k[:, :self.length] = self.k[i][:, :self.length]
                v[:, :self.length] = self.v[i][:, :self.length]
            self.k[i], self.v[i] = k, v
        self.cap = cap


class Llama:
    def __init__(self, model_dir, quantize=None):
        self.cfg = c = Config(model_dir)
        self.w = w = Weights(model_dir)
        self.inv_freq = rope_inv_freq(c)
        self.scale = F32(c.head_dim ** -0.5)
        # Check every shape once, up front.
        h, q_out, kv_out = c.hidden, c.heads * c.head_dim, c.kv_heads * c.head_dim
        self.mat = {}   # 2-D weights: float32 values held as float64 for the products
        self.vec = {}   # norm weights: float32
        self.w8a8 = {}  # quantized linear weights: (int8 values as float64, float32 scales [out])
        quantized = quantized_modules(c, model_dir)

        def take(name, shape):
            if name.endswith(".weight") and name[:-len(".weight")] in quantized:
                if w.dtype(name) != "I8":
                    raise RefError("weights: '%s' is %s; quantization_config makes it I8" % (name, w.dtype(name)))
                scale = w.get(name + "_scale", (shape[0], 1)).reshape(shape[0])
                self.w8a8[name] = (w.get(name, shape).astype(np.float64), scale)
                return
            a = w.get(name, shape)
            if len(shape) == 2:
                self.mat[name] = a.astype(np.float64)
            else:
                self.vec[name] = a

        take("model.embed_tokens.weight", (c.vocab, h))
        for i in range(c.layers):
            p = "model.layers.%d." % i
            for name, shape in (("input_layernorm.weight", (h,)),
                                ("self_attn.q_proj.weight", (q_out, h)),
                                ("self_attn.k_proj.weight", (kv_out, h)),
                                ("self_attn.v_proj.weight", (kv_out, h)),
                                ("self_attn.o_proj.weight", (h, q_out)),
                                ("post_attention_layernorm.weight", (h,)),
                                ("mlp.gate_proj.weight", (c.ffn, h)),
                                ("mlp.up_proj.weight", (c.ffn, h)),
                                ("mlp.down_proj.weight", (h, c.ffn))):
                take(p + name, shape)
        take("model.norm.weight", (h,))
        if c.tie:
            self.lm_head_name = "model.embed_tokens.weight"
        else:
            if not w.has("lm_head.weight"):
                raise RefError("weights: tie_word_embeddings is false but lm_head.weight is missing")
            self.lm_head_name = "lm_head.weight"
        if self.lm_head_name not in self.mat and self.lm_head_name not in self.w8a8:
            if c.tie and "lm_head" in quantized:
                raise RefError("config: tied lm_head cannot be quantized")
            take(self.lm_head_name, (c.vocab, h))
        if quantize:
            plan = quantization_plan([n for n in self.mat], quantize, self.lm_head_name, c.tie)
            for name, mode in plan.items():
                if name not in self.mat:
                    raise RefError("--quantize: %s is not a float weight" % name)
                inp = self.mat[name].shape[1]
                if mode != "int8" and "=" not in quantize and inp % int(mode[6:]):
                    mode = "int8"  # as --quantize does where the group does not divide
                self.mat[name] = quantize_dequantize(self.mat[name].astype(F32), mode).astype(np.float64)

    def linear(self, x, name):
        if name in self.w8a8:
            return w8a8_matmul(x, *self.w8a8[name])
        return matmul(x, self.mat[name])

    def rope(self, x, cos, sin, layer, which):
        """Rotary embedding of q or k [heads, T, d]; a hook for the self-test's interleaved variant."""
        return apply_rope(x, cos, sin)

    def attend(self, q, K, V):
        """Causal softmax attention of one query position. q [heads, d]; K, V [kv_heads, L, d]:
        the keys and values of positions 0..p (the mask leaves exactly these). Query head j
        reads KV head j // (heads / kv_heads), as transformers' repeat_kv arranges. Returns
        [heads, d]. One position at a time, so that a row's sums run over the same L elements
        in a prefill as in a decode step (the cache check is then exact)."""
        c = self.cfg
        qg = q.reshape(c.kv_heads, c.heads // c.kv_heads, c.head_dim)   # [kv, rep, d]
        scores = (qg.astype(np.float64) @ K.transpose(0, 2, 1)).astype(F32) * self.scale  # [kv, rep, L]
        e = fexp(scores - scores.max(axis=-1, keepdims=True))
        probs = e / fsum(e)
        return (probs.astype(np.float64) @ V).astype(F32).reshape(c.heads, c.head_dim)

    def forward(self, tokens, cache, all_logits=False):
        """Run tokens at positions cache.length .. cache.length+T-1, appending their K/V to the
        cache. Returns float32 logits [T, vocab] (all_logits) or [1, vocab] (the last position)."""
        c = self.cfg
        tokens = np.asarray(tokens, dtype=np.int64)
        T = len(tokens)
        if T == 0:
            raise RefError("forward: no tokens")
        if tokens.min() < 0 or tokens.max() >= c.vocab:
            raise RefError("token id out of range [0, %d): %s" % (c.vocab, tokens.tolist()))
        start = cache.length
        S = start + T
        cache.reserve(S)
        positions = np.arange(start, S, dtype=np.int64)
        cos, sin = rope_cos_sin(self.inv_freq, positions)
        d = c.head_dim
        M, V = self.mat, self.vec
        x = M["model.embed_tokens.weight"][tokens].astype(F32)        # [T, hidden]
        for i in range(c.layers):
            p = "model.layers.%d." % i
            hn = rms_norm(x, V[p + "input_layernorm.weight"], c.eps)
            q = self.linear(hn, p + "self_attn.q_proj.weight").reshape(T, c.heads, d).transpose(1, 0, 2)
            k = self.linear(hn, p + "self_attn.k_proj.weight").reshape(T, c.kv_heads, d).transpose(1, 0, 2)
            v = self.linear(hn, p + "self_attn.v_proj.weight").reshape(T, c.kv_heads, d).transpose(1, 0, 2)
            q = self.rope(q, cos, sin, i, "q")
            k = self.rope(k, cos, sin, i, "k")
            cache.k[i][:, start:S] = k
            cache.v[i][:, start:S] = v
            o = np.empty((T, c.heads, d), F32)
            for t in range(T):
                o[t] = self.attend(q[:, t], cache.k[i][:, :start + t + 1], cache.v[i][:, :start + t + 1])
            o = o.reshape(T, c.heads * d)
            x = x + self.linear(o, p + "self_attn.o_proj.weight")
            hn = rms_norm(x, V[p + "post_attention_layernorm.weight"], c.eps)
            g = self.linear(hn, p + "mlp.gate_proj.weight")
            u = self.linear(hn, p + "mlp.up_proj.weight")
            x = x + self.linear(silu(g) * u, p + "mlp.down_proj.weight")
        cache.length = S
        if not all_logits:
            x = x[-1:]
        x = rms_norm(x, V["model.norm.weight"], c.eps)
        return self.linear(x, self.lm_head_name)


class Session:
    """Incremental decoding: prefill(tokens) then decode(token) steps. With recompute=True every
    call reruns the whole sequence from scratch (no cache reuse), to cross-check the cache."""

    def __init__(self, model, recompute=False):
        self.model = model
        self.recompute = recompute
        self.tokens = []
        self.cache = KVCache(model.cfg)

    def prefill(self, tokens, all_logits=False):
        self.tokens = list(tokens)
        self.cache = KVCache(self.model.cfg)
        out = self.model.forward(self.tokens, self.cache, all_logits=all_logits)
        return out if all_logits else out[0]

    def decode(self, token):
        self.tokens.append(int(token))
        if self.recompute:
            self.cache = KVCache(self.model.cfg)
            return self.model.forward(self.tokens, self.cache)[0]
        return self.model.forward([token], self.cache)[0]


def argmax_lowest(logits):
    """Index of the largest logit; ties go to the lowest id (np.argmax returns the first)."""
    return int(np.argmax(logits))


def generate(model, prompt, n, ignore_eos=False, teacher=None, recompute=False):
    """Greedy (or teacher-forced) decoding. Returns (ids, logits rows): row i holds the logits
    from which token i was chosen (row 0: the prompt's last position). Generated ids are the
    argmax of each row; with teacher ids, the teacher token (not the argmax) is fed back.
    Stops after n tokens, after an eos (unless ignore_eos; never with teacher ids), or when the
    sequence reaches max_position_embeddings."""
    c = model.cfg
    if len(prompt) == 0:
        raise RefError("the prompt is empty")
    if len(prompt) > c.max_pos:
        raise RefError("the prompt (%d tokens) exceeds max_position_embeddings %d" % (len(prompt), c.max_pos))
    if teacher is not None:
        n = len(teacher) if n is None else min(n, len(teacher))
    n = min(n, c.max_pos - len(prompt))
    sess = Session(model, recompute=recompute)
    ids, rows = [], []
    if n <= 0:
        return ids, np.zeros((0, c.vocab), F32)
    logits = sess.prefill(prompt)
    for step in range(n):
        rows.append(logits)
        tok = argmax_lowest(logits)
        ids.append(tok)
        if teacher is None and not ignore_eos and tok in c.eos:
            break
        if step + 1 == n:
            break
        logits = sess.decode(teacher[step] if teacher is not None else tok)
    return ids, np.stack(rows).astype(F32)


# ----------------------------------------------------------------------------------------------
# command line

def parse_id_list(text):
    text = text.strip()
    if not text:
        return []
    try:
        return [int(t) for t in text.replace(",", " ").split()]
    except ValueError:
        raise RefError("not a list of token ids: %r" % text)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Plain float32 numpy reference of Hugging Face LlamaForCausalLM: greedy or "
                    "teacher-forced decoding, logits dumps.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("model_dir")
    ap.add_argument("--prompt-ids", required=True, help="comma- or space-separated prompt token ids")
    ap.add_argument("-n", type=int, default=None, help="tokens to generate")
    ap.add_argument("--ignore-eos", action="store_true", help="do not stop at an eos id")
    ap.add_argument("--ids", action="store_true",
                    help="print token ids (the only output format; accepted for symmetry with other tools)")
    ap.add_argument("--dump-logits", metavar="FILE.npy",
                    help="save float32 [steps, vocab]: row i = logits that chose generated token i")
    ap.add_argument("--teacher-ids", help="force-feed these tokens instead of the argmax")
    ap.add_argument("--all-logits", metavar="FILE.npy",
                    help="save float32 [prompt_len, vocab]: logits of every prompt position (one prefill)")
    ap.add_argument("--recompute", action="store_true",
                    help="recompute the whole sequence every step instead of using the KV cache")
    ap.add_argument("--quantize", metavar="SPEC",
                    help="simulate weights quantized at compile time: int8 or int4-gN for every "
                         "projection, or MODULE=MODE entries as in a --precision policy")
    ap.add_argument("-v", "--verbose", action="store_true", help="timings and stop reason on stderr")
    a = ap.parse_args(argv)

    try:
        prompt = parse_id_list(a.prompt_ids)
        teacher = parse_id_list(a.teacher_ids) if a.teacher_ids is not None else None
        if a.n is None and teacher is None and a.all_logits is None:
            raise RefError("give -n N (tokens to generate), --teacher-ids or --all-logits")
        if a.n is not None and a.n < 0:
            raise RefError("-n must be >= 0")
        t0 = time.time()
        model = Llama(a.model_dir, quantize=a.quantize)
        t1 = time.time()
        if a.all_logits is not None:
            if len(prompt) > model.cfg.max_pos:
                raise RefError("the prompt (%d tokens) exceeds max_position_embeddings %d"
                               % (len(prompt), model.cfg.max_pos))
            allp = Session(model).prefill(prompt, all_logits=True)
            np.save(a.all_logits, allp.astype(F32))
        n = a.n if (a.n is not None or teacher is not None) else 0
        if teacher is not None:
            for t in teacher:
                if not 0 <= t < model.cfg.vocab:
                    raise RefError("teacher id %d out of range [0, %d)" % (t, model.cfg.vocab))
        t2 = time.time()
        ids, rows = generate(model, prompt, n, a.ignore_eos, teacher, a.recompute)
        t3 = time.time()
        if a.dump_logits is not None:
            np.save(a.dump_logits, rows)
        if a.n is not None or teacher is not None:
            print(" ".join(str(i) for i in ids))
        if a.verbose:
            why = "eos" if ids and ids[-1] in model.cfg.eos and not a.ignore_eos and teacher is None \
                else "limit"
            print("load %.3fs, generate %d tokens in %.3fs (%.1f tok/s), stop: %s"
                  % (t1 - t0, len(ids), t3 - t2, len(ids) / max(t3 - t2, 1e-9), why), file=sys.stderr)
    except RefError as e:
        print("llama_ref: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
