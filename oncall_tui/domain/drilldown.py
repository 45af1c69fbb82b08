"""The drill-down's arithmetic: time ranges, min/max downsampling, baselines, anomalies, rule thresholds.

Pure functions; the screen fetches with them and draws what they return.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from oncall_tui.domain.durations import parse_duration
from oncall_tui.domain.matchers import parse_filter

RANGES: tuple[str, ...] = ("5m", "15m", "1h", "6h", "24h", "7d")
"""The time ranges offered by a key each."""
MAX_POINTS = 11_000
"""Prometheus refuses range queries with more points per series than this."""
BASELINES: dict[str, timedelta] = {"1d": timedelta(days=1), "1w": timedelta(weeks=1)}
"""Baseline offsets the overlay toggles between."""
BASELINE_WORDS: dict[str, str] = {"1d": "same time yesterday", "1w": "same time last week"}
"""How a deviation callout names each baseline."""

_COMPARISON = re.compile(r"(?<![=!<>])(>=|<=|==|!=|>|<)(?!=)")
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A span of time the drill-down shows."""

    start: datetime
    """First instant (UTC)."""
    end: datetime
    """Last instant (UTC)."""
    label: str
    """How the range was asked for (``1h``, ``04:00..05:30``)."""

    @property
    def span(self) -> timedelta:
        """``end - start``."""
        return self.end - self.start

    def step_seconds(self, scrape_interval: float = 15.0, max_points: int = MAX_POINTS) -> float:
        """Step for the full-resolution fetch: one scrape, or coarser to stay under ``max_points``."""
        return float(max(scrape_interval, math.ceil(self.span.total_seconds() / max_points)))


def _moment(text: str, now: datetime) -> datetime:
    text = text.strip()
    if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text):
        hour, minute, *rest = (int(p) for p in text.split(":"))
        return now.astimezone(UTC).replace(
            hour=hour, minute=minute, second=rest[0] if rest else 0, microsecond=0
        )
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        # "now-2h" style and bare durations count back from now.
        ago = text.removeprefix("now").removeprefix("-").strip()
        if not ago:
            return now
        return now - parse_duration(ago)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_range(text: str, now: datetime) -> TimeRange:
    """``2h`` (the last two hours) or ``START..END`` (``04:00..05:30``, ISO times, ``3h..1h`` ago).

    Times without a zone are UTC. Raises ValueError with a message fit for the input line.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("empty range: expected e.g. 2h or 04:00..05:30")
    try:
        if ".." in raw:
            first, _, last = raw.partition("..")
            start, end = _moment(first, now), _moment(last or "now", now)
        else:
            start, end = now - parse_duration(raw), now
    except ValueError as error:
        raise ValueError(f"{raw!r}: {error}") from None
    if end <= start:
        raise ValueError(f"{raw!r}: the end must be after the start")
    return TimeRange(start, end, raw)


def downsample_minmax(
    timestamps: Sequence[float], values: Sequence[float | None], columns: int
) -> tuple[list[float], list[float]]:
    """At most two points per column (its min and its max, in time order), so spikes survive.

    None and NaN points are skipped; a column without values adds nothing (a gap).
    """
    if columns <= 0 or not timestamps:
        return [], []
    first, last = timestamps[0], timestamps[-1]
    width = (last - first) / columns or 1.0
    xs: list[float] = []
    ys: list[float] = []
    current = -1
    lo_t = hi_t = lo = hi = 0.0
    empty = True

    def flush() -> None:
        if empty:
            return
        if lo_t == hi_t:
            xs.append(lo_t)
            ys.append(lo)
        elif lo_t < hi_t:
            xs.extend((lo_t, hi_t))
            ys.extend((lo, hi))
        else:
            xs.extend((hi_t, lo_t))
            ys.extend((hi, lo))

    for ts, value in zip(timestamps, values, strict=False):
        if value is None or value != value:
            continue
        column = min(columns - 1, int((ts - first) / width))
        if column != current:
            flush()
            current, empty = column, False
            lo_t = hi_t = ts
            lo = hi = value
        elif value < lo:
            lo, lo_t = value, ts
        elif value > hi:
            hi, hi_t = value, ts
    flush()
    return xs, ys


def deviation(current: float | None, baseline: float | None, offset: str) -> str | None:
    """``+340% vs same time yesterday``; None when either value is missing or the baseline is zero."""
    if current is None or baseline is None or math.isnan(current) or math.isnan(baseline) or baseline == 0:
        return None
    change = (current - baseline) / abs(baseline) * 100
    words = BASELINE_WORDS.get(offset, f"{offset} ago")
    return f"{change:+.0f}% vs {words}"


def anomalies(
    values: Sequence[float | None], baseline: Sequence[float | None], tolerance: float = 0.25
) -> list[int]:
    """Columns where the value leaves the baseline's band.

    The band is the baseline ± the larger of ``tolerance`` of its value and twice the
    baseline's own spread (its standard deviation), so a noisy baseline does not flag noise.
    """
    finite = [b for b in baseline if b is not None and math.isfinite(b)]
    spread = 2 * statistics.pstdev(finite) if len(finite) > 1 else 0.0
    marked: list[int] = []
    for index, (value, base) in enumerate(zip(values, baseline, strict=False)):
        if value is None or base is None or not math.isfinite(value) or not math.isfinite(base):
            continue
        width = max(tolerance * abs(base), spread)
        if abs(value - base) > width:
            marked.append(index)
    return marked


@dataclass(frozen=True, slots=True)
class RuleThreshold:
    """A rule expression split at its top-level comparison with a number."""

    expr: str
    """The side that is a series (what to plot)."""
    op: str
    """The comparison, read as ``series OP value``."""
    value: float
    """The threshold."""


_FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}


def _top_level_comparisons(expr: str) -> list[re.Match[str]]:
    """Comparison operators outside parentheses, braces, brackets and strings."""
    masked = list(expr)
    depth = 0
    quote = ""
    for i, ch in enumerate(expr):
        if quote:
            masked[i] = " "
            if ch == quote and expr[i - 1] != "\\":
                quote = ""
            continue
        if ch in "\"'`":
            quote = ch
            masked[i] = " "
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth > 0:
            masked[i] = " "
    return list(_COMPARISON.finditer("".join(masked)))


def rule_threshold(expr: str) -> RuleThreshold | None:
    """``rate(x[5m]) > 0.05`` → plot ``rate(x[5m])`` with a line at 0.05; None without such a comparison."""
    found = _top_level_comparisons(expr)
    if len(found) != 1:
        return None
    match = found[0]
    left, right = expr[: match.start()].strip(), expr[match.end() :].strip()
    op = match.group(1)
    right = re.sub(r"^bool\s+", "", right)
    if re.fullmatch(_NUMBER, right):
        return RuleThreshold(left, op, float(right))
    if re.fullmatch(_NUMBER, left):
        return RuleThreshold(right, _FLIP[op], float(left))
    return None


def filter_series(labels: Sequence[dict[str, str]], legends: Sequence[str], text: str) -> list[int]:
    """Indexes of the series a filter keeps: matchers on labels, free words on legends and values.

    The filter is the alert filter's syntax (``code="500" service=~"check.*" eu``). Raises the
    matcher ParseError for a malformed filter.
    """
    parsed = parse_filter(text)
    indexes = list(range(len(labels)))
    if parsed.is_empty:
        return indexes
    texts = ["\x00".join((legends[i], *labels[i].values())).lower() for i in indexes]
    return parsed.select(
        indexes,
        lambda items, name: [labels[i].get(name, "") for i in items],
        lambda items: [texts[i] for i in items],
    )
