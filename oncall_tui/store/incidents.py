"""IncidentLog: incidents, their timelines and linked alerts, in the SQLite log.

Every method that writes commits before it returns (unless called inside an outer
``Database.transaction()``, which then commits them together): what the engineer did is on
disk before the UI says it is done.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from oncall_tui.clock import Clock
from oncall_tui.domain.escalation import EscalationState
from oncall_tui.errors import StoreError
from oncall_tui.models.incident import (
    OPEN_STATUSES,
    Incident,
    IncidentStatus,
    TimelineEntry,
    TimelineKind,
)
from oncall_tui.store.db import Database, from_db_time, to_db_time, to_json

APP_ACTOR = "oncall-tui"
"""Actor of entries the app writes by itself (e.g. linking an alert while polling)."""


class IncidentLog:
    """Read and append to the incident log."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    # -- incidents ---------------------------------------------------------------------------------

    def open_incident(
        self,
        title: str,
        severity: str,
        group_key: str | None = None,
        alert_fingerprints: Iterable[str] = (),
        *,
        actor: str = APP_ACTOR,
    ) -> Incident:
        """Open a triggered incident and log an ``opened`` entry; link the given alerts.

        If an incident for ``group_key`` is still open, that one is returned instead (with the
        alerts linked to it), so one alert group never gets two open incidents.
        """
        now = to_db_time(self._clock.now())
        with self._db.transaction() as conn:
            existing = self._open_row(conn, group_key) if group_key is not None else None
            if existing is not None:
                incident_id = int(existing["id"])
            else:
                cursor = conn.execute(
                    "INSERT INTO incidents (title, severity, status, group_key, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (title, severity, IncidentStatus.TRIGGERED.value, group_key, now, now),
                )
                incident_id = _lastrowid(cursor)
                self._insert_entry(
                    conn,
                    incident_id,
                    now,
                    TimelineKind.OPENED,
                    actor,
                    f"opened: {title}",
                    {"severity": severity},
                )
            for fingerprint in alert_fingerprints:
                self._link(conn, incident_id, fingerprint, now, actor)
            return self._get(conn, incident_id)

    def find_open_incident(self, group_key: str) -> Incident | None:
        """The open (not resolved) incident of an alert group, if any."""
        rows = self._db.query(
            "SELECT * FROM incidents WHERE group_key = ? AND status != 'resolved'", (group_key,)
        )
        return _incident(rows[0]) if rows else None

    def get(self, incident_id: int) -> Incident:
        """One incident; StoreError if there is no such incident."""
        rows = self._db.query("SELECT * FROM incidents WHERE id = ?", (incident_id,))
        if not rows:
            raise StoreError(f"no incident #{incident_id}")
        return _incident(rows[0])

    def list_incidents(
        self,
        *,
        statuses: Iterable[IncidentStatus] | None = None,
        open_only: bool = False,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[Incident]:
        """Incidents, newest first; filtered by status and ``created_at >= since``, at most ``limit``."""
        wanted = set(IncidentStatus) if statuses is None else {IncidentStatus(s) for s in statuses}
        if open_only:
            wanted &= OPEN_STATUSES
        clauses = [f"status IN ({', '.join('?' for _ in wanted)})"] if wanted else ["0"]
        params: list[Any] = [status.value for status in sorted(wanted)]
        if since is not None:
            clauses.append("created_at >= ?")
            params.append(to_db_time(since))
        sql = f"SELECT * FROM incidents WHERE {' AND '.join(clauses)} ORDER BY created_at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_incident(row) for row in self._db.query(sql, params)]

    def set_status(self, incident_id: int, status: IncidentStatus, actor: str, note: str = "") -> Incident:
        """Move the incident to ``status`` and log a ``status_change`` entry in the same transaction.

        Setting the current status again changes nothing and logs nothing.
        """
        status = IncidentStatus(status)
        now_dt = self._clock.now()
        now = to_db_time(now_dt)
        with self._db.transaction() as conn:
            current = self._get(conn, incident_id)
            if current.status == status:
                return current
            acknowledged_at = current.acknowledged_at
            if status is IncidentStatus.ACKNOWLEDGED and acknowledged_at is None:
                acknowledged_at = now_dt
            mitigated_at = current.mitigated_at
            if status is IncidentStatus.MITIGATED:
                mitigated_at = now_dt
            elif status in (IncidentStatus.TRIGGERED, IncidentStatus.ACKNOWLEDGED):
                mitigated_at = None
            resolved_at = now_dt if status is IncidentStatus.RESOLVED else None
            try:
                conn.execute(
                    "UPDATE incidents SET status = ?, updated_at = ?, acknowledged_at = ?, mitigated_at = ?,"
                    " resolved_at = ? WHERE id = ?",
                    (
                        status.value,
                        now,
                        _opt_time(acknowledged_at),
                        _opt_time(mitigated_at),
                        _opt_time(resolved_at),
                        incident_id,
                    ),
                )
            except sqlite3.IntegrityError:
                raise StoreError(
                    f"cannot reopen incident #{incident_id}:"
                    f" another incident of group {current.group_key!r} is open"
                ) from None
            text = f"status: {current.status.value} → {status.value}" + (f": {note}" if note else "")
            self._insert_entry(
                conn,
                incident_id,
                now,
                TimelineKind.STATUS_CHANGE,
                actor,
                text,
                {"from": current.status.value, "to": status.value, "note": note},
            )
            return self._get(conn, incident_id)

    def escalation_level(self, incident_id: int) -> int:
        """Current escalation level (0 = the first level of the policy)."""
        return self.get(incident_id).escalation_level

    def set_escalation_level(
        self,
        incident_id: int,
        level: int,
        actor: str,
        text: str = "",
        data: Mapping[str, Any] | None = None,
    ) -> TimelineEntry:
        """Set the escalation level and log an ``escalate`` entry (``from``/``to`` in data), atomically."""
        if level < 0:
            raise ValueError("escalation level must be >= 0")
        now = to_db_time(self._clock.now())
        with self._db.transaction() as conn:
            current = self._get(conn, incident_id)
            conn.execute(
                "UPDATE incidents SET escalation_level = ?, updated_at = ? WHERE id = ?",
                (level, now, incident_id),
            )
            details = {**(data or {}), "from": current.escalation_level, "to": level}
            line = text or f"escalated to level {level}"
            return self._insert_entry(conn, incident_id, now, TimelineKind.ESCALATE, actor, line, details)

    def escalation_states(self, group_keys: Iterable[str]) -> dict[str, EscalationState]:
        """Escalation state of each open incident among ``group_keys`` (incident keys), in one query.

        Thread-safe: the database connection is serialised by its own lock.
        """
        keys = list(dict.fromkeys(group_keys))
        if not keys:
            return {}
        # One statement whatever the number of groups: the keys go in as one JSON array
        # (no per-group round trip, no limit on bound parameters). reached_at is the time
        # of the incident's last escalate entry.
        rows = self._db.query(
            "SELECT i.id, i.group_key, i.status, i.escalation_level, i.updated_at,"
            " (SELECT t.at FROM timeline t WHERE t.incident_id = i.id AND t.kind = ?"
            "  ORDER BY t.id DESC LIMIT 1) AS escalated_at"
            " FROM incidents i WHERE i.status != 'resolved'"
            " AND i.group_key IN (SELECT value FROM json_each(?))",
            (TimelineKind.ESCALATE.value, json.dumps(keys)),
        )
        states: dict[str, EscalationState] = {}
        for row in rows:
            level = int(row["escalation_level"])
            reached_at = None
            if level > 0:
                reached_at = from_db_time(row["escalated_at"] or row["updated_at"])
            status = IncidentStatus(row["status"])
            states[str(row["group_key"])] = EscalationState(
                int(row["id"]),
                level,
                reached_at,
                status in (IncidentStatus.ACKNOWLEDGED, IncidentStatus.MITIGATED),
            )
        return states

    # -- timeline ----------------------------------------------------------------------------------

    def append(
        self,
        incident_id: int,
        kind: str,
        text: str,
        actor: str,
        data: Mapping[str, Any] | None = None,
    ) -> TimelineEntry:
        """Append an entry; it is committed (durable, visible to other connections) when this returns."""
        now = to_db_time(self._clock.now())
        with self._db.transaction() as conn:
            self._require(conn, incident_id)
            return self._insert_entry(conn, incident_id, now, str(kind), actor, text, dict(data or {}))

    def timeline(self, incident_id: int) -> list[TimelineEntry]:
        """Every entry of an incident in write order (a wall clock jumping back cannot reorder them)."""
        rows = self._db.query("SELECT * FROM timeline WHERE incident_id = ? ORDER BY id", (incident_id,))
        return [_entry(row) for row in rows]

    # -- alerts ------------------------------------------------------------------------------------

    def link_alert(self, incident_id: int, fingerprint: str, actor: str = APP_ACTOR) -> bool:
        """Attach an alert (by fingerprint) and log ``alert_linked``; False if it was already linked."""
        now = to_db_time(self._clock.now())
        with self._db.transaction() as conn:
            self._require(conn, incident_id)
            return self._link(conn, incident_id, fingerprint, now, actor)

    def linked_alerts(self, incident_id: int) -> list[str]:
        """Fingerprints of the incident's alerts, in the order they were linked."""
        rows = self._db.query(
            "SELECT fingerprint FROM incident_alerts WHERE incident_id = ? ORDER BY linked_at, rowid",
            (incident_id,),
        )
        return [str(row[0]) for row in rows]

    def open_incident_for_alert(self, fingerprint: str) -> Incident | None:
        """The newest open incident the alert is linked to, if any."""
        rows = self._db.query(
            "SELECT i.* FROM incidents i JOIN incident_alerts a ON a.incident_id = i.id"
            " WHERE a.fingerprint = ? AND i.status != 'resolved'"
            " ORDER BY i.created_at DESC, i.id DESC LIMIT 1",
            (fingerprint,),
        )
        return _incident(rows[0]) if rows else None

    # -- helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _open_row(conn: sqlite3.Connection, group_key: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = conn.execute(
            "SELECT id FROM incidents WHERE group_key = ? AND status != 'resolved'", (group_key,)
        ).fetchone()
        return row

    @staticmethod
    def _require(conn: sqlite3.Connection, incident_id: int) -> None:
        if conn.execute("SELECT 1 FROM incidents WHERE id = ?", (incident_id,)).fetchone() is None:
            raise StoreError(f"no incident #{incident_id}")

    @staticmethod
    def _get(conn: sqlite3.Connection, incident_id: int) -> Incident:
        row = conn.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        if row is None:
            raise StoreError(f"no incident #{incident_id}")
        return _incident(row)

    def _link(
        self, conn: sqlite3.Connection, incident_id: int, fingerprint: str, now: str, actor: str
    ) -> bool:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO incident_alerts (incident_id, fingerprint, linked_at) VALUES (?, ?, ?)",
            (incident_id, fingerprint, now),
        )
        if cursor.rowcount == 0:
            return False
        self._insert_entry(
            conn,
            incident_id,
            now,
            TimelineKind.ALERT_LINKED,
            actor,
            f"alert {fingerprint} linked",
            {"fingerprint": fingerprint},
        )
        return True

    @staticmethod
    def _insert_entry(
        conn: sqlite3.Connection,
        incident_id: int,
        at: str,
        kind: str,
        actor: str,
        text: str,
        data: Mapping[str, Any],
    ) -> TimelineEntry:
        payload = to_json(dict(data))
        cursor = conn.execute(
            "INSERT INTO timeline (incident_id, at, kind, actor, text, data) VALUES (?, ?, ?, ?, ?, ?)",
            (incident_id, at, str(kind), actor, text, payload),
        )
        conn.execute("UPDATE incidents SET updated_at = ? WHERE id = ?", (at, incident_id))
        entry_time = from_db_time(at)
        assert entry_time is not None
        return TimelineEntry(
            id=_lastrowid(cursor),
            incident_id=incident_id,
            at=entry_time,
            kind=str(kind),
            actor=actor,
            text=text,
            data=json.loads(payload),
        )


def _lastrowid(cursor: sqlite3.Cursor) -> int:
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)


def _opt_time(value: datetime | None) -> str | None:
    return None if value is None else to_db_time(value)


def _required_time(value: str) -> datetime:
    parsed = from_db_time(value)
    assert parsed is not None
    return parsed


def _incident(row: sqlite3.Row) -> Incident:
    return Incident(
        id=int(row["id"]),
        title=row["title"],
        severity=row["severity"],
        status=IncidentStatus(row["status"]),
        group_key=row["group_key"],
        created_at=_required_time(row["created_at"]),
        updated_at=_required_time(row["updated_at"]),
        acknowledged_at=from_db_time(row["acknowledged_at"]),
        mitigated_at=from_db_time(row["mitigated_at"]),
        resolved_at=from_db_time(row["resolved_at"]),
        escalation_level=int(row["escalation_level"]),
    )


def _entry(row: sqlite3.Row) -> TimelineEntry:
    return TimelineEntry(
        id=int(row["id"]),
        incident_id=int(row["incident_id"]),
        at=_required_time(row["at"]),
        kind=row["kind"],
        actor=row["actor"],
        text=row["text"],
        data=json.loads(row["data"]),
    )
