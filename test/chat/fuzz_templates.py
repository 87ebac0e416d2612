#!/usr/bin/env python3
"""Random templates from the supported subset, rendered by `inferno template` and by jinja2.

Each template (seeded) mixes text and whitespace with tags carrying `-`/`+` modifiers, if/elif/
else, for loops (loop.*, filters, unpacking, else, break/continue), set (plain, block,
namespace attributes) and random expressions over operators, literals, filters, tests, method
calls, attributes, subscripts and slices. Every template is rendered against a few variable
sets. A case agrees when both texts are equal or both sides fail; when inferno refuses a
construct outright ("unsupported" / "not supported") while jinja2 renders, it is counted as a
refusal, never as agreement. Any other difference is printed and fails the run.

  fuzz_templates.py --inferno inferno --count 100 --seed 1 --work DIR
"""

import argparse
import concurrent.futures
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

STRINGS = ["", "a", "ab", " x ", "é", "\\n", "it's", "A,B,,C", "  lead", "trail  ", "\\t",
           "\u00a0nb\u00a0", "日本", "a b  c", "user", "role", "x", "</think>", "{{", "%}",
           "3", "\\\\", '\\"q\\"', "\\u00e9", "\\x41"]
VARIABLES = ["s", "n", "f", "l", "d", "e", "z", "b", "a", "messages", "nope", "words", "nums"]
FILTERS = ["trim", "length", "count", "tojson", "tojson(indent=2)", "tojson(sort_keys=true)",
           "string", "upper", "lower", "replace('a', 'b')", "replace('', '-')",
           "default('dflt')", "default('dflt', true)", "d", "join(', ')", "join", "list",
           "first", "last", "abs", "capitalize", "items | list", "trim('x')",
           "reject('equalto', 1) | list", "select('string') | list",
           "selectattr('role', 'equalto', 'user') | list", "map(attribute='role') | list",
           "map('upper') | join('|')", "rejectattr('content') | list", "select | list",
           "reject('none') | join"]
TESTS = ["defined", "undefined", "none", "string", "number", "integer", "float", "mapping",
         "iterable", "sequence", "boolean", "true", "false", "odd", "even", "divisibleby 3",
         "equalto 1", "in [1, 'a', none]", "eq 'a'", "ne 2", "lt 3", "ge 0", "sameas none"]
METHODS = ["strip()", "strip('a')", "lstrip()", "rstrip(' x')", "split()", "split(',')",
           "split(' ', 1)", "startswith('a')", "endswith(('b', 'c'))", "upper()", "lower()",
           "replace('a', 'bb')", "get('role')", "get('nope', 5)", "items()", "keys()",
           "values()", "split(maxsplit=1)"]
BINARY = ["+", "-", "*", "/", "//", "%", "**", "~", "and", "or", "==", "!=", "<", "<=", ">",
          ">=", "in", "not in"]


def quoted(rng, text=None):
    q = rng.choice(["'", '"'])
    text = rng.choice(STRINGS) if text is None else text
    return q + text.replace(q, "\\" + q) + q


def literal(rng):
    r = rng.random()
    if r < 0.3:
        return str(rng.choice([0, 1, 2, 3, -1, 7, 10, 255, 1000000, 9007199254740993]))
    if r < 0.4:
        return rng.choice(["0.5", "1.0", "2.5e3", "1e16", "1e-05", "-0.0", "3.14159",
                           "123456.789", "1_000"])
    if r < 0.75:
        return quoted(rng)
    return rng.choice(["none", "None", "true", "false", "True", "False"])


# Typed productions keep most expressions well-typed, so that renders mostly succeed and
# reach the text; ILL_TYPED of the time an operand of any type is used instead.
ILL_TYPED = 0.08


