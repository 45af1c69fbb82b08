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
from textual.binding import Binding, BindingType
from textual.events import Click, Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from oncall_tui.domain.panel_data import PanelData
from oncall_tui.domain.sparkline import render
from oncall_tui.domain.units import common_scale, format_in_scale, format_value

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

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab,right,l", "move(1)", "Next panel", show=False, id="metrics-next-panel"),
        Binding("shift+tab,left,h", "move(-1)", "Previous panel", show=False, id="metrics-previous-panel"),
        Binding("down,j", "move_row(1)", "Panel below", show=False, id="metrics-panel-below"),
        Binding("up,k", "move_row(-1)", "Panel above", show=False, id="metrics-panel-above"),
        Binding("enter", "open", "Drill down", id="metrics-drill-down", tooltip="Full chart of the panel"),
    ]

    focused_index: reactive[int] = reactive(0, init=False)
    """Index of the panel with the focus cursor."""

    class Opened(Message):
        """``enter`` on a panel: open its drill-down."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index
            """Index of the panel."""

    class Resized(Message):
        """The sparkline width changed: panels should be fetched with this many columns."""

        def __init__(self, columns: int) -> None:
            super().__init__()
            self.columns = columns
            """Points per series to fetch."""

    def __init__(self) -> None:
        super().__init__()
        self._slots: list[PanelSlot] = []
        self._cache: dict[int, tuple[tuple[object, ...], list[Strip]]] = {}
        self._theme_version = 0
        self._columns = 0
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

    def set_panel(self, index: int, data: PanelData) -> bool:
        """Show new data for panel ``index``; returns False (and draws nothing) when nothing changed."""
        if not 0 <= index < len(self._slots):
            return False
        slot = self._slots[index]
        if data.same_picture(slot.data):
            return False
        self._slots[index] = PanelSlot(slot.title, data)
        self._cache.pop(index, None)
        self._refresh_panel(index)
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

    def _resize_virtual(self) -> None:
        columns, _ = self._grid()
        rows = -(-len(self._slots) // columns)
        self.virtual_size = Size(self.size.width, rows * PANEL_HEIGHT)

    def on_resize(self, event: Resize) -> None:
        self._cache.clear()
        self._resize_virtual()
        columns = sparkline_columns(event.size.width)
        if columns != self._columns:
            self._columns = columns
            self.post_message(self.Resized(columns))

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self, _theme: str) -> None:
        self._theme_version += 1
        self._cache.clear()
        self.call_after_refresh(self.refresh)

    def _refresh_panel(self, index: int) -> None:
        region = self.panel_region(index).translate(-int(self.scroll_x), -int(self.scroll_y))
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
        joined = Strip.join(strips)
        return joined.extend_cell_length(content).crop(0, content)

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
        middle = [Segment(" "), Segment(spark, self._style("stale") if data.stale else spark_style)]
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
    return Strip(segments).extend_cell_length(width).crop(0, width)
