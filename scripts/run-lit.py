#!/usr/bin/env python3
"""Runs lit over the given suites and ends with one summary line: "N passed, N failed, N skipped".

lit's own summary spreads the counts over several lines; CI and people read this one. Unsupported
tests (e.g. those needing ../shared) count as skipped, never as passed.
"""
import re
import subprocess
import sys


def main() -> int:
    lit, *suites = sys.argv[1:]
    proc = subprocess.run([sys.executable, lit, "-sv", *suites], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(proc.stdout)
    counts = {k: 0 for k in ("Passed", "Failed", "Unsupported", "Unresolved", "Timed Out",
                             "Expectedly Failed", "Unexpectedly Passed", "Skipped", "Excluded")}
    for line in proc.stdout.splitlines():
        m = re.match(r"\s*(Passed|Failed|Unsupported|Unresolved|Timed Out|Expectedly Failed|"
                     r"Unexpectedly Passed|Skipped|Excluded)\s*:\s*(\d+)", line)
        if m:
            counts[m.group(1)] += int(m.group(2))
    passed = counts["Passed"] + counts["Expectedly Failed"]
    failed = counts["Failed"] + counts["Unresolved"] + counts["Timed Out"] + counts["Unexpectedly Passed"]
    skipped = counts["Unsupported"] + counts["Skipped"]
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    if passed == 0:
        print("no test ran", file=sys.stderr)
        return 1
    return proc.returncode or (1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
