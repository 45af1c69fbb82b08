"""XDG locations: honoured from the environment at call time, never created just by asking."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from oncall_tui.config import locations


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    return tmp_path


def test_paths_follow_xdg_variables(xdg: Path) -> None:
    assert locations.config_file() == xdg / "xdg_config_home" / "oncall-tui" / "config.toml"
    assert locations.themes_dir() == xdg / "xdg_config_home" / "oncall-tui" / "themes"
    assert locations.data_dir() == xdg / "xdg_data_home" / "oncall-tui"
    assert locations.database_path() == xdg / "xdg_data_home" / "oncall-tui" / "incidents.sqlite3"
    assert locations.cache_dir() == xdg / "xdg_cache_home" / "oncall-tui"


def test_a_changed_variable_is_seen_without_reimport(xdg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg / "elsewhere"))
    assert locations.database_path().parent == xdg / "elsewhere" / "oncall-tui"


def test_nothing_is_created_by_import_or_lookup(xdg: Path) -> None:
    importlib.reload(locations)
    for path in (
        locations.config_file(),
        locations.database_path(),
        locations.themes_dir(),
        locations.cache_dir(),
    ):
        assert not path.exists()
    assert list(xdg.iterdir()) == []


def test_ensure_dir_creates_a_private_directory(xdg: Path) -> None:
    created = locations.ensure_dir(locations.data_dir())
    assert created.is_dir()
    assert created.stat().st_mode & 0o777 == 0o700