def typed(rng, want, depth):
    if rng.random() < ILL_TYPED:
        want = "any"
    if want == "any":
        want = rng.choice(["str", "str", "int", "bool", "list", "dict", "float", "misc"])
    leaf = depth > 2 or rng.random() < 0.3
    r = rng.random()
    sub = lambda w: typed(rng, w, depth + 1)  # noqa: E731
    # A receiver of .method or [index] in parentheses: `x | trim.strip()` would read as a
    # filter named "trim.strip".
    p = lambda w: "(" + typed(rng, w, depth + 1) + ")"  # noqa: E731
    if want == "str":
        if leaf:
            return rng.choice([quoted(rng), "s", "e", "a", "messages[0].content", "d.role",
                               "words[0]", "messages[-1]['role']"])
        return rng.choice([
            f"{sub('any')} ~ {sub('any')}", f"{sub('str')} + {sub('str')}",
            f"{sub('str')} | trim", f"{p('str')}.strip()", f"a | {rng.choice(['upper', 'lower', 'capitalize'])}",
            f"{sub('list')} | join({quoted(rng, rng.choice([', ', '', '|']))})",
            f"{sub('any')} | string", f"{sub('any')} | tojson",
            f"{sub('any')} | tojson(indent={rng.choice([0, 2, 4])})",
            f"{p('str')}[{rng.choice(['1:', ':2', '::-1', '-3:', '0', '-1', '1:5:2'])}]",
            f"({sub('str')} if {sub('bool')} else {sub('str')})",
            f"{p('str')}.replace({quoted(rng)}, {quoted(rng)})",
            f"{sub('str')} | replace({quoted(rng)}, {quoted(rng)})",
            f"{p('str')}.split({quoted(rng, rng.choice([',', ' ', '</think>']))})[-1]",
            f"{sub('str')} * {rng.randint(0, 3)}", f"{sub('any')} | default({quoted(rng)})",
            f"({sub('str')} or {quoted(rng)})", f"{sub('list')} | first | string",
            f"{p('str')}.lstrip({quoted(rng)})", f"{sub('str')} | trim({quoted(rng, 'x ')})",
            f"nope | default({quoted(rng)}, true)", f"{p('str')}.rstrip()",
        ])
    if want == "int":
        if leaf:
            return rng.choice([literal(rng) if rng.random() < 0.2 else
                               str(rng.randint(-5, 300)), "n", "nums[0]", "d.n"])
        return rng.choice([
            f"{sub('int')} {rng.choice(['+', '-', '*', '//', '%'])} {sub('int')}",
            f"{sub('any')} | length", f"{sub('list')} | count", f"-{sub('int')}",
            f"{sub('int')} ** {rng.randint(0, 3)}", f"{sub('int')} | abs",
            f"({sub('int')} if {sub('bool')} else {sub('int')})", f"{sub('list')} | last",
        ])
    if want == "float":
        if leaf:
            return rng.choice(["f", "0.5", "1e16", "-0.0", "1e-05", "2.5e3", "3.14159"])
        return rng.choice([f"{sub('int')} / {sub('int')}", f"{sub('float')} * {sub('int')}",
                           f"{sub('float')} + {sub('float')}", f"{sub('float')} // 0.3",
                           f"{sub('float')} % -2", f"{sub('int')} ** -1"])
    if want == "bool":
        if leaf:
            return rng.choice(["b", "true", "false", "z is none", "e == ''"])
        return rng.choice([
            f"{sub('any')} {rng.choice(['==', '!='])} {sub('any')}",
            f"{sub('int')} {rng.choice(['<', '<=', '>', '>='])} {sub('int')}",
            f"{sub('str')} {rng.choice(['<', '>='])} {sub('str')}",
            f"{sub('str')} {rng.choice(['in', 'not in'])} {sub('str')}",
            f"{sub('any')} {rng.choice(['in', 'not in'])} {sub('list')}",
            f"{sub('str')} in d", f"not {sub('any')}", f"{sub('any')} and {sub('any')}",
            f"{sub('any')} or {sub('any')}", f"{sub('any')} is {rng.choice(TESTS)}",
            f"{sub('any')} is not {rng.choice(TESTS)}", f"{sub('int')} < {sub('int')} < {sub('int')}",
            f"{p('str')}.startswith({quoted(rng)})", f"{p('str')}.endswith({quoted(rng)})",
            f"{sub('any')} | list | length > 1",
        ])
    if want == "list":
        if leaf:
            return rng.choice(["l", "words", "nums", "[]", "messages", f"[{literal(rng)}]"])
        return rng.choice([
            "[" + ", ".join(sub("any") for _ in range(rng.randint(0, 3))) + "]",
            f"{p('str')}.split()", f"{p('str')}.split({quoted(rng, ',')})",
            f"{sub('list')} + {sub('list')}", f"{p('list')}[1:]", f"{p('list')}[::-1]",
            f"messages | map(attribute='role') | list",
            f"{sub('list')} | reject('equalto', {sub('any')}) | list",
            f"{sub('list')} | select('string') | list", f"{sub('any')} | list",
            f"messages | selectattr('role', 'equalto', 'user') | list",
            f"{sub('list')} | map('string') | list", f"d | items | list", f"d.keys() | list",
            f"range({rng.randint(0, 4)}) | list", f"{sub('str')} | list",
        ])
    if want == "dict":
        if leaf:
            return rng.choice(["d", "messages[0]", "{}"])
        items = [f"{quoted(rng, rng.choice(['k', 'role', 'x', 'é']))}: {sub('any')}"
                 for _ in range(rng.randint(0, 3))]
        return rng.choice(["{" + ", ".join(items) + "}", "messages[-1]", "d"])
    return rng.choice(["z", "nope", "nope.x", "none", "(1, 'a')", "(" + sub("any") + ",)",
                       f"d.get({quoted(rng)})", f"{p('any')}.{rng.choice(METHODS)}",
                       f"{rng.choice(VARIABLES)}.{rng.choice(['role', 'content', 'nope', 'items'])}",
                       f"{rng.choice(VARIABLES)}[{literal(rng)}]", "ns.a", "ns", "loop",
                       f"({sub('any')}, {sub('any')})", f"{sub('any')} if {sub('any')}"])


