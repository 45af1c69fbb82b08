"""The SQLite incident log file: connection settings, transactions and schema migrations.

Durability first: an entry must be on disk before the action it records is reported done,
so every write is its own committed transaction (``synchronous=FULL`` with WAL fsyncs the
log on each commit), and readers in other connections or processes see it at once.

One ``Database`` holds one connection shared by the threads of one process (Textual thread
workers), serialised by a re-entrant lock; other processes coordinate through SQLite's own
locking (``BEGIN IMMEDIATE`` plus ``busy_timeout``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from oncall_tui.errors import StoreError

BUSY_TIMEOUT_MS = 5000
"""How long a writer waits for another process's write lock before giving up."""

MIGRATIONS: list[tuple[str, ...]] = [
    # 1: incidents, their timelines and linked alerts, and the outbox of remote actions.
    (
        """CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            severity TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('triggered', 'acknowledged', 'mitigated', 'resolved')),
            group_key TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            acknowledged_at TEXT,
            mitigated_at TEXT,
            resolved_at TEXT,
            escalation_level INTEGER NOT NULL DEFAULT 0
        )""",
        # At most one open incident per alert group: "find or open" stays race-free across processes.
        """CREATE UNIQUE INDEX incidents_open_group ON incidents (group_key)
            WHERE group_key IS NOT NULL AND status != 'resolved'""",
        "CREATE INDEX incidents_created ON incidents (created_at)",
        """CREATE TABLE timeline (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE INDEX timeline_incident ON timeline (incident_id, id)",
        """CREATE TABLE incident_alerts (
            incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
            fingerprint TEXT NOT NULL,
            linked_at TEXT NOT NULL,
            PRIMARY KEY (incident_id, fingerprint)
        )""",
        "CREATE INDEX incident_alerts_fingerprint ON incident_alerts (fingerprint)",
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            incident_id INTEGER REFERENCES incidents (id) ON DELETE SET NULL,
            dedup_key TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'done', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL,
            lease_until TEXT,
            lease_token TEXT,
            last_error TEXT,
            result TEXT
        )""",
        "CREATE INDEX outbox_due ON outbox (state, next_attempt_at)",
    ),
    # 2: the context (Alertmanager cluster) an outbox item belongs to, so a context's drain never
    # sends another context's action to its own Alertmanager. NULL: made without a context
    # (single-context tools and tests), sent only by a drain without one.
    (
        "ALTER TABLE outbox ADD COLUMN context TEXT",
        "CREATE INDEX outbox_context_due ON outbox (context, state, next_attempt_at)",
    ),
    # 3: what a post-mortem needs (owner, impact, root cause… as text, '' when unset), the context of
    # an incident opened by hand, what is known of each linked alert (name, start: for time to
    # detect), action items, every alert firing the app saw (for the noise report), and the
    # step-through progress of runbooks per incident.
    (
        *(
            f"ALTER TABLE incidents ADD COLUMN {name} TEXT NOT NULL DEFAULT ''"
            for name in (
                "owner",
                "impact",
                "root_cause",
                "contributing_factors",
                "resolution",
                "went_well",
                "went_wrong",
                "prevention",
                "follow_up",
            )
        ),
        "ALTER TABLE incidents ADD COLUMN context TEXT",
        "ALTER TABLE incident_alerts ADD COLUMN alertname TEXT",
        "ALTER TABLE incident_alerts ADD COLUMN starts_at TEXT",
        """CREATE TABLE action_items (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            owner TEXT NOT NULL DEFAULT '',
            due_date TEXT,
            done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX action_items_incident ON action_items (incident_id, id)",
        """CREATE TABLE alert_firings (
            fingerprint TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            alertname TEXT NOT NULL,
            severity TEXT NOT NULL DEFAULT '',
            context TEXT NOT NULL DEFAULT '',
            first_seen TEXT NOT NULL,
            PRIMARY KEY (fingerprint, starts_at)
        )""",
        "CREATE INDEX alert_firings_start ON alert_firings (starts_at)",
        """CREATE TABLE runbook_progress (
            incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
            runbook TEXT NOT NULL,
            step_index INTEGER NOT NULL CHECK (step_index >= 0),
            status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'skipped')),
            title TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (incident_id, runbook, step_index)
        )""",
    ),
]
"""``MIGRATIONS[i]`` upgrades ``user_version`` i to i + 1. Append only; never edit a shipped step."""


def to_db_time(value: datetime) -> str:
    """UTC ISO 8601 with microseconds: one fixed width, so text order is time order in SQL."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: the incident log stores timezone-aware times only")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(value: str | None) -> datetime | None:
    """Inverse of ``to_db_time``; None stays None."""
    return None if value is None else datetime.fromisoformat(value)


