"""Drawing the trace waterfall: theme palette, column layout, and one Strip per row or ruler.

Pure rendering (no widget): :class:`~oncall_tui.ui.widgets.waterfall.Waterfall` calls
:class:`WaterfallRenderer` for the rows on screen and caches the strips. Colours come only from
theme variables (:class:`WaterfallPalette`). Glyphs and the duration format are shared with the
span detail pane.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.strip import Strip

from oncall_tui.domain.durations import format_micros
from oncall_tui.domain.traces import TraceAnalysis
from oncall_tui.domain.waterfall import WaterfallRow, bar_columns

SERVICE_BASES = ("primary", "secondary", "accent", "success", "warning")
"""Theme variables the service palette is derived from (never the error colours)."""
SERVICE_SHADES = ("-lighten-2", "-darken-2", "-lighten-3")
"""Shade suffixes applied to each base for further service colours."""
HUE_TURNS = (0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875)
"""Hue rotations of ``$primary`` (in turns) that add colours when the theme's own run out."""

GLYPH_EXPANDED = "▾"
GLYPH_COLLAPSED = "▸"
GLYPH_LEAF = "·"
GLYPH_ERROR = "✖"
GLYPH_FOLLOWS = "↷"
GLYPH_SKEW = "≈"
GLYPH_MISSING = "?"
GLYPH_CRITICAL = "┃"
BAR_CRITICAL = "━"
BAR_FOLLOWS = "╌"
BAR_MISSING = "┄"
GRID = "┊"

# Text.render needs a Console only for its options; one offscreen console serves every row.
_CONSOLE = Console(width=1000, color_system="truecolor", file=open(os.devnull, "w"))  # noqa: SIM115


def _colour(variables: dict[str, str], name: str, fallback: Color) -> Color:
    try:
        return Color.parse(variables[name])
    except (KeyError, Exception):  # noqa: BLE001 - a malformed variable falls back, never crashes a paint
        return fallback


def _near(a: Color, b: Color, limit: float = 90.0) -> bool:
    """Whether two colours are too close to tell apart at a glance (RGB distance)."""
    return (a.r - b.r) ** 2 + (a.g - b.g) ** 2 + (a.b - b.b) ** 2 < limit * limit


@dataclass(frozen=True)
class WaterfallPalette:
    """Rich styles for every part of a row, derived from the active theme's variables."""

    background: Color
    """Screen background (bars' empty track)."""
    text: Style
    """Operation names."""
    muted: Style
    """Durations, hidden counts, leaf glyphs."""
    grid: Style
    """Faint ruler grid lines in empty timeline cells."""
    separator: Style
    """The bar between label and timeline."""
    selected_bg: Color
    """Background of the cursor row."""
    match_bg: Color
    """Background of a search match's label."""
    error: Style
    """Error glyph and operation of error spans ($span-error)."""
    critical: Style
    """Critical-path gutter mark ($critical-path)."""
    critical_colour: Color
    """$critical-path as a colour (drawn over bars)."""
    warning: Style
    """Clock-skew mark."""
    missing: Style
    """The missing-parent pseudo-node."""
    services: tuple[Color, ...]
    """Service colours, indexed by service index modulo the length."""

    @classmethod
    def from_variables(cls, variables: dict[str, str]) -> WaterfallPalette:
        """Build the palette from ``App.theme_variables``."""
        background = _colour(variables, "background", Color(18, 18, 18))
        foreground = _colour(variables, "foreground", Color(228, 228, 228))
        primary = _colour(variables, "primary", foreground)
        muted = background.blend(foreground, 0.6)
        critical = _colour(variables, "critical-path", _colour(variables, "accent", primary))
        error = _colour(variables, "span-error", foreground)
        candidates = [_colour(variables, base, primary) for base in SERVICE_BASES]
        # More hues than the theme names: the primary's saturation and lightness at turned hues.
        h, sat, light = primary.hsl
        candidates.extend(Color.from_hsl((h + turn) % 1.0, sat, light) for turn in HUE_TURNS)
        candidates.extend(
            _colour(variables, base + shade, primary) for shade in SERVICE_SHADES for base in SERVICE_BASES
        )
        services: list[Color] = []
        for colour in candidates:
            # A service must not look like an error, nor hide the critical path drawn over its bar,
            # nor look like another service.
            if _near(colour, critical) or _near(colour, error) or any(_near(colour, c, 60) for c in services):
                continue
            services.append(colour)
        return cls(
            background=background,
            text=Style(color=foreground.rich_color),
            muted=Style(color=muted.rich_color),
            grid=Style(color=background.blend(foreground, 0.18).rich_color),
            separator=Style(color=background.blend(foreground, 0.3).rich_color),
            selected_bg=background.blend(primary, 0.35),
            match_bg=background.blend(_colour(variables, "warning", primary), 0.45),
            error=Style(color=error.rich_color, bold=True),
            critical=Style(color=critical.rich_color, bold=True),
            critical_colour=critical,
            warning=Style(color=_colour(variables, "warning", foreground).rich_color, bold=True),
            missing=Style(color=muted.rich_color, italic=True),
            services=tuple(services) or (primary,),
        )

    def service(self, index: int) -> Color:
        """Colour of service ``index`` (pseudo-nodes, index -1, get the muted colour)."""
        if index < 0:
            return self.background.blend(Color.parse("white"), 0.5)
        return self.services[index % len(self.services)]


