"""The alert queue: a virtual list (Textual's Line API) keyed by fingerprint.

:class:`AlertTable` is a :class:`~textual.scroll_view.ScrollView` whose virtual height is the
number of rows plus the column header line. :meth:`AlertTable.apply` only replaces the list of
row models and the key -> index dict (O(rows) list work, a few ms for 10,000 rows) and asks
for a repaint. ``render_line`` builds a :class:`~textual.strip.Strip` for the rows actually on
screen, from an LRU cache keyed on ``(row key, width, cursor/focus, selection mark, fold mark,
theme, context epoch, row version)``, so moving the cursor re-renders two rows and a page of
scrolling renders one page, whatever the size of the queue.

The row version is the row object's identity (a poll hands over new row objects); the context
epoch changes when what the cells are computed from does (the clock tick, a new feed state,
the theme's colours). Time-dependent cells (age, time left, countdowns) therefore follow the
once-a-second tick (:meth:`AlertTable.refresh_times`) for the rows on screen only.

The cursor and the multi-selection are kept by key: after a poll the cursor stays on its
alert (and at the same place on screen); selected alerts stay selected while they are in the
view. The rows a poll replaces are released a slice at a time (freeing 10,000 alerts at once
is a pause of its own). Colours come only from theme variables (the cells'
``RowContext.colours`` and the component classes below).
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import BindingType
from textual.events import Click, Resize
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from oncall_tui.domain.alert_queue import AlertRow, QueueView
from oncall_tui.ui.bindings import ALERT_TABLE_BINDINGS
from oncall_tui.ui.formatting import RowContext
from oncall_tui.ui.widgets.alert_cells import (
    COLUMNS,
    Row,
    column_widths,
    render_cells,
    row_cells,
)
from oncall_tui.ui.widgets.line_cache import LineCache

CACHE_SIZE = 1024
"""Rendered rows kept (LRU): several screens' worth, so scrolling back and forth never re-renders."""
BURY_SLICE = 500
"""Replaced rows released per event-loop turn (about 1 ms of freeing)."""


