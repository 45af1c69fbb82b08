"""The trace screen's moves over the waterfall: cursor, folding, jumps (matches, critical path), zoom.

A base class of :class:`~oncall_tui.ui.screens.trace.TraceScreen`, which loads the trace, runs the
in-trace search and shows the span detail.
"""

from __future__ import annotations

import bisect

from rich.text import Text
from textual.widgets import Static

from oncall_tui.domain.durations import format_micros
from oncall_tui.domain.traces import TraceAnalysis
from oncall_tui.domain.waterfall import WaterfallView
from oncall_tui.ui.screens.base import OncallScreen
from oncall_tui.ui.widgets.waterfall import Waterfall


class TraceNavigation(OncallScreen):
    """Cursor, fold, jump and zoom keys over the waterfall of :attr:`analysis`."""

    analysis: TraceAnalysis | None
    """The loaded trace's analysis (None while loading)."""
    search_query: str
    """Active in-trace search ('' = none: n/N follow the critical path)."""
    search_nodes: list[int]
    """Nodes matching the search, in tree order."""
    _search_positions: list[int]

    @property
    def waterfall(self) -> Waterfall:
        return self.query_one(Waterfall)

    @property
    def status_line(self) -> Static:
        return self.query_one("#trace-status", Static)

    @property
    def detail_visible(self) -> bool:
        """Whether the span detail pane is shown."""
        return self.has_class("-detail")

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status_line.update(Text(text, no_wrap=True, overflow="ellipsis"))
        self.status_line.set_class(error, "-error")

    def _idle_hint(self) -> str:
        analysis = self.analysis
        if analysis is None:
            return ""
        return f"critical path: {len(analysis.critical_path)} spans · n/N jump · / find · enter detail"

    # -------------------------------------------------------------- cursor
    def _ready(self) -> WaterfallView | None:
        return self.waterfall.view if self.analysis is not None else None

    def action_cursor(self, delta: int) -> None:
        if self._ready() is not None:
            self.waterfall.move_cursor(delta)

    def action_page(self, direction: int) -> None:
        if self._ready() is not None:
            self.waterfall.page(direction)

    def action_edge(self, end: int) -> None:
        view = self._ready()
        if view is not None:
            self.waterfall.go_to_row(len(view) - 1 if end else 0)

    def on_waterfall_cursor_moved(self, message: Waterfall.CursorMoved) -> None:
        if self.detail_visible:
            self._update_detail()

    # ------------------------------------------------------------- folding
    def _apply(self, view: WaterfallView, node: int) -> None:
        analysis = view.analysis
        # Keep the cursor on the node, or on its nearest visible ancestor.
        target = node
        if view.row_of(node) is None:
            for ancestor in analysis.ancestors(node):
                if view.row_of(ancestor) is not None:
                    target = ancestor
                    break
        self.waterfall.set_view(view, node=target)

    def action_toggle_fold(self) -> None:
        view = self._ready()
        node = self.waterfall.cursor_node
        if view is None or node is None:
            return
        if view.analysis.child_count(node) == 0:
            self._set_status("this span has no children to fold")
            return
        self._apply(view.toggle(node), node)

    def action_fold_left(self) -> None:
        view = self._ready()
        node = self.waterfall.cursor_node
        if view is None or node is None:
            return
        if view.analysis.child_count(node) and node not in view.collapsed:
            self._apply(view.collapse(node), node)
        else:
            self.action_parent()

    def action_fold_right(self) -> None:
        view = self._ready()
        node = self.waterfall.cursor_node
        if view is None or node is None:
            return
        if node in view.collapsed:
            self._apply(view.expand(node), node)
        elif view.analysis.child_count(node):
            self.waterfall.move_cursor(1)

    def action_fold_depth(self, depth: int) -> None:
        view = self._ready()
        node = self.waterfall.cursor_node
        if view is None or node is None:
            return
        self._apply(view.collapse_depth(depth - 1), node)
        self._set_status(f"showing depth 1-{depth} · 0 expands all")

    def action_expand_all(self) -> None:
        view = self._ready()
        node = self.waterfall.cursor_node
        if view is None or node is None:
            return
        self._apply(view.expand_all(), node)
        self._set_status("expanded all")

    def action_parent(self) -> None:
        analysis = self.analysis
        node = self.waterfall.cursor_node
        if analysis is None or node is None:
            return
        parent = analysis.parent[node]
        if parent < 0:
            self._set_status("top-level span: no parent")
            return
        self.waterfall.go_to_node(parent)

    # -------------------------------------------------------------- jumps
    def action_jump(self, direction: int) -> None:
        """n/N: the active search's matches, else the critical path (documented in the binding)."""
        view = self._ready()
        node = self.waterfall.cursor_node
        if view is None or node is None:
            return
        if self.search_query:
            self._jump_match(view.analysis, node, direction)
        else:
            self._jump_critical(view, direction)

    def _jump_match(self, analysis: TraceAnalysis, node: int, direction: int) -> None:
        nodes = self.search_nodes
        if not nodes:
            self._set_status(f"no span matches {self.search_query!r} · esc clears the search", error=True)
            return
        here = analysis.position[node]
        positions = self._search_positions
        if direction > 0:
            k = bisect.bisect_right(positions, here)
            k = 0 if k >= len(nodes) else k
        else:
            k = bisect.bisect_left(positions, here) - 1
            k = len(nodes) - 1 if k < 0 else k
        self.waterfall.go_to_node(nodes[k])
        self._set_status(f"/{self.search_query}: match {k + 1} of {len(nodes)} · n/N next/prev · esc clears")

    def _jump_critical(self, view: WaterfallView, direction: int) -> None:
        rows = view.critical_rows()
        if not rows:
            self._set_status("no critical path in this view")
            return
        here = self.waterfall.cursor_row
        if direction > 0:
            k = bisect.bisect_right(rows, here)
            k = 0 if k >= len(rows) else k
        else:
            k = bisect.bisect_left(rows, here) - 1
            k = len(rows) - 1 if k < 0 else k
        self.waterfall.jump_to_row(rows[k])
        self._set_status(f"critical path: span {k + 1} of {len(rows)} shown · n/N next/prev")

    def action_copy_ids(self) -> None:
        analysis = self.analysis
        node = self.waterfall.cursor_node
        if analysis is None or node is None:
            return
        t = analysis.trace
        text = f"trace {t.trace_id}"
        if not analysis.is_pseudo(node):
            text += f" span {t.span_ids[node]} ({t.service(node)} {t.operations[node]})"
        self.app.copy_to_clipboard(text)
        self._set_status(f"copied: {text}")

    # ---------------------------------------------------------------- zoom
    def action_zoom(self) -> None:
        """Zoom the timeline to the span under the cursor; again (on the same span) zooms out."""
        analysis = self.analysis
        node = self.waterfall.cursor_node
        if analysis is None or node is None:
            return
        start = analysis.node_starts[node]
        window = (start, start + max(analysis.node_durations[node], 1))
        if self.waterfall.zoom == window:
            self.action_unzoom()
            return
        self.waterfall.set_zoom(window)
        self.query_one("#trace-ruler").refresh()
        offset = start - analysis.start_us
        self._set_status(
            f"timeline zoomed to +{format_micros(offset)} … +{format_micros(offset + window[1] - start)}"
            " · ◂ ▸ mark spans outside · Z zooms out"
        )

    def action_unzoom(self) -> None:
        if self.waterfall.zoom is None:
            return
        self.waterfall.set_zoom(None)
        self.query_one("#trace-ruler").refresh()
        self._set_status(self._idle_hint())

    def _update_detail(self) -> None:
        """Show the span under the cursor in the detail pane (the screen implements it)."""
        raise NotImplementedError
