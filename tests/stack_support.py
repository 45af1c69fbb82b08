"""Start, stop and inspect the local stack: real Prometheus, Alertmanager and node_exporter.

One implementation for two users: ``scripts/stack`` runs this file as a script
(``up``/``down``/``status``), and ``tests/integration/conftest.py`` drives a
:class:`Stack` on free loopback ports. Standard library only, and nothing from
``oncall_tui``: the stack must come up even when the app itself is broken.

The processes run the Debian binaries with the configs shipped in ``stack/``;
everything they write (TSDB, silences, logs, pid files) goes into one data
directory that ``down`` removes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

STACK_DIR = Path(__file__).resolve().parent.parent / "stack"
"""The shipped configs (``prometheus.yml`` template, ``alertmanager.yml``, ``rules/``)."""

HOST = "127.0.0.1"
"""The stack only ever listens on loopback."""

DEFAULT_PORTS = {"prometheus": 19090, "alertmanager": 19093, "node_exporter": 19100}
"""Ports ``scripts/stack`` uses unless ``ONCALL_STACK_<NAME>_PORT`` says otherwise."""

DEFAULT_BINARIES = {
    "prometheus": "/usr/bin/prometheus",
    "alertmanager": "/usr/bin/prometheus-alertmanager",
    "node_exporter": "/usr/bin/prometheus-node-exporter",
}
"""Debian package binaries; ``ONCALL_STACK_<NAME>_BIN`` overrides each."""

# node_exporter's defaults include collectors that are slow or log errors in
# containers; keep the ones the default USE dashboard reads.
NODE_EXPORTER_COLLECTORS = ("cpu", "meminfo", "loadavg", "filesystem", "diskstats", "netdev", "stat", "uname")

COMPONENTS = ("prometheus", "alertmanager", "node_exporter")
"""Start order: Prometheus first, as it is the slowest to become ready."""


def binary_paths() -> dict[str, str]:
    """Path of each binary: the Debian default, or ``ONCALL_STACK_<NAME>_BIN``."""
    paths = dict(DEFAULT_BINARIES)
    for name in COMPONENTS:
        override = os.environ.get(f"ONCALL_STACK_{name.upper()}_BIN")
        if override:
            paths[name] = override
    return paths


def missing_binaries() -> list[str]:
    """Binaries that are not installed (or not executable); empty when the stack can run."""
    return [path for path in binary_paths().values() if not os.access(path, os.X_OK)]


class StackError(Exception):
    """The stack could not be started or stopped; the message says which process and why."""


@dataclass(frozen=True)
class Ports:
    """The loopback port of each process."""

    prometheus: int
    """Prometheus web/API port."""
    alertmanager: int
    """Alertmanager web/API port."""
    node_exporter: int
    """node_exporter metrics port."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Ports:
        """The default ports, each overridable by ``ONCALL_STACK_<NAME>_PORT``."""
        env = dict(os.environ if env is None else env)
        values: dict[str, int] = {}
        for name, default in DEFAULT_PORTS.items():
            raw = env.get(f"ONCALL_STACK_{name.upper()}_PORT", str(default))
            try:
                values[name] = int(raw)
            except ValueError:
                variable = f"ONCALL_STACK_{name.upper()}_PORT"
                raise StackError(f"{variable} must be a port number, not {raw!r}") from None
        return cls(**values)

    @classmethod
    def free(cls) -> Ports:
        """Three currently free loopback ports (for tests running beside a developer's stack)."""
        with contextlib.ExitStack() as stack:
            sockets = [stack.enter_context(socket.socket()) for _ in COMPONENTS]
            for sock in sockets:
                # All three stay bound until every port is chosen, so they differ.
                sock.bind((HOST, 0))
            return cls(*(sock.getsockname()[1] for sock in sockets))

    def of(self, name: str) -> int:
        """Port of the component called ``name``."""
        port: int = getattr(self, name)
        return port


@dataclass(frozen=True)
class ComponentStatus:
    """What ``status`` reports for one process."""

    name: str
    """``prometheus``, ``alertmanager`` or ``node_exporter``."""
    url: str
    """Base URL on loopback."""
    pid: int | None
    """Process id from the pid file, if there is one."""
    running: bool
    """The process with that pid is alive and is the stack's binary."""
    ready: bool
    """It answers its readiness endpoint."""

    @property
    def up(self) -> bool:
        """Running and answering."""
        return self.running and self.ready


