"""The Alerts screen's keys that act on alerts: ack, unack, escalate, silence, and the way to traces.

Each action goes through the alert session's ``perform`` (log first, outbox, then send); these
handlers only pick the targets, ask what the action needs (a dialog) and mark the rows pending.
"""

from __future__ import annotations

from datetime import timedelta

from oncall_tui.domain.alert_queue import AlertRow, GroupRow, ack_matchers_for_alert
from oncall_tui.domain.escalation import current_level, next_level, select_policy
from oncall_tui.domain.matchers import Matcher, MatchType, format_matchers
from oncall_tui.services.actions import AlertTarget
from oncall_tui.services.alert_history import History
from oncall_tui.services.alert_requests import AckAlerts, CreateSilence, EscalateAlerts, UnackAlerts
from oncall_tui.services.alert_session import AlertSession
from oncall_tui.ui.exemplar_jump import jump_to_exemplar
from oncall_tui.ui.screens.base import OncallScreen
from oncall_tui.ui.screens.escalate_modal import EscalateModal, EscalateRequest, EscalationPlan
from oncall_tui.ui.screens.modals import AckModal, AckRequest, ConfirmModal, describe_ack
from oncall_tui.ui.screens.runbook_open import screen_for_alert
from oncall_tui.ui.screens.silence_editor import SilenceEditor, SilenceRequest
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

        # Acks by someone else: shown in the dialog, and replacing them is asked for separately.
        now = app.clock.now()
        theirs = {s.silence_id: s for r in rows for s in r.acks if s.created_by != self.feed.settings.user}
        existing = [describe_ack(s, now) for s in theirs.values()]

        def run(request: AckRequest, replacing: tuple[str, ...] = ()) -> AckAlerts:
            return AckAlerts(
                tuple(targets),
                duration=request.duration,
                ends_at=request.ends_at,
                comment=request.comment,
                until_resolved=request.until_resolved,
                universe=universe,
                replacing=replacing,
                not_actionable=request.not_actionable,
            )

        def rejected(request: AckRequest) -> None:
            # A bad duration still goes through the action service: logged if the group has an open incident.
            self.feed.perform("ack", [], run(request))

        def perform(request: AckRequest) -> None:
            if self.feed.perform("ack", [r.key for r in rows], run(request, tuple(theirs))):
                self.table.selected.clear()
                self.apply_view()

        def done(request: AckRequest | None) -> None:
            if request is None:
                return
            if not theirs:
                perform(request)
                return
            body = "\n".join(existing) + "\n\nYour ack replaces it: their silence is expired."
            self.app.push_screen(
                ConfirmModal("Replace the existing ack?", body),
                lambda yes: perform(request) if yes else self.notify("Ack kept as it was.", timeout=3),
            )

        names = [f"{r.alert.alertname} {r.alert.labels.get('instance', '')}".strip() for r in rows]
        self.app.push_screen(
            AckModal(
                names,
                default_duration=settings.ack.default_duration,
                until_resolved=settings.ack.until_resolved,
                now=app.clock.now,
                rejected=rejected,
                existing=existing,
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
        plans = []
        for target in targets:
            chosen = select_policy(settings, target.alerts)
            if chosen is None:
                line = "no escalation policy applies (see [alerts.escalation_policies])"
                plans.append(EscalationPlan(target.title, line, False))
                continue
            name, policy = chosen
            following = next_level(policy, current_level(self.feed.state.escalations.get(target.group_key)))
            if following is None:
                plans.append(EscalationPlan(target.title, f"already at the last level of {name}", False))
                continue
            step, nxt = following
            line = f"policy {name}: to level {step + 1} “{nxt.name}”, notifying {', '.join(nxt.targets)}"
            plans.append(EscalationPlan(target.title, line, True))

        def done(request: EscalateRequest | None) -> None:
            if request is None:
                return
            self.feed.escalated.update(t.group_key for t in targets)
            fingerprints = [a.fingerprint for t in targets for a in t.alerts]
            self.feed.perform("escalate", fingerprints, EscalateAlerts(tuple(targets), reason=request.reason))

        self.app.push_screen(EscalateModal(plans), done)

    def action_runbook(self) -> None:
        """Open the highlighted alert's (or group's first alert's) runbook in the step-through."""
        current = self.table.current
        if current is None:
            self.notify("No alert highlighted.", severity="warning", timeout=3)
            return
        target = (
            AlertTarget.of_group(current) if isinstance(current, GroupRow) else AlertTarget.of_row(current)
        )
        if not target.alerts:
            self.notify("No active alert in this group.", severity="warning", timeout=3)
            return
        self.app.push_screen(screen_for_alert(self.oncall_app, target))

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
        self.copy_text(link)

    def action_traces(self) -> None:
        """Trace search for the alert's service, from 15 min before it fired; its window follows now."""
        row = self.table.current
        app = self.oncall_app
        if not isinstance(row, AlertRow):
            app.show_screen("traces")
            return
        labels = row.alert.labels
        service = labels.get("service") or labels.get("job") or None
        start = row.alert.starts_at - timedelta(minutes=15)
        app.open_trace_search(service, start, None)

    def action_exemplar_trace(self) -> None:
        """Open the trace of the alert's preferred exemplar (a failed request when it is about errors)."""
        self._exemplar(pick=False)

    def action_exemplar_list(self) -> None:
        """List the exemplar traces of the alert's expression to pick one."""
        self._exemplar(pick=True)

    def _exemplar(self, *, pick: bool) -> None:
        row = self.table.current
        if not isinstance(row, AlertRow):
            self.notify("Highlight an alert (not a group) to open its exemplar traces.", timeout=4)
            return
        cached = self._history.get(row.key)
        jump_to_exemplar(self, row, cached[1] if cached is not None else None, pick=pick)

    def action_metrics(self) -> None:
        """Chart the highlighted alert's rule expression around when it fired, its threshold drawn."""
        row = self.table.current
        if not isinstance(row, AlertRow):
            self.notify("highlight an alert to chart its expression", timeout=3)
            return
        from oncall_tui.ui.screens.drilldown import DrillDownScreen

        alert = row.alert
        name = alert.labels.get("alertname", "alert")
        screen = DrillDownScreen.for_alert(
            name, alert.generator_url, alert.starts_at, self.oncall_app.clock.now()
        )
        if screen is None:
            self.notify(f"{name}: its generator URL names no expression to chart", timeout=4)
            return
        self.app.push_screen(screen)

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


def open_silence_editor(screen: OncallScreen, matchers: str, comment: str = "") -> None:
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
            starts_at=request.starts_at,
        )
        feed.perform("silence", [], silence)

    screen.app.push_screen(
        SilenceEditor(
            alerts,
            matchers=matchers,
            comment=comment,
            default_duration=feed.settings.alerts.ack.default_duration,
            now=app.clock.now,
        ),
        done,
    )
