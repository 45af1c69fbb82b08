"""Fixtures shared by unit tests: the store's database file and fake clock."""

from tests.support.store import clock, db, db_path

__all__ = ["clock", "db", "db_path"]