def _ready_path(name: str) -> str:
    # node_exporter has no /-/ready; its landing page answers once it listens.
    return "/" if name == "node_exporter" else "/-/ready"


def _http_ok(url: str, timeout: float = 0.5) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback URL we built)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _pid_alive(pid: int, binary: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A pid file can outlive its process and the pid be reused: check it is our binary.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True
    if not cmdline or not cmdline[0]:
        return False  # zombie: exited, not yet reaped
    return Path(os.fsdecode(cmdline[0])).name == Path(binary).name


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the Go servers do: connections of a just-stopped stack in TIME_WAIT do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: ask for SIGTERM when the parent exits.
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:]) or "(empty log)"


class Stack:
    """The three processes, their configs and their data directory."""

    def __init__(
        self,
        data_dir: Path,
        ports: Ports,
        *,
        stack_dir: Path = STACK_DIR,
        binaries: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        """Holds TSDB, Alertmanager state, rendered configs, logs and pid files."""
        self.ports = ports
        """Loopback port of each process."""
        self.stack_dir = stack_dir
        """Where the shipped configs live."""
        self.binaries = {**binary_paths(), **(binaries or {})}
        """Path of each binary."""
        self._procs: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def prometheus_url(self) -> str:
        """Base URL of Prometheus."""
        return self.url("prometheus")

    @property
    def alertmanager_url(self) -> str:
        """Base URL of Alertmanager."""
        return self.url("alertmanager")

    @property
    def node_exporter_url(self) -> str:
        """Base URL of node_exporter."""
        return self.url("node_exporter")

    def url(self, name: str) -> str:
        """Base URL of the component called ``name``."""
        return f"http://{HOST}:{self.ports.of(name)}"

    def pid_file(self, name: str) -> Path:
        """Where the pid of ``name`` is written."""
        return self.data_dir / f"{name}.pid"

    @property
    def textfile_dir(self) -> Path:
        """Where node_exporter's textfile collector reads ``*.prom`` files (the alert switches)."""
        return self.data_dir / "textfile"

    def switch(self, name: str, on: bool, **labels: str) -> None:
        """Turn the switch alert ``SwitchOn`` of ``name`` on or off (``stack/rules/oncall-switch.yml``).

        node_exporter exposes ``oncall_switch{switch=name, …labels} 1|0`` from a file written
        here (atomically: a rename); Prometheus scrapes it every 2 s and evaluates the rule
        every second, so the alert fires or resolves within a few seconds.
        """
        self.textfile_dir.mkdir(parents=True, exist_ok=True)
        pairs = {"switch": name, **labels}
        text = ",".join(f'{k}="{v}"' for k, v in sorted(pairs.items()))
        body = f"# TYPE oncall_switch gauge\noncall_switch{{{text}}} {1 if on else 0}\n"
        final = self.textfile_dir / f"switch-{name}.prom"
        scratch = self.textfile_dir / f".switch-{name}.tmp"
        scratch.write_text(body)
        scratch.replace(final)

    def log_file(self, name: str) -> Path:
        """Where stdout and stderr of ``name`` go."""
        return self.data_dir / f"{name}.log"

    def render_configs(self) -> None:
        """Write the configs, with this stack's ports filled in, into the data directory."""
        template = string.Template((self.stack_dir / "prometheus.yml").read_text())
        try:
            rendered = template.substitute(
                host=HOST,
                stack_dir=str(self.stack_dir),
                prometheus_port=self.ports.prometheus,
                alertmanager_port=self.ports.alertmanager,
                node_exporter_port=self.ports.node_exporter,
            )
        except (KeyError, ValueError) as exc:
            raise StackError(f"{self.stack_dir / 'prometheus.yml'}: bad placeholder: {exc}") from None
        (self.data_dir / "prometheus.yml").write_text(rendered)
        self.textfile_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.stack_dir / "alertmanager.yml", self.data_dir / "alertmanager.yml")

    def argv(self, name: str) -> list[str]:
        """Command line of the component called ``name``."""
        listen = f"--web.listen-address={HOST}:{self.ports.of(name)}"
        if name == "prometheus":
            return [
                self.binaries[name],
                f"--config.file={self.data_dir / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.data_dir / 'prometheus-data'}",
                listen,
                "--web.enable-lifecycle",
                # The first evaluation often runs before the Alertmanager is discovered and its
                # alerts are dropped; the default 1m resend delay would then hide them for a minute.
                "--rules.alert.resend-delay=2s",
                "--log.level=warn",
            ]
        if name == "alertmanager":
            return [
                self.binaries[name],
                f"--config.file={self.data_dir / 'alertmanager.yml'}",
                f"--storage.path={self.data_dir / 'alertmanager-data'}",
                listen,
                # Empty disables gossip, so nothing binds the default :9094.
                "--cluster.listen-address=",
                "--log.level=warn",
            ]
        return [
            self.binaries[name],
            listen,
            "--collector.disable-defaults",
            *(f"--collector.{collector}" for collector in NODE_EXPORTER_COLLECTORS),
            "--collector.textfile",
            f"--collector.textfile.directory={self.textfile_dir}",
            "--log.level=warn",
        ]

    def start(self, timeout: float = 20.0, *, die_with_parent: bool = False) -> None:
        """Start every process and wait until each answers; on failure stop them all and raise.

        ``die_with_parent`` (Linux) has the kernel kill the processes if the caller dies
        without cleaning up (a test run killed by a timeout); ``scripts/stack up`` leaves
        them running on purpose.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for name in COMPONENTS:
            if not os.access(self.binaries[name], os.X_OK):
                raise StackError(f"{name}: binary {self.binaries[name]} not found or not executable")
        for name in COMPONENTS:
            # Checked up front: otherwise a process already on the port (say, a stack started
            # earlier) could answer the readiness probe for ours, which is failing to bind.
            if not _port_free(self.ports.of(name)):
                raise StackError(f"{name}: port {self.ports.of(name)} on {HOST} is already in use")
        self.render_configs()
        try:
            for name in COMPONENTS:
                self._spawn(name, die_with_parent=die_with_parent)
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def kill(self, name: str) -> None:
        """SIGKILL the process called ``name`` (a crash: no clean shutdown) and reap it."""
        proc = self._procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        self.pid_file(name).unlink(missing_ok=True)

    def _spawn(self, name: str, *, die_with_parent: bool) -> subprocess.Popen[bytes]:
        with self.log_file(name).open("ab") as log:
            # A new session: Ctrl-C in the shell that ran `scripts/stack up` does not reach it.
            proc = subprocess.Popen(
                self.argv(name),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=True,
                preexec_fn=_die_with_parent if die_with_parent else None,
            )
        self._procs[name] = proc
        self.pid_file(name).write_text(f"{proc.pid}\n")
        return proc

    def restart(self, name: str, timeout: float = 20.0) -> None:
        """Start ``name`` again on its port and data (after :meth:`kill`), and wait until it answers."""
        proc = self._spawn(name, die_with_parent=True)
        deadline = time.monotonic() + timeout
        while not _http_ok(self.url(name) + _ready_path(name)):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise StackError(f"{name} did not come back; last lines:\n{_tail(self.log_file(name))}")
            time.sleep(0.05)

    def wait_ready(self, timeout: float) -> None:
        """Poll each readiness endpoint until all answer 200, or raise naming the laggard."""
        deadline = time.monotonic() + timeout
        pending = list(COMPONENTS)
        while pending:
            for name in list(pending):
                proc = self._procs.get(name)
                if proc is not None and proc.poll() is not None:
                    raise StackError(
                        f"{name} exited with status {proc.returncode} during start-up; "
                        f"last lines of {self.log_file(name)}:\n{_tail(self.log_file(name))}"
                    )
                if _http_ok(self.url(name) + _ready_path(name)):
                    pending.remove(name)
            if not pending:
                return
            if time.monotonic() > deadline:
                name = pending[0]
                raise StackError(
                    f"{name} not ready at {self.url(name)} after {timeout:g}s; "
                    f"last lines of {self.log_file(name)}:\n{_tail(self.log_file(name))}"
                )
            time.sleep(0.05)

    def _pid(self, name: str) -> int | None:
        try:
            return int(self.pid_file(name).read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every process (SIGTERM, then SIGKILL after ``timeout``); never raises for one already gone."""
        for name in reversed(COMPONENTS):
            proc = self._procs.pop(name, None)
            pid = proc.pid if proc is not None else self._pid(name)
            if pid is None:
                continue
            if proc is None and not _pid_alive(pid, self.binaries[name]):
                self.pid_file(name).unlink(missing_ok=True)
                continue
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            if not self._wait_gone(pid, name, proc, timeout):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                self._wait_gone(pid, name, proc, timeout)
            self.pid_file(name).unlink(missing_ok=True)

    def _wait_gone(self, pid: int, name: str, proc: subprocess.Popen[bytes] | None, timeout: float) -> bool:
        if proc is not None:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        deadline = time.monotonic() + timeout
        while _pid_alive(pid, self.binaries[name]):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def status(self) -> list[ComponentStatus]:
        """One line of truth per process: pid, alive, answering."""
        result = []
        for name in COMPONENTS:
            pid = self._pid(name)
            running = pid is not None and _pid_alive(pid, self.binaries[name])
            ready = running and _http_ok(self.url(name) + _ready_path(name))
            result.append(ComponentStatus(name, self.url(name), pid, running, ready))
        return result


