"""A 12-panel dashboard refresh: decode + PanelData build + sparkline text per cycle.

Prints ``name value unit`` lines. The yardstick, ``json.loads`` of the same response bodies,
is measured in the same run (interleaved rounds, best and median of each). The target is at
most 20 ms of the app's CPU per refresh cycle.

    .venv/bin/python benchmarks/bench_metrics.py [--rounds 30] [--series 5] [--width 60]

Each panel has two queries; each query answers ``--series`` series of ``--width`` points
(one point per sparkline column, as the panels ask for). ``fetch`` is the whole app path
through the Prometheus client (httpx request building and response handling over an
in-memory transport, envelope and matrix decode, grid alignment, legends, top-N, threshold
states) plus rendering each series' sparkline text. ``requests_only`` is the same 24 requests
answered with empty matrices: the share of the figure that is httpx and the envelope.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs

import httpx

from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.config.dashboards import Dashboard
from oncall_tui.config.settings import SourceSettings
from oncall_tui.domain.sparkline import render
from oncall_tui.services.panel_data import PanelFetcher

PANELS = 12
NOW = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)


def _body(query: str, start: float, step: float, width: int, series: int) -> bytes:
    seed = sum(map(ord, query))
    result = [
        {
            "metric": {"__name__": "http_requests_total", "service": f"svc-{s}", "code": "200", "job": "api"},
            "values": [
                [start + k * step, repr(round(100 + ((seed + s * 31 + k * 7) % 97) * 1.37, 6))]
                for k in range(width)
            ],
        }
        for s in range(series)
    ]
    return json.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}}).encode()


def _dashboard() -> Dashboard:
    panels = [
        {
            "title": f"panel {i}",
            "unit": "reqps",
            "thresholds": {"warning": 150, "critical": 200},
            "queries": [
                {
                    "expr": f'sum by (service) (rate(http_requests_total{{panel="{i}", q="{q}"}}[5m]))',
                    "legend": "{{service}}",
                }
                for q in range(2)
            ],
        }
        for i in range(PANELS)
    ]
    return Dashboard.model_validate({"title": "bench", "panels": panels})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--series", type=int, default=5)
    parser.add_argument("--width", type=int, default=60)
    args = parser.parse_args()
    dashboard = _dashboard()
    bodies: dict[str, bytes] = {}

    def handle(request: httpx.Request) -> httpx.Response:
        params = parse_qs(request.url.query.decode())
        query = params["query"][0]
        if query not in bodies:
            bodies[query] = _body(
                query, float(params["start"][0]), float(params["step"][0]), args.width, args.series
            )
        return httpx.Response(200, content=bodies[query], headers={"Content-Type": "application/json"})

    client = PrometheusClient(
        build_async_client("http://bench", SourceSettings(), transport=httpx.MockTransport(handle))
    )
    fetcher = PanelFetcher(client)

    async def cycle() -> int:
        panels = await fetcher.fetch_group(
            dashboard.panels, dashboard, columns=args.width, now=NOW, variables={}
        )
        painted = 0
        for panel in panels:
            assert not isinstance(panel, BaseException)
            for series in panel.series:
                painted += len(render(series.values))
        return painted

    empty = b'{"status":"success","data":{"resultType":"matrix","result":[]}}'
    bare = PrometheusClient(
        build_async_client(
            "http://bench",
            SourceSettings(),
            transport=httpx.MockTransport(lambda r: httpx.Response(200, content=empty)),
        )
    )

    async def requests_only() -> None:
        # The same 24 requests answered with an empty matrix: what httpx and the envelope cost alone.
        await PanelFetcher(bare).fetch_group(
            dashboard.panels, dashboard, columns=args.width, now=NOW, variables={}
        )

    async def run() -> None:
        await cycle()  # warm-up; fills the bodies
        await requests_only()
        total_bytes = sum(map(len, bodies.values()))
        ours: list[float] = []
        yardstick: list[float] = []
        overhead: list[float] = []
        for _ in range(args.rounds):
            gc.collect()
            t0 = time.process_time()
            await cycle()
            ours.append(time.process_time() - t0)
            gc.collect()
            t0 = time.process_time()
            for body in bodies.values():
                json.loads(body)
            yardstick.append(time.process_time() - t0)
            gc.collect()
            t0 = time.process_time()
            await requests_only()
            overhead.append(time.process_time() - t0)
        points = PANELS * 2 * args.series * args.width
        print(f"panels {PANELS} count")
        print(f"queries {len(bodies)} count")
        print(f"points {points} count")
        print(f"body_bytes {total_bytes} bytes")
        print(f"refresh_cpu_best {min(ours) * 1000:.2f} ms")
        print(f"refresh_cpu_median {statistics.median(ours) * 1000:.2f} ms")
        print(f"requests_only_median {statistics.median(overhead) * 1000:.2f} ms")
        print(f"json_loads_best {min(yardstick) * 1000:.2f} ms")
        print(f"json_loads_median {statistics.median(yardstick) * 1000:.2f} ms")
        print(f"ratio_to_json_loads {statistics.median(ours) / statistics.median(yardstick):.1f} x")
        print("target_refresh_cpu 20 ms")
        await client.aclose()
        await bare.aclose()

    asyncio.run(run())


if __name__ == "__main__":
    main()
