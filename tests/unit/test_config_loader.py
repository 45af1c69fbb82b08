"""Config loading: the file, ONCALL_* env and CLI overrides, and one clear line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.config import locations
from oncall_tui.config.loader import load_settings
from oncall_tui.errors import ConfigError

GOOD = """\
default_context = "prod-eu"
user = "alice@laptop"
theme = "light"

[contexts.prod-eu.prometheus]
url = "https://prom.eu.example.com"
timeout = 5
[contexts.prod-eu.prometheus.auth]
type = "bearer"
secret = { env = "PROM_TOKEN" }
[contexts.prod-eu.prometheus.tls]
ca_file = "certs/ca.pem"

[contexts.prod-eu.alertmanager]
urls = ["https://am1.eu.example.com", "https://am2.eu.example.com"]
[contexts.prod-eu.alertmanager.auth]
type = "basic"
username = "oncall"

[contexts.staging.prometheus]
url = "http://prom.staging:9090"
[contexts.staging.jaeger]
url = "http://jaeger.staging:16686"
refresh = 30
"""


@pytest.fixture(autouse=True)
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every XDG dir into tmp_path so the host's own config is never read."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    return tmp_path


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path | None, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env=env or {})
    return caught.value.problems


def test_good_file_loads_every_section(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    loaded = load_settings(path, env={})
    settings = loaded.settings
    assert loaded.path == path
    assert settings.context_names() == ["prod-eu", "staging"]
    assert settings.initial_context() == "prod-eu"
    assert settings.user == "alice@laptop"
    prod = settings.contexts["prod-eu"]
    assert prod.prometheus is not None and prod.prometheus.timeout == 5
    assert prod.alertmanager is not None and len(prod.alertmanager.urls) == 2
    staging = settings.contexts["staging"]
    assert staging.jaeger is not None and staging.jaeger.refresh == 30


def test_relative_ca_file_is_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    prom = load_settings(path, env={}).settings.contexts["prod-eu"].prometheus
    assert prom is not None
    assert prom.tls.ca_file == tmp_path / "certs" / "ca.pem"


def test_missing_default_file_gives_defaults(xdg: Path) -> None:
    loaded = load_settings(env={})
    assert loaded.path is None
    assert loaded.searched == locations.config_file()
    assert loaded.settings.contexts == {}
    assert loaded.settings.theme == "dark"


def test_default_file_is_read_from_xdg_config_home(xdg: Path) -> None:
    default = locations.config_file()
    default.parent.mkdir(parents=True)
    default.write_text('theme = "high-contrast"\n', encoding="utf-8")
    assert str(default).startswith(str(xdg))
    loaded = load_settings(env={})
    assert loaded.path == default
    assert loaded.settings.theme == "high-contrast"


def test_missing_config_option_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert problems_of(missing) == [f"{missing}: config file not found"]


def test_config_path_that_is_a_directory_is_an_error(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path)
    assert problem.startswith(f"{tmp_path}: cannot read the config file")


def test_toml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "dark"\n[contexts.prod\nurl = 1\n')
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: line 2, column 15: invalid TOML: ")


def test_non_utf8_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'theme = "\xff"\n')
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: expected UTF-8 text")


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        (
            '[contexts.prod-eu.prometheus]\nurl = "htp:/x"\n',
            "contexts.prod-eu.prometheus.url: expected an http(s) URL (got 'htp:/x')",
        ),
        (
            '[contexts.prod-eu.prometheus]\nurl = "http://p"\ntimeout = -1\n',
            "contexts.prod-eu.prometheus.timeout: expected a number greater than 0 (got -1)",
        ),
        (
            '[contexts.prod-eu.prometheus]\nurl = "http://p"\nrefresh = "often"\n',
            "contexts.prod-eu.prometheus.refresh: expected a number (got 'often')",
        ),
        (
            '[contexts.prod-eu.prometheus]\nurl = "http://p"\ntls = { insecure_skip_verify = "maybe" }\n',
            "contexts.prod-eu.prometheus.tls.insecure_skip_verify: expected true or false (got 'maybe')",
        ),
        (
            "[contexts.prod-eu.prometheus]\ntimeout = 3\n",
            "contexts.prod-eu.prometheus.url: required, but not set",
        ),
        (
            "[contexts.prod-eu.alertmanager]\nurls = []\n",
            "contexts.prod-eu.alertmanager.urls: expected at least 1 item(s)",
        ),
        (
            '[contexts.prod-eu.alertmanager]\nurls = ["http://a:9093", "nope"]\n',
            "contexts.prod-eu.alertmanager.urls[1]: expected an http(s) URL (got 'nope')",
        ),
        (
            '[contexts.prod-eu.alertmanager]\nurls = "http://a:9093"\n',
            "contexts.prod-eu.alertmanager.urls: expected a list (got 'http://a:9093')",
        ),
        ('contexts = "prod"\n', "contexts: expected a table (got 'prod')"),
        (
            '[contexts.prod-eu.prometheus]\nurl = "http://p"\nauth = { type = "digest" }\n',
            "contexts.prod-eu.prometheus.auth.type: expected 'bearer' or 'basic'",
        ),
        (
            '[contexts.prod-eu.prometheus]\nurl = "http://p"\nauth = { type = "basic" }\n',
            "contexts.prod-eu.prometheus.auth: basic auth needs a username",
        ),
        (
            '[contexts.prod-eu.prometheus]\nurl = "http://p"\n'
            'auth = { type = "bearer", secret = { env = "A", command = "b" } }\n',
            "contexts.prod-eu.prometheus.auth.secret: expected exactly one of keyring, env or command",
        ),
        (
            'default_context = "prod"\n[contexts.staging.prometheus]\nurl = "http://p"\n',
            "default_context: expected the name of a context (staging) (got 'prod')",
        ),
    ],
)
def test_each_bad_field_names_file_path_and_expectation(tmp_path: Path, snippet: str, expected: str) -> None:
    path = write(tmp_path, snippet)
    assert problems_of(path) == [f"{path}: {expected}"]


def test_unknown_key_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, '[contexts.prod.prometheus]\nurl = "http://p"\ntimout = 3\n')
    assert problems_of(path) == [
        f"{path}: contexts.prod.prometheus.timout: unknown key (did you mean 'timeout'?)"
    ]


def test_unknown_key_without_a_close_match_lists_the_allowed_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "[contexts.prod]\nloki = 1\n")
    assert problems_of(path) == [
        f"{path}: contexts.prod.loki: unknown key "
        "(expected one of: prometheus, alertmanager, jaeger, read_only)"
    ]


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[contexts.a.prometheus]\nurl = "nope"\n[contexts.b.jaeger]\nurl = "http://j"\ntimeout = 0\n',
    )
    problems = problems_of(path)
    assert len(problems) == 2
    assert all(p.startswith(f"{path}: contexts.") for p in problems)
    assert all("\n" not in p for p in problems)


def test_long_values_are_cut_short_in_messages(tmp_path: Path) -> None:
    path = write(tmp_path, f'[contexts.a.prometheus]\nurl = "{"x" * 500}"\n')
    (problem,) = problems_of(path)
    assert "x" * 39 + "…" in problem
    assert "x" * 41 not in problem
    assert len(problem) < 200


SECRET = "s3cr3t-t0ken-value"


@pytest.mark.parametrize(
    "snippet",
    [
        # A token pasted into auth, where only a reference belongs.
        f'[contexts.a.prometheus]\nurl = "http://p"\n'
        f'[contexts.a.prometheus.auth]\ntype = "bearer"\ntoken = "{SECRET}"\n',
        # A token given as the secret itself instead of a reference table.
        f'[contexts.a.prometheus]\nurl = "http://p"\nauth = {{ type = "bearer", secret = "{SECRET}" }}\n',
        # A token as the auth type.
        f'[contexts.a.prometheus]\nurl = "http://p"\nauth = {{ type = "{SECRET}" }}\n',
        # A token in an unknown key outside auth.
        f'[contexts.a.prometheus]\nurl = "http://p"\npassword = "{SECRET}"\n',
        f'[contexts.a.prometheus]\nurl = "http://p"\nbearer = "{SECRET}"\n',
    ],
)
def test_secret_values_never_appear_in_messages(tmp_path: Path, snippet: str) -> None:
    path = write(tmp_path, snippet)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    error = caught.value
    assert error.problems
    assert SECRET not in str(error)
    assert SECRET not in repr(error.problems)
    # The pydantic error (which echoes inputs) must not be chained into tracebacks either.
    assert error.__cause__ is None and error.__suppress_context__


# -- env and CLI overrides -------------------------------------------------------------------------


def test_env_overrides_beat_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    env = {
        "ONCALL_DEFAULT_CONTEXT": "staging",
        "ONCALL_THEME": "dark",
        "ONCALL_CONTEXTS__PROD_EU__PROMETHEUS__TIMEOUT": "7.5",
        "ONCALL_CONTEXTS__STAGING__JAEGER__TLS__INSECURE_SKIP_VERIFY": "true",
        "HOME": "/ignored",
    }
    loaded = load_settings(path, env=env)
    settings = loaded.settings
    assert settings.default_context == "staging"
    assert settings.theme == "dark"
    # PROD_EU found the file's "prod-eu" (case and -/_ insensitive): no second context appeared.
    assert settings.context_names() == ["prod-eu", "staging"]
    prom = settings.contexts["prod-eu"].prometheus
    assert prom is not None and prom.timeout == 7.5
    assert str(prom.url) == "https://prom.eu.example.com/"  # the rest of the file's table survives
    jaeger = settings.contexts["staging"].jaeger
    assert jaeger is not None and jaeger.tls.insecure_skip_verify is True
    assert "ONCALL_THEME" in loaded.env_vars and "HOME" not in loaded.env_vars


def test_env_json_values_for_lists(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    env = {"ONCALL_CONTEXTS__PROD_EU__ALERTMANAGER__URLS": '["http://am-a:9093", "http://am-b:9093"]'}
    am = load_settings(path, env=env).settings.contexts["prod-eu"].alertmanager
    assert am is not None
    assert [str(u) for u in am.urls] == ["http://am-a:9093/", "http://am-b:9093/"]


def test_env_can_define_a_whole_context_without_a_file(tmp_path: Path) -> None:
    env = {"ONCALL_CONTEXTS__LAB__PROMETHEUS__URL": "http://lab:9090"}
    loaded = load_settings(env=env)
    assert loaded.path is None
    assert loaded.settings.context_names() == ["lab"]


def test_bad_env_value_names_the_env_var(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    env = {"ONCALL_CONTEXTS__PROD_EU__PROMETHEUS__TIMEOUT": "soon"}
    assert problems_of(path, env) == [
        "env ONCALL_CONTEXTS__PROD_EU__PROMETHEUS__TIMEOUT: contexts.prod-eu.prometheus.timeout: "
        "expected a number (got 'soon')"
    ]


def test_env_that_creates_an_incomplete_context_is_blamed_for_it(tmp_path: Path) -> None:
    env = {"ONCALL_CONTEXTS__NEW__PROMETHEUS__TIMEOUT": "3"}
    assert problems_of(None, env) == [
        "env ONCALL_CONTEXTS__NEW__PROMETHEUS__TIMEOUT: contexts.new.prometheus.url: required, but not set"
    ]


def test_env_typo_is_an_unknown_key(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    env = {"ONCALL_CONTEXTS__STAGING__PROMETHEUS__TIMOUT": "3"}
    assert problems_of(path, env) == [
        "env ONCALL_CONTEXTS__STAGING__PROMETHEUS__TIMOUT: contexts.staging.prometheus.timout: "
        "unknown key (did you mean 'timeout'?)"
    ]


def test_unrelated_oncall_variables_are_ignored(tmp_path: Path) -> None:
    # e.g. a secret named by auth.secret.env: it must be neither read as config nor echoed.
    loaded = load_settings(write(tmp_path, GOOD), env={"ONCALL_AM_TOKEN": SECRET, "ONCALL_DEMO": "1"})
    assert loaded.env_vars == ()


def test_env_setting_a_key_under_a_scalar_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    assert problems_of(path, {"ONCALL_THEME__NAME": "x"}) == [
        "env ONCALL_THEME__NAME: theme: is not a table, so it has no key 'NAME'"
    ]


def test_ambiguous_env_name_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[contexts.prod-eu.prometheus]\nurl = "http://a"\n[contexts.prod_eu.prometheus]\nurl = "http://b"\n',
    )
    (problem,) = problems_of(path, {"ONCALL_CONTEXTS__PROD_EU__PROMETHEUS__TIMEOUT": "3"})
    assert problem.startswith(
        "env ONCALL_CONTEXTS__PROD_EU__PROMETHEUS__TIMEOUT: contexts.prod_eu: ambiguous"
    )


def test_secret_in_an_env_override_under_auth_is_not_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={"ONCALL_CONTEXTS__STAGING__PROMETHEUS__AUTH__TYPE": SECRET})
    assert SECRET not in str(caught.value)
    assert "ONCALL_CONTEXTS__STAGING__PROMETHEUS__AUTH__TYPE" in str(caught.value)


def test_cli_overrides_beat_env_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    env = {"ONCALL_THEME": "light", "ONCALL_DEFAULT_CONTEXT": "staging"}
    settings = load_settings(
        path, env=env, overrides={"theme": "high-contrast", "default_context": None}
    ).settings
    assert settings.theme == "high-contrast"
    assert settings.default_context == "staging"  # None means "option not given"


def test_nested_cli_override(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    overrides = {"contexts": {"staging": {"prometheus": {"timeout": 2}}}}
    prom = load_settings(path, env={}, overrides=overrides).settings.contexts["staging"].prometheus
    assert prom is not None and prom.timeout == 2 and str(prom.url) == "http://prom.staging:9090/"


def test_bad_cli_override_names_the_command_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={}, overrides={"default_context": "qa"})
    assert caught.value.problems == [
        "command line: default_context: expected the name of a context (prod-eu, staging) (got 'qa')"
    ]


def test_process_environment_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCALL_THEME", "light")
    assert load_settings(write(tmp_path, GOOD)).settings.theme == "light"


def test_a_password_in_a_bad_url_is_masked(tmp_path: Path) -> None:
    path = write(tmp_path, f'[contexts.a.prometheus]\nurl = "htp://admin:{SECRET}@prom"\n')
    (problem,) = problems_of(path)
    assert SECRET not in problem
    assert "htp://***@prom" in problem


def test_a_notifier_url_with_a_token_can_be_a_secret_reference(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[alerts.notifiers.chat]\nkind = "slack"\nurl_secret = { env = "SLACK_WEBHOOK_URL" }\n',
    )
    chat = load_settings(path, env={}).settings.alerts.notifiers["chat"]
    assert chat.url is None and chat.url_secret is not None and chat.url_secret.env == "SLACK_WEBHOOK_URL"
    both = write(
        tmp_path,
        '[alerts.notifiers.chat]\nkind = "slack"\nurl = "https://hooks.example/T0/SECRET"\n'
        'url_secret = { env = "SLACK_WEBHOOK_URL" }\n',
        "both.toml",
    )
    (problem,) = problems_of(both)
    assert "url or url_secret, not both" in problem and "hooks.example" not in problem
