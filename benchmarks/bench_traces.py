"""Trace benchmark: bytes -> ready-to-paint against ``json.loads`` on the same file, memory, collapse.

Run ``benchmarks/gen_traces.py`` first (it writes ``benchmarks/.data/``), then::

    .venv/bin/python benchmarks/bench_traces.py [--repeat 3] [FILE ...]

For each file it prints, from the same run: stdlib ``json.loads`` time, ``orjson.loads`` time, our
bytes -> ready time (parse + tree + critical path + first screen of 50 waterfall rows), its ratio
to ``json.loads`` (target <= 1.0), resident memory growth over the file size measured in fresh
subprocesses from ``/proc/self/statm`` and the peak from ``VmHWM`` (target <= 4x), collapse and
expand of the root, a page of rows, and a search. Times are medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
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


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds of ``repeat`` calls, and the last result."""
    times = []
    result: Any = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        del result
        result = None
    t0 = time.perf_counter()
    result = fn()
    times.append(time.perf_counter() - t0)
    return statistics.median(times), result


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
    t_json, _ = timed(lambda: json.loads(data), repeat)
    t_orjson, _ = timed(lambda: orjson.loads(data), repeat)
    t_ours, (analysis, rows) = timed(lambda: ready(data), repeat)
    t_parse, traces = timed(lambda: parse_traces(data), repeat)
    t_analyse, _ = timed(lambda: analyse(traces[0]), repeat)
    print(
        f"spans {analysis.span_count:,}  depth {analysis.max_depth}  critical-path spans {len(analysis.critical_path):,}"
    )
    print(f"json.loads                      {t_json * 1000:8.0f} ms")
    print(f"orjson.loads                    {t_orjson * 1000:8.0f} ms")
    print(
        f"ours: bytes -> ready to paint   {t_ours * 1000:8.0f} ms   ({t_ours / t_json:.2f}x json.loads; target <= 1.00)"
    )
    print(f"   of which parse               {t_parse * 1000:8.0f} ms")
    print(f"   of which analyse             {t_analyse * 1000:8.0f} ms")

    view = open_waterfall(analysis)
    root = analysis.top_level[0]
    t_collapse, collapsed = timed(lambda: view.collapse(root), repeat)
    t_expand, expanded = timed(lambda: collapsed.expand(root), repeat)
    assert len(collapsed) == len(analysis.top_level) and len(expanded) == len(view)
    t_depth, _ = timed(lambda: view.collapse_depth(2), repeat)
    middle = len(view) // 2
    t_page, _ = timed(lambda: view.rows(middle, middle + SCREEN_ROWS), repeat)
    t_search, hits = timed(lambda: search(analysis, "http.status_code=500"), 1)
    print(f"collapse root                   {t_collapse * 1000:8.3f} ms   (target <= 100)")
    print(f"expand root                     {t_expand * 1000:8.3f} ms   (target <= 100)")
    print(f"collapse all at depth 2         {t_depth * 1000:8.3f} ms")
    print(f"one page of {SCREEN_ROWS} rows               {t_page * 1000:8.3f} ms")
    print(f"search tag http.status_code=500 {t_search * 1000:8.0f} ms   ({len(hits):,} hits)")

    ours = memory(path, "ours")
    plain = memory(path, "json")
    print(
        f"RSS growth, ours                {ours['growth'] / 1e6:8.1f} MB   ({ours['growth'] / size:.2f}x file; "
        f"peak {ours['peak'] / 1e6:.1f} MB = {ours['peak'] / size:.2f}x; target <= 4x)"
    )
    print(
        f"RSS growth, json.loads dicts    {plain['growth'] / 1e6:8.1f} MB   ({plain['growth'] / size:.2f}x file; "
        f"peak {plain['peak'] / 1e6:.1f} MB = {plain['peak'] / size:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = args.files or [DATA / "trace-100k.json", DATA / "chain-10k.json"]
    missing = [f for f in files if not f.exists()]
    if missing:
        sys.exit(f"missing {', '.join(map(str, missing))}: run benchmarks/gen_traces.py first")
    for path in files:
        bench(path, args.repeat)


if __name__ == "__main__":
    main()
