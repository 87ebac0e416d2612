#!/usr/bin/python3
"""Reads the precision plan `inferno compile --precision auto` prints on stderr and writes the
same choice as MODULE=MODE policy entries (for llama_ref.py --quantize), checking on the way
that the plan's total is within its budget and adds up.

  plan_to_policy.py COMPILE_STDERR [--expect-modes int8,int4]

Prints the policy (empty when every projection stays dense). Exit 1 when the table is missing,
the total exceeds the budget, the rows do not add up to the total, or no planned mode begins with one
named in --expect-modes.
"""

import re
import sys


def main():
    text = open(sys.argv[1]).read()
    expect = []
    if len(sys.argv) > 3 and sys.argv[2] == "--expect-modes":
        expect = sys.argv[3].split(",")
    budget = re.search(r"precision plan \(budget (\d+) bytes", text)
    total = re.search(r"total (\d+) bytes", text)
    other = re.search(r"other weights \(embedding, norms, quantized ones\): (\d+) bytes", text)
    if not (budget and total and other):
        print("plan_to_policy: no plan table in %s" % sys.argv[1], file=sys.stderr)
        return 1
    rows = re.findall(r"^\s+(\S+\.weight)\s+(dense|int8|int4-g\d+)\s+(\d+)\s+\S+$", text, re.M)
    if sum(int(b) for _, _, b in rows) + int(other.group(1)) != int(total.group(1)):
        print("plan_to_policy: the rows do not add up to the total", file=sys.stderr)
        return 1
    if int(total.group(1)) > int(budget.group(1)):
        print("plan_to_policy: total %s exceeds the budget %s" % (total.group(1), budget.group(1)),
              file=sys.stderr)
        return 1
    modes = {m for _, m, _ in rows}
    for m in expect:
        if not any(planned.startswith(m) for planned in modes):
            print("plan_to_policy: no weight planned as %s" % m, file=sys.stderr)
            return 1
    entries = []
    for name, mode, _ in rows:
        if mode == "dense":
            continue
        module = name[len("model."):] if name.startswith("model.") else name
        entries.append("%s=%s" % (module[:-len(".weight")], mode))
    print(",".join(entries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
