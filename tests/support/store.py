"""Fixtures for tests of the incident store: a fresh database file per test and a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.store.db import Database

START = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
"""Where the fake clock of store tests starts."""


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "incidents.sqlite3"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = Database.open(db_path)
    yield database
    database.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)