@contextlib.contextmanager
def running_stack(data_dir: Path, ports: Ports | None = None, timeout: float = 20.0) -> Iterator[Stack]:
    """A started stack that is stopped on exit, even when the body raises."""
    stack = Stack(data_dir, ports or Ports.free())
    stack.start(timeout, die_with_parent=True)
    try:
        yield stack
    finally:
        stack.stop()


# --- command line (scripts/stack) -------------------------------------------------------------


def default_data_dir() -> Path:
    """``$ONCALL_STACK_DIR``, else a per-user directory under the system temp dir."""
    override = os.environ.get("ONCALL_STACK_DIR")
    if override:
        return Path(override)
    return Path(tempfile.gettempdir()) / f"oncall-tui-stack-{os.getuid()}"


def _load_stack(data_dir: Path) -> Stack:
    # `up` records its ports so `status`/`down` find the processes even if the env changed.
    ports_file = data_dir / "ports.json"
    if ports_file.exists():
        try:
            return Stack(data_dir, Ports(**json.loads(ports_file.read_text())))
        except (ValueError, TypeError):
            pass
    return Stack(data_dir, Ports.from_env())


def _say(text: str) -> None:
    # The command line's only output channel (ruff's T20 forbids bare print here).
    sys.stdout.write(text + "\n")


