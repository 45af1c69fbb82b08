"""A credential a server echoes back is never shown or written: screens, toasts, log, config check, database.

Three loopback servers answer every request 401 with a body repeating the request's
``Authorization`` header. Prometheus gets its token from an environment variable, Alertmanager
its basic-auth password from the keyring, Jaeger its token from a ``password_command``.
"""

from __future__ import annotations

import base64
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import msgspec
import pytest

from oncall_tui.cli import main
from oncall_tui.clock import SystemClock
from oncall_tui.config.settings import Settings
from oncall_tui.domain.severity import NONE
from oncall_tui.models.alertmanager import AlertGroup
from oncall_tui.models.health import HealthState
from oncall_tui.redaction import MASK, forget_all
from oncall_tui.services.actions import ActionStatus, AlertActions, AlertTarget
from oncall_tui.services.sources import SourceSet
from oncall_tui.store.db import Database
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.widgets.health_bar import HealthBar
from tests.support.fault_server import FaultServer
from tests.support.keyrings import DictKeyring
from tests.support.screen_text import screen_text
from tests.support.waiting import wait_until

ENV_TOKEN = "RELTOKEN-env-5c1f0a9e7d"
KEYRING_PASSWORD = "RELTOKEN-keyring-83b2e4"
COMMAND_TOKEN = "RELTOKEN-cmd-19d7c6aa"
BASIC = base64.b64encode(f"oncall:{KEYRING_PASSWORD}".encode()).decode()
LEAKS = (ENV_TOKEN, KEYRING_PASSWORD, COMMAND_TOKEN, BASIC, "RELTOKEN")


def _leaks(text: str) -> list[str]:
    """Secrets found in ``text``, whole or in part (any 10 characters of one in a row)."""
    return [token for token in LEAKS if any(token[i : i + 10] in text for i in range(max(1, len(token) - 9)))]


@pytest.fixture
def servers() -> Iterator[dict[str, FaultServer]]:
    made = {source: FaultServer(source) for source in ("prometheus", "alertmanager", "jaeger")}
    for server in made.values():
        server.echo_auth = True
    yield made
    for server in made.values():
        server.close()


