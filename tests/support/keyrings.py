"""Keyring backends for tests: an in-memory one (keyring.set_keyring(DictKeyring()))."""

from __future__ import annotations

import keyring.backend


class DictKeyring(keyring.backend.KeyringBackend):
    """An in-memory keyring."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}
        """Stored secrets by (service, username)."""

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)
