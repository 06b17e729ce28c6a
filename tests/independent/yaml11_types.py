#!/usr/bin/env python3
"""Loads incident files with PyYAML (a YAML 1.1 reader) and prints, as JSON, every scalar
with the name of the Python type PyYAML gave it: [[path, type, value], ...] per file. A
path is the document's index and the keys and list indices under it, joined with `.`; a
timestamp or a date is given in ISO 8601 (`2026-11-23T10:15:00+00:00`).

Usage: yaml11_types.py FILE...    (exit 3 if PyYAML is not installed)
"""
import datetime
import json
import sys

try:
    import yaml
except ImportError:
    print("PyYAML is not installed", file=sys.stderr)
    sys.exit(3)


def walk(node, path, out):
    if isinstance(node, dict):
        for k, v in node.items():
            walk(v, path + [str(k)], out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, path + [str(i)], out)
    else:
        text = node.isoformat() if isinstance(node, datetime.date) else str(node)
        out.append([".".join(path), type(node).__name__, text])


result = []
for name in sys.argv[1:]:
    with open(name, encoding="utf-8") as f:
        for i, doc in enumerate(yaml.safe_load_all(f)):
            walk(doc, [str(i)], result)
print(json.dumps(result))
