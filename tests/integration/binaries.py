"""Missing stack binaries: a skip on a developer's machine, a failure under CI.

A skipped integration suite is how a broken install step hides, so with ``CI=true`` a missing
Prometheus, Alertmanager or node_exporter binary fails the test instead of skipping it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytest


def under_ci() -> bool:
    """Whether the suite runs in CI (``CI=true``, as GitHub Actions, GitLab CI and others set it)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def require_binaries(missing: Sequence[str]) -> None:
    """Skip (locally) or fail (under CI) when any stack binary is ``missing``; nothing when none is."""
    if not missing:
        return
    reason = f"stack binaries not installed: {', '.join(missing)}"
    if under_ci():
        pytest.fail(f"{reason} (CI=true: a missing binary is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)
