"""App-level alert plumbing: polling the queue, running actions, the outbox drain and the ack keeper.

It lives on the app, not on a screen, so response timers, automatic escalation, the
outbox and "ack until resolved" keep running while another screen shows. Screens
subscribe to :attr:`AlertFeed.changed` and render :attr:`AlertFeed.state`, a frozen
snapshot replaced wholesale after every poll or action.

Every action goes through :mod:`oncall_tui.services.actions` (log first, outbox, then
send); the feed only adds what the UI needs: which alerts have an action in flight,
which outbox items are still pending, and a toast per result.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from textual.signal import Signal

from oncall_tui.clients.alertmanager_ha import AlertmanagerCluster
from oncall_tui.clients.notify import Notifier
from oncall_tui.clock import Clock
from oncall_tui.config.settings import Settings
from oncall_tui.domain.alert_queue import GroupRow, QueueOptions, QueueSnapshot, QueueView, prepare
from oncall_tui.domain.escalation import EscalationState
from oncall_tui.domain.severity import SeverityPolicy
from oncall_tui.domain.silences import SilenceInfo
from oncall_tui.errors import OncallError
from oncall_tui.models.alertmanager import AlertGroup, PostableSilence, Silence
from oncall_tui.models.incident import OutboxItem
from oncall_tui.services.ack_keeper import AckKeeper
from oncall_tui.services.actions import ActionResult, ActionStatus, AlertActions
from oncall_tui.services.outbox_drain import CREATE_SILENCE, EXPIRE_SILENCE, Deliverer, OutboxDrain
from oncall_tui.services.polling import Failed, Fresh, Poller
from oncall_tui.store.db import Database
from oncall_tui.store.outbox import DEFAULT_LEASE

if TYPE_CHECKING:
    from textual.app import App

    from oncall_tui.services.sources import SourceSet

NEW_FOR = timedelta(minutes=2)
"""How long a newly arrived alert stays highlighted."""
FREEZE_ALERTS = 2000
"""From this many alerts, each poll's long-lived objects are moved out of the cyclic collector's sight."""
UNFREEZE_EVERY = 3600.0
"""Seconds between handing frozen objects back to the collector (so cyclic garbage is not kept forever)."""


@dataclass(frozen=True, slots=True)
class AlertPoll:
    """One poll of the Alertmanager cluster, prepared for the queue."""

    snapshot: QueueSnapshot
    """Every unique alert, ranked and grouped."""
    am_groups: Mapping[str, GroupRow]
    """Alertmanager groups of the active alerts, by key (what escalates by itself)."""
    default_view: QueueView
    """The queue as the screen first shows it (:func:`default_options`), built in the thread."""
    silences: tuple[Silence, ...]
    """Every silence the peers know (active, pending and expired)."""
    peer_problems: tuple[str, ...]
    """``url: reason`` of each peer that did not answer (the others' alerts are still shown)."""


@dataclass(frozen=True, slots=True)
class AlertFeedState:
    """What the alert screens render; replaced wholesale, never mutated."""

    snapshot: QueueSnapshot | None = None
    """Latest good poll (kept when a later poll fails)."""
    am_groups: Mapping[str, GroupRow] = field(default_factory=dict)
    """Alertmanager groups of the active alerts of that poll, by key."""
    default_view: QueueView | None = None
    """The view of ``snapshot`` with :func:`default_options`, computed off the event loop."""
    silences: tuple[Silence, ...] = ()
    """Silences of the latest good poll."""
    until_resolved: frozenset[str] = frozenset()
    """Ids of the app's "ack until resolved" silences, from ``SilenceInfo.until_resolved``. Kept for
    the widgets that still look ids up here instead of reading that field on the row's silences."""
    fetched_at: datetime | None = None
    """When the latest good poll finished."""
    error: str | None = None
    """Why the latest poll failed (the data shown is then stale); None when it worked."""
    peer_problems: tuple[str, ...] = ()
    """Peers that did not answer the latest poll."""
    first_seen: Mapping[str, datetime] = field(default_factory=dict)
    """Fingerprint -> when the alert first appeared, for alerts that arrived after the first poll."""
    escalations: Mapping[str, EscalationState] = field(default_factory=dict)
    """Escalation state per group key with an open incident."""
    pending: tuple[OutboxItem, ...] = ()
    """Outbox items still waiting to be delivered (retried by the drain)."""
    inflight: Mapping[str, str] = field(default_factory=dict)
    """Fingerprint (or silence id) -> name of the action whose first attempt is running."""
    store_error: str | None = None
    """Why the incident log could not be opened (actions are then disabled)."""
    configured: bool = True
    """The context has an Alertmanager."""
    generation: int = 0
    """Bumped on every poll, so screens can tell a new poll from a state change."""

    def is_new(self, fingerprint: str, now: datetime) -> bool:
        """The alert arrived recently enough to be highlighted."""
        if not self.first_seen:
            return False
        seen = self.first_seen.get(fingerprint)
        return seen is not None and now - seen < NEW_FOR

    def pending_for(self, fingerprint: str, silence_ids: Sequence[str] = ()) -> str | None:
        """Name of an action on this alert that is not delivered yet (in flight or in the outbox)."""
        if not self.inflight and not self.pending:
            return None
        name = self.inflight.get(fingerprint)
        if name is not None:
            return name
        for sid in silence_ids:
            if sid in self.inflight:
                return self.inflight[sid]
        for item in self.pending:
            payload = item.payload
            if item.kind == CREATE_SILENCE and fingerprint in payload.get("fingerprints", ()):
                return str(payload.get("purpose", "ack"))
            if item.kind == EXPIRE_SILENCE and payload.get("silence_id") in silence_ids:
                return str(payload.get("purpose", "unack"))
        return None


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


class AlertFeed:
    """Polls alerts and silences, runs actions, drains the outbox; publishes state through ``changed``."""

    def __init__(self, app: App[Any], settings: Settings, clock: Clock, database_path: Path | None) -> None:
        self._app = app
        self._settings = settings
        self._clock = clock
        self._database_path = database_path
        self.policy = SeverityPolicy.from_settings(settings.alerts)
        """Severity policy of ``[alerts]``."""
        self.state = AlertFeedState()
        """The latest state (read it at mount; subscribe to ``changed`` for updates)."""
        self.changed: Signal[AlertFeedState] = Signal(app, "alerts-changed")
        """Published after every change of :attr:`state`."""
        self.actions: AlertActions | None = None
        """The action service of the active context (None without Alertmanager or incident log)."""
        self._db: Database | None = None
        self._notifier: Notifier | None = None
        self._poller: Poller[AlertPoll] | None = None
        self._drain: OutboxDrain | None = None
        self._keeper: AckKeeper | None = None
        self._sources: SourceSet | None = None
        self._frozen_since = time.monotonic()
        self.escalated: set[str] = set()
        """Group keys escalated by hand in this session (their level is tracked from then on)."""
        self.notifier_transport: httpx.AsyncBaseTransport | None = None
        """Transport of the escalation notifiers (tests set a MockTransport before the app starts)."""

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The app's settings."""
        return self._settings

    @property
    def sources(self) -> SourceSet | None:
        """Sources of the active context."""
        return self._sources

    def _open_store(self) -> Database | None:
        if self._db is None and self.state.store_error is None:
            try:
                self._db = Database.open(self._database_path)
            except OncallError as exc:
                self._set(replace(self.state, store_error=exc.message))
                self._app.notify(
                    f"{exc.message}. Acks and escalations are disabled.",
                    title="Incident log",
                    severity="error",
                    timeout=15,
                )
        return self._db

    def start(self, sources: SourceSet) -> None:
        """Poll ``sources``' Alertmanager from now on (stops polling the previous context)."""
        self._app.workers.cancel_group(self._app, "alerts")
        self._app.workers.cancel_group(self._app, "alerts-after-poll")
        self._sources = sources
        am = sources.context.alertmanager
        store_error = self.state.store_error
        self.state = AlertFeedState(store_error=store_error, configured=am is not None)
        self.actions = None
        self._poller = None
        self._drain = None
        self._keeper = None
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
                on_error=lambda exc: self._app.notify(
                    f"{exc.message} — queued actions will be retried", title=exc.title, severity="warning"
                ),
                on_delivered=lambda _: self._app.run_worker(
                    self.refresh_incidents(),
                    group="alerts",
                    name="alerts-pending",
                    exit_on_error=False,
                    description="reading queued actions",
                ),
            )
            self._keeper = AckKeeper(self.actions, alerts.ack.until_resolved_step)
            self._app.run_worker(
                self._drain.run(),
                group="alerts",
                name="outbox-drain",
                exit_on_error=False,
                description="delivering queued actions",
            )
            # Show this context's queued actions at once, even if its Alertmanager does not answer
            # (then no poll succeeds, and the after-poll refresh never runs).
            self._app.run_worker(
                self.refresh_incidents(),
                group="alerts",
                name="alerts-pending",
                exit_on_error=False,
                description="reading queued actions",
            )
        self._poller = Poller(
            "alerts",
            self._fetch,
            self._polled,
            refresh=am.refresh,
            timeout=am.timeout * 2,
            max_backoff=am.max_backoff,
            clock=self._clock,
        )
        self._app.run_worker(
            self._poller.run(),
            group="alerts",
            name="poll:alerts",
            exit_on_error=False,
            description="polling alerts",
        )
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
        assert self._sources is not None
        cluster = await self._sources.alertmanager()
        groups, silences = await asyncio.gather(cluster.alert_groups(), cluster.silences())
        previous = self.state.snapshot
        # Ranking and grouping 10k alerts is pure Python: off the event loop, so keys stay responsive.
        snapshot, am_groups, default_view = await asyncio.to_thread(
            _prepare, groups.value, self.policy, silences.value, previous, self._settings.alerts.group_by
        )
        problems = tuple(
            f"{p.url}: {p.reason}" for p in (*groups.failed, *silences.failed) if p.reason is not None
        )
        return AlertPoll(
            snapshot, am_groups, default_view, tuple(silences.value), tuple(dict.fromkeys(problems))
        )

    def _polled(self, result: Fresh[AlertPoll] | Failed[AlertPoll]) -> None:
        if isinstance(result, Failed):
            self._set(replace(self.state, error=result.error.message))
            return
        poll = result.value
        now = self._clock.now()
        previous = self.state.snapshot
        new = poll.snapshot.new_since(previous)
        first_seen = {
            fp: seen
            for fp, seen in self.state.first_seen.items()
            if fp in poll.snapshot.fingerprints and now - seen < NEW_FOR
        }
        for fp in new:
            first_seen[fp] = now
        self._set(
            replace(
                self.state,
                snapshot=poll.snapshot,
                am_groups=poll.am_groups,
                default_view=poll.default_view,
                silences=poll.silences,
                until_resolved=frozenset(s.id for s in poll.silences if SilenceInfo.of(s).until_resolved),
                fetched_at=now,
                error=None,
                peer_problems=poll.peer_problems,
                first_seen=first_seen,
                generation=self.state.generation + 1,
            )
        )
        if len(poll.snapshot.rows) >= FREEZE_ALERTS:
            # After the screens have drawn this poll (so its table cells are included).
            self._app.call_after_refresh(self.freeze)
        if self._settings.alerts.bell_on_new_critical and poll.snapshot.new_critical(previous):
            self._app.bell()
        if self.actions is not None:
            # Once the screens have drawn the poll: its threads would otherwise share the GIL with
            # the table update and slow it (and so keystrokes) down.
            self._app.call_after_refresh(self._start_after_poll, poll)

    def _start_after_poll(self, poll: AlertPoll) -> None:
        self._app.run_worker(
            self._after_poll(poll),
            # Its own group: exclusive cancels the whole group, which must not hit the poller.
            group="alerts-after-poll",
            name="alerts-after-poll",
            exclusive=True,
            exit_on_error=False,
            description="escalation and ack keeping",
        )

    def freeze(self) -> None:
        """Keep full garbage collections off the keystroke path for big queues.

        10,000 alerts are millions of long-lived objects (the poll, its rows, the table's cells);
        a full collection walks them all: 120-190 ms pauses at random moments, measured in
        benchmarks/bench_alerts_ui.py. Frozen objects are still freed by reference counting when
        the next poll replaces them; once an hour they go back to the collector and one full
        collection runs, so cycles among them are not kept forever (one pause an hour instead of
        one every few polls).
        """
        now = time.monotonic()
        if now - self._frozen_since >= UNFREEZE_EVERY:
            # Freezing again right after unfreezing would hide the cycles again: collect in between.
            gc.unfreeze()
            gc.collect()
            self._frozen_since = now
        gc.freeze()

    async def _after_poll(self, poll: AlertPoll) -> None:
        """Keep "until resolved" acks alive, escalate what is due, refresh timers and pending marks."""
        actions = self.actions
        if actions is None:
            return
        if self._keeper is not None:
            for result in await self._keeper.run_once(
                poll.silences, poll.snapshot.alerts(), self._clock.now()
            ):
                if not result.ok:
                    self._report(result, "Ack keeper")
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

    def _set(self, state: AlertFeedState) -> None:
        self.state = state
        self.changed.publish(state)

    # --- actions -----------------------------------------------------------------------------

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
            self._app.notify(f"{what} is not possible: {reason}", title=what.capitalize(), severity="error")
            return False
        marks = {key: what for key in keys}
        self._set(replace(self.state, inflight={**self.state.inflight, **marks}))

        async def run() -> None:
            try:
                outcome = await action(actions)
            finally:
                inflight = {k: v for k, v in self.state.inflight.items() if k not in marks}
                self._set(replace(self.state, inflight=inflight))
            for result in outcome if isinstance(outcome, list) else [outcome]:
                self._report(result, what.capitalize())
            self.wake()
            await self.refresh_incidents()

        self._app.run_worker(
            run(), group="alert-actions", exit_on_error=False, description=f"{what} (oncall-tui)"
        )
        return True

    def _report(self, result: ActionResult, title: str) -> None:
        severity = {
            ActionStatus.DONE: "information",
            ActionStatus.PENDING: "warning",
            ActionStatus.FAILED: "error",
        }[result.status]
        timeout = 6 if result.status is ActionStatus.DONE else 15
        self._app.notify(result.message, title=title, severity=severity, timeout=timeout)  # type: ignore[arg-type]


def default_options(group_by: str | None) -> QueueOptions:
    """What the Alerts screen shows first: active alerts and the app's own acks, configured grouping.

    "Active" keeps the app's own acks in the queue (marked with who, age and time left): the
    engineer sees what they took; other people's silences are one key (t) away.
    """
    return QueueOptions(group_by=group_by, include_acked=True)


def _prepare(
    groups: list[AlertGroup],
    policy: SeverityPolicy,
    silences: list[Silence],
    previous: QueueSnapshot | None,
    group_by: str | None,
) -> tuple[QueueSnapshot, dict[str, GroupRow], QueueView]:
    """Everything a poll needs before the table diff, run in a thread."""
    snapshot = prepare(groups, policy, silences=silences)
    # The first free-text keystroke would otherwise build 10,000 haystacks on the event loop.
    for row in snapshot.rows:
        snapshot.haystack(row)
    am_groups = {g.key: g for g in snapshot.view(QueueOptions()).groups}
    return snapshot, am_groups, snapshot.view(default_options(group_by))
