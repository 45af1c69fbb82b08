"""Everything about one alert: labels, annotations, links, timers, who silenced it, and 24 h of history.

The history (``services/alert_history.py``) is drawn as a sparkline: full bars while it
fired, half bars while pending, over a time axis; each recent firing is listed with its
start and end. When the context has no Prometheus, or the query fails, the pane says so
instead.
"""

from __future__ import annotations

from datetime import timedelta

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Sparkline, Static

from oncall_tui.domain.alert_queue import AlertRow, AlertState, GroupRow
from oncall_tui.services.alert_history import History
from oncall_tui.ui.formatting import RowContext, severity_variable, short_left, where_of
from oncall_tui.ui.resolution import format_age
from oncall_tui.ui.widgets.lists import ScrollPane
from oncall_tui.ui.widgets.time_axis import TimeAxis

RUNBOOK_KEYS = ("runbook_url", "runbook", "playbook", "url", "help")
"""Annotations that hold a runbook or help link, in order of preference."""


def _exemplar_text(history: History) -> Text:
    text = Text(history.traces_note, style="dim")
    if history.traces:
        first = history.traces[0]
        text.append(f"\n  x: {first.trace_id}  value {first.value:g}  at {first.at.astimezone():%H:%M:%S}")
        if first.error:
            text.append("  failed", style="bold")
    return text


