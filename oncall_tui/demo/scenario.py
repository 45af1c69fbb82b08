"""The demo scenario: every metric, alert and trace as a pure function of time and seed.

Nothing here keeps state or reads a clock. Time is unix seconds; the scenario is
anchored at ``anchor`` (when the demo started) and repeats on a 10-minute cycle
with an incident in it: ``payments`` slows down, ``checkout``'s error ratio and
p99 latency climb, ``frontend`` sees some of those errors, and ``node-1`` (where
checkout runs) gets busy. The anchor sits late in the incident, so the demo opens
with alerts of every severity firing; they resolve about three minutes in and
fire again each cycle. The incident has recurred only for the last two hours, so
``offset 1d`` shows a calm baseline.

Series: ``http_requests_total{service,method,code,job,instance}``,
``http_request_duration_seconds_{bucket,sum,count}{service,le}``,
``node_cpu_seconds_total{instance,cpu,mode}``, ``node_memory_Mem{Available,Total}_bytes``,
``node_load1``, ``node_filesystem_{avail,size}_bytes``, ``node_network_receive_bytes_total``,
``prometheus_http_requests_total{handler,code}``, ``prometheus_http_request_duration_seconds_*``,
``prometheus_tsdb_head_series``, ``process_cpu_seconds_total``, ``process_resident_memory_bytes``,
``up``, ``ALERTS`` and ``ALERTS_FOR_STATE``.

Alerts: ``CheckoutHighErrorRate`` (critical), ``CheckoutHighLatency`` and
``PaymentsSlowResponses`` (warning), ``FrontendErrorBudgetBurn`` (info) follow the
cycle; ``TargetDown`` (warning, node-3 is down) and ``NodeMemoryPressure`` (info,
node-2) fire throughout. The cyclic rules' windows are calibrated by evaluating
their PromQL over one cycle, so an alert fires exactly where its graph crosses.

Counters are integrals of closed-form rate signals (constants, sinusoids, steps
and a periodic raised-cosine bump), so ``rate(x[5m])`` over any window,
``offset 1w`` and long ranges cost the same and are exact.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from statistics import NormalDist

from oncall_tui.demo.promql import Evaluator, Vector, parse
from oncall_tui.demo.series import Labels, Series, labels_of

CYCLE = 600.0
"""Length of one scenario cycle, in seconds."""
PHASE0 = 420.0
"""Cycle phase at the anchor: late in the incident, when alerts of every severity fire."""
INCIDENT_START = 150.0
"""Cycle phase at which the incident bump starts."""
INCIDENT_WIDTH = 300.0
"""Duration of the incident bump, in seconds (peak in the middle)."""
HISTORY = 8 * 86400.0
"""Series start this many seconds before the anchor (so ``offset 1w`` works); counters count from there."""
INCIDENT_SINCE = -2 * 3600.0
"""Elapsed time the incident began recurring: before it (``offset 1d`` baselines) the services are calm."""

SERVICES = ("frontend", "checkout", "payments", "inventory")
"""The application services of the demo."""
NODES = ("node-1:9100", "node-2:9100")
"""node_exporter instances that answer."""
DOWN_NODE = "node-3:9100"
"""A node_exporter target that is down (``up == 0``, scrape error in ``/api/v1/targets``)."""
DOWN_SINCE = 52 * 60.0
"""Seconds before the anchor ``DOWN_NODE`` stopped answering."""
LEAK_SINCE = 2 * 3600.0 + 23 * 60.0
"""Seconds before the anchor node-2's available memory dropped below 15%."""
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, math.inf)
"""``le`` bounds of ``http_request_duration_seconds`` (client_golang's defaults)."""
PROM_BUCKETS = (0.1, 0.2, 0.4, 1.0, 3.0, 8.0, 20.0, 60.0, 120.0, math.inf)
"""``le`` bounds of ``prometheus_http_request_duration_seconds``."""

_CALIBRATED: dict[int, tuple[AlertRule, ...]] = {}
_STANDARD_NORMAL = NormalDist()


def format_le(bound: float) -> str:
    """``le`` label value as client libraries write it (``+Inf``, ``0.005``, ``1``)."""
    if math.isinf(bound):
        return "+Inf"
    return format_float(bound)


