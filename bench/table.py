"""Prints the benchmark's markdown tables from the files bench/run.sh leaves in its output
directory: hyperfine JSON exports (json/NAME@N.json), peak memory (rss) and file sizes."""

import json
import os
import platform
import statistics
import sys

out = sys.argv[1]
times = {}  # (name, n) -> (median, min, max) in ms
cpu = {}  # (name, n) -> mean user + system CPU time in ms (hyperfine keeps only the mean)
for f in os.listdir(os.path.join(out, "json")):
    name, n = f[: -len(".json")].rsplit("@", 1)
    r = json.load(open(os.path.join(out, "json", f)))["results"][0]
    ms = [t * 1000 for t in r["times"]]
    times[(name, int(n))] = (statistics.median(ms), min(ms), max(ms))
    cpu[(name, int(n))] = (r["user"] + r["system"]) * 1000
rss = {}
for line in open(os.path.join(out, "rss")):
    name, n, kb = line.strip().rsplit("@", 2)
    rss[(name, int(n))] = int(kb) / 1024
sizes = dict(tuple(map(int, l.split("@"))) for l in open(os.path.join(out, "sizes")))
export = open(os.path.join(out, "export")).read().strip() == "on"

ns = sorted(sizes)
order = ["breach --version", "sha256sum", "status", "status --json", "verify"]
order += ["export markdown", "export html", "export json"] if export else []
reads = [c for c in order if c in ("status", "status --json", "verify") or c.startswith("export")]
appends = ["note", "check", "answer", "step", "evidence add", "notify sent", "close"]
appends = [f"append: {c}" for c in appends]


def ms(v):
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def cell(name, n):
    if (name, n) not in times:
        return "–"
    med, lo, hi = times[(name, n)]
    return f"{ms(med)} ({ms(lo)}–{ms(hi)})"


def med(name, n):
    return times.get((name, n), (None,))[0]


# The walk: the cost of each answer is the time between the fsyncs of consecutive answers.
gaps = {}
if os.path.exists(os.path.join(out, "walkgaps")):
    for line in open(os.path.join(out, "walkgaps")):
        n, gap = line.strip().split("@")
        gaps.setdefault(int(n), []).append(float(gap))
for n, g in gaps.items():
    times[("walk: each answer", n)] = (statistics.median(g), min(g), max(g))
walk = ["walk: each answer", "walk: 1 answers", "walk: 6 answers"]

print(f"Machine: {os.cpu_count()} CPUs, {platform.machine()}; load average "
      f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (after the run)\n")
print("File sizes: " + ", ".join(f"{n:,} records {sizes[n] / 1e6:.2f} MB" for n in ns) + "\n")

print("### Reading: wall time, ms: median (min–max)\n")
print("| command | " + " | ".join(f"{n:,} records" for n in ns) + " |")
print("|---" * (len(ns) + 1) + "|")
for c in order:
    print(f"| `{c}` | " + " | ".join(cell(c, n) for n in ns) + " |")

print("\n### Reading: ratios to the floors (medians)\n")
print("| command | " + " | ".join(f"÷ `--version` at {n:,}" for n in ns) + " | ÷ `sha256sum` at " + f"{ns[-1]:,} |")
print("|---" * (len(ns) + 2) + "|")
for c in order[2:]:
    cols = []
    for n in ns:
        a, b = med(c, n), med("breach --version", n)
        cols.append(f"{a / b:.1f}x" if a and b else "–")
    a, b = med(c, ns[-1]), med("sha256sum", ns[-1])
    cols.append(f"{a / b:.1f}x" if a and b else "–")
    print(f"| `{c}` | " + " | ".join(cols) + " |")

print("\n### CPU time (user + system), ms: mean\n")
print("Less sensitive to other load on the machine than wall time.\n")
print("| command | " + " | ".join(f"{n:,} records" for n in ns) + " |")
print("|---" * (len(ns) + 1) + "|")
for c in order + appends:
    print(f"| `{c}` | " + " | ".join(ms(cpu[(c, n)]) if (c, n) in cpu else "–" for n in ns) + " |")

print("\n### Peak memory (RSS), MB\n")
print("| command | " + " | ".join(f"{n:,}" for n in ns) + " |")
print("|---" * (len(ns) + 1) + "|")
for c in order + appends:
    print(f"| `{c}` | " + " | ".join(f"{rss[(c, n)]:.1f}" if (c, n) in rss else "–" for n in ns) + " |")

print("\n### Appending one record: wall time, ms: median (min–max)\n")
growth = len(ns) > 1
print("| command | " + " | ".join(f"{n:,} records" for n in ns)
      + (f" | {ns[-1]:,} ÷ {ns[0]:,} |" if growth else " |"))
print("|---" * (len(ns) + 1 + growth) + "|")
for c in appends + walk:
    row = f"| `{c.removeprefix('append: ')}` | " + " | ".join(cell(c, n) for n in ns)
    if growth:
        a, b = med(c, ns[0]), med(c, ns[-1])
        row += f" | {b / a:.2f}x" if a and b else " | –"
    print(row + " |")

print("\n### Targets\n")


def verdict(ok):
    return "met" if ok else "**not met**"


if 1000 in ns:
    v = med("breach --version", 1000)
    for c in reads:
        limit = 4 if c.startswith("export") else 3
        r = med(c, 1000) / v
        print(f"- 1,000 records, `{c}` at most {limit}x `breach --version`: {r:.1f}x — {verdict(r <= limit)}")
if 100000 in ns:
    n = 100000
    for c in reads:
        limit = 1.0 if c.startswith("export") else 0.5
        t = med(c, n) / 1000
        print(f"- 100,000 records, `{c}` at most {limit} s: {t:.2f} s — {verdict(t <= limit)}")
    m = rss[("status", n)]
    print(f"- 100,000 records, `status` at most 100 MB: {m:.0f} MB — {verdict(m <= 100)}")
if 10 in ns and 100000 in ns:
    for c in appends + walk[:1]:
        a, b = med(c, 10), med(c, 100000)
        if a and b:
            print(f"- `{c.removeprefix('append: ')}` within 2x from 10 to 100,000 records: {ms(a)} ms → "
                  f"{ms(b)} ms ({b / a:.2f}x) — {verdict(b / a <= 2)}")
if not export:
    print("- `breach export`: not in this build, not timed (set BENCH_EXPORT=auto once it is)")
