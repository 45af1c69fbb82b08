"""Trace benchmark: bytes -> ready-to-paint against ``json.loads`` on the same file, memory, collapse.

Run ``benchmarks/gen_traces.py`` first (it writes ``benchmarks/.data/``), then::

    .venv/bin/python benchmarks/bench_traces.py [--repeat 3] [FILE ...]

For each file it prints, from the same run: stdlib ``json.loads`` time, ``orjson.loads`` time, our
bytes -> ready time (parse + tree + critical path + first screen of 50 waterfall rows), its ratio
to ``json.loads`` (target <= 1.0), resident memory growth over the file size measured in fresh
subprocesses from ``/proc/self/statm`` and the peak from ``VmHWM`` (target <= 4x), collapse and
expand of the root, a page of rows, and a search. json.loads, orjson and ours run interleaved,
``--repeat`` rounds, each after ``gc.collect()``; best and median are printed, and the ratio is the
median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data"
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from oncall_tui.domain.traces import TraceAnalysis, analyse  # noqa: E402
from oncall_tui.domain.waterfall import WaterfallRow, open_waterfall, search  # noqa: E402
from oncall_tui.trace_io import parse_traces  # noqa: E402

SCREEN_ROWS = 50
"""Rows on a tall terminal: what the first paint needs."""

# Runs in a fresh interpreter so nothing else sits in the heap; prints JSON with RSS figures.
_MEMORY_PROBE = r"""
import json, os, sys
sys.path.insert(0, {root!r})
page = os.sysconf("SC_PAGE_SIZE")

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page

def hwm():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0

mode = {mode!r}
if mode == "ours":
    from oncall_tui.trace_io import parse_traces
    from oncall_tui.domain.traces import analyse
    from oncall_tui.domain.waterfall import open_waterfall
else:
    import json as _json
base = rss()
base_hwm = hwm()
data = open({path!r}, "rb").read()
if mode == "ours":
    analyses = [analyse(t) for t in parse_traces(data)]
    views = [open_waterfall(a) for a in analyses]
    rows = views[0].rows(0, 50)
else:
    decoded = _json.loads(data)
print(json.dumps({{"growth": rss() - base, "peak": hwm() - base}}))
"""


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(best, median) seconds of ``repeat`` calls, and the last result."""
    times = []
    result: Any = None
    for _ in range(repeat):
        result = None  # drop the previous result before the next run allocates its own
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), result


def line(label: str, best: float, median: float, note: str = "") -> None:
    print(f"{label:34s} {best * 1000:9.3f} ms best {median * 1000:9.3f} ms median  {note}")


def ready(data: bytes) -> tuple[TraceAnalysis, list[WaterfallRow]]:
    """Everything the first waterfall paint needs."""
    traces = parse_traces(data)
    analysis = analyse(traces[0])
    view = open_waterfall(analysis)
    return analysis, view.rows(0, SCREEN_ROWS)


def memory(path: Path, mode: str) -> dict[str, int]:
    code = _MEMORY_PROBE.format(root=str(ROOT), mode=mode, path=str(path))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    result: dict[str, int] = json.loads(out)
    return result


def bench(path: Path, repeat: int) -> None:
    data = path.read_bytes()
    size = len(data)
    print(f"\n== {path.name}: {size / 1e6:.1f} MB")
    # Interleaved (json.loads, orjson, ours, json.loads, …) so that load from other processes
    # hits all three alike; the ratio is the median of the per-round ratios.
    j_times: list[float] = []
    o_times: list[float] = []
    r_times: list[float] = []
    result: Any = None
    for _ in range(repeat):
        for fn, times in (
            (lambda: json.loads(data), j_times),
            (lambda: orjson.loads(data), o_times),
            (lambda: ready(data), r_times),
        ):
            result = None
            gc.collect()
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
    analysis, _rows = result
    j_best, j_med = min(j_times), statistics.median(j_times)
    o_best, o_med = min(o_times), statistics.median(o_times)
    r_best, r_med = min(r_times), statistics.median(r_times)
    ratio = statistics.median(r / j for r, j in zip(r_times, j_times, strict=True))
    p_best, p_med, traces = timed(lambda: parse_traces(data), repeat)
    a_best, a_med, _ = timed(lambda: analyse(traces[0]), repeat)
    cp = len(analysis.critical_path)
    print(f"spans {analysis.span_count:,}  max depth {analysis.max_depth}  critical-path spans {cp:,}")
    line("json.loads", j_best, j_med)
    line("orjson.loads", o_best, o_med)
    line(
        "ours: bytes -> ready to paint",
        r_best,
        r_med,
        f"= {ratio:.2f}x json.loads (median of rounds; best/best {r_best / j_best:.2f}x; target <= 1)",
    )
    line("  parse (decode + columns)", p_best, p_med)
    line("  analyse (tree, marks, crit. path)", a_best, a_med)

    view = open_waterfall(analysis)
    root = analysis.top_level[0]
    c_best, c_med, collapsed = timed(lambda: view.collapse(root), repeat)
    e_best, e_med, expanded = timed(lambda: collapsed.expand(root), repeat)
    assert len(collapsed) == len(analysis.top_level) and len(expanded) == len(view)
    line("collapse root", c_best, c_med, "(target <= 100 ms)")
    line("expand root", e_best, e_med, "(target <= 100 ms)")
    line("collapse all at depth 2", *timed(lambda: view.collapse_depth(2), repeat)[:2])
    middle = len(view) // 2
    line(
        f"one page of {SCREEN_ROWS} rows (mid-trace)",
        *timed(lambda: view.rows(middle, middle + SCREEN_ROWS), repeat)[:2],
    )
    s_best, s_med, hits = timed(lambda: search(analysis, "http.status_code=500"), 1)
    line("search tag http.status_code=500", s_best, s_med, f"({len(hits):,} hits)")

    ours = memory(path, "ours")
    plain = memory(path, "json")
    for label, m in (("RSS growth, ours", ours), ("RSS growth, json.loads dicts", plain)):
        print(
            f"{label:34s} {m['growth'] / 1e6:9.1f} MB = {m['growth'] / size:.2f}x file; "
            f"peak {m['peak'] / 1e6:.1f} MB = {m['peak'] / size:.2f}x"
            + ("  (target <= 4x)" if m is ours else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = args.files or [DATA / "trace-100k.json", DATA / "chain-10k.json", DATA / "chain-10k-bare.json"]
    missing = [f for f in files if not f.exists()]
    if missing:
        sys.exit(f"missing {', '.join(map(str, missing))}: run benchmarks/gen_traces.py first")
    for path in files:
        bench(path, args.repeat)


if __name__ == "__main__":
    main()
