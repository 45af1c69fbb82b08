"""Every key binding in one table: id, key, action, description, tooltip.

A top-level screen's binding has id ``show-<id>`` and action ``show_screen('<id>')``, ``<id>``
being its row in ``ui/screen_registry.py``.

The footer, the help screen and user keymap overrides (``[keymap]`` ids) all come
from here.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

APP_BINDINGS: list[BindingType] = [
    # Screens' own keys, then `?` and `q`, fill the footer at 80 columns: the screen switches are
    # listed by `?` and the command palette instead.
    Binding("A", "show_screen('alerts')", "Alerts", show=False, id="show-alerts", tooltip="The alert queue"),
    Binding(
        "M",
        "show_screen('metrics')",
        "Metrics",
        show=False,
        id="show-metrics",
        tooltip="Dashboards of live sparklines: RED, USE, your own",
    ),
    Binding(
        "L",
        "show_screen('silences')",
        "Silences",
        show=False,
        id="show-silences",
        tooltip="Silences: expire, extend, create",
    ),
    Binding(
        "S",
        "show_screen('sources')",
        "Sources",
        show=False,
        id="show-sources",
        tooltip="Data sources: health, versions, targets",
    ),
    Binding(
        "T",
        "show_screen('traces')",
        "Traces",
        show=False,
        id="show-traces",
        tooltip="Search Jaeger traces of this context",
    ),
    Binding(
        "I",
        "show_screen('incidents')",
        "Incidents",
        show=False,
        id="show-incidents",
        tooltip="The incident log: timelines, notes, status, post-mortems",
    ),
    # The Report has no key of its own (palette and help list it): letters are scarce at 80 columns.
    Binding(
        "r,ctrl+r",
        "refresh_now",
        "Refresh",
        show=False,
        id="refresh-now",
        tooltip="Poll every source now (ctrl+r where r opens a runbook)",
    ),
    Binding(
        "colon",
        "command_line",
        "Cmd",
        key_display=":",
        id="command-line",
        # Priority: opened before the keys typed after it are handed out, so they land in its
        # prompt (a paste of ":theme light"); a text field that has focus gets its ":" instead.
        priority=True,
        tooltip="Command line: a screen by name, ctx NAME, theme NAME, messages (tab completes)",
    ),
    Binding("question_mark", "help", "Help", key_display="?", id="help", tooltip="Every key, by screen"),
    # Textual shows its own palette key in the footer; this entry is for the help screen and keymap.
    Binding(
        "ctrl+p",
        "command_palette",
        "Palette",
        show=False,
        id="palette",
        tooltip="Jump anywhere, switch context or theme",
    ),
    Binding("q", "quit", "Quit", id="quit", tooltip="Quit oncall-tui"),
]
"""Bindings active on every screen."""

SOURCES_BINDINGS: list[BindingType] = [
    Binding(
        "tab", "app.focus_next", "Next table", id="sources-next", tooltip="Move between the three tables"
    ),
    Binding(
        "y",
        "copy_url",
        "Copy URL",
        show=False,
        id="sources-copy",
        tooltip="Copy the highlighted source's, peer's or scrape target's URL (OSC 52, works over SSH)",
    ),
    Binding("escape", "back", "Back", show=False, id="sources-back", tooltip="Back to the previous screen"),
]
"""Bindings of the Sources screen."""

TRACE_BINDINGS: list[BindingType] = [
    Binding(
        "up,k", "cursor(-1)", "Up", show=False, key_display="↑/k", id="trace-up", tooltip="Previous span"
    ),
    Binding(
        "down,j", "cursor(1)", "Down", show=False, key_display="↓/j", id="trace-down", tooltip="Next span"
    ),
    Binding("pageup", "page(-1)", "Page up", show=False, id="trace-page-up", tooltip="One screen up"),
    Binding("pagedown", "page(1)", "Page down", show=False, id="trace-page-down", tooltip="One screen down"),
    Binding(
        "home,g", "edge(0)", "First", show=False, key_display="home/g", id="trace-first", tooltip="First span"
    ),
    Binding(
        "end,G", "edge(1)", "Last", show=False, id="trace-last", key_display="end/G", tooltip="Last span"
    ),
    Binding("space", "toggle_fold", "Fold", id="trace-fold", tooltip="Collapse or expand the span's subtree"),
    Binding(
        "left,h",
        "fold_left",
        "Collapse",
        key_display="←/h",
        show=False,
        id="trace-collapse",
        tooltip="Collapse the subtree; on a collapsed span or a leaf, go to the parent",
    ),
    Binding(
        "right,l",
        "fold_right",
        "Expand",
        key_display="→/l",
        show=False,
        id="trace-expand",
        tooltip="Expand the subtree; when expanded, go to the first child",
    ),
    Binding(
        "enter,d",
        "toggle_detail",
        "Detail",
        key_display="⏎/d",
        id="trace-detail",
        tooltip="Show or hide the span detail pane",
    ),
    Binding(
        "slash", "find", "Find", key_display="/", id="trace-find", tooltip="Search service, operation, tags"
    ),
    Binding(
        "n",
        "jump(1)",
        "Next",
        id="trace-next",
        tooltip="Next search match while a search is active, else next critical-path span",
    ),
    Binding(
        "N",
        "jump(-1)",
        "Prev",
        show=False,
        id="trace-previous",
        tooltip="Previous search match while a search is active, else previous critical-path span",
    ),
    Binding("p", "parent", "Parent", show=False, id="trace-parent", tooltip="Jump to the parent span"),
    Binding(
        "z",
        "zoom",
        "Zoom",
        show=False,
        id="trace-zoom",
        tooltip="Zoom the timeline to the span under the cursor (again: zoom out)",
    ),
    Binding(
        "Z", "unzoom", "Zoom out", show=False, id="trace-unzoom", tooltip="Show the whole trace's timeline"
    ),
    Binding(
        "y",
        "copy_ids",
        "Copy ids",
        show=False,
        id="trace-copy",
        tooltip="Copy the trace id and the span id to the clipboard (OSC 52, works over SSH)",
    ),
    *[
        Binding(
            str(depth),
            f"fold_depth({depth})",
            f"Depth {depth}",
            show=False,
            id=f"trace-depth-{depth}",
            tooltip=f"Show the tree down to depth {depth} (collapse everything deeper)",
        )
        for depth in range(1, 10)
    ],
    Binding("0", "expand_all", "Expand all", show=False, id="trace-expand-all", tooltip="Expand every span"),
    Binding(
        "left_square_bracket",
        "other_trace(-1)",
        "Previous trace",
        key_display="[",
        show=False,
        id="trace-previous-trace",
        tooltip="Previous trace of a file holding several",
    ),
    Binding(
        "right_square_bracket",
        "other_trace(1)",
        "Next trace",
        key_display="]",
        show=False,
        id="trace-next-trace",
        tooltip="Next trace of a file holding several",
    ),
    Binding(
        "escape",
        "back",
        "Back",
        id="trace-back",
        tooltip="Clear the search; else close the detail pane; else zoom out; else leave the trace",
    ),
]
"""Bindings of the trace waterfall screen."""

TRACE_SEARCH_BINDINGS: list[BindingType] = [
    Binding(
        "ctrl+r", "search", "Search", id="traces-search", tooltip="Run the search (enter in a field does too)"
    ),
    Binding(
        "slash", "edit_form", "Form", key_display="/", id="traces-form", tooltip="Back to the search form"
    ),
    Binding(
        "t", "sort('time')", "Sort time", show=False, id="traces-sort-time", tooltip="Sort by start time"
    ),
    Binding(
        "u",
        "sort('duration')",
        "Sort duration",
        show=False,
        id="traces-sort-duration",
        tooltip="Sort by duration",
    ),
    Binding(
        "s", "sort('spans')", "Sort spans", show=False, id="traces-sort-spans", tooltip="Sort by span count"
    ),
    Binding(
        "e",
        "sort('errors')",
        "Sort errors",
        show=False,
        id="traces-sort-errors",
        tooltip="Sort by error count",
    ),
    Binding("escape", "back", "Back", id="traces-back", tooltip="Leave the trace search"),
]
"""Bindings of the trace search screen (sort keys act on the results list; again reverses)."""

ALERT_TABLE_BINDINGS: list[BindingType] = [
    Binding("up,k", "cursor_up", "Up", show=False, key_display="↑/k", id="alerts-up", tooltip="Previous row"),
    Binding(
        "down,j", "cursor_down", "Down", show=False, key_display="↓/j", id="alerts-down", tooltip="Next row"
    ),
    Binding("pageup", "page_up", "Page up", show=False, id="alerts-page-up", tooltip="One screen up"),
    Binding(
        "pagedown", "page_down", "Page down", show=False, id="alerts-page-down", tooltip="One screen down"
    ),
    # k9s grammar: g / G first and last row, as in the waterfall.
    Binding(
        "home,ctrl+home,g",
        "first",
        "First",
        key_display="home/g",
        show=False,
        id="alerts-first",
        tooltip="First row",
    ),
    Binding(
        "end,ctrl+end,G",
        "last",
        "Last",
        key_display="end/G",
        show=False,
        id="alerts-last",
        tooltip="Last row",
    ),
    # Not shown: the screen's own `enter` (Detail) is what the footer lists; both open the row.
    Binding("enter", "select_cursor", "Open", show=False, id="alerts-open", tooltip="Open the row"),
]
"""Bindings of the alert queue list itself (cursor keys; active while it has focus)."""

ALERTS_BINDINGS: list[BindingType] = [
    Binding(
        "slash", "filter", "Filter", key_display="/", id="alerts-filter", tooltip="Matchers and free text"
    ),
    Binding(
        "enter", "open", "Detail", id="alerts-detail", tooltip="Show the alert's detail; on a group: fold"
    ),
    Binding(
        "space", "select", "Select", show=False, id="alerts-select", tooltip="Pick alerts to ack together"
    ),
    Binding("a", "ack", "Ack", id="alerts-ack", tooltip="Silence the alert(s) and log it"),
    Binding("u", "unack", "Unack", id="alerts-unack", tooltip="Expire the ack silence"),
    Binding("e", "escalate", "Escalate", id="alerts-escalate", tooltip="Notify the next escalation level"),
    Binding(
        "m",
        "metrics",
        "Graph",
        show=False,
        id="alerts-metrics",
        tooltip="Chart the rule's expression around when it fired, with its threshold",
    ),
    Binding(
        "x",
        "exemplar_trace",
        "Exemplar trace",
        show=False,
        id="alerts-exemplar-trace",
        tooltip="Open the trace of the alert's newest exemplar (of a failed request, for an error alert)",
    ),
    Binding(
        "X",
        "exemplar_list",
        "Exemplars",
        show=False,
        id="alerts-exemplar-list",
        tooltip="List the exemplar traces of the alert's expression: time, value, trace id, errors",
    ),
    Binding(
        "t",
        "toggle_suppressed",
        "All/active",
        show=False,
        id="alerts-suppressed",
        tooltip="Show silenced and inhibited",
    ),
    Binding(
        "n",
        "new_silence",
        "Silence",
        show=False,
        id="alerts-new-silence",
        tooltip="New silence from matchers",
    ),
    Binding(
        "b",
        "group_by",
        "Group by",
        show=False,
        id="alerts-group-by",
        tooltip="Group by a label, or as Alertmanager does",
    ),
    Binding(
        "r",
        "runbook",
        "Runbook",
        id="alerts-runbook",
        tooltip="Step through the alert's runbook, logged in its group's incident (refresh: ctrl+r)",
    ),
    Binding(
        "y",
        "copy_link",
        "Copy link",
        show=False,
        id="alerts-copy",
        tooltip="Copy the alert's runbook link (else its source link): OSC 52, works over SSH",
    ),
    Binding(
        "T",
        "traces",
        "Traces",
        show=False,
        id="alerts-traces",
        tooltip="Traces of the alert's service around the time it fired",
    ),
    Binding(
        "tab", "app.focus_next", "Next pane", show=False, id="alerts-next", tooltip="Queue, detail, filter"
    ),
    Binding(
        "escape", "clear", "Clear", show=False, id="alerts-clear", tooltip="Clear selection, close detail"
    ),
]
"""Bindings of the Alerts screen."""

SILENCES_BINDINGS: list[BindingType] = [
    Binding(
        "slash", "filter", "Filter", key_display="/", id="silences-filter", tooltip="Free text or matchers"
    ),
    Binding("n", "new_silence", "New", id="silences-new", tooltip="Create a silence from typed matchers"),
    Binding("x", "expire", "Expire", id="silences-expire", tooltip="Expire the highlighted silence"),
    Binding("plus,E", "extend", "Extend", key_display="+", id="silences-extend", tooltip="Move its end"),
    Binding(
        "t",
        "toggle_expired",
        "Expired",
        show=False,
        id="silences-expired",
        tooltip="Show or hide expired silences",
    ),
    Binding(
        "y",
        "copy_matchers",
        "Copy",
        show=False,
        id="silences-copy",
        tooltip="Copy the silence's matchers as amtool takes them (OSC 52, works over SSH)",
    ),
    Binding("escape", "back", "Back", id="silences-back", tooltip="Back to the alerts"),
]
"""Bindings of the Silences screen."""

RUNBOOK_BINDINGS: list[BindingType] = [
    Binding("d", "mark('done')", "Done", id="runbook-done", tooltip="Mark the step done (logged) and go on"),
    Binding("s", "mark('skipped')", "Skip", id="runbook-skip", tooltip="Skip the step (logged) and go on"),
    Binding("n", "note", "Note", id="runbook-note", tooltip="Add a note to the step (logged)"),
    Binding(
        "y", "copy", "Copy", id="runbook-copy", tooltip="Copy the selected command (OSC 52, works over SSH)"
    ),
    Binding(
        "x",
        "run",
        "Run",
        id="runbook-run",
        tooltip="Run the selected command after a confirmation that shows it (y runs, enter never does)",
    ),
    Binding(
        "tab",
        "next_command",
        "Next command",
        show=False,
        id="runbook-next-command",
        tooltip="Select the next command",
    ),
    Binding(
        "right,l,right_square_bracket",
        "go(1)",
        "Next",
        key_display="→",
        id="runbook-next",
        tooltip="Show the next step",
    ),
    Binding(
        "left,h,left_square_bracket",
        "go(-1)",
        "Previous",
        key_display="←",
        show=False,
        id="runbook-previous",
        tooltip="Show the previous step",
    ),
    Binding("escape", "back", "Back", id="runbook-back", tooltip="Leave the runbook (progress is kept)"),
]
"""Bindings of the runbook step-through screen."""

INCIDENTS_BINDINGS: list[BindingType] = [
    Binding("enter", "open_incident", "Open", id="incidents-open", tooltip="Open the incident's timeline"),
    Binding("slash", "filter", "Filter", key_display="/", id="incidents-filter", tooltip="Filter the list"),
    Binding("N", "new_incident", "New", id="incidents-new", tooltip="Open an incident by hand"),
    Binding(
        "y",
        "copy_reference",
        "Copy",
        show=False,
        id="incidents-copy",
        tooltip="Copy '#ID title' of the highlighted incident (OSC 52)",
    ),
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
        "y", "copy_reference", "Copy", show=False, id="incident-copy", tooltip="Copy '#ID title' (OSC 52)"
    ),
    Binding(
        "r",
        "runbook",
        "Runbook",
        id="incident-runbook",
        tooltip="Step through the runbook last followed here, else the one of a linked alert",
    ),
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
METRICS_BINDINGS: list[BindingType] = [
    Binding(
        "left_square_bracket",
        "step_dashboard(-1)",
        "Prev dash",
        key_display="[",
        id="metrics-previous-dashboard",
        tooltip="Show the previous dashboard",
    ),
    Binding(
        "right_square_bracket",
        "step_dashboard(1)",
        "Next dash",
        key_display="]",
        id="metrics-next-dashboard",
        tooltip="Show the next dashboard",
    ),
    Binding(
        "d", "pick_dashboard", "Dashboards", id="metrics-dashboards", tooltip="Pick a dashboard from a list"
    ),
    Binding("v", "pick_variable", "Variables", id="metrics-variables", tooltip="Choose a variable's value"),
    Binding("y", "copy_promql", "Copy PromQL", id="metrics-copy", tooltip="Copy the panel's PromQL (OSC 52)"),
    Binding(
        "r,ctrl+r",
        "refresh_metrics",
        "Refresh",
        show=False,
        id="metrics-refresh",
        tooltip="Fetch the panels (and every source) now",
    ),
    Binding("escape", "back", "Back", show=False, id="metrics-back", tooltip="Back to the previous screen"),
]
"""Bindings of the Metrics screen (the panel grid adds tab/arrows and enter)."""

PANEL_GRID_BINDINGS: list[BindingType] = [
    Binding(
        "tab,right,l", "move(1)", "Next panel", show=False, id="metrics-next-panel", tooltip="Next panel"
    ),
    Binding(
        "shift+tab,left,h",
        "move(-1)",
        "Previous panel",
        show=False,
        id="metrics-previous-panel",
        tooltip="Previous panel",
    ),
    Binding(
        "down,j", "move_row(1)", "Panel below", show=False, id="metrics-panel-below", tooltip="Panel below"
    ),
    Binding(
        "up,k", "move_row(-1)", "Panel above", show=False, id="metrics-panel-above", tooltip="Panel above"
    ),
    Binding(
        "home,g",
        "edge(0)",
        "First panel",
        key_display="home/g",
        show=False,
        id="metrics-first-panel",
        tooltip="First panel",
    ),
    Binding(
        "end,G",
        "edge(1)",
        "Last panel",
        key_display="end/G",
        show=False,
        id="metrics-last-panel",
        tooltip="Last panel",
    ),
    Binding("enter", "open", "Drill down", id="metrics-drill-down", tooltip="Full chart of the panel"),
]
"""Bindings of the dashboard's panel grid."""

