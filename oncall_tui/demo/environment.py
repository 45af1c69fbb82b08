"""``DemoEnvironment``: the demo servers, one scenario, one clock, and settings that point at them."""

from __future__ import annotations

import threading
from datetime import datetime
from types import TracebackType

from oncall_tui.clock import Clock, DemoClock
from oncall_tui.config.alerting import AlertSettings, EscalationLevel, EscalationPolicy, NotifierTarget
from oncall_tui.config.settings import (
    AlertmanagerSettings,
    ContextSettings,
    JaegerSettings,
    PrometheusSettings,
    Settings,
)
from oncall_tui.demo.alertmanager_api import AlertmanagerAPI
from oncall_tui.demo.jaeger_api import JaegerAPI
from oncall_tui.demo.pager_api import PagerAPI
from oncall_tui.demo.prometheus_api import PrometheusAPI
from oncall_tui.demo.runbook_settings import demo_runbook_settings
from oncall_tui.demo.scenario import Scenario
from oncall_tui.demo.server import DemoServer
from oncall_tui.demo.traces import TraceGenerator

CONTEXT_NAME = "demo"
"""Name of the one context ``settings()`` defines."""


class DemoEnvironment:
    """Prometheus-, Alertmanager- and Jaeger-compatible HTTP APIs on ephemeral loopback ports.

    Everything served is a function of the clock and the seed: the scenario is
    anchored at ``clock.now()`` when the environment is created, so a test with a
    ``FakeClock`` sees the same bytes every run. The clock is a :class:`DemoClock`
    (the given clock wrapped in one): pausing it holds the scenario still, and its
    ``restart()`` re-anchors the scenario at now, so the incident cycle starts over.
    Use as a context manager, or call ``start()`` and ``stop()``.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        seed: int = 7,
        *,
        group_by: tuple[str, ...] = ("alertname",),
        alertmanager_peers: int = 1,
        external_url: str | None = None,
    ) -> None:
        self.clock = clock if isinstance(clock, DemoClock) else DemoClock(clock)
        """Time source of every server (following a FakeClock in tests); the app shares it."""
        self.seed = seed
        """Seed of every pseudo-random choice of the scenario."""
        self.scenario = Scenario(self.clock.now().timestamp(), seed)
        """The synthetic world: series, alert rules, services."""
        self.traces = TraceGenerator(self.scenario)
        """Trace generator shared by Jaeger and Prometheus exemplars."""
        self.prometheus = PrometheusAPI(self.scenario, self.clock, self.traces)
        """Prometheus handler (its evaluator can be used directly by tests)."""
        self.alertmanager = AlertmanagerAPI(self.scenario, self.clock, group_by=group_by)
        """Alertmanager handler; holds the silences."""
        self.jaeger = JaegerAPI(self.traces, self.clock)
        """Jaeger query handler."""
        self.pager = PagerAPI()
        """Receives the escalation notifications of the demo's policy."""
        self.external_url = external_url
        """Prometheus ``--web.external-url`` for alert ``generatorURL``s; None = the demo's own URL.
        A fixed value keeps snapshots stable although the ports change every run."""
        self.alertmanager.peers = max(1, alertmanager_peers)
        self.clock.on_restart(self._anchor_at)
        self._servers = {
            "prometheus": DemoServer(self.prometheus, "prometheus"),
            "alertmanager": DemoServer(self.alertmanager.peer(0), "alertmanager"),
            "jaeger": DemoServer(self.jaeger, "jaeger"),
            "pager": DemoServer(self.pager, "pager"),
        }
        # Extra Alertmanager peers share one state, as a gossiping HA cluster converges to.
        for i in range(1, self.alertmanager.peers):
            self._servers[f"alertmanager-{i + 1}"] = DemoServer(
                self.alertmanager.peer(i), f"alertmanager-{i + 1}"
            )

    def _anchor_at(self, now: datetime) -> None:
        """A new scenario anchored at ``now``: the cycle starts over, every severity firing again.

        Only what the scenario serves moves (series, alerts, traces); silences and alerts posted to
        Alertmanager are the user's, in the clock's time, and stay as they are.
        """
        self.scenario = Scenario(now.timestamp(), self.seed)
        self.traces = TraceGenerator(self.scenario)
        self.prometheus.use(self.scenario, self.traces)
        self.alertmanager.scenario = self.scenario
        self.jaeger.traces = self.traces

    @property
    def running(self) -> bool:
        """True between ``start()`` and ``stop()``."""
        return self._servers["prometheus"].running

    def start(self) -> None:
        """Bind the three servers to free ports on 127.0.0.1 and serve in daemon threads."""
        try:
            for server in self._servers.values():
                server.start()
        except BaseException:
            self.stop()
            raise
        self.alertmanager.prometheus_url = self.external_url or self.prometheus_url

    def stop(self) -> None:
        """Stop serving, close open connections and free the ports; safe to call twice."""
        # Each shutdown waits for its accept loop to notice; do them side by side.
        threads = [threading.Thread(target=server.stop) for server in self._servers.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    @property
    def prometheus_url(self) -> str:
        """Base URL of the demo Prometheus (raises when not started)."""
        return self._servers["prometheus"].url

    @property
    def alertmanager_url(self) -> str:
        """Base URL of the demo Alertmanager (raises when not started)."""
        return self._servers["alertmanager"].url

    @property
    def alertmanager_urls(self) -> list[str]:
        """Base URL of every Alertmanager peer (one unless ``alertmanager_peers`` was given)."""
        return [s.url for name, s in self._servers.items() if name.startswith("alertmanager")]

    @property
    def jaeger_url(self) -> str:
        """Base URL of the demo Jaeger query service (raises when not started)."""
        return self._servers["jaeger"].url

    def settings(self, base: Settings | None = None) -> Settings:
        """Settings with one context ``demo`` pointing at the servers (other fields from ``base``)."""
        context = ContextSettings(
            prometheus=PrometheusSettings(url=self.prometheus_url, refresh=5.0, timeout=5.0),
            alertmanager=AlertmanagerSettings(urls=self.alertmanager_urls, refresh=5.0, timeout=5.0),
            jaeger=JaegerSettings(url=self.jaeger_url, timeout=5.0),
        )
        update = {
            "contexts": {CONTEXT_NAME: context},
            "default_context": CONTEXT_NAME,
            "alerts": self.alert_settings(),
            "runbooks": demo_runbook_settings(),
        }
        if base is None:
            return Settings.model_validate(update)
        return base.model_copy(update=update)

    def alert_settings(self) -> AlertSettings:
        """Default alert policy plus an escalation policy whose targets are the demo's own receivers."""
        pager = self._servers["pager"].url
        return AlertSettings(
            notifiers={
                "team-webhook": NotifierTarget(kind="webhook", url=f"{pager}/webhook"),
                "incident-channel": NotifierTarget(kind="slack", url=f"{pager}/slack"),
            },
            escalation_policies={
                "shop-oncall": EscalationPolicy(
                    levels=[
                        EscalationLevel(name="primary on-call", targets=["team-webhook"]),
                        EscalationLevel(
                            name="secondary on-call", targets=["team-webhook", "incident-channel"]
                        ),
                        EscalationLevel(name="engineering manager", targets=["incident-channel"]),
                    ]
                )
            },
            default_escalation_policy="shop-oncall",
        )

    def __enter__(self) -> DemoEnvironment:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
