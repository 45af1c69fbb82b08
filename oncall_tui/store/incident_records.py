"""IncidentRecords: everything the engineer writes about an incident, beyond what ``IncidentLog`` does.

Notes, status changes with their resolution, post-mortem fields (owner, impact, root cause…),
linking and unlinking alerts, action items, incidents opened by hand, and the firings of alerts
the app saw (for the noise report). Every change writes its timeline entry in the same
transaction as the change itself, and is committed before the method returns (or with the outer
``Database.transaction()`` it runs in): nothing shows as done that is not on disk.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from oncall_tui.clock import Clock
from oncall_tui.errors import StoreError
from oncall_tui.foreground import paced
from oncall_tui.models.incident import Incident, IncidentStatus, TimelineEntry, TimelineKind
from oncall_tui.models.incident_record import (
    FIELD_LABELS,
    INCIDENT_FIELDS,
    ActionItem,
    AlertFiring,
    IncidentFields,
    IncidentRecord,
    IncidentSummary,
    LinkedAlert,
    RecordKind,
)
from oncall_tui.store.db import Database, from_db_time, to_db_time
from oncall_tui.store.incidents import IncidentLog

_FIRING_AT_LINK = (
    "(SELECT f.{column} FROM alert_firings f WHERE f.fingerprint = a.fingerprint"
    " AND f.starts_at <= a.linked_at ORDER BY f.starts_at DESC LIMIT 1)"
)
_LINKED_SELECT = (
    "SELECT a.incident_id, a.fingerprint, a.linked_at,"
    f" COALESCE(a.alertname, {_FIRING_AT_LINK.format(column='alertname')}) AS alertname,"
    f" COALESCE(a.starts_at, {_FIRING_AT_LINK.format(column='starts_at')}) AS starts_at"
    " FROM incident_alerts a"
)
"""Linked alerts; what the link did not know (name, start) comes from the firing that was current
when it was linked, if the app saw it (links written by alert actions carry only fingerprints)."""


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""Argument value meaning "leave this as it is" where None means "clear it"."""

MANUAL_SEVERITIES = ("critical", "warning", "info", "none")
"""Severities an incident opened by hand may have."""


