"""TLS: verified by default, a custom CA works, and switching verification off is marked on screen.

The test makes its own CA and a certificate for 127.0.0.1 (openssl), served by a loopback HTTPS
Prometheus stand-in.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from oncall_tui.config.settings import Settings
from oncall_tui.models.health import HealthState
from oncall_tui.services.polling import Poller
from oncall_tui.services.sources import SourceSet
from oncall_tui.ui.app import OncallApp
from tests.support.fault_server import FaultServer
from tests.support.screen_text import screen_text
from tests.support.tls import make_pki
from tests.support.waiting import wait_until

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")


@pytest.fixture
def https(tmp_path: Path) -> Iterator[tuple[FaultServer, Path]]:
    pki = make_pki(tmp_path / "pki")
    with FaultServer("prometheus", tls=pki.server_context()) as server:
        yield server, pki.ca_file


def _settings(url: str, **tls: Any) -> Settings:
    prometheus = {"url": url, "timeout": 2, "refresh": 1, "tls": tls}
    return Settings.model_validate({"contexts": {"tls": {"prometheus": prometheus}}, "user": "a@b"})


async def _poll(settings: Settings) -> Poller[Any]:
    sources = SourceSet("tls", settings.contexts["tls"])
    (poller,) = sources.overview_pollers(lambda _key, _result: None)
    await poller.poll_once()
    await sources.aclose()
    return poller


async def test_verification_is_on_by_default_and_an_unknown_ca_is_refused(
    https: tuple[FaultServer, Path],
) -> None:
    server, _ca = https
    poller = await _poll(_settings(server.url))
    assert poller.health.state is HealthState.DOWN
    assert "TLS failure" in (poller.health.reason or "") and "certificate" in (poller.health.reason or "")


async def test_a_custom_ca_file_makes_the_server_trusted(https: tuple[FaultServer, Path]) -> None:
    server, ca = https
    poller = await _poll(_settings(server.url, ca_file=str(ca)))
    assert poller.health.state is HealthState.UP, poller.health.reason


async def test_insecure_skip_verify_connects_and_is_marked_on_screen(
    https: tuple[FaultServer, Path], tmp_path: Path
) -> None:
    server, _ca = https
    app = OncallApp(_settings(server.url, insecure_skip_verify=True), database_path=tmp_path / "i.sqlite3")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot,
            lambda: app.source_health.get("prometheus", None) is not None
            and app.source_health["prometheus"].state is HealthState.UP,
            "prometheus up over unverified TLS",
        )
        assert "TLS-UNVERIFIED" in screen_text(app)
