"""A dashboard's panels as a grid that reflows to the terminal, drawn with Textual's Line API.

Each panel is four lines: title and current value (coloured by its threshold state), the sparkline
(one column per step), min/max or the panel's error/stale reason, and a spacer. Panels are at least
:data:`MIN_PANEL_WIDTH` wide, so 80 columns hold two and 120 hold three; at 80x24 that is ten panels
on screen, at 120x40 twenty-seven.

Only what changed is drawn again: :meth:`PanelGrid.set_panel` ignores data equal to what the panel
shows, and otherwise refreshes just that panel's region; each panel's four strips are cached by
(data, width, focus, theme). Colours come only from the component classes below, which point at
theme variables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import BindingType
from textual.events import Click, Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from oncall_tui.domain.panel_data import PanelData
from oncall_tui.domain.sparkline import render
from oncall_tui.domain.units import common_scale, format_in_scale, format_value
from oncall_tui.ui.bindings import PANEL_GRID_BINDINGS

PANEL_HEIGHT = 4
"""Lines per panel, the spacer included."""
MIN_PANEL_WIDTH = 38
"""Narrowest panel: room for a title, a value with its unit and a useful sparkline."""
GUTTER = 2
"""Blank columns to the right of each panel."""


def columns_for(width: int) -> int:
    """How many panels fit side by side in ``width`` columns."""
    return max(1, width // MIN_PANEL_WIDTH)


def panel_width(width: int) -> int:
    """Width of each panel (gutter included) for a grid ``width`` columns wide."""
    return max(1, width // columns_for(width))


def panels_per_screen(width: int, height: int) -> int:
    """How many panels a grid of this size shows at once (partly shown ones included)."""
    return columns_for(width) * max(1, -(-height // PANEL_HEIGHT))


def sparkline_columns(width: int) -> int:
    """Sparkline columns (= points fetched per series) of a panel in a grid ``width`` wide."""
    return max(2, panel_width(width) - GUTTER)


@dataclass(frozen=True, slots=True)
class PanelSlot:
    """What the grid knows of one panel: its title until data comes, then its latest data."""

    title: str
    """Panel title (shown before the first data)."""
    data: PanelData | None = None
    """Latest data (None while loading)."""


def _trend(data: PanelData) -> str:
    head = data.headline
    if data.kind != "stat" or head is None or head.current is None or head.first is None:
        return ""
    return " →" if head.current == head.first else (" ↑" if head.current > head.first else " ↓")


class PanelGrid(ScrollView, can_focus=True):
    """The panels of one dashboard; one panel has the focus cursor."""

    DEFAULT_CSS = """
    PanelGrid { height: 1fr; }
    PanelGrid > .panel--title { text-style: bold; }
    PanelGrid > .panel--focus { background: $boost; color: $accent; text-style: bold reverse; }
    PanelGrid > .panel--ok { color: $success; }
    PanelGrid > .panel--warning { color: $severity-warning; text-style: bold; }
    PanelGrid > .panel--critical { color: $threshold-breach; text-style: bold; }
    PanelGrid > .panel--unknown { color: $text-muted; }
    PanelGrid > .panel--stale { color: $stale; }
    PanelGrid > .panel--spark { color: $primary; }
    PanelGrid > .panel--muted { color: $text-muted; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "panel--title",
        "panel--focus",
        "panel--ok",
        "panel--warning",
        "panel--critical",
        "panel--unknown",
        "panel--stale",
        "panel--spark",
        "panel--muted",
    }

    BINDINGS: ClassVar[list[BindingType]] = PANEL_GRID_BINDINGS
    KEYS_TITLE: ClassVar[str] = "panels"
    """The section of ``?`` that lists these keys."""

    focused_index: reactive[int] = reactive(0, init=False)
    """Index of the panel with the focus cursor."""

    class Opened(Message):
        """``enter`` on a panel: open its drill-down."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index
            """Index of the panel."""

    class Scrolled(Message):
        """The panels on screen changed (scroll, resize, another dashboard)."""

        def __init__(self, visible: frozenset[int]) -> None:
            super().__init__()
            self.visible = visible
            """Indexes of the panels at least partly on screen."""

    class Resized(Message):
        """The grid's size changed: panels are fetched with this many columns, this many fit a screen."""

        def __init__(self, columns: int, per_screen: int) -> None:
            super().__init__()
            self.columns = columns
            """Points per series to fetch."""
            self.per_screen = per_screen
            """Panels one screen shows."""

    def __init__(self) -> None:
        super().__init__()
        self._slots: list[PanelSlot] = []
        self._cache: dict[int, tuple[tuple[object, ...], list[Strip]]] = {}
        self._theme_version = 0
        self._pending: dict[int, Region] = {}
        self._visible: frozenset[int] = frozenset()
        self._flush_scheduled = False
        self.repaints = 0
        """Panels drawn again since mount (tests and benchmarks read it)."""

    # --- data --------------------------------------------------------------------------------

    @property
    def slots(self) -> Sequence[PanelSlot]:
        """Every panel, in reading order."""
        return self._slots

    def set_titles(self, titles: Sequence[str]) -> None:
        """Start over with panels of these titles and no data (another dashboard)."""
        self._slots = [PanelSlot(t) for t in titles]
        self._cache.clear()
        self.focused_index = 0
        self._resize_virtual()
        self.scroll_to(0, 0, animate=False)
        self.refresh()
        self.call_after_refresh(self._report_visible)

    def set_panel(self, index: int, data: PanelData) -> bool:
        """Show new data for panel ``index``; returns False (and draws nothing) when nothing changed."""
        if not 0 <= index < len(self._slots):
            return False
        slot = self._slots[index]
        if data.same_picture(slot.data):
            return False
        _, width = self._grid()
        before = self._panel_strips(index, width)
        self._slots[index] = PanelSlot(slot.title, data)
        self._cache.pop(index, None)
        after = self._panel_strips(index, width)
        self._refresh_changes(index, before, after)
        return True

    # --- geometry ----------------------------------------------------------------------------

    def _grid(self) -> tuple[int, int]:
        width = self.scrollable_content_region.width or self.size.width
        return columns_for(width), panel_width(width)

    def panel_region(self, index: int) -> Region:
        """Where panel ``index`` is inside the widget's virtual (scrollable) area."""
        columns, width = self._grid()
        row, column = divmod(index, columns)
        return Region(column * width, row * PANEL_HEIGHT, width, PANEL_HEIGHT)

    def visible_indexes(self) -> list[int]:
        """Indexes of the panels at least partly on screen."""
        columns, _ = self._grid()
        first_row = int(self.scroll_y) // PANEL_HEIGHT
        last_row = (int(self.scroll_y) + max(self.size.height, 1) - 1) // PANEL_HEIGHT
        return [i for i in range(first_row * columns, (last_row + 1) * columns) if i < len(self._slots)]

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if int(old_value) // PANEL_HEIGHT != int(new_value) // PANEL_HEIGHT:
            self._report_visible()

    def _report_visible(self) -> None:
        visible = frozenset(self.visible_indexes())
        if visible != self._visible:
            self._visible = visible
            self.post_message(self.Scrolled(visible))

    def _resize_virtual(self) -> None:
        columns, _ = self._grid()
        rows = -(-len(self._slots) // columns)
        self.virtual_size = Size(self.size.width, rows * PANEL_HEIGHT)

    def on_resize(self, event: Resize) -> None:
        self.post_message(self.Resized(sparkline_columns(event.size.width), panels_per_screen(*event.size)))
        self._cache.clear()
        self._resize_virtual()
        self.call_after_refresh(self._report_visible)

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self, _theme: str) -> None:
        self._theme_version += 1
        self._cache.clear()
        self.call_after_refresh(self.refresh)

    def _refresh_changes(self, index: int, before: list[Strip], after: list[Strip]) -> None:
        """Refresh only the cells that differ, line by line: the terminal gets just what changed."""
        origin = self.panel_region(index).translate((-int(self.scroll_x), -int(self.scroll_y)))
        screen = Region(0, 0, self.size.width, self.size.height)
        changed = False
        for line, (old, new) in enumerate(zip(before, after, strict=True)):
            span = _changed_span(old, new)
            if span is None:
                continue
            region = Region(origin.x + span[0], origin.y + line, span[1] - span[0] + 1, 1)
            if region.overlaps(screen):
                changed = True
                # One region per line: Textual writes each region of a line from the line's start,
                # so two panels changing on one line must be one region, not two.
                y = region.y
                self._pending[y] = region if y not in self._pending else self._pending[y].union(region)
        if changed:
            self.repaints += 1
            if not self._flush_scheduled:
                self._flush_scheduled = True
                self.call_later(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        regions = list(self._pending.values())
        self._pending.clear()
        if regions:
            self.refresh(*regions)

    def _refresh_panel(self, index: int) -> None:
        region = self.panel_region(index).translate((-int(self.scroll_x), -int(self.scroll_y)))
        if region.overlaps(Region(0, 0, self.size.width, self.size.height)):
            self.repaints += 1
            self.refresh(region)

    # --- focus -------------------------------------------------------------------------------

    def watch_focused_index(self, old: int, new: int) -> None:
        self._cache.pop(old, None)
        self._cache.pop(new, None)
        self._refresh_panel(old)
        self._refresh_panel(new)
        self.scroll_to_region(self.panel_region(new), animate=False)

    def action_move(self, delta: int) -> None:
        if self._slots:
            self.focused_index = (self.focused_index + delta) % len(self._slots)

    def action_move_row(self, delta: int) -> None:
        columns, _ = self._grid()
        target = self.focused_index + delta * columns
        if 0 <= target < len(self._slots):
            self.focused_index = target

    def action_edge(self, end: int) -> None:
        if self._slots:
            self.focused_index = len(self._slots) - 1 if end else 0

    def action_open(self) -> None:
        if self._slots:
            self.post_message(self.Opened(self.focused_index))

    def on_click(self, event: Click) -> None:
        columns, width = self._grid()
        row = (event.y + int(self.scroll_y)) // PANEL_HEIGHT
        index = row * columns + min(columns - 1, event.x // width)
        if 0 <= index < len(self._slots):
            self.focused_index = index

    # --- drawing -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        columns, width = self._grid()
        content = self.scrollable_content_region.width
        line = int(self.scroll_y) + y
        row, offset = divmod(line, PANEL_HEIGHT)
        strips = [
            self._panel_strips(row * columns + column, width)[offset]
            if row * columns + column < len(self._slots)
            else Strip.blank(width)
            for column in range(columns)
        ]
        joined = Strip.join(strips).extend_cell_length(content).crop(0, content).simplify()
        # The widget's own colours under the panels' (segments only set what they mean).
        return joined.apply_style(self.rich_style)

    def _panel_strips(self, index: int, width: int) -> list[Strip]:
        slot = self._slots[index]
        focused = index == self.focused_index
        key = (id(slot.data), slot.title, width, focused and (1 + self.has_focus), self._theme_version)
        hit = self._cache.get(index)
        if hit is not None and hit[0] == key:
            return hit[1]
        strips = self._draw(slot, width, focused)
        self._cache[index] = (key, strips)
        return strips

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"panel--{name}")

    def _draw(self, slot: PanelSlot, width: int, focused: bool) -> list[Strip]:
        inner = max(1, width - GUTTER)
        data = slot.data
        title_style = self._style("focus") if focused and self.has_focus else self._style("title")
        marker = "▌" if focused else " "
        if data is None:
            top = [Segment(marker, title_style), Segment(slot.title[: inner - 1], title_style)]
            return [
                _fit(top, width),
                _fit([Segment(" loading…", self._style("muted"))], width),
                Strip.blank(width),
                Strip.blank(width),
            ]
        state = "stale" if data.stale else data.state
        value = format_value(data.headline.current if data.headline else None, data.unit, data.decimals)
        value += _trend(data)
        if data.stale:
            value = "⚠ " + value
        room = max(1, inner - len(value) - 2)
        title = slot.title if len(slot.title) <= room else slot.title[: room - 1] + "…"
        top = [
            Segment(marker, title_style),
            Segment(title, title_style),
            Segment(" " * max(1, inner - 1 - len(title) - len(value))),
            Segment(value, self._style(state)),
        ]
        head = data.headline
        spark_style = self._style("spark") if data.state in ("ok", "unknown") else self._style(data.state)
        spark = render(head.values[-(inner - 1) :]) if head is not None else ""
        middle = [Segment(" " + spark, self._style("stale") if data.stale else spark_style)]
        if data.error and not data.series:
            # No line to draw: the error gets both lines (a parse error's position and words).
            room = inner - 3
            text = data.error
            middle = [Segment(" ✖ " + text[:room], self._style("critical"))]
            rest = text[room:].strip()
            detail = [Segment("   " + rest[:room], self._style("critical"))] if rest else []
            return [_fit(top, width), _fit(middle, width), _fit(detail, width), Strip.blank(width)]
        return [
            _fit(top, width),
            _fit(middle, width),
            _fit(self._detail(data, inner), width),
            Strip.blank(width),
        ]

    def _detail(self, data: PanelData, inner: int) -> list[Segment]:
        muted = self._style("muted")
        if data.error:
            return [Segment(" ✖ " + data.error[: inner - 3], self._style("critical"))]
        if data.stale:
            return [Segment(" stale: " + data.stale[: inner - 8], self._style("stale"))]
        head = data.headline
        if head is None:
            return [Segment(" no data", muted)]
        if data.extra:
            text = "  ".join(f"{label} {value}" for label, value in data.extra)
            return [Segment(" " + text[: inner - 1], self._style(data.state))]
        parts: list[str] = []
        if head.low is not None and head.high is not None:
            scale = common_scale(data.unit, [head.low, head.high])
            low = format_in_scale(head.low, scale, data.decimals)
            parts.append(f"{low}–{format_in_scale(head.high, scale, data.decimals)}")
        more = len(data.series) - 1 + data.dropped
        if len(data.series) > 1 or data.dropped:
            parts.append(f"{head.legend[:16]} +{more}")
        elif head.legend and head.legend != "{}":
            parts.append(head.legend[:20])
        return [Segment(" " + "  ".join(parts)[: inner - 1], muted)]


def _fit(segments: list[Segment], width: int) -> Strip:
    # Blanks take the style of what precedes them where that looks the same (same background, no
    # reverse or underline), so simplify() can join them: fewer colour escapes on the wire.
    merged: list[Segment] = []
    for segment in Strip(segments).extend_cell_length(width).crop(0, width):
        previous = merged[-1].style if merged else None
        if (
            previous is not None
            and not segment.text.strip(" ")
            and (segment.style is None or previous.bgcolor == segment.style.bgcolor)
            and not (previous.reverse or previous.underline or previous.strike)
        ):
            segment = Segment(segment.text, previous)
        merged.append(segment)
    return Strip(merged).simplify()


def _cells(strip: Strip) -> list[tuple[str, Style | None]]:
    return [(char, segment.style) for segment in strip for char in segment.text]


def _changed_span(old: Strip, new: Strip) -> tuple[int, int] | None:
    """First and last column where two strips of one panel line differ (None when identical)."""
    a, b = _cells(old), _cells(new)
    if a == b:
        return None
    length = max(len(a), len(b))
    first = next((i for i in range(length) if i >= len(a) or i >= len(b) or a[i] != b[i]), 0)
    last = next(
        (i for i in range(length - 1, -1, -1) if i >= len(a) or i >= len(b) or a[i] != b[i]), length - 1
    )
    return first, last
