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
TRACE_PREFIX = re.compile(r"^[0-9a-fA-F]{6,32}$")
"""What a shortened trace id shown on screen looks like: at least 6 hex digits."""
MATCHES_SHOWN = 8
"""Known traces listed for a prefix that several begin."""


def trace_id_in(text: str, *, prefix: bool = False) -> str | None:
    """The trace id typed (``4bf9…``, or ``trace 4bf9…`` as copied from the waterfall), else None.

    ``prefix`` accepts the shorter beginnings of ids that screens show (6 hex digits or more).
    """
    words = text.strip().split()
    if len(words) >= 2 and words[0].lower() == "trace":
        words = words[1:2]
    if len(words) == 1 and (TRACE_PREFIX if prefix else TRACE_ID).match(words[0]):
        return words[0].lower()
    return None


class TraceCommands(Provider):
    """``Open trace <id>`` when the query is a hex trace id; ``Traces: search`` otherwise."""

    @property
    def _oncall_app(self) -> AppServices:
        return cast("AppServices", self.app)

    async def search(self, query: str) -> Hits:
        app = self._oncall_app
        typed = trace_id_in(query, prefix=True)
        known = app.known_traces.resolve(typed) if typed is not None else []
        # An id (or the short id a screen showed) of a trace the app has seen opens that trace.
        for trace_id, where in known[:MATCHES_SHOWN]:
            yield Hit(
                1.0,
                f"Open trace {trace_id}",
                partial(app.open_trace, trace_id),
                help=f"Seen in {where}",
            )
        whole = trace_id_in(query)
        if whole is not None and not any(k == whole for k, _ in known):
            yield Hit(
                0.9 if known else 1.0,
                f"Open trace {whole}",
                partial(app.open_trace, whole),
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
