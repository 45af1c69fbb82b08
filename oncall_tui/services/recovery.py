"""One successful request to a source wakes every poller of that source that is waiting to retry.

The health bar, the alert queue and the Sources screen poll the same server through different
pollers, each with its own retry timer. Without this, each found out about a recovery on its own
schedule (the bar green while the queue still said "STALE: HTTP 500"). Every request of a source
goes through its :class:`RecoveringTransport`: a request that fails remembers the poller that
made it (:func:`oncall_tui.services.polling.current_poller`); the next request that gets an answer
wakes them all.
"""

from __future__ import annotations

import weakref
from typing import Any

import httpx

from oncall_tui.services.polling import Poller, current_poller


class SourceRecovery:
    """The pollers of one source waiting for it to answer again."""

    def __init__(self) -> None:
        self._waiting: weakref.WeakSet[Poller[Any]] = weakref.WeakSet()

    def failed(self) -> None:
        """A request of the running poller failed: wake it when the source answers again."""
        poller = current_poller()
        if poller is not None:
            self._waiting.add(poller)

    def succeeded(self) -> None:
        """The source answered: every poller waiting for it retries now."""
        if not self._waiting:
            return
        me = current_poller()
        waiting = [p for p in self._waiting if p is not me]
        self._waiting.clear()
        for poller in waiting:
            poller.wake()


class RecoveringTransport(httpx.AsyncBaseTransport):
    """Wraps a source's transport: reports each request's outcome to the source's :class:`SourceRecovery`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, recovery: SourceRecovery) -> None:
        self._inner = inner
        self._recovery = recovery

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._inner.handle_async_request(request)
        except Exception:
            self._recovery.failed()
            raise
        # A 5xx is the server failing; anything else (a 404 for an unknown trace included) means
        # it is up and answering.
        if response.status_code >= 500:
            self._recovery.failed()
        else:
            self._recovery.succeeded()
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
