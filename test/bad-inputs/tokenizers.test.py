"""Writes one corrupted copy of a tokenizer.json per case of tokenizers.test."""
import json
import os
import sys

source, out = sys.argv[1:]
with open(source) as f:
    base = json.load(f)


def case(name, edit=None, text=None):
    os.makedirs(os.path.join(out, name))
    doc = json.loads(json.dumps(base))
    if edit:
        edit(doc)
    with open(os.path.join(out, name, "tokenizer.json"), "w") as f:
        f.write(text if text is not None else json.dumps(doc))


case("model-type", lambda d: d["model"].update(type="WordLevel"))
case("normalizer", lambda d: d.update(normalizer={"type": "BertNormalizer"}))
case("decoder", lambda d: d.update(decoder={"type": "CTC"}))
case("regex", lambda d: d.update(pre_tokenizer={"type": "Split", "pattern": {"Regex": "(unclosed"},
                                                "behavior": "Isolated", "invert": False}))
case("merges", lambda d: d["model"].update(merges=["a zz"]))
case("added-id", lambda d: d["added_tokens"][0].update(id=99999))
case("not-json", text='{"model": ')
case("not-object", text='["model"]')
