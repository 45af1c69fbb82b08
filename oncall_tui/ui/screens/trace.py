"""TraceScreen: one trace as a waterfall, with search, critical-path jumps and a span detail pane.

Keys (table in ``ui/bindings.py``): ``space`` folds a subtree, ``←/→`` collapse/expand (or go to
parent/first child), ``1``-``9`` show the tree down to that depth, ``0`` expands all, ``p`` jumps to
the parent, ``/`` searches service, operation, span id and tag values (``key=value`` for one tag),
``n``/``N`` follow the **search matches while a search is active, else the critical path**
(``escape`` clears the search and gives ``n``/``N`` back to the critical path), ``enter``/``d``
toggle the detail pane (a bottom split, so the waterfall stays usable at 80x24), ``z`` zooms the
timeline to the span under the cursor (``Z`` or ``escape`` zooms out; spans outside show as ◂/▸).

The trace comes from a file (``oncall-tui trace FILE``; see ``ui/trace_file_app.py``) or from the
context's Jaeger by id. Fetching and analysing run in workers; results come back as messages.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Key
from textual.message import Message
from textual.widgets import Input, Static

from oncall_tui import collector
from oncall_tui.domain.durations import format_micros
from oncall_tui.domain.traces import TraceAnalysis, analyse
from oncall_tui.domain.waterfall import WaterfallView, open_waterfall, search
from oncall_tui.errors import OncallError
from oncall_tui.models.jaeger import Trace
from oncall_tui.ui.bindings import TRACE_BINDINGS
from oncall_tui.ui.screens.trace_navigation import TraceNavigation
from oncall_tui.ui.widgets.span_detail import SpanDetailPane
from oncall_tui.ui.widgets.waterfall import Waterfall, WaterfallRuler

FREEZE_SPANS = 10_000
"""Traces at least this big are exempted from the cyclic garbage collector once loaded."""


def prepare(trace: Trace) -> tuple[TraceAnalysis, WaterfallView, str]:
    """Analyse ``trace``, open its fully expanded view and sum it up (run off the event loop)."""
    analysis = analyse(trace)
    return analysis, open_waterfall(analysis), trace_facts(analysis)


def trace_facts(analysis: TraceAnalysis) -> str:
    """The one-line summary above the waterfall (one pass over the spans: call it off the event loop)."""
    t = analysis.trace
    parts = [
        f"trace {t.trace_id[:12]}",
        f"{analysis.span_count} spans",
        # Right after the span count: at 80 columns the tail of the line may be cut.
        f"depth {analysis.max_depth + 1}",
        f"{len(analysis.services_used())} svc",
        format_micros(analysis.duration_us),
    ]
    if t.error_count:
        parts.append(f"✖ {t.error_count} err")
    if len(analysis.root_spans) > 1:
        parts.append(f"{len(analysis.root_spans)} roots")
    if analysis.orphans:
        parts.append(f"{len(analysis.orphans)} orphans")
    skew = analysis.skew
    skewed = sum(1 for i in range(analysis.span_count) if skew(i))
    if skewed:
        parts.append(f"≈ {skewed} skewed")
    if analysis.duplicates:
        parts.append(f"{len(analysis.duplicates)} dup ids")
    return " · ".join(parts)


class TraceScreen(TraceNavigation):
    """Where is this request slow or failing? One trace, every span to scale."""

    TITLE_TEXT = "Trace"
    BINDINGS = TRACE_BINDINGS

    DEFAULT_CSS = """
    TraceScreen #trace-body { height: 1fr; }
    TraceScreen #trace-info { height: 1; padding: 0 1; background: $panel; color: $foreground; }
    TraceScreen #trace-status { height: 1; padding: 0 1; color: $text-muted; }
    TraceScreen #trace-status.-error { color: $error; text-style: bold; }
    TraceScreen #trace-message { height: 1fr; padding: 1 2; display: none; }
    TraceScreen #trace-message.-error { color: $error; text-style: bold; }
    TraceScreen.-message #trace-message { display: block; }
    TraceScreen.-message Waterfall, TraceScreen.-message WaterfallRuler { display: none; }
    TraceScreen #trace-find { height: 1; border: none; display: none; padding: 0 1; }
    TraceScreen #trace-find.-visible { display: block; }
    TraceScreen SpanDetailPane { display: none; }
    TraceScreen.-detail SpanDetailPane { display: block; }
    """

    @dataclass
    class Loaded(Message):
        """A trace was fetched and analysed."""

        analysis: TraceAnalysis
        """The analysis."""
        view: WaterfallView
        """Its fully expanded view."""
        facts: str
        """The summary line above the waterfall."""

    @dataclass
    class LoadFailed(Message):
        """Fetching or analysing failed; ``reason`` is one line for the user."""

        reason: str
        """What went wrong."""

    @dataclass
    class Searched(Message):
        """A search within the trace finished."""

        query: str
        """The query."""
        nodes: list[int]
        """Matching spans in waterfall order."""

    def __init__(
        self,
        *,
        traces: list[Trace] | None = None,
        trace_id: str | None = None,
        source_name: str | None = None,
    ) -> None:
        super().__init__()
        self.traces = list(traces or [])
        """Traces held locally (a file); empty when the trace is fetched by id."""
        self.trace_id = trace_id
        """Trace to fetch from the context's Jaeger (when no traces are given)."""
        self.source_name = source_name
        """Where the trace came from (a file path), for messages."""
        self.trace_index = 0
        """Which of :attr:`traces` is shown."""
        self.analysis: TraceAnalysis | None = None
        """The trace shown, once analysed."""
        self.search_query = ""
        """Active in-trace search ('' = none: n/N follow the critical path)."""
        self.search_nodes: list[int] = []
        """Matches of the active search, in waterfall order."""
        self._search_positions: list[int] = []

    # ------------------------------------------------------------- children
    @property
    def detail_pane(self) -> SpanDetailPane:
        return self.query_one(SpanDetailPane)

    @property
    def find_input(self) -> Input:
        return self.query_one("#trace-find", Input)

    def compose_body(self) -> ComposeResult:
        waterfall = Waterfall(id="waterfall")
        with Vertical(id="trace-body"):
            yield Static("", id="trace-info")
            yield WaterfallRuler(waterfall, id="trace-ruler")
            yield waterfall
            yield Static("", id="trace-message")
            yield Input(
                placeholder="find: service, operation, span id, tag value, or key=value · enter",
                id="trace-find",
                compact=True,
            )
            yield Static("", id="trace-status")
            yield SpanDetailPane(id="span-detail")

    def on_mount(self) -> None:
        super().on_mount()
        self._show_message("Loading trace…")
        self.waterfall.focus()
        self._load()

    # -------------------------------------------------------------- loading
    @work(exclusive=True, group="trace-load", exit_on_error=False, description="loading trace")
    async def _load(self) -> None:
        try:
            if self.traces:
                trace = self.traces[self.trace_index]
            else:
                trace = await self._fetch()
            analysis, view, facts = await asyncio.to_thread(prepare, trace)
        except OncallError as exc:
            self.post_message(self.LoadFailed(str(exc)))
            return
        self.post_message(self.Loaded(analysis, view, facts))

    async def _fetch(self) -> Trace:
        app = self.oncall_app
        sources = app.sources
        if self.trace_id is None:
            raise OncallError("no trace to show")
        if sources is None or "jaeger" not in sources.kinds:
            where = f"context {app.context_name}" if app.context_name else "this session"
            raise OncallError(f"{where} has no Jaeger configured; cannot fetch trace {self.trace_id}")
        self._show_message(f"Fetching trace {self.trace_id}…")
        client = await sources.jaeger()
        return await client.trace(self.trace_id)

    def on_trace_screen_loaded(self, message: Loaded) -> None:
        self.analysis = message.analysis
        known = self.oncall_app.known_traces
        trace_id = message.analysis.trace.trace_id
        known.add(trace_id, self.source_name or known.where(trace_id) or "opened traces")
        if message.analysis.span_count >= FREEZE_SPANS:
            # A big trace is hundreds of thousands of long-lived objects; full collections would
            # walk them all (pauses of ~100 ms mid-scroll). Freezing moves them out of the
            # collector's sight; they are still freed by reference counting when the screen goes.
            collector.keep_long_lived()
        self.remove_class("-message")
        self._clear_search()
        waterfall = self.waterfall
        waterfall.set_view(message.view, node=message.view.visible[0] if len(message.view) else None)
        self.query_one("#trace-ruler").refresh()
        self.query_one("#trace-info", Static).update(Text(message.facts, no_wrap=True))
        count = len(self.traces)
        if count > 1:
            self._set_status(f"trace {self.trace_index + 1} of {count} in {self.source_name}: [ and ] switch")
        else:
            self._set_status(self._idle_hint())
        if self.detail_visible:
            self._update_detail()

    def on_trace_screen_load_failed(self, message: LoadFailed) -> None:
        self._show_message(message.reason, error=True)
        self.notify(message.reason, title="Trace", severity="error", markup=False)

    def _show_message(self, text: str, *, error: bool = False) -> None:
        box = self.query_one("#trace-message", Static)
        box.update(Text(text))
        box.set_class(error, "-error")
        self.add_class("-message")

    # -------------------------------------------------------------- search
    def action_find(self) -> None:
        if self.analysis is None:
            return
        box = self.find_input
        box.add_class("-visible")
        box.value = self.search_query
        # Focus now, not after the queued events: keys typed right after "/" belong to the input.
        self.set_focus(box)

    def on_key(self, event: Key) -> None:
        # Textual runs a key's binding only after the keys typed behind it have bubbled up, so
        # "/" followed quickly by text would lose the text to the waterfall. "/" is therefore
        # handled here (the binding in ui/bindings.py documents it), and keys that reach the screen
        # while the find box is open but not yet focused are handed to it.
        box = self.find_input
        if box.has_focus:
            return
        if event.key == "slash" and not box.has_class("-visible") and self.analysis is not None:
            event.stop()
            event.prevent_default()
            self.action_find()
            return
        if not box.has_class("-visible"):
            return
        if event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            box.insert_text_at_cursor(event.character)
        elif event.key == "backspace":
            event.stop()
            event.prevent_default()
            box.action_delete_left()
        elif event.key == "enter":
            event.stop()
            event.prevent_default()
            self._submit_find(box.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "trace-find":
            return
        event.stop()
        self._submit_find(event.value)

    def _submit_find(self, value: str) -> None:
        query = value.strip()
        self._close_find()
        if not query:
            self._clear_search()
            return
        analysis = self.analysis
        if analysis is not None:
            self._set_status(f"searching {query!r}…")
            self._search(analysis, query)

    @work(exclusive=True, group="trace-search", exit_on_error=False, description="searching the trace")
    async def _search(self, analysis: TraceAnalysis, query: str) -> None:
        # Tag values are decoded for candidate spans only, but a 100k-span trace still deserves a thread.
        nodes = await asyncio.to_thread(search, analysis, query)
        self.post_message(self.Searched(query, nodes))

    def on_trace_screen_searched(self, message: Searched) -> None:
        analysis = self.analysis
        if analysis is None:
            return
        self.search_query = message.query
        self.search_nodes = message.nodes
        self._search_positions = [analysis.position[v] for v in message.nodes]
        self.waterfall.set_matches(frozenset(message.nodes))
        if not message.nodes:
            self._set_status(f"no span matches {message.query!r} · esc clears the search", error=True)
            return
        node = self.waterfall.cursor_node
        if node is not None and node in self.waterfall.matches:
            k = self.search_nodes.index(node)
            self._set_status(f"/{message.query}: match {k + 1} of {len(message.nodes)} · n/N next/prev")
        elif node is not None:
            self._jump_match(analysis, node, 1)

    def _close_find(self) -> None:
        box = self.find_input
        box.remove_class("-visible")
        self.set_focus(self.waterfall)

    def _clear_search(self) -> None:
        self.search_query = ""
        self.search_nodes = []
        self._search_positions = []
        if self.is_mounted:
            self.waterfall.set_matches(frozenset())
            self._set_status(self._idle_hint())

    # -------------------------------------------------------------- detail
    def action_toggle_detail(self) -> None:
        if self.analysis is None:
            return
        self.toggle_class("-detail")
        if self.detail_visible:
            self._update_detail()
        self.call_after_refresh(self.waterfall._scroll_to_cursor)

    def _update_detail(self) -> None:
        analysis = self.analysis
        node = self.waterfall.cursor_node
        if analysis is None or node is None:
            return
        self.detail_pane.show(analysis, node, self.waterfall.palette)

    # ---------------------------------------------------------------- misc
    def action_other_trace(self, step: int) -> None:
        if len(self.traces) < 2:
            return
        self.trace_index = (self.trace_index + step) % len(self.traces)
        self.analysis = None
        self._show_message("Loading trace…")
        self._load()

    def action_back(self) -> None:
        if self.find_input.has_class("-visible"):
            self._close_find()
            return
        if self.search_query:
            self._clear_search()
            return
        if self.detail_visible:
            self.action_toggle_detail()
            self.waterfall.focus()
            return
        if self.waterfall.zoom is not None:
            self.action_unzoom()
            return
        # The screen a session opened on (``oncall-tui trace FILE``) has nothing to go back to.
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While typing a search, letters belong to the input, not to the waterfall's keys.
        return not (self.is_mounted and self.find_input.has_focus and action != "back")
