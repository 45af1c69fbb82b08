"""Apdex and SLO error-budget arithmetic, and the PromQL the ``apdex`` and ``slo`` panels poll.

Pure functions.

**Apdex** (Apdex Alliance technical specification): with a target time T, a sample is satisfied
when at most T, tolerating when over T and at most F = 4T, frustrated beyond F, and
``Apdex_T = (satisfied + tolerating / 2) / total``. The spec reports the score with two decimals
and rates it on that rounded value: excellent 0.94–1.00, good 0.85–0.93, fair 0.70–0.84, poor
0.50–0.69, unacceptable below 0.50. With no samples there is no score (the spec's "NS").

**Burn rate** (Google SRE workbook, "Alerting on SLOs"): how many times faster than allowed the
error budget ``1 - objective`` is being spent, ``error ratio / (1 - objective)``; a burn of 1
spends exactly the budget over the SLO window. For a 30-day window the workbook's multi-window
thresholds are a burn above 14.4 over 1 h (2% of the budget in an hour) and above 6 over 6 h (5%
in six hours). The workbook pages on both and files a ticket for a burn of 1 over 3 days; an
on-call panel needs the two told apart, so here, as issue 9 specifies, above 14.4 over 1 h is
``page`` (act now) and above 6 over 6 h is ``ticket`` (act today). **Budget left** is
``1 - error ratio over the SLO window / budget``: 1 untouched, 0 spent, negative overspent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from oncall_tui.domain import promql

ApdexBand = Literal["excellent", "good", "fair", "poor", "unacceptable"]
"""Apdex rating of a score."""

BurnLevel = Literal["page", "ticket", "ok"]
"""How urgent an SLO's current burn is."""

TOLERATING_FACTOR = 4.0
"""F = 4T: the spec's frustration threshold as a multiple of T."""

_BANDS: tuple[tuple[Decimal, ApdexBand], ...] = (
    (Decimal("0.94"), "excellent"),
    (Decimal("0.85"), "good"),
    (Decimal("0.70"), "fair"),
    (Decimal("0.50"), "poor"),
)

PAGE_BURN_RATE = 14.4
"""Burn rate over :data:`PAGE_WINDOW` at which the SLO needs someone now."""
PAGE_WINDOW = timedelta(hours=1)
"""Window of the fast-burn check."""
TICKET_BURN_RATE = 6.0
"""Burn rate over :data:`TICKET_WINDOW` at which the SLO needs someone today."""
TICKET_WINDOW = timedelta(hours=6)
"""Window of the slow-burn check."""

# Burn rates are quotients of floats (0.0144 / 0.001 = 14.399999999999999): compare with slack.
_RELATIVE_SLACK = 1e-9


