"""Config of the alert side: severity policy, ack defaults, escalation (extended by the alerts work)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AlertSettings(BaseModel):
    """``[alerts]`` in config.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity_label: str = "severity"
    """Label whose value ranks an alert."""
