"""Bytes written to the terminal per refresh of a 12-panel dashboard, through a pseudo-terminal.

The parent starts this script again (``--child``) on the slave side of a pty sized 100x30 and
counts what the app writes on the master side. The child runs the real app (Textual's Linux
driver) on a frozen clock, showing a 12-panel dashboard that refreshes every second against an
in-memory Prometheus: for the first ``--changing`` refreshes every panel's values change, then
for ``--steady`` refreshes nothing does. The child logs the monotonic time of each refresh; the
parent adds up the bytes that arrive in the 0.8 s after each one.

Prints ``name value unit`` lines; targets: at most 4 KB per refresh in which all 12 panels
changed, and nothing for refreshes that changed nothing.

    .venv/bin/python benchmarks/bench_metrics_tty.py [--changing 8] [--steady 8]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import math
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
PANELS = 12
WIDTH, HEIGHT = 100, 30
WINDOW = 0.8


def _dashboard_toml() -> str:
    parts = ['name = "bench"\ntitle = "Bench"\nwindow = "1h"\nrefresh = "1s"\n']
    for i in range(PANELS):
        parts.append(
            f'[[panels]]\ntitle = "panel {i}"\nunit = "reqps"\n'
            f"[[panels.queries]]\nexpr = 'sum(rate(x{{panel=\"{i}\"}}[5m]))'\n"
        )
    return "\n".join(parts)


def child(log: Path, changing: int) -> None:
    sys.path.insert(0, str(ROOT))
    import httpx

    from oncall_tui.clock import FakeClock
    from oncall_tui.config.settings import Settings
    from oncall_tui.services.sources import SourceSet
    from oncall_tui.ui.app import OncallApp
    from oncall_tui.ui.screens.metrics import MetricsScreen

    fetches = {"n": 0}

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/query_range"):
            params = parse_qs(request.url.query.decode())
            start, step = float(params["start"][0]), float(params["step"][0])
            columns = round((float(params["end"][0]) - start) / step) + 1
            panel = int(params["query"][0].split('"')[1])
            fetches["n"] += 1
            # All twelve fetches of refresh r (0-based) see the same generation.
            generation = min((fetches["n"] - 1) // PANELS, changing)
            values = [
                [start + k * step, repr(100 + 50 * math.sin((k + generation * 3 + panel) / 5))]
                for k in range(columns)
            ]
            body = {
                "status": "success",
                "data": {"resultType": "matrix", "result": [{"metric": {}, "values": values}]},
            }
            return httpx.Response(200, json=body)
        if path.endswith("/buildinfo"):
            return httpx.Response(200, json={"status": "success", "data": {"version": "bench"}})
        if path.endswith("/targets"):
            return httpx.Response(
                200, json={"status": "success", "data": {"activeTargets": [], "droppedTargets": []}}
            )
        if path.endswith("/metadata"):
            return httpx.Response(200, json={"status": "success", "data": {}})
        return httpx.Response(200, json={"status": "success", "data": []})

    settings = Settings.model_validate(
        {"contexts": {"bench": {"prometheus": {"url": "http://prom.bench:9090"}}}}
    )

    def sources(name: str, s: Settings) -> SourceSet:
        return SourceSet(
            name, s.contexts[name], resolver=lambda *_: None, transports=lambda _: httpx.MockTransport(handle)
        )

    class BenchApp(OncallApp):
        def on_ready(self) -> None:
            screen = MetricsScreen("bench")
            self.push_screen(screen)

            def logged(state: Any) -> None:
                with log.open("a") as out:
                    out.write(json.dumps({"t": time.monotonic(), "fetches": fetches["n"]}) + "\n")

            def attach() -> None:
                if screen.feed is None:
                    self.set_timer(0.05, attach)
                    return
                screen.feed.subscribe(logged)

            attach()

    BenchApp(settings, clock=FakeClock(real_sleep=True), source_set_factory=sources).run()


def parent(args: argparse.Namespace) -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))
    log = Path(tempfile.mkdtemp()) / "refreshes.jsonl"
    config = Path(tempfile.mkdtemp())
    dashboards = config / "oncall-tui" / "dashboards"
    dashboards.mkdir(parents=True)
    (dashboards / "bench.toml").write_text(_dashboard_toml())
    env = {**os.environ, "TERM": "xterm-256color", "XDG_CONFIG_HOME": str(config), "COLUMNS": str(WIDTH)}
    env["XDG_DATA_HOME"] = str(config / "data")
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", "--log", str(log), "--changing", str(args.changing)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    chunks: list[tuple[float, int]] = []
    raw: list[tuple[float, bytes]] = []
    tail = b""
    refreshes_wanted = args.changing + args.steady + 2
    deadline = time.monotonic() + 60 + refreshes_wanted * 2
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            chunks.append((time.monotonic(), len(data)))
            tail = (tail + data)[-4000:]
            if args.dump is not None:
                raw.append((time.monotonic(), data))
        if log.exists() and len(log.read_text().splitlines()) >= refreshes_wanted:
            break
    os.write(master, b"q")
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    entries = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    # Refreshes that fetched all panels; the first ones fill the empty grid and are left out.
    refreshes = [e for e in entries if e["fetches"] % PANELS == 0 and e["fetches"] >= 2 * PANELS]
    per_refresh: list[tuple[int, int]] = []
    for entry in refreshes:
        start = entry["t"]
        written = sum(n for t, n in chunks if start <= t < start + WINDOW)
        per_refresh.append((entry["fetches"] // PANELS - 1, written))
        if args.dump is not None and entry["fetches"] // PANELS - 1 == 2:
            args.dump.write_bytes(b"".join(d for t, d in raw if start <= t < start + WINDOW))
    changed = [b for refresh, b in per_refresh if 1 <= refresh <= args.changing]
    steady = [b for refresh, b in per_refresh if refresh > args.changing]
    if not per_refresh:
        sys.stderr.write(
            "no refresh measured; the child's last output:\n" + tail.decode("utf-8", "replace") + "\n"
        )
    print(f"terminal {WIDTH}x{HEIGHT} cells")
    print(f"panels {PANELS} count")
    print(f"refreshes_measured {len(per_refresh)} count")
    if changed:
        print(f"bytes_per_refresh_all_changed_median {statistics.median(changed):.0f} bytes")
        print(f"bytes_per_refresh_all_changed_max {max(changed)} bytes")
    if steady:
        print(f"bytes_per_refresh_unchanged_median {statistics.median(steady):.0f} bytes")
        print(f"bytes_per_refresh_unchanged_max {max(steady)} bytes")
    print("target_all_changed 4096 bytes")
    print("target_unchanged 0 bytes")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--log", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--changing", type=int, default=8)
    parser.add_argument("--steady", type=int, default=8)
    parser.add_argument("--dump", type=Path, help="write the bytes of one all-changed refresh to this file")
    args = parser.parse_args()
    if args.child:
        assert args.log is not None
        child(args.log, args.changing)
    else:
        parent(args)


if __name__ == "__main__":
    main()
