"""Prints the team benchmark's markdown tables from the files bench/team.sh leaves in its
output directory: hyperfine JSON exports (json/NAME@N-VARIANT.json, one result per build),
the builds timed (builds), the sizes of the incident directories (sizes) and the load."""

import json
import os
import platform
import statistics
import sys

out = sys.argv[1]
builds = open(os.path.join(out, "builds")).read().split()
times = {}  # (name, n, variant, build) -> (median, min, max) in ms
cpu = {}  # (name, n, variant, build) -> mean user + system CPU time in ms
for f in os.listdir(os.path.join(out, "json")):
    name, cell = f[: -len(".json")].rsplit("@", 1)
    n, variant = cell.split("-")
    for r in json.load(open(os.path.join(out, "json", f)))["results"]:
        ms = [t * 1000 for t in r["times"]]
        key = (name, int(n), variant, r["command"])
        times[key] = (statistics.median(ms), min(ms), max(ms))
        cpu[key] = (r["user"] + r["system"]) * 1000
sizes = {}
for line in open(os.path.join(out, "sizes")):
    cell, size = line.strip().split("@")
    n, variant = cell.split("-")
    sizes[(int(n), variant)] = int(size)

ns = sorted({n for n, _ in sizes})
variants = [v for v in ("unsigned", "signed") if any(k[1] == v for k in sizes)]
cols = [(n, v) for v in variants for n in ns]
order = ["breach --version", "status", "status --json", "verify", "export json", "note"]


def ms(v):
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def med(key):
    return times[key][0] if key in times else None


def rows(name):
    """(label, build) for each build timed: the build is named only when there are two."""
    return [(f"`{name}`" + (f" ({b})" if len(builds) > 1 else ""), b) for b in builds]


def header(first):
    print(f"| {first} | " + " | ".join(f"{n:,}, {v}" for n, v in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")


for line in open(os.path.join(out, "load")):
    print(line.strip() + "  ")
print(f"Machine: {os.cpu_count()} CPUs, {platform.machine()}\n")
print("Sizes of the incident directories: "
      + ", ".join(f"{n:,} {v} {sizes[(n, v)] / 1e6:.2f} MB" for n, v in cols) + "\n")

print("### Wall time, ms: median (min–max)\n")
header("command")
for c in order:
    for label, b in rows(c):
        cells = []
        for n, v in cols:
            t = times.get((c, n, v, b))
            cells.append(f"{ms(t[0])} ({ms(t[1])}–{ms(t[2])})" if t else "–")
        print(f"| {label} | " + " | ".join(cells) + " |")

print("\n### CPU time (user + system), ms: mean\n")
print("Less sensitive to other load on the machine than wall time.\n")
header("command")
for c in order:
    for label, b in rows(c):
        print(f"| {label} | " + " | ".join(
            ms(cpu[(c, n, v, b)]) if (c, n, v, b) in cpu else "–" for n, v in cols) + " |")

if len(ns) > 1:
    lo, hi = ns[0], ns[-1]
    print(f"\n### How each command grows from {lo:,} to {hi:,} records (medians)\n")
    print("| command | " + " | ".join(f"{v}: wall" for v in variants)
          + " | " + " | ".join(f"{v}: CPU" for v in variants) + " |")
    print("|---" * (2 * len(variants) + 1) + "|")
    for c in order:
        for label, b in rows(c):
            cells = []
            for get in (med, cpu.get):
                for v in variants:
                    a, z = get((c, lo, v, b)), get((c, hi, v, b))
                    cells.append(f"{z / a:.2f}x" if a and z else "–")
            print(f"| {label} | " + " | ".join(cells) + " |")
    print(f"\nTarget (the one format 1 meets): one append at {hi:,} records within 2x of one at "
          f"{lo:,}.\n")
    for label, b in rows("note"):
        for v in variants:
            a, z = times.get(("note", lo, v, b)), times.get(("note", hi, v, b))
            if a and z:
                r = z[0] / a[0]
                print(f"- {label}, {v}: {ms(a[0])} ms → {ms(z[0])} ms ({r:.2f}x) — "
                      + ("met" if r <= 2 else "**not met**"))
