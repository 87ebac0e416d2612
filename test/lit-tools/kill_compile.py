#!/usr/bin/env python3
"""Starts `inferno compile MODEL -o OUT ARGS...`, waits until it is writing its staging
directory (OUT.tmp-*), sends it SIGNAL (INT, TERM or KILL), and reports what became of it:

  killed by SIGTERM
  left: OUT.tmp-XXXXXX (no manifest.json)      one line per path beside OUT starting with OUT
  left: nothing

Exits non-zero if the compiler finished before it could be signalled (the model is too small
for the machine) or never started writing.
"""
import glob
import os
import signal
import subprocess
import sys
import time


def main():
    inferno, model, out, signame, *args = sys.argv[1:]
    sig = getattr(signal, "SIG" + signame)
    # lit's workers ignore SIGINT, and children inherit that: give the compiler the defaults
    # a shell would.
    def default_signals():
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_DFL)

    proc = subprocess.Popen([inferno, "compile", model, "-o", out, *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=default_signals)
    deadline = time.monotonic() + 120
    staged = None
    while time.monotonic() < deadline and proc.poll() is None:
        dirs = glob.glob(glob.escape(out) + ".tmp-*")
        # Mid-way: the packed weights are being written.
        if dirs and os.path.exists(os.path.join(dirs[0], "weights.bin")):
            staged = dirs[0]
            break
        time.sleep(0.002)
    if staged is None:
        proc.kill()
        proc.wait()
        sys.exit("kill_compile.py: the compiler %s before writing its weights" %
                 ("finished" if proc.returncode == 0 else "exited (%s)" % proc.returncode))
    proc.send_signal(sig)
    proc.wait()
    if proc.returncode < 0:
        print("killed by %s" % signal.Signals(-proc.returncode).name)
    else:
        print("exited with %d" % proc.returncode)
    left = sorted(p for p in glob.glob(glob.escape(out) + "*"))
    for p in left:
        what = "manifest.json" if os.path.exists(os.path.join(p, "manifest.json")) else \
            "no manifest.json"
        print("left: %s (%s)" % (os.path.relpath(p, os.path.dirname(out) or "."), what))
    if not left:
        print("left: nothing")


if __name__ == "__main__":
    main()
