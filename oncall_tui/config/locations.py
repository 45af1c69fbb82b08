"""Where oncall-tui keeps its files (XDG on Linux, the platform's own dirs elsewhere).

Every path is computed when asked for, never at import, so tests (and users) can
point ``XDG_CONFIG_HOME``/``XDG_DATA_HOME``/``XDG_CACHE_HOME`` elsewhere at any
time. Nothing here creates a directory: callers that write use :func:`ensure_dir`.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "oncall-tui"
"""Directory name under each XDG base directory."""

CONFIG_FILE_NAME = "config.toml"
"""Name of the config file inside :func:`config_dir`."""

DATABASE_FILE_NAME = "incidents.sqlite3"
"""Name of the incident log inside :func:`data_dir`."""


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/oncall-tui`` (default ``~/.config/oncall-tui``)."""
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    """The config file read when ``--config`` is not given."""
    return config_dir() / CONFIG_FILE_NAME


def data_dir() -> Path:
    """``$XDG_DATA_HOME/oncall-tui`` (default ``~/.local/share/oncall-tui``): the incident log."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def database_path() -> Path:
    """The SQLite incident log (incidents, timelines, outbox)."""
    return data_dir() / DATABASE_FILE_NAME


def themes_dir() -> Path:
    """User themes: files the user writes, so they live next to the config file."""
    return config_dir() / "themes"


def dashboards_dir(config_file_path: Path | None = None) -> Path:
    """Dashboards-as-code files: ``dashboards/`` next to the config file in use."""
    base = config_file_path.expanduser().parent if config_file_path is not None else config_dir()
    return base / "dashboards"


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/oncall-tui`` (default ``~/.cache/oncall-tui``): safe to delete."""
    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if missing, private to the user; return it.

    The incident log and credentials hints are nobody else's business, hence 0700.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def describe_missing(path: Path) -> str:
    """``path`` plus `` (not found)`` when it does not exist: for ``config path`` output."""
    return str(path) if os.path.exists(path) else f"{path} (not found)"
