"""Starting the app: a malformed config never starts it half-configured."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from oncall_tui.cli import main
from tests.support.app_start import start_without_ui


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))


def fail_if_app_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    def run_app(settings: Callable[[], object], **kwargs: object) -> int:
        started: list[object] = []
        status = start_without_ui(started)(settings, **kwargs)
        assert started == [], "the app must not start"
        return status

    monkeypatch.setattr("oncall_tui.commands.run_cmd._run_app", run_app)


def test_bad_config_exits_2_naming_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_if_app_starts(monkeypatch)
    config = tmp_path / "bad.toml"
    config.write_text('[contexts.prod.prometheus]\nurl = "not a url"\ntimeout = -1\n')
    assert main(["--config", str(config)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert any(str(config) in line and "contexts.prod.prometheus.url" in line for line in err), err
    assert any("contexts.prod.prometheus.timeout" in line for line in err), err


def test_unknown_context_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_if_app_starts(monkeypatch)
    config = tmp_path / "ok.toml"
    config.write_text('[contexts.prod.prometheus]\nurl = "http://p:9090"\n')
    assert main(["--config", str(config), "--context", "staging"]) == 2
    assert "no context named 'staging' (defined: prod)" in capsys.readouterr().err


def test_no_contexts_points_at_config_path_and_demo(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_if_app_starts(monkeypatch)
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "oncall-tui config path" in err and "oncall-tui --demo" in err


def test_an_empty_user_is_a_config_error_because_silences_need_a_creator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_if_app_starts(monkeypatch)
    config = tmp_path / "c.toml"
    config.write_text('user = ""\n[contexts.prod.prometheus]\nurl = "http://p:9090"\n')
    assert main(["--config", str(config)]) == 2
    assert f"{config}: user:" in capsys.readouterr().err
