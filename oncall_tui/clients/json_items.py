"""Where the items of a big JSON array of objects begin and end, found without parsing the whole array.

Splitting a 50 MB array into its items with msgspec (``list[msgspec.Raw]``) takes about 55 ms in
one call that holds the GIL: a keystroke waits that long. Servers write arrays of objects whose
items all start with the same key (Go marshals struct fields in order: ``{"alerts":…}``), so the
boundaries can be searched for as ``},{"alerts":`` with a regex, a piece at a time.

A match is only a *candidate*: the same bytes may sit inside a string or a nested object. Each
candidate piece is confirmed by decoding it; JSON is tokenized left to right, so a piece that
starts at a true boundary and ends anywhere else is truncated (a decode error), never a
different valid object. The caller then extends the piece to the next candidate.
"""

from __future__ import annotations

import re

_FIRST_KEY = re.compile(rb'\A\s*\[\s*\{\s*("(?:[^"\\]|\\.){1,200}")\s*:')


def _last_non_space(body: bytes, before: int) -> int:
    """Index of the last byte before ``before`` that is not JSON whitespace (without copying the body)."""
    index = before - 1
    while index > 0 and body[index] in b" \t\r\n":
        index -= 1
    return index


class ItemSplitter:
    """Candidate pieces of one array body, in order; :meth:`accept` or :meth:`extend` each."""

    def __init__(self, body: bytes, first_key: bytes) -> None:
        self._body = body
        self._view = memoryview(body)
        self._boundary = re.compile(rb"\}\s*,\s*(\{\s*" + re.escape(first_key) + rb"\s*:)")
        self._end = _last_non_space(body, len(body))  # the closing ]
        self._last_end = _last_non_space(body, self._end) + 1  # after the last item's }
        self._start = body.index(b"{")
        self._search_from = self._start
        self._piece_end = 0
        self._next_start = 0
        self.finished = False
        """Every item was accepted."""

    @classmethod
    def of(cls, body: bytes) -> ItemSplitter | None:
        """A splitter for ``body``, or None when it does not look like ``[{"key": …}, …]``."""
        found = _FIRST_KEY.match(body[:1024])
        if found is None or body[_last_non_space(body, len(body))] != ord("]"):
            return None
        return cls(body, found.group(1))

    def candidate(self) -> memoryview | None:
        """The next candidate piece (from the current item's start), or None when none is left."""
        found = self._boundary.search(self._body, self._search_from, self._end)
        if found is not None:
            self._piece_end = found.start() + 1
            self._next_start = found.start(1)
            self._search_from = self._piece_end
            return self._view[self._start : self._piece_end]
        if self._search_from > self._end:
            return None
        # The last item: up to the closing bracket.
        self._piece_end = self._last_end
        self._next_start = self._end
        self._search_from = self._end + 1
        return self._view[self._start : self._piece_end]

    def accept(self) -> None:
        """The last candidate was a whole item: the next one starts after it."""
        if self._next_start >= self._end:
            self.finished = True
            return
        self._start = self._search_from = self._next_start
