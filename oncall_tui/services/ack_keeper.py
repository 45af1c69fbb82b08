"""Keep "ack until resolved" acks alive while their alerts fire, and let them lapse after.

An "ack until resolved" is an ordinary silence of ``until_resolved_step`` (30 min by
default) whose comment marker key starts with ``ackur-``. After each poll the keeper
looks at the app's own such silences:

* if at least one alert it covers is still in Alertmanager's list (still firing) and
  less than half of the step is left, it is extended to ``now + step`` through
  :meth:`AlertActions.extend_silence` (logged, outbox, new id recorded);
* a second copy of one ack (same marker; a retry after a request a stopped server had taken)
  is ended at once (:func:`duplicates`), so an ack is in force exactly once;
* if none of the alerts it was made for fires any more (the alert resolved; or what fires
  now under its matchers started after the ack: a new firing), it is ended at once
  (:func:`due_endings`), so a new firing is a new, un-acked alert. This also holds across a
  restart: the first poll after start ends the acks whose alerts resolved meanwhile.

Only the app's own silences are touched; other people's silences are never extended. Ending
is not limited to the running user's acks: "until resolved" means the same for everyone, and
expiring twice is harmless, while a colleague's app that is not running would leave the next
firing silenced.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from oncall_tui.domain.matchers import Matcher, selects
from oncall_tui.domain.silences import is_until_resolved_marker, marker_of
from oncall_tui.models.alertmanager import Alert, Silence
from oncall_tui.services.actions import ActionResult, AlertActions
from oncall_tui.services.alert_target import AlertTarget


def is_until_resolved(silence: Silence) -> bool:
    """The app's own "ack until resolved" silence (the same test as ``SilenceInfo.until_resolved``)."""
    return is_until_resolved_marker(marker_of(silence.comment))


def covered_firing(silence: Silence, alerts: Iterable[Alert]) -> list[Alert]:
    """Alerts of the poll the silence covers (Alertmanager's ``silencedBy``, or its matchers)."""
    matchers = [Matcher.from_silence(m) for m in silence.matchers]
    return [a for a in alerts if silence.id in a.status.silenced_by or selects(matchers, a.labels)]


def acked_firing(silence: Silence, alerts: Iterable[Alert]) -> list[Alert]:
    """Covered alerts that were already firing when the ack was made (a later start is a new firing)."""
    return [a for a in covered_firing(silence, alerts) if a.starts_at <= silence.starts_at]


def due_endings(silences: Sequence[Silence], alerts: Sequence[Alert]) -> list[Silence]:
    """The app's active until-resolved acks none of whose acked alerts fires any more: end them now.

    ``alerts`` must be a successful poll's (an empty list from a failed poll would end every ack).
    """
    return [
        s
        for s in silences
        if s.status.state == "active" and is_until_resolved(s) and not acked_firing(s, alerts)
    ]


def duplicates(silences: Sequence[Silence]) -> list[Silence]:
    """The app's silences that are a second copy of one action: same marker, both in force.

    A request to an Alertmanager that was stopped (it accepts, never answers) times out, the
    outbox finds no silence with the marker and sends again; when the server resumes it may
    apply both. The copy made first stays; the others are ended.
    """
    first: dict[str, Silence] = {}
    extra = []
    for silence in sorted(silences, key=lambda s: (s.starts_at, s.id)):
        marker = marker_of(silence.comment)
        if marker is None or silence.status.state == "expired":
            continue
        if marker in first:
            extra.append(silence)
        else:
            first[marker] = silence
    return extra


def due_extensions(
    silences: Sequence[Silence],
    alerts: Sequence[Alert],
    now: datetime,
    step: timedelta,
    created_by: str | None = None,
) -> list[Silence]:
    """The app's until-resolved silences to extend: active, an alert still firing, < half a step left.

    With ``created_by``, only that user's: two engineers running the app each keep their own
    acks alive instead of both extending every one.
    """
    due = []
    for silence in silences:
        if silence.status.state != "active" or not is_until_resolved(silence):
            continue
        if created_by is not None and silence.created_by != created_by:
            continue
        if silence.ends_at - now >= step / 2:
            continue
        if acked_firing(silence, alerts):
            due.append(silence)
    return due


class AckKeeper:
    """Runs :func:`due_extensions` after a poll and extends what is due."""

    def __init__(self, actions: AlertActions, step: timedelta) -> None:
        self._actions = actions
        self._step = step

    async def run_once(
        self,
        silences: Sequence[Silence],
        alerts: Sequence[Alert],
        now: datetime,
        shown: Iterable[tuple[Alert, str]] = (),
    ) -> list[ActionResult]:
        """End the acks whose alerts resolved, extend every due one; one result per change.

        ``silences`` and ``alerts`` are one successful poll's. ``shown`` pairs the alerts of the poll
        and the recently resolved ones with the group each was shown in: a change is logged in the
        incident of the ack's group (without it, in one of its own, named after the matchers).
        """

        # Matching every ack against 10,000s of alerts is pure Python: in a thread, keys stay answered.
        def due() -> list[tuple[Silence, AlertTarget | None, bool]]:
            copies = duplicates(silences)
            kept = [s for s in silences if s not in copies]
            ends = copies + due_endings(kept, alerts)
            extends = due_extensions(kept, alerts, now, self._step, created_by=self._actions.user)
            pairs = list(shown) if ends or extends else []
            return [(s, target_of(s, pairs), True) for s in ends] + [
                (s, target_of(s, pairs), False) for s in extends
            ]

        results = []
        for silence, target, ending in await asyncio.to_thread(due):
            if ending:
                # Logged and sent like any expiry (the outbox retries it if Alertmanager is down).
                results.append(await self._actions.expire_silence(silence, target=target))
                continue
            # One extension per silence and current end: a keeper running again before the next
            # poll shows the new end maps to the same outbox item instead of extending twice.
            key = f"keep-{silence.id}-{int(silence.ends_at.timestamp())}"
            results.append(
                await self._actions.extend_silence(
                    silence, duration=self._step, dedup_key=key, automatic=True, target=target
                )
            )
        return results


def target_of(silence: Silence, shown: Sequence[tuple[Alert, str]]) -> AlertTarget | None:
    """The alerts of one group the silence covers (the first such group), or None if it covers none shown."""
    covered = covered_firing(silence, (alert for alert, _ in shown))
    if not covered:
        return None
    group_of = {id(alert): group for alert, group in shown}
    group = group_of[id(covered[0])]
    alerts = tuple(a for a in covered if group_of[id(a)] == group)
    return AlertTarget(group, {}, alerts)
