"""The cells of the alert table: one alert row, one group header, the column layout and line rendering.

Pure functions of a row and a :class:`~oncall_tui.ui.formatting.RowContext`; the table
(:mod:`oncall_tui.ui.widgets.alert_table`) caches the lines they make.
"""

from __future__ import annotations

import os
from datetime import timedelta

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from oncall_tui.domain.alert_rows import AlertRow, AlertState, GroupRow
from oncall_tui.ui.formatting import RowContext, countdown_text, severity_variable, short_left, where_of, who
from oncall_tui.ui.resolution import format_age

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("sev", "Sev", 4),
    ("alert", "Alert", 30),
    ("fired", "Fired", 5),
    ("due", "Due", 6),
    ("status", "Status", 20),
)
"""(key, title, minimum width) of each column; ``alert`` takes the width left over."""

CELL_PADDING = 1
"""Blank cells between two columns (and before the first, after the last)."""

_PAD = " " * CELL_PADDING
_COLUMN_META = tuple(Style.from_meta({"column": index}) for index in range(len(COLUMNS)))

# Text.render needs a Console only for its options; one offscreen console serves every row.
_CONSOLE = Console(width=1000, color_system="truecolor", file=open(os.devnull, "w"))  # noqa: SIM115


def alert_cells(row: AlertRow, ctx: RowContext) -> tuple[Text, Text, Text, Text, Text]:
    """The five cells of an alert row at ``ctx.now``."""
    suppressed = row.state is not AlertState.ACTIVE
    sev_colour = ctx.colour(severity_variable(row.rank, ctx.policy))
    muted = ctx.colour("severity-none")
    sev = Text(row.severity[:4].upper(), style=f"bold {sev_colour}" if not suppressed else muted)
    alert = Text(no_wrap=True, overflow="ellipsis")
    if row.key in ctx.selected:
        alert.append("✓ ", style=f"bold {ctx.colour('accent')}")
    elif ctx.state.is_new(row.key, ctx.now):
        alert.append("★ ", style=f"bold {ctx.colour('accent')}")
    else:
        alert.append("  ")
    name_style = "bold" if not suppressed else f"italic {muted}"
    if ctx.state.is_new(row.key, ctx.now) and row.key not in ctx.selected:
        name_style = f"bold reverse {ctx.colour('accent')}"
    alert.append(row.alert.alertname or "(no alertname)", style=name_style)
    where = where_of(row.alert.labels)
    if where:
        alert.append(f" {where}", style=muted if suppressed else "")
    timers = ctx.policy.timers_for(row.alert, ctx.now, acked=row.is_acked)
    fired = Text(format_age(timers.firing_for), style=muted if suppressed else "")
    due = Text()
    if not suppressed or row.is_acked:
        left = timers.investigate_left if timers.investigate_left is not None else timers.resolve_left
        if left is not None:
            if left <= timedelta(0):
                due = Text(f"⚠{format_age(left)}", style=f"bold {ctx.colour('severity-critical')}")
            else:
                due = Text(format_age(left))
    return sev, alert, fired, due, status_text(row, ctx)


def status_text(row: AlertRow, ctx: RowContext) -> Text:
    """Pending action, ack (who, age, time left), silence, inhibition or escalation countdown."""
    ids = [s.silence_id for s in row.silences]
    pending = ctx.state.pending_for(row.key, ids)
    if pending is not None:
        return Text(f"⧗ {pending} pending", style=f"bold {ctx.colour('stale')}")
    muted = ctx.colour("severity-none")
    if row.state is AlertState.SILENCED:
        if row.acks:
            ack = row.acks[0]
            age = format_age(ack.age(ctx.now))
            if ack.until_resolved:
                # Renewed while the alert fires: its time left says nothing about when it ends.
                return _status(f"✓ {who(ack.created_by)} {age}·till resolved", ctx.colour("source-up"))
            left = short_left(ack.left(ctx.now))
            return _status(f"✓ {who(ack.created_by)} {age}·{left} left", ctx.colour("source-up"))
        if row.silences:
            silence = row.silences[0]
            return _status(f"silenced {who(silence.created_by)} {short_left(silence.left(ctx.now))}", muted)
        return Text("silenced", style=muted)
    if row.state is AlertState.INHIBITED:
        return Text("inhibited", style=muted)
    if row.state is AlertState.MUTED:
        return Text("muted", style=muted)
    if row.rank == len(ctx.policy.order):
        countdown = ctx.countdown(row.group_key)
        if countdown is not None:
            return _countdown_text(countdown, ctx)
    return Text()


