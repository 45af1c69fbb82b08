"""Every key binding in one table: id, key, action, description, tooltip.

The footer, the help screen and user keymap overrides (``[keymap]`` ids) all come
from here.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

APP_BINDINGS: list[BindingType] = [
    Binding(
        "S", "show_sources", "Sources", id="show-sources", tooltip="Data sources: health, versions, targets"
    ),
    Binding("r", "refresh_now", "Refresh", id="refresh-now", tooltip="Poll every source now"),
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
    Binding("up,k", "cursor(-1)", "Up", show=False, id="trace-up", tooltip="Previous span"),
    Binding("down,j", "cursor(1)", "Down", show=False, id="trace-down", tooltip="Next span"),
    Binding("pageup", "page(-1)", "Page up", show=False, id="trace-page-up", tooltip="One screen up"),
    Binding("pagedown", "page(1)", "Page down", show=False, id="trace-page-down", tooltip="One screen down"),
    Binding("home,g", "edge(0)", "First", show=False, id="trace-first", tooltip="First span"),
    Binding("end,G", "edge(1)", "Last", show=False, id="trace-last", key_display="G", tooltip="Last span"),
    Binding("space", "toggle_fold", "Fold", id="trace-fold", tooltip="Collapse or expand the span's subtree"),
    Binding(
        "left,h",
        "fold_left",
        "Collapse",
        show=False,
        id="trace-collapse",
        tooltip="Collapse the subtree; on a collapsed span or a leaf, go to the parent",
    ),
    Binding(
        "right,l",
        "fold_right",
        "Expand",
        show=False,
        id="trace-expand",
        tooltip="Expand the subtree; when expanded, go to the first child",
    ),
    Binding(
        "enter,d", "toggle_detail", "Detail", id="trace-detail", tooltip="Show or hide the span detail pane"
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
    Binding("p", "parent", "Parent", id="trace-parent", tooltip="Jump to the parent span"),
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
        tooltip="Clear the search; else close the detail pane; else leave the trace",
    ),
]
"""Bindings of the trace waterfall screen."""

TRACE_SEARCH_BINDINGS: list[BindingType] = [
    Binding(
        "ctrl+s", "search", "Search", id="traces-search", tooltip="Run the search (enter in a field does too)"
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