DRILLDOWN_BINDINGS: list[BindingType] = [
    Binding("1", "range('5m')", "5m", show=False, id="drilldown-5m", tooltip="Last 5 minutes"),
    Binding("2", "range('15m')", "15m", show=False, id="drilldown-15m", tooltip="Last 15 minutes"),
    Binding("3", "range('1h')", "1h", show=False, id="drilldown-1h", tooltip="Last hour"),
    Binding("4", "range('6h')", "6h", show=False, id="drilldown-6h", tooltip="Last 6 hours"),
    Binding("5", "range('24h')", "24h", show=False, id="drilldown-24h", tooltip="Last 24 hours"),
    Binding("6", "range('7d')", "7d", show=False, id="drilldown-7d", tooltip="Last 7 days"),
    Binding(
        "t",
        "typed_range",
        "Range",
        id="drilldown-range",
        tooltip="Type a range: 2h, or START..END (04:00..05:30)",
    ),
    Binding(
        "b", "baseline", "Baseline", id="drilldown-baseline", tooltip="Overlay offset 1d, then 1w, then off"
    ),
    Binding(
        "slash",
        "filter",
        "Filter",
        key_display="/",
        id="drilldown-filter",
        tooltip='Label filter: code="500" words',
    ),
    Binding("y", "copy_promql", "Copy PromQL", id="drilldown-copy", tooltip="Copy the PromQL (OSC 52)"),
    Binding(
        "x", "exemplars", "Exemplars", id="drilldown-exemplars", tooltip="Pick an exemplar and open its trace"
    ),
    Binding("escape", "back", "Back", id="drilldown-back", tooltip="Back to the dashboard"),
]
"""Bindings of the drill-down chart."""

