"""Config types shared by ``settings.py`` and ``alerting.py``: a leaf, so neither imports the other back.

A config file names *where* secrets live (:class:`SecretRef`), never their values.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, model_validator


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(Strict):
    """Where a secret is kept: exactly one of ``keyring``, ``env`` or ``command``."""

    keyring: str | None = None
    """Keyring entry as ``service/username`` or just ``username`` (service ``oncall-tui``)."""
    env: str | None = None
    """Name of an environment variable holding the secret."""
    command: str | None = None
    """A ``password_command``: shell command whose stdout (stripped) is the secret."""

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        given = [n for n in ("keyring", "env", "command") if getattr(self, n)]
        if len(given) != 1:
            raise ValueError("expected exactly one of keyring, env or command")
        return self

    def describe(self) -> str:
        """Where the secret comes from, safe to show (never the value)."""
        if self.keyring:
            return f"keyring:{self.keyring}"
        if self.env:
            return f"env:{self.env}"
        return "password_command"


__all__ = ["SecretRef", "Strict"]
