"""A missing stack binary skips the integration tests locally and fails them under CI."""

from __future__ import annotations

import pytest

from tests.integration.binaries import require_binaries


def test_a_missing_binary_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="prometheus.*CI=true: a missing binary is a failure"):
        require_binaries(["/usr/bin/prometheus"])


def test_a_missing_binary_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="stack binaries not installed: /usr/bin/prometheus"):
        require_binaries(["/usr/bin/prometheus"])


def test_nothing_happens_when_every_binary_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    require_binaries([])
