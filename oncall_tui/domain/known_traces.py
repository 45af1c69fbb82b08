"""Trace ids the app has seen (search results, exemplars, opened traces, a trace file), for short ids.

Screens show trace ids shortened (``trace 83a9efd15c1c`` above a waterfall); typed into the
palette, such a prefix is resolved against these rather than sent to Jaeger as a whole id.
"""

from __future__ import annotations

from collections import OrderedDict

KNOWN_LIMIT = 2000
"""Most ids remembered (the oldest seen are forgotten first)."""


class KnownTraces:
    """Trace ids with where each was seen, most recently seen last."""

    def __init__(self, limit: int = KNOWN_LIMIT) -> None:
        self._seen: OrderedDict[str, str] = OrderedDict()
        self._limit = limit

    def add(self, trace_id: str, where: str) -> None:
        """Remember ``trace_id`` (any case) as seen in ``where`` (``search results``, a file name…)."""
        key = trace_id.lower()
        self._seen[key] = where
        self._seen.move_to_end(key)
        while len(self._seen) > self._limit:
            self._seen.popitem(last=False)

    def where(self, trace_id: str) -> str | None:
        """Where ``trace_id`` was seen, if it was."""
        return self._seen.get(trace_id.lower())

    def resolve(self, text: str) -> list[tuple[str, str]]:
        """``(trace id, where)`` of the known ids ``text`` is the whole of or begins, newest first."""
        prefix = text.strip().lower()
        if not prefix:
            return []
        exact = self._seen.get(prefix)
        if exact is not None:
            return [(prefix, exact)]
        return [(tid, where) for tid, where in reversed(self._seen.items()) if tid.startswith(prefix)]