# --- the key grammar shared by every list --------------------------------------------------------
# k9s-style: the same key means the same thing on every screen. The tables below are the bindings
# of the shared list widgets (``ui/widgets/lists.py``): every DataTable screen (Silences, Sources,
# trace search results, Incidents, an incident's timeline and items), every pick list of a modal,
# and the scrolling panes (help, messages, report, an alert's detail). A screen's own keys are
# checked after the focused list's, so none of these may be a screen action's key there
# (tests/unit/test_keys.py checks).

TABLE_BINDINGS: list[BindingType] = [
    Binding("up,k", "cursor_up", "Up", show=False, key_display="↑/k", id="table-up", tooltip="Previous row"),
    Binding(
        "down,j", "cursor_down", "Down", show=False, key_display="↓/j", id="table-down", tooltip="Next row"
    ),
    Binding("pageup", "page_up", "Page up", show=False, id="table-page-up", tooltip="One screen up"),
    Binding(
        "pagedown", "page_down", "Page down", show=False, id="table-page-down", tooltip="One screen down"
    ),
    Binding(
        "home,ctrl+home,g",
        "scroll_top",
        "First",
        key_display="home/g",
        show=False,
        id="table-first",
        tooltip="First row",
    ),
    Binding(
        "end,ctrl+end,G",
        "scroll_bottom",
        "Last",
        key_display="end/G",
        show=False,
        id="table-last",
        tooltip="Last row",
    ),
]
"""Bindings of every DataTable list (active while it has focus)."""

