"""``config check`` and app start share one validation path: they accept and reject the same configs,
with the same lines, every problem in one pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.cli import main
from tests.support.app_start import start_without_ui

GOOD = '[contexts.prod.prometheus]\nurl = "http://p:9090"\n'

BROKEN = {
    "empty file": ("", ["contexts: no context configured"]),
    "missing CA file": (
        GOOD + 'tls = { ca_file = "corp-ca.pem" }\n',
        ["contexts.prod.prometheus.tls.ca_file: expected an existing PEM file", "corp-ca.pem is missing"],
    ),
    "duplicate Alertmanager peer": (
        GOOD + '[contexts.prod.alertmanager]\nurls = ["http://am:9093", "http://AM:9093/"]\n',
        ["contexts.prod.alertmanager.urls[1]: 'http://AM:9093/' is listed twice"],
    ),
    "unknown binding id": (GOOD + '[keymap]\nrefresh = "f5"\n', ["keymap.refresh: no binding with this id"]),
    "impossible key": (
        GOOD + '[keymap]\nrefresh-now = "ctrl+shift+banana"\n',
        ["keymap.refresh-now: 'ctrl+shift+banana': 'banana' is not a key name"],
    ),
    "refresh on Ack's key": (
        GOOD + '[keymap]\nrefresh-now = "a"\n',
        ["keymap.refresh-now: 'a' is already alerts-ack's key (Alerts screen)"],
    ),
    "reserved terminal key": (
        GOOD + '[keymap]\nhelp = "ctrl+s"\n',
        ["keymap.help: 'ctrl+s': the terminal's flow control (XOFF) takes it"],
    ),
    "infinite timeout": (
        GOOD.replace('"\n', '"\ntimeout = 1e400\n', 1),
        ["contexts.prod.prometheus.timeout: expected a finite number"],
    ),
    "huge timeout": (
        GOOD.replace('"\n', '"\ntimeout = 86400\n', 1),
        ["contexts.prod.prometheus.timeout: expected a number of at most 600"],
    ),
}


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    started: list[object] = []
    monkeypatch.setattr("oncall_tui.commands.run_cmd._run_app", start_without_ui(started))
    return started


def _both(config: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, int, str]:
    checked = main(["--config", str(config), *extra, "config", "check"])
    check_err = capsys.readouterr().err
    started = main(["--config", str(config), *extra])
    start_err = capsys.readouterr().err
    return checked, check_err, started, start_err


@pytest.mark.parametrize(("text", "expected"), BROKEN.values(), ids=BROKEN.keys())
def test_check_and_start_reject_the_same_config_with_the_same_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated: list[object], text: str, expected: list[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    checked, check_err, started, start_err = _both(config, capsys)
    assert (checked, started) == (2, 2)
    assert isolated == [], "the app must not start"
    assert check_err == start_err
    for part in expected:
        assert part in check_err, check_err
    assert all(str(config) in line for line in check_err.splitlines())


def test_an_unknown_context_is_rejected_by_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated: list[object]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD)
    checked, check_err, started, start_err = _both(config, capsys, "--context", "nope")
    assert (checked, started) == (2, 2) and check_err == start_err
    assert "--context: no context named 'nope' (defined: prod)" in check_err


def test_every_problem_is_reported_in_one_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated: list[object]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        GOOD.replace('"\n', '"\ntimeout = 1e400\ntls = { ca_file = "nope.pem" }\n', 1)
        + '[contexts.prod.alertmanager]\nurls = ["http://am:9093", "http://am:9093"]\n'
        + '[keymap]\nrefresh-now = "a"\nhelp = "ctrl+shift+banana"\nbogus = "x"\n'
    )
    checked, check_err, started, _ = _both(config, capsys)
    assert (checked, started) == (2, 2)
    for part in ("timeout", "ca_file", "listed twice", "alerts-ack", "banana", "keymap.bogus"):
        assert part in check_err, (part, check_err)


def test_a_good_config_passes_the_check_and_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated: list[object]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD + '[keymap]\nrefresh-now = "f5"\n')
    checked, check_err, started, _ = _both(config, capsys)
    assert (checked, started, check_err) == (0, 0, "")
    assert len(isolated) == 1