@dataclass(frozen=True)
class WaterfallLayout:
    """Column split of a row at one width; shared by the rows and the ruler."""

    width: int
    """Total width in cells."""
    label: int
    """Cells of the label (gutter, tree, service, operation)."""
    timeline_start: int
    """First cell of the timeline (after the label and a separator)."""
    timeline: int
    """Cells of the timeline."""

    @classmethod
    def for_width(cls, width: int) -> WaterfallLayout:
        """About 40% label (at least 24 cells, at most 60), the rest timeline."""
        width = max(width, 0)
        label = min(max(int(width * 0.4), 24), 60, max(width - 11, 0))
        timeline_start = label + 1
        return cls(width, label, timeline_start, max(width - timeline_start, 0))

    def ticks(self) -> list[int]:
        """Timeline columns of the grid ticks (about one per 16 cells, at least start and end)."""
        if self.timeline < 2:
            return []
        count = max(1, min(8, self.timeline // 16))
        return [round(k * (self.timeline - 1) / count) for k in range(count + 1)]


def _styled(text: str, style: Style, bg: Color | None) -> Segment:
    if bg is not None:
        style = style + Style(bgcolor=bg.rich_color)
    return Segment(text, style)


def _merge(cells: list[tuple[str, Style]]) -> list[Segment]:
    """Runs of equal style as one segment each."""
    segments: list[Segment] = []
    run_text: list[str] = []
    run_style = cells[0][1]
    for ch, style in cells:
        if style is not run_style and style != run_style:
            segments.append(Segment("".join(run_text), run_style))
            run_text = []
            run_style = style
        run_text.append(ch)
    segments.append(Segment("".join(run_text), run_style))
    return segments


class WaterfallRenderer:
    """Builds the Strip of one row; pure given (analysis, palette, layout)."""

    def __init__(
        self, analysis: TraceAnalysis, palette: WaterfallPalette, window: tuple[int, int] | None = None
    ) -> None:
        self.analysis = analysis
        """The trace."""
        self.palette = palette
        """Styles of the active theme."""
        start, end = window if window is not None else (analysis.start_us, analysis.end_us)
        self.window = (start, end)
        """Time range the timeline shows (µs since the epoch): the whole trace, or a zoom."""
        self._origin = start - analysis.start_us
        self._total = max(end - start, 1)
        sections: dict[int, list[tuple[int, int]]] = {}
        for span, start_us, end_us in analysis.critical_sections:
            sections.setdefault(span, []).append((start_us, end_us))
        self._critical_sections = sections

    def render(self, row: WaterfallRow, layout: WaterfallLayout, selected: bool, match: bool) -> Strip:
        """One row as a Strip exactly ``layout.width`` cells wide."""
        p = self.palette
        # Every cell gets a background: the terminal's own (dark in most) must not show through a
        # light theme.
        row_bg = p.selected_bg if selected else p.background
        segments = self._label(row, layout.label, row_bg, match)
        segments.append(_styled("│", p.separator, row_bg))
        segments.extend(self._timeline(row, layout, row_bg))
        strip = Strip(segments)
        return strip.adjust_cell_length(layout.width, Style(bgcolor=row_bg.rich_color) if row_bg else None)

    def _label(self, row: WaterfallRow, width: int, row_bg: Color | None, match: bool) -> list[Segment]:
        p = self.palette
        if width <= 0:
            return []
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(GLYPH_CRITICAL if row.critical else " ", p.critical)
        unit = 2 if width >= 40 else 1
        indent = min(row.depth * unit, max(width // 2, 0))
        text.append(" " * indent)
        if row.collapsed:
            text.append(GLYPH_COLLAPSED + " ", p.text)
        elif row.has_children:
            text.append(GLYPH_EXPANDED + " ", p.text)
        else:
            text.append(GLYPH_LEAF + " ", p.muted)
        name_start = len(text)
        if row.missing_parent:
            text.append(f"{GLYPH_MISSING} {row.operation}", p.missing)
        else:
            if row.error:
                text.append(GLYPH_ERROR + " ", p.error)
            if row.follows_from:
                text.append(GLYPH_FOLLOWS + " ", p.text)
            if row.starts_before_parent or row.ends_after_parent:
                text.append(GLYPH_SKEW + " ", p.warning)
            colour = p.service(row.service_index)
            text.append(row.service, Style(color=colour.rich_color, bold=True))
            text.append(" ")
            text.append(row.operation, p.error if row.error else p.text)
        if row.collapsed:
            text.append(f" +{row.hidden_descendants}", p.muted)
        if match:
            text.stylize(Style(bgcolor=p.match_bg.rich_color, bold=True), name_start, len(text))
        text.truncate(width, overflow="ellipsis", pad=True)
        if row_bg is not None:
            text.stylize_before(Style(bgcolor=row_bg.rich_color))
        return list(text.render(_CONSOLE))

    def _timeline(self, row: WaterfallRow, layout: WaterfallLayout, row_bg: Color | None) -> list[Segment]:
        p = self.palette
        width = layout.timeline
        if width <= 0:
            return []
        cells: list[tuple[str, Style]] = []
        blank = Style(bgcolor=row_bg.rich_color) if row_bg else Style()
        grid = p.grid + blank
        ticks = set(layout.ticks())
        for col in range(width):
            cells.append((GRID, grid) if col in ticks else (" ", blank))
        colour = p.service(row.service_index)
        offset = row.offset_us - self._origin
        if offset + row.duration_us < 0 or offset > self._total:
            # Zoomed in and the span lies outside the window: an arrow says which side it is on.
            before = offset + row.duration_us < 0
            cells[0 if before else width - 1] = (
                "◂" if before else "▸",
                Style(color=colour.rich_color) + blank,
            )
            return _merge(cells)
        start, end = bar_columns(offset, row.duration_us, self._total, width)
        if row.missing_parent:
            for col in range(start, end):
                cells[col] = (BAR_MISSING, p.missing + blank)
        elif row.follows_from:
            style = Style(color=colour.rich_color, bold=True) + blank
            for col in range(start, end):
                cells[col] = (BAR_FOLLOWS, style)
        else:
            bar = Style(bgcolor=colour.rich_color)
            for col in range(start, end):
                cells[col] = (" ", bar)
            if row.critical:
                on_bar = Style(color=p.critical_colour.rich_color, bgcolor=colour.rich_color, bold=True)
                for s_us, e_us in self._critical_sections.get(row.node, ()):
                    rel = s_us - self.analysis.start_us - self._origin
                    if rel + (e_us - s_us) < 0 or rel > self._total:
                        continue
                    cs, ce = bar_columns(rel, e_us - s_us, self._total, width)
                    for col in range(max(cs, start), min(ce, end)):
                        cells[col] = (BAR_CRITICAL, on_bar)
        label = format_micros(row.duration_us)
        style = (p.error if row.error else p.muted) + blank
        if end + 1 + len(label) <= width:
            at = end + 1
        elif start - 1 - len(label) >= 0:
            at = start - 1 - len(label)
        elif end - start >= len(label) + 2 and not (row.follows_from or row.missing_parent):
            # A bar spanning the whole timeline carries its duration inside, in a contrasting colour.
            at = start + 1
            style = Style(
                color=colour.get_contrast_text(1.0).rich_color, bgcolor=colour.rich_color, bold=True
            )
        else:
            at = -1
        if at >= 0:
            for i, ch in enumerate(label):
                cells[at + i] = (ch, style)
        return _merge(cells)

    def ruler(self, layout: WaterfallLayout, header: str) -> Strip:
        """The time ruler: ``header`` over the label, tick offsets over the timeline."""
        p = self.palette
        label = Text(header, style=p.muted + Style(bold=True), no_wrap=True, end="")
        label.truncate(layout.label, overflow="ellipsis", pad=True)
        segments = list(label.render(_CONSOLE))
        segments.append(Segment("│", p.separator))
        width = layout.timeline
        chars = [" "] * width
        ticks = layout.ticks()
        for k, col in enumerate(ticks):
            last = k > 0 and k == len(ticks) - 1
            # Column c covers [c, c+1) * total / width; the last tick is the window's end. Offsets
            # are from the trace's start, also when zoomed.
            at_us = self._origin + (self._total if last else self._total * col / width)
            text = format_micros(at_us) if at_us else "0"
            if self._origin and k == 0:
                text = "+" + text
            # The last label ends at the timeline's end; the others start at their tick.
            at = max(col - len(text) + 1, 0) if last else col
            if at + len(text) > width or any(c != " " for c in chars[max(at - 1, 0) : at + len(text) + 1]):
                continue
            chars[at : at + len(text)] = list(text)
        segments.append(Segment("".join(chars), p.muted))
        return Strip(segments).adjust_cell_length(layout.width)