def expr(rng, depth=0):
    return typed(rng, "any", depth)


def text(rng):
    pieces = ["", " ", "  ", "\t", "\n", "\n\n", "  \n", "\n  ", "word", " é ", "x\n  ",
              "\u00a0", "\u3000\n", "a{b", "}", "#", "\r\n", "\r", " \r\n  "]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))


def tag(rng, body, kind="%"):
    left = rng.choice(["", "", "-", "+"]) if kind != "{" else rng.choice(["", "", "-"])
    right = rng.choice(["", "", "-", "+"]) if kind == "%" else rng.choice(["", "", "-"])
    if kind == "{":
        return "{{" + left + " " + body + " " + right + "}}"
    if kind == "#":
        return "{#" + left + " " + body + " " + right + "#}"
    return "{%" + left + " " + body + " " + right + "%}"


def block(rng, depth=0, in_loop=False):
    out = []
    for _ in range(rng.randint(1, 3)):
        out.append(text(rng))
        r = rng.random()
        if r < 0.35 or depth > 2:
            out.append(tag(rng, expr(rng), "{"))
        elif r < 0.5:
            parts = [tag(rng, "if " + expr(rng)), block(rng, depth + 1, in_loop)]
            for _ in range(rng.randint(0, 2)):
                parts += [tag(rng, "elif " + expr(rng)), block(rng, depth + 1, in_loop)]
            if rng.random() < 0.5:
                parts += [tag(rng, "else"), block(rng, depth + 1, in_loop)]
            parts.append(tag(rng, "endif"))
            out.append("".join(parts))
        elif r < 0.65:
            target, iterable = rng.choice([
                ("x", rng.choice(["l", "words", "nums", "messages", "s", "d", "range(3)", "e",
                                  "nope", "[1, 2, 3]", expr(rng)])),
                ("k, v", "d.items()"), ("k, v", "d | items"), ("m", "messages[1:]")])
            # Loop filters run lazily in jinja2, interleaved with bodies that may change the
            # namespace they read.
            cond = rng.choice(["", "", "", "", f" if {expr(rng)}", " if ns.a is number",
                               " if not ns.b", f" if {rng.choice(VARIABLES)}"])
            inner = block(rng, depth + 1, True)
            loopy = rng.choice(["loop.index", "loop.index0", "loop.first", "loop.last",
                                "loop.length", "loop.revindex", "loop.previtem",
                                "loop.nextitem", "loop.cycle('a', 'b')", target.split(",")[0]])
            parts = [tag(rng, f"for {target} in {iterable}{cond}"), inner,
                     tag(rng, loopy, "{")]
            if rng.random() < 0.2:
                parts.append(tag(rng, f"if {expr(rng)}") + tag(rng, rng.choice(["break", "continue"]))
                             + tag(rng, "endif"))
            if rng.random() < 0.2:
                parts += [tag(rng, "else"), block(rng, depth + 1, in_loop)]
            parts.append(tag(rng, "endfor"))
            out.append("".join(parts))
        elif r < 0.75:
            name = rng.choice(["s", "n", "y", "l", "messages", "tmp"])
            out.append(tag(rng, f"set {name} = {expr(rng)}"))
        elif r < 0.82:
            value = rng.choice([expr(rng), "ns.a ~ 'x'", "'x'", "1"])
            out.append(tag(rng, f"set ns.{rng.choice(['a', 'b'])} = {value}"))
            out.append(tag(rng, f"ns.a ~ '/' ~ ns.b", "{"))
        elif r < 0.88:
            out.append(tag(rng, f"set {rng.choice(['y', 'tmp'])}") + block(rng, depth + 1, in_loop)
                       + tag(rng, "endset"))
        elif r < 0.94:
            out.append(tag(rng, "comment " + text(rng), "#"))
        else:
            out.append(tag(rng, rng.choice(["y", "tmp", "s"]), "{"))
    return "".join(out)


