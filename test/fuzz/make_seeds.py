#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (test/fuzz/corpus/TARGET/) from small generated models
and hand-written inputs. Run it again after changing what the parsers accept; the seeds are
committed so that a fuzz run needs nothing but the checkout.

    test/fuzz/make_seeds.py            # rewrites test/fuzz/corpus/
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def safetensors(entries, data_bytes, metadata=None):
    header = dict(entries)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + bytes(range(256)) * (data_bytes // 256) + \
        bytes(data_bytes % 256)


def generated(tmp, name, *args):
    out = os.path.join(tmp, name)
    subprocess.run([sys.executable, os.path.join(ROOT, "models", "generate.py"), "-o", out,
                    "--scale", "tiny", "--vocab", "256", "--hidden", "16", "--heads", "2",
                    "--kv-heads", "1", "--ffn", "32", "--layers", "1", *args],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    # safetensors: whole small files.
    put("safetensors", "two-tensors", safetensors(
        {"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
         "b": {"dtype": "BF16", "shape": [4], "data_offsets": [16, 24]}}, 24, {"format": "pt"}))
    put("safetensors", "empty-tensor", safetensors(
        {"z": {"dtype": "F16", "shape": [0, 3], "data_offsets": [0, 0]},
         "i": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}, 8))
    put("safetensors", "all-dtypes", safetensors(
        {d: {"dtype": d, "shape": [1], "data_offsets": [8 * i, 8 * i + s]}
         for i, (d, s) in enumerate([("F64", 8), ("F32", 4), ("F16", 2), ("BF16", 2),
                                     ("I8", 1), ("U8", 1), ("BOOL", 1), ("I32", 4)])}, 64))
    put("safetensors", "no-tensors", safetensors({}, 0, {}))
    put("safetensors", "short", b"\x08\x00\x00\x00")

    with tempfile.TemporaryDirectory() as tmp:
        for preset, extra in [("llama-3.2-1b", []), ("tinyllama-1.1b", []), ("tiny-mha", ["--tie"]),
                              ("llama-3.1-8b", ["--shards", "2"])]:
            d = generated(tmp, preset, "--preset", preset, *extra)
            put("config", preset + ".json", open(os.path.join(d, "config.json"), "rb").read())
            put("config", preset + "-generation.json",
                open(os.path.join(d, "generation_config.json"), "rb").read())
            if preset == "llama-3.2-1b":
                weights = open(os.path.join(d, "model.safetensors"), "rb").read()
                (n,) = struct.unpack("<Q", weights[:8])
                # The real header, with the data cut to the first tensor's few bytes.
                put("safetensors", "generated-header", weights[:8 + n + 64])
        put("config", "linear-rope.json", json.dumps({
            "model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
            "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 100,
            "rope_scaling": {"type": "linear", "factor": 2.0}, "eos_token_id": [1, 2],
            "head_dim": 16, "tie_word_embeddings": True, "torch_dtype": "float32"}))
        put("config", "rope-parameters.json", json.dumps({
            "model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
            "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1,
            "vocab_size": 10, "rope_parameters": {"rope_type": "default", "rope_theta": 5e5},
            "bos_token_id": None, "quantization_config": {"bits": 4}}))

    # index: weight maps over the harness's shards (tensors a, b in shard 1, c in shard 2).
    s1, s2 = "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"
    put("index", "both-shards", json.dumps(
        {"metadata": {"total_size": 30}, "weight_map": {"a": s1, "b": s1, "c": s2}}, indent=2))
    put("index", "one-shard", json.dumps({"weight_map": {"c": s2}}))
    put("index", "missing-shard", json.dumps({"weight_map": {"a": s1, "d": "model-3.safetensors"}}))
    put("index", "wrong-total", json.dumps({"metadata": {"total_size": 1.5e3}, "weight_map": {"a": s1}}))

    # tokenizer-load: the repository's small tokenizers, and one byte-level BPE written here.
    for name in ("tiny", "whitespace"):
        path = os.path.join(ROOT, "test", "tokenizer", "Inputs", name, "tokenizer.json")
        put("tokenizer-load", name, open(path, "rb").read())
    byte_level = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 0, "content": "<|begin|>", "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True},
                         {"id": 1, "content": "<|end|>", "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
             "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<|begin|>", "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}},
                                    {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<|begin|>": {"id": "<|begin|>", "ids": [0],
                                                            "tokens": ["<|begin|>"]}}},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": True,
                  "vocab": {}, "merges": ["Ġ t", "h e", "Ġt he", "Ġ a", "i n"]},
    }
    # The 256 byte-level symbols, then the merged tokens.
    symbols = [chr(c) for c in range(33, 127)] + [chr(c) for c in range(161, 173)] + \
        [chr(c) for c in range(174, 256)]
    extra, n = [], 0
    for b in range(256):
        if chr(b) not in symbols:
            extra.append(chr(256 + n))
            n += 1
    vocab = {"<|begin|>": 0, "<|end|>": 1}
    for i, s in enumerate(symbols + extra):
        vocab[s] = 2 + i
    for merged in ("Ġt", "he", "Ġthe", "Ġa", "in"):
        vocab[merged] = len(vocab) + 2
    byte_level["model"]["vocab"] = vocab
    text = json.dumps(byte_level, ensure_ascii=False)
    put("tokenizer-load", "byte-level", text)
    put("tokenizer-load", "byte-level-with-config", text.encode() + b"\xff\xfe" + json.dumps(
        {"bos_token": "<|begin|>", "eos_token": "<|end|>", "add_bos_token": True,
         "chat_template": "{{ bos_token }}"}).encode())

    # tokenizer-encode: first byte picks the tokenizer and add_special_tokens.
    for i, text in enumerate([b"\x00Hello world", b"\x81<s> caf\xc3\xa9  \t\n x", b"\x00\xff\xfe\xc3",
                              b"\x01 1234 ab,cd!!", b"\x80\xf0\x9f\x98\x80 \xe2\x82\xac"]):
        put("tokenizer-encode", "text-%d" % i, text)

    # chat-template: templates in the styles of the seed models (written here, not copied).
    templates = {
        "header-style": "{{ bos_token }}{% for message in messages %}{{ '<|start|>' + message['role'] + '<|sep|>\\n\\n' + message['content'] | trim + '<|end|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start|>assistant<|sep|>\\n\\n' }}{% endif %}",
        "inst-style": "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate') }}{% endif %}{% if loop.index0 == 0 and system %}{% set content = '<<SYS>>\\n' + system + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' ' + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
        "namespace-and-macros": "{%- macro show(m, prefix='') -%}{{ prefix ~ m.role | upper }}: {{ m.content if m.content is string else m.content | tojson }}\n{%- endmacro -%}{%- set ns = namespace(n=0, seen=[]) -%}{%- for m in messages if m.role != 'tool' -%}{%- set ns.n = ns.n + 1 -%}{{ show(m, prefix=(loop.index ~ '. ')) }}{%- endfor -%}{{ ns.n }} {{ messages | length }} {{ strftime_now('%d %b %Y') }} {{ (messages | map(attribute='role') | list | join(',')) }}{% if tools is not none %}{{ tools | tojson(indent=2) }}{% endif %}",
        "filters": "{% for k, v in {'a': [1, 2.5, none, true], 'b': 'x'} | dictsort %}{{ k }}={{ v | string | replace('x', 'y') | title }}{% endfor %}{{ range(3) | select('odd') | list }}{{ 'abc'[::-1] }}{{ '%s-%d' % ('a', 3) }}{{ [3,1,2] | sort | first }}{{ 'a b' .split() }}{% raw %}{{ x }}{% endraw %}{# c #}",
    }
    for name, source in templates.items():
        put("chat-template", name, source)
    put("chat-template", "with-messages", templates["header-style"].encode() + b"\xff\xfe" + json.dumps(
        [{"role": "user", "content": None, "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]},
         {"role": "tool", "content": "42"}]).encode())

    # manifest: what the compiler writes, over the harness's 64-byte weights.bin.
    base = {
        "format": "inferno-artifact", "format_version": 1, "compiler_version": "0.1.0",
        "model": {"name": "m"}, "target": "x86_64-cpu",
        "generation": {"bos_token_id": 1, "eos_token_ids": [2], "vocab": 8, "context": 16,
                       "max_batch": 4},
        "tokenizer": "tokenizer.json",
        "weights": {"mode": "pack", "fingerprint": "0000000000000000",
                    "files": [{"path": "weights.bin", "bytes": 64}]},
        "tensors": [{"name": "model.embed_tokens.weight", "dtype": "F32", "shape": [2, 4],
                     "file": 0, "offset": 0, "bytes": 32},
                    {"name": "model.norm.weight", "dtype": "F32", "shape": [4], "file": 0,
                     "offset": 32, "bytes": 16}],
    }
    put("manifest", "packed", json.dumps(base, indent=2))
    linked = json.loads(json.dumps(base))
    linked["weights"]["mode"] = "link"
    linked["tensors"][1]["offset"] = 56
    put("manifest", "past-the-end", json.dumps(linked))


if __name__ == "__main__":
    main()
