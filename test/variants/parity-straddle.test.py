"""Prints each layer whose tensors the index puts in more than one shard; exits 1 if none."""
import json
import re
import sys

weight_map = json.load(open(sys.argv[1]))["weight_map"]
files = {}
for name, file in weight_map.items():
    m = re.match(r"model\.layers\.(\d+)\.", name)
    if m:
        files.setdefault(int(m.group(1)), set()).add(file)
split = [(layer, sorted(f)) for layer, f in sorted(files.items()) if len(f) > 1]
for layer, f in split:
    print(f"layer {layer} straddles {' and '.join(f)}")
sys.exit(0 if split else 1)
