"""The one error hierarchy of oncall-tui.

Every error carries a one-line ``reason`` fit for the health bar and a ``title``
for toasts; none of them ever carries a secret.
"""

from __future__ import annotations

from oncall_tui.redaction import scrub


class OncallError(Exception):
    """Base of every error the app expects and shows to the user."""

    title: str = "Error"
    """Short heading for a toast or modal."""

    def __init__(self, message: str, title: str | None = None) -> None:
        # Scrubbed here, where every error text is made: a server may have echoed a credential.
        message = scrub(message)
        super().__init__(message)
        self.message = message
        """One line that says what went wrong, for the health bar or a toast."""
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class ConfigError(OncallError):
    """A config file (or env override) is invalid; ``problems`` holds one line per problem."""

    title = "Configuration error"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems) if problems else "invalid configuration")
        self.problems = problems
        """Each entry names the file, the field path and what was expected."""


class SecretError(OncallError):
    """A credential could not be resolved (keyring missing, env var unset, command failed)."""

    title = "Credentials"


class SourceError(OncallError):
    """A data source (Prometheus, Alertmanager, Jaeger, a notifier) failed to answer usefully."""

    title = "Source error"

    def __init__(
        self, message: str, *, kind: str = "error", status: int | None = None, request_sent: bool = True
    ) -> None:
        super().__init__(message)
        self.kind = kind
        """Machine-readable class of failure: unreachable, timeout, tls, http, decode, shape, api."""
        self.status = status
        """HTTP status code when the server answered, else None."""
        self.request_sent = request_sent
        """False only when the request certainly never reached the server (no connection was made):
        then a non-idempotent write may safely be tried elsewhere."""


class NotFoundError(SourceError):
    """The server answered 404 for an object (trace id, silence id)."""


class StoreError(OncallError):
    """The local incident store could not be read or written."""

    title = "Incident log"


class TraceDataError(OncallError):
    """A file or response is not a usable trace (not JSON, no spans, wrong shape)."""

    title = "Trace"
