"""The guards against Textual's known bugs (oncall_tui/ui/textual_guards.py) hold for the app."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

from rich.segment import Segment
from textual.color import Color
from textual.filter import Monochrome

from oncall_tui.ui import textual_guards
from oncall_tui.ui.textual_guards import MIN_TIMER_INTERVAL, safe_interval

ROOT = Path(__file__).resolve().parents[2]


def test_a_toast_expiring_between_rack_check_and_timer_does_not_freeze_the_app() -> None:
    # The race runs in a child process: without the guard it spins the event loop forever.
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.support.toast_race"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        raise AssertionError(f"the app froze on an expired toast; progress: {out.split()}") from None
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "done", done.stdout


def test_no_timer_interval_reaches_textual_non_positive() -> None:
    assert safe_interval(-0.2) == MIN_TIMER_INTERVAL
    assert safe_interval(0.0) == MIN_TIMER_INTERVAL
    assert safe_interval(math.nan) == MIN_TIMER_INTERVAL
    assert safe_interval(2.5) == 2.5


def test_monochrome_filter_passes_unstyled_segments_once_guarded() -> None:
    textual_guards.install()
    textual_guards.install()  # idempotent: the second call does not wrap twice
    assert textual_guards.installed()
    line = [Segment("CRIT", None), Segment(" api", None)]
    assert [s.text for s in Monochrome().apply(line, Color(0, 0, 0))] == ["CRIT", " api"]
