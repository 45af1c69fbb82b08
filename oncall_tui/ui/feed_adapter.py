"""The one adapter between headless feeds (``services/feed.py``) and Textual.

``LiveFeed(app, feed)`` makes the app the feed's host: its loops run as app workers (so a failure
reaches the error funnel, ``ui/worker_errors.py``), its notices become toasts or the bell, and each
change of its state is published on a Textual ``Signal``. Screens do not subscribe to that signal
themselves: they call ``OncallScreen.follow`` (``ui/screens/base.py``), which also redraws a
screen that was hidden when the feed changed and drives the once-a-second tick.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

from textual.app import App
from textual.signal import Signal
from textual.worker import Worker

from oncall_tui.services.feed import Feed, Notice

S = TypeVar("S")


class AppFeedHost:
    """A feed's :class:`~oncall_tui.services.feed.FeedHost` on a Textual app."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._unstarted: dict[Worker[Any], Coroutine[Any, Any, None]] = {}

    def spawn(
        self, work: Coroutine[Any, Any, None], *, group: str, description: str, exclusive: bool = False
    ) -> None:
        if exclusive:
            self._close_unstarted(self._app.workers.cancel_group(self._app, group))
        worker = self._app.run_worker(
            work,
            name=description,
            group=group,
            exclusive=exclusive,
            exit_on_error=False,
            description=description,
        )
        self._unstarted[worker] = work

    def cancel(self, group: str) -> None:
        self._close_unstarted(self._app.workers.cancel_group(self._app, group))

    def _close_unstarted(self, cancelled: list[Worker[Any]]) -> None:
        # A worker cancelled before its task reached our coroutine never awaits it (a RuntimeWarning
        # when a screen is left at once): close those coroutines. Their tasks are already cancelled.
        for worker in cancelled:
            work = self._unstarted.pop(worker, None)
            if work is not None and inspect.getcoroutinestate(work) == inspect.CORO_CREATED:
                work.close()
        for worker, work in list(self._unstarted.items()):
            if inspect.getcoroutinestate(work) != inspect.CORO_CREATED:
                del self._unstarted[worker]  # started: the worker's cancellation reaches it

    def notice(self, notice: Notice) -> None:
        if notice.bell:
            self._app.bell()
        if notice.message:
            self._app.notify(
                notice.message, title=notice.title, severity=notice.severity, timeout=notice.timeout
            )

    def after_render(self, callback: Callable[[], None]) -> None:
        self._app.call_after_refresh(callback)


class LiveFeed(Generic[S]):
    """A feed run by the app; ``changed`` publishes every new state to the screens that follow it."""

    def __init__(self, app: App[Any], feed: Feed[S]) -> None:
        feed.host = AppFeedHost(app)
        self.feed = feed
        """The headless feed (its ``state``, ``start``, ``stop``, ``wake``)."""
        self.changed: Signal[S] = Signal(app, f"feed-{feed.name}")
        """Published after every change of the feed's state."""
        feed.subscribe(self.changed.publish)

    @property
    def state(self) -> S:
        """The feed's latest state."""
        return self.feed.state
