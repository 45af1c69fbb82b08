"""The alert queue: a DataTable keyed by fingerprint, updated by diff so cursor and selection survive polls.

A poll of 10,000 alerts usually changes a handful of rows. :meth:`AlertTable.apply`
therefore touches only what changed: rows that left are dropped in bulk, new rows are
appended, the order is re-indexed in one step, and rows whose signature (state,
silences, pending mark, selection…) changed get new cells. Time-dependent cells (age,
time left, ack time left, escalation countdown) are recomputed every second for the rows
on screen only (:meth:`AlertTable.refresh_times`).

Textual 8.2.8's DataTable has no bulk remove nor move; both are done here on its row
index (``_row_locations``) the way its own ``sort()`` does. Textual is pinned exactly, so
these private uses are checked on upgrade (the same applies to ``_clear_caches``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets._data_table import CellKey, ColumnKey, Row, RowKey
from textual.widgets.data_table import CellDoesNotExist

from oncall_tui.config.alerting import AlertSettings
from oncall_tui.domain.alert_queue import (
    AlertRow,
    AlertState,
    GroupRow,
    QueueView,
    escalation_countdown,
    select_policy,
)
from oncall_tui.domain.severity import SeverityPolicy, format_age
from oncall_tui.ui.alert_feed import AlertFeedState

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("sev", "Sev", 4),
    ("alert", "Alert", 30),
    ("fired", "Fired", 6),
    ("due", "Due", 6),
    ("status", "Status", 20),
)
"""(key, title, minimum width) of each column; ``alert`` takes the width left over."""

CELL_CACHE_LIMIT = 200_000
"""Rendered rows kept for rows filtered out (about 2 KB each); beyond this the cache starts over."""
FAR_FUTURE = timedelta(days=365)
"""Silences longer than this show ``∞`` as their time left."""


def severity_variable(rank: int, policy: SeverityPolicy) -> str:
    """Theme variable of a rank: the top three configured severities map to critical/warning/info."""
    if rank <= 0:
        return "severity-none"
    position = len(policy.order) - rank
    return ("severity-critical", "severity-warning", "severity-info")[min(position, 2)]


def short_left(delta: timedelta) -> str:
    """Time left, compact; ``∞`` for silences that practically never end."""
    if delta >= FAR_FUTURE:
        return "∞"
    return format_age(delta)


def countdown_text(delta: timedelta) -> str:
    """``4m05s`` below ten minutes (it moves visibly), else the compact age."""
    seconds = int(delta.total_seconds())
    if 0 <= seconds < 600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return format_age(delta)


def who(user: str) -> str:
    """``alice@laptop`` -> ``alice``: the part that fits a table cell."""
    return user.split("@", 1)[0] or user


def where_of(labels: Mapping[str, str]) -> str:
    """The label that tells alerts of one name apart: instance, then service, job, pod, host."""
    for name in ("instance", "service", "job", "pod", "host", "cluster"):
        value = labels.get(name)
        if value:
            return value
    return ""


@dataclass(slots=True)
class RowContext:
    """Everything cell rendering needs besides the row, computed once per refresh."""

    now: datetime
    """Current time."""
    state: AlertFeedState
    """Feed state (pending actions, escalations, new arrivals)."""
    policy: SeverityPolicy
    """Severity policy."""
    settings: AlertSettings
    """``[alerts]`` (escalation policies)."""
    colours: Mapping[str, str]
    """Theme variables."""
    am_groups: Mapping[str, GroupRow]
    """Alertmanager groups (active alerts) by key: what escalates by itself."""
    selected: set[str]
    """Selected fingerprints."""
    collapsed: set[str]
    """Collapsed group keys."""
    _countdowns: dict[str, tuple[timedelta, str] | None] = field(default_factory=dict)

    def colour(self, variable: str) -> str:
        return self.colours.get(variable, "")

    def countdown(self, group_key: str) -> tuple[timedelta, str] | None:
        """(time left, next level's name) before the Alertmanager group escalates by itself."""
        if group_key in self._countdowns:
            return self._countdowns[group_key]
        result: tuple[timedelta, str] | None = None
        group = self.am_groups.get(group_key)
        if group is not None:
            chosen = select_policy(self.settings, (r.alert for r in group.alerts))
            if chosen is not None:
                policy = chosen[1]
                state = self.state.escalations.get(group_key)
                left = escalation_countdown(group, state, policy, self.now, len(self.policy.order))
                if left is not None:
                    level = (state.level if state is not None else 0) + 1
                    result = (left, policy.level_at(level).name)
        self._countdowns[group_key] = result
        return result


def alert_signature(row: AlertRow, ctx: RowContext) -> tuple[Any, ...]:
    """What, besides time, decides an alert row's cells."""
    ids = tuple(s.silence_id for s in row.silences)
    return (
        "a",
        row.state,
        ids,
        ctx.state.pending_for(row.key, ids),
        row.key in ctx.selected,
        ctx.state.is_new(row.key, ctx.now),
    )


def group_signature(group: GroupRow, ctx: RowContext) -> tuple[Any, ...]:
    """What, besides time, decides a group row's cells."""
    return (
        "g",
        group.rank,
        len(group.alerts),
        tuple(sorted(group.counts.items())),
        group.key in ctx.collapsed,
        sum(1 for r in group.alerts if r.key in ctx.selected),
    )


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
            if ack.silence_id in ctx.state.until_resolved:
                # Renewed while the alert fires: its time left says nothing about when it ends.
                return Text(f"✓ {who(ack.created_by)} {age}·until resolved", style=ctx.colour("source-up"))
            left = short_left(ack.left(ctx.now))
            return Text(f"✓ {who(ack.created_by)} {age}·{left} left", style=ctx.colour("source-up"))
        if row.silences:
            silence = row.silences[0]
            return Text(
                f"silenced {who(silence.created_by)} {short_left(silence.left(ctx.now))}", style=muted
            )
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
        return Text(f"⇡ escalating to {level}", style=f"bold {colour}")
    return Text(f"⇡ {level} in {countdown_text(left)}", style=colour)


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


@dataclass(slots=True)
class _Plan:
    """What an apply will change, computed before the table is touched."""

    selected: frozenset[str]
    """The selection the signatures were computed with."""
    signatures: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """Signature of every row to show."""
    added: list[tuple[str, dict[ColumnKey, Text]]] = field(default_factory=list)
    """Rows not in the table yet, with their cells."""
    changed: list[tuple[str, tuple[Text, ...]]] = field(default_factory=list)
    """Rows in the table whose cells change."""


class AlertTable(DataTable[Text]):
    """Groups and alerts in queue order; row key = fingerprint (alerts) or ``group:…`` (groups)."""

    BINDINGS: ClassVar[list[Binding]] = []  # type: ignore[assignment]

    DEFAULT_CSS = """
    AlertTable { scrollbar-size-vertical: 1; scrollbar-size-horizontal: 0; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.selected: set[str] = set()
        """Fingerprints picked with space (kept across polls while the alerts exist)."""
        self.collapsed: set[str] = set()
        """Group keys whose alerts are hidden."""
        self.view: QueueView | None = None
        """The view shown."""
        self._order: list[str] = []
        self._signatures: dict[str, tuple[Any, ...]] = {}
        self._rows: dict[str, GroupRow | AlertRow] = {}
        self._alert_width = 30
        self._cell_cache: dict[str, tuple[tuple[Any, ...], GroupRow | AlertRow, dict[ColumnKey, Text]]] = {}
        self._row_keys: dict[str, RowKey] = {}
        self._column_keys = [ColumnKey(key) for key, _, _ in COLUMNS]

    def on_mount(self) -> None:
        for key, title, width in COLUMNS:
            self.add_column(title, key=key, width=width)

    # --- lookups -----------------------------------------------------------------------------

    @property
    def cursor_key(self) -> str | None:
        """Key of the highlighted row."""
        if not self._order:
            return None
        index = min(self.cursor_row, len(self._order) - 1)
        return self._order[index]

    def row_for(self, key: str | None) -> GroupRow | AlertRow | None:
        """The queue row shown under ``key``."""
        return self._rows.get(key) if key is not None else None

    @property
    def current(self) -> GroupRow | AlertRow | None:
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

    # --- updating ----------------------------------------------------------------------------

    def on_resize(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        width = self.size.width
        if not width or not self.columns:
            return
        # Each column has one cell of padding on either side; one column for the scrollbar.
        fixed = sum(w for key, _, w in COLUMNS if key not in ("alert", "status")) + 2 * len(COLUMNS) + 1
        spare = max(width - fixed, 40)
        status = max(20, min(34, spare // 3))
        alert = max(20, spare - status)
        if (alert, status) == (self._alert_width, self.columns[ColumnKey("status")].width):
            return
        self._alert_width = alert
        for key, value in (("alert", alert), ("status", status)):
            column = self.columns[ColumnKey(key)]
            column.width = value
            column.auto_width = False
        self._require_update_dimensions = True
        self._clear_caches()
        self.refresh(layout=True)

    def apply(self, view: QueueView, ctx: RowContext) -> None:
        """Show ``view``: add, drop, re-order and re-draw only the rows that changed."""
        rows = self._visible_rows(view)
        plan = _Plan(selected=frozenset(self.selected))
        self._plan(rows, ctx, plan)
        self._commit(view, rows, plan, ctx)

    async def apply_sliced(self, view: QueueView, ctx: RowContext, slice_rows: int = 1500) -> None:
        """:meth:`apply` for big views: the per-row work is done in slices with the event loop let
        through in between (keys stay responsive); the table itself changes in one step at the end.

        Run it in an exclusive worker: a newer view cancels an older one mid-way, harmlessly.
        """
        rows = self._visible_rows(view)
        plan = _Plan(selected=frozenset(self.selected))
        for start in range(0, len(rows), slice_rows):
            self._plan(rows[start : start + slice_rows], ctx, plan)
            await asyncio.sleep(0)
        self._commit(view, rows, plan, ctx)

    def _visible_rows(self, view: QueueView) -> list[GroupRow | AlertRow]:
        # A group of one alert gets no header row: at 80x24 the header would only repeat the alert.
        return [
            row
            for row in view.rows(self.collapsed)
            if not (isinstance(row, GroupRow) and len(row.alerts) == 1 and row.key not in self.collapsed)
        ]

    def _plan(self, rows: list[GroupRow | AlertRow], ctx: RowContext, plan: _Plan) -> None:
        """Signatures of ``rows`` and the cells of those that are new or changed (the table is untouched)."""
        ctx.selected = set(plan.selected)
        old = self._signatures
        cache = self._cell_cache
        columns = self._column_keys
        for row in rows:
            key = row.key
            is_alert = isinstance(row, AlertRow)
            signature = alert_signature(row, ctx) if is_alert else group_signature(row, ctx)  # type: ignore[arg-type]
            plan.signatures[key] = signature
            previous = old.get(key)
            if previous is None:
                cached = cache.get(key)
                if cached is not None and cached[0] == signature and cached[1] is row:
                    plan.added.append((key, cached[2]))
                else:
                    cells = alert_cells(row, ctx) if is_alert else group_cells(row, ctx)  # type: ignore[arg-type]
                    plan.added.append((key, dict(zip(columns, cells, strict=True))))
            elif previous != signature:
                cells = alert_cells(row, ctx) if is_alert else group_cells(row, ctx)  # type: ignore[arg-type]
                plan.changed.append((key, cells))

    def _commit(self, view: QueueView, rows: list[GroupRow | AlertRow], plan: _Plan, ctx: RowContext) -> None:
        self.view = view
        present = {row.key for row in view.alert_rows()}
        self.selected &= present
        new_order = [row.key for row in rows]
        old_cursor = self.cursor_key
        old_index = self.cursor_row
        old_scroll = self.scroll_y
        was_empty = not self._order
        with self.app.batch_update():
            gone = [key for key in self._order if key not in plan.signatures]
            self._drop(gone)
            for row in rows:
                self._rows[row.key] = row
            for key, cells in plan.changed:
                self._set_cells(key, cells)
            self._signatures.update(plan.signatures)
            self._bulk_add(plan.added)
            if gone or plan.added or new_order != self._order:
                self._set_locations(new_order)
            self._order = new_order
            if was_empty and self._order:
                self._highlight_cursor()
            self._restore_cursor(old_cursor, old_index, old_scroll)
        # Cells of rows filtered out are kept: clearing a filter then costs no re-render. A cached
        # entry is only reused for the same row object (same poll), so stale ones are never shown.
        if len(self._cell_cache) > CELL_CACHE_LIMIT:
            self._cell_cache.clear()
        ctx.selected = self.selected
        if plan.selected != self.selected:
            # Space was pressed while a sliced apply ran: redraw what it toggled.
            touched = [k for k in plan.selected ^ self.selected if k in self._signatures]
            self.redraw(ctx, touched)
        self.refresh_times(ctx)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # Every column has a fixed width and every row a height of 1: nothing to measure
        # (measuring 10,000 new rows cell by cell takes most of a second).
        super()._update_dimensions(())

    def _row_key(self, key: str) -> RowKey:
        row_key = self._row_keys.get(key)
        if row_key is None:
            row_key = self._row_keys[key] = RowKey(key)
        return row_key

    def _bulk_add(self, items: list[tuple[str, dict[ColumnKey, Text]]]) -> None:
        """Append rows without add_row's per-row bookkeeping (locations are set by the caller)."""
        for key, cells in items:
            row_key = self._row_key(key)
            self._data[row_key] = cells
            self.rows[row_key] = Row(row_key, 1, None, False)

    def _drop(self, keys: list[str]) -> None:
        if not keys:
            return
        pending_widths = bool(self._updated_cells)
        for key in keys:
            row_key = self._row_key(key)
            data = self._data.pop(row_key, None)
            if data is not None:
                if pending_widths:
                    for column_key in data:
                        self._updated_cells.discard(CellKey(row_key, column_key))
                signature = self._signatures.get(key)
                row = self._rows.get(key)
                if signature is not None and row is not None:
                    self._cell_cache[key] = (signature, row, data)
            self.rows.pop(row_key, None)
            self._new_rows.discard(row_key)
            self._signatures.pop(key, None)
            self._rows.pop(key, None)

    def _set_locations(self, order: list[str]) -> None:
        row_key = self._row_key
        self._row_locations = TwoWayDict({row_key(key): index for index, key in enumerate(order)})
        self._require_update_dimensions = True
        self._update_count += 1
        self._clear_caches()
        # Re-assigning clamps the cursor to the new row count (and highlights the row under it).
        self.cursor_coordinate = self.cursor_coordinate
        self.check_idle()
        self.refresh(layout=True)

    def _restore_cursor(self, key: str | None, old_index: int, old_scroll: float) -> None:
        if not self._order:
            return
        if key is not None and key in self._signatures:
            index = self._order.index(key)
        else:
            index = min(old_index, len(self._order) - 1)
        if index != self.cursor_row:
            # Keep the highlighted row where it was on screen: scroll by as much as it moved.
            self.move_cursor(row=index, animate=False, scroll=False)
            self.scroll_to(y=max(0.0, old_scroll + index - old_index), animate=False, immediate=True)

    def _update_cells(self, key: str, row: GroupRow | AlertRow, ctx: RowContext) -> None:
        self._set_cells(key, alert_cells(row, ctx) if isinstance(row, AlertRow) else group_cells(row, ctx))

    def _set_cells(self, key: str, cells: tuple[Text, ...]) -> None:
        row_key = self._row_key(key)
        current = self._data.get(row_key)
        if current is None:
            return
        for (column, _, _), cell in zip(COLUMNS, cells, strict=True):
            old = current.get(column)  # type: ignore[call-overload]
            if (
                not isinstance(old, Text)
                or old.plain != cell.plain
                or old.spans != cell.spans
                or (old.style != cell.style)
            ):
                try:
                    self.update_cell(key, column, cell)
                except CellDoesNotExist:
                    return

    def refresh_times(self, ctx: RowContext) -> None:
        """Recompute the cells of the rows on screen (ages, time left, countdowns)."""
        if not self._order:
            return
        top = int(self.scroll_y)
        height = max(self.size.height, 1)
        ctx.selected = self.selected
        with self.app.batch_update():
            for key in self._order[max(0, top - 2) : top + height + 2]:
                row = self._rows.get(key)
                if row is not None:
                    self._update_cells(key, row, ctx)

    def redraw(self, ctx: RowContext, keys: list[str] | None = None) -> None:
        """Re-render rows (e.g. after the selection or theme changed); all rows when ``keys`` is None."""
        ctx.selected = self.selected
        with self.app.batch_update():
            for key in keys if keys is not None else self._order:
                row = self._rows.get(key)
                if row is None:
                    continue
                self._update_cells(key, row, ctx)
                self._signatures[key] = (
                    alert_signature(row, ctx) if isinstance(row, AlertRow) else group_signature(row, ctx)
                )

    def move_to(self, key: str) -> None:
        """Put the cursor on ``key`` if it is shown."""
        if key in self._signatures:
            self.move_cursor(row=self._order.index(key), animate=False)

    def cell_text(self, key: str, column: str) -> str:
        """Plain text of one cell (tests and the benchmark read the table through this)."""
        return str(self.get_cell(key, column))
