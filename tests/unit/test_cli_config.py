"""``oncall-tui config check``, ``config path`` and ``auth set`` as a user runs them."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import pytest

from oncall_tui.cli import main
from tests.support.keyrings import DictKeyring

TOKEN = "tok-0a1b2c3d4e5f"

CONFIG = """\
default_context = "prod-eu"

[contexts.prod-eu.prometheus]
url = "https://prom.eu.example.com"
[contexts.prod-eu.alertmanager]
urls = ["https://am.eu.example.com"]
[contexts.prod-eu.alertmanager.auth]
type = "bearer"

[contexts.staging.prometheus]
url = "http://prom.staging:9090"
[contexts.staging.prometheus.auth]
type = "bearer"
secret = { env = "STAGING_PROM_TOKEN" }
"""


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Private XDG dirs, no ONCALL_* from the host, and the keyring restored afterwards."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    for name in list(os.environ):
        if name.upper().startswith("ONCALL_"):
            monkeypatch.delenv(name)
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def memory_keyring() -> DictKeyring:
    backend = DictKeyring()
    keyring.set_keyring(backend)
    return backend


# -- config check ----------------------------------------------------------------------------------


def test_check_ok(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "config", "check"]) == 0
    out, err = capsys.readouterr()
    assert out == f"OK: {config}: 2 contexts (prod-eu, staging), opens prod-eu\n"
    assert err == ""


def test_check_without_any_config_file_fails_as_the_app_would_naming_the_path_and_the_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "check"]) == 2
    _, err = capsys.readouterr()
    assert "no config file at" in err and "config.toml" in err and "oncall-tui --demo" in err


def test_check_mentions_env_overrides(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONCALL_DEFAULT_CONTEXT", "staging")
    assert main(["--config", str(config), "config", "check"]) == 0
    out, _ = capsys.readouterr()
    assert "opens staging" in out and "env overrides: ONCALL_DEFAULT_CONTEXT" in out


def test_check_reports_every_problem_on_its_own_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[contexts.prod-eu.prometheus]\nurl = "htp:/x"\ntimeout = 0\n[contexts.prod-eu.jaegr]\nurl = "http://j"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(path), "config", "check"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert sorted(err.splitlines()) == [
        f"{path}: contexts.prod-eu.jaegr: unknown key (did you mean 'jaeger'?)",
        f"{path}: contexts.prod-eu.prometheus.timeout: expected a number greater than 0 (got 0)",
        f"{path}: contexts.prod-eu.prometheus.url: expected an http(s) URL (got 'htp:/x')",
    ]


def test_check_toml_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[contexts.prod\n", encoding="utf-8")
    assert main(["--config", str(path), "config", "check"]) == 2
    _, err = capsys.readouterr()
    assert err.startswith(f"{path}: line 1, column 15: invalid TOML: ")
    assert len(err.splitlines()) == 1


def test_check_missing_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.toml"
    assert main(["--config", str(missing), "config", "check"]) == 2
    assert capsys.readouterr().err == f"{missing}: config file not found\n"


def test_check_fails_on_a_missing_ca_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[contexts.prod.prometheus]\nurl = "https://p"\ntls = { ca_file = "certs/ca.pem" }\n',
        encoding="utf-8",
    )
    assert main(["--config", str(path), "config", "check"]) == 2
    _, err = capsys.readouterr()
    assert err == (
        f"{path}: contexts.prod.prometheus.tls.ca_file: expected an existing PEM file"
        f" ({tmp_path / 'certs' / 'ca.pem'} is missing)\n"
    )
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    assert main(["--config", str(path), "config", "check"]) == 0


def test_check_warns_but_passes_on_insecure_skip_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[contexts.lab.prometheus]\nurl = "https://p"\ntls = { insecure_skip_verify = true }\n',
        encoding="utf-8",
    )
    assert main(["--config", str(path), "config", "check"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("OK: ")
    assert err == (
        f"warning: {path}: contexts.lab.prometheus.tls.insecure_skip_verify:"
        " server certificates are NOT verified for lab/prometheus\n"
    )


def test_check_never_prints_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[contexts.a.prometheus]\nurl = "http://p"\nauth = {{ type = "bearer", token = "{TOKEN}" }}\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("ONCALL_CONTEXTS__A__PROMETHEUS__AUTH__TYPE", TOKEN)
    assert main(["--config", str(path), "config", "check"]) == 2
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    assert "contexts.a.prometheus.auth.token: unknown key" in err


# -- config path -----------------------------------------------------------------------------------


def test_path_shows_where_everything_lives(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "path"]) == 0
    lines = dict(line.split(":", 1) for line in capsys.readouterr().out.splitlines())
    assert lines["config file"].strip() == f"{tmp_path}/xdg_config_home/oncall-tui/config.toml (not found)"
    assert lines["database"].strip() == f"{tmp_path}/xdg_data_home/oncall-tui/incidents.sqlite3 (not found)"
    assert lines["user themes"].strip().startswith(f"{tmp_path}/xdg_config_home/oncall-tui/themes")
    shipped = lines["shipped themes"].strip()
    assert not shipped.endswith("(not found)") and Path(shipped).is_dir()
    # Asking is not writing: nothing was created.
    assert not (tmp_path / "xdg_data_home").exists()


def test_path_with_config_option(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "config", "path"]) == 0
    assert f"config file:    {config}\n" in capsys.readouterr().out


# -- auth set --------------------------------------------------------------------------------------


def test_auth_set_stores_the_prompted_token(
    config: Path,
    memory_keyring: DictKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return TOKEN + "\n"

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    assert main(["--config", str(config), "auth", "set", "prod-eu", "alertmanager"]) == 0
    assert memory_keyring.entries == {("oncall-tui", "prod-eu/alertmanager"): TOKEN}
    assert prompts == ["token for prod-eu/alertmanager (input hidden): "]
    out, err = capsys.readouterr()
    assert out == "stored in keyring entry oncall-tui/prod-eu/alertmanager\n"
    assert TOKEN not in out + err


def test_auth_set_unknown_context(
    config: Path, memory_keyring: DictKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config), "auth", "set", "prod", "prometheus"]) == 2
    assert capsys.readouterr().err == "error: unknown context 'prod' (known: prod-eu, staging)\n"
    assert memory_keyring.entries == {}


def test_auth_set_without_a_keyring_does_not_prompt(
    config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]

    def no_prompt(prompt: str = "") -> str:
        raise AssertionError("prompted although nothing can be stored")

    monkeypatch.setattr(getpass, "getpass", no_prompt)
    assert main(["--config", str(config), "auth", "set", "prod-eu", "alertmanager"]) == 2
    assert capsys.readouterr().err == (
        "error: cannot store credentials: keyring unavailable (no keyring backend installed)\n"
    )


def test_auth_set_refuses_a_source_whose_secret_is_an_env_var(
    config: Path, memory_keyring: DictKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config), "auth", "set", "staging", "prometheus"]) == 2
    assert "reads its secret from env:STAGING_PROM_TOKEN, not the keyring" in capsys.readouterr().err


def test_auth_set_with_empty_input_stores_nothing(
    config: Path,
    memory_keyring: DictKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "  ")
    assert main(["--config", str(config), "auth", "set", "prod-eu", "alertmanager"]) == 2
    assert "empty input; nothing stored" in capsys.readouterr().err
    assert memory_keyring.entries == {}


def test_auth_set_with_a_bad_config_reports_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text("theme = [\n", encoding="utf-8")
    assert main(["--config", str(path), "auth", "set", "prod", "prometheus"]) == 2
    assert "invalid TOML" in capsys.readouterr().err


def test_check_rejects_a_password_in_a_url_without_printing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[contexts.a.alertmanager]\nurls = ["http://am:9093", "https://admin:{TOKEN}@am2:9093"]\n',
        encoding="utf-8",
    )
    assert main(["--config", str(path), "config", "check"]) == 2
    out, err = capsys.readouterr()
    assert f"{path}: contexts.a.alertmanager.urls: a password in the URL is a secret" in err
    assert TOKEN not in out + err


def test_global_options_work_after_the_subcommand_too(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "check", "--config", str(config)]) == 0
    after = capsys.readouterr().out
    assert main(["--config", str(config), "config", "check"]) == 0
    assert capsys.readouterr().out == after == f"OK: {config}: 2 contexts (prod-eu, staging), opens prod-eu\n"
    # Given before the subcommand and not after it: the value before is kept.
    assert main(["--config", str(config), "config", "path"]) == 0
    assert str(config) in capsys.readouterr().out