def template(rng):
    return tag(rng, "set ns = namespace(a=0, b='')") + block(rng) + text(rng)


CONTEXTS = [
    {"messages": [{"role": "system", "content": " Be brief. "},
                  {"role": "user", "content": "Hi\nthere"},
                  {"role": "assistant", "content": "<think>x</think>Hello"}],
     "s": "  Hello, wörld\u00a0", "a": "Mixed Case,  text ", "n": 3, "f": 2.5, "l": [1, "a", None, True, 2.0],
     "d": {"role": "user", "content": "c", "n": 1}, "e": "", "z": None, "b": True,
     "words": ["b", "a", "c"], "nums": [3, -1, 2]},
    {"messages": [{"role": "user", "content": ""}], "s": "a,b", "a": "x", "n": -7, "f": -0.5, "l": [],
     "d": {}, "e": "", "z": None, "b": False, "words": [], "nums": [0]},
]


def run_one(args, index):
    rng = random.Random(f"{args.seed}:{index}")
    source = template(rng)
    folder = os.path.join(args.work, str(index))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "chat_template.jinja"), "w", encoding="utf-8",
              newline="") as f:
        f.write(source)
    cases = [{"messages": c["messages"], "add_generation_prompt": False,
              "variables": {k: v for k, v in c.items() if k != "messages"}} for c in CONTEXTS]
    cases_path = os.path.join(folder, "cases.jsonl")
    with open(cases_path, "w", encoding="utf-8") as f:
        for case in cases:
            f.write(json.dumps(case, ensure_ascii=False) + "\n")

    env = oracle.make_environment()
    try:
        compiled = env.from_string(source)
        refs = [oracle.render_case(compiled, case, False, {}) for case in cases]
    except Exception as e:  # jinja2 rejects the template itself
        refs = [{"error": str(e), "raised": False}] * len(cases)
    run = subprocess.run([args.inferno, "template", folder, "--batch", "--messages", cases_path],
                         capture_output=True)
    if run.returncode != 0:
        message = run.stderr.decode("utf-8", "replace").strip()
        ours = [{"error": message}] * len(cases)
    else:
        ours = [json.loads(line) for line in run.stdout.decode("utf-8").split("\n") if line]

    results = []
    for case_index, (ref, mine) in enumerate(zip(refs, ours)):
        if "text" in ref and "text" in mine and ref["text"] == mine["text"]:
            results.append(("rendered", None))
        elif "error" in ref and "error" in mine:
            results.append(("failed", None))
        elif "text" in ref and "error" in mine and ("unsupported" in mine["error"] or
                                                    "not supported" in mine["error"]):
            results.append(("refused", mine["error"]))
        else:
            detail = (f"template {index} ({folder}), context {case_index}:\n{source}\n"
                      f"  jinja2:  {json.dumps(ref, ensure_ascii=False)[:600]}\n"
                      f"  inferno: {json.dumps(mine, ensure_ascii=False)[:600]}")
            results.append(("DIFFERENT", detail))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inferno", default="inferno")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", required=True)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--show-refusals", action="store_true")
    args = parser.parse_args()

    tally = {"rendered": 0, "failed": 0, "refused": 0, "DIFFERENT": 0}
    first = None
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for results in pool.map(lambda i: run_one(args, i), range(args.count)):
            for kind, detail in results:
                tally[kind] += 1
                if kind == "DIFFERENT" and first is None:
                    first = detail
                if kind == "refused" and args.show_refusals:
                    print("refused:", detail)
    total = sum(tally.values())
    print(f"fuzz: {args.count} templates, {total} renders: {tally['rendered']} identical, "
          f"{tally['failed']} fail on both sides, {tally['refused']} refused by inferno, "
          f"{tally['DIFFERENT']} different")
    if first:
        print("FIRST DIFFERENCE in " + first)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
