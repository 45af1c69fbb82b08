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
    Binding("r", "refresh_now", "Refresh", show=False, id="refresh-now", tooltip="Poll every source now"),
    Binding(
        "colon",
        "command_line",
        "Cmd",
        key_display=":",
        id="command-line",
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
    Binding("space", "select", "Select", id="alerts-select", tooltip="Pick alerts to ack together"),
    Binding("a", "ack", "Ack", id="alerts-ack", tooltip="Silence the alert(s) and log it"),
    Binding("u", "unack", "Unack", id="alerts-unack", tooltip="Expire the ack silence"),
    Binding("e", "escalate", "Escalate", id="alerts-escalate", tooltip="Notify the next escalation level"),
    Binding(
        "x",
        "exemplar_trace",
        "Exemplar trace",
        show=False,
        id="alerts-exemplar-trace",
        tooltip="Open the newest trace linked by an exemplar of the alert's expression",
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
    Binding("escape", "back", "Back", id="silences-back", tooltip="Back to the alerts"),
]
"""Bindings of the Silences screen."""
