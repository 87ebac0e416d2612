#!/usr/bin/env python3
"""Renders generated conversations with `inferno template --batch` and with the jinja2 oracle,
and checks that every case agrees byte for byte (or fails on both sides).

Prints one summary line, e.g.
  llama3.1: 400/400 cases agree (200 conversations x 2 generation-prompt values; 400 rendered, 0 fail on both sides)
or, at the first disagreement, the case, the byte offset and both texts around it, and exits 1.
A case that fails in jinja2 must fail in inferno too; when the template itself raised
(raise_exception), inferno's message must end with the same text.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conversations  # noqa: E402
import oracle  # noqa: E402


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def show(label, text, at):
    data = text.encode("utf-8")
    start = max(0, at - 60)
    return f"  {label} [{len(data)} bytes] ...{data[start:at + 60]!r}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inferno", default="inferno")
    parser.add_argument("--tokenizer", required=True, help="tokenizer folder with the template")
    parser.add_argument("--label", required=True)
    parser.add_argument("--flavor", default="plain", choices=["plain", "llama3", "deepseek"])
    parser.add_argument("--count", type=int, default=200, help="conversations")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--date", default="2024-07-26")
    parser.add_argument("--work", required=True, help="folder for the cases and outputs")
    args = parser.parse_args()

    os.makedirs(args.work, exist_ok=True)
    cases = conversations.cases(args.seed, args.count, args.flavor)
    cases_path = os.path.join(args.work, "cases.jsonl")
    with open(cases_path, "w", encoding="utf-8") as f:
        for case in cases:
            f.write(json.dumps(case, ensure_ascii=False) + "\n")

    ours = subprocess.run([args.inferno, "template", args.tokenizer, "--batch", "--messages",
                           cases_path, "--date", args.date], capture_output=True)
    if ours.returncode != 0:
        sys.stderr.write(ours.stderr.decode("utf-8", "replace"))
        print(f"{args.label}: inferno template failed (exit {ours.returncode})")
        return 1
    # Split on "\n" only: str.splitlines() would also split inside the text at U+2028 etc.
    ours = [json.loads(line) for line in ours.stdout.decode("utf-8").split("\n") if line]
    if len(ours) != len(cases):
        print(f"{args.label}: inferno returned {len(ours)} results for {len(cases)} cases")
        return 1

    source, special_tokens = oracle.load_tokenizer_dir(args.tokenizer)
    now = datetime.datetime.strptime(args.date, "%Y-%m-%d")
    template = oracle.make_environment(now).from_string(source)

    rendered = failed = 0
    for index, (case, mine) in enumerate(zip(cases, ours)):
        ref = oracle.render_case(template, case, False, special_tokens)
        problem = None
        if "text" in ref:
            if "text" not in mine:
                problem = f"jinja2 renders it, inferno fails: {mine['error']}"
            elif mine["text"] != ref["text"]:
                at = first_difference(mine["text"].encode("utf-8"), ref["text"].encode("utf-8"))
                problem = (f"texts differ at byte {at}\n" + show("inferno", mine["text"], at) +
                           "\n" + show("jinja2 ", ref["text"], at))
            else:
                rendered += 1
        else:
            if "error" not in mine:
                problem = f"jinja2 fails ({ref['error']}), inferno renders it"
            elif ref["raised"] and not mine["error"].endswith(ref["error"]):
                problem = (f"raise_exception messages differ: inferno {mine['error']!r}, "
                           f"jinja2 {ref['error']!r}")
            else:
                failed += 1
        if problem:
            print(f"{args.label}: FIRST DIFFERENCE in case {index} (add_generation_prompt="
                  f"{case['add_generation_prompt']}): {problem}")
            print("  case: " + json.dumps(case, ensure_ascii=False)[:2000])
            return 1

    print(f"{args.label}: {len(cases)}/{len(cases)} cases agree ({args.count} conversations x 2 "
          f"generation-prompt values; {rendered} rendered, {failed} fail on both sides)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
