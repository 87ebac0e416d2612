#!/usr/bin/python3
"""Compare two logits files (.npy, [steps, vocab]) or two token id lists.

  compare.py A.npy B.npy [--max-abs 1e-4] [--rel-l2 1e-2] [--same-ids] [--prefix] [--quiet]
  compare.py A.npy B.npy --same-ids-except-ties 1e-3
  compare.py IDS_A IDS_B --same-ids

B is the reference: relative L2 is ||a - b|| / ||b||, per row and over everything. An id list is
a file holding ids (separated by spaces, commas or newlines) or the ids themselves ("5,6,7");
a .npy given where ids are compared stands for the argmax of each of its rows.

Prints the maximum absolute difference, the relative L2 of every row and overall, and the
first index where the argmax ids differ. Exit status: 0 when every threshold given holds,
1 when one does not (or the shapes or lengths differ, or a value is not finite), 2 on bad
input. Thresholds: --max-abs bounds the largest |a - b|; --rel-l2 bounds the worst row's
relative L2 (which also bounds the overall one); --same-ids requires identical argmax ids
(logits) or identical lists (ids). --prefix compares only the common leading rows or ids when
the counts differ, instead of failing.
"""

import argparse
import os
import sys

import numpy as np


class InputError(Exception):
    pass


def load_logits(path):
    try:
        a = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise InputError("%s: cannot read .npy (%s)" % (path, e))
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise InputError("%s: expected [steps, vocab] logits, got shape %s" % (path, list(a.shape)))
    if not np.issubdtype(a.dtype, np.floating):
        raise InputError("%s: expected floating-point logits, got %s" % (path, a.dtype))
    return a


def load_ids(arg):
    if arg.endswith(".npy"):
        a = load_logits(arg)
        return [int(i) for i in np.argmax(a, axis=1)]
    text = arg
    if os.path.isfile(arg):
        with open(arg) as f:
            text = f.read()
    try:
        return [int(t) for t in text.replace(",", " ").split()]
    except ValueError:
        raise InputError("%r is neither a readable file of ids nor a list of ids" % arg)


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def top_gap(row):
    s = np.sort(row)
    return float(s[-1] - s[-2]) if len(s) > 1 else float("inf")


def compare_ids(a, b, args):
    ok = True
    print("ids: %d (a) %d (b)" % (len(a), len(b)))
    if len(a) != len(b):
        if args.prefix:
            n = min(len(a), len(b))
            print("lengths differ: comparing the first %d" % n)
            a, b = a[:n], b[:n]
        else:
            print("FAIL: lengths differ")
            ok = False
    i = first_diff(a, b)
    if i is None:
        print("first differing index: none (%d identical)" % len(a))
    else:
        ai = a[i] if i < len(a) else "(end)"
        bi = b[i] if i < len(b) else "(end)"
        print("first differing index: %d (a=%s b=%s)" % (i, ai, bi))
        if args.same_ids:
            print("FAIL: ids differ")
            ok = False
    return ok


