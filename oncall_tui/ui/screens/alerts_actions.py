"""The Alerts screen's keys that act on alerts: ack, unack, escalate, silence, and the way to traces.

Each action goes through the alert session's ``perform`` (log first, outbox, then send); these
handlers only pick the targets, ask what the action needs (a dialog) and mark the rows pending.
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text

from oncall_tui.domain.alert_queue import AlertRow, GroupRow, ack_matchers_for_alert
from oncall_tui.domain.escalation import current_level, next_level, select_policy
from oncall_tui.domain.matchers import Matcher, MatchType, format_matchers
from oncall_tui.services.actions import AlertTarget
from oncall_tui.services.alert_history import History
from oncall_tui.services.alert_requests import AckAlerts, CreateSilence, EscalateAlerts, UnackAlerts
from oncall_tui.services.alert_session import AlertSession
from oncall_tui.ui.screens.base import OncallScreen
from oncall_tui.ui.screens.modals import AckModal, AckRequest, ConfirmModal, SilenceEditor, SilenceRequest
from oncall_tui.ui.widgets.alert_table import AlertTable


class AlertActionKeys(OncallScreen):
    """Base of the Alerts screen: its action keys (the screen itself draws the queue and the detail)."""

    _history: dict[str, tuple[float, History]]
    """Firing history per alert key, with when it was fetched (the screen fills it)."""

    @property
    def feed(self) -> AlertSession:
        return self.oncall_app.alert_feed

    @property
    def table(self) -> AlertTable:
        return self.query_one(AlertTable)

    def apply_view(self) -> None:
        """Recompute the view and update the table (the screen implements it)."""
        raise NotImplementedError

    # --- actions -----------------------------------------------------------------------------

    def _targets(self) -> tuple[list[AlertTarget], list[AlertRow]] | None:
        """What an action applies to: the selection, else the highlighted alert or group."""
        table = self.table
        rows = table.selected_rows()
        if not rows:
            current = table.current
            if current is None:
                self.notify("No alert highlighted.", severity="warning", timeout=3)
                return None
            rows = list(current.acted_on) if isinstance(current, GroupRow) else [current]
        return AlertTarget.of_rows(rows), rows

    def action_ack(self) -> None:
        if self.refuse_if_read_only("ack"):
            return
        picked = self._targets()
        if picked is None:
            return
        targets, rows = picked
        settings = self.feed.settings.alerts
        app = self.oncall_app
        universe = self.feed.state.snapshot.alerts() if self.feed.state.snapshot else []

        def run(request: AckRequest) -> AckAlerts:
            return AckAlerts(
                tuple(targets),
                duration=request.duration,
                ends_at=request.ends_at,
                comment=request.comment,
                until_resolved=request.until_resolved,
                universe=universe,
            )

        def rejected(request: AckRequest) -> None:
            # A bad duration still goes through the action service: logged if the group has an open incident.
            self.feed.perform("ack", [], run(request))

        def done(request: AckRequest | None) -> None:
            if request is None:
                return
            if self.feed.perform("ack", [r.key for r in rows], run(request)):
                self.table.selected.clear()
                self.apply_view()

        names = [f"{r.alert.alertname} {r.alert.labels.get('instance', '')}".strip() for r in rows]
        self.app.push_screen(
            AckModal(
                names,
                default_duration=settings.ack.default_duration,
                until_resolved=settings.ack.until_resolved,
                now=app.clock.now,
                rejected=rejected,
            ),
            done,
        )

    def action_unack(self) -> None:
        if self.refuse_if_read_only("unack"):
            return
        picked = self._targets()
        if picked is None:
            return
        targets, rows = picked
        acked = [t for t in targets if t.ack_ids]
        if not acked:
            others = [s for r in rows for s in r.silences if not s.is_ack]
            if others:
                self.notify(
                    f"Silenced by {others[0].created_by}, not acked here: "
                    "expire it on the Silences screen (L).",
                    severity="warning",
                    timeout=8,
                )
            else:
                self.notify("Not acked: nothing to unack.", severity="warning", timeout=4)
            return
        keys = [r.key for r in rows] + [sid for t in acked for sid in t.ack_ids]

        self.feed.perform("unack", keys, UnackAlerts(tuple(acked)))

    def action_escalate(self) -> None:
        if self.refuse_if_read_only("escalate"):
            return
        current = self.table.current
        if current is None:
            self.notify("No alert highlighted.", severity="warning", timeout=3)
            return
        if isinstance(current, GroupRow):
            targets = AlertTarget.of_rows(current.acted_on)
        else:
            targets = [AlertTarget.of_row(current)]
        settings = self.feed.settings.alerts
        lines = Text()
        for target in targets:
            chosen = select_policy(settings, target.alerts)
            lines.append(f"{target.title}\n", style="bold")
            if chosen is None:
                lines.append("  no escalation policy applies (see [alerts.escalation_policies])\n")
                continue
            name, policy = chosen
            following = next_level(policy, current_level(self.feed.state.escalations.get(target.group_key)))
            if following is None:
                lines.append(f"  already at the last level of {name}\n")
                continue
            step, nxt = following
            lines.append(
                f"  policy {name}: to level {step + 1} “{nxt.name}”, notifying {', '.join(nxt.targets)}\n"
            )

        def done(yes: bool | None) -> None:
            if not yes:
                return
            self.feed.escalated.update(t.group_key for t in targets)
            fingerprints = [a.fingerprint for t in targets for a in t.alerts]
            self.feed.perform("escalate", fingerprints, EscalateAlerts(tuple(targets)))

        self.app.push_screen(ConfirmModal("Escalate?", lines), done)

    def action_copy_link(self) -> None:
        """Copy the highlighted alert's runbook link, else its source (generator) link."""
        from oncall_tui.ui.widgets.alert_detail import RUNBOOK_KEYS

        current = self.table.current
        if not isinstance(current, AlertRow):
            self.notify("No alert highlighted.", severity="warning", timeout=3)
            return
        annotations = current.alert.annotations
        link = next((annotations[k] for k in RUNBOOK_KEYS if annotations.get(k)), "")
        link = link or current.alert.generator_url or ""
        if not link:
            self.notify("This alert has no link to copy.", severity="warning", timeout=3)
            return
        self.app.copy_to_clipboard(link)
        self.notify(f"copied: {link}", title="Clipboard", timeout=4, markup=False)

    def action_traces(self) -> None:
        """Trace search for the highlighted alert's service, from 15 min before it fired until now."""
        row = self.table.current
        app = self.oncall_app
        if not isinstance(row, AlertRow):
            app.show_screen("traces")
            return
        labels = row.alert.labels
        service = labels.get("service") or labels.get("job") or None
        start = row.alert.starts_at - timedelta(minutes=15)
        app.open_trace_search(service, start, app.clock.now())

    def action_exemplar_trace(self) -> None:
        """Open the newest trace linked by an exemplar of the highlighted alert's expression."""
        row = self.table.current
        cached = self._history.get(row.key) if isinstance(row, AlertRow) else None
        if cached is None:
            self.notify("open the alert's detail (enter) to look up its exemplars first", timeout=4)
            return
        history = cached[1]
        if not history.traces:
            self.notify(history.traces_note or "no exemplar traces for this alert", timeout=4)
            return
        self.oncall_app.open_trace(history.traces[0].trace_id)

    def action_new_silence(self) -> None:
        if self.refuse_if_read_only("a new silence"):
            return
        row = self.table.current
        matchers: list[Matcher] = []
        if isinstance(row, AlertRow):
            matchers = list(ack_matchers_for_alert(row.alert))
        elif isinstance(row, GroupRow):
            matchers = [Matcher(k, MatchType.EQUAL, v) for k, v in row.labels.items()]
        open_silence_editor(self, format_matchers(matchers)[1:-1] if matchers else "")


def open_silence_editor(screen: OncallScreen, matchers: str) -> None:
    """Push the silence editor; create the silence through the action service when confirmed."""
    app = screen.oncall_app
    feed = app.alert_feed
    snapshot = feed.state.snapshot
    alerts = snapshot.alerts() if snapshot is not None else []

    def done(request: SilenceRequest | None) -> None:
        if request is None:
            return
        silence = CreateSilence(
            tuple(request.matchers),
            duration=request.duration,
            ends_at=request.ends_at,
            comment=request.comment,
        )
        feed.perform("silence", [], silence)

    screen.app.push_screen(
        SilenceEditor(
            alerts,
            matchers=matchers,
            default_duration=feed.settings.alerts.ack.default_duration,
            now=app.clock.now,
        ),
        done,
    )
