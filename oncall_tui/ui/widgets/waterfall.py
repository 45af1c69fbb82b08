"""The trace waterfall: a Line API widget that draws only the rows on screen.

``Waterfall`` is a :class:`~textual.scroll_view.ScrollView` whose virtual height is the number of
visible rows of a :class:`~oncall_tui.domain.waterfall.WaterfallView`. ``render_line`` builds one
:class:`~textual.strip.Strip` per screen line on demand, from an LRU cache keyed on
``(node, width, selected, view version, match version, theme version)``, so moving the cursor
re-renders two rows and scrolling a page renders one page, whatever the size of the trace.

Colours come only from theme variables (:class:`WaterfallPalette`): services take a palette
derived from ``$primary``, ``$secondary``, ``$accent``, ``$success`` and ``$warning`` (and their
lighter/darker shades); error spans use ``$span-error``, the critical path ``$critical-path``.

Row layout (left to right)::

    ┃ ▾ ✖ service operation +12   │        ███━━━━━━ 45.2ms
    │ │ │                          └ timeline: bar to scale, critical sections as ━, duration
    │ │ └ marks: ✖ error, ↷ FOLLOWS_FROM parent, ≈ clock skew, ? missing parent
    │ └ ▾ expanded, ▸ collapsed (+hidden count), · leaf
    └ ┃ span is on the critical path
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.events import Click, Resize
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from oncall_tui.domain.traces import TraceAnalysis
from oncall_tui.domain.waterfall import WaterfallView
from oncall_tui.ui.widgets.line_cache import LineCache
from oncall_tui.ui.widgets.waterfall_render import WaterfallLayout, WaterfallPalette, WaterfallRenderer

CACHE_SIZE = 2048
"""Rendered rows kept; a few screens' worth, so scrolling back and forth never re-renders."""