class IncidentRecords:
    """Write and read the engineer's record of incidents (see the module docstring)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._log = IncidentLog(db, clock)

    @property
    def log(self) -> IncidentLog:
        """The incident log these records extend."""
        return self._log

    @property
    def db(self) -> Database:
        """The database (for one transaction spanning several writes)."""
        return self._db

    # -- opening, notes, status ------------------------------------------------------------------

    def open_manual(
        self,
        title: str,
        severity: str,
        actor: str,
        *,
        alerts: Sequence[LinkedAlert] = (),
        context: str | None = None,
    ) -> Incident:
        """Open a triggered incident by hand (no alert group), linking ``alerts``; ValueError on bad input."""
        title = " ".join(title.split())
        if not title:
            raise ValueError("an incident needs a title")
        if severity not in MANUAL_SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(MANUAL_SEVERITIES)}, not {severity!r}")
        with self._db.transaction() as conn:
            incident = self._log.open_incident(title, severity, None, (), actor=actor)
            conn.execute("UPDATE incidents SET context = ? WHERE id = ?", (context, incident.id))
            self._link_all(conn, incident.id, alerts, actor)
            return self._log.get(incident.id)

    def add_note(self, incident_id: int, text: str, actor: str) -> TimelineEntry:
        """Append a note (multi-line text kept as written); ValueError if it is blank."""
        body = text.strip("\n")
        if not body.strip():
            raise ValueError("a note needs some text")
        return self._log.append(incident_id, TimelineKind.NOTE, body, actor)

    def change_status(
        self, incident_id: int, status: IncidentStatus, actor: str, *, resolution: str = ""
    ) -> Incident:
        """Move to ``status`` (logged with its time); resolving stores the one-line ``resolution``.

        The resolution is part of the status entry's text and data, and becomes the incident's
        ``resolution`` field. Setting the current status again changes nothing.
        """
        status = IncidentStatus(status)
        line = " ".join(resolution.split())
        with self._db.transaction() as conn:
            incident = self._log.set_status(incident_id, status, actor, line)
            if status is IncidentStatus.RESOLVED and line:
                conn.execute("UPDATE incidents SET resolution = ? WHERE id = ?", (line, incident_id))
            return incident

    def set_fields(self, incident_id: int, actor: str, values: Mapping[str, str]) -> IncidentRecord:
        """Set post-mortem fields; one ``field_change`` entry per field whose value changes.

        ``values`` maps names of ``INCIDENT_FIELDS`` to text; the owner is kept to one line.
        KeyError for an unknown field name.
        """
        for name in values:
            if name not in INCIDENT_FIELDS:
                raise KeyError(f"no incident field {name!r}")
        with self._db.transaction() as conn:
            current = self._fields(conn, incident_id)
            for name, raw in values.items():
                value = " ".join(raw.split()) if name == "owner" else raw.strip()
                old = current.get(name)
                if value == old:
                    continue
                # Column names come from INCIDENT_FIELDS (checked above), never from the caller's text.
                conn.execute(f"UPDATE incidents SET {name} = ? WHERE id = ?", (value, incident_id))
                label = FIELD_LABELS[name]
                text = f"{label}: {value}" if value else f"{label} cleared"
                self._log.append(
                    incident_id,
                    RecordKind.FIELD_CHANGE,
                    text,
                    actor,
                    {"field": name, "from": old, "to": value},
                )
            return self._record(conn, incident_id)

    # -- alerts ----------------------------------------------------------------------------------

    def link_alerts(self, incident_id: int, alerts: Iterable[LinkedAlert], actor: str) -> int:
        """Attach alerts (each logged once); returns how many are new.

        For alerts already linked, a name or start the link did not know yet is filled in.
        """
        with self._db.transaction() as conn:
            self._log.get(incident_id)
            return self._link_all(conn, incident_id, list(alerts), actor)

    def unlink_alert(self, incident_id: int, fingerprint: str, actor: str) -> bool:
        """Detach an alert and log ``alert_unlinked``; False (nothing logged) if it was not linked."""
        with self._db.transaction() as conn:
            self._log.get(incident_id)
            row = conn.execute(
                "SELECT alertname FROM incident_alerts WHERE incident_id = ? AND fingerprint = ?",
                (incident_id, fingerprint),
            ).fetchone()
            if row is None:
                return False
            conn.execute(
                "DELETE FROM incident_alerts WHERE incident_id = ? AND fingerprint = ?",
                (incident_id, fingerprint),
            )
            name = f"{row['alertname']} " if row["alertname"] else ""
            self._log.append(
                incident_id,
                RecordKind.ALERT_UNLINKED,
                f"alert {name}{fingerprint} unlinked",
                actor,
                {"fingerprint": fingerprint},
            )
            return True

    def record_firings(self, firings: Iterable[AlertFiring]) -> int:
        """Remember alert firings the app saw (idempotent); returns how many were new.

        Alerts linked to an open incident without a known start get this firing's name and start.
        """
        now = to_db_time(self._clock.now())
        # Parameters first (Python, paced so a key goes first), then one executemany each: the
        # statements run in C, which lets the event loop's thread in while SQLite works.
        inserts: list[tuple[str, str, str, str, str, str]] = []
        updates: list[tuple[str, str, str]] = []
        for firing in paced(firings):
            started = to_db_time(firing.starts_at)
            inserts.append(
                (firing.fingerprint, started, firing.alertname, firing.severity, firing.context, now)
            )
            updates.append((firing.alertname, started, firing.fingerprint))
        with self._db.transaction() as conn:
            added = conn.executemany(
                "INSERT OR IGNORE INTO alert_firings"
                " (fingerprint, starts_at, alertname, severity, context, first_seen)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                inserts,
            ).rowcount
            conn.executemany(
                "UPDATE incident_alerts SET alertname = COALESCE(alertname, ?), starts_at = ?"
                " WHERE fingerprint = ? AND starts_at IS NULL AND incident_id IN"
                " (SELECT id FROM incidents WHERE status != 'resolved')",
                updates,
            )
        return added

    def firings(self, since: datetime, until: datetime | None = None) -> list[AlertFiring]:
        """Firings that started in ``[since, until)``, oldest first."""
        sql = "SELECT * FROM alert_firings WHERE starts_at >= ?"
        params: list[Any] = [to_db_time(since)]
        if until is not None:
            sql += " AND starts_at < ?"
            params.append(to_db_time(until))
        rows = self._db.query(sql + " ORDER BY starts_at, fingerprint", params)
        return [_firing(row) for row in rows]

    # -- action items ----------------------------------------------------------------------------

    def add_action_item(
        self, incident_id: int, text: str, actor: str, *, owner: str = "", due: date | None = None
    ) -> ActionItem:
        """Add an open action item and log it; ValueError if the text is blank."""
        body = " ".join(text.split())
        if not body:
            raise ValueError("an action item needs some text")
        owner = " ".join(owner.split())
        now = to_db_time(self._clock.now())
        with self._db.transaction() as conn:
            self._log.get(incident_id)
            cursor = conn.execute(
                "INSERT INTO action_items (incident_id, text, owner, due_date, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (incident_id, body, owner, _opt_date(due), now, now),
            )
            assert cursor.lastrowid is not None
            item = self._item(conn, int(cursor.lastrowid))
            self._log.append(
                incident_id,
                RecordKind.ACTION_ITEM,
                f"action item A{item.id} added: {_describe_item(item)}",
                actor,
                {"item": item.id, "change": "added", "owner": owner, "due": _opt_date(due)},
            )
            return item

    def update_action_item(
        self,
        item_id: int,
        actor: str,
        *,
        text: str | None = None,
        owner: str | None = None,
        due: date | None | _Keep = KEEP,
        done: bool | None = None,
    ) -> ActionItem:
        """Change an action item (None/KEEP: leave as is) and log it; a no-op change logs nothing."""
        with self._db.transaction() as conn:
            old = self._item(conn, item_id)
            new_text = old.text if text is None else " ".join(text.split())
            if not new_text:
                raise ValueError("an action item needs some text")
            new_owner = old.owner if owner is None else " ".join(owner.split())
            new_due = old.due if isinstance(due, _Keep) else due
            new_done = old.done if done is None else done
            if (new_text, new_owner, new_due, new_done) == (old.text, old.owner, old.due, old.done):
                return old
            conn.execute(
                "UPDATE action_items SET text = ?, owner = ?, due_date = ?, done = ?, updated_at = ?"
                " WHERE id = ?",
                (
                    new_text,
                    new_owner,
                    _opt_date(new_due),
                    int(new_done),
                    to_db_time(self._clock.now()),
                    item_id,
                ),
            )
            item = self._item(conn, item_id)
            change = "changed" if new_done == old.done else ("done" if new_done else "reopened")
            self._log.append(
                item.incident_id,
                RecordKind.ACTION_ITEM,
                f"action item A{item.id} {change}: {_describe_item(item)}",
                actor,
                {"item": item.id, "change": change, "owner": item.owner, "due": _opt_date(item.due)},
            )
            return item

    def action_items(self, incident_id: int) -> list[ActionItem]:
        """The incident's action items, in the order they were added."""
        rows = self._db.query("SELECT * FROM action_items WHERE incident_id = ? ORDER BY id", (incident_id,))
        return [_action_item(row) for row in rows]

    # -- reading ---------------------------------------------------------------------------------

    def record(self, incident_id: int) -> IncidentRecord:
        """The incident with its fields, linked alerts and action items; StoreError if there is none."""
        with self._db.transaction() as conn:  # one consistent snapshot
            return self._record(conn, incident_id)

    def summaries(
        self,
        *,
        statuses: Iterable[IncidentStatus] | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[IncidentSummary]:
        """Rows of the incident list, newest first (see ``IncidentLog.list_incidents`` for the filters)."""
        incidents = self._log.list_incidents(statuses=statuses, since=since, limit=limit)
        if not incidents:
            return []
        ids = [incident.id for incident in incidents]
        marks = ", ".join("?" for _ in ids)
        extra = {
            int(row["id"]): row
            for row in self._db.query(
                f"SELECT id, owner, context, group_key FROM incidents WHERE id IN ({marks})", ids
            )
        }
        alerts: dict[int, list[sqlite3.Row]] = {}
        for row in self._db.query(
            f"{_LINKED_SELECT} WHERE a.incident_id IN ({marks}) ORDER BY a.linked_at, a.rowid", ids
        ):
            alerts.setdefault(int(row["incident_id"]), []).append(row)
        out = []
        for incident in incidents:
            row = extra[incident.id]
            linked = [_linked(a) for a in alerts.get(incident.id, [])]
            starts = [a.starts_at for a in linked if a.starts_at is not None]
            names = tuple(dict.fromkeys(a.alertname for a in linked if a.alertname))
            out.append(
                IncidentSummary(
                    incident=incident,
                    owner=row["owner"],
                    context=_context(row),
                    alert_count=len(linked),
                    first_alert_start=min(starts) if starts else None,
                    alertnames=names,
                )
            )
        return out

    def records(self, since: datetime) -> list[IncidentRecord]:
        """Records of incidents opened at or after ``since``, newest first (for reports)."""
        return [self.record(incident.id) for incident in self._log.list_incidents(since=since)]

    def entries(self, kinds: Iterable[str], since: datetime) -> list[TimelineEntry]:
        """Timeline entries of the given kinds written at or after ``since``, in write order."""
        wanted = sorted({str(kind) for kind in kinds})
        if not wanted:
            return []
        marks = ", ".join("?" for _ in wanted)
        rows = self._db.query(
            f"SELECT * FROM timeline WHERE kind IN ({marks}) AND at >= ? ORDER BY id",
            [*wanted, to_db_time(since)],
        )
        return [_entry(row) for row in rows]

    # -- helpers ---------------------------------------------------------------------------------

    def _record(self, conn: sqlite3.Connection, incident_id: int) -> IncidentRecord:
        row = conn.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        if row is None:
            raise StoreError(f"no incident #{incident_id}")
        alerts = conn.execute(
            f"{_LINKED_SELECT} WHERE a.incident_id = ? ORDER BY a.linked_at, a.rowid", (incident_id,)
        ).fetchall()
        items = conn.execute(
            "SELECT * FROM action_items WHERE incident_id = ? ORDER BY id", (incident_id,)
        ).fetchall()
        return IncidentRecord(
            incident=self._log.get(incident_id),
            fields=_fields(row),
            context=_context(row),
            alerts=tuple(_linked(a) for a in alerts),
            action_items=tuple(_action_item(i) for i in items),
        )

    @staticmethod
    def _fields(conn: sqlite3.Connection, incident_id: int) -> IncidentFields:
        row = conn.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        if row is None:
            raise StoreError(f"no incident #{incident_id}")
        return _fields(row)

    @staticmethod
    def _item(conn: sqlite3.Connection, item_id: int) -> ActionItem:
        row = conn.execute("SELECT * FROM action_items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise StoreError(f"no action item A{item_id}")
        return _action_item(row)

    def _link_all(
        self, conn: sqlite3.Connection, incident_id: int, alerts: Sequence[LinkedAlert], actor: str
    ) -> int:
        now = to_db_time(self._clock.now())
        added = 0
        for alert in alerts:
            name, start = alert.alertname, alert.starts_at
            if name is None or start is None:
                # The newest firing the app saw fills in what the caller did not know.
                seen = conn.execute(
                    "SELECT alertname, starts_at FROM alert_firings WHERE fingerprint = ? AND starts_at <= ?"
                    " ORDER BY starts_at DESC LIMIT 1",
                    (alert.fingerprint, now),
                ).fetchone()
                if seen is not None:
                    name = name or seen["alertname"]
                    start = start or from_db_time(seen["starts_at"])
            start_text = None if start is None else to_db_time(start)
            cursor = conn.execute(
                "INSERT OR IGNORE INTO incident_alerts"
                " (incident_id, fingerprint, linked_at, alertname, starts_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (incident_id, alert.fingerprint, now, name, start_text),
            )
            if cursor.rowcount == 0:
                conn.execute(
                    "UPDATE incident_alerts SET alertname = COALESCE(alertname, ?),"
                    " starts_at = COALESCE(starts_at, ?) WHERE incident_id = ? AND fingerprint = ?",
                    (name, start_text, incident_id, alert.fingerprint),
                )
                continue
            added += 1
            label = f"{name} " if name else ""
            self._log.append(
                incident_id,
                TimelineKind.ALERT_LINKED,
                f"alert {label}{alert.fingerprint} linked",
                actor,
                {"fingerprint": alert.fingerprint, "alertname": name, "starts_at": start_text},
            )
        return added


def _opt_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _describe_item(item: ActionItem) -> str:
    parts = [item.text]
    if item.owner:
        parts.append(f"owner {item.owner}")
    if item.due is not None:
        parts.append(f"due {item.due.isoformat()}")
    return ", ".join(parts)


def _context(row: sqlite3.Row) -> str | None:
    if row["context"]:
        return str(row["context"])
    key = row["group_key"]
    # Group keys of alert actions are "<context>/<Alertmanager group key>"; Alertmanager's own
    # keys (no context) start with "{".
    if key and not str(key).startswith("{") and "/" in str(key):
        return str(key).split("/", 1)[0]
    return None


def _fields(row: sqlite3.Row) -> IncidentFields:
    return IncidentFields(**{name: str(row[name]) for name in INCIDENT_FIELDS})


def _linked(row: sqlite3.Row) -> LinkedAlert:
    return LinkedAlert(
        fingerprint=row["fingerprint"],
        alertname=row["alertname"],
        starts_at=from_db_time(row["starts_at"]),
        linked_at=from_db_time(row["linked_at"]),
    )


def _time(value: str) -> datetime:
    parsed = from_db_time(value)
    assert parsed is not None
    return parsed


def _action_item(row: sqlite3.Row) -> ActionItem:
    return ActionItem(
        id=int(row["id"]),
        incident_id=int(row["incident_id"]),
        text=row["text"],
        owner=row["owner"],
        due=None if row["due_date"] is None else date.fromisoformat(row["due_date"]),
        done=bool(row["done"]),
        created_at=_time(row["created_at"]),
        updated_at=_time(row["updated_at"]),
    )


def _entry(row: sqlite3.Row) -> TimelineEntry:
    return TimelineEntry(
        id=int(row["id"]),
        incident_id=int(row["incident_id"]),
        at=_time(row["at"]),
        kind=row["kind"],
        actor=row["actor"],
        text=row["text"],
        data=json.loads(row["data"]),
    )


def _firing(row: sqlite3.Row) -> AlertFiring:
    return AlertFiring(
        fingerprint=row["fingerprint"],
        starts_at=_time(row["starts_at"]),
        alertname=row["alertname"],
        severity=row["severity"],
        context=row["context"],
        first_seen=from_db_time(row["first_seen"]),
    )
