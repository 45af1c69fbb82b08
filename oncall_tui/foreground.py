"""Keys before background work: worker threads give way while the UI answers a key.

CPython runs Python in one thread at a time and passes the GIL on every 5 ms (the switch
interval). A worker thread preparing a 55,000-alert poll therefore takes half of the CPU from
the event loop: a key that needs 7 ms of it was answered in 20-50 ms, and more when the hand-overs
fell badly. So the UI holds the foreground from the moment input reaches it until the frame that
shows it, and long loops in worker threads call :func:`give_way` at their checkpoints: while the
foreground is held, they wait there (without the GIL) instead of taking their turn.

A hold ends at :meth:`Foreground.release` or after :data:`HOLD_LIMIT`, whichever is first, so
a release that never comes (a key with nothing to redraw) delays background work by at most that
much. Checkpoints cost a method call and an attribute read when nothing is held: put one every
few hundred items of a loop, or per group of items.

Long work on the event loop itself (a big body decoded in slices) awaits :meth:`Foreground.turn`
between its slices: answering a key takes the loop several steps (app, screen, widget, refresh),
and a 4 ms slice after each step made a 7 ms key take 30-40 ms.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

HOLD_LIMIT = 0.1
"""The longest a worker waits at a checkpoint for one hold (seconds)."""
TURN_PAUSE = 0.001
"""How long :meth:`Foreground.turn` leaves the GIL to other threads (seconds)."""


class Foreground:
    """Whether the UI has input in hand, and the checkpoint where worker threads wait for it."""

    def __init__(self, limit: float = HOLD_LIMIT) -> None:
        self._limit = limit
        self._open = threading.Event()
        self._open.set()
        self._until = 0.0
        self._answering = threading.main_thread().ident
        self.holds = 0
        """Holds taken so far (benchmarks and tests read it)."""

    @property
    def held(self) -> bool:
        """True while input is in hand and the hold has not run out."""
        return not self._open.is_set() and time.monotonic() < self._until

    def hold(self) -> None:
        """Input arrived: workers wait at their checkpoints (until :meth:`release` or the limit)."""
        self._until = time.monotonic() + self._limit
        self.holds += 1
        self._open.clear()

    def answer_from(self, thread_id: int | None) -> None:
        """The thread that answers input (the event loop's): it never waits at a checkpoint."""
        self._answering = thread_id

    def release(self) -> None:
        """The input was answered (its frame is drawn): workers carry on."""
        self._open.set()

    def give_way(self) -> None:
        """A worker's checkpoint: return at once, or when the hold is released or runs out.

        On the thread that answers input (the event loop's: the same code also runs there for
        small polls) it never waits, or it would wait for itself.
        """
        if self._open.is_set() or threading.get_ident() == self._answering:
            return
        remaining = self._until - time.monotonic()
        if remaining > 0:
            self._open.wait(remaining)

    async def turn(self) -> None:
        """Between two slices of work on the event loop: let everything else run, other threads
        included, and while input is in hand, wait until it is answered (or the hold runs out).

        A millisecond, not ``sleep(0)``: the loop then waits in ``select`` without the GIL long
        enough for a thread that wants it to take it. With ``sleep(0)`` the loop let go of the GIL
        for microseconds at a time and took it straight back; the thread waiting for it (the
        terminal's input thread, holding a key) lost every race, and a key typed during a 260 ms
        decode reached the app only after it.
        """
        await asyncio.sleep(TURN_PAUSE)
        # Polled: the hold is released by a refresh callback or runs out by itself, which an
        # asyncio.Event alone would not tell.
        while self.held:  # noqa: ASYNC110
            await asyncio.sleep(0.001)


foreground = Foreground()
"""The process's one foreground (there is one event loop, one terminal)."""

give_way = foreground.give_way
"""Shorthand for the checkpoint in worker loops."""

PACE = 256
"""Items between two checkpoints in :func:`paced` (a few hundred microseconds of work)."""


def paced(items: Iterable[T], every: int = PACE) -> Iterator[T]:
    """``items``, with a :func:`give_way` checkpoint every ``every`` of them (for worker loops)."""
    for count, item in enumerate(items):
        if count % every == 0:
            give_way()
        yield item
