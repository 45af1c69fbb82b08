"""Incidents screen: every incident, newest first, filterable; enter opens one, N opens one by hand.

The list is read from the incident log (in a worker thread) when the screen shows, after every
logged action, and on ``r``. Columns that do not fit at 80 columns (context, owner) show in the
line under the table for the highlighted incident.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Static

from oncall_tui.domain.incident_stats import short_duration
from oncall_tui.domain.matchers import Filter
from oncall_tui.models.alertmanager import Alert
from oncall_tui.models.incident import IncidentStatus
from oncall_tui.models.incident_record import IncidentSummary
from oncall_tui.services.incident_actions import OpenIncident
from oncall_tui.services.incident_desk import IncidentDesk
from oncall_tui.ui.bindings import INCIDENTS_BINDINGS
from oncall_tui.ui.incident_host import firing_alerts, match_alerts
from oncall_tui.ui.messages import ActionCompleted
from oncall_tui.ui.screens.base import OncallScreen
from oncall_tui.ui.screens.incident_forms import NewIncidentModal, NewIncidentRequest
from oncall_tui.ui.widgets.filter_bar import FilterBar, FilterInput
from oncall_tui.ui.widgets.lists import ListTable

STATUS_LABELS: dict[IncidentStatus, str] = {
    IncidentStatus.TRIGGERED: "triggered",
    IncidentStatus.ACKNOWLEDGED: "acked",
    IncidentStatus.MITIGATED: "mitigated",
    IncidentStatus.RESOLVED: "resolved",
}
"""Status words of the list (short enough for its column)."""

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("id", "#", 4),
    ("status", "Status", 9),
    ("severity", "Severity", 8),
    ("title", "Title", 16),
    ("opened", "Opened", 11),
    ("tta", "To ack", 6),
    ("ttr", "To fix", 6),
    ("alerts", "Alerts", 6),
)
"""(key, title, width) of the columns at 80 columns; the title takes what is left over."""

WIDE_COLUMNS: tuple[tuple[str, str, int], ...] = (("context", "Context", 10), ("owner", "Owner", 10))
"""Columns added when the terminal is wide enough (at least :data:`WIDE_AT` columns)."""

WIDE_AT = 110
"""Terminal width from which context and owner get their own columns."""


def time_to_ack(row: IncidentSummary) -> timedelta | None:
    """Opened to first ack (None if never acknowledged)."""
    acked = row.incident.acknowledged_at
    return None if acked is None else acked - row.incident.created_at


def time_to_resolve(row: IncidentSummary) -> timedelta | None:
    """Opened to resolved (None while not resolved)."""
    resolved = row.incident.resolved_at
    return None if resolved is None else resolved - row.incident.created_at


def filter_subject(row: IncidentSummary) -> tuple[Alert, str]:
    """The row as labels a matcher filter tests (``status="resolved" severity="critical"``), and its text."""
    incident = row.incident
    labels = {
        "status": incident.status.value,
        "severity": incident.severity,
        "context": row.context or "",
        "owner": row.owner,
        "alertname": ",".join(row.alertnames),
    }
    haystack = " ".join(
        [f"#{incident.id}", incident.title, *labels.values(), STATUS_LABELS[incident.status]]
    ).lower()
    return Alert(
        labels=labels, fingerprint=f"incident-{incident.id}", starts_at=incident.created_at
    ), haystack


class IncidentsScreen(OncallScreen):
    """The incident log as a list."""

    TITLE_TEXT = "Incidents"
    BINDINGS: ClassVar[list[BindingType]] = INCIDENTS_BINDINGS

    DEFAULT_CSS = """
    IncidentsScreen #incidents-summary { height: 1; padding: 0 1; background: $panel; }
    IncidentsScreen FilterBar { display: none; padding: 0 1; }
    IncidentsScreen.-filtering FilterBar { display: block; }
    IncidentsScreen DataTable { height: 1fr; scrollbar-size-vertical: 1; scrollbar-size-horizontal: 0; }
    IncidentsScreen #incident-line {
        height: auto; max-height: 3; padding: 0 1; background: $surface; border-top: solid $primary;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(self, desk: IncidentDesk | None = None) -> None:
        super().__init__()
        self._desk = desk
        self.rows: list[IncidentSummary] = []
        """Every incident read, newest first."""
        self.shown: list[IncidentSummary] = []
        """Rows passing the filter, in table order."""
        self.filter: Filter | None = None
        """Filter typed with ``/``."""
        self.error: str | None = None
        """Why the log could not be read (shown instead of the list)."""
        self._wide = False

    @property
    def desk(self) -> IncidentDesk:
        """The incident log."""
        return self._desk or self.oncall_app.incident_desk

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#incidents-table", DataTable)

    def compose_body(self) -> ComposeResult:
        yield Static(id="incidents-summary")
        yield FilterBar(placeholder='free text, or status="resolved" severity="critical" owner="ann"')
        yield ListTable(id="incidents-table", cursor_type="row", zebra_stripes=False)
        yield Static(id="incident-line")

    def on_mount(self) -> None:
        super().on_mount()
        self._set_columns(self.size.width >= WIDE_AT)
        self.table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def on_action_completed(self, message: ActionCompleted) -> None:
        # Any logged action (an ack from the Alerts screen, a note here) may change what is shown.
        self.reload()

    def on_resize(self) -> None:
        wide = self.size.width >= WIDE_AT
        if wide != self._wide:
            self._set_columns(wide)
        self._fit_title()
        self._render_rows()

    def _set_columns(self, wide: bool) -> None:
        self._wide = wide
        table = self.table
        table.clear(columns=True)
        for key, title, width in COLUMNS + (WIDE_COLUMNS if wide else ()):
            table.add_column(title, key=key, width=width)
        self._fit_title()

    def _fit_title(self) -> None:
        table = self.table
        if not table.columns:
            return
        used = sum(c.width + 2 for key, c in table.columns.items() if key.value != "title")
        # Two for the title's own padding, one for the scrollbar.
        table.columns[next(k for k in table.columns if k.value == "title")].width = max(
            self.size.width - used - 3, 10
        )

    # --- data -----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the list again (in a worker; the newest read wins)."""
        self.run_worker(self._load(), group="incidents-load", exclusive=True, exit_on_error=False)

    async def _load(self) -> None:
        from oncall_tui.errors import OncallError

        try:
            rows = await self.desk.summaries()
        except OncallError as error:
            self.error = error.message
            self.rows = []
        else:
            self.error = None
            self.rows = rows
        self._render_rows()

    def _visible(self) -> list[IncidentSummary]:
        flt = self.filter
        if flt is None or flt.is_empty:
            return list(self.rows)
        return [row for row in self.rows if flt.matches(*filter_subject(row))]

    def _render_rows(self) -> None:
        if not self.is_mounted:
            return
        colours = self.app.theme_variables
        table = self.table
        current = self.current()
        self.shown = self._visible()
        table.clear()
        for row in self.shown:
            table.add_row(*self._cells(row, colours), key=str(row.incident.id), height=1)
        if current is not None:
            ids = [r.incident.id for r in self.shown]
            if current.incident.id in ids:
                table.move_cursor(row=ids.index(current.incident.id), animate=False, scroll=False)
        # Textual caches rendered rows by key: re-added keys would keep stale cells.
        table._clear_caches()
        self._render_summary(colours)
        self._show_line()

    def _render_summary(self, colours: Any) -> None:
        summary = Text(no_wrap=True, overflow="ellipsis")
        if self.error is not None:
            summary.append(
                f"Incident log unavailable: {self.error}", style=f"bold {colours.get('error', '')}"
            )
            self.query_one("#incidents-summary", Static).update(summary)
            return
        open_count = sum(1 for r in self.rows if r.incident.is_open)
        summary.append(f"{open_count} open", style="bold")
        count = len(self.rows)
        summary.append(f" · {count} incident{'' if count == 1 else 's'}")
        if self.filter is not None and not self.filter.is_empty:
            summary.append(f" · {len(self.shown)} match the filter")
        summary.append(" │ enter opens · N new · / filter", style="dim")
        self.query_one("#incidents-summary", Static).update(summary)

    def _cells(self, row: IncidentSummary, colours: Any) -> list[Text]:
        incident = row.incident
        severity_style = colours.get(f"severity-{incident.severity}", "")
        status_style = {
            IncidentStatus.TRIGGERED: f"bold {colours.get('severity-critical', '')}",
            IncidentStatus.ACKNOWLEDGED: f"bold {colours.get('severity-warning', '')}",
            IncidentStatus.MITIGATED: colours.get("severity-info", ""),
            IncidentStatus.RESOLVED: colours.get("severity-none", ""),
        }[incident.status]
        cells = [
            Text(f"#{incident.id}", style="dim"),
            Text(STATUS_LABELS[incident.status], style=status_style),
            Text(incident.severity, style=severity_style),
            Text(incident.title, no_wrap=True, overflow="ellipsis"),
            Text(_opened(incident.created_at)),
            Text(short_duration(time_to_ack(row))),
            Text(short_duration(time_to_resolve(row))),
            Text(str(row.alert_count)),
        ]
        if self._wide:
            cells.append(Text(row.context or "—", no_wrap=True, overflow="ellipsis"))
            cells.append(Text(row.owner or "—", no_wrap=True, overflow="ellipsis"))
        return cells

    def current(self) -> IncidentSummary | None:
        """The highlighted incident."""
        table = self.table
        if not table.row_count or not self.shown:
            return None
        return self.shown[min(table.cursor_row, len(self.shown) - 1)]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_line()

    def _show_line(self) -> None:
        row = self.current()
        line = self.query_one("#incident-line", Static)
        if row is None:
            empty = (
                "No incidents match the filter." if self.rows else "No incidents yet: N opens one by hand."
            )
            line.update(Text(empty if self.error is None else "", style="italic"))
            return
        incident = row.incident
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"#{incident.id} {incident.title}", style="bold")
        names = ", ".join(row.alertnames) or "no alert names known"
        text.append(
            f"\n{row.context or 'no context'} · owner {row.owner or '—'} · {row.alert_count} alerts ({names})"
        )
        line.update(text)

    # --- keys -----------------------------------------------------------------------------------

    def action_open_incident(self) -> None:
        row = self.current()
        if row is None:
            return
        from oncall_tui.ui.screens.incident_detail import IncidentDetailScreen

        self.app.push_screen(IncidentDetailScreen(row.incident.id, self._desk))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_incident()

    def action_copy_reference(self) -> None:
        """``y``: ``#ID title`` of the highlighted incident."""
        row = self.current()
        if row is None:
            self.notify("No incident highlighted.", severity="warning", timeout=3)
            return
        self.copy_text(f"#{row.incident.id} {row.incident.title}")

    def action_filter(self) -> None:
        self.add_class("-filtering")
        self.query_one(FilterBar).input.focus()

    def on_filter_bar_changed(self, event: FilterBar.Changed) -> None:
        self.filter = event.filter if not event.filter.is_empty else None
        self._render_rows()

    def on_filter_input_done(self, event: FilterInput.Done) -> None:
        if not self.query_one(FilterBar).value:
            self.remove_class("-filtering")
        self.table.focus()

    def on_input_submitted(self, event: Any) -> None:
        if isinstance(event.input, FilterInput):
            self.on_filter_input_done(FilterInput.Done())

    def action_reload(self) -> None:
        self.reload()

    def action_new_incident(self) -> None:
        def opened(request: NewIncidentRequest | None) -> None:
            if request is None:
                return
            alerts, unknown = match_alerts(firing_alerts(self.oncall_app.alerts.state), request.alerts)
            if unknown:
                self.notify(
                    f"not firing now, not linked: {', '.join(unknown)}", severity="warning", timeout=8
                )
            context = self.oncall_app.context_name or None
            self.oncall_app.perform_incident(
                OpenIncident(request.title, request.severity, tuple(alerts), context)
            )

        self.app.push_screen(NewIncidentModal(), opened)


def _opened(value: datetime) -> str:
    return value.astimezone().strftime("%m-%d %H:%M")
