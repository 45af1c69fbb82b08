"""Drill-down over 7 days at 1-minute resolution: 10 series x 10,080 points, open to painted chart.

Prints ``name value unit`` lines. Measured (CPU time, best and median of ``--rounds``):

* ``fetch``: the Prometheus client decoding the range bodies (one query answering 10 series)
  over an in-memory httpx transport, plus the capped ChartData;
* ``view``: :func:`build_view` — min/max downsampling to the chart width, baseline, anomalies;
* ``plot``: plotext building the chart (what ``MetricChart`` hands to Textual) at 120x30;
* ``open``: the three together (target: at most 500 ms);
* ``json_loads``: ``json.loads`` of the same body, the same-run yardstick.

    .venv/bin/python benchmarks/bench_drilldown.py [--rounds 7] [--width 120]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import statistics
import time
from datetime import UTC, datetime, timedelta

import httpx
import plotext

from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.config.settings import SourceSettings
from oncall_tui.domain.drilldown import TimeRange
from oncall_tui.services.chart_view import build_view
from oncall_tui.services.drilldown_data import fetch_chart

SERIES = 10
POINTS = 10_080
END = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)


def _body(start: float) -> bytes:
    result = [
        {
            "metric": {"service": f"svc-{s}"},
            "values": [
                [
                    start + k * 60,
                    repr(round(100 + 40 * math.sin(k / 90 + s) + (300 if k % 997 == s else 0), 4)),
                ]
                for k in range(POINTS)
            ],
        }
        for s in range(SERIES)
    ]
    return json.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}}).encode()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--width", type=int, default=120)
    args = parser.parse_args()
    time_range = TimeRange(END - timedelta(seconds=(POINTS - 1) * 60), END, "7d")
    body = _body(time_range.start.timestamp())
    empty = b'{"status":"success","data":[]}'

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=empty if "exemplars" in request.url.path else body)

    client = PrometheusClient(
        build_async_client("http://bench", SourceSettings(), transport=httpx.MockTransport(handle))
    )

    async def run() -> None:
        fetch_t: list[float] = []
        view_t: list[float] = []
        plot_t: list[float] = []
        loads_t: list[float] = []
        for _ in range(args.rounds):
            gc.collect()
            t0 = time.process_time()
            data = await fetch_chart(client, [("x", "{{service}}")], time_range, scrape_interval=60.0)
            t1 = time.process_time()
            view = build_view(data, args.width)
            t2 = time.process_time()
            plotext.clear_figure()
            plotext.plotsize(args.width, 30)
            for line in view.lines:
                plotext.plot(line.xs, line.ys, marker="braille")
            plotext.build()
            t3 = time.process_time()
            fetch_t.append(t1 - t0)
            view_t.append(t2 - t1)
            plot_t.append(t3 - t2)
            gc.collect()
            t0 = time.process_time()
            json.loads(body)
            loads_t.append(time.process_time() - t0)
        assert len(data.series) == SERIES and len(data.series[0].values) == POINTS
        total = [a + b + c for a, b, c in zip(fetch_t, view_t, plot_t, strict=True)]
        print(f"series {SERIES} count")
        print(f"points_per_series {POINTS} count")
        print(f"body_bytes {len(body)} bytes")
        for name, values in (("fetch", fetch_t), ("view", view_t), ("plot", plot_t), ("open", total)):
            print(f"{name}_best {min(values) * 1000:.1f} ms")
            print(f"{name}_median {statistics.median(values) * 1000:.1f} ms")
        print(f"json_loads_median {statistics.median(loads_t) * 1000:.1f} ms")
        print("target_open 500 ms")
        await client.aclose()

    asyncio.run(run())


if __name__ == "__main__":
    main()
