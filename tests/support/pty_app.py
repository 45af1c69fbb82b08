"""Run ``oncall-tui`` through a pseudo-terminal, as a user's terminal would, and read what it writes."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

LEAVE_ALT_SCREEN = b"\x1b[?1049l"
"""What a program writes to give the terminal its normal screen back."""
SHOW_CURSOR = b"\x1b[?25h"
"""Cursor visible again."""
MOUSE_OFF = b"\x1b[?1000l"
"""Mouse click tracking off (Textual also turns off 1003/1015/1006 with it)."""
ENTER_ALT_SCREEN = b"\x1b[?1049h"
"""Textual's first write of a session."""


@dataclass
class PtyApp:
    """A running ``python -m oncall_tui`` on the child side of a pty."""

    pid: int
    """Process id of the app."""
    fd: int
    """Master side of the pty."""
    output: bytearray = field(default_factory=bytearray)
    """Everything the app wrote so far."""
    exit_code: int | None = None
    """Exit status once it ended (negative: killed by that signal)."""

    def read_for(self, seconds: float) -> None:
        """Collect output for ``seconds`` (or until the app closes the pty)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end and self._read_once(end - time.monotonic()):
            pass

    def wait_for(self, needle: bytes, within: float = 30.0) -> bool:
        """Read until ``needle`` appears in the output (True) or ``within`` seconds pass (False)."""
        end = time.monotonic() + within
        while needle not in self.output:
            if time.monotonic() >= end or not self._read_once(end - time.monotonic()):
                return needle in self.output
        return True

    def send(self, data: bytes) -> None:
        """Type ``data`` into the terminal."""
        os.write(self.fd, data)

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the app."""
        os.kill(self.pid, signum)

    def wait_exit(self, within: float = 30.0) -> int | None:
        """Drain output until the app exits; its exit code, or None if it is still running."""
        end = time.monotonic() + within
        while time.monotonic() < end:
            self._read_once(0.1)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.read_for(0.2)
                self.exit_code = os.waitstatus_to_exitcode(status)
                return self.exit_code
        return None

    def kill(self) -> None:
        """End the app for good (cleanup of a failed test)."""
        if self.exit_code is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def _read_once(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed its side
            return False
        if not chunk:
            return False
        self.output.extend(chunk)
        return True


def spawn_app(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    size: tuple[int, int] = (100, 30),
    cwd: Path | None = None,
    module: str = "oncall_tui",
) -> PtyApp:
    """Start ``python -m MODULE ARGS`` on a new pty of ``size`` (columns, rows)."""
    pid, fd = pty.fork()
    if pid == 0:  # child: exec at once, nothing else (the test process is multi-threaded)
        if cwd is not None:
            os.chdir(cwd)
        os.execve(sys.executable, [sys.executable, "-m", module, *args], dict(env or os.environ))
    columns, rows = size
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    return PtyApp(pid=pid, fd=fd)


def app_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment for the app with its XDG dirs under ``home`` (no user files touched)."""
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "TEXTUAL", "COLUMNS", "LINES"}}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        TERM="xterm-256color",
    )
    env.update(extra)
    return env


def restored(output: bytes) -> list[str]:
    """Which restore steps are missing after the app's last entry into the alternate screen."""
    tail = output[output.rfind(ENTER_ALT_SCREEN) :]
    missing = []
    for name, sequence in (
        ("alternate screen left", LEAVE_ALT_SCREEN),
        ("cursor shown", SHOW_CURSOR),
        ("mouse tracking off", MOUSE_OFF),
    ):
        if sequence not in tail:
            missing.append(name)
    return missing
