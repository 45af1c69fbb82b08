"""``scripts/stack up|status|down`` as a developer runs it, on free ports and a private data directory."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.integration.binaries import require_binaries
from tests.stack_support import Ports, missing_binaries

pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).resolve().parent.parent.parent / "scripts" / "stack"


def run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), command], env=env, capture_output=True, text=True, timeout=30, check=False
    )


def test_up_status_down(tmp_path: Path) -> None:
    require_binaries(missing_binaries())
    ports = Ports.free()
    data_dir = tmp_path / "stack"
    env = {
        **os.environ,
        "ONCALL_STACK_DIR": str(data_dir),
        "ONCALL_STACK_PROMETHEUS_PORT": str(ports.prometheus),
        "ONCALL_STACK_ALERTMANAGER_PORT": str(ports.alertmanager),
        "ONCALL_STACK_NODE_EXPORTER_PORT": str(ports.node_exporter),
    }
    try:
        up = run("up", env)
        assert up.returncode == 0, up.stderr
        for name, port in (("prometheus", ports.prometheus), ("alertmanager", ports.alertmanager)):
            assert any(
                line.split()[:3] == [name, "up", f"http://127.0.0.1:{port}"]
                for line in up.stdout.splitlines()
            ), up.stdout
        assert (data_dir / "prometheus.pid").exists() and (data_dir / "prometheus.log").exists()

        # `status` and a second `up` find the stack through its data directory, not the env.
        bare = {k: v for k, v in env.items() if not k.endswith("_PORT")}
        status = run("status", bare)
        assert status.returncode == 0, status.stdout
        assert f"node_exporter  up        http://127.0.0.1:{ports.node_exporter}" in status.stdout
        again = run("up", bare)
        assert again.returncode == 0 and "already running" in again.stdout
    finally:
        down = run("down", env)

    assert down.returncode == 0, down.stderr
    assert not data_dir.exists()
    after = run("status", env)
    assert after.returncode == 1
    assert "not running" in after.stdout
