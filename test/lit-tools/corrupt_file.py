#!/usr/bin/env python3
"""Low-level corruptions that mutate_model.py does not make, for test/bad-inputs:

  corrupt_file.py set-header FILE JSON       replace a safetensors header (data kept as is)
  corrupt_file.py huge-header FILE N         header length N, the file extended (sparsely) past it
  corrupt_file.py json-set FILE KEY.PATH VALUE   set a field of a JSON file (VALUE is JSON)
  corrupt_file.py fill FILE TENSOR VALUE     fill a tensor of a safetensors file with VALUE
                                             (a float: nan, inf, 1e30, ...), in place
"""
import json
import struct
import sys


def read_header(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return n, json.loads(f.read(n))


def main():
    op, path, *args = sys.argv[1:]
    if op == "set-header":
        n, _ = read_header(path)
        with open(path, "rb") as f:
            data = f.read()[8 + n:]
        text = args[0].encode()
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text + data)
    elif op == "huge-header":
        n = int(args[0])
        with open(path, "r+b") as f:
            f.write(struct.pack("<Q", n))
            f.truncate(8 + n + 64)
    elif op == "json-set":
        with open(path) as f:
            doc = json.load(f)
        *parents, last = args[0].split(".")
        node = doc
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = json.loads(args[1])
        with open(path, "w") as f:
            json.dump(doc, f, indent=2)
    elif op == "fill":
        n, header = read_header(path)
        entry = header[args[0]]
        fmt = {"F32": "<f", "F16": "<e"}[entry["dtype"]]
        begin, end = entry["data_offsets"]
        size = struct.calcsize(fmt)
        with open(path, "r+b") as f:
            f.seek(8 + n + begin)
            f.write(struct.pack(fmt, float(args[1])) * ((end - begin) // size))
    else:
        sys.exit("corrupt_file.py: unknown operation " + op)


if __name__ == "__main__":
    main()
