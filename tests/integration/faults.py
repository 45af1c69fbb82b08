"""Servers a test can take down, stop (SIGSTOP: the kernel accepts, nobody answers) and kill mid-request.

:class:`PrivateAlertmanager` is the real ``prometheus-alertmanager`` on its own free loopback port
and data directory, so stopping it cannot disturb the session stack other tests use.
:class:`WebhookReceiver` is ``tests/integration/webhook_receiver.py`` in its own process: an
escalation receiver that writes down every request it takes before it answers.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.stack_support import STACK_DIR, binary_paths
from tests.support.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unread_requests(port: int) -> int:
    """Connections to ``port`` whose request bytes sit unread in the kernel: sent, not yet taken.

    Read from ``/proc/net/tcp``: an established socket whose local port is ``port`` with a
    non-empty receive queue. A stopped server's requests stay there: "in flight".
    """
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, queues = fields[1], fields[3], fields[4]
            rx_queue = int(queues.split(":")[1], 16)
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port and rx_queue > 0:
                count += 1
    return count


class ServerProcess:
    """A server in a child process that can be stopped, continued, killed and started again."""

    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL on loopback."""
        return f"http://127.0.0.1:{self.port}"

    def pause(self) -> None:
        """SIGSTOP: connections are still accepted by the kernel; nothing is read or answered."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT: it goes on with what waited, then answers again."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL, whatever it was doing (stopped or in the middle of a request)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def stop(self) -> None:
        """Terminate it (continued first: a stopped process would not act on SIGTERM)."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
            self.proc = None

    async def ready(self, path: str) -> None:
        """Wait until ``path`` answers 200."""
        async with httpx.AsyncClient() as client:

            async def probe() -> int:
                try:
                    return (await client.get(f"{self.url}{path}", timeout=0.5)).status_code
                except httpx.TransportError:
                    return 0

            await eventually(probe, lambda status: status == 200, f"{type(self).__name__} never got ready")


class PrivateAlertmanager(ServerProcess):
    """One Alertmanager process on a free loopback port, with its own data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.proc = None

    def start(self) -> None:
        """Start it (again: same port and data directory)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(STACK_DIR / "alertmanager.yml", self.data_dir / "alertmanager.yml")
        log = (self.data_dir / "alertmanager.log").open("ab")
        self.proc = subprocess.Popen(
            [
                binary_paths()["alertmanager"],
                f"--config.file={self.data_dir / 'alertmanager.yml'}",
                f"--storage.path={self.data_dir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
                "--log.level=warn",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    async def ready(self, path: str = "/-/ready") -> None:
        """Wait until Alertmanager says it is ready."""
        await super().ready(path)


class WebhookReceiver(ServerProcess):
    """``webhook_receiver.py`` on a fixed port, writing every request it takes to ``log``."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.port = free_port()
        self.proc = None

    def start(self, *, hang: bool = False) -> None:
        """Start it (again, on the same port and log); ``hang``: take requests, never answer."""
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests" / "integration" / "webhook_receiver.py"),
                str(self.port),
                str(self.log),
                *(["--hang"] if hang else []),
            ],
            stdin=subprocess.DEVNULL,
        )

    async def ready(self, path: str = "/ready") -> None:
        """Wait until it answers."""
        await super().ready(path)

    def received(self) -> list[dict[str, Any]]:
        """Every request taken so far (one per line of the log, written before answering)."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]


def pid_alive(pid: int) -> bool:
    """The process exists (and is not a zombie we already reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