@pytest.fixture
def secret_stores(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    forget_all()  # every secret must be registered by the app itself, as in a fresh process
    monkeypatch.setenv("REL_PROM_TOKEN", ENV_TOKEN)
    previous = keyring.get_keyring()
    ring = DictKeyring()
    ring.set_password("oncall-tui", "prod/alertmanager", KEYRING_PASSWORD)
    keyring.set_keyring(ring)
    yield
    keyring.set_keyring(previous)
    forget_all()


def _raw_config(servers: dict[str, FaultServer]) -> dict[str, Any]:
    fast = {"timeout": 2, "refresh": 1, "max_backoff": 2}
    return {
        "user": "alice@laptop",
        "contexts": {
            "prod": {
                "prometheus": {
                    "url": servers["prometheus"].url,
                    "auth": {"type": "bearer", "secret": {"env": "REL_PROM_TOKEN"}},
                    **fast,
                },
                "alertmanager": {
                    "urls": [servers["alertmanager"].url],
                    "auth": {"type": "basic", "username": "oncall"},
                    **fast,
                },
                "jaeger": {
                    "url": servers["jaeger"].url,
                    "auth": {"type": "bearer", "secret": {"command": f"echo {COMMAND_TOKEN}"}},
                    **fast,
                },
            }
        },
    }


def _toml(raw: dict[str, Any]) -> str:
    prod = raw["contexts"]["prod"]
    prom, am, jaeger = prod["prometheus"], prod["alertmanager"], prod["jaeger"]
    return f"""user = "alice@laptop"
[contexts.prod.prometheus]
url = "{prom["url"]}"
auth = {{ type = "bearer", secret = {{ env = "REL_PROM_TOKEN" }} }}
[contexts.prod.alertmanager]
urls = ["{am["urls"][0]}"]
auth = {{ type = "basic", username = "oncall" }}
[contexts.prod.jaeger]
url = "{jaeger["url"]}"
auth = {{ type = "bearer", secret = {{ command = "echo {COMMAND_TOKEN}" }} }}
"""


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The app's own log file setup (run_cmd), in tmp_path."""
    from oncall_tui.commands.run_cmd import _log_to_file

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    package = logging.getLogger("oncall_tui")
    before = list(package.handlers)
    path = _log_to_file()
    assert path is not None
    yield path
    for handler in package.handlers[:]:
        if handler not in before:
            package.removeHandler(handler)
            handler.close()


async def test_echoed_credentials_are_scrubbed_from_screens_toasts_and_log(
    servers: dict[str, FaultServer], secret_stores: None, log_file: Path, tmp_path: Path
) -> None:
    settings = Settings.model_validate(_raw_config(servers))
    app = OncallApp(settings, database_path=tmp_path / "incidents.sqlite3")
    async with app.run_test(size=(160, 40), notifications=True) as pilot:

        def all_refused() -> bool:
            return (
                all(
                    h.state is HealthState.DOWN and "401" in (h.reason or "")
                    for h in app.source_health.values()
                )
                and len(app.source_health) == 3
            )

        await wait_until(pilot, all_refused, "every source refused with 401", within=20)
        reasons = " | ".join(h.reason or "" for h in app.source_health.values())
        assert "check credentials" in reasons
        assert MASK in reasons, "the servers did echo the credentials (the test would prove nothing)"
        assert _leaks(reasons) == [], reasons
        bar = screen_text(app)
        assert app.screen.query_one(HealthBar) is not None
        assert _leaks(bar) == [] and "check credentials" in bar
        app.notify(f"echo: {servers['prometheus'].url} said Bearer {ENV_TOKEN}")  # a toast built elsewhere
        await pilot.press("S")
        await pilot.pause(0.2)
        sources = screen_text(app)
        assert "401" in sources
        assert _leaks(sources) == [], sources
        logging.getLogger("oncall_tui.test").error("server said: Authorization: Basic %s", BASIC)
    for handler in logging.getLogger("oncall_tui").handlers:
        handler.flush()
    logged = log_file.read_text()
    assert "server said" in logged and _leaks(logged) == []


async def test_echoed_credentials_never_reach_the_incident_log(
    servers: dict[str, FaultServer], secret_stores: None, tmp_path: Path
) -> None:
    settings = Settings.model_validate(_raw_config(servers))
    sources = SourceSet("prod", settings.contexts["prod"])
    path = tmp_path / "incidents.sqlite3"
    db = Database.open(path)
    groups = msgspec.json.decode(
        msgspec.json.encode(servers["alertmanager"].backends._groups_body()), type=list[AlertGroup]
    )
    alert = groups[0].alerts[0]
    actions = AlertActions(
        db,
        await sources.alertmanager(),
        settings=settings.alerts,
        user=settings.user,
        clock=SystemClock(),
        context="prod",
    )
    target = AlertTarget('{}:{alertname="x"}', dict(groups[0].labels), (alert,), NONE)
    result = await actions.ack(target, comment="looking", universe=(alert,))
    assert result.status is not ActionStatus.DONE
    assert "401" in result.message and _leaks(result.message) == []
    await sources.aclose()
    db.close()
    stored = path.read_bytes().decode("latin-1")
    assert _leaks(stored) == []
    with sqlite3.connect(path) as connection:
        rows = [
            str(value)
            for table in ("incidents", "timeline", "outbox")
            for row in connection.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            for value in row
        ]
    assert any("401" in value for value in rows), "the refusal was logged"
    assert _leaks(" ".join(rows)) == []


def test_config_check_output_has_no_secret(
    servers: dict[str, FaultServer],
    secret_stores: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(_toml(_raw_config(servers)))
    main(["--config", str(config), "config", "check"])
    out = capsys.readouterr()
    assert _leaks(out.out + out.err) == []
