#!/usr/bin/env python3
"""Compares our tokenizer's JSONL output with the oracle's, line by line.

  compare.py --inputs corpus.jsonl --ours ours.jsonl --oracle oracle.jsonl [--label NAME]

Prints "NAME: K/N lines agree" and, on a mismatch, the first differing input with both
answers; exits 1 when any line differs or the files have different lengths.
"""
import argparse
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip() != ""]


def show(value, limit=400):
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= limit else text[:limit] + "... (%d chars)" % len(text)


def first_difference(a, b):
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return i
        return min(len(a), len(b))
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--oracle", required=True)
    ap.add_argument("--label", default="tokenizer")
    args = ap.parse_args()
    inputs, ours, oracle = load(args.inputs), load(args.ours), load(args.oracle)
    if not (len(inputs) == len(ours) == len(oracle)):
        print("%s: line counts differ: %d inputs, %d ours, %d oracle"
              % (args.label, len(inputs), len(ours), len(oracle)))
        return 1
    bad = [i for i in range(len(inputs)) if ours[i] != oracle[i]]
    print("%s: %d/%d lines agree" % (args.label, len(inputs) - len(bad), len(inputs)))
    if bad:
        i = bad[0]
        at = first_difference(ours[i], oracle[i])
        print("first mismatch at line %d (position %d):" % (i + 1, at))
        print("  input:  " + show(inputs[i]))
        print("  ours:   " + show(ours[i]))
        print("  oracle: " + show(oracle[i]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
