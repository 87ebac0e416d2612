#!/usr/bin/env python3
"""Seeded generator of chat conversations for comparing template renderers.

Every conversation is deterministic in (seed, index, flavor). Shapes: with or without a
system message, 1-6 turns, ending with the user or the assistant, and content that is empty,
whitespace only, multi-line, unicode (accents, CJK, RTL, 4-byte emoji), padded with ASCII and
Unicode whitespace (NBSP, ideographic space, line separators, CR LF), or looks like template
syntax and special tokens. Flavors add what particular templates branch on:
  plain     roles system/user/assistant only
  llama3    also tool results, tool calls (arguments as an object), `tools` and
            `builtin_tools` variables, a custom date_string
  deepseek  also tool results and tool calls with `content: null` (arguments as a string),
            and assistant text holding <think>...</think>
"""

import argparse
import json
import random
import sys

WORDS = ["hello", "model", "token", "the", "weather", "is", "nice", "today", "why", "what",
         "explain", "rope", "attention", "cache", "a", "of", "and", "42", "3.14", "x"]
UNICODE = ["café", "naïve", "Straße", "日本語のテキスト", "中文", "Привет", "مرحبا", "שלום",
           "🙂", "👩‍💻", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "e\u0301", "Ωmega", "½", "ǅ"]
# Python's str.strip() (the trim filter) removes all of these.
WHITESPACE = [" ", "  ", "\t", "\n", "\n\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u2003",
              "\x0b", "\x0c", "\x1c", "\u0085", " \n\t "]
TRICKY = ["{{ messages }}", "{% if true %}x{% endif %}", "{# comment #}", "<|eot_id|>",
          "<|start_header_id|>user<|end_header_id|>", "</s>", "<s>", "<｜User｜>",
          "<think>", "</think>", "\\n", "\\", "'single'", '"double"', "%s %d", "a|b", "${x}",
          "```json\n{\"a\": 1}\n```", "\x00", "\x7f", "tab\there"]


def sentence(rng):
    parts = []
    for _ in range(rng.randint(1, 8)):
        r = rng.random()
        if r < 0.6:
            parts.append(rng.choice(WORDS))
        elif r < 0.8:
            parts.append(rng.choice(UNICODE))
        else:
            parts.append(rng.choice(TRICKY))
    return " ".join(parts) + rng.choice(["", ".", "?", "!", ":"])


def content(rng, role, flavor):
    r = rng.random()
    if r < 0.06:
        return ""
    if r < 0.10:
        return "".join(rng.choice(WHITESPACE) for _ in range(rng.randint(1, 3)))
    lines = [sentence(rng) for _ in range(rng.randint(1, 4))]
    text = rng.choice(["\n", "\n\n", " ", "\r\n"]).join(lines)
    if flavor == "deepseek" and role == "assistant" and rng.random() < 0.4:
        # R1 templates drop everything up to the last </think> of assistant turns.
        thought = "<think>\n" + sentence(rng) + "\n</think>"
        text = thought + rng.choice(["", "\n\n", " "]) + text
        if rng.random() < 0.2:
            text += "</think>" + sentence(rng)
    if rng.random() < 0.35:
        text = rng.choice(WHITESPACE) + text
    if rng.random() < 0.35:
        text = text + rng.choice(WHITESPACE)
    return text


def tool_call(rng, flavor, builtin_tools=None):
    if builtin_tools and rng.random() < 0.7:
        # Llama 3.1 renders calls of its builtin tools as <|python_tag|>name.call(k="v", ...).
        args = {"query": rng.choice(UNICODE + WORDS + TRICKY)}
        if rng.random() < 0.5:
            args["count"] = str(rng.randint(1, 5))
        return {"type": "function",
                "function": {"name": rng.choice(builtin_tools), "arguments": args}}
    args = {"location": rng.choice(UNICODE + WORDS), "days": rng.randint(1, 9),
            "units": rng.choice(["metric", "imperial", None]), "verbose": rng.random() < 0.5}
    if rng.random() < 0.3:
        args["nested"] = {"list": [1, 2.5, "三"], "empty": {}, "none": None, "emptylist": []}
    function = {"name": rng.choice(["get_weather", "search", "calc"]),
                "arguments": json.dumps(args, ensure_ascii=rng.random() < 0.5)
                if flavor == "deepseek" else args}
    return {"type": "function", "function": function}


def tool_schema(rng):
    return {"type": "function",
            "function": {"name": rng.choice(["get_weather", "lookup"]),
                         "description": sentence(rng),
                         "parameters": {"type": "object",
                                        "properties": {"q": {"type": "string",
                                                             "description": sentence(rng)},
                                                       "n": {"type": "integer"}},
                                        "required": ["q"]}}}


def conversation(rng, flavor):
    variables = {}
    if flavor == "llama3":
        r = rng.random()
        if r < 0.08:
            variables["tools"] = [tool_schema(rng) for _ in range(rng.randint(1, 2))]
            variables["tools_in_user_message"] = rng.random() < 0.5
        elif r < 0.16:
            variables["builtin_tools"] = rng.sample(["code_interpreter", "brave_search",
                                                     "wolfram_alpha"], rng.randint(1, 3))
        if rng.random() < 0.1:
            variables["date_string"] = rng.choice(["01 Jan 2025", "31 Dec 1999", "今日"])

    messages = []
    if rng.random() < 0.5:
        messages.append({"role": "system", "content": content(rng, "system", flavor)})
    turns = rng.randint(1, 6)
    end_with_user = rng.random() < 0.6
    for turn in range(turns):
        messages.append({"role": "user", "content": content(rng, "user", flavor)})
        last = turn == turns - 1
        if last and end_with_user:
            break
        if flavor != "plain" and rng.random() < 0.15:
            # An assistant tool call answered by the tool, then the assistant's reply.
            # Llama 3 raises for parallel calls: both renderers must fail alike.
            count = 1 if rng.random() < (0.9 if flavor == "llama3" else 0.6) else 2
            calls = [tool_call(rng, flavor, variables.get("builtin_tools"))
                     for _ in range(count)]
            call = {"role": "assistant", "tool_calls": calls}
            if flavor == "deepseek":
                call["content"] = None
            messages.append(call)
            result = content(rng, "tool", flavor)
            if flavor == "llama3" and rng.random() < 0.3:
                result = {"temperature": rng.randint(-5, 35), "sky": rng.choice(UNICODE)}
            messages.append({"role": rng.choice(["tool", "ipython"]) if flavor == "llama3"
                             else "tool", "content": result})
            if flavor == "deepseek" and rng.random() < 0.3:
                messages.append({"role": "tool", "content": content(rng, "tool", flavor)})
        messages.append({"role": "assistant", "content": content(rng, "assistant", flavor)})
    if rng.random() < 0.03 and len(messages) > 1:
        # A system message in the middle, which templates treat as an ordinary turn.
        messages.insert(rng.randint(1, len(messages) - 1),
                        {"role": "system", "content": content(rng, "system", flavor)})
    return messages, variables


def cases(seed, count, flavor):
    """`count` conversations, each rendered with and without the generation prompt."""
    out = []
    for index in range(count):
        rng = random.Random(f"{seed}:{index}:{flavor}")
        messages, variables = conversation(rng, flavor)
        for prompt in (False, True):
            case = {"messages": messages, "add_generation_prompt": prompt}
            if variables:
                case["variables"] = variables
            out.append(case)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--flavor", choices=["plain", "llama3", "deepseek"], default="plain")
    args = parser.parse_args()
    for case in cases(args.seed, args.count, args.flavor):
        sys.stdout.write(json.dumps(case, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
