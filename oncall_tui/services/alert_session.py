"""The alert session: polling, actions, outbox drain, ack keeper and incident lifecycle — headless.

It runs at app level, not on a screen, so response timers, automatic escalation, the outbox and
"ack until resolved" keep running while another screen shows. It is a :class:`Feed`: screens
render :attr:`AlertSession.state` (an :class:`AlertFeedState`, replaced wholesale after every poll
or action) and follow its changes; a unit test drives it with a ``FakeClock`` and no App.

Every action goes through :mod:`oncall_tui.services.actions` (log first, outbox, then send); the
session only adds what the screens need: which alerts have an action in flight, which outbox
items are still pending, and a notice (toast) per result.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from oncall_tui import collector
from oncall_tui.clients.alertmanager_ha import AlertmanagerCluster
from oncall_tui.clients.notify import Notifier
from oncall_tui.clock import Clock
from oncall_tui.config.settings import Settings
from oncall_tui.domain.alert_queue import GroupRow, QueueSnapshot, QueueView
from oncall_tui.domain.incident_lifecycle import Step
from oncall_tui.domain.resolved_alerts import describe_resolved
from oncall_tui.domain.severity import SeverityPolicy
from oncall_tui.errors import OncallError
from oncall_tui.models.alertmanager import PostableSilence
from oncall_tui.services.ack_keeper import AckKeeper
from oncall_tui.services.actions import ActionResult, ActionStatus, AlertActions
from oncall_tui.services.alert_state import (
    BIG_POLL,
    AlertFeedState,
    AlertPoll,
    PollChanges,
    poll_changes,
    prepare_poll,
)
from oncall_tui.services.feed import Feed, FeedHost, Notice, Severity
from oncall_tui.services.firing_log import FiringLog
from oncall_tui.services.incident_lifecycle import IncidentLifecycle
from oncall_tui.services.outbox_drain import Deliverer, OutboxDrain
from oncall_tui.services.polling import Failed, Fresh, Poller
from oncall_tui.store.db import Database
from oncall_tui.store.outbox import DEFAULT_LEASE

if TYPE_CHECKING:
    from oncall_tui.models.incident_record import AlertFiring
    from oncall_tui.services.sources import SourceSet


class _LazyCluster:
    """The context's Alertmanager cluster, built per call so unresolved credentials retry each time."""

    def __init__(self, sources: SourceSet) -> None:
        self._sources = sources

    async def _cluster(self) -> AlertmanagerCluster:
        return await self._sources.alertmanager()

    async def silences(self, filters: Sequence[str] = ()) -> Any:
        return await (await self._cluster()).silences(filters)

    async def create_silence(self, silence: PostableSilence) -> str:
        return await (await self._cluster()).create_silence(silence)

    async def expire_silence(self, silence_id: str) -> None:
        await (await self._cluster()).expire_silence(silence_id)


