"""Alerts screen: counts, filter bar, the queue, and the detail of the highlighted alert.

Layout: below 160 columns the queue takes the screen and ``enter`` opens the detail as
a bottom split, half the body high (``escape`` closes it); from 160 columns the detail is
always shown on the right and follows the cursor (narrower, it would squeeze the queue's
columns and wrap URLs mid-word).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Container
from textual.events import Resize
from textual.widgets import Static

from oncall_tui import collector
from oncall_tui.domain.alert_queue import (
    AlertRow,
    GroupRow,
    QueueOptions,
    QueueView,
)
from oncall_tui.domain.matchers import Filter
from oncall_tui.errors import OncallError
from oncall_tui.services.alert_history import History, fetch_history
from oncall_tui.services.alert_state import BIG_POLL, AlertFeedState, default_options
from oncall_tui.ui.bindings import ALERTS_BINDINGS
from oncall_tui.ui.formatting import RowContext, severity_variable
from oncall_tui.ui.screens.alerts_actions import AlertActionKeys
from oncall_tui.ui.screens.modals import (
    PromptModal,
)
from oncall_tui.ui.widgets.alert_detail import AlertDetail
from oncall_tui.ui.widgets.alert_table import AlertTable
from oncall_tui.ui.widgets.filter_bar import FilterBar, FilterInput
from oncall_tui.ui.widgets.resolved_list import ResolvedList, shown_resolved

WIDE = 160
"""From this many columns the detail pane sits beside the queue (below, it stacks under it)."""
WARM_SLICE = 1000
"""Free-text haystacks built per event-loop turn when the filter opens (about 1 ms)."""
HISTORY_TTL = 60.0
"""Seconds a fetched firing history is reused before it is queried again."""


class AlertsScreen(AlertActionKeys):
    """What is firing, how bad, who is on it — and the keys to ack, escalate and silence it."""

    TITLE_TEXT = "Alerts"
    BINDINGS: ClassVar[list[BindingType]] = ALERTS_BINDINGS

    DEFAULT_CSS = """
    AlertsScreen #alerts-summary { height: 1; width: 1fr; padding: 0 1; background: $panel; }
    AlertsScreen FilterBar { display: none; padding: 0 1; }
    AlertsScreen.-filtering FilterBar { display: block; }
    AlertsScreen #alerts-body { height: 1fr; layout: vertical; }
    AlertsScreen AlertTable { height: 1fr; }
    AlertsScreen AlertDetail { display: none; height: 50%; border-top: solid $primary; }
    AlertsScreen.-detail AlertDetail { display: block; }
    AlertsScreen.-wide #alerts-body { layout: horizontal; }
    AlertsScreen.-wide AlertTable { width: 1fr; height: 1fr; }
    AlertsScreen.-wide AlertDetail {
        display: block; width: 38%; min-width: 44; max-width: 96; height: 1fr;
        border-top: none; border-left: solid $primary;
    }
    AlertsScreen #alerts-empty { display: none; height: 3; padding: 1 2; color: $text-muted; }
    AlertsScreen.-empty #alerts-empty { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.options = QueueOptions()
        """Grouping, suppressed toggle and filter in effect."""
        self.view: QueueView | None = None
        """The view shown."""
        self._history: dict[str, tuple[float, History]] = {}
        self._detail_key: str | None = None
        self._detail_shown: tuple[object, ...] | None = None

    # --- parts -------------------------------------------------------------------------------

    @property
    def detail(self) -> AlertDetail:
        return self.query_one(AlertDetail)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    def compose_body(self) -> ComposeResult:
        yield Static(id="alerts-summary")
        yield FilterBar()
        yield Static("", id="alerts-empty")
        with Container(id="alerts-body"):
            yield AlertTable(id="alerts-table")
            yield AlertDetail(id="alerts-detail")
        yield ResolvedList(id="alerts-resolved")

    def on_mount(self) -> None:
        super().on_mount()
        settings = self.feed.settings.alerts
        shown = default_options(settings.group_by)
        self.options = replace(shown, include_suppressed=settings.show_suppressed)
        self.table.focus()
        self.follow(self.oncall_app.alerts, self._feed_changed, tick=self._on_tick)

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width >= WIDE, "-wide")
        self._show_detail()

    @property
    def detail_visible(self) -> bool:
        """The detail pane is on screen."""
        return self.has_class("-wide") or self.has_class("-detail")

    # --- rendering ---------------------------------------------------------------------------

    def context(self) -> RowContext:
        """Rendering context at the app's current time."""
        app = self.oncall_app
        now = app.now or app.clock.now()
        table = self.table
        return RowContext(
            now=now,
            state=self.feed.state,
            policy=self.feed.policy,
            settings=self.feed.settings.alerts,
            colours=self.app.theme_variables,
            am_groups=self.feed.state.am_groups,
            selected=table.selected,
            collapsed=table.collapsed,
        )

    def _feed_changed(self, state: AlertFeedState) -> None:
        # Hidden under another screen, this is not called: polling goes on at app level, and
        # ``follow`` redraws once when the screen shows again.
        self.apply_view()
        snapshot = state.snapshot
        if snapshot is not None and len(snapshot.rows) >= BIG_POLL:
            # A big poll's rows are long-lived: out of the collector's sight now, before the frame
            # that shows them allocates enough to start a collection walking all of them (~10 ms).
            collector.keep_long_lived()

    def apply_view(self) -> None:
        """Recompute the view (filter, grouping, toggle) and update the table by diff."""
        snapshot = self.feed.state.snapshot
        ctx = self.context()
        if snapshot is not None:
            state = self.feed.state
            default = default_options(self.feed.settings.alerts.group_by)
            if self.options == default and state.default_view is not None:
                self.view = state.default_view  # built with the poll, off the event loop
            else:
                self.view = snapshot.view(self.options)
            # The table only swaps its row list (it renders the rows on screen): cheap at any size.
            self.table.apply(self.view, ctx)
        elif self.view is not None:
            # Context switched: the old context's alerts (and their histories) must not stay on screen.
            self.view = None
            self._history = {}
            self.table.apply(QueueView(groups=(), counts={}, shown_counts={}, total=0, shown=0), ctx)
        self._render_summary()
        self._render_empty()
        self._render_resolved(ctx.now)
        self._show_detail()

    def _render_resolved(self, now: datetime) -> None:
        everything = self.options.include_suppressed
        items = shown_resolved(
            self.feed.state.resolved.values(), now, everything=everything, flt=self.options.filter
        )
        self.query_one(ResolvedList).show(items, now, everything=everything)

    def _on_tick(self, _now: datetime) -> None:
        ctx = self.context()
        self.table.refresh_times(ctx)
        self._render_resolved(ctx.now)
        self._render_summary()
        if self.detail_visible:
            self._render_detail(ctx)

    def _render_summary(self) -> None:
        state = self.feed.state
        colours = self.app.theme_variables
        text = Text(no_wrap=True, overflow="ellipsis")
        view = self.view
        policy = self.feed.policy
        if view is not None:
            for name in policy.names():
                count = view.counts.get(name, 0)
                rank = policy.rank(name)
                colour = colours.get(severity_variable(rank, policy), "")
                style = f"bold {colour}" if count else colours.get("severity-none", "")
                text.append(f"{count} {name[:4].upper()}", style=style)
                text.append("  ")
            text.append("│ ", style="dim")
            # With a filter, out of how many: the same count the header shows without one.
            shown = (
                f"{view.shown} of {view.unfiltered} shown" if self.options.filter else f"{view.shown} alerts"
            )
            text.append(shown)
            acked = view.acked()
            if acked:
                text.append(f" ({acked} acked)")
            text.append(" · all states" if self.options.include_suppressed else " · active")
            if self.options.group_by:
                text.append(f" · by {self.options.group_by}")
        elif not state.configured:
            text.append("No Alertmanager in this context.", style="italic")
        elif state.error is None:
            text.append("Waiting for the first poll of Alertmanager…", style="italic")
        if state.error is not None:
            age = ""
            now = self.oncall_app.now
            if state.fetched_at is not None and now is not None:
                age = f" {int((now - state.fetched_at).total_seconds())}s old"
            text.append(f"  STALE{age}: {state.error}", style=f"bold {colours.get('stale', '')}")
        elif state.peer_problems:
            text.append(
                f"  ▲ {len(state.peer_problems)} peer(s) down: {state.peer_problems[0]}",
                style=colours.get("stale", ""),
            )
        if view is not None and state.error is None and not state.peer_problems:
            text.append("  ? keys", style="dim")
        if state.pending:
            text.append(f"  ⧗ {len(state.pending)} queued", style=f"bold {colours.get('stale', '')}")
        if state.store_error:
            text.append("  incident log unavailable", style=f"bold {colours.get('source-down', '')}")
        # One line of fixed size: a repaint, not a layout of the whole screen (on every keystroke
        # of the filter and every poll).
        self.query_one("#alerts-summary", Static).update(text, layout=False)

    def _render_empty(self) -> None:
        view = self.view
        empty = view is not None and view.shown == 0
        self.set_class(empty, "-empty")
        if empty and view is not None:
            if self.options.filter is not None and not self.options.filter.is_empty:
                message = (
                    f"None of the {view.unfiltered} alerts matches the filter. / edits it, ctrl+u clears it."
                )
            elif self.feed.state.snapshot is not None and self.feed.state.snapshot.rows:
                total = len(self.feed.state.snapshot.rows)
                message = f"Nothing active. {total} silenced or inhibited: t shows them."
            else:
                message = "No alerts. All quiet."
            self.query_one("#alerts-empty", Static).update(message)

    # --- detail ------------------------------------------------------------------------------

    def on_alert_table_row_highlighted(self, event: AlertTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        if not self.is_mounted or not self.detail_visible:
            return
        self._render_detail(self.context())

    def _render_detail(self, ctx: RowContext) -> None:
        row = self.table.current
        detail = self.detail
        shown = (row, ctx.now, ctx.state, ctx.colours, len(self.table.selected))
        last = self._detail_shown
        if (
            last is not None
            and row is not None
            and row is last[0]
            and ctx.now == last[1]
            and ctx.state is last[2]
            and ctx.colours is last[3]
            and shown[4] == last[4]
        ):
            # The same row at the same moment: filter keystrokes that leave the highlighted row as
            # it was would otherwise lay the whole pane out again.
            return
        self._detail_shown = shown
        if row is None:
            detail.show_empty("No alert highlighted.")
            self._detail_key = None
            return
        if isinstance(row, GroupRow):
            detail.show_group(row, ctx)
            self._detail_key = row.key
            return
        detail.show_alert(row, ctx)
        if self._detail_key != row.key:
            self._detail_key = row.key
            self._history_for(row)

    def _history_for(self, row: AlertRow) -> None:
        cached = self._history.get(row.key)
        if cached is not None and time.monotonic() - cached[0] < HISTORY_TTL:
            self.detail.show_history(cached[1])
            return
        self.detail.show_history(None)
        self._load_history(row)

    @work(group="alert-history", exclusive=True, exit_on_error=False, description="alert history")
    async def _load_history(self, row: AlertRow) -> None:
        app = self.oncall_app
        sources = app.sources
        if sources is None or sources.context.prometheus is None:
            history = History(note="no Prometheus in this context: firing history unavailable", ok=False)
        else:
            try:
                client = await sources.prometheus()
                history = await fetch_history(
                    client, row.alert.labels, app.clock.now(), row.alert.generator_url, row.alert.starts_at
                )
            except OncallError as exc:  # a secret that does not resolve, a source down: say so in the pane
                history = History(note=f"history unavailable: {exc}", ok=False)
        now = time.monotonic()
        # Keep only fresh entries: a long shift walks through many alerts; stale ones are refetched anyway.
        self._history = {k: v for k, v in self._history.items() if now - v[0] < HISTORY_TTL}
        self._history[row.key] = (now, history)
        for trace in reversed(history.traces):
            app.known_traces.add(trace.trace_id, f"exemplars of {row.alert.alertname}")
        if self._detail_key == row.key:
            self.detail.show_history(history)

    # --- keys --------------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.add_class("-filtering")
        self.filter_bar.input.focus()
        self._warm_search()

    @work(group="alert-search", exclusive=True, exit_on_error=False, description="indexing alerts for search")
    async def _warm_search(self) -> None:
        """Build the poll's free-text haystacks in slices while the user starts typing.

        The first free-text keystroke after a poll would otherwise build all of them (about 10 ms
        for 10,000 alerts) on top of its own filtering.
        """
        snapshot = self.feed.state.snapshot
        if snapshot is None:
            return
        rows = snapshot.rows
        for start in range(0, len(rows), WARM_SLICE):
            for row in rows[start : start + WARM_SLICE]:
                snapshot.haystack(row)
            await asyncio.sleep(0)

    def on_filter_bar_changed(self, event: FilterBar.Changed) -> None:
        flt: Filter | None = event.filter if not event.filter.is_empty else None
        self.options = replace(self.options, filter=flt)
        self.apply_view()

    def on_filter_input_done(self, event: FilterInput.Done) -> None:
        if not self.filter_bar.value:
            self.remove_class("-filtering")
        self.table.focus()

    def on_input_submitted(self, event: Any) -> None:
        # Enter in the filter: back to the list with the filter applied.
        if isinstance(event.input, FilterInput):
            self.on_filter_input_done(FilterInput.Done())

    def action_open(self) -> None:
        row = self.table.current
        if isinstance(row, GroupRow):
            collapsed = self.table.collapsed
            if row.key in collapsed:
                collapsed.discard(row.key)
            else:
                collapsed.add(row.key)
            self.apply_view()
            self.table.move_to(row.key)
            return
        if self.has_class("-wide"):
            self.detail.focus()
            return
        self.toggle_class("-detail")
        self._show_detail()

    def on_alert_table_row_selected(self, event: AlertTable.RowSelected) -> None:
        # The table turns enter into RowSelected; it is the same as the screen's `enter`.
        event.stop()
        self.action_open()

    def action_clear(self) -> None:
        table = self.table
        if table.selected:
            keys = list(table.selected)
            table.selected.clear()
            table.redraw(self.context())
            self.notify(f"{len(keys)} unselected", timeout=2)
        elif self.has_class("-detail"):
            self.remove_class("-detail")
            table.focus()
        elif self.focused is not table:
            table.focus()

    def action_select(self) -> None:
        table = self.table
        row = table.current
        if row is None:
            return
        if isinstance(row, GroupRow):
            keys = [r.key for r in row.alerts]
            if all(k in table.selected for k in keys):
                table.selected.difference_update(keys)
            else:
                table.selected.update(keys)
        else:
            table.selected.symmetric_difference_update({row.key})
            # Move on, so space space space picks consecutive alerts.
            table.action_cursor_down()
        table.redraw(self.context())
        self._render_summary()

    def action_toggle_suppressed(self) -> None:
        self.options = replace(self.options, include_suppressed=not self.options.include_suppressed)
        self.apply_view()
        shown = (
            "all alerts, silenced and inhibited included"
            if self.options.include_suppressed
            else "active alerts"
        )
        self.notify(f"Showing {shown}", timeout=2)

    def action_group_by(self) -> None:
        def done(value: str | None) -> None:
            if value is None:
                return
            self.options = replace(self.options, group_by=value.strip() or None)
            self.table.collapsed.clear()
            self.apply_view()

        self.app.push_screen(
            PromptModal(
                "Group the queue",
                "Label to group by (empty: as Alertmanager groups them)",
                self.options.group_by or "",
                validate=lambda v: None
                if not v.strip() or v.strip().replace("_", "a").isalnum()
                else "a label name: letters, digits and _",
            ),
            done,
        )
