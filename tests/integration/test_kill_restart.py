"""The real Prometheus and Alertmanager crash (SIGKILL) mid-session and come back: the app's pollers say
why while they are gone, keep the last data, leave the other source alone, and are fresh again within
one refresh interval (plus one request) of the server answering."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.stack_support import missing_binaries, running_stack
from tests.support.fault_matrix import REFRESH, kill_and_restart

pytestmark = pytest.mark.integration


async def test_killed_servers_are_reported_and_recovered_from(tmp_path: Path) -> None:
    missing = missing_binaries()
    if missing:
        pytest.skip(f"stack binaries not installed: {', '.join(missing)}")
    # A stack of its own: killing the session's shared one would break the tests running beside this.
    with running_stack(tmp_path / "stack") as stack:
        runs = await kill_and_restart(stack, rounds=2)
    assert [r.source for r in runs] == ["prometheus", "alertmanager"] * 2
    for run in runs:
        assert run.reasons and all("connection refused" in r for r in run.reasons.values()), run.reasons
        assert run.kept_data, f"{run.source}: stale data kept, the other source unaffected"
        # One refresh interval (1.2 s) plus one request (1 s timeout), and 1 s for a loaded machine.
        assert run.recovered_after is not None and run.recovered_after <= REFRESH * 2 + 1.0 + 1.0, run
