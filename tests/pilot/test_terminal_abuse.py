"""Terminal abuse: resizing to 1x1, 20x10 and back, and mashing keys on every screen raise nothing.

The app under the pilot re-raises any exception a handler or a render raised when the test
leaves ``run_test``, so reaching the end of each block with the app still running is the check.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from oncall_tui.clock import FakeClock
from oncall_tui.trace_io import load_trace_file
from oncall_tui.ui.trace_file_app import TraceFileApp
from tests.support.alert_fakes import AlertBackends, polled
from tests.support.fake_jaeger import TRACE_FILES
from tests.support.screen_text import screen_text

# Every key a hand might hit, except the ones that quit (q, ctrl+c, ctrl+q): mashing must go on.
KEYS = [
    *"abcdefghijklmnoprstuvwxyzABCDEFGHIJKLMNOPRSTUVWXYZ0123456789",
    *["up", "down", "left", "right", "pageup", "pagedown", "home", "end", "enter", "escape", "tab",
      "shift+tab", "space", "backspace", "delete", "slash", "question_mark", "plus", "minus",
      "left_square_bracket", "right_square_bracket", "colon", "ctrl+p", "ctrl+s", "ctrl+r", "f1", "f5"],
]  # fmt: skip
SIZES = [(1, 1), (20, 10), (80, 24), (120, 40)]
SCREENS = ["Alerts", "Silences", "Sources", "Traces", "Help"]


async def _mash(pilot: Pilot[Any], seed: int, count: int) -> None:
    rng = random.Random(seed)
    for _ in range(count):
        await pilot.press(rng.choice(KEYS))
    app = pilot.app
    # Back to a known place: close whatever dialogs the mashing opened.
    for _ in range(6):
        await pilot.press("escape")
    assert app.is_running


async def _resize_through_every_size(pilot: Pilot[Any]) -> None:
    for size in SIZES:
        await pilot.resize_terminal(*size)
        await pilot.pause()
    await pilot.resize_terminal(100, 30)
    await pilot.pause()


@pytest.mark.parametrize(
    ("seed", "screen_key"), list(enumerate(["A", "L", "S", "T", "question_mark"])), ids=SCREENS
)
async def test_resizing_and_mashing_keys_on_every_screen_raise_nothing(
    tmp_path: Path, seed: int, screen_key: str
) -> None:
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await polled(pilot)
        await pilot.press(screen_key)
        await pilot.pause()
        await _resize_through_every_size(pilot)
        await _mash(pilot, seed, 100)
        await _resize_through_every_size(pilot)
        assert app.is_running


async def test_resizing_and_mashing_keys_on_the_trace_waterfall_raise_nothing() -> None:
    traces = [t for path in TRACE_FILES[:2] for t in load_trace_file(path)]
    app = TraceFileApp(traces, source_name="abuse.json", clock=FakeClock(real_sleep=True))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await _resize_through_every_size(pilot)
        await _mash(pilot, 99, 150)
        await _resize_through_every_size(pilot)
        assert app.is_running


async def test_a_typed_word_that_is_not_a_matcher_is_explained_not_a_crash(tmp_path: Path) -> None:
    # Found by the mashing above: the error line quoted the expected syntax (name="value", !=, =~ or
    # !~) and was drawn as Textual markup, which raised MarkupError and ended the app.
    from oncall_tui.ui.screens.silence_editor import SilenceEditor

    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await polled(pilot)
        await pilot.press("L", "n")
        assert isinstance(app.screen, SilenceEditor)
        await pilot.press("a", "left_square_bracket", "b")
        await pilot.pause()
        shown = " ".join(screen_text(app).replace("│", " ").split())  # the line wraps in the dialog
        assert "'a[b' is not a matcher: expected name=\"value\", !=, =~ or !~" in shown
        app.notify("server said: [bold unterminated $x and [/] !=, =~")  # a toast quoting anything
        await pilot.pause()
        assert app.is_running


async def test_a_regex_matcher_in_a_confirmation_is_text_not_markup(tmp_path: Path) -> None:
    # The silence confirmation quotes the matchers: a regex with "[" must be shown, not parsed as markup.
    backends = AlertBackends()
    app = backends.make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await polled(pilot)
        await pilot.press("L", "n", *'instance=~"server[12]"', "tab", "tab", "tab", *"[maint]", "ctrl+r")
        await pilot.pause()
        shown = " ".join(screen_text(app).replace("│", " ").split())
        assert 'Create this silence? {instance=~"server[12]"}' in shown and "“[maint]”" in shown, shown
        assert app.is_running
