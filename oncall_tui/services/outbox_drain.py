"""Deliver outbox items: the first attempt (from ``action_engine.py``) and every retry (the drain loop).

Delivered once, never twice — also across a crash or restart of the app:

* an item is only sent by whoever holds it: the action that enqueued it keeps it out of
  reach of the drain (its first due time is one lease away), the drain claims items
  with a lease (``Outbox.claim_due``), and a done item is never claimed again;
* a retry may follow a send whose answer was lost (timeout, crash between the send
  and ``mark_done``), so each handler first checks whether the remote side already has
  the effect: a silence created by the app carries its marker (``(oncall-tui <code>)``,
  see :mod:`oncall_tui.domain.silences`) at the end of its comment and is looked up in
  ``/api/v2/silences`` before re-sending; an expire
  checks the silence's state; a notification cannot be checked, and is re-sent only
  after a failure, with the same ``Idempotency-Key`` (and webhook ``idempotencyKey``) on every
  try, so the receiver can drop a repeat (PagerDuty also folds repeats through ``dedup_key``).

Sent to the right place: every item records the context it was made in, and the drain
of a context claims only that context's items (an ack queued for ``prod-eu`` while its
Alertmanager was down waits, pending, while ``staging`` is active, and goes to ``prod-eu``
once that context is active again). Escalation notifications (``notify``) are the
exception, by decision: notifiers are configured app-wide (``[alerts.notifiers]``), so
the target is the same whatever the context, and an escalation must not wait for the
user to switch back — any context's drain delivers them (:data:`ANY_CONTEXT_KINDS`).

Failures that re-sending cannot fix (an HTTP 4xx saying the request itself is wrong —
400, 404, 409, 422 … — or an unknown notifier) are given up at once, logged, and reported
as failed; the user can repeat the action to retry it. Everything else is retried with
exponential backoff (5 s doubling to 5 min by default), including 401/403/407 (expired or
revoked credentials: nothing is lost while they are renewed) and 408/425/429/5xx.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

import msgspec

from oncall_tui.clients.notify import (
    Notification,
    Notifier,
    NotifierConfigError,
    idempotency_key,
    is_permanent,
)
from oncall_tui.clock import Clock
from oncall_tui.domain.silences import has_marker
from oncall_tui.errors import NotFoundError, OncallError, StoreError
from oncall_tui.models.alertmanager import PostableSilence, Silence
from oncall_tui.models.incident import OutboxItem, OutboxState, TimelineKind
from oncall_tui.store.db import Database
from oncall_tui.store.incidents import APP_ACTOR, IncidentLog
from oncall_tui.store.outbox import DEFAULT_LEASE, ContextScope, Outbox

CREATE_SILENCE = "create_silence"
"""Outbox kind: POST a silence (payload: ``silence``, ``marker``, ``purpose``, ``fingerprints``)."""
EXPIRE_SILENCE = "expire_silence"
"""Outbox kind: expire a silence (payload: ``silence_id``)."""
NOTIFY = "notify"
"""Outbox kind: send an escalation (payload: ``target``, ``notification``)."""
ANY_CONTEXT_KINDS = frozenset({NOTIFY})
"""Kinds any context's drain delivers: notifiers are app-wide; an escalation must not wait for a context."""


class SilenceApi(Protocol):
    """What the actions need of Alertmanager: one client or the HA cluster."""

    async def silences(self, filters: Sequence[str] = ()) -> Any: ...

    async def create_silence(self, silence: PostableSilence) -> str: ...

    async def expire_silence(self, silence_id: str) -> None: ...


async def list_silences(api: SilenceApi) -> list[Silence]:
    """Silences from a client (a list) or a cluster (``Merged`` with ``.value``)."""
    result = await api.silences()
    value = getattr(result, "value", result)
    return list(value)


