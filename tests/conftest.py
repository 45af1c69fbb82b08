"""Suite-wide fixtures: UTC local time, and SVG snapshots stored under the top-level snapshots/."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
import pytest_textual_snapshot

# Snapshots show local time; pin it so they match on every machine.
os.environ["TZ"] = "UTC"
time.tzset()

REPO_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_ROOT = REPO_ROOT / "snapshots"


class ProjectSVGImageExtension(pytest_textual_snapshot.SVGImageExtension):  # type: ignore[misc]
    """SVG snapshots in ``snapshots/<test module>/`` instead of ``__snapshots__`` beside the test."""

    @classmethod
    def dirname(cls, *, test_location: Any) -> str:
        return str(SNAPSHOT_ROOT / Path(test_location.filepath).stem)


# snap_compare looks the extension up on its module at call time; the plugin version is pinned
# in pyproject.toml because this relies on that.
pytest_textual_snapshot.SVGImageExtension = ProjectSVGImageExtension


@pytest.fixture(autouse=True)
def _private_xdg_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real config, data (incident log) or cache directories."""
    base = tmp_path_factory.mktemp("xdg")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(base / name.lower()))