def apdex_band(score: float) -> ApdexBand:
    """The rating of ``score`` after rounding it to two decimals (half up), as the spec reports it."""
    rounded = Decimal(repr(score)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    for floor, band in _BANDS:
        if rounded >= floor:
            return band
    return "unacceptable"


@dataclass(frozen=True, slots=True)
class Apdex:
    """An Apdex score and the counts it was computed from."""

    satisfied: float
    """Samples at most T (or their rate)."""
    tolerating: float
    """Samples over T and at most F."""
    total: float
    """All samples."""

    @property
    def frustrated(self) -> float:
        """Samples over F."""
        return max(0.0, self.total - self.satisfied - self.tolerating)

    @property
    def score(self) -> float | None:
        """``(satisfied + tolerating / 2) / total``; None when there are no samples."""
        if not self.total > 0:
            return None
        return min(1.0, max(0.0, (self.satisfied + self.tolerating / 2) / self.total))

    @property
    def band(self) -> ApdexBand | None:
        """The score's rating; None when there is no score."""
        score = self.score
        return None if score is None else apdex_band(score)


def count_at_most(buckets: Iterable[tuple[float, float]], bound: float) -> float:
    """Samples at most ``bound`` in a classic histogram's cumulative ``(le, count)`` buckets.

    Exact when ``bound`` is a bucket's ``le``; between two bounds it interpolates linearly, as
    ``histogram_quantile`` does (the first bucket starts at 0). Beyond the largest finite bound
    only that bucket's count is known to be at most ``bound``, so that is the answer. Counts that
    go down with ``le`` (rates of counters scraped at different moments) are raised to the running
    maximum, as Prometheus does.
    """
    ordered = _monotonic(buckets)
    previous_le, previous_count = 0.0, 0.0
    for le, count in ordered:
        if math.isinf(le):
            break
        if math.isclose(le, bound, rel_tol=1e-9):
            return count
        if le > bound:
            if bound <= previous_le:
                return previous_count
            share = (bound - previous_le) / (le - previous_le)
            return previous_count + (count - previous_count) * share
        previous_le, previous_count = le, count
    return previous_count


def _monotonic(buckets: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    ordered = sorted((le, count) for le, count in buckets if not math.isnan(le) and math.isfinite(count))
    result: list[tuple[float, float]] = []
    highest = 0.0
    for le, count in ordered:
        highest = max(highest, count)
        result.append((le, highest))
    return result


def apdex_from_buckets(
    buckets: Iterable[tuple[float, float]], satisfied: float, tolerating: float | None = None
) -> Apdex:
    """Apdex of a latency histogram's cumulative ``(le, count)`` buckets (``le`` may be ``inf``).

    ``satisfied`` is T in the histogram's unit; ``tolerating`` is F, 4T when None. The total is
    the ``+Inf`` bucket, or the largest bucket's count when the buckets stop short of it.
    """
    if not satisfied > 0:
        raise ValueError("satisfied (T) must be positive")
    frustrated_at = TOLERATING_FACTOR * satisfied if tolerating is None else tolerating
    if not frustrated_at > satisfied:
        raise ValueError("tolerating (F) must be greater than satisfied (T)")
    ordered = _monotonic(buckets)
    total = ordered[-1][1] if ordered else 0.0
    at_t = count_at_most(ordered, satisfied)
    at_f = count_at_most(ordered, frustrated_at)
    return Apdex(satisfied=at_t, tolerating=max(0.0, at_f - at_t), total=total)


# --- SLO error budget ---------------------------------------------------------------------------


def error_budget(objective: float) -> float:
    """The share of events allowed to fail: ``1 - objective`` (0.001 for 99.9%)."""
    if not 0 < objective < 1:
        raise ValueError(f"objective must be between 0 and 1 exclusive (got {objective!r})")
    return 1 - objective


def burn_rate(error_ratio: float, objective: float) -> float:
    """How many times faster than allowed the budget is spent at ``error_ratio``."""
    return error_ratio / error_budget(objective)


def budget_left(error_ratio_over_slo_window: float, objective: float) -> float:
    """Share of the SLO window's budget not yet spent (negative once overspent)."""
    return 1 - burn_rate(error_ratio_over_slo_window, objective)


def _above(value: float, threshold: float) -> bool:
    # Strictly above, as in the workbook's rules (``> 14.4 * 0.001``); float noise at it is not above.
    return value > threshold * (1 + _RELATIVE_SLACK)


@dataclass(frozen=True, slots=True)
class SloStatus:
    """What an ``slo`` panel shows."""

    burn_1h: float | None
    """Burn rate over the last hour; None without data."""
    burn_6h: float | None
    """Burn rate over the last six hours; None without data."""
    budget_left: float | None
    """Share of the SLO window's error budget left; None without data."""

    @property
    def level(self) -> BurnLevel:
        """``page``: 1 h burn over 14.4; else ``ticket``: 6 h burn over 6; else ``ok``."""
        if self.burn_1h is not None and _above(self.burn_1h, PAGE_BURN_RATE):
            return "page"
        if self.burn_6h is not None and _above(self.burn_6h, TICKET_BURN_RATE):
            return "ticket"
        return "ok"


def _usable(ratio: float | None) -> float | None:
    return ratio if ratio is not None and math.isfinite(ratio) else None


def slo_status(
    ratio_1h: float | None, ratio_6h: float | None, ratio_slo_window: float | None, objective: float
) -> SloStatus:
    """The panel's figures from the error ratios over 1 h, 6 h and the SLO window (None/NaN = no data)."""
    r1, r6, rw = _usable(ratio_1h), _usable(ratio_6h), _usable(ratio_slo_window)
    return SloStatus(
        burn_1h=None if r1 is None else burn_rate(r1, objective),
        burn_6h=None if r6 is None else burn_rate(r6, objective),
        budget_left=None if rw is None else budget_left(rw, objective),
    )


# --- PromQL ---------------------------------------------------------------------------------------


def _number(value: float) -> str:
    # 12 significant digits drop float noise (1 - 0.999 = 0.0010000000000000009 → 0.001).
    return format(value, ".12g")


def error_ratio_over(error_ratio: str, window: timedelta) -> str:
    """An ``slo`` panel's ``error_ratio`` with ``$window`` set to ``window``."""
    return promql.substitute(error_ratio, {"window": promql.prom_duration(window)})


def burn_rate_query(error_ratio: str, objective: float, window: timedelta) -> str:
    """PromQL of the burn rate over ``window``: the error ratio over it divided by the budget."""
    return f"({error_ratio_over(error_ratio, window)}) / {_number(error_budget(objective))}"


def budget_left_query(error_ratio: str, objective: float, slo_window: timedelta) -> str:
    """PromQL of the share of the error budget left over the SLO window."""
    return f"1 - ({error_ratio_over(error_ratio, slo_window)}) / {_number(error_budget(objective))}"


def apdex_query(
    histogram: str,
    satisfied: float,
    tolerating: float | None = None,
    selector: str = "",
    rate_window: timedelta = timedelta(minutes=5),
) -> str:
    """PromQL of an ``apdex`` panel: classic ``_bucket{le=T}``/``{le=4T}`` rates or native
    ``histogram_fraction``, whichever the server has (see :func:`oncall_tui.domain.promql.apdex`)."""
    frustrated_at = TOLERATING_FACTOR * satisfied if tolerating is None else tolerating
    return promql.apdex(histogram, satisfied, frustrated_at, selector, rate_window)