def _countdown_text(countdown: tuple[timedelta, str], ctx: RowContext) -> Text:
    left, level = countdown
    colour = ctx.colour("severity-critical")
    if left <= timedelta(0):
        return _status(f"⇡ escalating to {level}", f"bold {colour}")
    # Time first, no spaces: in a narrow column the countdown must survive the cut, the level may not.
    return _status(f"⇡{countdown_text(left)}→{level}", colour)


def _status(text: str, style: str) -> Text:
    # An ellipsis shows where a narrow column cut the text.
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


def group_cells(group: GroupRow, ctx: RowContext) -> tuple[Text, Text, Text, Text, Text]:
    """The five cells of a group header at ``ctx.now``."""
    colour = ctx.colour(severity_variable(group.rank, ctx.policy))
    sev = Text(group.severity[:4].upper(), style=f"bold reverse {colour}")
    title = Text(no_wrap=True, overflow="ellipsis", style="bold")
    title.append("▸ " if group.key in ctx.collapsed else "▾ ")
    labels = dict(group.labels)
    name = labels.pop("alertname", None)
    if name is not None:
        title.append(name)
        if labels:
            title.append(" · ")
    title.append(" ".join(f"{k}={v}" for k, v in labels.items()), style="")
    if not group.labels:
        title.append("(no group labels)", style="italic")
    picked = sum(1 for r in group.alerts if r.key in ctx.selected)
    count = f" ({len(group.alerts)}" + (f", {picked} selected)" if picked else ")")
    title.append(count, style=ctx.colour("severity-none"))
    fired = Text(format_age(max(ctx.now - group.oldest, timedelta(0))), style="bold")
    status = Text()
    countdown = ctx.countdown(group.key) if group.receiver is not None else None
    if countdown is not None:
        status = _countdown_text(countdown, ctx)
    else:
        parts = [f"{n} {name[:4]}" for name, n in group.counts.items() if n]
        status = Text(" ".join(parts), style=ctx.colour("severity-none"))
    return sev, title, fired, Text(), status


Row = GroupRow | AlertRow
"""A row of the queue: a group header or an alert."""


def column_widths(width: int) -> tuple[int, ...]:
    """Width of each column (padding excluded) for a widget ``width`` cells wide.

    One column is left for the scrollbar; the alert and status columns share what the fixed
    columns leave, status getting about two fifths (24 to 34 cells: its compact forms, e.g.
    ``⇡3m39s→secondary on-call`` or ``✓ root 14s·till resolved``, fit 24).
    """
    fixed = sum(w for key, _, w in COLUMNS if key not in ("alert", "status"))
    fixed += CELL_PADDING * (len(COLUMNS) + 1) + 1
    spare = max(width - fixed, 48)
    status = max(24, min(34, spare * 2 // 5))
    alert = max(20, spare - status)
    sizes = {"alert": alert, "status": status}
    return tuple(sizes.get(key, w) for key, _, w in COLUMNS)


def row_cells(row: Row, ctx: RowContext) -> tuple[Text, ...]:
    """The cells of an alert or a group header row at ``ctx.now``."""
    return alert_cells(row, ctx) if isinstance(row, AlertRow) else group_cells(row, ctx)


def render_cells(
    cells: tuple[Text, ...], widths: tuple[int, ...], width: int, pre: Style | None, post: Style | None
) -> Strip:
    """One line of cells: each padded, cropped (or ellipsised) to its column; ``width`` cells in all.

    ``pre`` goes under the cells' own styles (the cursor's background, the header's), ``post``
    over them (the cursor's foreground wins over the cells' colours, as in Textual's DataTable).
    The cells are truncated in place (they are built for this one line). Each cell is its own run
    of segments, and the column in their meta keeps neighbouring cells from merging into one
    segment (a long run drifts off the grid in SVG exports, where some glyphs are drawn wider).
    """
    segments: list[Segment] = []
    get_style = _CONSOLE.get_style
    for column, (cell, cell_width) in enumerate(zip(cells, widths, strict=True)):
        under = _COLUMN_META[column] if pre is None else pre + _COLUMN_META[column]
        pad = Segment(_PAD, under if post is None else under + post)
        if cell.style:
            # Text.render leaves a span-less text's own style out: put it under the spans here.
            under = under + get_style(cell.style)
        cell.truncate(cell_width, pad=True)
        if column == 0:
            segments.append(pad)
        segments.extend(Segment.apply_style(cell.render(_CONSOLE), under, post))
        segments.append(pad)
    strip = Strip(segments)
    return strip.adjust_cell_length(width, pre if pre is not None and pre.bgcolor is not None else None)


__all__ = ["COLUMNS", "Row", "alert_cells", "column_widths", "group_cells", "render_cells", "status_text"]
