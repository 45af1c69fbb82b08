"""An alert's past: its firing history from Prometheus, and the traces its rule's exemplars link.

The history is Prometheus' ``ALERTS`` series of the alert (``ALERTS_FOR_STATE`` when
``ALERTS`` has none) over the last 24 h, per minute: 1 while it fired, 0.5 while pending
(``max_over_time`` over each minute, so a firing shorter than the step is not missed). It
is also cut into firings, each with its start and end, the current one starting when the
alert says it did (so "Started 1m ago" and the history agree). When the query fails, the
History says why instead of raising.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.domain.durations import format_age
from oncall_tui.domain.exemplars import (
    ExemplarTrace,
    expression_from_generator_url,
    is_about_errors,
    newest_traces,
)
from oncall_tui.domain.matchers import quote
from oncall_tui.errors import OncallError
from oncall_tui.models.prometheus import RangeSeries

HISTORY_WINDOW = timedelta(hours=24)
"""How far back the firing history goes."""
HISTORY_STEP = timedelta(minutes=1)
"""Resolution of the history query (1441 points; the sparkline folds them to its width, keeping maxima)."""
FIRINGS_SHOWN = 4
"""Firings listed one per line under the sparkline, newest first."""


@dataclass(frozen=True, slots=True)
class Firing:
    """One period the alert fired."""

    start: datetime
    """When it started firing (UTC; to the history's step, or exact for the current firing)."""
    end: datetime | None
    """When it stopped (UTC); None while it still fires."""

    def duration(self, now: datetime) -> timedelta:
        """How long it fired (until ``now`` for the current firing)."""
        return (self.end or now) - self.start


@dataclass(frozen=True, slots=True)
class History:
    """The firing history of one alert, or why there is none."""

    values: tuple[float, ...] = ()
    """One value per step, oldest first: 1 firing, 0.5 pending, 0 quiet."""
    start: datetime | None = None
    """Time of the first value (the left end of the sparkline's time axis)."""
    end: datetime | None = None
    """Time of the last value ("now" at the right end of the axis)."""
    firings: tuple[Firing, ...] = ()
    """Each firing in the window, oldest first."""
    note: str = ""
    """Summary line, or the reason the history is missing."""
    ok: bool = True
    """False when Prometheus was absent or failed (the note says why)."""
    traces: tuple[ExemplarTrace, ...] = ()
    """Traces linked by exemplars of the alert's expression, the one ``x`` opens first."""
    traces_note: str = ""
    """What the exemplar lookup found, or why it found nothing."""


def _belongs(series: RangeSeries, labels: Mapping[str, str]) -> bool:
    # ALERTS carries the rule's labels; Alertmanager adds external labels, so the series' are a subset.
    return all(labels.get(k) == v for k, v in series.metric.items() if k not in ("__name__", "alertstate"))


def fold_history(series: Sequence[RangeSeries], start: datetime, steps: int, step: timedelta) -> list[float]:
    """Per step: 1 if any matching series fired, 0.5 if only pending, else 0."""
    values = [0.0] * steps
    origin = start.timestamp()
    width = step.total_seconds()
    for item in series:
        level = 0.5 if item.metric.get("alertstate") == "pending" else 1.0
        for ts in item.timestamps:
            index = round((ts - origin) / width)
            if 0 <= index < steps:
                values[index] = max(values[index], level)
    return values


def firings_of(
    values: Sequence[float], start: datetime, step: timedelta, started: datetime | None = None
) -> list[Firing]:
    """The firing periods in the folded values, oldest first.

    A run of firing steps from ``i`` to ``j`` fired from step ``i`` until step ``j + 1`` (the
    value at a step covers the step before it). A run reaching the last step is still firing
    (``end`` None). ``started`` is the current firing's start as Alertmanager reports it: it
    replaces the coarser start of the last run when it falls inside or just before that run,
    and opens a firing of its own when the history has not caught up with it yet.
    """
    out: list[Firing] = []
    run_start: int | None = None
    last = len(values) - 1
    for i, value in enumerate(values):
        if value >= 1.0 and run_start is None:
            run_start = i
        if run_start is not None and (value < 1.0 or i == last):
            ended = value < 1.0
            begin = start + step * max(run_start - 1, 0)
            out.append(Firing(begin, start + step * i if ended else None))
            run_start = None
    if started is None:
        return out
    current = out[-1] if out and out[-1].end is None else None
    if current is None:
        previous_end = out[-1].end if out else None
        if previous_end is None or started >= previous_end:
            out.append(Firing(started, None))
    elif started < current.start + step:
        earlier_end = out[-2].end if len(out) > 1 else None
        if earlier_end is None or started >= earlier_end:
            out[-1] = Firing(started, None)
    return out


def describe_firings(firings: Sequence[Firing], now: datetime) -> str:
    """``fired 3 times, 52m in total over the last 24 h`` and one line per recent firing (local time)."""
    if not firings:
        return "did not fire in the last 24 h"
    times = "once" if len(firings) == 1 else f"{len(firings)} times"
    total = sum((f.duration(now) for f in firings), timedelta())
    lines = [f"fired {times}, {format_age(total)} in total over the last 24 h"]
    today = now.astimezone().date()

    def clock(moment: datetime, day: date = today) -> str:
        local = moment.astimezone()
        return f"{local:%H:%M}" if local.date() == day else f"{local:%a %H:%M}"

    for firing in reversed(firings[-FIRINGS_SHOWN:]):
        took = format_age(firing.duration(now))
        if firing.end is None:
            lines.append(f"  since {clock(firing.start)} ({took}, firing now)")
        else:
            end = clock(firing.end, firing.start.astimezone().date())
            lines.append(f"  {clock(firing.start)}–{end} ({took})")
    if len(firings) > FIRINGS_SHOWN:
        lines.append(f"  and {len(firings) - FIRINGS_SHOWN} earlier")
    return "\n".join(lines)


EXEMPLAR_WINDOW = timedelta(hours=1)
"""How far back exemplars of the alert's expression are looked up (Prometheus keeps few)."""


async def fetch_history(
    client: PrometheusClient,
    labels: Mapping[str, str],
    now: datetime,
    generator_url: str = "",
    started: datetime | None = None,
) -> History:
    """The alert's firing history over the last 24 h, and the traces its expression's exemplars link.

    ``started`` is the current firing's start (the alert's ``startsAt``), None for an alert
    that no longer fires.
    """
    history = await _firing_history(client, labels, now, started)
    traces, note = await fetch_exemplar_traces(client, generator_url, now, labels.get("alertname", ""))
    return replace(history, traces=traces, traces_note=note)


async def fetch_exemplar_traces(
    client: PrometheusClient, generator_url: str, now: datetime, alertname: str = ""
) -> tuple[tuple[ExemplarTrace, ...], str]:
    """Exemplar traces of the rule expression named in ``generatorURL``, with a one-line note.

    For an expression about failed requests, traces of failed requests come first.
    """
    expression = expression_from_generator_url(generator_url)
    if expression is None:
        return (), "no rule expression in the generator URL: no exemplar traces"
    try:
        result = await client.exemplars(expression, now - EXEMPLAR_WINDOW, now)
    except OncallError as exc:
        return (), f"exemplars unavailable: {exc.message}"
    about_errors = is_about_errors(expression, alertname)
    traces = tuple(newest_traces(result, prefer_errors=about_errors))
    if not traces:
        return (), "no exemplars for the rule's expression in the last hour"
    return traces, exemplar_note(traces, about_errors)


def exemplar_note(traces: Sequence[ExemplarTrace], about_errors: bool) -> str:
    """``20 traces from exemplars, 6 of failed requests · x opens the newest failed one · X lists them``."""
    failed = sum(1 for t in traces if t.error)
    found = f"{len(traces)} trace{'s' if len(traces) != 1 else ''} from exemplars"
    if failed:
        found += f", {failed} of failed requests"
    elif about_errors:
        found += ", none of a failed request"
    opens = "the newest failed one" if about_errors and failed else "the newest"
    return f"{found} · x opens {opens} · X lists them"


async def _firing_history(
    client: PrometheusClient, labels: Mapping[str, str], now: datetime, started: datetime | None
) -> History:
    """Query ``ALERTS`` (then ``ALERTS_FOR_STATE``) for the alert over the last 24 h."""
    # Whole steps, so the same minute is asked for on every refresh (and Prometheus can cache).
    step = HISTORY_STEP.total_seconds()
    end = datetime.fromtimestamp(now.timestamp() // step * step, now.tzinfo)
    start = end - HISTORY_WINDOW
    steps = int(HISTORY_WINDOW / HISTORY_STEP) + 1
    name = labels.get("alertname", "")
    window = f"{int(step)}s"
    for metric in ("ALERTS", "ALERTS_FOR_STATE"):
        query = f"max_over_time({metric}{{alertname={quote(name)}}}[{window}])"
        try:
            result = await client.query_range(query, start, end, HISTORY_STEP)
        except OncallError as exc:
            return History(note=f"history unavailable: Prometheus: {exc.message}", ok=False)
        mine = [s for s in result.matrix if _belongs(s, labels)]
        if mine:
            values = fold_history(mine, start, steps, HISTORY_STEP)
            firings = firings_of(values, start, HISTORY_STEP, started)
            return History(
                values=tuple(values),
                note=f"{describe_firings(firings, now)}\n({metric}, per minute)",
                start=start,
                end=end,
                firings=tuple(firings),
            )
    firings = [Firing(started, None)] if started is not None else []
    return History(
        note="no ALERTS series for this alert in Prometheus (its rule may run elsewhere)",
        firings=tuple(firings),
    )
