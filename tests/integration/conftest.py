"""The real stack for integration tests: Prometheus, Alertmanager and node_exporter on free loopback ports.

Started once per test session with the same code and configs as ``scripts/stack``
(``tests/stack_support.py``, ``stack/``), so what passes here is what a developer
runs. Free ports mean it never collides with a developer's own ``scripts/stack up``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.binaries import require_binaries
from tests.stack_support import Stack, StackError, missing_binaries, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A started stack; stopped at the end of the session, also when tests fail or are interrupted."""
    require_binaries(missing_binaries())
    try:
        with running_stack(tmp_path_factory.mktemp("stack")) as started:
            yield started
    except StackError as exc:
        pytest.fail(f"the local stack did not start: {exc}", pytrace=False)
