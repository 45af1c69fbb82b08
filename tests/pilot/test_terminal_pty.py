"""The real app through a pseudo-terminal: odd terminals start and quit cleanly; signals restore it."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.pty_app import PtyApp, app_env, restored, spawn_app

ROOT = Path(__file__).resolve().parents[2]

FIRST_FRAME = b"prom"
"""The health bar's Prometheus entry: drawn in the first frame of the demo."""


@pytest.fixture
def started() -> Iterator[list[PtyApp]]:
    apps: list[PtyApp] = []
    yield apps
    for app in apps:
        app.kill()


def _start(started: list[PtyApp], home: Path, **env: str) -> PtyApp:
    app = spawn_app(["--demo"], env=app_env(home, **env))
    started.append(app)
    assert app.wait_for(FIRST_FRAME, within=60), bytes(app.output[-2000:]).decode(errors="replace")
    return app


def _leftover_wal(home: Path) -> list[Path]:
    """SQLite removes the write-ahead log when the last connection closes cleanly."""
    return [p for p in (home / "data").rglob("*-wal") if p.stat().st_size > 0]


@pytest.mark.parametrize(
    "env",
    [{"NO_COLOR": "1"}, {"TERM": "linux"}],
    ids=["NO_COLOR=1", "TERM=linux"],
)
def test_odd_terminals_show_the_first_frame_and_quit_cleanly_on_q(
    started: list[PtyApp], tmp_path: Path, env: dict[str, str]
) -> None:
    app = _start(started, tmp_path, **env)
    app.read_for(0.5)  # let the alert table draw (where NO_COLOR used to crash)
    app.send(b"q")
    assert app.wait_exit(within=30) == 0, bytes(app.output[-2000:]).decode(errors="replace")
    output = bytes(app.output)
    assert b"Traceback" not in output and b"AttributeError" not in output
    assert restored(output) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_restore_the_terminal_and_close_the_incident_log(
    started: list[PtyApp], tmp_path: Path, signum: int
) -> None:
    app = _start(started, tmp_path)
    app.read_for(0.5)
    app.signal(signum)
    assert app.wait_exit(within=30) == 0
    assert restored(bytes(app.output)) == []
    assert list((tmp_path / "data").rglob("*.sqlite3")), "the demo writes an incident log"
    assert _leftover_wal(tmp_path) == []


def test_an_app_that_dies_of_an_error_exits_non_zero_with_the_terminal_restored(
    started: list[PtyApp], tmp_path: Path
) -> None:
    app = spawn_app(["--demo"], env=app_env(tmp_path), module="tests.support.crashing_app", cwd=ROOT)
    started.append(app)
    assert app.wait_exit(within=60) == 1
    output = bytes(app.output)
    assert b"injected drawing failure" in output
    assert restored(output) == []


def test_a_config_it_rejects_ends_the_app_at_once_with_status_2_and_the_check_lines(
    started: list[PtyApp], tmp_path: Path
) -> None:
    # The config is read after the first frame (as fast as the demo); a bad one starts nothing.
    config = tmp_path / "bad.toml"
    config.write_text('[contexts.prod.prometheus]\nurl = "not a url"\ntimeout = -1\n')
    app = spawn_app(["--config", str(config)], env=app_env(tmp_path))
    started.append(app)
    assert app.wait_exit(within=60) == 2, bytes(app.output[-2000:]).decode(errors="replace")
    output = bytes(app.output)
    assert restored(output) == []
    text = output.decode(errors="replace")
    after = text[text.rfind("\x1b[?1049l") :]  # printed once the terminal is back
    assert f"{config}: contexts.prod.prometheus.url" in after, after
    assert "contexts.prod.prometheus.timeout" in after, after
    assert "Traceback" not in text
