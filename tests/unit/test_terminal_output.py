"""What reaches the terminal: only the cells whose content changed since they were last written."""

from __future__ import annotations

import io

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip

from oncall_tui.ui.terminal_output import TerminalMirror

SIZE = (20, 2)
BOLD = Style(bold=True)


def console() -> Console:
    return Console(file=io.StringIO(), color_system="truecolor", width=20)


def full(lines: list[str]) -> LayoutUpdate:
    return LayoutUpdate([[Strip([Segment(line)])] for line in lines], Region(0, 0, *SIZE))


def chops(y: int, x: int, strip: Strip) -> ChopsUpdate:
    """A partial update of one line: ``strip`` at column ``x`` of line ``y``."""
    lines: list[dict[int, Strip | None]] = [{} for _ in range(SIZE[1])]
    ends: list[list[int]] = [[] for _ in range(SIZE[1])]
    lines[y] = {x: strip}
    ends[y] = [x + strip.cell_length]
    return ChopsUpdate(lines, [(y, x, x + strip.cell_length)], ends)


def test_first_frame_is_written_whole() -> None:
    mirror = TerminalMirror()
    data = mirror.diff(full(["header".ljust(20), "footer".ljust(20)]), SIZE, console())
    assert data is not None
    assert "header" in data and "footer" in data


def test_a_repaint_that_changes_nothing_writes_nothing() -> None:
    mirror = TerminalMirror()
    mirror.diff(full(["12:00:01".ljust(20), "x".ljust(20)]), SIZE, console())
    assert mirror.diff(chops(0, 0, Strip([Segment("12:00:01".ljust(20))])), SIZE, console()) == ""
    assert mirror.diff(full(["12:00:01".ljust(20), "x".ljust(20)]), SIZE, console()) == ""


def test_a_clock_tick_writes_only_the_digit_that_moved() -> None:
    mirror = TerminalMirror()
    mirror.diff(full(["12:00:01".ljust(20), "x".ljust(20)]), SIZE, console())
    data = mirror.diff(chops(0, 0, Strip([Segment("12:00:02".ljust(20))])), SIZE, console())
    # Cursor to line 1, column 8, then the one changed cell.
    assert data == "\x1b[1;8H2"


def test_a_style_change_alone_is_written() -> None:
    mirror = TerminalMirror()
    mirror.diff(full(["ab".ljust(20), "".ljust(20)]), SIZE, console())
    data = mirror.diff(chops(1, 0, Strip([Segment("  ", BOLD)])), SIZE, console())
    assert data is not None and "\x1b[2;1H" in data and "\x1b[1m" in data


def test_wide_characters_are_written_whole() -> None:
    mirror = TerminalMirror()
    mirror.diff(full(["a界b".ljust(19), "".ljust(20)]), SIZE, console())
    data = mirror.diff(chops(0, 0, Strip([Segment("a世b".ljust(19))])), SIZE, console())
    assert data == "\x1b[1;2H世"


def test_a_new_size_writes_everything_again() -> None:
    mirror = TerminalMirror()
    mirror.diff(full(["same".ljust(20), "same".ljust(20)]), SIZE, console())
    data = mirror.diff(full(["same".ljust(20), "same".ljust(20)]), (20, 3), console())
    assert data is not None and data.count("same") == 2


def test_forget_writes_everything_again() -> None:
    mirror = TerminalMirror()
    mirror.diff(full(["same".ljust(20), "same".ljust(20)]), SIZE, console())
    mirror.forget()
    data = mirror.diff(full(["same".ljust(20), "same".ljust(20)]), SIZE, console())
    assert data is not None and data.count("same") == 2


def test_far_apart_changes_are_two_writes_close_ones_one() -> None:
    mirror = TerminalMirror()
    mirror.diff(full(["a" * 20, "".ljust(20)]), SIZE, console())
    far = mirror.diff(chops(0, 0, Strip([Segment("b" + "a" * 18 + "b")])), SIZE, console())
    assert far == "\x1b[1;1Hb\x1b[1;20Hb"
    near = mirror.diff(chops(0, 0, Strip([Segment("bcbcaaaaaaaaaaaaaaab")])), SIZE, console())
    assert near == "\x1b[1;2Hcbc"


def test_a_style_that_differs_only_in_metadata_writes_nothing() -> None:
    mirror = TerminalMirror()
    mirror.diff(full(["ab".ljust(20), "".ljust(20)]), SIZE, console())
    # Textual attaches mouse handlers and offsets as style metadata, new objects on every render.
    tagged = Style(meta={"@click": "app.bell()", "offset": (3, 4)})
    assert mirror.diff(chops(0, 0, Strip([Segment("ab".ljust(20), tagged)])), SIZE, console()) == ""
