"""The alerts an action is about (:class:`AlertTarget`), and the incident it is logged in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from oncall_tui.domain.alert_rows import AlertRow, GroupRow
from oncall_tui.domain.severity import NONE
from oncall_tui.models.alertmanager import Alert
from oncall_tui.services.action_engine import Subject


@dataclass(frozen=True, slots=True)
class AlertTarget:
    """The alerts an action is about: one alert, a group, or one group's part of a multi-selection."""

    group_key: str
    """Key of the Alertmanager group (the incident's group key)."""
    group_labels: Mapping[str, str]
    """Its group-by labels."""
    alerts: tuple[Alert, ...]
    """The alerts."""
    severity: str = NONE
    """Highest severity among them."""
    ack_ids: tuple[str, ...] = ()
    """Ids of the app's ack silences covering them (what unack expires)."""

    @property
    def title(self) -> str:
        """``Host_Down on server1`` / ``Host_Down (cluster=prod)``: the incident title."""
        names = sorted({a.alertname or "alert" for a in self.alerts}) or ["alert"]
        head = names[0] if len(names) == 1 else f"{names[0]} +{len(names) - 1}"
        if len(self.alerts) == 1:
            where = self.alerts[0].labels.get("instance") or self.alerts[0].labels.get("job")
            return f"{head} on {where}" if where else head
        extra = ", ".join(f"{k}={v}" for k, v in self.group_labels.items() if k != "alertname")
        return f"{head} ({extra})" if extra else head

    @property
    def fingerprints(self) -> tuple[str, ...]:
        """Fingerprints of its alerts."""
        return tuple(a.fingerprint for a in self.alerts)

    def subject(self) -> Subject:
        """The incident an action on these alerts is logged in: the group's."""
        return Subject(self.group_key, self.title, self.severity, self.fingerprints)

    @classmethod
    def of_row(cls, row: AlertRow) -> AlertTarget:
        """One alert."""
        return cls(
            row.group_key,
            dict(row.group_labels),
            (row.alert,),
            row.severity,
            tuple(s.silence_id for s in row.acks),
        )

    @classmethod
    def of_group(cls, group: GroupRow, *, include_suppressed: bool = False) -> AlertTarget:
        """A group's alerts (active ones unless ``include_suppressed``)."""
        rows = group.alerts if include_suppressed else group.acted_on
        return cls._of_rows(rows, group.key, dict(group.labels))

    @classmethod
    def of_rows(cls, rows: Iterable[AlertRow]) -> list[AlertTarget]:
        """A multi-selection, one target per Alertmanager group (each gets its own incident)."""
        by_group: dict[str, list[AlertRow]] = {}
        for row in rows:
            by_group.setdefault(row.group_key, []).append(row)
        return [
            cls._of_rows(members, key, dict(members[0].group_labels)) for key, members in by_group.items()
        ]

    @classmethod
    def _of_rows(cls, rows: Sequence[AlertRow], fallback_key: str, labels: dict[str, str]) -> AlertTarget:
        keys = {r.group_key for r in rows}
        if len(keys) == 1:
            # A group the user made (group by label) that is one Alertmanager group keeps that
            # group's incident; one spanning several gets an incident of its own.
            key = keys.pop()
            labels = dict(rows[0].group_labels)
        else:
            key = fallback_key
        top = max(rows, key=lambda r: r.rank, default=None)
        return cls(
            key,
            labels,
            tuple(r.alert for r in rows),
            top.severity if top is not None else NONE,
            tuple(dict.fromkeys(s.silence_id for r in rows for s in r.acks)),
        )


__all__ = ["AlertTarget"]
