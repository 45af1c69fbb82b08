"""Command-palette providers: open a trace by id, open the trace search."""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from oncall_tui.ui.app_services import AppServices

TRACE_ID = re.compile(r"^[0-9a-fA-F]{8,32}$")
"""What a pasted trace id looks like: 8-32 hex digits (64- and 128-bit ids, leading zeros dropped)."""


def trace_id_in(text: str) -> str | None:
    """The trace id typed (``4bf9…``, or ``trace 4bf9…`` as copied from the waterfall), else None."""
    words = text.strip().split()
    if len(words) >= 2 and words[0].lower() == "trace":
        words = words[1:2]
    if len(words) == 1 and TRACE_ID.match(words[0]):
        return words[0].lower()
    return None


class TraceCommands(Provider):
    """``Open trace <id>`` when the query is a hex trace id; ``Traces: search`` otherwise."""

    @property
    def _oncall_app(self) -> AppServices:
        return cast("AppServices", self.app)

    async def search(self, query: str) -> Hits:
        app = self._oncall_app
        trace_id = trace_id_in(query)
        if trace_id is not None:
            yield Hit(
                1.0,
                f"Open trace {trace_id}",
                partial(app.open_trace, trace_id),
                help="Fetch this trace from the context's Jaeger and show its waterfall",
            )
        matcher = self.matcher(query)
        for label, help_text, callback in self._fixed():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), callback, text=label, help=help_text)

    async def discover(self) -> Hits:
        for label, help_text, callback in self._fixed():
            yield DiscoveryHit(label, callback, help=help_text)

    def _fixed(self) -> list[tuple[str, str, partial[None]]]:
        app = self._oncall_app
        return [
            (
                "Traces: search",
                "Search Jaeger by service, operation, tags, duration (T)",
                partial(app.open_trace_search, None, None, None),
            ),
            (
                "Traces: open trace by id",
                "Type or paste a hex trace id here to open it",
                partial(self.app.notify, "type or paste the trace id into the palette", timeout=4),
            ),
        ]
