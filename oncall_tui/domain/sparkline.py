"""Values on a time grid → a line of Unicode blocks, one column per step, gaps shown.

Prometheus already downsampled the series (``step = window / width``), so the only work
here is to place each point in its column and pick a block height.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"
"""Eight heights, lowest first."""
GAP = "·"
"""A step with no sample: distinguishable from a low value."""


def align(
    timestamps: Sequence[float], values: Sequence[float], start: float, step: float, columns: int
) -> list[float | None]:
    """Place ``(timestamp, value)`` points on ``columns`` steps from ``start``; missing steps are None.

    A range query answers at ``start + k*step``; a point that falls between grid times goes to
    the nearest column (remote stores sometimes shift the grid by milliseconds).
    """
    grid: list[float | None] = [None] * columns
    if step <= 0:
        return grid
    for ts, value in zip(timestamps, values, strict=False):
        column = round((ts - start) / step)
        if 0 <= column < columns and not math.isnan(value):
            grid[column] = value
    return grid


def bounds(values: Sequence[float | None]) -> tuple[float, float] | None:
    """(min, max) of the finite values, or None when there are none."""
    # ``-inf < v < inf`` is False for NaN and both infinities: one comparison chain per value.
    finite = [v for v in values if v is not None and -math.inf < v < math.inf]
    if not finite:
        return None
    return min(finite), max(finite)


def render(values: Sequence[float | None], low: float | None = None, high: float | None = None) -> str:
    """One block per value, scaled between ``low`` and ``high`` (the data's own min/max by default).

    None and NaN are gaps; +Inf is the top block and -Inf the bottom one. A flat line sits at
    the bottom when it is zero and mid-height otherwise, so "nothing" and "steady" differ.
    """
    found = bounds(values)
    if found is None:
        return GAP * len(values)
    lo = found[0] if low is None else low
    hi = found[1] if high is None else high
    top = len(BLOCKS) - 1
    if hi - lo <= 0:
        flat = [BLOCKS[0] if v == 0 else BLOCKS[top // 2] for v in values]
        return "".join(GAP if v is None or v != v else c for v, c in zip(values, flat, strict=True))
    scale = top / (hi - lo)
    blocks = BLOCKS
    # v != v is the NaN test; values at or past the bounds (±Inf included) clamp to the ends.
    return "".join(
        [
            GAP
            if v is None or v != v
            else blocks[top]
            if v >= hi
            else blocks[0]
            if v <= lo
            else blocks[int((v - lo) * scale + 0.5)]
            for v in values
        ]
    )
