"""Each source, each fault, over loopback: stale with a reason a person understands, fresh again within
one refresh interval (plus one request) after the server heals. See tests/support/fault_matrix.py."""

from __future__ import annotations

import pytest

from tests.support.fault_matrix import REFRESH, TIMEOUT, run_source
from tests.support.fault_server import FAULTS


@pytest.mark.parametrize("source", ["prometheus", "alertmanager", "jaeger"])
async def test_every_fault_is_reported_with_its_reason_keeps_the_data_and_clears_within_a_refresh(
    source: str,
) -> None:
    runs = await run_source(source)
    assert [r.fault for r in runs] == list(FAULTS)
    for run in runs:
        assert run.understood, (run.fault, run.reasons)
        assert run.kept_data, f"{run.fault}: the last good data must stay on screen, marked stale"
        assert run.recovered_in_time, (
            f"{run.fault}: fresh again {run.recovered_after}s after the server healed"
            f" (refresh {REFRESH}s, timeout {TIMEOUT}s)"
        )