class Waterfall(ScrollView, can_focus=True, inherit_bindings=False):
    """A trace waterfall; the screen owns the keys and calls the methods below.

    Bindings are deliberately not inherited from ScrollView: the screen's table (in
    ``ui/bindings.py``) drives the cursor, so the help screen lists every key.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = set()
    DEFAULT_CSS = """
    Waterfall {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        background: $background;
    }
    Waterfall:focus { background-tint: $foreground 0%; }
    """

    cursor_row: reactive[int] = reactive(0, init=False, repaint=False)
    """Index of the selected row in the visible rows (no repaint of its own: the watcher
    repaints the two rows that change, and a scroll that follows repaints the rest)."""

    @dataclass
    class CursorMoved(Message):
        """The selected node changed (or the view under it did)."""

        waterfall: Waterfall
        """The sender."""
        node: int
        """The node now under the cursor."""

        def can_replace(self, message: Message) -> bool:
            # Only the latest selection matters to the detail pane.
            return isinstance(message, Waterfall.CursorMoved)

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._view: WaterfallView | None = None
        self._view_version = 0
        self._matches: frozenset[int] = frozenset()
        self._match_version = 0
        self._theme_version = 0
        self._palette: WaterfallPalette | None = None
        self._renderer: WaterfallRenderer | None = None
        self._zoom: tuple[int, int] | None = None
        self._cache: LineCache[Strip] = LineCache(CACHE_SIZE)

    # ------------------------------------------------------------------ state
    @property
    def view(self) -> WaterfallView | None:
        """The current view (None until a trace is shown)."""
        return self._view

    @property
    def analysis(self) -> TraceAnalysis | None:
        """The trace shown."""
        return self._view.analysis if self._view is not None else None

    @property
    def cursor_node(self) -> int | None:
        """Node under the cursor."""
        view = self._view
        if view is None or not len(view):
            return None
        return view.visible[min(self.cursor_row, len(view) - 1)]

    @property
    def palette(self) -> WaterfallPalette:
        """The active theme's palette (rebuilt when the theme changes)."""
        if self._palette is None:
            self._palette = WaterfallPalette.from_variables(self.app.theme_variables)
        return self._palette

    @property
    def renderer(self) -> WaterfallRenderer | None:
        """Row renderer of the current trace and theme."""
        if self._renderer is None and self._view is not None:
            self._renderer = WaterfallRenderer(self._view.analysis, self.palette, self._zoom)
        return self._renderer

    @property
    def zoom(self) -> tuple[int, int] | None:
        """Time window (µs since the epoch) the timeline is zoomed to; None = the whole trace."""
        return self._zoom

    def set_zoom(self, window: tuple[int, int] | None) -> None:
        """Zoom the timeline to ``window`` (``(start_us, end_us)``), or back to the whole trace."""
        if window == self._zoom:
            return
        self._zoom = window
        self._renderer = None
        self._cache.clear()
        self._view_version += 1
        self.refresh()

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self, _theme: str) -> None:
        self._reset_theme()
        # The app recomputes its theme variables on the CSS refresh that follows: read them again then.
        self.call_after_refresh(self._reset_theme)

    def _reset_theme(self) -> None:
        self._palette = None
        self._renderer = None
        self._theme_version += 1
        self._cache.clear()
        self.refresh()

    def set_view(self, view: WaterfallView, *, node: int | None = None) -> None:
        """Show ``view``; keep the cursor on ``node`` (default: the node under it now) when visible."""
        keep = node if node is not None else self.cursor_node
        if self._view is None or view.analysis is not self._view.analysis:
            self._renderer = None
            self._zoom = None
            self._cache.clear()
            self._matches = frozenset()
        self._view = view
        self._view_version += 1
        self.virtual_size = Size(self.scrollable_content_region.width, len(view))
        row = view.row_of(keep) if keep is not None else None
        target = row if row is not None else min(self.cursor_row, max(len(view) - 1, 0))
        if target != self.cursor_row:
            self.cursor_row = target
        else:
            self._scroll_to_cursor()
            self._post_cursor()
        self.refresh()

    def set_matches(self, nodes: frozenset[int]) -> None:
        """Highlight ``nodes`` (search matches); an empty set clears the highlight."""
        if nodes == self._matches:
            return
        self._matches = nodes
        self._match_version += 1
        self.refresh()

    @property
    def matches(self) -> frozenset[int]:
        """Nodes highlighted as search matches."""
        return self._matches

    # ----------------------------------------------------------------- cursor
    def validate_cursor_row(self, row: int) -> int:
        size = len(self._view) if self._view is not None else 0
        return min(max(row, 0), max(size - 1, 0))

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self._scroll_to_cursor()
        self._post_cursor()

    def _post_cursor(self) -> None:
        node = self.cursor_node
        if node is not None:
            self.post_message(self.CursorMoved(self, node))

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = round(self.scroll_offset.y)
        row = self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)

    def move_cursor(self, delta: int) -> None:
        """Move the cursor ``delta`` rows (clamped)."""
        self.cursor_row = self.cursor_row + delta

    def page(self, direction: int) -> None:
        """Scroll one page up (-1) or down (+1), the cursor moving with it."""
        height = max(self.scrollable_content_region.height - 1, 1)
        offset = self.cursor_row - round(self.scroll_offset.y)
        self.scroll_to(y=self.scroll_offset.y + direction * height, animate=False, immediate=True)
        self.cursor_row = round(self.scroll_offset.y) + offset if direction else self.cursor_row
        self._scroll_to_cursor()

    def go_to_row(self, row: int) -> None:
        """Put the cursor on visible row ``row`` (clamped)."""
        self.cursor_row = row

    def go_to_node(self, node: int) -> bool:
        """Put the cursor on ``node``, expanding collapsed ancestors; False when it is not in the trace."""
        view = self._view
        if view is None or not 0 <= node < view.analysis.node_count:
            return False
        row = view.row_of(node)
        if row is None:
            view = view.reveal(node)
            self.set_view(view, node=node)
            row = view.row_of(node)
        if row is not None:
            self.jump_to_row(row)
        return row is not None

    def jump_to_row(self, row: int) -> None:
        """Put the cursor on ``row``; when that is off screen, scroll it to mid-screen.

        Jumps (n/N, p) land mid-screen so the context around the target is visible; plain cursor
        moves only scroll as far as needed.
        """
        height = self.scrollable_content_region.height
        top = round(self.scroll_offset.y)
        if not top <= row < top + height:
            self.scroll_to(y=max(row - height // 2, 0), animate=False, immediate=True)
        if row == self.cursor_row:
            self._scroll_to_cursor()
            self._post_cursor()
        self.cursor_row = row

    def on_click(self, event: Click) -> None:
        # Keyboard first, but a click on a row selects it.
        view = self._view
        row = round(self.scroll_offset.y) + event.y
        if view is not None and 0 <= row < len(view):
            self.cursor_row = row

    # ----------------------------------------------------------------- render
    def on_resize(self, event: Resize) -> None:
        if self._view is not None:
            self.virtual_size = Size(self.scrollable_content_region.width, len(self._view))
        self._scroll_to_cursor()

    @property
    def cache_hits(self) -> int:
        """Rows served from the cache (for the benchmark and tests)."""
        return self._cache.hits

    @property
    def cache_misses(self) -> int:
        """Rows rendered (for the benchmark and tests)."""
        return self._cache.misses

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        view = self._view
        row_index = round(self.scroll_offset.y) + y
        if view is None or row_index >= len(view) or width <= 0:
            return Strip.blank(width, self.rich_style)
        node = view.visible[row_index]
        selected = row_index == self.cursor_row
        key = (node, width, selected, self._view_version, self._match_version, self._theme_version)
        strip = self._cache.get(key)
        if strip is not None:
            return strip
        renderer = self.renderer
        assert renderer is not None
        row = view.row(row_index)
        strip = renderer.render(row, WaterfallLayout.for_width(width), selected, node in self._matches)
        self._cache.put(key, strip)
        return strip


class WaterfallRuler(Widget):
    """One line above the waterfall: column header and the time axis, aligned with the bars."""

    DEFAULT_CSS = """
    WaterfallRuler { height: 1; background: $background; }
    """

    def __init__(self, waterfall: Waterfall, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._waterfall = waterfall

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self, _theme: str) -> None:
        self.refresh()

    def render_line(self, y: int) -> Strip:
        renderer = self._waterfall.renderer
        width = self.size.width
        if renderer is None or y != 0:
            return Strip.blank(width, self.rich_style)
        # Follow the waterfall's split (its width excludes the scrollbar).
        layout = WaterfallLayout.for_width(self._waterfall.scrollable_content_region.width or width)
        ruler = renderer.ruler(layout, " service · operation").adjust_cell_length(width)
        return ruler.apply_style(self.rich_style)
