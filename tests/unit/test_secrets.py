"""Secrets: keyring (a dict backend, the fail backend, a broken one), env vars and password_command."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from pydantic import SecretStr

from oncall_tui.config.common import SecretRef
from oncall_tui.config.settings import AuthSettings
from oncall_tui.errors import SecretError
from oncall_tui.secrets import resolve_secret, split_keyring_ref, store_secret
from tests.support.keyrings import DictKeyring

TOKEN = "tok-9f8e7d6c5b4a"


class BrokenKeyring(DictKeyring):
    """A backend that fails the way a dead D-Bus session does: not with a KeyringError."""

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown: the name is not activatable")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"cannot store {password}")


def fail_keyring() -> keyring.backend.KeyringBackend:
    """keyring's own "no backend available" backend: every call raises NoKeyringError."""
    return keyring.backends.fail.Keyring()  # type: ignore[no-untyped-call]


@pytest.fixture
def use_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(use_keyring: None) -> DictKeyring:
    backend = DictKeyring()
    keyring.set_keyring(backend)
    return backend


def bearer(**ref: str) -> AuthSettings:
    return AuthSettings(type="bearer", secret=SecretRef(**ref) if ref else None)


def test_no_auth_means_no_secret() -> None:
    assert resolve_secret("prod", "prometheus", None) is None


def test_default_keyring_entry(memory_keyring: DictKeyring) -> None:
    memory_keyring.entries[("oncall-tui", "prod-eu/alertmanager")] = TOKEN
    secret = resolve_secret("prod-eu", "alertmanager", bearer())
    assert isinstance(secret, SecretStr)
    assert secret.get_secret_value() == TOKEN
    assert TOKEN not in repr(secret) and TOKEN not in str(secret)


def test_keyring_ref_with_service_and_with_username_only(memory_keyring: DictKeyring) -> None:
    memory_keyring.entries[("vault", "team/prom")] = "a"
    memory_keyring.entries[("oncall-tui", "shared-prom")] = "b"
    first = resolve_secret("prod", "prometheus", bearer(keyring="vault/team/prom"))
    second = resolve_secret("prod", "prometheus", bearer(keyring="shared-prom"))
    assert first is not None and first.get_secret_value() == "a"
    assert second is not None and second.get_secret_value() == "b"


def test_split_keyring_ref() -> None:
    assert split_keyring_ref("oncall-tui/prod-eu/alertmanager") == ("oncall-tui", "prod-eu/alertmanager")
    assert split_keyring_ref("token") == ("oncall-tui", "token")


def test_missing_keyring_entry_says_how_to_set_it(memory_keyring: DictKeyring) -> None:
    with pytest.raises(SecretError) as caught:
        resolve_secret("prod-eu", "jaeger", bearer())
    assert str(caught.value) == (
        "no credentials: keyring entry oncall-tui/prod-eu/jaeger not set;"
        " run: oncall-tui auth set prod-eu jaeger"
    )


def test_no_keyring_backend_degrades_to_a_clear_error(use_keyring: None) -> None:
    keyring.set_keyring(fail_keyring())
    with pytest.raises(SecretError) as caught:
        resolve_secret("prod", "prometheus", bearer())
    assert str(caught.value) == "no credentials: keyring unavailable (no keyring backend installed)"


def test_broken_backend_degrades_too(use_keyring: None) -> None:
    keyring.set_keyring(BrokenKeyring())
    with pytest.raises(SecretError) as caught:
        resolve_secret("prod", "prometheus", bearer())
    message = str(caught.value)
    assert message.startswith("no credentials: keyring unavailable (RuntimeError: ")
    assert "\n" not in message and len(message) < 160


def test_store_then_resolve_round_trips(memory_keyring: DictKeyring) -> None:
    assert store_secret("prod", "alertmanager", SecretStr(TOKEN)) == "oncall-tui/prod/alertmanager"
    secret = resolve_secret("prod", "alertmanager", bearer())
    assert secret is not None and secret.get_secret_value() == TOKEN


def test_store_uses_the_configured_keyring_ref(memory_keyring: DictKeyring) -> None:
    assert store_secret("prod", "prometheus", TOKEN, bearer(keyring="vault/prom")) == "vault/prom"
    assert memory_keyring.entries == {("vault", "prom"): TOKEN}


def test_store_refuses_when_the_secret_comes_from_env(memory_keyring: DictKeyring) -> None:
    with pytest.raises(SecretError, match="reads its secret from env:PROM_TOKEN"):
        store_secret("prod", "prometheus", TOKEN, bearer(env="PROM_TOKEN"))
    assert memory_keyring.entries == {}


@pytest.mark.parametrize("backend", [fail_keyring(), BrokenKeyring()])
def test_store_without_a_keyring_fails_without_leaking(
    use_keyring: None, backend: keyring.backend.KeyringBackend
) -> None:
    keyring.set_keyring(backend)
    with pytest.raises(SecretError) as caught:
        store_secret("prod", "prometheus", TOKEN)
    assert str(caught.value).startswith("cannot store credentials: keyring unavailable")
    assert TOKEN not in str(caught.value)


def test_env_var_secret() -> None:
    secret = resolve_secret("prod", "prometheus", bearer(env="PROM_TOKEN"), env={"PROM_TOKEN": TOKEN})
    assert secret is not None and secret.get_secret_value() == TOKEN


def test_unset_env_var_names_the_variable() -> None:
    with pytest.raises(SecretError) as caught:
        resolve_secret("prod", "prometheus", bearer(env="PROM_TOKEN"), env={})
    assert str(caught.value) == "no credentials: environment variable PROM_TOKEN is not set"


def test_password_command_output_is_stripped() -> None:
    secret = resolve_secret("prod", "prometheus", bearer(command=f"printf '  {TOKEN}\\n'"))
    assert secret is not None and secret.get_secret_value() == TOKEN


def test_password_command_failure_names_the_status_not_the_output() -> None:
    auth = bearer(command=f"echo {TOKEN}; echo {TOKEN}-err >&2; exit 3")
    with pytest.raises(SecretError) as caught:
        resolve_secret("prod", "prometheus", auth)
    assert str(caught.value) == "no credentials: password_command exited with status 3"
    # Raised outside any handler: no chained exception can carry the output along.
    assert caught.value.__context__ is None and caught.value.__cause__ is None


def test_password_command_that_prints_nothing() -> None:
    with pytest.raises(SecretError, match="printed nothing"):
        resolve_secret("prod", "prometheus", bearer(command="true"))


def test_password_command_timeout_kills_the_whole_pipeline() -> None:
    # ``sleep`` as a child of the shell (not exec'd): only killing the process group returns promptly.
    auth = bearer(command="sleep 30; echo never")
    with pytest.raises(SecretError) as caught:
        resolve_secret("prod", "prometheus", auth, timeout=0.2)
    assert str(caught.value) == "no credentials: password_command timed out after 0.2 s"


def test_basic_auth_resolves_the_password(memory_keyring: DictKeyring) -> None:
    memory_keyring.entries[("oncall-tui", "prod/alertmanager")] = "hunter2"
    auth = AuthSettings(type="basic", username="oncall")
    secret = resolve_secret("prod", "alertmanager", auth)
    assert secret is not None and secret.get_secret_value() == "hunter2"
