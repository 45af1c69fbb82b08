"""Take secrets out of text before it leaves the app (post-mortem exports, CLI output).

Three nets: the secrets this process resolved (``oncall_tui.redaction``, registered as they are
read), the secret values a redactor is given (the configured credentials, read for the CLI too),
and the shapes credentials usually have when an engineer pastes one into a note
(``Authorization:``/``Bearer`` headers, ``password=``-style assignments, URL passwords, JWTs,
GitHub/Slack/AWS/GitLab tokens, private key blocks). What is replaced reads ``[secret]``, as
everywhere else in the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from oncall_tui.redaction import MASK, scrub

REDACTED = MASK
"""What a secret is replaced with (the app's one mask)."""

MIN_KNOWN_LENGTH = 6
"""Known values shorter than this are not replaced: they would hit ordinary words."""

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL
        ),
        REDACTED,
    ),
    # Keep the scheme of a header or URL so the reader still sees what was there.
    (re.compile(r"(?i)\b(authorization\s*[:=]\s*(?:(?:bearer|basic|token)\s+)?)[^\s\"']+"), r"\1" + REDACTED),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + REDACTED),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+):[^/\s@]+@"), r"\1:" + REDACTED + "@"),
    (
        re.compile(
            r"(?i)\b((?:[a-z0-9_-]*[_-])?(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key"
            r"|private[_-]?key|client[_-]?secret)s?[\"']?\s*[:=]\s*)([\"']?)[^\s\"',;]+"
        ),
        r"\1\2" + REDACTED,
    ),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    (
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,})"),
        REDACTED,
    ),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), REDACTED),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), REDACTED),
)


@dataclass(frozen=True, slots=True)
class Redactor:
    """Replaces registered and known secret values and credential-shaped strings with ``[secret]``."""

    known: tuple[str, ...] = field(default_factory=tuple)
    """Secret values to remove wherever they occur, longest first."""

    @classmethod
    def of(cls, values: Iterable[str | None]) -> Redactor:
        """A redactor for these values (blank, short and duplicate ones dropped)."""
        kept = {v for v in values if v is not None and len(v.strip()) >= MIN_KNOWN_LENGTH}
        # Longest first: a secret that contains another must go whole, not leave a tail behind.
        return cls(tuple(sorted(kept, key=lambda v: (-len(v), v))))

    def scrub(self, text: str) -> str:
        """``text`` with every registered or known value and credential-shaped string replaced."""
        text = scrub(text)
        for value in self.known:
            text = text.replace(value, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text.replace(f"{REDACTED} {REDACTED}", REDACTED)
