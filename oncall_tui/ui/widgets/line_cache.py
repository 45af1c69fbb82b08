"""A bounded least-recently-used cache of rendered lines, shared by the Line-API widgets.

The alert list and the trace waterfall render only the rows on screen, each from a cache keyed on
everything the row's look depends on; scrolling back and forth then re-renders nothing. The hit and
miss counters are read by the benchmarks and tests.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LineCache(Generic[V]):
    """At most ``size`` entries; the least recently used one goes first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self.hits = 0
        """Lookups answered from the cache."""
        self.misses = 0
        """Lookups that had to render."""

    def get(self, key: Hashable) -> V | None:
        """The entry for ``key`` (now the most recently used), or None (counted as a miss)."""
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` for ``key``, dropping the least recently used entry when full."""
        self._entries[key] = value
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry (the counters stay)."""
        self._entries.clear()