class AlertDetail(ScrollPane, can_focus=True):
    """Detail of the highlighted alert (or group)."""

    DEFAULT_CSS = """
    AlertDetail { padding: 0 1; background: $surface; scrollbar-size-vertical: 1; }
    AlertDetail:focus { background: $surface-lighten-1; }
    AlertDetail #detail-history-title { color: $text-muted; margin-top: 1; }
    AlertDetail Sparkline { height: 2; margin: 0 0; }
    AlertDetail Sparkline > .sparkline--max-color { color: $severity-critical; }
    AlertDetail Sparkline > .sparkline--min-color { color: $severity-none 40%; }
    AlertDetail #detail-history-note { color: $text-muted; }
    AlertDetail #detail-exemplars { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="detail-body")
        yield Static("History, last 24 h", id="detail-history-title")
        yield Sparkline([], id="detail-sparkline")
        yield TimeAxis(id="detail-history-axis")
        yield Static("", id="detail-history-note")
        yield Static("", id="detail-exemplars")

    def show_empty(self, text: str) -> None:
        """Nothing highlighted."""
        self.query_one("#detail-body", Static).update(Text(text, style="italic"))
        self._history_visible(False)

    def _history_visible(self, visible: bool) -> None:
        for selector in (
            "#detail-history-title",
            "#detail-sparkline",
            "#detail-history-axis",
            "#detail-history-note",
            "#detail-exemplars",
        ):
            self.query_one(selector).display = visible

    def show_history(self, history: History | None) -> None:
        """Show the firing history (None = being fetched)."""
        spark = self.query_one("#detail-sparkline", Sparkline)
        axis = self.query_one(TimeAxis)
        note = self.query_one("#detail-history-note", Static)
        if history is None:
            spark.data = []
            axis.span = None
            note.update("loading from Prometheus…")
            return
        spark.display = axis.display = bool(history.values)
        spark.data = list(history.values)
        axis.span = (history.start, history.end) if history.start and history.end else None
        colour = self.app.theme_variables.get("stale", "") if not history.ok else ""
        note.update(Text(history.note, style=colour))
        self.query_one("#detail-exemplars", Static).update(_exemplar_text(history))

    def show_group(self, group: GroupRow, ctx: RowContext) -> None:
        """A group header: its labels and counts."""
        text = Text()
        text.append(group.title, style="bold")
        text.append(f"\n{len(group.alerts)} alerts", style="")
        if group.receiver:
            text.append(f" · receiver {group.receiver}", style=ctx.colour("severity-none"))
        counts = ", ".join(f"{n} {name}" for name, n in group.counts.items() if n)
        text.append(f"\n{counts}\n")
        countdown = ctx.countdown(group.key) if group.receiver is not None else None
        if countdown is not None:
            left, level = countdown
            text.append(
                f"\nEscalates to {level} in {format_age(left)}"
                if left > timedelta(0)
                else "\nEscalating now",
                style=f"bold {ctx.colour('severity-critical')}",
            )
        text.append("\nenter collapses/expands · a acks the group's active alerts · e escalates", style="dim")
        self.query_one("#detail-body", Static).update(text)
        self._history_visible(False)

    def show_alert(self, row: AlertRow, ctx: RowContext) -> None:
        """Render every detail of ``row`` at ``ctx.now``."""
        self._history_visible(True)
        self.query_one("#detail-body", Static).update(render_alert(row, ctx))


def render_alert(row: AlertRow, ctx: RowContext) -> Group:
    """The detail text of one alert."""
    alert = row.alert
    now = ctx.now
    muted = ctx.colour("severity-none")
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    head = Text()
    head.append(
        f" {row.severity.upper()} ",
        style=f"bold reverse {ctx.colour(severity_variable(row.rank, ctx.policy))}",
    )
    head.append(f" {alert.alertname}", style="bold")
    annotations = dict(alert.annotations)
    summary = annotations.pop("summary", "") or annotations.pop("alert", "")
    if summary:
        grid.add_row("Summary", Text(summary, style="bold"))
    description = annotations.pop("description", "") or annotations.pop("message", "")
    if description:
        grid.add_row("Description", Text(description))
    local = alert.starts_at.astimezone()
    timers = ctx.policy.timers_for(alert, now, acked=row.is_acked)
    grid.add_row("Started", f"{local:%Y-%m-%d %H:%M:%S %Z} ({format_age(timers.firing_for)} ago)")
    grid.add_row(
        "Timers", _timers_text(timers.investigate_target, timers.investigate_left, "investigate", ctx)
    )
    if timers.resolve_target is not None:
        grid.add_row("", _timers_text(timers.resolve_target, timers.resolve_left, "resolve", ctx))
    grid.add_row("State", _state_text(row, ctx))
    for silence in row.silences:
        kind = "Acked" if silence.is_ack else "Silenced"
        if silence.until_resolved:
            kind = "Acked until resolved (renewed while it fires)"
        line = Text()
        line.append(f"{kind} by {silence.created_by}", style="bold")
        line.append(
            f", {format_age(silence.age(now))} ago, {short_left(silence.left(now))} left "
            f"(until {silence.ends_at.astimezone():%Y-%m-%d %H:%M %Z})"
        )
        if silence.comment:
            line.append(f"\n“{silence.comment}”", style="italic")
        line.append(f"\nsilence {silence.silence_id}", style=muted)
        grid.add_row("", line)
    if alert.status.inhibited_by:
        snapshot = ctx.state.snapshot
        names = []
        for fingerprint in alert.status.inhibited_by:
            source = snapshot.row(fingerprint) if snapshot is not None else None
            names.append(
                f"{source.alert.alertname} {where_of(source.alert.labels)} ({fingerprint})".replace("  ", " ")
                if source is not None
                else fingerprint
            )
        grid.add_row("", Text("inhibited by " + ", ".join(names), style=muted))
    pending = ctx.state.pending_for(row.key, [s.silence_id for s in row.silences])
    if pending is not None:
        grid.add_row(
            "Pending",
            Text(f"{pending}: logged, waiting to be delivered", style=f"bold {ctx.colour('stale')}"),
        )
    if row.rank == len(ctx.policy.order) and row.state is AlertState.ACTIVE:
        countdown = ctx.countdown(row.group_key)
        if countdown is not None:
            left, level = countdown
            grid.add_row(
                "Escalation",
                Text(
                    f"to {level} in {format_age(left)} unless acked"
                    if left > timedelta(0)
                    else f"escalating to {level} now",
                    style=f"bold {ctx.colour('severity-critical')}",
                ),
            )
    runbook = next((annotations.pop(k) for k in RUNBOOK_KEYS if annotations.get(k)), "")
    if runbook:
        grid.add_row("Runbook", _link(runbook, ctx))
    if alert.generator_url:
        grid.add_row("Source", _link(alert.generator_url, ctx))
    grid.add_row("", "")
    grid.add_row(Text("Labels", style="bold underline"), "")
    for name, value in sorted(alert.labels.items()):
        grid.add_row(Text(name, style=muted), value)
    if annotations:
        grid.add_row(Text("Annotations", style="bold underline"), "")
        for name, value in sorted(annotations.items()):
            grid.add_row(Text(name, style=muted), value)
    grid.add_row(Text("Fingerprint", style=muted), Text(alert.fingerprint, style=muted))
    return Group(head, grid)


def _link(url: str, ctx: RowContext, limit: int = 90) -> Text:
    # An OSC 8 hyperlink (the whole URL) where the terminal supports it; a generator URL's query
    # can run to hundreds of characters, so the text shown is cut.
    shown = url if len(url) <= limit else url[: limit - 1] + "…"
    return Text(shown, style=f"underline {ctx.colour('primary')} link {url}")


def _timers_text(target: timedelta | None, left: timedelta | None, what: str, ctx: RowContext) -> Text:
    if target is None:
        return Text(f"no {what} target", style=ctx.colour("severity-none"))
    if left is None:
        return Text(f"{what} within {format_age(target)}: met (acked)", style=ctx.colour("source-up"))
    if left <= timedelta(0):
        return Text(
            f"{what} within {format_age(target)}: OVERDUE by {format_age(-left)}",
            style=f"bold {ctx.colour('severity-critical')}",
        )
    return Text(f"{what} within {format_age(target)}: {format_age(left)} left")


def _state_text(row: AlertRow, ctx: RowContext) -> Text:
    if row.state is AlertState.ACTIVE:
        return Text("active (firing, not silenced)", style="bold")
    return Text(row.state.value, style=ctx.colour("severity-none"))
