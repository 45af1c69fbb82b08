"""Outbox: remote actions written down before they are sent, retried until delivered, sent once.

The flow an action follows (``services/action_engine.py``)::

    with db.transaction():                     # both durable together, before any network call
        log.append(incident_id, "ack", ...)
        item = outbox.enqueue("create_silence", payload, incident_id, dedup_key=..., context="prod-eu")
    for item in outbox.claim_due(limit=10, scope=ContextScope.of("prod-eu")):  # leased: no other drainer
        # (nor a restarted app) takes it
        try: result = send(item)
        except SourceError as e: outbox.mark_failed(item.id, str(e), later, lease_token=item.lease_token)
        else: outbox.mark_done(item.id, result, lease_token=item.lease_token)

Every item records the context (Alertmanager cluster) it was made in, and a context's
drain claims only that context's items (:class:`ContextScope`): an ack queued while
``prod-eu`` was unreachable waits for ``prod-eu`` to be active again, and is never sent
to the Alertmanager of the context the user switched to. Kinds whose target does not
depend on the context (escalation notifiers are app-wide) may be claimed by any drain.
Items made without a context (single-context tools, tests) have ``context`` NULL; only a
drain whose scope has no context name claims them.

Delivery is at most once per successful send: ``enqueue`` is idempotent on ``dedup_key``, a
claimed item is invisible to other drainers until its lease expires, and a done item is never
claimed again. If the app dies mid-send, the lease runs out and the item is retried — so the
lease must outlast the sender's timeout.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from oncall_tui.clock import Clock
from oncall_tui.errors import StoreError
from oncall_tui.models.incident import OutboxItem, OutboxState
from oncall_tui.store.db import Database, from_db_time, to_db_time, to_json

DEFAULT_LEASE = timedelta(seconds=60)
"""How long a claim keeps an item from other drainers; longer than any sender's timeout."""

_MAX_ERROR = 300
"""``last_error`` is one line of at most this many characters."""


@dataclass(frozen=True, slots=True)
class ContextScope:
    """Which outbox items belong to one context's drain."""

    context: str | None
    """Context name; None selects only items recorded without one (tests, single-context tools)."""
    any_context_kinds: frozenset[str] = frozenset()
    """Kinds delivered the same way whatever the context (app-wide notifiers): claimed by any scope."""

    @classmethod
    def of(cls, context: str | None, any_context_kinds: Collection[str] = ()) -> ContextScope:
        """A scope for ``context`` (sharing ``any_context_kinds``)."""
        return cls(context, frozenset(any_context_kinds))

    def where(self) -> tuple[str, list[Any]]:
        """SQL condition (parenthesised) and its parameters."""
        # IS, not =: a NULL context must compare equal to a None scope.
        clauses = ["context IS ?"]
        params: list[Any] = [self.context]
        if self.any_context_kinds:
            kinds = sorted(self.any_context_kinds)
            clauses.append(f"kind IN ({', '.join('?' for _ in kinds)})")
            params.extend(kinds)
        return f"({' OR '.join(clauses)})", params


