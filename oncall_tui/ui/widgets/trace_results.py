"""Trace search results: one row per trace, sortable by time, duration, spans and errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from oncall_tui.domain.durations import format_micros
from oncall_tui.models.jaeger import TraceSummary
from oncall_tui.ui.widgets.lists import ListTable

SortKey = Literal["time", "duration", "spans", "errors"]
"""Columns the results can be sorted by."""

SORT_KEYS: dict[str, Callable[[TraceSummary], Any]] = {
    "time": lambda s: s.start,
    "duration": lambda s: s.duration_us,
    "spans": lambda s: s.span_count,
    "errors": lambda s: s.error_count,
}
"""Sort key per sortable column."""

COLUMNS: list[tuple[str, str, int | None]] = [
    ("start", "Start", 11),
    ("root", "Root service: operation", None),
    ("duration", "Dur", 7),
    ("spans", "Spans", 7),
    ("errors", "Err", 5),
    ("services", "Services", None),
]
"""(key, label, width) of each column; None widths share what is left."""

WIDE = 100
"""Below this width the Services column is left out (the line under the table shows them)."""

SORT_COLUMN = {"time": "start", "duration": "duration", "spans": "spans", "errors": "errors"}


def format_start(start: datetime, now: datetime | None) -> str:
    """Local ``HH:MM:SS`` when on the same local day as ``now``, else ``MM-DD HH:MM``."""
    local = start.astimezone()
    if now is not None and local.date() == now.astimezone().date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%m-%d %H:%M")


class TraceResults(ListTable):
    """The result list; ``enter`` on a row posts :class:`TraceResults.TraceChosen`."""

    DEFAULT_CSS = """
    TraceResults { height: 1fr; scrollbar-size-vertical: 1; scrollbar-size-horizontal: 0; }
    """

    @dataclass
    class TraceChosen(Message):
        """The user picked a trace to open."""

        trace_id: str
        """Id of the trace."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's parameter name
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.summaries: list[TraceSummary] = []
        """Results in display order."""
        self.sort_key: SortKey = "time"
        """Current sort column."""
        self.sort_reverse = True
        """Newest/longest/most first."""
        self.error_colour = ""
        """Colour of a non-zero error count (``$span-error``); set by the screen from the theme."""
        self.now: datetime | None = None
        """Reference for "today" in the start column."""

    def on_mount(self) -> None:
        self._add_columns()

    def _columns(self) -> list[tuple[str, str, int]]:
        width = self.size.width or 80
        columns = [c for c in COLUMNS if c[0] != "services" or width >= WIDE]
        # DataTable pads each cell by one on both sides; one more cell for the scrollbar.
        fixed = sum(w for _, _, w in columns if w) + 2 * len(columns) + 1
        flexible = max(width - fixed, 20)
        root_width = flexible if width < WIDE else max(flexible * 3 // 5, 12)
        out = []
        for key, label, w in columns:
            if key == "root":
                w = root_width
            elif key == "services":
                w = max(flexible - root_width, 8)
            assert w is not None
            out.append((key, label, w))
        return out

    def _add_columns(self) -> None:
        for key, label, w in self._columns():
            self.add_column(self._label(key, label), key=key, width=w)

    def _label(self, key: str, label: str) -> Text:
        if SORT_COLUMN.get(self.sort_key) == key:
            return Text(label + (" ▼" if self.sort_reverse else " ▲"), style="bold")
        return Text(label)

    def on_resize(self) -> None:
        # Column widths follow the terminal; rebuild columns and rows (a few hundred at most).
        if self.columns:
            self.show(self.summaries)

    def show(self, summaries: list[TraceSummary]) -> None:
        """Replace the rows with ``summaries`` (sorted by the current key), keeping the cursor's trace."""
        current = self.current_trace_id
        self.summaries = sorted(summaries, key=SORT_KEYS[self.sort_key], reverse=self.sort_reverse)
        self.clear(columns=True)
        self._add_columns()
        wide = "services" in {str(key.value) for key in self.columns}
        for s in self.summaries:
            root = f"{s.root_service}: {s.root_operation}" if s.root_operation else s.root_service
            errors = (
                Text(str(s.error_count), style=f"bold {self.error_colour}") if s.error_count else Text("0")
            )
            cells: list[Any] = [
                format_start(s.start, self.now),
                Text(root),
                Text(format_micros(s.duration_us), justify="right"),
                Text(str(s.span_count), justify="right"),
                errors,
            ]
            if wide:
                cells.append(Text(", ".join(s.services)))
            self.add_row(*cells, key=s.trace_id)
        ids = [s.trace_id for s in self.summaries]
        if current in ids:
            self.move_cursor(row=ids.index(current), animate=False)
        # Textual 8.2.8 caches rendered rows by row key; re-added keys would be drawn at the old
        # column widths (see ui/screens/sources.py). Textual is pinned exactly.
        self._clear_caches()

    @property
    def current_trace_id(self) -> str | None:
        """Trace under the cursor."""
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def sort_by(self, key: SortKey) -> None:
        """Sort by ``key``; the same key again reverses the order."""
        if key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key = key
            self.sort_reverse = True
        self.show(self.summaries)

    @property
    def current_summary(self) -> TraceSummary | None:
        """Summary of the trace under the cursor."""
        if not self.row_count:
            return None
        return self.summaries[min(self.cursor_row, len(self.summaries) - 1)]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.TraceChosen(str(event.row_key.value)))
