#!/usr/bin/env python3
"""Writes a variant of a real tokenizer.json that exercises components the real files do not
(Metaspace pre-tokenizers, added-token flags, GPT-2 style ByteLevel, Split behaviors), so that
the conformance tests can hold those paths against the oracle too.

  make_variant.py BASE_TOKENIZER_JSON VARIANT OUTPUT_DIR

writes OUTPUT_DIR/tokenizer.json (and no tokenizer_config.json). Variants:
  metaspace-first     Llama 2 as converted with legacy=false: no normalizer, Metaspace(first, no split)
  metaspace-always    Metaspace(always, split) with the Metaspace decoder
  added-flags         extra added tokens with lstrip/rstrip/single_word/normalized/special mixes
  gpt2-bytelevel      ByteLevel pre-tokenizer with GPT-2's regex and add_prefix_space
  split-behaviors     a Sequence of Split pre-tokenizers with every delimiter behavior
"""
import json
import os
import sys

META = "\u2581"


def added(tokens, content, **flags):
    next_id = max(t["id"] for t in tokens) + 1 if tokens else 0
    token = {"id": next_id, "content": content, "single_word": False, "lstrip": False,
             "rstrip": False, "normalized": True, "special": False}
    token.update(flags)
    tokens.append(token)


def variant(tok, name):
    if name == "metaspace-first":
        tok["normalizer"] = None
        tok["pre_tokenizer"] = {"type": "Metaspace", "replacement": META, "prepend_scheme": "first",
                                "split": False}
    elif name == "metaspace-always":
        tok["normalizer"] = None
        tok["pre_tokenizer"] = {"type": "Metaspace", "replacement": META, "prepend_scheme": "always",
                                "split": True}
        tok["decoder"] = {"type": "Metaspace", "replacement": META, "prepend_scheme": "always",
                          "split": True}
    elif name == "added-flags":
        tokens = tok["added_tokens"]
        vocab = tok["model"]["vocab"]
        fresh = []
        added(fresh, "<tool>", lstrip=True, rstrip=True, special=True, normalized=False)
        added(fresh, "[L]", lstrip=True, normalized=False)
        added(fresh, "[R]", rstrip=True, normalized=False)
        added(fresh, "wd", single_word=True, normalized=False)  # also a vocabulary token
        added(fresh, "Hello World", normalized=True)
        added(fresh, " spaced ", normalized=True, single_word=True)
        added(fresh, "<s>x", normalized=False, special=True)
        added(fresh, "日本", single_word=True, rstrip=True)
        # Ids as Hugging Face assigns them: a vocabulary token keeps its id, the others
        # continue after the largest id in use.
        next_id = max(max(vocab.values()), max(t["id"] for t in tokens)) + 1
        for t in fresh:
            if t["content"] in vocab:
                t["id"] = vocab[t["content"]]
            else:
                t["id"] = next_id
                next_id += 1
        tok["added_tokens"] = tokens + fresh
    elif name == "gpt2-bytelevel":
        tok["normalizer"] = None
        tok["pre_tokenizer"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                                "use_regex": True}
        tok["decoder"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                          "use_regex": True}
    elif name == "split-behaviors":
        def split(pattern, behavior, invert=False, regex=True):
            return {"type": "Split", "pattern": {"Regex" if regex else "String": pattern},
                    "behavior": behavior, "invert": invert}
        tok["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
            split(" ", "MergedWithNext", regex=False),
            split("\\p{N}+", "Isolated"),
            split("[.,;:!?]", "MergedWithPrevious"),
            split("\\s+", "Removed", invert=True),
            split("-", "Contiguous", regex=False),
            split("(?i:th)", "Removed"),
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
        ]}
    else:
        sys.exit("unknown variant " + name)
    return tok


def main():
    base, name, out = sys.argv[1:4]
    with open(base, encoding="utf-8") as f:
        tok = json.load(f)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(variant(tok, name), f, ensure_ascii=False)


if __name__ == "__main__":
    main()
