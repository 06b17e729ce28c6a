"""Prints the benchmark's markdown tables from the files bench/run.sh leaves in its output
directory: hyperfine JSON exports (json/NAME@N.json), peak memory (rss) and file sizes."""

import json
import os
import platform
import statistics
import sys

out = sys.argv[1]
times = {}  # (name, n) -> (median, min, max) in ms
for f in os.listdir(os.path.join(out, "json")):
    name, n = f[: -len(".json")].rsplit("@", 1)
    r = json.load(open(os.path.join(out, "json", f)))["results"][0]
    ms = [t * 1000 for t in r["times"]]
    times[(name, int(n))] = (statistics.median(ms), min(ms), max(ms))
rss = {}
for line in open(os.path.join(out, "rss")):
    name, n, kb = line.strip().rsplit("@", 2)
    rss[(name, int(n))] = int(kb) / 1024
sizes = dict(tuple(map(int, l.split("@"))) for l in open(os.path.join(out, "sizes")))
export = open(os.path.join(out, "export")).read().strip() == "on"

ns = sorted(sizes)
order = ["breach --version", "sha256sum", "status", "status --json", "verify"]
order += ["export markdown", "export html", "export json"] if export else []
order += ["note"]
reads = [c for c in order if c in ("status", "status --json", "verify") or c.startswith("export")]


def ms(v):
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def cell(name, n):
    if (name, n) not in times:
        return "–"
    med, lo, hi = times[(name, n)]
    return f"{ms(med)} ({ms(lo)}–{ms(hi)})"


def med(name, n):
    return times.get((name, n), (None,))[0]


print(f"Machine: {os.cpu_count()} CPUs, {platform.machine()}; load average "
      f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (after the run)\n")
print("File sizes: " + ", ".join(f"{n:,} records {sizes[n] / 1e6:.2f} MB" for n in ns) + "\n")

print("### Wall time, ms: median (min–max)\n")
growth = 1000 in ns and 100000 in ns
print("| command | " + " | ".join(f"{n:,} records" for n in ns) + (" | 1k→100k |" if growth else " |"))
print("|---" * (len(ns) + 1 + growth) + "|")
for c in order:
    row = f"| `{c}` | " + " | ".join(cell(c, n) for n in ns)
    if growth:
        a, b = med(c, 1000), med(c, 100000)
        row += f" | {b / a:.1f}x" if a and b else " | –"
    print(row + " |")

print("\n### Peak memory (RSS), MB\n")
print("| command | " + " | ".join(f"{n:,}" for n in ns) + " |")
print("|---" * (len(ns) + 1) + "|")
for c in order:
    print(f"| `{c}` | " + " | ".join(f"{rss[(c, n)]:.1f}" if (c, n) in rss else "–" for n in ns) + " |")

print("\n### Ratios to the floors (medians)\n")
print("| command | " + " | ".join(f"÷ `--version` at {n:,}" for n in ns) + " | ÷ `sha256sum` at " + f"{ns[-1]:,} |")
print("|---" * (len(ns) + 2) + "|")
for c in order[2:]:
    cols = []
    for n in ns:
        a, b = med(c, n), med("breach --version", n)
        cols.append(f"{a / b:.1f}x" if a and b else "–")
    a, b = med(c, ns[-1]), med("sha256sum", ns[-1])
    # A note reads only the ends of the file; the hashing floor does not apply to it.
    cols.append(f"{a / b:.1f}x" if a and b and c != "note" else "–")
    print(f"| `{c}` | " + " | ".join(cols) + " |")

print("\n### Targets\n")


def verdict(ok):
    return "met" if ok else "**not met**"


if 1000 in ns:
    v = med("breach --version", 1000)
    for c in reads:
        r = med(c, 1000) / v
        print(f"- 1,000 records, `{c}` within 3x of `breach --version`: {r:.1f}x — {verdict(r <= 3)}")
if 100000 in ns:
    n = 100000
    for c in reads:
        t, m = med(c, n), rss[(c, n)]
        print(f"- 100,000 records, `{c}` under 2 s and 200 MB: {t / 1000:.2f} s, {m:.0f} MB — "
              f"{verdict(t < 2000 and m < 200)}")
    r = med("verify", n) / med("sha256sum", n)
    print(f"- 100,000 records, `verify` within 10x of `sha256sum`: {r:.1f}x — {verdict(r <= 10)}")
    if 100 in ns:
        a, b = med("note", 100), med("note", n)
        print(f"- `note` append costs the same at 100,000 records as at 100: {ms(b)} ms vs "
              f"{ms(a)} ms ({b / a:.2f}x) — {verdict(b / a <= 1.5)}")
if not export:
    print("- `breach export`: not in this build, not timed (set BENCH_EXPORT=auto once it is)")
