"""Resolve a source's credential from the OS keyring, an env var or a ``password_command``.

A config file names *where* a secret lives (``SecretRef``), never the value. Values are
``SecretStr`` from the moment they are read, and no message here ever contains one: a
failing ``password_command`` is reported by exit status only, since its output (stdout
or stderr) may hold the secret or part of it.

Keyring is often absent over SSH. Every keyring failure (no backend, a locked or broken
backend, D-Bus gone) becomes a ``SecretError`` starting "no credentials: keyring
unavailable", which the caller shows for that source while the app runs on.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping

import keyring
import keyring.errors
from pydantic import SecretStr

from oncall_tui.config.common import SecretRef
from oncall_tui.config.settings import AuthSettings
from oncall_tui.errors import SecretError
from oncall_tui.redaction import register_secret

KEYRING_SERVICE = "oncall-tui"
"""Keyring service of the default entries (and of ``keyring`` refs without a ``service/`` part)."""

COMMAND_TIMEOUT = 10.0
"""Seconds a ``password_command`` may run (it may prompt a GPG agent) before it is abandoned."""

_MAX_REASON = 80
"""A backend's own error text is cut to this length: the message must stay one line."""


def keyring_entry(context: str, source: str, auth: AuthSettings | None) -> tuple[str, str] | None:
    """(service, username) of the keyring entry for this source, or None if its secret is not in the keyring.

    The default (no ``auth.secret``) is service ``oncall-tui``, username ``<context>/<source>``.
    A ref ``service/username`` splits at the first ``/``; a ref without ``/`` is a username
    under service ``oncall-tui``.
    """
    ref = auth.secret if auth is not None else None
    if ref is None:
        return KEYRING_SERVICE, f"{context}/{source}"
    if not ref.keyring:
        return None
    return split_keyring_ref(ref.keyring)


def split_keyring_ref(ref: str) -> tuple[str, str]:
    """``"service/user/name"`` -> ``("service", "user/name")``; ``"name"`` -> ``("oncall-tui", "name")``."""
    service, sep, username = ref.partition("/")
    return (service, username) if sep else (KEYRING_SERVICE, ref)


def resolve_secret(
    context: str,
    source: str,
    auth: AuthSettings | None,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = COMMAND_TIMEOUT,
) -> SecretStr | None:
    """The token (bearer) or password (basic) of ``context``'s ``source``; None when it needs no auth.

    Raises SecretError with a one-line reason (never the value) when it cannot be resolved.
    ``env`` defaults to ``os.environ``.
    """
    if auth is None:
        return None
    ref = auth.secret
    if ref is None or ref.keyring:
        entry = keyring_entry(context, source, auth)
        assert entry is not None  # a keyring ref (or none) always names an entry
        secret = _from_keyring(context, source, *entry)
    elif ref.env:
        secret = _from_env(ref, os.environ if env is None else env)
    else:
        secret = _from_command(ref, timeout)
    # From here on no text the app shows or writes may contain it (a server may echo it back).
    register_secret(secret.get_secret_value())
    return secret


def store_secret(context: str, source: str, value: str | SecretStr, auth: AuthSettings | None = None) -> str:
    """Store ``value`` in the keyring entry ``resolve_secret`` reads for this source; return the entry name.

    Raises SecretError when the keyring is unavailable, or when the source's secret is
    configured to come from an env var or a command (storing it would change nothing).
    """
    entry = keyring_entry(context, source, auth)
    if entry is None:
        where = auth.secret.describe() if auth is not None and auth.secret is not None else "elsewhere"
        raise SecretError(
            f"{context}/{source} reads its secret from {where}, not the keyring; nothing stored"
        )
    service, username = entry
    secret = value.get_secret_value() if isinstance(value, SecretStr) else value
    try:
        keyring.set_password(service, username, secret)
    except Exception as error:  # any backend failure, KeyringError or not, means "not stored"
        reason = _reason(error)
        if secret and secret in reason:  # a backend that quotes its input must not leak it here
            reason = type(error).__name__
        raise SecretError(f"cannot store credentials: keyring unavailable ({reason})") from None
    return f"{service}/{username}"


def _from_keyring(context: str, source: str, service: str, username: str) -> SecretStr:
    try:
        value = keyring.get_password(service, username)
    except Exception as error:  # broken third-party backends raise anything, not only KeyringError
        raise SecretError(f"no credentials: keyring unavailable ({_reason(error)})") from None
    if value is None:
        raise SecretError(
            f"no credentials: keyring entry {service}/{username} not set;"
            f" run: oncall-tui auth set {context} {source}"
        )
    return SecretStr(value)


def _from_env(ref: SecretRef, env: Mapping[str, str]) -> SecretStr:
    assert ref.env is not None
    value = env.get(ref.env)
    if not value:
        raise SecretError(f"no credentials: environment variable {ref.env} is not set")
    return SecretStr(value)


def _from_command(ref: SecretRef, timeout: float) -> SecretStr:
    assert ref.command is not None
    try:
        # The user wrote a shell command line (``pass show am``, ``op read …``): run it through the shell.
        # stderr is captured, not inherited: inside the TUI it would scribble over the screen. Its own
        # process group, so a timeout kills the whole pipeline, not just the shell (a surviving child
        # would hold the pipe open and hang us).
        process = subprocess.Popen(
            ref.command,
            shell=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            process_group=0,
        )
    except OSError as error:
        raise SecretError(
            f"no credentials: password_command could not run ({error.strerror or error})"
        ) from None
    try:
        stdout, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise SecretError(f"no credentials: password_command timed out after {timeout:g} s") from None
    if process.returncode != 0:
        raise SecretError(f"no credentials: password_command exited with status {process.returncode}")
    value = stdout.decode("utf-8", errors="replace").strip()
    if not value:
        raise SecretError("no credentials: password_command printed nothing")
    return SecretStr(value)


def _reason(error: BaseException) -> str:
    if isinstance(error, keyring.errors.NoKeyringError):
        return "no keyring backend installed"
    text = " ".join(str(error).split())
    if len(text) > _MAX_REASON:
        text = text[: _MAX_REASON - 1] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
