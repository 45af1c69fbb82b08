"""Config of the alert side: severity policy, response timers, ack defaults, escalation, notifiers.

Everything here is ``[alerts]`` in config.toml. Durations are written the way people
say them: ``"5m"``, ``"1h30m"``, ``"90s"``, ``"2d"`` (or a number of seconds).

Example::

    [alerts]
    severity_label = "severity"
    severity_order = ["critical", "warning", "info"]
    severity_aliases = { page = "critical", error = "critical" }
    group_by = "service"            # unset: Alertmanager's own groups
    bell_on_new_critical = true
    default_escalation_policy = "primary"

    [alerts.response_timers.critical]
    investigate = "5m"
    resolve = "1h"

    [alerts.ack]
    default_duration = "2h"
    until_resolved = true

    [alerts.escalation_policies.primary]
    repeat = 1
    levels = [
      { name = "on-call", targets = ["team-slack"], delay = "5m" },
      { name = "secondary", targets = ["pd-secondary", "team-slack"], delay = "15m" },
    ]

    [alerts.notifiers.team-slack]
    kind = "slack"
    url = "https://hooks.slack.com/services/T000/B000/XXXX"

    [alerts.notifiers.pd-secondary]
    kind = "pagerduty"
    routing_key = { keyring = "oncall-tui/pagerduty" }
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    HttpUrl,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from oncall_tui.config.common import SecretRef
from oncall_tui.config.common import Strict as _Strict
from oncall_tui.domain.durations import format_duration, parse_duration

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
"""Default endpoint of the PagerDuty Events API v2."""


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]
"""A config duration: ``"5m"``, ``"1h30m"``, a number of seconds."""


class ResponseTimer(_Strict):
    """How fast an alert of one severity must be looked at and fixed."""

    investigate: Duration | None = None
    """Time from firing until someone should be investigating (ack target); unset = no target."""
    resolve: Duration | None = None
    """Time from firing until the alert should be resolved; unset = no target."""


def _default_timers() -> dict[str, ResponseTimer]:
    return {
        "critical": ResponseTimer(investigate=timedelta(minutes=5), resolve=timedelta(hours=1)),
        "warning": ResponseTimer(investigate=timedelta(minutes=30), resolve=timedelta(hours=4)),
        "info": ResponseTimer(),
    }


class AckSettings(_Strict):
    """Defaults of the ack dialog."""

    default_duration: Duration = timedelta(hours=1)
    """Duration pre-filled in the ack dialog."""
    until_resolved: bool = False
    """Pre-tick "ack until resolved": the app extends its own ack silences while the alert fires."""
    until_resolved_step: Duration = timedelta(minutes=30)
    """Length of each "until resolved" silence; it is extended when less than half of it is left."""

    @model_validator(mode="after")
    def _positive(self) -> AckSettings:
        if self.default_duration <= timedelta(0):
            raise ValueError("default_duration must be positive")
        if self.until_resolved_step < timedelta(minutes=1):
            raise ValueError("until_resolved_step must be at least 1m")
        return self


class EscalationLevel(_Strict):
    """One step of an escalation policy."""

    name: str = Field(min_length=1)
    """Shown on screen and in the incident log, e.g. ``primary on-call``."""
    targets: list[str] = Field(min_length=1)
    """Names of entries of ``[alerts.notifiers]`` notified when the incident reaches this level."""
    delay: Duration = timedelta(minutes=5)
    """How long an un-acked critical incident stays at this level before it escalates by itself."""


class EscalationPolicy(_Strict):
    """Ordered levels an incident climbs through."""

    levels: list[EscalationLevel] = Field(min_length=1)
    """Levels in order; escalating moves to the next one."""
    repeat: int = Field(default=0, ge=0)
    """How many times to start again from the first level after the last one."""
    match: str | None = None
    """Alertmanager matchers selecting the alerts this policy is for (e.g. ``team="db"``); unset = any."""

    @model_validator(mode="after")
    def _match_parses(self) -> EscalationPolicy:
        if self.match is not None:
            # Imported here: the domain package imports this module for its settings types.
            from oncall_tui.domain.matchers import ParseError, parse_filter

            try:
                parsed = parse_filter(self.match)
            except ParseError as exc:
                raise ValueError(f"match: {exc}") from None
            if parsed.words:
                raise ValueError(
                    f"match: only matchers are allowed, not free text ({' '.join(parsed.words)})"
                )
        return self

    def steps(self) -> int:
        """Total number of levels an incident can reach, counting repeats."""
        return len(self.levels) * (self.repeat + 1)

    def level_at(self, index: int) -> EscalationLevel:
        """The level of step ``index`` (0-based, repeats included)."""
        return self.levels[index % len(self.levels)]


class NotifierTarget(_Strict):
    """Where an escalation is sent."""

    kind: Literal["webhook", "slack", "pagerduty"]
    """``webhook`` (generic JSON), ``slack`` (Slack-compatible webhook) or ``pagerduty`` (Events v2)."""
    url: HttpUrl | None = None
    """Endpoint; webhook and slack need it (or ``url_secret``); PagerDuty defaults to Events v2."""
    url_secret: SecretRef | None = None
    """Webhook/slack endpoint as a secret reference (keyring, env or command), for a URL carrying a token."""
    routing_key: SecretRef | None = None
    """PagerDuty integration (routing) key: a secret reference, never the key itself."""
    timeout: float = Field(default=10.0, gt=0)
    """Seconds before the request is abandoned and the notification kept in the outbox."""

    @model_validator(mode="after")
    def _complete(self) -> NotifierTarget:
        if self.kind in ("webhook", "slack"):
            if self.url is None and self.url_secret is None:
                raise ValueError(f"a {self.kind} notifier needs a url (or url_secret, if it holds a token)")
            if self.url is not None and self.url_secret is not None:
                raise ValueError("give url or url_secret, not both")
        elif self.url_secret is not None:
            raise ValueError("url_secret is only for webhook and slack notifiers")
        if self.kind == "pagerduty" and self.routing_key is None:
            raise ValueError("a pagerduty notifier needs routing_key (keyring, env or command)")
        if self.kind != "pagerduty" and self.routing_key is not None:
            raise ValueError("routing_key is only for pagerduty notifiers")
        return self

    def endpoint(self) -> str:
        """The URL to POST to, when it is not a secret (``url_secret``: the notifier resolves it)."""
        if self.url is not None:
            return str(self.url)
        if self.url_secret is not None:
            raise ValueError("the endpoint is a secret (url_secret): resolve it")
        return PAGERDUTY_EVENTS_URL


class AlertSettings(_Strict):
    """``[alerts]`` in config.toml."""

    severity_label: str = "severity"
    """Label whose value ranks an alert."""
    severity_order: list[str] = Field(default_factory=lambda: ["critical", "warning", "info"], min_length=1)
    """Severity names, highest first; any other value (or no label) ranks as ``none``, below all of them."""
    severity_aliases: dict[str, str] = Field(default_factory=dict)
    """Other label values counting as one of ``severity_order`` (``page = "critical"``); case-insensitive."""
    response_timers: dict[str, ResponseTimer] = Field(default_factory=_default_timers)
    """Investigate/resolve targets per severity name; a severity without an entry has no timers."""
    ack: AckSettings = Field(default_factory=AckSettings)
    """Defaults of the ack dialog."""
    group_by: str | None = None
    """Label to group the queue by; unset groups as Alertmanager does (its route ``group_by``)."""
    show_suppressed: bool = False
    """Show silenced and inhibited alerts in the queue at start (toggled with a key)."""
    bell_on_new_critical: bool = False
    """Ring the terminal bell when a new critical alert arrives."""
    notifiers: dict[str, NotifierTarget] = Field(default_factory=dict)
    """Named notification targets referenced by escalation levels."""
    escalation_policies: dict[str, EscalationPolicy] = Field(default_factory=dict)
    """Named escalation policies, in order; the first whose ``match`` selects the alert applies."""
    default_escalation_policy: str | None = None
    """Policy for alerts no policy's ``match`` selects; unset = such alerts cannot be escalated."""
    incident_resolve_grace: Duration = timedelta(minutes=5)
    """How long all alerts of an incident's group must stay resolved before it resolves by itself."""

    # Field validators, not one model validator: each error is then located at its field, so
    # ``config check`` names it. Fields are declared in dependency order, so ``info.data`` holds
    # the ones checked against (and lacks them when they failed themselves: the check is skipped).
    @field_validator("severity_order")
    @classmethod
    def _order_ok(cls, value: list[str]) -> list[str]:
        order = [s.lower() for s in value]
        if "none" in order:
            raise ValueError("'none' is implied (below every listed severity); do not list it")
        if len(set(order)) != len(order):
            raise ValueError("names must be unique")
        return value

    @field_validator("incident_resolve_grace")
    @classmethod
    def _grace_ok(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("must not be negative (0 resolves an incident as soon as its alerts do)")
        return value

    @field_validator("severity_aliases")
    @classmethod
    def _aliases_ok(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        order = [s.lower() for s in info.data.get("severity_order") or []]
        for alias, target in value.items():
            if order and target.lower() not in order:
                raise ValueError(f"{alias}: {target!r} is not one of severity_order ({', '.join(order)})")
        return value

    @field_validator("response_timers")
    @classmethod
    def _timers_ok(cls, value: dict[str, ResponseTimer], info: ValidationInfo) -> dict[str, ResponseTimer]:
        order = [s.lower() for s in info.data.get("severity_order") or []]
        for name in value:
            if order and name.lower() not in order and name.lower() != "none":
                raise ValueError(f"{name}: not one of severity_order ({', '.join(order)})")
        return value

    @field_validator("escalation_policies")
    @classmethod
    def _targets_exist(
        cls, value: dict[str, EscalationPolicy], info: ValidationInfo
    ) -> dict[str, EscalationPolicy]:
        notifiers = info.data.get("notifiers")
        if notifiers is None:
            return value
        for policy_name, policy in value.items():
            for i, level in enumerate(policy.levels):
                for target in level.targets:
                    if target not in notifiers:
                        raise ValueError(
                            f"{policy_name}.levels[{i}].targets: {target!r} is not a notifier "
                            f"(defined: {', '.join(sorted(notifiers)) or 'none'})"
                        )
        return value

    @field_validator("default_escalation_policy")
    @classmethod
    def _default_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        policies = info.data.get("escalation_policies")
        if value is not None and policies is not None and value not in policies:
            known = ", ".join(sorted(policies)) or "none defined"
            raise ValueError(f"{value!r} is not one of escalation_policies ({known})")
        return value
