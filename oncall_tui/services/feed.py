"""A live feed: headless state that something keeps up to date, and listeners told after each change.

Every live screen renders one or more feeds: the alert session (alerts, silences, escalations,
the outbox), the source overviews, and next the metrics panels. A feed

- holds a frozen ``state`` that is replaced wholesale, never mutated (so a screen can compare
  with ``is`` and a listener never sees half an update);
- is started for a context (``start(sources)``) and stopped (``stop()``); starting again for
  another context stops the previous one first;
- tells its listeners after every change (``subscribe``) — plain callbacks, no Textual.

It runs its loops through a :class:`FeedHost`: :class:`AsyncioHost` (plain asyncio tasks) in unit
tests and headless use, the UI's adapter (``ui/feed_adapter.py``) in the app, where every loop is
a Textual worker (so its failures reach the app's error funnel) and notices become toasts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

if TYPE_CHECKING:
    from oncall_tui.services.sources import SourceSet

S = TypeVar("S")

Severity = Literal["information", "warning", "error"]
"""How loud a notice is (the toast severities)."""


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a feed wants the user told: a toast, or the terminal bell."""

    message: str
    """One line for the toast (empty for a bare bell)."""
    title: str = ""
    """Heading of the toast."""
    severity: Severity = "information"
    """Toast severity."""
    timeout: float = 6.0
    """Seconds the toast stays up."""
    bell: bool = False
    """Ring the terminal bell instead of (or as well as, when ``message`` is set) showing a toast."""


class FeedHost(Protocol):
    """What a feed needs from whoever runs it."""

    def spawn(
        self, work: Coroutine[Any, Any, None], *, group: str, description: str, exclusive: bool = False
    ) -> None:
        """Run ``work`` in the background in ``group`` (``exclusive``: cancel the rest of the group first)."""

    def cancel(self, group: str) -> None:
        """Cancel everything running in ``group``."""

    def notice(self, notice: Notice) -> None:
        """Tell the user (a toast, the bell)."""

    def after_render(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the screens have drawn the latest change (soon, headless)."""


class AsyncioHost:
    """A :class:`FeedHost` on plain asyncio tasks; notices are kept in :attr:`notices` (tests, headless)."""

    def __init__(self) -> None:
        self.notices: list[Notice] = []
        """Every notice, oldest first."""
        self.errors: list[BaseException] = []
        """Exceptions that ended spawned work (the app would toast them)."""
        self._groups: dict[str, set[asyncio.Task[None]]] = {}

    def spawn(
        self, work: Coroutine[Any, Any, None], *, group: str, description: str, exclusive: bool = False
    ) -> None:
        if exclusive:
            self.cancel(group)
        task = asyncio.get_running_loop().create_task(work, name=description)
        tasks = self._groups.setdefault(group, set())
        tasks.add(task)
        task.add_done_callback(lambda t: self._done(tasks, t))

    def _done(self, tasks: set[asyncio.Task[None]], task: asyncio.Task[None]) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.errors.append(task.exception())  # type: ignore[arg-type]

    def cancel(self, group: str) -> None:
        for task in self._groups.get(group, set()):
            task.cancel()

    def notice(self, notice: Notice) -> None:
        self.notices.append(notice)

    def after_render(self, callback: Callable[[], None]) -> None:
        asyncio.get_running_loop().call_soon(callback)

    async def settle(self) -> None:
        """Wait until no spawned work is left running (work spawned meanwhile included)."""
        while running := [t for tasks in self._groups.values() for t in tasks if not t.done()]:
            await asyncio.wait(running)

    async def aclose(self) -> None:
        """Cancel every task and wait for them to end."""
        tasks = [t for group in self._groups.values() for t in group]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class Feed(Generic[S]):
    """Base of every live feed: state replaced wholesale, listeners, start/stop through a host.

    Subclasses implement :meth:`_begin` (spawn their loops for a context through :meth:`spawn`)
    and publish with :meth:`_set`.
    """

    def __init__(self, name: str, initial: S, host: FeedHost | None = None) -> None:
        self.name = name
        """Short name; the prefix of its worker groups (``alerts``, ``sources``, ``metrics:cpu``)."""
        self.host: FeedHost = host or AsyncioHost()
        """Who runs its loops and shows its notices (the UI adapter replaces the default)."""
        self._state = initial
        self._initial = initial
        self._listeners: list[Callable[[S], None]] = []
        self._groups: set[str] = set()
        self.sources: SourceSet | None = None
        """Sources of the context it was started for (None when stopped)."""

    @property
    def state(self) -> S:
        """The latest state (read it once, then follow :meth:`subscribe`)."""
        return self._state

    @property
    def running(self) -> bool:
        """Started and not stopped since."""
        return self.sources is not None

    def subscribe(self, listener: Callable[[S], None]) -> Callable[[], None]:
        """Call ``listener(state)`` after every change; returns the function that unsubscribes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _set(self, state: S) -> None:
        self._state = state
        for listener in list(self._listeners):
            listener(state)

    def start(self, sources: SourceSet) -> None:
        """Follow ``sources``' context from now on (stops following the previous one)."""
        self.stop()
        self.sources = sources
        self._begin(sources)

    def stop(self) -> None:
        """Cancel every loop of the feed; its state stays as it was (a screen may still show it)."""
        for group in self._groups:
            self.host.cancel(group)
        self._groups.clear()
        self.sources = None

    def wake(self) -> None:
        """Poll now instead of at the next interval (no-op unless the feed polls)."""

    async def aclose(self) -> None:
        """Release what the feed holds beyond its loops (clients, files)."""

    def _begin(self, sources: SourceSet) -> None:
        raise NotImplementedError

    def spawn(
        self, work: Coroutine[Any, Any, None], *, group: str = "", description: str, exclusive: bool = False
    ) -> None:
        """Run ``work`` through the host in the feed's group (``name`` or ``name:group``)."""
        full = f"{self.name}:{group}" if group else self.name
        self._groups.add(full)
        self.host.spawn(work, group=full, description=description, exclusive=exclusive)

    def notice(self, notice: Notice) -> None:
        """Tell the user something through the host."""
        self.host.notice(notice)
