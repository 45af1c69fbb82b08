"""Waterfall UI benchmark: repaint times of the real TraceScreen on a 100,000-span trace, headless.

Run ``benchmarks/gen_traces.py`` first (it writes ``benchmarks/.data/``), then::

    .venv/bin/python benchmarks/bench_waterfall_ui.py [--repeat 30] [--size 120x40] [FILE]

It opens the file in ``TraceFileApp`` (the app ``oncall-tui trace FILE`` runs) under Textual's
headless driver and, for each action, measures from posting the key to the next frame the
compositor produced (the frame a terminal would be sent; the headless driver only drops the write).
That includes Textual's frame scheduling, so it is what a user waits for. Beside it, ``render`` is
the time the compositor spent building that frame (``render_update``: our ``render_line`` calls plus
Textual's composition). Targets: cursor move and page scroll <= 30 ms; collapse/expand of the root
<= 100 ms. Figures are medians with the worst run in brackets.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oncall_tui.trace_io import load_trace_file  # noqa: E402
from oncall_tui.ui.screens.trace import TraceScreen  # noqa: E402
from oncall_tui.ui.trace_file_app import TraceFileApp  # noqa: E402

DEFAULT_FILE = ROOT / "benchmarks" / ".data" / "trace-100k.json"
TARGETS = {"cursor down": 30.0, "cursor up": 30.0, "page down": 30.0, "page up": 30.0}
TARGETS.update({"collapse root": 100.0, "expand root": 100.0})
TARGETS.update({"n (crit. path)": 30.0, "down + detail": 30.0})


class FrameClock:
    """Timestamps of the frames the app produces, and how long each took to build."""

    def __init__(self, app: Any) -> None:
        self.frames: list[float] = []
        self.render_ms: list[float] = []
        original_display = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.frames.append(time.perf_counter())
            original_display(screen, renderable)

        app._display = display
        self._app = app

    def wrap_compositor(self, screen: Any) -> None:
        compositor = screen._compositor
        original = compositor.render_update

        def render_update(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.render_ms.append((time.perf_counter() - start) * 1000)

        compositor.render_update = render_update


async def measure(path: Path, repeat: int, size: tuple[int, int]) -> None:
    t0 = time.perf_counter()
    traces = load_trace_file(path)
    parsed = time.perf_counter() - t0
    app = TraceFileApp(traces, source_name=str(path))
    async with app.run_test(size=size) as pilot:
        clock = FrameClock(app)
        start = time.perf_counter()
        # Polling is the measurement here: the benchmark watches the app from outside.
        while not (isinstance(app.screen, TraceScreen) and app.screen.analysis is not None):  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        screen = app.screen
        assert isinstance(screen, TraceScreen)
        n0 = len(clock.frames)
        while len(clock.frames) == n0:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        ready = clock.frames[-1] - start
        clock.wrap_compositor(screen)
        analysis = screen.analysis
        assert analysis is not None
        waterfall = screen.waterfall
        print(
            f"file: {path} ({path.stat().st_size / 1e6:.1f} MB), {analysis.span_count} spans, terminal {size}"
        )
        print(
            f"  parse (load_trace_file): {parsed * 1000:.0f} ms; "
            f"analyse + view + first frame: {ready * 1000:.0f} ms"
        )

        async def timed(key: str) -> tuple[float, float]:
            n = len(clock.frames)
            r = len(clock.render_ms)
            t = time.perf_counter()
            app.post_message(_key(key))
            while len(clock.frames) == n:  # noqa: ASYNC110
                await asyncio.sleep(0.0005)
            latency = (clock.frames[n] - t) * 1000
            render = sum(clock.render_ms[r:]) if len(clock.render_ms) > r else 0.0
            await pilot.pause()
            return latency, render

        results: dict[str, list[tuple[float, float]]] = {}
        # Start somewhere in the middle so page up/down both move.
        waterfall.go_to_row(len(waterfall.view or ()) // 2)
        await pilot.pause()
        for _ in range(repeat):
            for key, name in (("down", "cursor down"), ("up", "cursor up")):
                results.setdefault(name, []).append(await timed(key))
            for key, name in (("pagedown", "page down"), ("pageup", "page up")):
                results.setdefault(name, []).append(await timed(key))
        waterfall.go_to_row(0)
        await pilot.pause()
        for _ in range(repeat):
            results.setdefault("n (crit. path)", []).append(await timed("n"))
        await timed("d")
        assert screen.detail_visible
        for _ in range(repeat):
            results.setdefault("down + detail", []).append(await timed("down"))
        await timed("d")
        waterfall.go_to_row(0)
        await pilot.pause()
        for _ in range(max(repeat // 3, 3)):
            results.setdefault("collapse root", []).append(await timed("space"))
            assert len(waterfall.view or ()) < 10
            results.setdefault("expand root", []).append(await timed("space"))
            assert len(waterfall.view or ()) == analysis.node_count
        ok = True
        print(f"  {'action':<15}{'key -> frame (ms)':>24}{'render (ms)':>18}{'target':>10}")
        for name, values in results.items():
            latencies = [v[0] for v in values]
            renders = [v[1] for v in values]
            med, worst = statistics.median(latencies), max(latencies)
            target = TARGETS[name]
            verdict = "ok" if med <= target else "SLOW"
            ok = ok and med <= target
            print(
                f"  {name:<15}{med:>12.1f} [{worst:>6.1f}]"
                f"{statistics.median(renders):>11.1f} [{max(renders):>4.1f}]"
                f"{'<= ' + str(int(target)):>10} {verdict}"
            )
        print(f"  row cache: {waterfall.cache_hits} hits, {waterfall.cache_misses} rows rendered")
        for query in ("error=true", "payment", "no-such-text"):
            t = time.perf_counter()
            await pilot.press("slash", *query, "enter")
            while screen.search_query != query:  # noqa: ASYNC110
                await asyncio.sleep(0.002)
            elapsed = (time.perf_counter() - t) * 1000
            print(f"  find {query!r}: {len(screen.search_nodes)} matches in {elapsed:.0f} ms (worker thread)")
            await pilot.press("escape")
        print("  all targets met" if ok else "  SOME TARGETS MISSED")


def _key(key: str) -> Any:
    from textual import events

    return events.Key(key, None)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--size", default="120x40", help="terminal size, WxH")
    args = parser.parse_args()
    if not args.file.exists():
        sys.exit(f"{args.file} not found: run benchmarks/gen_traces.py first")
    width, height = (int(v) for v in args.size.lower().split("x"))
    asyncio.run(measure(args.file, args.repeat, (width, height)))


if __name__ == "__main__":
    main()