class Outbox:
    """The queue of remote actions in the incident log."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    @property
    def db(self) -> Database:
        """The incident log database the outbox lives in (for one transaction with timeline entries)."""
        return self._db

    def enqueue(
        self,
        kind: str,
        payload: Mapping[str, Any],
        incident_id: int | None = None,
        *,
        dedup_key: str,
        not_before: datetime | None = None,
        context: str | None = None,
    ) -> OutboxItem:
        """Record an action to send (committed on return); due at once, or at ``not_before``.

        ``context`` is the context whose Alertmanager (or notifiers) it is for; only that context's
        drain claims it (see :class:`ContextScope`). Idempotent: if ``dedup_key`` was enqueued
        before, that item is returned unchanged, whatever its state, so retrying a user action can
        never send it twice.
        """
        now = self._clock.now()
        due = to_db_time(not_before or now)
        stamp = to_db_time(now)
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO outbox (kind, payload, incident_id, dedup_key, state, created_at, updated_at,"
                " next_attempt_at, context) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)"
                " ON CONFLICT (dedup_key) DO NOTHING",
                (kind, to_json(dict(payload)), incident_id, dedup_key, stamp, stamp, due, context),
            )
            row = conn.execute("SELECT * FROM outbox WHERE dedup_key = ?", (dedup_key,)).fetchone()
            return _item(row)

    def claim_due(
        self,
        now: datetime | None = None,
        limit: int = 10,
        *,
        lease: timedelta = DEFAULT_LEASE,
        scope: ContextScope | None = None,
    ) -> list[OutboxItem]:
        """Take up to ``limit`` items that are due (or whose lease ran out), oldest first, and lease them.

        Only items of ``scope`` (None: every item, whatever its context). Each claimed item is
        ``in_flight`` with a fresh ``lease_token`` until ``now + lease`` and has its ``attempts``
        counted. Claiming is one write transaction, so two drainers never get the same item.
        """
        at = now or self._clock.now()
        stamp = to_db_time(at)
        until = to_db_time(at + lease)
        where, params = scope.where() if scope is not None else ("1", [])
        with self._db.transaction() as conn:
            rows = conn.execute(
                "SELECT id FROM outbox WHERE ((state = 'pending' AND next_attempt_at <= ?)"
                f" OR (state = 'in_flight' AND lease_until <= ?)) AND {where}"
                " ORDER BY next_attempt_at, id LIMIT ?",
                (stamp, stamp, *params, limit),
            ).fetchall()
            claimed: list[OutboxItem] = []
            for row in rows:
                conn.execute(
                    "UPDATE outbox SET state = 'in_flight', attempts = attempts + 1, lease_until = ?,"
                    " lease_token = ?, updated_at = ? WHERE id = ?",
                    (until, uuid.uuid4().hex, stamp, row["id"]),
                )
                claimed.append(self._get(conn, int(row["id"])))
            return claimed

    def retry_now(self, now: datetime | None = None, *, scope: ContextScope | None = None) -> int:
        """Make every waiting item of ``scope`` due now (its server is back: the backoff is over);
        how many. Items in flight keep their lease."""
        stamp = to_db_time(now or self._clock.now())
        where, params = scope.where() if scope is not None else ("1", [])
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE outbox SET next_attempt_at = ?"
                f" WHERE state = 'pending' AND next_attempt_at > ? AND {where}",
                (stamp, stamp, *params),
            )
            return int(cursor.rowcount)

    def mark_done(
        self, item_id: int, result: Mapping[str, Any] | None = None, *, lease_token: str | None = None
    ) -> OutboxItem:
        """Record delivery (committed on return); the item is never claimed again.

        Applies even if the lease was taken over meanwhile: the send did happen. Marking an item
        done twice keeps the first result. ``lease_token`` is accepted for symmetry and ignored.
        """
        del lease_token  # a delivered action is delivered, whoever holds the lease now
        stamp = to_db_time(self._clock.now())
        with self._db.transaction() as conn:
            current = self._get(conn, item_id)
            if current.state is OutboxState.DONE:
                return current
            conn.execute(
                "UPDATE outbox SET state = 'done', result = ?, lease_until = NULL, lease_token = NULL,"
                " updated_at = ? WHERE id = ?",
                (to_json(dict(result or {})), stamp, item_id),
            )
            return self._get(conn, item_id)

    def mark_failed(
        self,
        item_id: int,
        error: str,
        next_attempt_at: datetime | None,
        *,
        lease_token: str | None = None,
    ) -> OutboxItem:
        """Record a failed send: retry at ``next_attempt_at``, or give up (``failed``) when it is None.

        Ignored (the current item is returned) when the item is already done, or when ``lease_token``
        is given and is no longer the item's claim (another drainer took it over after the lease ran out).
        """
        stamp = to_db_time(self._clock.now())
        reason = " ".join(error.split())[:_MAX_ERROR]
        with self._db.transaction() as conn:
            current = self._get(conn, item_id)
            if current.state is OutboxState.DONE:
                return current
            if lease_token is not None and lease_token != current.lease_token:
                return current
            if next_attempt_at is None:
                state, due = OutboxState.FAILED.value, to_db_time(current.next_attempt_at)
            else:
                state, due = OutboxState.PENDING.value, to_db_time(next_attempt_at)
            conn.execute(
                "UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ?, lease_until = NULL,"
                " lease_token = NULL, updated_at = ? WHERE id = ?",
                (state, reason, due, stamp, item_id),
            )
            return self._get(conn, item_id)

    def requeue(self, item_id: int, not_before: datetime | None = None) -> OutboxItem:
        """Put a given-up (``failed``) item back to pending, due at once or at ``not_before``.

        For the user repeating an action that failed (credentials fixed, a bad state cleared): its
        attempts start over. A no-op (the current item is returned) unless the item is ``failed``:
        a done item stays done, a pending or in-flight one is not disturbed. ``last_error`` is kept
        until the next attempt replaces it (committed on return).
        """
        now = self._clock.now()
        due = to_db_time(not_before or now)
        with self._db.transaction() as conn:
            current = self._get(conn, item_id)
            if current.state is not OutboxState.FAILED:
                return current
            conn.execute(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, lease_until = NULL,"
                " lease_token = NULL, updated_at = ? WHERE id = ?",
                (due, to_db_time(now), item_id),
            )
            return self._get(conn, item_id)

    def get(self, item_id: int) -> OutboxItem:
        """One item; StoreError if there is none."""
        rows = self._db.query("SELECT * FROM outbox WHERE id = ?", (item_id,))
        if not rows:
            raise StoreError(f"no outbox item #{item_id}")
        return _item(rows[0])

    def find(self, dedup_key: str) -> OutboxItem | None:
        """The item enqueued under ``dedup_key``, if any."""
        rows = self._db.query("SELECT * FROM outbox WHERE dedup_key = ?", (dedup_key,))
        return _item(rows[0]) if rows else None

    def pending(self, scope: ContextScope | None = None) -> list[OutboxItem]:
        """Items of ``scope`` not yet delivered nor given up on (pending or in flight), oldest due first."""
        where, params = scope.where() if scope is not None else ("1", [])
        rows = self._db.query(
            f"SELECT * FROM outbox WHERE state IN ('pending', 'in_flight') AND {where}"
            " ORDER BY next_attempt_at, id",
            params,
        )
        return [_item(row) for row in rows]

    def next_due_at(self, scope: ContextScope | None = None) -> datetime | None:
        """When the next item of ``scope`` becomes claimable (due time or lease end); None if none waits."""
        where, params = scope.where() if scope is not None else ("1", [])
        rows = self._db.query(
            "SELECT MIN(CASE state WHEN 'pending' THEN next_attempt_at ELSE lease_until END) FROM outbox"
            f" WHERE state IN ('pending', 'in_flight') AND {where}",
            params,
        )
        return from_db_time(rows[0][0])

    @staticmethod
    def _get(conn: sqlite3.Connection, item_id: int) -> OutboxItem:
        row = conn.execute("SELECT * FROM outbox WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise StoreError(f"no outbox item #{item_id}")
        return _item(row)


def _time(value: str) -> datetime:
    parsed = from_db_time(value)
    assert parsed is not None
    return parsed


def _item(row: sqlite3.Row) -> OutboxItem:
    return OutboxItem(
        id=int(row["id"]),
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        incident_id=row["incident_id"],
        dedup_key=row["dedup_key"],
        context=row["context"],
        state=OutboxState(row["state"]),
        attempts=int(row["attempts"]),
        created_at=_time(row["created_at"]),
        next_attempt_at=_time(row["next_attempt_at"]),
        lease_until=from_db_time(row["lease_until"]),
        lease_token=row["lease_token"],
        last_error=row["last_error"],
        result=None if row["result"] is None else json.loads(row["result"]),
    )