def format_float(value: float) -> str:
    """A float as Prometheus writes sample values (Go's ``FormatFloat(v, 'f', -1, 64)``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" not in text:
        return text
    mantissa, exp_text = text.split("e")
    exponent = int(exp_text)
    negative = mantissa.startswith("-")
    digits = mantissa.lstrip("-").replace(".", "")
    point = mantissa.lstrip("-").find(".")
    point = len(mantissa.lstrip("-")) if point < 0 else point
    position = point + exponent
    if position <= 0:
        body = "0." + "0" * (-position) + digits
    elif position >= len(digits):
        body = digits + "0" * (position - len(digits))
    else:
        body = digits[:position] + "." + digits[position:]
    return ("-" if negative else "") + body


def stable_hash(*parts: object) -> bytes:
    """Deterministic 32-byte hash of the parts (Python's ``hash`` is salted per process)."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.blake2b(text.encode(), digest_size=32).digest()


def unit_float(*parts: object) -> float:
    """A deterministic number in [0, 1) from the parts."""
    return int.from_bytes(stable_hash(*parts)[:8], "big") / 2.0**64


# --- signals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wave:
    """``amp * sin(2π t / period + phase)``."""

    amp: float
    """Amplitude."""
    period: float
    """Period in seconds."""
    phase: float
    """Phase in radians."""

    def value(self, t: float) -> float:
        return self.amp * math.sin(2 * math.pi * t / self.period + self.phase)

    def antiderivative(self, t: float) -> float:
        w = 2 * math.pi / self.period
        return -self.amp / w * math.cos(w * t + self.phase)


@dataclass(frozen=True)
class Bump:
    """The incident: a raised-cosine bump of height ``amp`` once per cycle."""

    amp: float
    """Height at the peak."""
    start: float = INCIDENT_START
    """Cycle phase where the bump starts."""
    width: float = INCIDENT_WIDTH
    """Duration of the bump."""
    since: float = INCIDENT_SINCE
    """Elapsed time before which there is no bump."""

    def _phase(self, t: float) -> float:
        return (t + PHASE0) % CYCLE

    def value(self, t: float) -> float:
        if t < self.since:
            return 0.0
        x = self._phase(t) - self.start
        if x <= 0 or x >= self.width:
            return 0.0
        return self.amp * 0.5 * (1 - math.cos(2 * math.pi * x / self.width))

    def antiderivative(self, t: float) -> float:
        shifted = max(t, self.since) + PHASE0
        cycles = math.floor(shifted / CYCLE)
        x = shifted - cycles * CYCLE - self.start
        area = self.amp * self.width / 2
        if x <= 0:
            partial = 0.0
        elif x >= self.width:
            partial = area
        else:
            partial = (
                self.amp * 0.5 * (x - self.width / (2 * math.pi) * math.sin(2 * math.pi * x / self.width))
            )
        return cycles * area + partial


@dataclass(frozen=True)
class Step:
    """A change by ``amp`` at elapsed time ``at`` (a leak starts, a target goes down)."""

    amp: float
    """Size of the change."""
    at: float
    """Elapsed time of the change."""

    def value(self, t: float) -> float:
        return self.amp if t >= self.at else 0.0

    def antiderivative(self, t: float) -> float:
        return self.amp * max(0.0, t - self.at)


@dataclass(frozen=True)
class Signal:
    """A closed-form function of elapsed seconds: constant + waves + bumps; linear in its terms."""

    const: float = 0.0
    """Constant part."""
    waves: tuple[Wave, ...] = ()
    """Sinusoidal parts."""
    bumps: tuple[Bump, ...] = ()
    """Incident parts."""
    steps: tuple[Step, ...] = ()
    """Step changes."""

    def value(self, t: float) -> float:
        return (
            self.const
            + sum(w.value(t) for w in self.waves)
            + sum(b.value(t) for b in self.bumps)
            + sum(s.value(t) for s in self.steps)
        )

    def antiderivative(self, t: float) -> float:
        return (
            self.const * t
            + sum(w.antiderivative(t) for w in self.waves)
            + sum(b.antiderivative(t) for b in self.bumps)
            + sum(s.antiderivative(t) for s in self.steps)
        )

    def counter(self, t: float) -> float:
        """Integral from the start of history to ``t``: a counter that never resets."""
        return self.antiderivative(t) - self.antiderivative(-HISTORY)

    def scaled(self, k: float) -> Signal:
        return Signal(
            self.const * k,
            tuple(Wave(w.amp * k, w.period, w.phase) for w in self.waves),
            tuple(Bump(b.amp * k, b.start, b.width, b.since) for b in self.bumps),
            tuple(Step(s.amp * k, s.at) for s in self.steps),
        )

    def __add__(self, other: Signal) -> Signal:
        return Signal(
            self.const + other.const,
            self.waves + other.waves,
            self.bumps + other.bumps,
            self.steps + other.steps,
        )

    def __sub__(self, other: Signal) -> Signal:
        return self + other.scaled(-1.0)


def lognormal_cdf(x: float, median: float, sigma: float) -> float:
    """P(latency <= x) for a log-normal latency with the given median."""
    if math.isinf(x):
        return 1.0
    if x <= 0:
        return 0.0
    return 0.5 * (1 + math.erf(math.log(x / median) / (sigma * math.sqrt(2))))


# --- services --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceModel:
    """Request, error and slow-request rates of one service, per second."""

    name: str
    """Service name (``service`` label)."""
    method: str
    """HTTP method of its main route."""
    total: Signal
    """Requests per second."""
    errors: Signal
    """5xx responses per second (a part of ``total``)."""
    slow: Signal
    """Requests per second served by the slow latency mode (a part of ``total``)."""
    fast_median: float
    """Median latency of the fast mode, seconds."""
    slow_median: float
    """Median latency of the slow mode, seconds."""
    sigma: float = 0.45
    """Log-normal spread of both modes."""

    def error_ratio(self, t: float) -> float:
        return self.errors.value(t) / max(self.total.value(t), 1e-9)

    def slow_ratio(self, t: float) -> float:
        return self.slow.value(t) / max(self.total.value(t), 1e-9)

    @cached_property
    def fast(self) -> Signal:
        """Requests per second served by the fast latency mode."""
        return self.total - self.slow

    def bucket_counter(self, le: float, t: float) -> float:
        fast = self.fast.counter(t)
        slow = self.slow.counter(t)
        return (
            lognormal_cdf(le, self.fast_median, self.sigma) * fast
            + lognormal_cdf(le, self.slow_median, self.sigma) * slow
        )

    def sum_counter(self, t: float) -> float:
        mean = math.exp(self.sigma**2 / 2)
        fast = self.fast.counter(t)
        return self.fast_median * mean * fast + self.slow_median * mean * self.slow.counter(t)

    def latency_at(self, t: float, u: float, u_mode: float) -> float:
        """A latency drawn (by the uniforms ``u``, ``u_mode``) from the distribution at ``t``."""
        median = self.slow_median if u_mode < self.slow_ratio(t) else self.fast_median
        z = _STANDARD_NORMAL.inv_cdf(min(max(u, 1e-6), 1 - 1e-6))
        return median * math.exp(self.sigma * z)


# --- series ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A scrape target as ``/api/v1/targets`` shows it."""

    job: str
    """Scrape job."""
    instance: str
    """host:port."""
    up: bool
    """Whether the last scrape worked."""
    last_error: str = ""
    """Error of the last scrape, empty when up."""
    metrics_path: str = "/metrics"
    """Path scraped."""


# --- alerts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRule:
    """An alerting rule whose activity is a window of the cycle (or always on)."""

    name: str
    """``alertname``."""
    labels: dict[str, str]
    """Labels besides ``alertname`` (severity, service, instance, team …)."""
    summary: str
    """``summary`` annotation."""
    description: str
    """``description`` annotation."""
    runbook: str
    """``runbook_url`` annotation."""
    expr: str
    """The PromQL expression (for ``generatorURL`` and ``/api/v1/rules``)."""
    for_seconds: float
    """Seconds the condition holds before the alert fires (pending until then)."""
    window: tuple[float, float] | None = None
    """Cycle phases ``[on, off)`` (may wrap) during which the condition holds; None for always."""
    calibrate: bool = False
    """Derive ``window`` from ``expr`` evaluated over one cycle of the synthetic series."""
    always_since: float = 0.0
    """For always-on rules: seconds before the anchor the condition became true (it holds ever since)."""

    def active_since(self, t: float) -> float | None:
        """Elapsed time at which the current activity started, or None when inactive at ``t``."""
        if self.window is None:
            return -self.always_since if t >= -self.always_since else None
        on, off = self.window
        into = ((t + PHASE0) % CYCLE - on) % CYCLE
        if into >= (off - on) % CYCLE or t - into < INCIDENT_SINCE:
            return None
        return t - into

    def state(self, t: float) -> tuple[str, float] | None:
        """``("pending"|"firing", active_since)`` at elapsed ``t``, or None."""
        since = self.active_since(t)
        if since is None:
            return None
        return ("firing" if t - since >= self.for_seconds else "pending", since)

    def all_labels(self) -> dict[str, str]:
        return {"alertname": self.name, **self.labels}


@dataclass(frozen=True)
class FiringAlert:
    """An active (pending or firing) alert instance at some instant."""

    rule: AlertRule
    """Its rule."""
    state: str
    """``pending`` or ``firing``."""
    active_at: float
    """Unix time the condition became true."""
    fired_at: float
    """Unix time it started firing (``active_at + for``)."""


@dataclass
class Scenario:
    """The whole synthetic world, anchored at unix time ``anchor``."""

    anchor: float
    """Unix time the demo started (elapsed time 0)."""
    seed: int = 7
    """Seed of every pseudo-random choice."""
    services: dict[str, ServiceModel] = field(init=False)
    """Application services by name."""
    series: list[Series] = field(init=False)
    """Every synthetic series."""
    targets: list[Target] = field(init=False)
    """Scrape targets."""
    rules: list[AlertRule] = field(init=False)
    """Alerting rules."""

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        self.services = self._build_services(rng)
        self.targets = self._build_targets()
        self.rules = self._build_rules()
        self.series = self._build_series(rng)
        # Alert series come last: their rules' windows are calibrated against the other series.
        self._calibrate_rules()
        for rule in self.rules:
            self.series.extend(self._alert_series(rule))

    # elapsed <-> unix
    def elapsed(self, ts: float) -> float:
        return ts - self.anchor

    # --- builders ---

    def _noise(self, rng: random.Random, scale: float) -> tuple[Wave, ...]:
        # Incommensurate short periods look like noise and still integrate in closed form.
        return tuple(Wave(scale * a, p, rng.uniform(0, 2 * math.pi)) for a, p in ((0.05, 41.0), (0.04, 97.0)))

    def _build_services(self, rng: random.Random) -> dict[str, ServiceModel]:
        # (base rps, method, base error ratio, incident extra error ratio, base slow ratio,
        #  incident extra slow ratio, incident extra traffic, fast median, slow median)
        specs = {
            "frontend": (120.0, "GET", 0.004, 0.035, 0.004, 0.05, 0.0, 0.045, 0.9),
            "checkout": (40.0, "POST", 0.005, 0.25, 0.004, 0.16, 0.15, 0.06, 1.3),
            "payments": (30.0, "POST", 0.003, 0.06, 0.005, 0.35, 0.0, 0.08, 1.6),
            "inventory": (85.0, "GET", 0.002, 0.0, 0.003, 0.0, 0.0, 0.012, 0.2),
        }
        out: dict[str, ServiceModel] = {}
        for name, (
            rps,
            method,
            err,
            err_peak,
            slow,
            slow_peak,
            traffic_peak,
            fast_m,
            slow_m,
        ) in specs.items():
            rps *= rng.uniform(0.9, 1.1)
            daily = Wave(0.25, 86400.0, rng.uniform(0, 2 * math.pi))
            hourly = Wave(0.1, 3600.0, rng.uniform(0, 2 * math.pi))
            shape = Signal(1.0, (daily, hourly, *self._noise(rng, 1.0)))
            total = shape.scaled(rps) + Signal(bumps=(Bump(rps * traffic_peak),))
            errors = shape.scaled(rps * err) + Signal(bumps=(Bump(rps * err_peak),))
            slow_sig = shape.scaled(rps * slow) + Signal(bumps=(Bump(rps * slow_peak),))
            out[name] = ServiceModel(name, method, total, errors, slow_sig, fast_m, slow_m)
        return out

    def _build_targets(self) -> list[Target]:
        targets = [Target("prometheus", "localhost:9090", True)]
        targets += [Target("node", n, True) for n in NODES]
        targets.append(
            Target(
                "node",
                DOWN_NODE,
                False,
                f'Get "http://{DOWN_NODE}/metrics": dial tcp 10.0.3.7:9100: connect: connection refused',
            )
        )
        targets += [Target(s, f"{s}:8080", True) for s in SERVICES]
        return targets

    def _build_rules(self) -> list[AlertRule]:
        rb = "https://runbooks.example.com"
        return [
            AlertRule(
                "CheckoutHighErrorRate",
                {
                    "service": "checkout",
                    "severity": "critical",
                    "team": "checkout",
                    "instance": "checkout:8080",
                },
                "checkout is failing more than 5% of requests",
                "More than 5% of POST requests to checkout answered 5xx over the last 5 minutes; "
                "customers cannot complete orders.",
                f"{rb}/checkout/high-error-rate",
                'sum(rate(http_requests_total{service="checkout",code=~"5.."}[5m])) / '
                'sum(rate(http_requests_total{service="checkout"}[5m])) > 0.05',
                60.0,
                calibrate=True,
            ),
            AlertRule(
                "CheckoutHighLatency",
                {
                    "service": "checkout",
                    "severity": "warning",
                    "team": "checkout",
                    "instance": "checkout:8080",
                },
                "checkout p99 latency is above 500ms",
                "The 99th percentile of checkout request latency has been above 500ms for 1 minute.",
                f"{rb}/checkout/high-latency",
                "histogram_quantile(0.99, sum by (le) "
                '(rate(http_request_duration_seconds_bucket{service="checkout"}[5m]))) > 0.5',
                60.0,
                calibrate=True,
            ),
            AlertRule(
                "PaymentsSlowResponses",
                {
                    "service": "payments",
                    "severity": "warning",
                    "team": "payments",
                    "instance": "payments:8080",
                },
                "payments p99 latency is above 1s",
                "Calls to the card processor are slow; checkout waits on payments.",
                f"{rb}/payments/slow-responses",
                "histogram_quantile(0.99, sum by (le) "
                '(rate(http_request_duration_seconds_bucket{service="payments"}[5m]))) > 1',
                60.0,
                calibrate=True,
            ),
            AlertRule(
                "FrontendErrorBudgetBurn",
                {"service": "frontend", "severity": "info", "team": "web", "instance": "frontend:8080"},
                "frontend is burning its error budget faster than planned",
                "The 99.5% availability objective's error budget is burning at more than 2x for 2 minutes.",
                f"{rb}/frontend/error-budget-burn",
                'sum(rate(http_requests_total{service="frontend",code=~"5.."}[5m])) / '
                'sum(rate(http_requests_total{service="frontend"}[5m])) > 0.01',
                120.0,
                calibrate=True,
            ),
            AlertRule(
                "TargetDown",
                {
                    "service": "node",
                    "severity": "warning",
                    "team": "platform",
                    "instance": DOWN_NODE,
                    "job": "node",
                },
                f"{DOWN_NODE} of job node is down",
                f"Prometheus has failed to scrape {DOWN_NODE} for more than 5 minutes: connection refused.",
                f"{rb}/node/target-down",
                'up{job="node"} == 0',
                300.0,
                always_since=DOWN_SINCE,
            ),
            AlertRule(
                "NodeMemoryPressure",
                {
                    "service": "node",
                    "severity": "info",
                    "team": "platform",
                    "instance": "node-2:9100",
                    "job": "node",
                },
                "node-2 has less than 15% memory available",
                "MemAvailable on node-2:9100 has stayed below 15% of MemTotal for 10 minutes.",
                f"{rb}/node/memory-pressure",
                "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.15",
                600.0,
                always_since=LEAK_SINCE,
            ),
        ]

    def _build_series(self, rng: random.Random) -> list[Series]:
        out: list[Series] = []
        anchor = self.anchor

        def counter(labels: Labels, sig: Signal, scale: float = 1.0) -> Series:
            return Series(labels, _counter_fn(sig, anchor, scale), counter=True)

        def gauge(labels: Labels, sig: Signal) -> Series:
            return Series(labels, _gauge_fn(sig, anchor))

        for name, svc in self.services.items():
            common = {"service": name, "job": name, "instance": f"{name}:8080"}
            ok = svc.total - svc.errors
            out.append(
                counter(labels_of(name_="http_requests_total", code="200", method=svc.method, **common), ok)
            )
            out.append(
                counter(
                    labels_of(name_="http_requests_total", code="500", method=svc.method, **common),
                    svc.errors,
                )
            )
            for le in LATENCY_BUCKETS:
                out.append(
                    Series(
                        labels_of(name_="http_request_duration_seconds_bucket", le=format_le(le), **common),
                        _bucket_fn(svc, le, anchor),
                        counter=True,
                    )
                )
            out.append(counter(labels_of(name_="http_request_duration_seconds_count", **common), svc.total))
            out.append(
                Series(
                    labels_of(name_="http_request_duration_seconds_sum", **common),
                    _sum_fn(svc, anchor),
                    counter=True,
                )
            )

        for i, node in enumerate(NODES):
            busy = Signal(0.22 + 0.08 * i, (Wave(0.06, 3600.0, rng.uniform(0, 6.28)), *self._noise(rng, 0.8)))
            if i == 0:
                busy = busy + Signal(bumps=(Bump(0.45),))
            modes = {"user": busy.scaled(0.7), "system": busy.scaled(0.22), "iowait": busy.scaled(0.08)}
            modes["idle"] = Signal(1.0) - busy
            for cpu in ("0", "1"):
                for mode, sig in modes.items():
                    out.append(
                        counter(
                            labels_of(
                                name_="node_cpu_seconds_total", cpu=cpu, mode=mode, instance=node, job="node"
                            ),
                            sig,
                        )
                    )
            total_mem = (16 if i == 0 else 8) * 2.0**30
            avail_frac = (
                Signal(0.46, (Wave(0.04, 1800.0, rng.uniform(0, 6.28)),))
                if i == 0
                else Signal(0.30, steps=(Step(-0.19, -LEAK_SINCE),))
            )
            if i == 0:
                avail_frac = avail_frac - Signal(bumps=(Bump(0.12),))
            inst = {"instance": node, "job": "node"}
            out.append(gauge(labels_of(name_="node_memory_MemTotal_bytes", **inst), Signal(total_mem)))
            out.append(
                gauge(
                    labels_of(name_="node_memory_MemAvailable_bytes", **inst),
                    avail_frac.scaled(total_mem) + Signal(waves=self._noise(rng, 0.01 * total_mem)),
                )
            )
            out.append(gauge(labels_of(name_="node_load1", **inst), busy.scaled(2.0 * 1.3)))
            fs = {"device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/", **inst}
            size = 200 * 2.0**30
            out.append(gauge(labels_of(name_="node_filesystem_size_bytes", **fs), Signal(size)))
            out.append(
                gauge(
                    labels_of(name_="node_filesystem_avail_bytes", **fs),
                    Signal(size * (0.62 - 0.2 * i), (Wave(size * 0.002, 7200.0, 0.0),)),
                )
            )
            out.append(
                counter(
                    labels_of(name_="node_network_receive_bytes_total", device="eth0", **inst),
                    Signal(2.5e6 * (1 + i), self._noise(rng, 2.5e6)),
                )
            )

        prom = {"instance": "localhost:9090", "job": "prometheus"}
        handlers = {"/api/v1/query": 1.2, "/api/v1/query_range": 0.6, "/metrics": 0.066, "/-/ready": 0.1}
        for handler, rps in handlers.items():
            sig = Signal(rps, self._noise(rng, rps))
            out.append(
                counter(
                    labels_of(name_="prometheus_http_requests_total", code="200", handler=handler, **prom),
                    sig,
                )
            )
            model = ServiceModel(handler, "GET", sig, Signal(), Signal(), 0.012, 1.0)
            for le in PROM_BUCKETS:
                out.append(
                    Series(
                        labels_of(
                            name_="prometheus_http_request_duration_seconds_bucket",
                            handler=handler,
                            le=format_le(le),
                            **prom,
                        ),
                        _bucket_fn(model, le, anchor),
                        counter=True,
                    )
                )
            out.append(
                counter(
                    labels_of(
                        name_="prometheus_http_request_duration_seconds_count", handler=handler, **prom
                    ),
                    sig,
                )
            )
            out.append(
                Series(
                    labels_of(name_="prometheus_http_request_duration_seconds_sum", handler=handler, **prom),
                    _sum_fn(model, anchor),
                    counter=True,
                )
            )
        out.append(
            gauge(
                labels_of(name_="prometheus_tsdb_head_series", **prom), Signal(1873.0, self._noise(rng, 20))
            )
        )

        for target in self.targets:
            inst = {"instance": target.instance, "job": target.job}
            up = Signal(1.0) if target.up else Signal(1.0, steps=(Step(-1.0, -DOWN_SINCE),))
            out.append(gauge(labels_of(name_="up", **inst), up))
            if target.up:
                proc_cpu = Signal(0.02 + 0.1 * unit_float(self.seed, target.instance), self._noise(rng, 0.01))
                if target.job == "checkout":
                    proc_cpu = proc_cpu + Signal(bumps=(Bump(0.3),))
                out.append(counter(labels_of(name_="process_cpu_seconds_total", **inst), proc_cpu))
                rss = 60e6 + 400e6 * unit_float(self.seed, "rss", target.instance)
                out.append(
                    gauge(
                        labels_of(name_="process_resident_memory_bytes", **inst),
                        Signal(rss, self._noise(rng, 2e6)),
                    )
                )

        return out

    def _calibrate_rules(self) -> None:
        """Set each calibrated rule's window to where its expression holds, so alerts match the graphs."""
        # Every signal is a function of elapsed time, so the windows depend on the seed only.
        cached = _CALIBRATED.get(self.seed)
        if cached is not None:
            self.rules = list(cached)
            return
        evaluator = Evaluator(list(self.series))
        step = 10.0
        phases = [i * step for i in range(int(CYCLE / step))]
        for i, rule in enumerate(self.rules):
            if not rule.calibrate:
                continue
            expr = parse(rule.expr)
            holds = []
            for phase in phases:
                value = evaluator.instant(expr, self.anchor + phase - PHASE0)
                holds.append(isinstance(value, Vector) and bool(value.samples))
            window = _longest_run(holds, step)
            self.rules[i] = replace(rule, window=window) if window else replace(rule, window=(0.0, 0.0))
        _CALIBRATED[self.seed] = tuple(self.rules)

    def _alert_series(self, rule: AlertRule) -> list[Series]:
        anchor = self.anchor
        base = rule.all_labels()
        out: list[Series] = []
        for state in ("pending", "firing"):

            def alerts_fn(ts: float, state: str = state) -> float | None:
                st = rule.state(ts - anchor)
                return 1.0 if st is not None and st[0] == state else None

            out.append(
                Series(tuple(sorted({**base, "__name__": "ALERTS", "alertstate": state}.items())), alerts_fn)
            )

        def for_state_fn(ts: float) -> float | None:
            st = rule.state(ts - anchor)
            return None if st is None else anchor + st[1]

        out.append(Series(tuple(sorted({**base, "__name__": "ALERTS_FOR_STATE"}.items())), for_state_fn))
        return out

    # --- queries on the scenario ---

    def active_alerts(self, ts: float) -> list[FiringAlert]:
        """Alerts pending or firing at unix time ``ts``."""
        out = []
        for rule in self.rules:
            st = self.rules_state(rule, ts)
            if st is not None:
                out.append(st)
        return out

    def rules_state(self, rule: AlertRule, ts: float) -> FiringAlert | None:
        st = rule.state(ts - self.anchor)
        if st is None:
            return None
        active_at = self.anchor + st[1]
        return FiringAlert(rule, st[0], active_at, active_at + rule.for_seconds)


def _longest_run(holds: list[bool], step: float) -> tuple[float, float] | None:
    """The longest cyclic run of True as phases ``(on, off)``; None when never true."""
    n = len(holds)
    if not any(holds):
        return None
    if all(holds):
        return (0.0, CYCLE - 1e-9)
    first_false = holds.index(False)
    best: tuple[int, int] = (0, 0)
    run_start: int | None = None
    for j in range(first_false, first_false + n + 1):
        on = holds[j % n] if j < first_false + n else False
        if on and run_start is None:
            run_start = j
        elif not on and run_start is not None:
            if j - run_start > best[1] - best[0]:
                best = (run_start, j)
            run_start = None
    return ((best[0] % n) * step, (best[1] % n) * step)


# Series functions: None before the start of history, so no query sees a negative counter.


def _counter_fn(sig: Signal, anchor: float, scale: float) -> Callable[[float], float | None]:
    return lambda ts: scale * sig.counter(ts - anchor) if ts - anchor >= -HISTORY else None


def _gauge_fn(sig: Signal, anchor: float) -> Callable[[float], float | None]:
    return lambda ts: sig.value(ts - anchor) if ts - anchor >= -HISTORY else None


def _bucket_fn(model: ServiceModel, le: float, anchor: float) -> Callable[[float], float | None]:
    return lambda ts: model.bucket_counter(le, ts - anchor) if ts - anchor >= -HISTORY else None


def _sum_fn(model: ServiceModel, anchor: float) -> Callable[[float], float | None]:
    return lambda ts: model.sum_counter(ts - anchor) if ts - anchor >= -HISTORY else None
