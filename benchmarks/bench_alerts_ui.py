"""Alerts screen under a 10,000-alert, 500-group poll: keystroke latency, filter re-apply, cursor survival.

Run::

    .venv/bin/python benchmarks/bench_alerts_ui.py [--alerts 10000] [--groups 500]

The app runs headless (``App.run_test``, 120x40) against one Alertmanager peer served
by ``httpx.MockTransport`` with the generated body of ``bench_alerts.py`` (pre-encoded,
so the fake server costs nothing). It prints:

* ``json.loads`` of the body, the yardstick of the issue;
* the first poll, end to end (HTTP, msgspec decode, prepare, first table fill);
* a steady poll (a few alerts changed) end to end, and the table diff alone;
* keystroke latency while such a poll is processed: the event loop's longest stall
  (a key cannot be handled during one) and real ``down`` key presses timed while the
  poll runs (target <= 50 ms);
* filter keystrokes: ``service="svc-007"`` and the free-text word ``latency`` typed into the
  filter field one key at a time (real key presses), then ``ctrl+u`` to clear; each timed
  from the key press to the first frame painted after the list took the new view
  (target <= 50 ms). Keys that leave the filter unparsable re-apply nothing and are
  reported apart;
* whether the cursor and a multi-selection survived a poll that inserted rows above them.

"Frame painted" is the compositor's update being handed to the (headless) driver:
``Screen._compositor_refresh`` has rendered every changed line by then; only the terminal
write is left out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from benchmarks.bench_alerts import generate  # noqa: E402
from oncall_tui.clock import FakeClock  # noqa: E402
from oncall_tui.config.settings import Settings  # noqa: E402
from oncall_tui.services.sources import SourceSet  # noqa: E402
from oncall_tui.ui.app import OncallApp  # noqa: E402
from oncall_tui.ui.screens.alerts import AlertsScreen  # noqa: E402

AM_URL = "http://alertmanager.bench:9093"


class Server:
    """Serves the groups body (swappable) and an empty silence list."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v2/alerts/groups":
            return httpx.Response(200, content=self.body, headers={"content-type": "application/json"})
        if path == "/api/v2/silences":
            return httpx.Response(200, content=b"[]")
        if path == "/api/v2/status":
            return httpx.Response(
                200,
                json={"cluster": {"status": "disabled"}, "versionInfo": {"version": "0.27.0"}},
            )
        return httpx.Response(404)


