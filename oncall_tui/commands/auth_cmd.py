"""``oncall-tui auth set CONTEXT SOURCE``: store a token or password in the OS keyring.

The value is read with getpass (no echo) and goes straight to the keyring entry that
``secrets.resolve_secret`` reads for that source; it is never printed. The keyring is
probed before prompting, so nobody types a token only to learn it cannot be stored.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from oncall_tui.config.loader import load_settings
from oncall_tui.config.settings import SourceSettings
from oncall_tui.errors import ConfigError, SecretError
from oncall_tui.secrets import keyring_entry, store_secret

EXIT_OK = 0
"""Stored."""
EXIT_FAILED = 2
"""Nothing stored (bad config, unknown context, keyring unavailable, empty input)."""


def set_secret(config_path: Path | None, context: str, source: str) -> int:
    """Prompt for the secret of ``context``/``source`` and store it in the keyring; return the exit code."""
    try:
        settings = load_settings(config_path).settings
    except ConfigError as error:
        _fail(*error.problems)
        return EXIT_FAILED
    context_settings = settings.contexts.get(context)
    if context_settings is None:
        known = ", ".join(settings.context_names()) or "none configured"
        _fail(f"error: unknown context {context!r} (known: {known})")
        return EXIT_FAILED
    source_settings: SourceSettings | None = getattr(context_settings, source, None)
    auth = source_settings.auth if source_settings is not None else None
    entry = keyring_entry(context, source, auth)
    if entry is None:
        where = auth.secret.describe() if auth is not None and auth.secret is not None else "elsewhere"
        _fail(f"error: {context}/{source} reads its secret from {where}, not the keyring; nothing stored")
        return EXIT_FAILED
    problem = _keyring_problem()
    if problem:
        _fail(f"error: cannot store credentials: keyring unavailable ({problem})")
        return EXIT_FAILED
    if source_settings is None:
        sys.stderr.write(f"note: context {context!r} has no {source} source configured yet\n")
    elif auth is None:
        sys.stderr.write(
            f"note: {context}/{source} has no auth configured, so the app will not send this secret\n"
        )
    what = "password" if auth is not None and auth.type == "basic" else "token"
    try:
        value = getpass.getpass(f"{what} for {context}/{source} (input hidden): ")
    except (EOFError, KeyboardInterrupt):
        sys.stderr.write("\n")
        _fail("error: cancelled; nothing stored")
        return EXIT_FAILED
    if not value.strip():
        _fail("error: empty input; nothing stored")
        return EXIT_FAILED
    try:
        stored = store_secret(context, source, value.strip(), auth)
    except SecretError as error:
        _fail(f"error: {error}")
        return EXIT_FAILED
    sys.stdout.write(f"stored in keyring entry {stored}\n")
    return EXIT_OK


def _keyring_problem() -> str | None:
    """Why the keyring cannot be used, or None if a real backend is active."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception as error:  # a broken backend may fail while loading
        return type(error).__name__
    if isinstance(backend, fail.Keyring):
        return "no keyring backend installed"
    return None


def _fail(*lines: str) -> None:
    for line in lines:
        sys.stderr.write(line + "\n")