class AlertTable(ScrollView, can_focus=True, inherit_bindings=False):
    """Groups and alerts in queue order; row key = fingerprint (alerts) or ``group:…`` (groups).

    The first line is the column header; rows follow, the cursor row highlighted.
    """

    BINDINGS: ClassVar[list[BindingType]] = ALERT_TABLE_BINDINGS
    KEYS_TITLE: ClassVar[str] = "queue"
    """The section of ``?`` that lists these keys."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"alert-table--header", "alert-table--cursor"}

    DEFAULT_CSS = """
    AlertTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 0;
        &:focus {
            background-tint: $foreground 5%;
            & > .alert-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .alert-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .alert-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    cursor_row: reactive[int] = reactive(0, init=False, repaint=False)
    """Index of the highlighted row (no repaint of its own: the watcher repaints the two rows
    that change, and a scroll that follows repaints the rest)."""

    @dataclass
    class RowHighlighted(Message):
        """The row under the cursor changed (moved, or another row came under it)."""

        table: AlertTable
        """The sender."""
        key: str | None
        """Key of the highlighted row."""

        @property
        def control(self) -> AlertTable:
            return self.table

        def can_replace(self, message: Message) -> bool:
            # Only the latest highlight matters to the detail pane.
            return isinstance(message, AlertTable.RowHighlighted)

    @dataclass
    class RowSelected(Message):
        """Enter (or a click on the highlighted row) on a row."""

        table: AlertTable
        """The sender."""
        key: str
        """Key of the row."""

        @property
        def control(self) -> AlertTable:
            return self.table

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.selected: set[str] = set()
        """Fingerprints picked with space (kept across polls while the alerts exist)."""
        self.collapsed: set[str] = set()
        """Group keys whose alerts are hidden."""
        self.view: QueueView | None = None
        """The view shown."""
        self._rows: list[Row] = []
        self._order: list[str] = []
        self._index: dict[str, int] = {}
        self._graveyard: list[list[Row]] = []
        self._ctx: RowContext | None = None
        self._ctx_marks: tuple[object, ...] = ()
        self._epoch = 0
        self._theme_version = 0
        self._cache: LineCache[tuple[Row, Strip, Hashable]] = LineCache(CACHE_SIZE)
        self._drawn: LineCache[Strip] = LineCache(CACHE_SIZE)
        self._shown: dict[int, Hashable] = {}
        """What each line on screen looked like when last drawn (a tick redraws those that change)."""
        """Lines by what their cells read (text, styles) and how they are drawn."""

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self, _theme: str) -> None:
        self._reset_theme()
        # The app recomputes its theme variables on the CSS refresh that follows: read them again then.
        self.call_after_refresh(self._reset_theme)

    def _reset_theme(self) -> None:
        self._theme_version += 1
        if self._ctx is not None:
            self._ctx.colours = self.app.theme_variables
        self._cache.clear()
        self._drawn.clear()
        self.refresh()

    # --- lookups -----------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Rows shown (group headers included)."""
        return len(self._order)

    @property
    def cursor_key(self) -> str | None:
        """Key of the highlighted row."""
        if not self._order:
            return None
        return self._order[min(self.cursor_row, len(self._order) - 1)]

    def row_for(self, key: str | None) -> Row | None:
        """The queue row shown under ``key``."""
        if key is None:
            return None
        index = self._index.get(key)
        return self._rows[index] if index is not None else None

    @property
    def current(self) -> Row | None:
        """The highlighted queue row."""
        return self.row_for(self.cursor_key)

    @property
    def keys(self) -> list[str]:
        """Row keys in display order."""
        return list(self._order)

    def selected_rows(self) -> list[AlertRow]:
        """Selected alerts still in the view, in queue order."""
        if self.view is None:
            return []
        return [r for r in self.view.alert_rows() if r.key in self.selected]

    def cell_text(self, key: str, column: str) -> str:
        """Plain text of one cell as shown now (tests and the benchmark read the table through this)."""
        row = self.row_for(key)
        if row is None or self._ctx is None:
            raise KeyError(key)
        index = [c for c, _, _ in COLUMNS].index(column)
        self._ctx.selected = self.selected
        return row_cells(row, self._ctx)[index].plain

    # --- updating ----------------------------------------------------------------------------

    def _set_context(self, ctx: RowContext) -> None:
        """Use ``ctx`` for the cells; a context that renders differently starts a new epoch."""
        ctx.selected = self.selected
        ctx.collapsed = self.collapsed
        old = self._ctx
        # By identity (the feed replaces its state, never mutates it): comparing a state or the
        # groups by value would walk every alert of the poll.
        marks = (ctx.state, ctx.policy, ctx.settings, ctx.am_groups)
        if (
            old is None
            or ctx.now != old.now
            or any(a is not b for a, b in zip(marks, self._ctx_marks, strict=True))
            or (ctx.colours is not old.colours and ctx.colours != old.colours)
        ):
            self._epoch += 1
        self._ctx = ctx
        self._ctx_marks = marks

    def apply(self, view: QueueView, ctx: RowContext) -> None:
        """Show ``view``: replace the row list, keep cursor and selection by key, repaint."""
        old_key = self.cursor_key
        old_index = self.cursor_row
        old_scroll = self.scroll_y
        # Computed once per view (the default view's in the poll's thread): the event loop only
        # swaps lists, whatever the number of alerts.
        layout = view.layout(self.collapsed)
        rows, order, index = layout.rows, layout.order, layout.index
        self.view = view
        if self.selected:
            # Selected alerts no longer in the view (gone from the poll, or filtered out) are dropped.
            everything = view.layout().index
            self.selected.difference_update([key for key in self.selected if key not in everything])
        old_rows = self._rows
        self._rows = rows
        self._order = order
        self._index = index
        if old_rows and old_rows[0] is not (rows[0] if rows else None):
            # After a poll these are often the last references to the previous poll's 10,000
            # alerts: freeing them at once is a 15 ms pause. Let them go a slice at a time.
            self._graveyard.append(list(old_rows))  # a copy: the view's layout keeps its own list
            if len(self._graveyard) == 1:
                asyncio.get_running_loop().call_soon(self._bury)
        self._set_context(ctx)
        self.virtual_size = Size(self.size.width, len(order) + 1)
        if order:
            if old_key is not None and old_key in index:
                new_index = index[old_key]
            else:
                new_index = min(old_index, len(order) - 1)
        else:
            new_index = 0
        if new_index != old_index:
            # Keep the highlighted row where it was on screen: scroll by as much as it moved.
            self.set_reactive(AlertTable.cursor_row, new_index)
            self.scroll_to(y=max(0.0, old_scroll + new_index - old_index), animate=False, immediate=True)
        self._scroll_to_cursor()
        if self.cursor_key != old_key:
            self._post_highlight()
        self.refresh()

    def _bury(self) -> None:
        """Drop the references to one slice of replaced rows; again later until none are left."""
        graveyard = self._graveyard
        if not graveyard:
            return
        rows = graveyard[0]
        del rows[-BURY_SLICE:]
        if not rows:
            graveyard.pop(0)
        if graveyard:
            # A loop callback of its own each time (a message would be handled in the same step).
            asyncio.get_running_loop().call_soon(self._bury)

    def refresh_times(self, ctx: RowContext) -> None:
        """Repaint with ``ctx`` (its time): only the rows on screen whose text changed (an age, a
        countdown) are drawn again, and only their lines are sent to the compositor."""
        self._set_context(ctx)
        width = self.size.width
        content = self.scrollable_content_region.width
        if content <= 0 or not self._shown:
            self.refresh()
            return
        base = self.rich_style
        focus = self.has_focus
        top = round(self.scroll_y)
        for y, shown in list(self._shown.items()):
            index = top + y - 1
            if not 0 <= index < len(self._rows):
                self.refresh()
                return
            cursor = index == self.cursor_row
            _, looks = self._looks(self._rows[index], cursor and (1 + focus), width, content, base)
            if looks != shown:
                self.refresh_line(top + y)

    def redraw(self, ctx: RowContext) -> None:
        """Repaint after the selection, the folds or the theme changed.

        The selection and fold marks are part of each row's cache key, and a context that renders
        differently (the theme's colours) starts a new epoch: a repaint is enough.
        """
        self._set_context(ctx)
        self.refresh()

    def move_to(self, key: str) -> None:
        """Put the cursor on ``key`` if it is shown."""
        index = self._index.get(key)
        if index is not None:
            self.cursor_row = index

    def move_cursor(self, *, row: int, animate: bool = False, scroll: bool = True) -> None:
        """Put the cursor on row ``row`` (clamped), scrolling it into view unless ``scroll`` is False."""
        del animate  # rows are one line each: nothing to animate
        if scroll:
            self.cursor_row = row
        else:
            self.set_reactive(AlertTable.cursor_row, self.validate_cursor_row(row))
            self.refresh()
            self._post_highlight()

    # --- cursor ------------------------------------------------------------------------------

    @property
    def _page_height(self) -> int:
        """Rows on screen (the header takes one line)."""
        return max(self.scrollable_content_region.height - 1, 1)

    def validate_cursor_row(self, row: int) -> int:
        return min(max(row, 0), max(len(self._order) - 1, 0))

    def watch_cursor_row(self, old: int, new: int) -> None:
        # Only the two rows change (virtual line = row + 1, under the header); a scroll that
        # follows repaints the rest.
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self._scroll_to_cursor()
        self._post_highlight()

    def _post_highlight(self) -> None:
        self.post_message(self.RowHighlighted(self, self.cursor_key))

    def _scroll_to_cursor(self) -> None:
        if self.scrollable_content_region.height <= 1:
            return
        height = self._page_height
        top = round(self.scroll_y)
        row = self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_page_up(self) -> None:
        height = self._page_height
        self.scroll_to(y=self.scroll_y - height, animate=False, immediate=True)
        self.cursor_row -= height

    def action_page_down(self) -> None:
        height = self._page_height
        self.scroll_to(y=self.scroll_y + height, animate=False, immediate=True)
        self.cursor_row += height

    def action_first(self) -> None:
        self.cursor_row = 0

    def action_last(self) -> None:
        self.cursor_row = len(self._order) - 1

    def action_select_cursor(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def on_click(self, event: Click) -> None:
        # Keyboard first, but a click on a row highlights it (a second click opens it).
        if event.y < 1:
            return
        row = round(self.scroll_y) + event.y - 1
        if 0 <= row < len(self._order):
            if row == self.cursor_row:
                self.action_select_cursor()
            else:
                self.cursor_row = row

    # --- rendering ---------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        self._shown.clear()  # other lines, other widths: the next ticks repaint in full until drawn
        self.virtual_size = Size(event.size.width, len(self._order) + 1)
        self._scroll_to_cursor()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        content = self.scrollable_content_region.width
        if content <= 0:
            return Strip.blank(max(content, 0))
        widths = column_widths(width)
        # The table's own colours (background, foreground, focus tint) under every cell: a Line API
        # widget gets no background from its styles, and the terminal's default (dark in most
        # terminals) would show through in a light theme.
        base = self.rich_style
        if y == 0:
            return self._header(widths, content, base)
        index = round(self.scroll_y) + y - 1
        ctx = self._ctx
        if ctx is None or not 0 <= index < len(self._rows):
            return Strip.blank(content, base)
        row = self._rows[index]
        key = row.key
        cursor = index == self.cursor_row
        if isinstance(row, AlertRow):
            marks: Any = key in self.selected
        else:
            marks = (key in self.collapsed, sum(1 for r in row.alerts if r.key in self.selected))
        focus = self.has_focus
        cache_key = (
            key,
            width,
            content,
            cursor and (1 + focus),
            marks,
            self._theme_version,
            base,
            self._epoch,
            # The row's version is the row object itself: a poll hands over new ones. The entry
            # keeps it alive, so its id cannot be reused by another row meanwhile.
            id(row),
        )
        hit = self._cache.get(cache_key)
        if hit is not None and hit[0] is row:
            self._shown[y] = hit[2]
            return hit[1]
        cells, looks = self._looks(row, cursor and (1 + focus), width, content, base)
        drawn = self._drawn.get(looks)
        if drawn is None:
            pre, post = base, None
            if cursor:
                pre = base + self.get_component_rich_style("alert-table--cursor")
                # As in DataTable: the cursor's foreground wins over the cells' colours.
                post = Style(color=pre.color) if pre.color is not None else None
            drawn = render_cells(cells, widths, content, pre, post)
            self._drawn.put(looks, drawn)
        self._cache.put(cache_key, (row, drawn, looks))
        self._shown[y] = looks
        return drawn

    def _looks(
        self, row: Row, cursor: int | bool, width: int, content: int, base: Style
    ) -> tuple[tuple[Text, ...], Hashable]:
        """The row's cells now, and what its line looks like: what the cells read and how they are
        drawn. A new epoch (the clock ticked) changes few rows' text; the cells are cheap to build,
        the line is not (25-35 ms for a screenful under load, once a second, and a key waited for
        it): rows that look the same keep their line."""
        ctx = self._ctx
        assert ctx is not None
        ctx.selected = self.selected
        ctx.collapsed = self.collapsed
        cells = row_cells(row, ctx)
        looks = (
            tuple((cell.plain, cell.style, tuple(cell.spans)) for cell in cells),
            width,
            content,
            cursor,
            self._theme_version,
            base,
        )
        return cells, looks

    def _header(self, widths: tuple[int, ...], width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("alert-table--header")
        titles = tuple(Text(title) for _, title, _ in COLUMNS)
        return render_cells(titles, widths, width, style, None)
