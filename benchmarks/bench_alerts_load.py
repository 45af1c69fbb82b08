"""Load benchmark: 55,000 alerts in a ~50 MB ``/api/v2/alerts/groups`` body (issue 12).

Run::

    .venv/bin/python benchmarks/bench_alerts_load.py [--alerts 55000] [--groups 1100] [--skip-app]

The body is ``bench_alerts.py``'s with a ``description`` annotation on every alert (so 55,000
alerts weigh ~50 MB, as in the issue). Every measurement runs in a fresh interpreter (a child
process reading the body from a file), so one does not inherit the other's heap:

* ``json``: ``json.loads`` of the body, kept alive: the yardstick, time and memory;
* ``core``: the headless poll path as the app runs it: the Alertmanager cluster client over
  ``httpx.MockTransport`` (HTTP, sliced msgspec decode, HA merge), then what the feed's poll thread
  does (``prepare``, haystacks, the two default views), the result kept alive;
* ``app``: the whole app headless (``App.run_test``, 120x40) on the Alerts screen: the first poll
  of the body end to end, with the event loop's longest stall while it is processed (how long a
  keystroke waits) and ``down`` keys pressed all through it, each timed from the press to the
  first frame painted after it; then RSS with the list filled; then the yardstick, same run: the
  same keys with the list full and nothing being processed (``app_idle_*``);
* ``pty``: the real app (``python -m oncall_tui --config``) in a 120x40 pseudo-terminal, polling
  the body every 6 s from a loopback HTTP server (a process of its own); ``j``/``k`` written to
  the terminal every 60 ms for ``--pty-seconds``, each timed until both cursor rows are redrawn.
  Keys sent within 2.5 s of a groups request count as "during a poll" (``pty_poll_*``), the
  others as the yardstick (``pty_idle_*``). ``BENCH_SLOW_KEYS=1`` prints each key over 50 ms.

Memory is RSS growth from ``/proc/self/statm`` (the body file's bytes are read before the
baseline: they stand for the server's copy, not the app's) and the peak (``VmHWM`` minus the
baseline), both as a multiple of the body size. Target: growth <= 4x, keystroke <= 50 ms.

Output is ``name value unit`` lines (machine-readable), a comment line per mode.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    """Resident set size in bytes (``/proc/self/statm``)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def hwm() -> int:
    """Peak resident set size in bytes (``VmHWM``)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def reset_hwm() -> None:
    """Reset the peak to the current RSS (Linux >= 4.0; writing 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def generate_body(alerts: int, groups: int) -> bytes:
    """``bench_alerts.generate`` plus a ~330-byte ``description`` per alert (~900 bytes an alert)."""
    from benchmarks.bench_alerts import generate

    decoded = json.loads(generate(alerts, groups))
    for group in decoded:
        for alert in group["alerts"]:
            labels = alert["labels"]
            alert["annotations"]["description"] = (
                f"{labels['alertname']} has been firing on {labels['instance']} in {labels['namespace']}"
                f" ({labels['cluster']}) for pod {labels['pod']}: the {labels['service']} service is"
                " outside its objective. Check the dashboard, recent deploys and the upstream"
                f" dependencies of {labels['job']} before paging the owning team ({labels['team']})."
            )
    return json.dumps(decoded, separators=(",", ":")).encode()


def settings_for(url: str) -> Any:
    from oncall_tui.config.settings import Settings

    return Settings.model_validate(
        {"contexts": {"bench": {"alertmanager": {"urls": [url], "refresh": 3600}}}, "user": "bench@oncall"}
    )


# --- children (each in a fresh interpreter) -----------------------------------------------------


def child_json(body: bytes) -> dict[str, float]:
    gc.collect()
    base = rss()
    reset_hwm()
    started = time.perf_counter()
    kept = json.loads(body)
    elapsed = time.perf_counter() - started
    gc.collect()
    grown = rss() - base
    del kept
    return {"json_loads_ms": elapsed * 1000, "rss_growth": grown, "peak_growth": hwm() - base}


def child_core(body: bytes) -> dict[str, float]:
    import httpx

    from benchmarks.bench_alerts_ui import AM_URL, Server
    from oncall_tui.clients.alertmanager_ha import AlertmanagerCluster
    from oncall_tui.config.alerting import AlertSettings
    from oncall_tui.domain.severity import SeverityPolicy
    from oncall_tui.services.alert_state import prepare_poll

    server = Server(body)
    settings = settings_for(AM_URL)
    am = settings.contexts["bench"].alertmanager
    assert am is not None
    cluster = AlertmanagerCluster.from_settings(am, transport=httpx.MockTransport(server.handle))
    policy = SeverityPolicy.from_settings(AlertSettings())

    kept: list[Any] = []

    async def poll() -> None:
        groups, silences = await asyncio.gather(cluster.alert_groups(), cluster.silences())
        previous = kept[0][0] if kept else None
        # Kept here, not returned: asyncio.run's task would otherwise repr the result when it ends.
        kept[:] = [prepare_poll(groups.value, policy, silences.value, None, previous)]

    # Warm imports and the client once on a tiny body, so the baseline holds them.
    server.body = b"[]"
    asyncio.run(poll())
    server.body = body
    gc.collect()
    base = rss()
    reset_hwm()
    out: dict[str, float] = {}
    # The first poll of the body, then the same body again (as the next poll of an unchanged queue):
    # the previous poll stays alive while the next one is decoded and prepared.
    for label in ("first", "second"):
        started = time.perf_counter()
        asyncio.run(poll())
        out[f"{label}_poll_ms"] = (time.perf_counter() - started) * 1000
        gc.collect()
        out[f"{label}_rss_growth"] = rss() - base
        out[f"{label}_peak_growth"] = hwm() - base
    out["rows"] = len(kept[0][0].rows)
    kept.clear()
    return out


def child_app(body: bytes) -> dict[str, float]:
    return asyncio.run(_app(body))


async def _app(body: bytes) -> dict[str, float]:
    import httpx
    from textual import events

    from benchmarks.bench_alerts_ui import AM_URL, LagProbe, Server, wait_until
    from oncall_tui.clock import FakeClock
    from oncall_tui.services.sources import SourceSet
    from oncall_tui.ui.app import OncallApp
    from oncall_tui.ui.screens.alerts import AlertsScreen

    # A small first poll, so the list has rows for the cursor keys to move over before the big one.
    server = Server(generate_body(200, 20))
    settings = settings_for(AM_URL)
    clock = FakeClock(real_sleep=True)

    def factory(name: str, s: Any) -> SourceSet:
        return SourceSet(
            name,
            s.contexts[name],
            resolver=lambda *_: None,
            transports=lambda _source: httpx.MockTransport(server.handle),
            clock=clock,
        )

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        app = OncallApp(
            settings, clock=clock, source_set_factory=factory, database_path=Path(tmp) / "db.sqlite3"
        )
        async with app.run_test(size=(120, 40)) as pilot:
            feed = app.alert_feed
            screen = app.screen
            assert isinstance(screen, AlertsScreen)
            table = screen.table
            # The small poll first, so the app, its screens and the store are up before the baseline.
            await wait_until(lambda: feed.state.snapshot is not None)
            await pilot.pause()
            server.body = body
            gc.collect()
            base = rss()
            reset_hwm()

            frames: list[float] = []
            display = app._display

            def displayed(screen_: Any, renderable: Any) -> None:
                if renderable is not None:
                    frames.append(time.perf_counter())
                display(screen_, renderable)

            app._display = displayed  # type: ignore[method-assign,assignment]
            probe = LagProbe()
            driver = app._driver
            assert driver is not None

            async def poll(label: str) -> None:
                probe.start()
                before = feed.state.generation
                t0 = time.perf_counter()
                feed.wake()
                keys: list[float] = []

                def painted() -> bool:
                    return feed.state.generation != before and table.view is screen.view

                # Keys all through the poll: each timed from the press to the next frame painted.
                while not painted():
                    k0 = time.perf_counter()
                    # Straight to the driver, as a terminal key arrives: pilot.press would also wait
                    # for the process to go idle (up to 1 s), so few keys would land during the poll.
                    key = "up" if len(keys) % 2 else "down"
                    driver.send_message(events.Key(key, None))
                    await wait_until(lambda k0=k0: bool(frames) and frames[-1] > k0)  # type: ignore[misc]
                    keys.append(next(f for f in frames if f > k0) - k0)
                    await asyncio.sleep(0.02)
                await pilot.pause()
                out[f"{label}_poll_ms"] = (time.perf_counter() - t0) * 1000
                out[f"{label}_stall_max_ms"] = max(probe.stop()) * 1000
                out[f"{label}_keys"] = len(keys)
                out[f"{label}_key_frame_max_ms"] = max(keys) * 1000
                out[f"{label}_key_frame_median_ms"] = sorted(keys)[len(keys) // 2] * 1000

            # The first poll of the big body (the list fills from empty), then the same body again: the
            # previous poll stays alive until the new one replaces it, so that is the peak of a session.
            await poll("first")
            gc.collect()
            out["first_rss_growth"] = rss() - base
            out["first_peak_growth"] = hwm() - base
            await poll("second")
            # The yardstick, same run: the same keys with the list full and nothing being processed.
            idle: list[float] = []
            for n in range(20):
                k0 = time.perf_counter()
                driver.send_message(events.Key("up" if n % 2 else "down", None))
                await wait_until(lambda k0=k0: bool(frames) and frames[-1] > k0)  # type: ignore[misc]
                idle.append(next(f for f in frames if f > k0) - k0)
                await asyncio.sleep(0.02)
            out["idle_key_frame_max_ms"] = max(idle) * 1000
            out["idle_key_frame_median_ms"] = sorted(idle)[len(idle) // 2] * 1000
            app._display = display  # type: ignore[method-assign]
            out["rows"] = table.row_count
            gc.collect()
            out["rss_growth"] = rss() - base
            out["peak_growth"] = hwm() - base
    return out


# --- the real app in a pseudo-terminal -----------------------------------------------------------


SERVER = """
import http.server, sys, time
body = open(sys.argv[1], "rb").read()
status = b'{"cluster": {"status": "disabled"}, "versionInfo": {"version": "0.27.0"}}'

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/api/v2/alerts/groups"):
            print(time.perf_counter(), flush=True)
            answer = body
        elif self.path.startswith("/api/v2/silences"):
            answer = b"[]"
        elif self.path.startswith("/api/v2/status"):
            answer = status
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def serve(path: Path) -> tuple[subprocess.Popen[str], int, list[float]]:
    """Alertmanager's groups, silences and status on a loopback port, in a process of its own (in
    this one it would share the GIL with the timing); the list collects when each groups request
    arrived (``perf_counter`` is the same clock in every process)."""
    import threading

    server = subprocess.Popen([sys.executable, "-c", SERVER, str(path)], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    port = int(server.stdout.readline())
    polled: list[float] = []

    def collect() -> None:
        assert server.stdout is not None
        for line in server.stdout:
            polled.append(float(line))

    threading.Thread(target=collect, daemon=True).start()
    return server, port, polled


def cursor_response(session: Any, sent: float, needles: list[bytes], timeout: float = 5.0) -> float:
    """Seconds from ``sent`` until every needle (the cursor rows written from their first column)
    arrived; the rows a 1 s tick rewrites (ages) start further right, so they do not count."""
    start = len(session.received)
    deadline = sent + timeout
    while not all(n in session.received[start:] for n in needles):
        left = deadline - time.perf_counter()
        if left <= 0:
            return timeout
        session._read_once(left)
    return time.perf_counter() - sent


def pty_keys(path: Path, seconds: float) -> dict[str, float]:
    """The app in a 120x40 pseudo-terminal, polling the body every 6 s over loopback HTTP; ``j``/``k``
    every 60 ms, each timed from the write to the terminal until both cursor rows are redrawn.
    Keys sent within 2.5 s of a groups request count as "during a poll", the others as idle."""
    import re

    from benchmarks.pty_session import PtySession

    server, port, polled = serve(path)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as home:
        config = Path(home) / "config.toml"
        config.write_text(
            'user = "bench@oncall"\n[contexts.bench.alertmanager]\n'
            f'urls = ["http://127.0.0.1:{port}"]\nrefresh = 6\n'
        )
        argv = [sys.executable, "-m", "oncall_tui", "--config", str(config)]
        session = PtySession(argv, columns=120, lines=40, env={"HOME": home}, cwd=str(ROOT))
        try:
            # The list is full once the first poll is drawn and its follow-up work is done.
            while len(polled) < 1 or time.perf_counter() - polled[0] < 4:
                session.read_for(0.2)
            session.send(b"j")
            sent = time.perf_counter()
            first = len(session.received)
            session.read_for(0.5)
            lines = sorted({int(m) for m in re.findall(rb"\x1b\[(\d+);1H", bytes(session.received[first:]))})
            if len(lines) < 2:
                raise SystemExit(
                    f"no cursor rows in the answer to j: {bytes(session.received[first:])[:300]!r}"
                )
            needles = [b"\x1b[%d;1H" % line for line in lines[:2]]
            busy: list[float] = []
            idle: list[float] = []
            end = time.perf_counter() + seconds
            key = b"k"
            while time.perf_counter() < end:
                sent = time.perf_counter()
                session.send(key)
                taken = cursor_response(session, sent, needles)
                if os.environ.get("BENCH_SLOW_KEYS") and taken > 0.05:
                    since = sent - polled[-1] if polled else -1
                    print(
                        f"slow key {taken * 1000:.0f} ms at {sent:.3f}, {since:.3f} s after a poll",
                        file=sys.stderr,
                    )
                (busy if polled and sent - polled[-1] < 2.5 else idle).append(taken)
                key = b"j" if key == b"k" else b"k"
                session.read_for(0.06)
        finally:
            session.close()
            server.kill()
            server.wait()
    for name, taken in (("poll", busy), ("idle", idle)):
        if taken:
            out[f"{name}_keys"] = len(taken)
            out[f"{name}_key_frame_max_ms"] = max(taken) * 1000
            out[f"{name}_key_frame_median_ms"] = sorted(taken)[len(taken) // 2] * 1000
    out["polls"] = len(polled)
    return out


CHILDREN: dict[str, Callable[[bytes], dict[str, float]]] = {
    "json": child_json,
    "core": child_core,
    "app": child_app,
}


def run_child(mode: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--body", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--alerts", type=int, default=55_000)
    parser.add_argument("--groups", type=int, default=1_100)
    parser.add_argument("--skip-app", action="store_true", help="only the yardstick and the headless path")
    parser.add_argument(
        "--pty-seconds", type=float, default=20.0, help="keys sent to the app in a terminal (0: skip)"
    )
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--body", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        body = args.body.read_bytes()
        print(json.dumps(CHILDREN[args.child](body)))
        return 0

    body = generate_body(args.alerts, args.groups)
    size = len(body)
    print(f"# body: {size / 1e6:.1f} MB, {args.alerts} alerts in {args.groups} groups")
    print(f"body_bytes {size} B")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "groups.json"
        path.write_bytes(body)
        del body
        modes = ["json", "core"] if args.skip_app else ["json", "core", "app"]
        for mode in modes:
            result = run_child(mode, path)
            print(f"# {mode}")
            for name, value in result.items():
                if name.endswith(("rss_growth", "peak_growth")):
                    print(f"{mode}_{name}_mb {value / 1e6:.1f} MB")
                    print(f"{mode}_{name}_x {value / size:.2f} x_body")
                elif name.endswith("_ms"):
                    print(f"{mode}_{name} {value:.1f} ms")
                else:
                    print(f"{mode}_{name} {value:g} count")
        if not args.skip_app and args.pty_seconds > 0:
            print("# pty (the app in a 120x40 terminal, the body polled over loopback HTTP every 6 s)")
            for name, value in pty_keys(path, args.pty_seconds).items():
                unit = "ms" if name.endswith("_ms") else "count"
                print(f"pty_{name} {value:.1f} {unit}" if unit == "ms" else f"pty_{name} {value:g} {unit}")
    print(
        "# targets: app_*rss_growth_x and app_peak_growth_x <= 4;"
        " app_*_stall_max_ms, app_*_key_frame_max_ms, pty_poll_key_frame_max_ms <= 50"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
