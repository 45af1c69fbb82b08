"""What the app costs a terminal: time to the first frame, and bytes written while idle.

Run::

    .venv/bin/python benchmarks/bench_terminal.py [--pairs 5] [--idle 10] [--columns 100 --lines 30]

Both are measured through a real pseudo-terminal (``benchmarks/pty_session.py``), the way an
SSH session sees the app, not through the headless test driver.

* First frame: ``oncall-tui --demo`` against a bare Textual app (Header, Static, Footer), started
  alternately ``--pairs`` times; the time from exec to the footer's "palette" reaching the
  terminal. The ratio is the median of per-pair ratios (target <= 1.3). The same for the app on
  a real config (``examples/local-stack.toml``; its servers need not be up): at least as fast.
* Idle bytes: the demo app on each screen (Alerts, Silences, Sources, Traces search, a trace's
  waterfall, Metrics, Incidents), settled, then the
  bytes written over ``--idle`` seconds with no key pressed (target <= 2 KB/s at 100x30, and
  <= 600 B/s with ``--low-bandwidth`` where the app supports it). The yardstick is the bare app
  idle over the same time (it has a clock-less header, so it should write nothing).

Prints ``name value unit`` lines.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pty_session import PtySession  # noqa: E402

FRAME_NEEDLE = b"alette"
"""Text of the footer's command-palette key: both apps draw it in their first full frame."""

BARE_APP = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Footer, Header, Static

    class Bare(App[None]):
        def compose(self):
            yield Header()
            yield Static("bare textual app")
            yield Footer()

    Bare().run()
    """
)

SCREENS: tuple[tuple[str, bytes], ...] = (
    ("alerts", b""),
    ("silences", b"L"),
    ("sources", b"S"),
    ("traces", b"T"),
    # x on the first alert (CheckoutHighErrorRate) opens the newest trace of its exemplars.
    ("waterfall", b"x"),
    ("metrics", b"M"),
    ("incidents", b"I"),
)
"""(name, keys that open the screen from the Alerts screen)."""


def config_argv() -> list[str]:
    return [sys.executable, "-m", "oncall_tui", "--config", str(ROOT / "examples" / "local-stack.toml")]


def app_argv(*extra: str) -> list[str]:
    return [sys.executable, "-m", "oncall_tui", "--demo", *extra]


def bare_argv() -> list[str]:
    return [sys.executable, "-c", BARE_APP]


def first_frame(argv: list[str], columns: int, lines: int) -> float:
    session = PtySession(argv, columns=columns, lines=lines, cwd=str(ROOT))
    try:
        seconds = session.read_until(FRAME_NEEDLE, timeout=60)
        if seconds is None:
            tail = bytes(session.received[-400:])
            raise SystemExit(f"no first frame from {argv[:4]}: {tail!r}")
        return seconds
    finally:
        session.close()


def idle_bytes(argv: list[str], keys: bytes, seconds: float, columns: int, lines: int) -> float:
    """Bytes per second written while idle after ``keys`` opened a screen."""
    session = PtySession(argv, columns=columns, lines=lines, cwd=str(ROOT))
    try:
        if session.read_until(FRAME_NEEDLE, timeout=60) is None:
            raise SystemExit(f"no first frame from {argv[:4]}")
        session.read_for(4.0)  # demo servers up, first polls painted
        if keys:
            session.send(keys)
            session.read_for(4.0)  # the screen's own first polls
        return session.read_for(seconds) / seconds
    finally:
        session.close()


def supports_low_bandwidth() -> bool:
    helptext = subprocess.run(
        [sys.executable, "-m", "oncall_tui", "--help"], capture_output=True, text=True, cwd=ROOT, check=False
    ).stdout
    return "--low-bandwidth" in helptext


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=10.0)
    parser.add_argument("--columns", type=int, default=100)
    parser.add_argument("--lines", type=int, default=30)
    parser.add_argument("--skip-idle", action="store_true")
    args = parser.parse_args()
    size = (args.columns, args.lines)

    ratios, bare_times, app_times = [], [], []
    config_ratios, config_times = [], []
    for _ in range(args.pairs):
        bare = first_frame(bare_argv(), *size)
        app = first_frame(app_argv(), *size)
        # A real config (the local stack's; its servers need not be up for the first frame).
        config = first_frame(config_argv(), *size)
        bare_times.append(bare)
        app_times.append(app)
        config_times.append(config)
        ratios.append(app / bare)
        config_ratios.append(config / bare)
    print(f"first_frame_bare_textual_median {statistics.median(bare_times) * 1000:.0f} ms")
    print(f"first_frame_demo_median {statistics.median(app_times) * 1000:.0f} ms")
    print(f"first_frame_demo_vs_bare_ratio {statistics.median(ratios):.2f} x")
    print(f"first_frame_config_median {statistics.median(config_times) * 1000:.0f} ms")
    print(f"first_frame_config_vs_bare_ratio {statistics.median(config_ratios):.2f} x")
    if args.skip_idle:
        return

    print(f"idle_bare_textual {idle_bytes(bare_argv(), b'', args.idle, *size):.0f} B/s")
    modes = [("default", ())]
    if supports_low_bandwidth():
        modes.append(("low_bandwidth", ("--low-bandwidth",)))
    for mode, extra in modes:
        for name, keys in SCREENS:
            rate = idle_bytes(app_argv(*extra), keys, args.idle, *size)
            print(f"idle_{name}_{mode} {rate:.0f} B/s")


if __name__ == "__main__":
    main()
