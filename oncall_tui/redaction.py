"""Secret values the app sends, scrubbed from every text before it is shown or written.

A server may echo a credential back (a 401 body repeating the ``Authorization`` header, a
proxy's error page quoting the request). Every secret is registered here when it is resolved
(:func:`oncall_tui.secrets.resolve_secret`) or turned into a header
(:func:`oncall_tui.clients.http.auth_headers`), and :func:`scrub` replaces each occurrence with
:data:`MASK`. Scrubbing happens where texts are made: :class:`oncall_tui.errors.OncallError`
scrubs its message (so health reasons, toasts, screens, the incident log and exports built from
errors never hold a secret), response snippets are scrubbed before they are cut (a cut must not
leave half a token), and the log file's formatter scrubs every line (:class:`ScrubbingFormatter`).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from urllib.parse import quote

MASK = "[secret]"
"""What a secret value is replaced with."""
MIN_SECRET_LENGTH = 4
"""Shorter values are not scrubbed: masking every "a" or "12" in every text would garble it all
(and such a credential protects nothing)."""

_lock = threading.Lock()  # secrets are resolved off the event loop (asyncio.to_thread)
_values: set[str] = set()
_pattern: re.Pattern[str] | None = None


def register_secret(value: str) -> None:
    """Remember ``value`` (and the forms it takes in URLs and JSON) so :func:`scrub` masks it."""
    value = value.strip()
    if len(value) < MIN_SECRET_LENGTH:
        return
    forms = {value, quote(value, safe=""), quote(value, safe="/:"), json.dumps(value)[1:-1]}
    global _pattern
    with _lock:
        if forms <= _values:
            return
        _values.update(form for form in forms if len(form) >= MIN_SECRET_LENGTH)
        # Longest first, so a secret that contains another is masked whole.
        ordered = sorted(_values, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(v) for v in ordered))


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced by :data:`MASK`."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


def forget_all() -> None:
    """Drop every registered secret (tests start from a clean slate with it)."""
    global _pattern
    with _lock:
        _values.clear()
        _pattern = None


class ScrubbingFormatter(logging.Formatter):
    """A log formatter whose every line (message, arguments, traceback) is scrubbed."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))