class Outcome(StrEnum):
    """How a delivery attempt ended."""

    DONE = "done"
    """Delivered (or found already delivered)."""
    PENDING = "pending"
    """Failed for now; kept in the outbox and retried."""
    FAILED = "failed"
    """Given up: re-sending cannot help. Logged and shown."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """The end of one attempt at one outbox item."""

    item_id: int
    """Outbox item."""
    kind: str
    """Its kind."""
    incident_id: int | None
    """Its incident."""
    outcome: Outcome
    """Done, pending or failed."""
    message: str
    """One line for a toast or the pending list."""
    result: dict[str, Any]
    """What the server answered (e.g. ``silence_id``) when done."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Retry delays: ``base`` doubling per attempt up to ``cap``."""

    base: timedelta = timedelta(seconds=5)
    """Delay after the first failure."""
    cap: timedelta = timedelta(minutes=5)
    """Longest delay."""

    def after(self, attempts: int) -> timedelta:
        """Delay before the next try, after ``attempts`` failed ones (>= 1)."""
        # Doubled in float seconds and capped before a timedelta is made: ``base * 2**n`` overflows
        # timedelta after ~48 failures (four hours of a 5-minute cap), which would end the drain.
        doublings = min(max(attempts - 1, 0), 64)
        seconds = min(self.base.total_seconds() * 2.0**doublings, self.cap.total_seconds())
        return timedelta(seconds=seconds)


class Deliverer:
    """Performs one outbox item against Alertmanager or a notifier, idempotently."""

    def __init__(self, am: SilenceApi, notifier: Notifier | None = None) -> None:
        self._am = am
        self._notifier = notifier

    async def deliver(self, item: OutboxItem, *, first_attempt: bool) -> dict[str, Any]:
        """Send ``item``; return the result to record. Raises what the client raised."""
        payload = item.payload
        if item.kind == CREATE_SILENCE:
            silence = msgspec.convert(payload["silence"], PostableSilence)
            if not first_attempt:
                existing = await self._find_delivered(str(payload["marker"]), silence.ends_at)
                if existing is not None:
                    return {"silence_id": existing.id, "already_there": True}
            silence_id = await self._am.create_silence(silence)
            return {"silence_id": silence_id}
        if item.kind == EXPIRE_SILENCE:
            silence_id = str(payload["silence_id"])
            if not first_attempt:
                current = {s.id: s for s in await list_silences(self._am)}.get(silence_id)
                if current is None or current.status.state == "expired":
                    return {"silence_id": silence_id, "already_expired": True}
            try:
                await self._am.expire_silence(silence_id)
            except NotFoundError:
                # Gone already (expired and garbage-collected, or never replicated here): the goal holds.
                return {"silence_id": silence_id, "already_expired": True}
            return {"silence_id": silence_id}
        if item.kind == NOTIFY:
            if self._notifier is None:
                raise NotifierConfigError("no notifiers configured")
            notification = Notification.from_payload(payload["notification"])
            # Unique across apps and restarts (incident ids are per log file), stable across retries.
            key = idempotency_key(
                item.dedup_key,
                notification.incident_key or notification.group_key,
                notification.sent_at.isoformat(),
            )
            return await self._notifier.send(str(payload["target"]), notification, idempotency_key=key)
        raise NotifierConfigError(f"unknown outbox item kind {item.kind!r} (written by a newer oncall-tui?)")

    async def _find_delivered(self, marker: str, ends_at: datetime) -> Silence | None:
        for silence in await list_silences(self._am):
            if silence.status.state == "expired" or not has_marker(silence.comment, marker):
                continue
            # An extension is delivered once the silence reaches its new end (1 s of rounding slack).
            if silence.ends_at >= ends_at - timedelta(seconds=1):
                return silence
        return None


def pending_by_fingerprint(items: Sequence[OutboxItem]) -> dict[str, list[OutboxItem]]:
    """Waiting outbox items per alert fingerprint, for the "pending" mark on queue rows."""
    out: dict[str, list[OutboxItem]] = {}
    for item in items:
        for fingerprint in item.payload.get("fingerprints", ()):
            out.setdefault(str(fingerprint), []).append(item)
    return out


