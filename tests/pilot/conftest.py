"""Pilot-test fixtures: the demo environment on a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.demo import DemoEnvironment


@pytest.fixture
def demo() -> Iterator[DemoEnvironment]:
    """The built-in demo servers on loopback; time frozen so what they serve is deterministic."""
    with DemoEnvironment(clock=FakeClock(real_sleep=True)) as environment:
        yield environment
