"""Share the values of decoded alerts: among one poll's alerts, across HA peers, and with the last poll.

A big ``/api/v2/alerts/groups`` body repeats itself: label values (``severity``, ``namespace``,
``team`` …), runbook links, receivers, timestamps of alerts re-sent together, and, from one poll
to the next, almost every alert. msgspec decodes each occurrence into a new object, so 55,000
alerts took ~2.4x the body in memory, and while a poll was decoded the previous one was still
alive: two copies of everything (issue 12: 476-601 MB for a 50 MB body).

:class:`AlertReuse` is applied to each group right after it is decoded (the duplicates it drops
are freed at once, one group at a time):

* an alert equal to the one of the same fingerprint in the last poll (or seen from another peer
  in this poll) is replaced by that object;
* otherwise its parts equal to that alert's (labels, annotations, status, receivers, link, start)
  are taken from it, and the rest is shared through interning (label values via
  :func:`sys.intern`, which forgets a string once nothing uses it; annotation values are mostly
  unique text, not worth hashing) and small caches (receivers, the common empty status).

Only equal values are ever swapped, so a reused alert is indistinguishable from the decoded one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import msgspec

from oncall_tui.models.alertmanager import Alert, AlertGroup, AlertStatus, Receiver

_ACTIVE = AlertStatus()
"""The status of almost every alert: active, nothing suppressing it."""

_intern = sys.intern


def _interned(values: dict[str, str]) -> dict[str, str]:
    # A new dict built at C speed (no Python loop per value); the decoded one is freed.
    return dict(zip(values, map(_intern, values.values()), strict=True))


class AlertReuse:
    """Replaces decoded alerts and groups by equal ones already in memory (see the module doc).

    One per Alertmanager source; wrap each poll (all peers of it) in :meth:`poll`.
    """

    def __init__(self) -> None:
        self._current: dict[str, Alert] = {}
        self._previous: dict[str, Alert] = {}
        self._receivers: dict[tuple[str, ...], list[Receiver]] = {}
        self._receiver: dict[str, Receiver] = {}

    def __len__(self) -> int:
        """Alerts of the last poll it can share with the next one."""
        return len(self._current)

    @contextmanager
    def poll(self) -> Iterator[None]:
        """One poll: its alerts are shared with the last poll's, which are let go of afterwards.

        A poll that fails keeps the last good one's alerts for the next poll.
        """
        previous, self._previous, self._current = self._current, self._current, {}
        try:
            yield
        except BaseException:
            self._current = previous
            raise
        finally:
            # Nothing of the older poll may outlive this one through here.
            self._previous = {}

    def group(self, group: AlertGroup) -> AlertGroup:
        """``group`` with its alerts, labels and receiver shared (its alert list is updated in place)."""
        alerts = group.alerts
        alerts[:] = map(self.alert, alerts)
        return msgspec.structs.replace(
            group, labels=_interned(group.labels), receiver=self._one_receiver(group.receiver)
        )

    def alert(self, alert: Alert) -> Alert:
        """An alert equal to ``alert``, sharing what it can with alerts already in memory."""
        fingerprint = alert.fingerprint
        known = self._current.get(fingerprint)
        if known is None:
            known = self._previous.get(fingerprint)
        if known is None:
            shared = msgspec.structs.replace(
                alert,
                labels=_interned(alert.labels),
                generator_url=_intern(alert.generator_url),
                receivers=self._receiver_list(alert.receivers),
                status=_ACTIVE if alert.status == _ACTIVE else alert.status,
            )
        elif known == alert:
            shared = known
        else:
            # Usually only the end and update times moved (the alert was re-sent): keep the rest.
            labels, annotations, status = alert.labels, alert.annotations, alert.status
            shared = msgspec.structs.replace(
                alert,
                fingerprint=known.fingerprint,
                labels=known.labels if known.labels == labels else _interned(labels),
                annotations=known.annotations if known.annotations == annotations else annotations,
                starts_at=known.starts_at if known.starts_at == alert.starts_at else alert.starts_at,
                generator_url=_intern(alert.generator_url),
                receivers=self._receiver_list(alert.receivers),
                status=known.status if known.status == status else _ACTIVE if status == _ACTIVE else status,
            )
        self._current[fingerprint] = shared
        return shared

    def _one_receiver(self, receiver: Receiver) -> Receiver:
        return self._receiver.setdefault(receiver.name, receiver)

    def _receiver_list(self, receivers: list[Receiver]) -> list[Receiver]:
        # Shared lists: nothing mutates an alert's receivers once decoded.
        key = (receivers[0].name,) if len(receivers) == 1 else tuple(r.name for r in receivers)
        found = self._receivers.get(key)
        if found is None:
            found = self._receivers[key] = [self._one_receiver(r) for r in receivers]
        return found


__all__ = ["AlertReuse"]