def compare_logits(a, b, args):
    ok = True
    print("rows: %d (a) %d (b), vocab %d (a) %d (b)" % (a.shape[0], b.shape[0], a.shape[1], b.shape[1]))
    if a.shape[1] != b.shape[1]:
        raise InputError("vocab sizes differ: %d vs %d" % (a.shape[1], b.shape[1]))
    if a.shape[0] != b.shape[0]:
        n = min(a.shape[0], b.shape[0])
        if args.prefix:
            print("row counts differ: comparing the first %d" % n)
        else:
            print("FAIL: row counts differ (comparing the first %d anyway)" % n)
            ok = False
        a, b = a[:n], b[:n]
    if a.shape[0] == 0:
        print("nothing to compare")
        return ok
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if not (np.all(np.isfinite(a64)) and np.all(np.isfinite(b64))):
        print("FAIL: non-finite values (a: %d, b: %d)"
              % (np.count_nonzero(~np.isfinite(a64)), np.count_nonzero(~np.isfinite(b64))))
        return False
    diff = np.abs(a64 - b64)
    r, c = np.unravel_index(int(np.argmax(diff)), diff.shape)
    max_abs = float(diff[r, c])
    num = np.linalg.norm(a64 - b64, axis=1)
    den = np.linalg.norm(b64, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(den > 0, num / den, np.where(num > 0, np.inf, 0.0))
    tot_den = float(np.linalg.norm(b64))
    overall = float(np.linalg.norm(a64 - b64)) / tot_den if tot_den > 0 else (0.0 if max_abs == 0 else float("inf"))
    ida, idb = np.argmax(a, axis=1), np.argmax(b, axis=1)
    worst = int(np.argmax(rel))
    print("max abs diff: %.6g (row %d, id %d: a=%.8g b=%.8g)" % (max_abs, r, c, a64[r, c], b64[r, c]))
    print("rel L2 overall: %.6g" % overall)
    print("rel L2 per row: max %.6g (row %d), median %.6g" % (rel[worst], worst, float(np.median(rel))))
    if not args.quiet:
        print("%6s %12s %12s %8s %8s" % ("row", "max_abs", "rel_l2", "argmax_a", "argmax_b"))
        for i in range(a.shape[0]):
            print("%6d %12.4g %12.4g %8d %8d%s" % (i, diff[i].max(), rel[i], ida[i], idb[i],
                                                  "" if ida[i] == idb[i] else "  <-- differs"))
    mism = np.nonzero(ida != idb)[0]
    if len(mism) == 0:
        print("first differing token index: none (argmax identical over %d rows)" % a.shape[0])
    else:
        i = int(mism[0])
        print("first differing token index: %d (a=%d b=%d; top-1/top-2 gap a=%.4g b=%.4g); %d rows differ"
              % (i, ida[i], idb[i], top_gap(a64[i]), top_gap(b64[i]), len(mism)))
    if args.max_abs is not None and not max_abs <= args.max_abs:
        print("FAIL: max abs diff %.6g > %g" % (max_abs, args.max_abs))
        ok = False
    if args.rel_l2 is not None and not rel[worst] <= args.rel_l2:
        print("FAIL: rel L2 of row %d %.6g > %g" % (worst, rel[worst], args.rel_l2))
        ok = False
    if args.rel_l2_overall is not None and not overall <= args.rel_l2_overall:
        print("FAIL: overall rel L2 %.6g > %g" % (overall, args.rel_l2_overall))
        ok = False
    if args.rel_l2_median is not None and not float(np.median(rel)) <= args.rel_l2_median:
        print("FAIL: median rel L2 %.6g > %g" % (float(np.median(rel)), args.rel_l2_median))
        ok = False
    if args.same_ids and len(mism):
        print("FAIL: argmax ids differ")
        ok = False
    if args.same_ids_except_ties is not None:
        # A differing row passes only if the reference itself nearly ties there: its logit of a's
        # choice is within the gap of its own best.
        gaps = b64[mism, idb[mism]] - b64[mism, ida[mism]]
        wide = [(int(i), float(g)) for i, g in zip(mism, gaps) if not g <= args.same_ids_except_ties]
        if len(mism):
            print("argmax differs in %d rows, reference gaps %s" % (len(mism), ", ".join("%.3g" % g for g in gaps)))
        if wide:
            print("FAIL: argmax ids differ at row %d where the reference prefers its choice by %.6g > %g"
                  % (wide[0][0], wide[0][1], args.same_ids_except_ties))
            ok = False
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    ap.add_argument("a")
    ap.add_argument("b", help="the reference")
    ap.add_argument("--max-abs", type=float, help="fail if the largest |a - b| exceeds this")
    ap.add_argument("--rel-l2", type=float, help="fail if any row's ||a - b|| / ||b|| exceeds this")
    ap.add_argument("--rel-l2-overall", type=float,
                    help="fail if ||a - b|| / ||b|| over all rows together exceeds this")
    ap.add_argument("--same-ids", action="store_true", help="fail if the argmax ids (or the id lists) differ")
    ap.add_argument("--rel-l2-median", type=float,
                    help="fail if the median row's relative L2 exceeds this (typical rows exact, "
                         "a few allowed further off up to --rel-l2)")
    ap.add_argument("--same-ids-except-ties", type=float, metavar="GAP",
                    help="fail if the argmax ids differ in a row where the reference's logit of a's "
                         "choice is more than GAP below the reference's best")
    ap.add_argument("--prefix", action="store_true", help="compare the common leading rows/ids when counts differ")
    ap.add_argument("-q", "--quiet", action="store_true", help="no per-row table")
    args = ap.parse_args(argv)
    try:
        if args.a.endswith(".npy") and args.b.endswith(".npy"):
            ok = compare_logits(load_logits(args.a), load_logits(args.b), args)
        else:
            if args.max_abs is not None or args.rel_l2 is not None or args.rel_l2_overall is not None \
                    or args.rel_l2_median is not None or args.same_ids_except_ties is not None:
                raise InputError("--max-abs and --rel-l2 need two .npy logits files")
            ok = compare_ids(load_ids(args.a), load_ids(args.b), args)
    except InputError as e:
        print("compare: error: %s" % e, file=sys.stderr)
        return 2
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
