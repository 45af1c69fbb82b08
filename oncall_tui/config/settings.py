"""Pydantic models of ``config.toml``.

A config file names *where* secrets live (``SecretRef``), never their values.
Unknown keys are rejected (``extra="forbid"``) so a typo is an error, not a
silently ignored setting.
"""

from __future__ import annotations

import getpass
import socket
from pathlib import Path
from typing import Literal

from pydantic import Field, HttpUrl, ValidationInfo, field_validator, model_validator

from oncall_tui.config.alerting import AlertSettings
from oncall_tui.config.common import SecretRef
from oncall_tui.config.common import Strict as _Strict
from oncall_tui.config.runbooks import RunbookSettings


class AuthSettings(_Strict):
    """How to authenticate to a source."""

    type: Literal["bearer", "basic"]
    """``bearer`` sends ``Authorization: Bearer <token>``; ``basic`` sends username and password."""
    username: str | None = None
    """User name for basic auth."""
    secret: SecretRef | None = None
    """Token (bearer) or password (basic); default: keyring entry ``oncall-tui/<context>/<source>``."""

    @model_validator(mode="after")
    def _basic_needs_user(self) -> AuthSettings:
        if self.type == "basic" and not self.username:
            raise ValueError("basic auth needs a username")
        return self


class TlsSettings(_Strict):
    """TLS options of a source."""

    ca_file: Path | None = None
    """PEM bundle of CAs to trust instead of the system store."""
    insecure_skip_verify: bool = False
    """Do not verify the server certificate. Only when explicitly set; then marked on screen."""


class SourceSettings(_Strict):
    """Settings shared by every source kind."""

    auth: AuthSettings | None = None
    """Credentials, if the source needs them."""
    tls: TlsSettings = Field(default_factory=TlsSettings)
    """TLS options."""
    timeout: float = Field(default=10.0, gt=0, le=600, allow_inf_nan=False)
    """Seconds before one request is abandoned and the source marked down."""
    refresh: float = Field(default=15.0, gt=0, le=86400, allow_inf_nan=False)
    """Seconds between the end of one poll and the start of the next."""
    max_backoff: float = Field(default=300.0, gt=0, le=86400, allow_inf_nan=False)
    """Upper bound, in seconds, of the retry delay after failures (never longer than ``refresh`` either)."""


_URL_PASSWORD_PROBLEM = (
    'a password in the URL is a secret: use auth = { type = "basic", username = "…", secret = { env = "…" } }'
)


def _no_password(url: HttpUrl) -> HttpUrl:
    if url.password:
        raise ValueError(_URL_PASSWORD_PROBLEM)
    return url


class PrometheusSettings(SourceSettings):
    """A Prometheus-compatible query endpoint (Prometheus, Thanos, Mimir, VictoriaMetrics)."""

    url: HttpUrl
    """Base URL; ``/api/v1/...`` is appended."""

    @field_validator("url")
    @classmethod
    def _url_without_password(cls, url: HttpUrl) -> HttpUrl:
        return _no_password(url)


class AlertmanagerSettings(SourceSettings):
    """One Alertmanager, or the peers of one HA cluster."""

    urls: list[HttpUrl] = Field(min_length=1)
    """Base URL of every peer; alerts are merged and de-duplicated by fingerprint."""

    @field_validator("urls")
    @classmethod
    def _urls_without_password(cls, urls: list[HttpUrl]) -> list[HttpUrl]:
        return [_no_password(url) for url in urls]

    refresh: float = Field(default=10.0, gt=0, le=86400, allow_inf_nan=False)
    """Seconds between the end of one poll and the start of the next."""


class JaegerSettings(SourceSettings):
    """A Jaeger query service (or Tempo's Jaeger-compatible query)."""

    url: HttpUrl
    """Base URL; ``/api/v3/...`` is tried first, then ``/api/...``."""

    @field_validator("url")
    @classmethod
    def _url_without_password(cls, url: HttpUrl) -> HttpUrl:
        return _no_password(url)

    refresh: float = Field(default=60.0, gt=0, le=86400, allow_inf_nan=False)
    """Seconds between health checks of the query service."""


class ContextSettings(_Strict):
    """A named environment (prod-eu, staging, …): the sources the app talks to."""

    prometheus: PrometheusSettings | None = None
    """The metrics source."""
    alertmanager: AlertmanagerSettings | None = None
    """The alert source."""
    jaeger: JaegerSettings | None = None
    """The trace source."""
    read_only: bool = False
    """Look, do not touch: ack, unack, escalate and silence changes are refused (the keys say why)."""


def default_user() -> str:
    """``user@host``: who the app acts as when no ``user`` is configured."""
    try:
        name = getpass.getuser()
    except Exception:  # getuser raises OSError-likes when no login name exists (containers)
        name = "oncall"
    return f"{name}@{socket.gethostname()}"


class Settings(_Strict):
    """The whole of ``config.toml``."""

    contexts: dict[str, ContextSettings] = Field(default_factory=dict)
    """Named contexts; switch between them at run time."""
    default_context: str | None = None
    """Context selected at start; the first one when unset."""
    user: str = Field(default_factory=default_user, min_length=1)
    """Who the app acts as: ``createdBy`` of silences, author of log entries."""
    theme: str = "dark"
    """Theme name: a shipped one or a file in the user themes directory."""
    low_bandwidth: bool = False
    """Write less to the terminal (slow SSH links): minute-resolution ages and clock, polls at most
    every 30 s, no latency figures; same as ``--low-bandwidth``."""
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    """Severity policy, ack defaults and escalation."""
    keymap: dict[str, str] = Field(default_factory=dict)
    """Key overrides by binding id, e.g. ``{ refresh-now = "f5" }``; ``?`` in the app lists the ids."""
    runbooks: RunbookSettings = Field(default_factory=RunbookSettings)
    """Runbook directories and ``runbook_url`` prefix rules (see ``config/runbooks.py``)."""

    # A field validator, not a model validator: its error is then located at ``default_context``,
    # so ``config check`` can name the field. ``contexts`` is declared first, so it is in ``info.data``
    # (and absent when it failed validation itself, which skips this check rather than adding noise).
    @field_validator("default_context")
    @classmethod
    def _default_context_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        contexts = info.data.get("contexts")
        if value is not None and contexts is not None and value not in contexts:
            raise ValueError(
                f"expected the name of a context ({', '.join(sorted(contexts)) or 'none defined'})"
            )
        return value

    def with_polls_at_most_every(self, seconds: float) -> Settings:
        """These settings with every source polled at most every ``seconds`` (``--low-bandwidth``)."""
        contexts: dict[str, ContextSettings] = {}
        for name, context in self.contexts.items():
            update: dict[str, object] = {}
            for kind in ("prometheus", "alertmanager", "jaeger"):
                source = getattr(context, kind, None)
                if source is not None and source.refresh < seconds:
                    update[kind] = source.model_copy(update={"refresh": seconds})
            contexts[name] = context.model_copy(update=update)
        return self.model_copy(update={"contexts": contexts})

    def context_names(self) -> list[str]:
        """Context names in file order."""
        return list(self.contexts)

    def initial_context(self) -> str | None:
        """The context to open at start."""
        if self.default_context:
            return self.default_context
        return next(iter(self.contexts), None)
