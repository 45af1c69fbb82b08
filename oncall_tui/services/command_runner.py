"""Run one shell command of a runbook step: async, bounded in time and in kept output.

The command runs as ``/bin/sh -c`` (``bash`` when present, as runbooks are written for it) in its own
process group, with stdout and stderr merged, so a timeout kills the whole group — ``kubectl … |
grep`` included — and nothing keeps running behind the app. Output is read line by line while the
command runs (a chatty command never fills the pipe and stalls); the first ``max_lines`` are kept.
The event loop is never blocked: the caller awaits :func:`run_command`.

Variables ``export``-ed by earlier steps come in as ``env``: a plain value goes into the process
environment; a value that needs the shell (``$(…)``, ``$VAR``, backticks) is set by an ``export``
line before the command, and :func:`script_for` shows exactly what will run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_TIMEOUT = 30.0
"""Seconds before a command is killed, when the caller gives none."""
DEFAULT_MAX_LINES = 20
"""Output lines kept, when the caller gives no number."""
MAX_LINE_CHARS = 500
"""A longer output line is cut (a minified JSON blob is one line)."""
_NEEDS_SHELL = re.compile(r"[$`\\]")


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What running a command gave."""

    script: str
    """Exactly what was run (the command, after any ``export`` lines it needed)."""
    exit_code: int | None
    """The exit status; None when it was killed on timeout or could not start."""
    output: tuple[str, ...]
    """The first lines of stdout and stderr, merged, in order."""
    truncated: bool
    """True when there was more output than was kept."""
    timed_out: bool
    """True when the command ran past its timeout and was killed."""
    duration: float
    """Seconds from start to exit (or kill)."""
    error: str = ""
    """Why the command could not start (no shell, no such directory); empty when it ran."""

    @property
    def ok(self) -> bool:
        """True for exit status 0."""
        return self.exit_code == 0

    def summary(self) -> str:
        """One line for the timeline: ``exit 0``, ``exit 2``, ``timed out after 30s``…"""
        if self.error:
            return f"did not start: {self.error}"
        if self.timed_out:
            return f"timed out after {self.duration:.0f}s, killed"
        return f"exit {self.exit_code}"


def script_for(command: str, env: Mapping[str, str]) -> str:
    """The text that runs: ``export`` lines for values only a shell can expand, then the command."""
    lines = [f"export {name}={value}" for name, value in env.items() if _NEEDS_SHELL.search(value)]
    return "\n".join([*lines, command])


def _shell() -> str:
    return shutil.which("bash") or "/bin/sh"


async def run_command(
    command: str,
    *,
    env: Mapping[str, str] | None = None,
    time_limit: float = DEFAULT_TIMEOUT,
    max_lines: int = DEFAULT_MAX_LINES,
    cwd: str | None = None,
) -> CommandResult:
    """Run ``command`` with ``env`` added; kill it and its children after ``time_limit`` seconds."""
    extra = dict(env or {})
    script = script_for(command, extra)
    process_env = {**os.environ, **{k: v for k, v in extra.items() if not _NEEDS_SHELL.search(v)}}
    started = time.monotonic()
    try:
        proc = await asyncio.create_subprocess_exec(
            _shell(),
            "-c",
            script,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=process_env,
            cwd=cwd,
            start_new_session=True,
        )
    except OSError as error:
        return CommandResult(script, None, (), False, False, 0.0, error.strerror or str(error))
    kept: list[str] = []
    truncated = False

    async def drain() -> None:
        # Chunks, not readline(): a single line longer than the stream's limit must not raise.
        nonlocal truncated
        assert proc.stdout is not None
        pending = b""
        while True:
            chunk = await proc.stdout.read(65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                truncated = _keep(raw, kept, max_lines) or truncated
            if len(pending) > MAX_LINE_CHARS * 8:
                truncated = _keep(pending, kept, max_lines) or truncated
                pending = b""
        if pending:
            truncated = _keep(pending, kept, max_lines) or truncated
        await proc.wait()

    try:
        await asyncio.wait_for(drain(), time_limit)
    except TimeoutError:
        _kill_group(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        return CommandResult(script, None, tuple(kept), truncated, True, time.monotonic() - started)
    except asyncio.CancelledError:
        _kill_group(proc.pid)
        raise
    return CommandResult(script, proc.returncode, tuple(kept), truncated, False, time.monotonic() - started)


def _keep(raw: bytes, kept: list[str], max_lines: int) -> bool:
    """Keep one output line if there is room; True when it had to be dropped."""
    if len(kept) >= max_lines:
        return True
    line = raw.decode("utf-8", "replace").rstrip("\r")
    kept.append(line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] + "…")
    return False


def _kill_group(pid: int) -> None:
    # The command runs in its own session: killing the group takes pipelines and children with it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
