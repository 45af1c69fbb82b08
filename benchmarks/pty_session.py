"""Run a program in a pseudo-terminal of a given size and read what it writes, as a terminal would.

Shared by the terminal benchmarks (first frame, idle bytes): they need the bytes the app really
writes to its terminal, which a headless ``run_test`` never produces.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence


class PtySession:
    """One child process on the slave side of a pty; the benchmark reads the master side."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        columns: int = 100,
        lines: int = 30,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        full_env = dict(os.environ)
        full_env.update({"TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(lines)})
        if env:
            full_env.update(env)
        self.started = time.perf_counter()
        """perf_counter() just before the child was started."""
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.received = bytearray()
        """Everything the child wrote so far."""

    def read_for(self, seconds: float) -> int:
        """Read for ``seconds``; return how many bytes arrived in that time."""
        before = len(self.received)
        deadline = time.perf_counter() + seconds
        while (left := deadline - time.perf_counter()) > 0:
            self._read_once(left)
        return len(self.received) - before

    def read_until(self, needle: bytes, timeout: float) -> float | None:
        """Read until ``needle`` has been written; seconds since start, or None on timeout."""
        deadline = time.perf_counter() + timeout
        while needle not in self.received:
            left = deadline - time.perf_counter()
            if left <= 0 or self.process.poll() is not None:
                return None
            self._read_once(left)
        return time.perf_counter() - self.started

    def send(self, keys: bytes) -> None:
        """Type ``keys`` into the terminal."""
        os.write(self.master, keys)

    def close(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL) and close the pty."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        os.close(self.master)

    def _read_once(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], min(timeout, 0.2))
        if ready:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the child closed its side
                return
            self.received.extend(chunk)
