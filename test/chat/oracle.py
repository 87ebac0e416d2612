#!/usr/bin/env python3
"""Renders chat templates with Python's jinja2 exactly as Hugging Face transformers does.

This is the reference `inferno template` is compared against. It reproduces what
`PreTrainedTokenizerBase.apply_chat_template` sets up (transformers/utils/chat_template_utils.py,
`_compile_jinja_template`), without needing transformers itself:
  * jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
    extensions=[<the {% generation %} tag>, jinja2.ext.loopcontrols]); keep_trailing_newline
    and every other setting left at jinja2's defaults;
  * the `tojson` filter replaced by json.dumps(x, ensure_ascii=False, indent=None,
    separators=None, sort_keys=False) (jinja2's own escapes HTML and sorts keys);
  * globals raise_exception(message) (raises jinja2.exceptions.TemplateError) and
    strftime_now(format) (datetime.now().strftime(format); --date pins the day);
  * render(messages=..., tools=None, documents=None, add_generation_prompt=...,
    **special_tokens_map, **extra variables).

Usage mirrors the inferno subcommand:
  oracle.py TOKENIZER_DIR --messages FILE [--generation-prompt] [--date YYYY-MM-DD] [--batch]
"""

import argparse
import datetime
import json
import os
import sys

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

SPECIAL_TOKEN_KEYS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
                      "cls_token", "mask_token"]


class GenerationTag(jinja2.ext.Extension):
    """HF's {% generation %}...{% endgeneration %}: output the body unchanged."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_environment(now=None):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def strftime_now(format):
        return (now or datetime.datetime.now()).strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def _token_text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return value["content"]  # a serialized AddedToken
    return None


def _collect_special_tokens(config, tokens):
    for key in SPECIAL_TOKEN_KEYS:
        if key in config:
            text = _token_text(config[key])
            if text:
                tokens[key] = text
            else:
                tokens.pop(key, None)
    extra = config.get("additional_special_tokens")
    if isinstance(extra, list):
        texts = [t for t in (_token_text(x) for x in extra) if t is not None]
        if texts:
            tokens["additional_special_tokens"] = texts


def load_tokenizer_dir(path):
    """Returns (template source, special_tokens_map) as transformers would load them."""
    config = {}
    config_path = os.path.join(path, "tokenizer_config.json")
    if os.path.exists(config_path):
        with open(config_path, encoding="utf-8") as f:
            config = json.load(f)
    jinja_path = os.path.join(path, "chat_template.jinja")
    if os.path.exists(jinja_path):  # takes priority over the config's entry
        with open(jinja_path, encoding="utf-8") as f:
            source = f.read()
    else:
        source = config.get("chat_template")
        if isinstance(source, list):
            named = {t["name"]: t["template"] for t in source}
            source = named["default"]
        if not isinstance(source, str):
            raise SystemExit(f"{path}: no chat template")
    tokens = {}
    _collect_special_tokens(config, tokens)
    map_path = os.path.join(path, "special_tokens_map.json")
    if os.path.exists(map_path):
        with open(map_path, encoding="utf-8") as f:
            _collect_special_tokens(json.load(f), tokens)
    return source, tokens


def render(template, messages, add_generation_prompt, special_tokens, variables=None):
    context = dict(messages=messages, tools=None, documents=None,
                   add_generation_prompt=add_generation_prompt, **special_tokens)
    context.update(variables or {})
    return template.render(**context)


def render_case(template, case, default_prompt, special_tokens):
    """One --batch result: {"text": ...} or {"error": ..., "raised": bool}."""
    try:
        text = render(template, case["messages"],
                      case.get("add_generation_prompt", default_prompt), special_tokens,
                      case.get("variables"))
        return {"text": text}
    except Exception as e:  # any failure of the template counts as "this case errors"
        # raise_exception raises the base class itself; subclasses are jinja's own errors.
        return {"error": str(e), "raised": type(e) is jinja2.exceptions.TemplateError}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tokenizer_dir")
    parser.add_argument("--messages", required=True)
    parser.add_argument("--generation-prompt", action="store_true")
    parser.add_argument("--date")
    parser.add_argument("--batch", action="store_true")
    args = parser.parse_args()

    now = datetime.datetime.strptime(args.date, "%Y-%m-%d") if args.date else None
    source, special_tokens = load_tokenizer_dir(args.tokenizer_dir)
    template = make_environment(now).from_string(source)
    out = sys.stdout.buffer
    with open(args.messages, encoding="utf-8") as f:
        if args.batch:
            for line in f:
                if line.strip():
                    result = render_case(template, json.loads(line), args.generation_prompt,
                                         special_tokens)
                    out.write(json.dumps(result, ensure_ascii=False).encode("utf-8") + b"\n")
            return 0
        text = render(template, json.load(f), args.generation_prompt, special_tokens)
    out.write(text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