class AlertSession(Feed[AlertFeedState]):
    """Polls alerts and silences, runs actions, drains the outbox; a feed of :class:`AlertFeedState`."""

    def __init__(
        self, settings: Settings, clock: Clock, database_path: Path | None, host: FeedHost | None = None
    ) -> None:
        super().__init__("alerts", AlertFeedState(), host)
        self._settings = settings
        self._clock = clock
        self._database_path = database_path
        self.policy = SeverityPolicy.from_settings(settings.alerts)
        """Severity policy of ``[alerts]``."""
        self.actions: AlertActions | None = None
        """The action service of the active context (None without Alertmanager or incident log)."""
        self._db: Database | None = None
        self._firings = FiringLog(clock)
        self._notifier: Notifier | None = None
        self._poller: Poller[AlertPoll] | None = None
        self._drain: OutboxDrain | None = None
        self._after_poll_busy = False
        self._after_poll_next: AlertPoll | None = None
        self._keeper: AckKeeper | None = None
        self._lifecycle: IncidentLifecycle | None = None
        self._completed: list[Callable[[str, list[ActionResult]], None]] = []
        self.escalated: set[str] = set()
        """Group keys escalated by hand in this session (their level is tracked from then on)."""
        self.notifier_transport: httpx.AsyncBaseTransport | None = None
        """Transport of the escalation notifiers (tests set a MockTransport before the app starts)."""

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The app's settings."""
        return self._settings

    def _open_store(self) -> Database | None:
        if self._db is None and self.state.store_error is None:
            try:
                self._db = Database.open(self._database_path)
            except OncallError as exc:
                self._set(replace(self.state, store_error=exc.message))
                self.notice(
                    Notice(
                        f"{exc.message}. Acks and escalations are disabled.",
                        title="Incident log",
                        severity="error",
                        timeout=15,
                    )
                )
        return self._db

    def _begin(self, sources: SourceSet) -> None:
        """Poll ``sources``' Alertmanager (the previous context's loops are already stopped)."""
        am = sources.context.alertmanager
        store_error = self.state.store_error
        self._state = AlertFeedState(store_error=store_error, configured=am is not None)
        self.actions = None
        self._poller = None
        self._after_poll_busy = False
        self._after_poll_next = None
        self._drain = None
        self._keeper = None
        self._lifecycle = None
        if am is None:
            self._set(self.state)
            return
        db = self._open_store()
        api = _LazyCluster(sources)
        alerts = self._settings.alerts
        if alerts.notifiers and self._notifier is None:
            self._notifier = Notifier(alerts.notifiers, transport=self.notifier_transport)
        if db is not None:
            context = sources.context_name
            self.actions = AlertActions(
                db,
                api,
                settings=alerts,
                user=self._settings.user,
                clock=self._clock,
                notifier=self._notifier,
                context=context,
                # The first attempt tries the peers one after the other; the drain must not pick the
                # item up while that can still be running.
                lease=max(DEFAULT_LEASE, timedelta(seconds=am.timeout * len(am.urls) * 2 + 10)),
            )
            # This context's drain: it claims only this context's items (and app-wide notifications),
            # so what was queued for another context waits for that one instead of coming here.
            self._drain = OutboxDrain(
                db,
                Deliverer(api, self._notifier),
                self._clock,
                context=context,
                on_error=lambda exc: self.notice(
                    Notice(
                        f"{exc.message} — queued actions will be retried", title=exc.title, severity="warning"
                    )
                ),
                on_delivered=lambda _: self.spawn(
                    self.refresh_incidents(), description="reading queued actions"
                ),
            )
            self._keeper = AckKeeper(self.actions, alerts.ack.until_resolved_step)
            self._lifecycle = IncidentLifecycle(
                self.actions.log, self._clock, context, alerts.incident_resolve_grace
            )
            self.spawn(self._drain.run(), description="delivering queued actions")
            # Show this context's queued actions at once, even if its Alertmanager does not answer
            # (then no poll succeeds, and the after-poll refresh never runs).
            self.spawn(self.refresh_incidents(), description="reading queued actions")
        self._poller = Poller(
            "alerts",
            self._fetch,
            self._polled,
            refresh=am.refresh,
            timeout=am.timeout * 2,
            max_backoff=am.max_backoff,
            clock=self._clock,
        )
        self.spawn(self._poller.run(), description="polling alerts")
        self._set(self.state)

    async def aclose(self) -> None:
        """Close the notifier's clients and the incident log."""
        if self._notifier is not None:
            await self._notifier.aclose()
        if self._db is not None:
            self._db.close()
            self._db = None

    def wake(self) -> None:
        """Poll now and retry due outbox items now."""
        if self._poller is not None:
            self._poller.wake()
        if self._drain is not None:
            self._drain.wake()

    # --- polling -----------------------------------------------------------------------------

    async def _fetch(self) -> AlertPoll:
        assert self.sources is not None
        cluster = await self.sources.alertmanager()
        groups, silences = await asyncio.gather(cluster.alert_groups(), cluster.silences())
        # Ranking, grouping and comparing 10k alerts is pure Python: off the event loop, so keys
        # stay responsive. The state it compares with is the one now: only _polled changes it.
        before, now = self.state, self._clock.now()

        def prepare() -> tuple[QueueSnapshot, Mapping[str, GroupRow], QueueView, PollChanges]:
            # What a big poll builds is frozen before the collector is back on: its first
            # collection would otherwise walk every row just built, 12-40 ms holding the GIL.
            big = sum(len(group.alerts) for group in groups.value) >= BIG_POLL
            with collector.paused(keep=big):
                snapshot, am_groups, default_view = prepare_poll(
                    groups.value, self.policy, silences.value, self._settings.alerts.group_by, before.snapshot
                )
                changes = poll_changes(before, snapshot, now)
            return snapshot, am_groups, default_view, changes

        snapshot, am_groups, default_view, changes = await asyncio.to_thread(prepare)
        problems = tuple(
            f"{p.url}: {p.reason}" for p in (*groups.failed, *silences.failed) if p.reason is not None
        )
        return AlertPoll(
            snapshot, am_groups, default_view, tuple(silences.value), tuple(dict.fromkeys(problems)), changes
        )

    def _polled(self, result: Fresh[AlertPoll] | Failed[AlertPoll]) -> None:
        if isinstance(result, Failed):
            self._set(replace(self.state, error=result.error.message))
            return
        poll = result.value
        changes = poll.changes
        if self.state.error is not None and self.state.pending and self._drain is not None:
            # Alertmanager is back: what waits out a backoff (up to minutes) is delivered now.
            self._drain.wake(retry_now=True)
        self._set(
            replace(
                self.state,
                snapshot=poll.snapshot,
                am_groups=poll.am_groups,
                default_view=poll.default_view,
                silences=poll.silences,
                fetched_at=changes.at,
                error=None,
                peer_problems=poll.peer_problems,
                first_seen=changes.first_seen,
                generation=self.state.generation + 1,
                resolved=changes.resolved,
            )
        )
        just_resolved = changes.just_resolved
        if just_resolved:
            self.notice(Notice(describe_resolved(just_resolved), title="Resolved", severity="information"))
        if len(poll.snapshot.rows) >= BIG_POLL:
            # After the screens have drawn this poll (so its table cells are included).
            self.host.after_render(collector.keep_long_lived)
        if self._settings.alerts.bell_on_new_critical and changes.new_critical:
            self.notice(Notice("", bell=True))
        if self.actions is not None:
            # Once the screens have drawn the poll: its threads would otherwise share the GIL with
            # the table update and slow it (and so keystrokes) down.
            self.host.after_render(lambda: self._start_after_poll(poll))

    def _start_after_poll(self, poll: AlertPoll) -> None:
        if not self.running:
            return
        if self._after_poll_busy:
            # Never cut one short (an incident resolved in the log and its notice not yet given
            # would lose the notice): the newest poll's turn comes when it is done.
            self._after_poll_next = poll
            return
        self._after_poll_busy = True
        context = self.sources
        self.spawn(
            self._after_polls(poll, context), group="after-poll", description="escalation and ack keeping"
        )

    async def _after_polls(self, poll: AlertPoll, context: SourceSet | None) -> None:
        next_poll: AlertPoll | None = poll
        try:
            while next_poll is not None:
                await self._after_poll(next_poll)
                next_poll, self._after_poll_next = self._after_poll_next, None
        finally:
            if self.sources is context:  # a context switched meanwhile has its own
                self._after_poll_busy = False
                self._after_poll_next = None

    async def _after_poll(self, poll: AlertPoll) -> None:
        """Keep "until resolved" acks alive, escalate what is due, refresh timers and pending marks."""
        actions = self.actions
        if actions is None:
            return
        if self._keeper is not None:
            # Evaluated in the keeper's thread, and only when an ack is due.
            shown = itertools.chain(
                ((row.alert, row.group_key) for row in poll.snapshot.rows),
                ((r.alert, r.group_key) for r in self.state.resolved.values()),
            )
            for result in await self._keeper.run_once(
                poll.silences, poll.snapshot.alerts(), self._clock.now(), shown
            ):
                if not result.ok:
                    self._report(result, "Ack keeper")
        # Firings first: an incident the escalation opens then learns its alerts' names and starts.
        # Walking every alert of a big poll is pure Python: in a thread, so keys stay answered.
        context = actions.engine.context or ""

        def walk() -> tuple[list[AlertFiring], set[str]]:
            # What the firing log remembers of a big poll (55,000 keys) is frozen as it is made:
            # else the collections that follow walk it, 20-45 ms each with the GIL held.
            with collector.paused(keep=len(poll.snapshot.rows) >= BIG_POLL):
                return (
                    self._firings.new_firings(poll.snapshot.alerts(), context),
                    # Every alert of the poll counts (a silenced alert still fires).
                    {row.group_key for row in poll.snapshot.rows},
                )

        firings, firing = await asyncio.to_thread(walk)
        if firings and self._db is not None:
            await asyncio.to_thread(self._firings.write, self._db, firings)
        if self._lifecycle is not None:
            for decision in await asyncio.to_thread(self._lifecycle.after_poll, firing):
                if decision.step is Step.RESOLVE:
                    text = f"incident #{decision.incident_id} {decision.text}"
                    self.notice(Notice(text, title="Incident resolved", severity="information"))
        # The due check runs in a worker thread (one query, then pure code over the poll's groups).
        for result in await actions.auto_escalate(groups=poll.am_groups.values()):
            self._report(result, "Automatic escalation")
        await self.refresh_incidents()

    async def refresh_incidents(self) -> None:
        """Re-read escalation states and pending outbox items (after a poll or an action)."""
        actions = self.actions
        snapshot = self.state.snapshot
        if actions is None:
            return
        keys = self._tracked_groups(self.state.am_groups) if snapshot is not None else []
        escalations = await asyncio.to_thread(actions.escalation_states, keys)
        pending = await asyncio.to_thread(actions.pending)
        if self.actions is not actions:
            return  # the context changed meanwhile: these are the previous context's items
        self._set(replace(self.state, escalations=escalations, pending=tuple(pending)))

    def _tracked_groups(self, groups: Mapping[str, GroupRow]) -> list[str]:
        """Groups whose escalation state is shown: those that can escalate by themselves (an active
        alert of the top severity) and those escalated by hand before."""
        top = len(self.policy.order)
        keys = [k for k, g in groups.items() if g.rank == top]
        keys.extend(k for k in self.state.escalations if k not in set(keys))
        keys.extend(k for k in self.escalated if k not in set(keys))
        return keys

    # --- actions -----------------------------------------------------------------------------

    def on_completed(self, listener: Callable[[str, list[ActionResult]], None]) -> Callable[[], None]:
        """Call ``listener(what, results)`` after every action run through :meth:`perform` (and the
        refresh of escalations and pending items that follows it); returns the unsubscribe function."""
        self._completed.append(listener)
        return lambda: self._completed.remove(listener) if listener in self._completed else None

    def perform(
        self,
        what: str,
        keys: Sequence[str],
        action: Callable[[AlertActions], Awaitable[ActionResult | list[ActionResult]]],
    ) -> bool:
        """Run one action (or several, e.g. an ack per group of a selection) in a worker.

        ``keys`` (fingerprints or silence ids) are marked pending until it returns. False
        (with a toast saying why) when actions are unavailable.
        """
        actions = self.actions
        if actions is None:
            reason = (
                f"incident log unavailable: {self.state.store_error}"
                if self.state.store_error
                else "no Alertmanager in this context"
            )
            self.notice(
                Notice(f"{what} is not possible: {reason}", title=what.capitalize(), severity="error")
            )
            return False
        marks = {key: what for key in keys}
        self._set(replace(self.state, inflight={**self.state.inflight, **marks}))

        async def run() -> None:
            try:
                outcome = await action(actions)
            finally:
                inflight = {k: v for k, v in self.state.inflight.items() if k not in marks}
                self._set(replace(self.state, inflight=inflight))
            results = outcome if isinstance(outcome, list) else [outcome]
            for result in results:
                self._report(result, what.capitalize())
            self.wake()
            await self.refresh_incidents()
            for listener in list(self._completed):
                listener(what, results)

        # Not cancelled by a context switch: an action once started is logged and finishes.
        self.host.spawn(run(), group="alert-actions", description=f"{what} (oncall-tui)")
        return True

    def _report(self, result: ActionResult, title: str) -> None:
        severity: Severity = {
            ActionStatus.DONE: "information",
            ActionStatus.PENDING: "warning",
            ActionStatus.FAILED: "error",
        }[result.status]  # type: ignore[assignment]
        timeout = 6 if result.status is ActionStatus.DONE else 15
        self.notice(Notice(result.message, title=title, severity=severity, timeout=timeout))
