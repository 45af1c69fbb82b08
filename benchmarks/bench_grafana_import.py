"""Grafana import benchmark: the shared dashboard fixtures, largest first (Node Exporter Full, 467 KB).

Run::

    .venv/bin/python benchmarks/bench_grafana_import.py [--repeat 5]

Prints per file, from the same run (medians of ``--repeat``): stdlib ``json.loads`` of the file
(the yardstick), ``import_dashboard`` of the decoded object (walk, data sources, variables, units,
thresholds, model validation), and the TOML text the command writes. No target: an import is a
one-off command; the figures show it stays in the same league as reading the file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oncall_tui.commands.grafana_import_cmd import render  # noqa: E402
from oncall_tui.domain.grafana_import import import_dashboard  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "grafana"


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = sorted(FIXTURES.glob("*.json"), key=lambda p: p.stat().st_size, reverse=True)
    print(f"{'file':48} {'KB':>6} {'json.loads':>11} {'import':>9} {'ratio':>6} {'+TOML':>8}")
    for path in files:
        text = path.read_text()
        document = json.loads(text)
        loads = median_ms(lambda text=text: json.loads(text), args.repeat)
        imported = median_ms(lambda document=document: import_dashboard(document), args.repeat)
        result = import_dashboard(document)
        toml = median_ms(lambda result=result, name=path.name: render(result, "toml", name), args.repeat)
        print(
            f"{path.name:48} {len(text) / 1024:6.0f} {loads:9.2f}ms {imported:7.2f}ms "
            f"{imported / loads:5.1f}x {toml:6.2f}ms"
        )


if __name__ == "__main__":
    main()