PICK_LIST_BINDINGS: list[BindingType] = [
    Binding(
        "up,k", "cursor_up", "Up", show=False, key_display="↑/k", id="pick-up", tooltip="Previous choice"
    ),
    Binding(
        "down,j", "cursor_down", "Down", show=False, key_display="↓/j", id="pick-down", tooltip="Next choice"
    ),
    Binding("home,g", "first", "First", key_display="home/g", show=False, id="pick-first", tooltip="First"),
    Binding("end,G", "last", "Last", key_display="end/G", show=False, id="pick-last", tooltip="Last"),
]
"""Bindings of the pick lists of modals (dashboards, variables, exemplars, post-mortem fields)."""

SCROLL_BINDINGS: list[BindingType] = [
    Binding("up,k", "scroll_up", "Up", show=False, key_display="↑/k", id="scroll-up", tooltip="Scroll up"),
    Binding(
        "down,j",
        "scroll_down",
        "Down",
        show=False,
        key_display="↓/j",
        id="scroll-down",
        tooltip="Scroll down",
    ),
    Binding("home,g", "scroll_home", "Top", key_display="home/g", show=False, id="scroll-top", tooltip="Top"),
    Binding(
        "end,G", "scroll_end", "Bottom", key_display="end/G", show=False, id="scroll-bottom", tooltip="Bottom"
    ),
]
"""Bindings of the scrolling text panes (help, messages, the report, an alert's detail)."""
