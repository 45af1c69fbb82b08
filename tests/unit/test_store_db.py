"""The SQLite file: pragmas, migrations keyed on user_version, transactions."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from oncall_tui.errors import StoreError
from oncall_tui.store.db import MIGRATIONS, Database, connect, migrate

INSERT_ITEM = (
    "INSERT INTO outbox (kind, payload, dedup_key, state, created_at, updated_at, next_attempt_at)"
    " VALUES ('k', '{}', ?, ?, 't', 't', 't')"
)
"""A minimal outbox row: (dedup_key, state)."""


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


def test_fresh_database_is_migrated_with_durable_settings(tmp_path: Path) -> None:
    path = tmp_path / "data" / "incidents.sqlite3"
    with Database.open(path) as db:
        assert db.schema_version() == len(MIGRATIONS)
        assert db.query("PRAGMA journal_mode")[0][0] == "wal"
        assert db.query("PRAGMA foreign_keys")[0][0] == 1
        assert db.query("PRAGMA synchronous")[0][0] == 2  # FULL
        assert db.query("PRAGMA busy_timeout")[0][0] > 0
    assert {"incidents", "timeline", "incident_alerts", "outbox"} <= tables(path)


def test_database_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "incidents.sqlite3"
    Database.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_default_location_is_the_xdg_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    with Database.open() as db:
        assert db.path == str(tmp_path / "oncall-tui" / "incidents.sqlite3")
    assert (tmp_path / "oncall-tui" / "incidents.sqlite3").is_file()


def test_reopening_an_existing_database_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    with Database.open(path) as db, db.transaction() as conn:
        conn.execute(
            "INSERT INTO incidents (title, severity, status, created_at, updated_at)"
            " VALUES ('x', 'critical', 'triggered', '2026-01-01T00:00:00.000000+00:00', "
            "'2026-01-01T00:00:00.000000+00:00')"
        )
    with Database.open(path) as db:
        assert db.schema_version() == len(MIGRATIONS)
        assert db.query("SELECT COUNT(*) FROM incidents")[0][0] == 1


def test_migrate_is_idempotent() -> None:
    conn = connect(":memory:")
    assert migrate(conn) == len(MIGRATIONS)
    assert migrate(conn) == len(MIGRATIONS)


def test_a_new_step_upgrades_an_existing_database(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    Database.open(path).close()
    steps = [
        *MIGRATIONS,
        ("ALTER TABLE incidents ADD COLUMN pager TEXT", "CREATE INDEX inc_pager ON incidents (pager)"),
    ]
    conn = connect(path)
    assert migrate(conn, steps) == len(MIGRATIONS) + 1
    columns = {row[1] for row in conn.execute("PRAGMA table_info(incidents)")}
    assert "pager" in columns
    conn.close()


def test_a_failing_step_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    Database.open(path).close()
    steps = [*MIGRATIONS, ("CREATE TABLE half_done (x INTEGER)", "THIS IS NOT SQL")]
    conn = connect(path)
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, steps)
    conn.close()
    assert "half_done" not in tables(path)
    with Database.open(path) as db:
        assert db.schema_version() == len(MIGRATIONS)


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    Database.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    with pytest.raises(StoreError, match="newer than this oncall-tui knows"):
        Database.open(path)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError) as caught:
        Database.open(path)
    assert str(caught.value).startswith(f"cannot open the incident log {path}: ")


def test_transaction_rolls_back_on_error() -> None:
    db = Database.open(":memory:")
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute(INSERT_ITEM, ("a", "pending"))
        raise RuntimeError("boom")
    assert db.query("SELECT COUNT(*) FROM outbox")[0][0] == 0


def test_nested_transaction_commits_with_the_outer_one() -> None:
    db = Database.open(":memory:")
    with db.transaction() as conn:
        conn.execute(INSERT_ITEM, ("outer", "pending"))
        with pytest.raises(RuntimeError), db.transaction() as inner:
            inner.execute(INSERT_ITEM, ("inner", "pending"))
            raise RuntimeError("only the inner block is undone")
    keys = [row[0] for row in db.query("SELECT dedup_key FROM outbox")]
    assert keys == ["outer"]


def test_sqlite_errors_become_store_errors() -> None:
    db = Database.open(":memory:")
    with pytest.raises(StoreError, match="CHECK constraint failed"), db.transaction() as conn:
        conn.execute(INSERT_ITEM, ("a", "bogus"))


def test_the_connection_is_usable_from_worker_threads(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "incidents.sqlite3")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with db.transaction() as conn:
                conn.execute(INSERT_ITEM, (f"key-{n}", "pending"))
        except BaseException as error:  # surfaced by the assert below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.query("SELECT COUNT(*) FROM outbox")[0][0] == 8
    db.close()


def test_upgrading_a_version_1_log_keeps_queued_actions_with_an_unknown_context(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    conn = connect(path)
    assert migrate(conn, MIGRATIONS[:1]) == 1  # the log as the first release wrote it
    conn.execute(INSERT_ITEM, ("queued-before-upgrade", "pending"))
    conn.close()
    with Database.open(path) as db:
        assert db.schema_version() == len(MIGRATIONS)
        (row,) = db.query("SELECT dedup_key, state, context FROM outbox")
        assert tuple(row) == ("queued-before-upgrade", "pending", None)
    conn = connect(path)
    assert migrate(conn) == len(MIGRATIONS)  # again: nothing to do, nothing changed
    assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 1
    conn.close()


def test_a_newer_log_is_left_byte_for_byte_untouched(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    # A rollback-journal file, as a newer release might write: switching it to WAL would rewrite its header.
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE future (x INTEGER)")
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        Database.open(path)
    assert str(caught.value) == (
        f"the incident log has schema version {len(MIGRATIONS) + 1}, newer than this oncall-tui knows"
        f" ({len(MIGRATIONS)}); upgrade oncall-tui (the file is left untouched)"
    )
    assert path.read_bytes() == before


def test_a_damaged_log_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    with Database.open(path) as db, db.transaction() as conn:
        conn.execute("CREATE TABLE filler (x TEXT)")
        for n in range(400):
            conn.execute("INSERT INTO filler VALUES (?)", (f"row {n} " * 20,))
    with sqlite3.connect(path) as plain:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    plain.close()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 6 * page
    data[3 * page : 5 * page] = b"\xa5" * (2 * page)  # two pages in the middle overwritten with junk
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as caught:
        Database.open(path)
    message = str(caught.value)
    assert str(path) in message
    assert "move it aside" in message
    assert "\n" not in message


def test_a_truncated_header_says_it_is_corrupt_or_not_a_log(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    with pytest.raises(StoreError, match="corrupt, or not an oncall-tui incident log; move it aside"):
        Database.open(path)


def test_upgrading_a_version_2_log_keeps_its_incidents_and_adds_empty_fields(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    conn = connect(path)
    assert migrate(conn, MIGRATIONS[:2]) == 2
    conn.execute(
        "INSERT INTO incidents (title, severity, status, created_at, updated_at)"
        " VALUES ('old', 'critical', 'triggered', '2026-01-01T00:00:00.000000+00:00',"
        " '2026-01-01T00:00:00.000000+00:00')"
    )
    conn.close()
    with Database.open(path) as db:
        assert db.schema_version() == 3
        (row,) = db.query("SELECT title, owner, root_cause, context FROM incidents")
        assert tuple(row) == ("old", "", "", None)
        assert {"action_items", "alert_firings", "runbook_progress"} <= tables(path)
