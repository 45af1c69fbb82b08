"""Key bindings of the Incidents, incident detail and Report screens (ids for ``[keymap]``)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

INCIDENTS_BINDINGS: list[BindingType] = [
    Binding("enter", "open_incident", "Open", id="incidents-open", tooltip="Open the incident's timeline"),
    Binding("slash", "filter", "Filter", key_display="/", id="incidents-filter", tooltip="Filter the list"),
    Binding("N", "new_incident", "New", id="incidents-new", tooltip="Open an incident by hand"),
    Binding("escape", "back", "Back", show=False, id="incidents-back", tooltip="Back to the previous screen"),
]
"""Bindings of the Incidents screen."""

INCIDENT_DETAIL_BINDINGS: list[BindingType] = [
    Binding("n", "note", "Note", id="incident-note", tooltip="Add a note (multi-line) to the timeline"),
    Binding(
        "s", "status", "Status", id="incident-status", tooltip="Triggered, acknowledged, mitigated, resolved"
    ),
    Binding("o", "owner", "Owner", show=False, id="incident-owner", tooltip="Set who leads the response"),
    Binding("e", "edit_field", "Fields", id="incident-fields", tooltip="Impact, root cause, what went well…"),
    Binding("i", "add_item", "Item", id="incident-item", tooltip="Add an action item"),
    Binding(
        "d", "toggle_item", "Done", id="incident-item-done", tooltip="Mark the highlighted action item done"
    ),
    Binding("l", "link", "Link", show=False, id="incident-link", tooltip="Link firing alerts"),
    Binding("u", "unlink", "Unlink", show=False, id="incident-unlink", tooltip="Unlink an alert"),
    Binding("x", "export", "Export", id="incident-export", tooltip="Write the post-mortem draft (Markdown)"),
    Binding(
        "tab", "app.focus_next", "Next table", show=False, id="incident-next", tooltip="Timeline ↔ items"
    ),
    Binding("escape", "back", "Back", show=False, id="incident-back", tooltip="Back to the incident list"),
]
"""Bindings of an incident's detail screen."""

REPORT_BINDINGS: list[BindingType] = [
    Binding("escape", "back", "Back", show=False, id="report-back", tooltip="Back to the previous screen"),
]
"""Bindings of the Report screen."""