class LagProbe:
    """Measures how late a 2 ms sleep wakes up: the time a keystroke would wait for the loop."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(0.002)
            self.lags.append(loop.time() - started - 0.002)

    def start(self) -> None:
        self.lags = []
        self._task = asyncio.ensure_future(self._run())

    def stop(self) -> list[float]:
        assert self._task is not None
        self._task.cancel()
        return self.lags


async def wait_until(condition: Callable[[], bool]) -> None:
    """Poll a plain attribute (no event to wait on) every millisecond.

    It always yields once, as a real key event does: back-to-back synthetic keystrokes in one
    step of this task would otherwise add up into one long stall that no user could cause.
    """
    await asyncio.sleep(0.001)
    while not condition():  # noqa: ASYNC110
        await asyncio.sleep(0.001)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def mutate(body: bytes, *, insert_first: bool) -> bytes:
    """The next poll: 20 alerts resolved, 20 new ones (the first group's new ones sort first)."""
    groups = json.loads(body)
    for group in groups[:20]:
        group["alerts"].pop()
    template = groups[0]["alerts"][0]
    for i in range(20):
        new = json.loads(json.dumps(template))
        new["fingerprint"] = f"ffff{i:012x}"
        new["labels"]["pod"] = f"new-{i}"
        new["labels"]["severity"] = "critical"
        if insert_first:
            new["startsAt"] = "2026-03-10T00:00:00.000Z"
        groups[0]["alerts"].append(new)
    return json.dumps(groups, separators=(",", ":")).encode()


async def run(alerts: int, groups: int, args_polls: int = 6) -> None:
    body = generate(alerts, groups)
    started = time.perf_counter()
    json.loads(body)
    t_json = time.perf_counter() - started
    print(f"body: {len(body) / 1e6:.1f} MB, {alerts} alerts in {groups} groups")
    print(f"{'json.loads of the body (yardstick)':<58}{ms(t_json)}")

    server = Server(body)
    settings = Settings.model_validate(
        {
            "contexts": {"bench": {"alertmanager": {"urls": [AM_URL], "refresh": 3600}}},
            "user": "bench@oncall",
        }
    )
    clock = FakeClock(real_sleep=True)

    def factory(name: str, s: Settings) -> SourceSet:
        return SourceSet(
            name,
            s.contexts[name],
            resolver=lambda *_: None,
            transports=lambda _source: httpx.MockTransport(server.handle),
            clock=clock,
        )

    with tempfile.TemporaryDirectory() as tmp:
        app = OncallApp(
            settings, clock=clock, source_set_factory=factory, database_path=Path(tmp) / "db.sqlite3"
        )
        async with app.run_test(size=(120, 40)) as pilot:
            feed = app.alert_feed
            screen = app.screen
            assert isinstance(screen, AlertsScreen)
            table = screen.table

            # First poll (the table fills from empty).
            t0 = time.perf_counter()
            await wait_until(lambda: feed.state.snapshot is not None)
            await pilot.pause()
            first = time.perf_counter() - t0
            rows = table.row_count
            print(f"{'first poll end to end (fetch+decode+prepare+fill)':<58}{ms(first)}   {rows} rows")

            # Steady state: polls with 40 changed alerts each (rows inserted above the cursor).
            table.move_cursor(row=40, animate=False)
            await pilot.press("space", "space", "space")
            cursor = table.cursor_key
            selected = set(table.selected)
            bodies = [mutate(body, insert_first=True), body]
            # Synchronous pieces of UI work: the view with its list update, and each frame.
            chunks: list[float] = []

            def timed(owner: Any, name: str) -> Callable[[], None]:
                original = getattr(owner, name)

                def wrapper(*args: Any, **kwargs: Any) -> Any:
                    t = time.perf_counter()
                    result = original(*args, **kwargs)
                    chunks.append(time.perf_counter() - t)
                    return result

                setattr(owner, name, wrapper)
                return lambda: setattr(owner, name, original)

            restore = [timed(screen, "apply_view"), timed(screen, "_compositor_refresh")]
            stalls: list[float] = []
            totals: list[float] = []
            keys: list[float] = []
            probe = LagProbe()
            for i in range(args_polls):
                server.body = bodies[i % 2]
                probe.start()
                before = feed.state.generation
                t0 = time.perf_counter()
                feed.wake()
                await wait_until(lambda before=before: feed.state.generation != before)  # type: ignore[misc]
                await wait_until(lambda: table.view is screen.view)
                await pilot.pause()
                totals.append(time.perf_counter() - t0)
                k0 = time.perf_counter()
                await pilot.press("down", "up")
                keys.append((time.perf_counter() - k0) / 2)
                stalls.append(max(probe.stop()))
            for undo in restore:
                undo()
            print(
                f"{'steady poll end to end (40 alerts changed): median':<58}{ms(statistics.median(totals))}"
            )
            print(
                f"{'  longest event-loop stall per poll: median / max':<58}{ms(statistics.median(stalls))} / "
                f"{ms(max(stalls)).strip()}   (a key waits at most this long; target <= 50 ms)"
            )
            print(
                f"{'  longest piece of UI work (view + list update, a frame)':<58}{ms(max(chunks))}"
                f"   ({len(chunks)} pieces; the rest: decode slices, thread hand-offs)"
            )
            key_median = ms(statistics.median(keys))
            print(f"{'  down+up key via pilot (includes a screen refresh): median':<58}{key_median}")
            survived = table.cursor_key == cursor and table.selected == selected
            print(
                f"{'  cursor and selection survived':<58}{'yes' if survived else 'NO'}"
                f"   (cursor row 40 -> {table.cursor_row}: it moved with its alert)"
            )

            # The list update alone, for the same view again.
            snapshot = feed.state.snapshot
            assert snapshot is not None
            view = snapshot.view(screen.options)
            ctx = screen.context()
            t0 = time.perf_counter()
            table.apply(view, ctx)
            same = time.perf_counter() - t0
            print(f"{'table apply of an unchanged view':<58}{ms(same)}")

            # Filter keystrokes typed into the filter field: key press -> first frame painted with
            # the list of the new view. Each frame records the view the list held when it was
            # painted, so this holds however the screen updates the list (in one step or not).
            frames: list[tuple[float, Any]] = []
            display = app._display

            def displayed(screen_: Any, renderable: Any) -> None:
                if renderable is not None:
                    frames.append((time.perf_counter(), table.view))
                display(screen_, renderable)

            app._display = displayed  # type: ignore[method-assign,assignment]
            chunks.clear()
            restore_view = timed(screen, "apply_view")
            await pilot.press("slash")
            # A person's first key comes a good 200 ms after the slash.
            await pilot.pause(0.2)
            times: list[float] = []
            unchanged: list[float] = []
            labels: list[str] = []
            probe.start()
            for text in ('service="svc-007"', " latency"):
                for key in [*text, "ctrl+u"]:
                    shown = screen.view
                    t0 = time.perf_counter()
                    await pilot.press(key)
                    target = screen.view
                    if target is shown:
                        # Unparsable (a half-typed quote) or the same filter: the list stays as it was.
                        await wait_until(lambda t0=t0: bool(frames) and frames[-1][0] > t0)  # type: ignore[misc]
                        unchanged.append(next(f for f, _ in frames if f > t0) - t0)
                        continue

                    def painted(t0: float = t0, target: Any = target) -> float | None:
                        return next((f for f, v in frames if f > t0 and v is target), None)

                    await wait_until(lambda painted=painted: painted() is not None)  # type: ignore[misc]
                    frame = painted()
                    assert frame is not None
                    times.append(frame - t0)
                    labels.append(key)
            filter_stall = max(probe.stop())
            app._display = display  # type: ignore[method-assign]
            restore_view()
            print(
                f"{'filter keystroke, key to frame with the new list: max / median':<58}{ms(max(times))} / "
                f"{ms(statistics.median(times)).strip()}   ({len(times)} keystrokes; target <= 50 ms)"
            )
            print(
                f"{'  of which the re-apply (filter, list update): max / median':<58}{ms(max(chunks))} / "
                f"{ms(statistics.median(chunks)).strip()}   (the rest: key dispatch, next frame tick, frame)"
            )
            print(f"{'  longest event-loop stall while filtering':<58}{ms(filter_stall)}")
            print(
                f"{'  each keystroke, ms':<58}"
                + " ".join(f"{label}:{round(t * 1000)}" for label, t in zip(labels, times, strict=True))
            )
            first_letter = times[labels.index("l")]
            print(f"{'  first free-text letter (l: substring over every alert)':<58}{ms(first_letter)}")
            clears = [t for label, t in zip(labels, times, strict=True) if label == "ctrl+u"]
            print(f"{'  clearing the filter (all rows back)':<58}{' / '.join(ms(t).strip() for t in clears)}")
            if unchanged:
                print(
                    f"{'  keys that leave the list as it was (unparsable…): max':<58}{ms(max(unchanged))}"
                    f"   ({len(unchanged)} keys)"
                )
            print(f"{'  rows shown after clearing':<58}{table.row_count:>7}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--polls", type=int, default=6)
    args = parser.parse_args(argv)
    asyncio.run(run(args.alerts, args.groups, args.polls))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
