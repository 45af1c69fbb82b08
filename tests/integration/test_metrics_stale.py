"""A dashboard panel goes stale when its Prometheus stops, and fresh when it is back.

A private Prometheus (scraping itself every second) on a free loopback port is stopped and
started again on the same port and data directory; the shared stack is left alone.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.clock import SystemClock
from oncall_tui.config.settings import SourceSettings
from oncall_tui.domain.panel_data import PanelData
from oncall_tui.services.metrics_feed import MetricsFeed
from tests.stack_support import Stack, binary_paths
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

DASHBOARD = """\
name = "self"
title = "Self"
window = "2m"
[[panels]]
title = "Up"
[[panels.queries]]
expr = 'up{job="self"}'
"""


class PrivatePrometheus:
    """One Prometheus process scraping itself, on a free port, restartable on the same port."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            "scrape_configs:\n"
            f"  - job_name: self\n    static_configs: [{{targets: ['127.0.0.1:{self.port}']}}]\n"
        )
        log = (self.data_dir / "prometheus.log").open("ab")
        self.proc = subprocess.Popen(
            [
                binary_paths()["prometheus"],
                f"--config.file={config}",
                f"--storage.tsdb.path={self.data_dir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
            self.proc = None


@pytest.fixture
def private_prometheus(stack: Stack, tmp_path: Path) -> Iterator[PrivatePrometheus]:
    # Depends on ``stack`` only for its skip when the binaries are missing.
    if not os.access(binary_paths()["prometheus"], os.X_OK):
        pytest.skip("prometheus not installed")
    prometheus = PrivatePrometheus(tmp_path / "prometheus")
    try:
        yield prometheus
    finally:
        prometheus.stop()


async def _ready(url: str) -> bool:
    async with httpx.AsyncClient() as client:
        try:
            return (await client.get(f"{url}/-/ready", timeout=0.5)).status_code == 200
        except httpx.TransportError:
            return False


async def test_a_panel_goes_stale_when_prometheus_stops_and_fresh_when_it_is_back(
    private_prometheus: PrivatePrometheus, tmp_path: Path
) -> None:
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "self.toml").write_text(DASHBOARD)
    private_prometheus.start()
    await eventually(lambda: _ready(private_prometheus.url), bool, "the private Prometheus got ready")
    client = PrometheusClient(build_async_client(private_prometheus.url, SourceSettings(timeout=3)))
    feed = MetricsFeed(SystemClock(), tmp_path / "dashboards", timeout=5)
    try:
        await feed.load(client, prefer="self")
        poller = feed.poller()

        async def fresh() -> PanelData | None:
            await poller.poll_once()
            return feed.state.panels[0]

        def has_value(panel: PanelData | None) -> bool:
            return (
                panel is not None
                and panel.stale is None
                and bool(panel.series)
                and panel.series[0].current == 1.0
            )

        first = await eventually(fresh, has_value, "the panel shows up == 1")
        assert first is not None

        private_prometheus.stop()
        await poller.poll_once()
        stale = feed.state.panels[0]
        assert stale is not None and stale.stale is not None
        assert "refused" in stale.stale.lower() or "connect" in stale.stale.lower()
        assert stale.series == first.series  # the last data stays on screen
        assert feed.state.down == stale.stale

        private_prometheus.start()
        back = await eventually(fresh, has_value, "the panel is fresh again")
        assert back is not None and back.stale is None and feed.state.down is None
    finally:
        await client.aclose()
