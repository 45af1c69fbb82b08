"""The one owner of the cyclic garbage collector's settings (``gc.disable``/``gc.freeze``).

Two tools, for big loads only (a 10,000-alert poll, a 100,000-span trace), never for every poll:

- :func:`paused` holds off collections while one synchronous step builds a big structure that
  all survives (collections would find nothing to free). Counted and thread-safe: nested and
  concurrent pauses (a decode on the event loop, a ranking in a worker thread) end with the
  collector back on only when the last one ends. Never hold it across an ``await``: other code on
  the event loop would run without collections.
- :func:`keep_long_lived` moves what is alive now out of the collector's sight (``gc.freeze``),
  so full collections stop walking millions of long-lived objects (120-190 ms pauses, measured in
  ``benchmarks/bench_alerts_ui.py``). Frozen objects are still freed by reference counting; once
  an hour they go back to the collector and one full collection runs, so cycles among them are
  not kept forever. Feeds call it only after a big load: a sparkline polled every few seconds
  must not freeze the heap each time.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

UNFREEZE_EVERY = 3600.0
"""Seconds between handing frozen objects back to the collector (so cyclic garbage is not kept forever)."""

_lock = threading.Lock()
_pauses = 0
_was_enabled = True
_frozen_since = time.monotonic()


@contextmanager
def paused(*, keep: bool = False) -> Iterator[None]:
    """No cyclic collections inside the block (synchronous code only).

    ``keep``: what is alive at the end of the block (what it built) is moved out of the
    collector's sight before the collector is back on (``gc.freeze``, a constant-time splice).
    Without it, the first collection after a block that built 10,000 objects walks them all, and
    a full one walks everything not frozen: 15-65 ms with the GIL held, measured in
    ``benchmarks/bench_alerts_load.py``, while a key waits. For big loads only (see the module
    docstring); frozen objects go back to the collector with :func:`keep_long_lived`'s hourly
    hand-back.
    """
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()


def keep_long_lived(now: float | None = None) -> None:
    """Freeze what is alive now (after a big load was built and drawn); unfreeze + collect hourly."""
    global _frozen_since
    moment = time.monotonic() if now is None else now
    if moment - _frozen_since >= UNFREEZE_EVERY:
        # Freezing again right after unfreezing would hide the cycles again: collect in between.
        gc.unfreeze()
        gc.collect()
        _frozen_since = moment
    gc.freeze()
