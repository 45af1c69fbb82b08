"""One incident: its timeline (newest last), fields, linked alerts and action items, and the keys to work it.

Every change (``n`` note, ``s`` status, ``o`` owner, ``e`` fields, ``i``/``d`` action items,
``l``/``u`` alerts) is a logged action: written with its timeline entry in one transaction, and
reported done only after that commit; the screen then re-reads the incident. ``x`` writes the
post-mortem draft and says where.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Static

from oncall_tui.domain.incident_stats import short_duration
from oncall_tui.domain.redact import Redactor
from oncall_tui.errors import OncallError
from oncall_tui.models.incident import IncidentStatus, TimelineEntry
from oncall_tui.models.incident_record import FIELD_LABELS, INCIDENT_FIELDS, IncidentRecord
from oncall_tui.services.incident_actions import (
    AddActionItem,
    AddNote,
    ChangeStatus,
    IncidentRequest,
    LinkAlerts,
    SetActionItemDone,
    SetFields,
    UnlinkAlert,
)
from oncall_tui.services.incident_desk import IncidentDesk
from oncall_tui.ui.bindings import INCIDENT_DETAIL_BINDINGS
from oncall_tui.ui.incident_host import firing_alerts, match_alerts
from oncall_tui.ui.messages import ActionCompleted
from oncall_tui.ui.screens.base import OncallScreen
from oncall_tui.ui.screens.incident_forms import (
    ActionItemModal,
    ActionItemRequest,
    FieldPicker,
    StatusModal,
    TextModal,
    today_of,
)
from oncall_tui.ui.screens.modals import PromptModal
from oncall_tui.ui.screens.runbook_open import screen_for_incident
from oncall_tui.ui.widgets.lists import ListTable

KIND_LABELS: dict[str, str] = {
    "opened": "opened",
    "ack": "ack",
    "unack": "unack",
    "escalate": "escalate",
    "silence": "silence",
    "note": "note",
    "runbook_step": "runbook",
    "runbook_note": "runbook",
    "runbook_run": "runbook",
    "status_change": "status",
    "alert_linked": "alert +",
    "alert_unlinked": "alert −",
    "action_done": "sent",
    "action_failed": "failed",
    "field_change": "field",
    "action_item": "item",
}
"""Short names of timeline kinds for the Kind column (unknown kinds show as they are)."""

MAX_ENTRY_LINES = 6
"""A multi-line note shows at most this many lines in the timeline (the export has them all)."""


def entry_cells(entry: TimelineEntry, colours: Any, redactor: Redactor) -> tuple[list[Text], int]:
    """Cells of one timeline row (time, actor, kind, text; secrets scrubbed) and its height in lines."""
    lines = redactor.scrub(entry.text or entry.kind).split("\n")
    shown = lines[:MAX_ENTRY_LINES]
    if len(lines) > MAX_ENTRY_LINES:
        shown[-1] = f"… {len(lines) - MAX_ENTRY_LINES + 1} more lines"
    kind = KIND_LABELS.get(entry.kind, entry.kind)
    style = {"status": "bold", "failed": colours.get("error", ""), "note": "italic"}.get(kind, "")
    return [
        Text(entry.at.astimezone().strftime("%m-%d %H:%M:%S"), style="dim"),
        Text(entry.actor.split("@", 1)[0], no_wrap=True, overflow="ellipsis"),
        Text(kind, style=style),
        Text("\n".join(shown), no_wrap=True, overflow="ellipsis"),
    ], len(shown)


def summary_text(record: IncidentRecord) -> Text:
    """The lines above the timeline: title, status and who/where, and the times."""
    incident = record.incident
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"#{incident.id} {incident.title}", style="bold")
    names = ", ".join(dict.fromkeys(a.alertname or a.fingerprint for a in record.alerts)) or "none"
    text.append(
        f"\n{incident.status.value} · {incident.severity} · {record.context or 'no context'}"
        f" · owner {record.fields.owner or '—'} · alerts: {names}"
    )
    opened = incident.created_at
    parts = [f"opened {opened.astimezone():%Y-%m-%d %H:%M}"]
    for label, moment in (
        ("acked", incident.acknowledged_at),
        ("mitigated", incident.mitigated_at),
        ("resolved", incident.resolved_at),
    ):
        if moment is not None:
            parts.append(f"{label} +{short_duration(max(moment - opened, timedelta(0)))}")
    text.append("\n" + " · ".join(parts))
    return text


def fields_text(record: IncidentRecord, redactor: Redactor) -> Text:
    """The post-mortem fields that are written, one line each ("e" edits), secrets scrubbed."""
    text = Text(no_wrap=True, overflow="ellipsis")
    written = [(n, record.fields.get(n)) for n in INCIDENT_FIELDS if n != "owner" and record.fields.get(n)]
    if not written:
        text.append("No impact, root cause or other fields yet: e edits them.", style="italic dim")
        return text
    for i, (name, value) in enumerate(written):
        if i:
            text.append("\n")
        text.append(f"{FIELD_LABELS[name]}: ", style="bold")
        text.append(redactor.scrub(" ".join(value.split())))
    return text


class IncidentDetailScreen(OncallScreen):
    """Timeline and record of one incident."""

    TITLE_TEXT = "Incident"
    BINDINGS: ClassVar[list[BindingType]] = INCIDENT_DETAIL_BINDINGS

    DEFAULT_CSS = """
    IncidentDetailScreen #incident-summary {
        height: 3; padding: 0 1; background: $panel; text-wrap: nowrap; text-overflow: ellipsis;
    }
    IncidentDetailScreen #timeline-table {
        height: 1fr; scrollbar-size-vertical: 1; scrollbar-size-horizontal: 0;
    }
    IncidentDetailScreen #incident-fields {
        height: auto; max-height: 4; padding: 0 1; background: $surface; border-top: solid $primary;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    IncidentDetailScreen #action-items { height: auto; max-height: 5; scrollbar-size-vertical: 1; }
    """

    def __init__(self, incident_id: int, desk: IncidentDesk | None = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        """The incident shown."""
        self._desk = desk
        self.record: IncidentRecord | None = None
        """The incident as last read."""
        self.timeline: list[TimelineEntry] = []
        """Its timeline as last read, oldest first."""
        self.error: str | None = None
        """Why it could not be read."""

    @property
    def desk(self) -> IncidentDesk:
        """The incident log."""
        return self._desk or self.oncall_app.incident_desk

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#timeline-table", DataTable)

    @property
    def items_table(self) -> DataTable[Any]:
        return self.query_one("#action-items", DataTable)

    def compose_body(self) -> ComposeResult:
        yield Static(id="incident-summary")
        yield ListTable(id="timeline-table", cursor_type="row")
        yield Static(id="incident-fields")
        yield ListTable(id="action-items", cursor_type="row", show_header=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.status_header.screen_title = f"Incident #{self.incident_id}"
        for key, title, width in (
            ("at", "Time", 14),
            ("actor", "Who", 10),
            ("kind", "Kind", 8),
            ("text", "What", 30),
        ):
            self.table.add_column(title, key=key, width=width)
        self.items_table.add_column("Item", key="item", width=60)
        self.table.focus()
        self.reload()

    def on_resize(self) -> None:
        table = self.table
        if table.columns:
            spare = self.size.width - (14 + 10 + 8) - 2 * 4 - 3
            table.columns[next(k for k in table.columns if k.value == "text")].width = max(spare, 20)
            items = self.items_table
            items.columns[next(iter(items.columns))].width = max(self.size.width - 4, 20)
            self._draw()

    # --- data -----------------------------------------------------------------------------------

    def on_action_completed(self, message: ActionCompleted) -> None:
        # Any logged action (an ack from the Alerts screen, a note here) may change the timeline.
        self.reload()

    def reload(self) -> None:
        """Read the incident again (in a worker; the newest read wins)."""
        self.run_worker(self._load(), group="incident-load", exclusive=True, exit_on_error=False)

    async def _load(self) -> None:
        try:
            self.record, self.timeline = await self.desk.detail(self.incident_id)
        except OncallError as error:
            self.error = error.message
        else:
            self.error = None
        self._draw()

    def _draw(self) -> None:
        if not self.is_mounted:
            return
        summary = self.query_one("#incident-summary", Static)
        record = self.record
        if record is None:
            summary.update(Text(self.error or "Reading the incident log…", style="italic"))
            return
        colours = self.app.theme_variables
        summary.update(summary_text(record))
        table = self.table
        at_end = not table.row_count or table.cursor_row >= table.row_count - 1
        table.clear()
        for entry in self.timeline:
            cells, height = entry_cells(entry, colours, self.desk.redactor)
            table.add_row(*cells, key=str(entry.id), height=height)
        table._clear_caches()  # re-added keys would keep stale cells (Textual caches rows by key)
        if at_end and table.row_count:
            # Newest last, and followed: a new entry scrolls into view (again once the panels under
            # the table have taken their height, which shrinks it).
            table.move_cursor(row=table.row_count - 1, animate=False)
            self.call_after_refresh(self._follow_newest)
        self.query_one("#incident-fields", Static).update(fields_text(record, self.desk.redactor))
        items = self.items_table
        row = items.cursor_row
        items.clear()
        if not record.action_items:
            items.add_row(Text("No action items: i adds one.", style="italic dim"), key="none")
        for item in record.action_items:
            line = Text(no_wrap=True, overflow="ellipsis")
            line.append("[x] " if item.done else "[ ] ", style="bold" if not item.done else "dim")
            line.append(f"A{item.id} {item.text}", style="dim strike" if item.done else "")
            extra = [f"owner {item.owner}" if item.owner else "no owner"]
            if item.due is not None:
                extra.append(f"due {item.due.isoformat()}")
            line.append(f"  ({', '.join(extra)})", style="dim")
            items.add_row(line, key=f"item-{item.id}")
        items._clear_caches()
        if items.row_count:
            items.move_cursor(row=min(row, items.row_count - 1), animate=False, scroll=False)

    def _follow_newest(self) -> None:
        table = self.table
        if table.row_count and table.cursor_row >= table.row_count - 1:
            table.scroll_end(animate=False, immediate=True)

    # --- keys -----------------------------------------------------------------------------------

    def _run(self, request: IncidentRequest) -> None:
        self.oncall_app.perform_incident(request)

    def action_note(self) -> None:
        def done(text: str | None) -> None:
            if text is not None:
                self._run(AddNote(self.incident_id, text))

        self.app.push_screen(TextModal(f"Note on #{self.incident_id}"), done)

    def action_status(self) -> None:
        if self.record is None:
            return

        def picked(status: IncidentStatus | None) -> None:
            if status is None:
                return
            if status is not IncidentStatus.RESOLVED:
                self._run(ChangeStatus(self.incident_id, status))
                return

            def resolved(line: str | None) -> None:
                if line is not None:
                    self._run(ChangeStatus(self.incident_id, status, line))

            self.app.push_screen(
                PromptModal(
                    f"Resolve #{self.incident_id}",
                    "Resolution (one line)",
                    self.record.fields.resolution if self.record else "",
                    validate=lambda v: None if v.strip() else "say how it was resolved",
                ),
                resolved,
            )

        self.app.push_screen(StatusModal(self.record.incident.status), picked)

    def action_owner(self) -> None:
        current = self.record.fields.owner if self.record else ""

        def done(owner: str | None) -> None:
            if owner is not None:
                self._run(SetFields(self.incident_id, {"owner": owner}))

        self.app.push_screen(
            PromptModal(f"Owner of #{self.incident_id}", "Who leads the response", current), done
        )

    def action_edit_field(self) -> None:
        record = self.record
        if record is None:
            return

        def picked(name: str | None) -> None:
            if name is None:
                return
            if name == "owner":
                self.action_owner()
                return

            def saved(text: str | None) -> None:
                if text is not None:
                    self._run(SetFields(self.incident_id, {name: text}))

            label = FIELD_LABELS[name]
            self.app.push_screen(
                TextModal(
                    f"{label.capitalize()} of #{self.incident_id}", record.fields.get(name), allow_empty=True
                ),
                saved,
            )

        self.app.push_screen(FieldPicker(record.fields), picked)

    def action_add_item(self) -> None:
        def done(request: ActionItemRequest | None) -> None:
            if request is not None:
                self._run(AddActionItem(self.incident_id, request.text, request.owner, request.due))

        self.app.push_screen(ActionItemModal(today_of(self._now)), done)

    def action_toggle_item(self) -> None:
        record = self.record
        items = self.items_table
        if record is None or not record.action_items or not items.row_count:
            self.notify("No action item to mark: i adds one.", severity="warning", timeout=4)
            return
        item = record.action_items[min(items.cursor_row, len(record.action_items) - 1)]
        self._run(SetActionItemDone(item.id, not item.done))

    def action_link(self) -> None:
        def done(text: str | None) -> None:
            if not text:
                return
            names = [p.strip() for p in text.split(",") if p.strip()]
            alerts, unknown = match_alerts(firing_alerts(self.oncall_app.alerts.state), names)
            if unknown:
                self.notify(
                    f"not firing now, not linked: {', '.join(unknown)}", severity="warning", timeout=8
                )
            if alerts:
                self._run(LinkAlerts(self.incident_id, tuple(alerts)))

        self.app.push_screen(
            PromptModal(f"Link alerts to #{self.incident_id}", "Alertnames or fingerprints of firing alerts"),
            done,
        )

    def action_unlink(self) -> None:
        record = self.record
        if record is None or not record.alerts:
            self.notify("No linked alert to unlink.", severity="warning", timeout=4)
            return
        known = {a.fingerprint: a for a in record.alerts}
        listing = ", ".join(f"{a.alertname or '?'} {a.fingerprint}" for a in record.alerts[:4])

        def done(text: str | None) -> None:
            if text is None:
                return
            value = text.strip()
            match = [a for a in record.alerts if value in (a.fingerprint, a.alertname)]
            if not match:
                self.notify(f"{value} is not linked to #{self.incident_id}", severity="warning", timeout=6)
                return
            self._run(UnlinkAlert(self.incident_id, match[0].fingerprint))

        first = next(iter(known))
        self.app.push_screen(
            PromptModal(
                f"Unlink an alert from #{self.incident_id}", f"Fingerprint or alertname ({listing})", first
            ),
            done,
        )

    def action_export(self) -> None:
        async def export() -> None:
            try:
                path = await self.desk.export(self.incident_id)
            except OncallError as error:
                self.notify(error.message, title="Export", severity="error", timeout=15)
                return
            self.notify(f"post-mortem draft written to {path}", title="Export", timeout=10)

        self.run_worker(export(), group="incident-export", exclusive=True, exit_on_error=False)

    def action_copy_reference(self) -> None:
        """``y``: ``#ID title`` of the incident."""
        if self.record is None:
            self.notify("The incident is not read yet.", severity="warning", timeout=3)
            return
        incident = self.record.incident
        self.copy_text(f"#{incident.id} {incident.title}")

    def action_runbook(self) -> None:
        """The runbook last followed for this incident (resumed), else a linked firing alert's."""
        alerts = firing_alerts(self.oncall_app.alert_feed.state)
        self.app.push_screen(screen_for_incident(self.oncall_app, self.incident_id, alerts))

    def action_back(self) -> None:
        self.app.pop_screen()

    def _now(self) -> datetime:
        return self.oncall_app.now or self.oncall_app.clock.now()