def _print_status(stack: Stack, out: Callable[[str], None]) -> bool:
    all_up = True
    for item in stack.status():
        state = "up" if item.up else ("starting" if item.running else "down")
        all_up = all_up and item.up
        pid = f"pid {item.pid}" if item.running else "-"
        out(f"{item.name:<14} {state:<9} {item.url:<28} {pid}")
    return all_up


def main(argv: list[str] | None = None) -> int:
    """``up`` | ``down`` | ``status`` | ``switch NAME on|off``; exit 0 on success (``status``: all up)."""
    parser = argparse.ArgumentParser(prog="scripts/stack", description="Run the local Prometheus stack.")
    parser.add_argument("command", choices=["up", "down", "status", "switch"])
    parser.add_argument("switch", nargs="*", help="switch: NAME on|off (fires or resolves SwitchOn)")
    parser.add_argument("--dir", type=Path, default=None, help="data directory (default: $ONCALL_STACK_DIR)")
    args = parser.parse_args(argv)
    data_dir: Path = args.dir or default_data_dir()
    stack = _load_stack(data_dir)

    if args.command == "switch":
        if len(args.switch) != 2 or args.switch[1] not in ("on", "off"):
            parser.error("switch takes NAME on|off")
        stack.switch(args.switch[0], args.switch[1] == "on", severity="critical", service="switchboard")
        _say(f"switch {args.switch[0]} {args.switch[1]}: SwitchOn fires or resolves within seconds")
        return 0

    if args.command == "status":
        if not data_dir.exists():
            _say(f"stack not running (no {data_dir})")
            return 1
        return 0 if _print_status(stack, _say) else 1

    if args.command == "down":
        stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        _say(f"stack stopped; removed {data_dir}")
        return 0

    # up
    if any(item.running for item in stack.status()):
        _say(f"stack already running in {data_dir}:")
        _print_status(stack, _say)
        return 0
    shutil.rmtree(data_dir, ignore_errors=True)
    stack = Stack(data_dir, Ports.from_env())
    started = time.monotonic()
    try:
        stack.start()
    except StackError as exc:
        sys.stderr.write(f"stack failed to start: {exc}\n")
        return 1
    (data_dir / "ports.json").write_text(json.dumps(asdict(stack.ports)))
    _say(f"stack up in {time.monotonic() - started:.2f}s; data, logs and pid files in {data_dir}")
    _print_status(stack, _say)
    _say("point the app at it: oncall-tui --config examples/local-stack.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