def to_json(value: Any) -> str:
    """Compact, key-sorted JSON for the ``data``/``payload``/``result`` columns."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def connect(path: Path | str) -> sqlite3.Connection:
    """Open (creating if needed) the database file with the log's pragmas; no migration."""
    target = str(path)
    if target != ":memory:":
        file = Path(target)
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not file.exists():
            # Create it private before SQLite does (with the umask): timelines are nobody else's business.
            os.close(os.open(file, os.O_CREAT | os.O_WRONLY, 0o600))
    # isolation_level=None: no implicit transactions; ``Database.transaction`` issues BEGIN IMMEDIATE itself.
    connection = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Before anything writes to the file (switching to WAL rewrites its header): a log from a
        # newer oncall-tui is left exactly as it is.
        refuse_newer(connection, len(MIGRATIONS))
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        connection.close()
        raise
    return connection


def refuse_newer(connection: sqlite3.Connection, known: int) -> None:
    """StoreError if the file's ``user_version`` is above ``known`` (written by a newer oncall-tui)."""
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > known:
        raise StoreError(
            f"the incident log has schema version {version}, newer than this oncall-tui knows "
            f"({known}); upgrade oncall-tui (the file is left untouched)"
        )


def check_integrity(connection: sqlite3.Connection, path: str) -> None:
    """StoreError naming the first problem if ``PRAGMA quick_check`` finds the file damaged."""
    rows = connection.execute("PRAGMA quick_check(3)").fetchall()
    problems = [str(row[0]) for row in rows if str(row[0]) != "ok"]
    if problems:
        raise StoreError(
            f"the incident log {path} is damaged ({_one_line(ValueError('; '.join(problems)))[:160]});"
            " move it aside to start a new one"
        )


def migrate(connection: sqlite3.Connection, migrations: Sequence[Sequence[str]] = MIGRATIONS) -> int:
    """Apply the steps above the file's ``user_version``, each in one transaction; return the new version.

    Idempotent: a database already at the latest version is left alone. Safe against a second
    process migrating at the same time (the version is re-read under the write lock).
    """
    while True:
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
            if version > len(migrations):
                raise StoreError(
                    f"the incident log has schema version {version}, newer than this oncall-tui knows "
                    f"({len(migrations)}); upgrade oncall-tui"
                )
            if version == len(migrations):
                connection.execute("COMMIT")
                return version
            for statement in migrations[version]:
                connection.execute(statement)
            # user_version lives in the file header and is transactional: step and number commit together.
            connection.execute(f"PRAGMA user_version = {version + 1}")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise


class Database:
    """The incident log's connection, shared by the threads of one process."""

    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self._connection = connection
        self._lock = threading.RLock()
        self._depth = 0
        self.path = path
        """File path (or ``:memory:``), for messages."""

    @classmethod
    def open(cls, path: Path | str | None = None) -> Database:
        """Open and migrate the log at ``path`` (default: the XDG data dir). Raises StoreError."""
        if path is None:
            from oncall_tui.config import locations

            path = locations.database_path()
        try:
            connection = connect(path)
        except (sqlite3.Error, OSError) as error:
            raise StoreError(f"cannot open the incident log {path}: {_explain(error)}") from None
        try:
            check_integrity(connection, str(path))
            migrate(connection)
        except StoreError:
            connection.close()
            raise
        except sqlite3.Error as error:
            connection.close()
            raise StoreError(f"cannot open the incident log {path}: {_explain(error)}") from None
        return cls(connection, str(path))

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed when the block ends, rolled back if it raises.

        Nested use joins the outer transaction (through a savepoint), so a caller can make
        several writes atomic, e.g. a timeline entry and the outbox item of its action::

            with db.transaction():
                log.append(...)
                outbox.enqueue(...)

        Only the outermost block commits. sqlite3 errors become StoreError.
        """
        with self._lock:
            outer = self._depth == 0
            self._depth += 1
            savepoint = f"sp{self._depth}"
            try:
                self._connection.execute("BEGIN IMMEDIATE" if outer else f"SAVEPOINT {savepoint}")
                try:
                    yield self._connection
                except BaseException:
                    if outer:
                        self._connection.execute("ROLLBACK")
                    else:
                        self._connection.execute(f"ROLLBACK TO {savepoint}")
                        self._connection.execute(f"RELEASE {savepoint}")
                    raise
                self._connection.execute("COMMIT" if outer else f"RELEASE {savepoint}")
            except sqlite3.Error as error:
                if outer and self._connection.in_transaction:
                    self._connection.execute("ROLLBACK")
                raise StoreError(f"incident log {self.path}: {_one_line(error)}") from None
            finally:
                self._depth -= 1

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Run a read-only statement and return every row."""
        with self._lock:
            try:
                return self._connection.execute(sql, params).fetchall()
            except sqlite3.Error as error:
                raise StoreError(f"incident log {self.path}: {_one_line(error)}") from None

    def schema_version(self) -> int:
        """The file's ``PRAGMA user_version``."""
        return int(self.query("PRAGMA user_version")[0][0])

    def close(self) -> None:
        """Close the connection (committed data is already on disk)."""
        with self._lock:
            self._connection.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _explain(error: BaseException) -> str:
    text = _one_line(error)
    if isinstance(error, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        # SQLite's words alone do not say what to do about it.
        return f"{text} (corrupt, or not an oncall-tui incident log; move it aside to start a new one)"
    return text