def describe(item: OutboxItem) -> str:
    """A short human name of an outbox item, for messages and the pending list."""
    payload = item.payload
    if item.kind == CREATE_SILENCE:
        return str(payload.get("purpose", "silence"))
    if item.kind == EXPIRE_SILENCE:
        return f"expire silence {payload.get('silence_id', '?')}"
    if item.kind == NOTIFY:
        return f"notify {payload.get('target', '?')}"
    return item.kind


async def attempt(
    item: OutboxItem,
    *,
    deliverer: Deliverer,
    outbox: Outbox,
    log: IncidentLog,
    clock: Clock,
    backoff: Backoff,
    first_attempt: bool,
) -> Delivery:
    """Try one item and record the outcome in the outbox and the incident log."""
    what = describe(item)
    try:
        try:
            result = await deliverer.deliver(item, first_attempt=first_attempt)
        except (OncallError, asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            raise
        except Exception as unexpected:
            # A bug or an odd answer must not lose the action: keep it pending, say what happened.
            first_line = (str(unexpected).splitlines() or [""])[0]
            raise OncallError(f"unexpected {type(unexpected).__name__}: {first_line}") from unexpected
    except OncallError as exc:
        permanent = is_permanent(exc)
        error = exc.message
        attempts = max(item.attempts, 1)
        next_at = None if permanent else clock.now() + backoff.after(attempts)

        def record_failure() -> None:
            # One transaction: the outbox state and the timeline never disagree after a crash.
            with outbox.db.transaction():
                outbox.mark_failed(item.id, error, next_at, lease_token=item.lease_token)
                if item.incident_id is not None:
                    log.append(
                        item.incident_id,
                        TimelineKind.ACTION_FAILED,
                        f"{what} failed{'' if permanent else ', will retry'}: {error}",
                        APP_ACTOR,
                        {
                            "outbox_id": item.id,
                            "kind": item.kind,
                            "permanent": permanent,
                            "error": error,
                        },
                    )

        await asyncio.to_thread(record_failure)
        outcome = Outcome.FAILED if permanent else Outcome.PENDING
        message = f"{what} failed: {exc.message}" if permanent else f"{what} pending: {exc.message}"
        return Delivery(item.id, item.kind, item.incident_id, outcome, message, {})
    done = f"{what} done{_detail(result)}"

    def record_done() -> None:
        with outbox.db.transaction():
            outbox.mark_done(item.id, result, lease_token=item.lease_token)
            if item.incident_id is not None:
                log.append(
                    item.incident_id,
                    TimelineKind.ACTION_DONE,
                    done,
                    APP_ACTOR,
                    {"outbox_id": item.id, "kind": item.kind, "result": result},
                )

    await asyncio.to_thread(record_done)
    return Delivery(item.id, item.kind, item.incident_id, Outcome.DONE, done, result)


def _detail(result: dict[str, Any]) -> str:
    """`` (silence <id>)`` when the server answered a silence id, for the log line and the toast alike."""
    return f" (silence {result['silence_id']})" if "silence_id" in result else ""


def context_scope(context: str | None) -> ContextScope:
    """The outbox items a drain (or pending list) of ``context`` deals with."""
    return ContextScope.of(context, ANY_CONTEXT_KINDS)


class OutboxDrain:
    """Retries one context's due outbox items; :meth:`run` in a worker, or :meth:`run_once` from a timer/test.

    ``deliverer`` sends to ``context``'s Alertmanager, so only items recorded with that context
    are claimed (plus :data:`ANY_CONTEXT_KINDS`); ``context`` None means items recorded without one.
    """

    def __init__(
        self,
        db: Database,
        deliverer: Deliverer,
        clock: Clock,
        *,
        context: str | None = None,
        backoff: Backoff | None = None,
        batch: int = 10,
        lease: timedelta = DEFAULT_LEASE,
        on_error: Callable[[OncallError], None] | None = None,
        on_delivered: Callable[[Sequence[Delivery]], object] | None = None,
    ) -> None:
        self._outbox = Outbox(db, clock)
        self._log = IncidentLog(db, clock)
        self._deliverer = deliverer
        self._clock = clock
        self._backoff = backoff or Backoff()
        self._batch = batch
        self._lease = lease
        self._scope = context_scope(context)
        self._wake = asyncio.Event()
        self._on_error = on_error
        self._on_delivered = on_delivered
        self._retry_now = False
        self.last_error: OncallError | None = None
        """Why the last round failed (the incident log could not be used); None once a round succeeds."""

    def wake(self, *, retry_now: bool = False) -> None:
        """Try now (e.g. the user pressed retry); ``retry_now``: the server is back, so items waiting
        out a backoff (up to minutes) are tried now too."""
        self._retry_now = self._retry_now or retry_now
        self._wake.set()

    @property
    def context(self) -> str | None:
        """The context whose items this drain delivers."""
        return self._scope.context

    def pending(self) -> list[OutboxItem]:
        """Items of this context waiting (for the "pending" marks and list)."""
        return self._outbox.pending(self._scope)

    async def run_once(self, now: datetime | None = None) -> list[Delivery]:
        """Claim and attempt every due item (in batches); return what happened to each."""
        deliveries: list[Delivery] = []
        while True:
            at = now or self._clock.now()
            claimed = await asyncio.to_thread(
                self._outbox.claim_due, at, self._batch, lease=self._lease, scope=self._scope
            )
            if not claimed:
                return deliveries
            for item in claimed:
                deliveries.append(
                    await attempt(
                        item,
                        deliverer=self._deliverer,
                        outbox=self._outbox,
                        log=self._log,
                        clock=self._clock,
                        backoff=self._backoff,
                        first_attempt=False,
                    )
                )
            if len(claimed) < self._batch:
                return deliveries

    async def run(self, *, idle: float = 30.0) -> None:
        """Forever: drain, then sleep until the next item is due (at most ``idle`` s) or :meth:`wake`.

        After a round that attempted items, ``on_delivered`` gets what happened to them (the UI
        re-reads what still waits). A store failure (e.g. "database is locked" while another
        process writes) does not end it:
        it is reported through ``on_error`` (and kept in :attr:`last_error`), and the drain tries
        again after a backoff. Nothing is lost meanwhile: what it had claimed is reclaimed once the
        lease runs out.
        """
        failures = 0
        while True:
            # Cleared before the round, not after: a wake arriving while the round runs (the source
            # came back meanwhile) must start another round, not be lost until the idle timeout.
            self._wake.clear()
            try:
                if self._retry_now:
                    self._retry_now = False
                    await asyncio.to_thread(self._outbox.retry_now, self._clock.now(), scope=self._scope)
                deliveries = await self.run_once()
                if deliveries and self._on_delivered is not None:
                    # What waits changed: the "queued" marks must not wait for the next poll.
                    self._on_delivered(deliveries)
                due = await asyncio.to_thread(self._outbox.next_due_at, self._scope)
            except StoreError as exc:
                failures += 1
                self.last_error = exc
                if self._on_error is not None:
                    self._on_error(exc)
                delay = self._backoff.after(failures).total_seconds()
            else:
                failures = 0
                self.last_error = None
                delay = idle
                if due is not None:
                    delay = min(idle, max((due - self._clock.now()).total_seconds(), 0.5))
            sleeper = asyncio.ensure_future(self._clock.sleep(delay))
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (sleeper, waker):
                    task.cancel()


__all__ = [
    "ANY_CONTEXT_KINDS",
    "CREATE_SILENCE",
    "EXPIRE_SILENCE",
    "NOTIFY",
    "Backoff",
    "Deliverer",
    "Delivery",
    "OutboxDrain",
    "OutboxState",
    "Outcome",
    "SilenceApi",
    "attempt",
    "context_scope",
    "describe",
    "pending_by_fingerprint",
    "list_silences",
]
