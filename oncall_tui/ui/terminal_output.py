"""Write only the terminal cells whose content changed since they were last written.

Textual's compositor sends every line of a refreshed region, whether or not its text changed:
a widget that refreshes once a second to move a clock by one second re-sends its whole region,
and a table that re-renders after a poll re-sends every row on screen. Over SSH that is the
difference between a quiet tool and one that writes kilobytes a second while nobody looks.

:class:`TerminalMirror` keeps what the terminal shows (one ``(text, style)`` per cell, as last
written) and turns each compositor update into the runs of cells that differ from it, so an
update that changes nothing visible writes nothing, and a clock that moves by one second writes
one or two cells. :class:`QuietOutput` puts it between the app and its driver.

The mirror is forgotten whenever what the terminal shows is unknown: on a size change and when
the app resumes after a suspend (the next update then writes everything it covers).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import get_character_cell_size
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual.strip import Strip

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

Cell = tuple[str, Style | None]
"""One terminal cell: its text ("" for the right half of a wide character) and style."""
Shown = tuple[str, object]
"""What a cell looks like on the terminal: its text and the visible part of its style."""

_VISUAL: dict[Style, object] = {}
_VISUAL_LIMIT = 4096
_PLAIN = object()


def visual(style: Style | None) -> object:
    """The part of ``style`` a terminal shows: colours, attributes and link target.

    Textual puts metadata (mouse handlers, offsets) into styles, and makes new style objects for
    the same look on every render: compared whole, an unchanged line would look changed.
    """
    if style is None:
        return None
    found = _VISUAL.get(style)
    if found is None:
        if len(_VISUAL) >= _VISUAL_LIMIT:
            _VISUAL.clear()
        look = (style.color, style.bgcolor, style._attributes, style._set_attributes, style.link)
        # No colour, attribute or link: it looks like no style at all.
        found = _VISUAL[style] = look if any(look) else _PLAIN
    return None if found is _PLAIN else found


GAP = 6
"""Unchanged cells between two changed runs below which one write covers both (a cursor move
costs about as many bytes)."""


def strip_cells(strips: Iterable[Strip]) -> list[Cell] | None:
    """The cells of ``strips`` side by side; None when they hold control codes (not diffable)."""
    cells: list[Cell] = []
    append = cells.append
    for strip in strips:
        for text, style, control in strip:
            if control:
                return None
            if text.isascii():
                cells.extend((char, style) for char in text)
                continue
            for char in text:
                width = get_character_cell_size(char)
                if width == 0:
                    if cells:
                        # A combining mark belongs to the cell before it.
                        previous, previous_style = cells[-1]
                        cells[-1] = (previous + char, previous_style)
                    continue
                append((char, style))
                if width == 2:
                    append(("", style))
    return cells


def changed_runs(old: Sequence[Shown | None], new: Sequence[Shown], start: int) -> list[tuple[int, int]]:
    """``[from, to)`` runs (offsets into ``new``) where ``new`` differs from ``old[start:]``.

    Runs closer than :data:`GAP` cells are merged; a run never starts or ends inside a wide
    character.
    """
    runs: list[tuple[int, int]] = []
    limit = len(old)
    run_start = -1
    last_diff = -1
    for index, cell in enumerate(new):
        at = start + index
        if at < limit and old[at] == cell:
            continue
        if run_start < 0:
            run_start = index
        elif index - last_diff > GAP:
            runs.append((run_start, last_diff + 1))
            run_start = index
        last_diff = index
    if run_start >= 0:
        runs.append((run_start, last_diff + 1))
    fixed: list[tuple[int, int]] = []
    for begin, end in runs:
        if begin > 0 and new[begin][0] == "":
            begin -= 1  # the right half of a wide character: write the character
        if end < len(new) and new[end][0] == "":
            end += 1
        fixed.append((begin, end))
    return fixed


def cells_strip(cells: Sequence[Cell]) -> Strip:
    """A strip drawing ``cells`` (neighbours of one style share a segment)."""
    segments: list[Segment] = []
    text: list[str] = []
    current: Style | None = None
    for char, style in cells:
        if style != current and text:
            segments.append(Segment("".join(text), current))
            text = []
        current = style
        text.append(char)
    if text:
        segments.append(Segment("".join(text), current))
    return Strip(segments)


class _Writes(CompositorUpdate):
    """The changed runs of one update, as terminal sequences."""

    def __init__(self, data: str) -> None:
        self.data = data

    def render_segments(self, console: Console) -> str:
        return self.data


class TerminalMirror:
    """What the terminal shows, cell by cell, as last written by the app."""

    def __init__(self) -> None:
        self.rows: list[list[Shown | None]] = []
        """Per screen line, the cells last written, as shown (None: unknown)."""
        self.size = (0, 0)
        """Screen size (width, height) the mirror was built for."""
        self.cells_written = 0
        """Cells written since start (for tests and the benchmark)."""
        self.cells_skipped = 0
        """Cells an update covered that were already shown (for tests and the benchmark)."""

    def forget(self) -> None:
        """Whatever the terminal shows is unknown: the next update writes everything it covers."""
        self.rows = []
        self.size = (0, 0)

    def _row(self, y: int, width: int) -> list[Shown | None]:
        while len(self.rows) <= y:
            self.rows.append([None] * width)
        return self.rows[y]

    def diff(self, update: CompositorUpdate, size: tuple[int, int], console: Console) -> str | None:
        """Terminal sequences for what ``update`` changes; None when it is not an update it knows.

        ``size`` is the screen's (width, height): when it changed, the terminal may have moved or
        cleared what it showed, so everything is written again.
        """
        if size != self.size:
            self.forget()
            self.size = size
        width = size[0]
        parts: list[str] = []
        if isinstance(update, LayoutUpdate):
            region = update.region
            for y, line in enumerate(update.strips, region.y):
                cells = strip_cells(line)
                if cells is None:
                    self.forget()
                    return None
                self._write(parts, y, region.x, cells, width, console)
        elif isinstance(update, ChopsUpdate):
            for y, x1, x2 in update.spans:
                for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(), strict=False):
                    if strip is None or x >= x2 or end <= x1:
                        continue
                    cells = strip_cells([strip])
                    if cells is None:
                        self.forget()
                        return None
                    begin = max(x, x1)
                    stop = min(end, x2)
                    self._write(parts, y, begin, cells[begin - x : stop - x], width, console)
        else:
            return None
        return "".join(parts)

    def _write(
        self, parts: list[str], y: int, x: int, cells: list[Cell], width: int, console: Console
    ) -> None:
        row = self._row(y, width)
        cells = cells[: max(width - x, 0)]
        shown = [(char, visual(style)) for char, style in cells]
        runs = changed_runs(row, shown, x)
        written = 0
        for begin, end in runs:
            parts.append(f"\x1b[{y + 1};{x + begin + 1}H")
            parts.append(cells_strip(cells[begin:end]).render(console))
            row[x + begin : x + end] = shown[begin:end]
            written += end - begin
        self.cells_written += written
        self.cells_skipped += len(cells) - written


class QuietOutput:
    """App mixin: compositor updates go through a :class:`TerminalMirror` before the driver."""

    terminal_mirror: TerminalMirror
    """What the terminal shows (reset on resize and resume)."""

    def _display(self, screen: Screen[Any], renderable: Any) -> None:
        app: App[Any] = self  # type: ignore[assignment]
        mirror = self.__dict__.get("terminal_mirror")
        if mirror is None:
            mirror = self.terminal_mirror = TerminalMirror()
            app.app_resume_signal.subscribe(app, lambda _app: mirror.forget())
        driver = app._driver
        writes = (
            isinstance(renderable, CompositorUpdate)
            and not app._batch_count
            and app._running
            and not app._closed
            and not app.is_headless
            and driver is not None
            and not driver.is_inline
        )
        if writes:
            width, height = app.screen.outer_size
            data = mirror.diff(renderable, (width, height), app.console)
            if data == "":
                return  # nothing visible changed: not even the synchronised-output brackets
            if data is not None:
                renderable = _Writes(data)
        else:
            mirror.forget()
        super()._display(screen, renderable)  # type: ignore[misc]
