"""Dashboards shipped with the app, each shown when the server has the series it is for.

``checkout`` is the RED view of the demo's checkout service (and of any service named
``checkout`` that follows the client_golang convention). It is written as a dashboard
file would be, so it doubles as an example of the format.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from oncall_tui.config.dashboards import Dashboard


@dataclass(frozen=True, slots=True)
class BuiltinDashboard:
    """A shipped dashboard and the series that must exist for it to be listed."""

    dashboard: Dashboard
    """The dashboard (its ``name`` is set)."""
    metric: str
    """A metric that must exist..."""
    label: str
    """...with this label..."""
    value: str
    """...having this value."""


CHECKOUT_TOML = """\
name = "checkout"
title = "Checkout — RED"
description = "Requests, errors and latency of the checkout service."
window = "1h"

[[variables]]
name = "service"
label = "service"
metric = "http_requests_total"
default = "checkout"

[[panels]]
title = "Requests"
unit = "reqps"
[[panels.queries]]
expr = 'sum by (service) (rate(http_requests_total{service="$service"}[$__rate_interval]))'
legend = "{{service}}"

[[panels]]
title = "Error ratio"
unit = "percentunit"
thresholds = { warning = 0.01, critical = 0.05 }
[[panels.queries]]
expr = '''
sum(rate(http_requests_total{service="$service", code=~"5.."}[$__rate_interval]))
  / sum(rate(http_requests_total{service="$service"}[$__rate_interval]))'''
legend = "5xx"

[[panels]]
title = "Latency"
kind = "percentiles"
histogram = "http_request_duration_seconds"
selector = '{service="$service"}'
thresholds = { warning = 0.5, critical = 1.0 }

[[panels]]
title = "Apdex (T = 250 ms)"
kind = "apdex"
histogram = "http_request_duration_seconds"
histogram_type = "classic"
selector = '{service="$service"}'
satisfied = 0.25
thresholds = { warning = 0.9, critical = 0.7, direction = "below" }

[[panels]]
title = "Errors by code"
unit = "reqps"
[[panels.queries]]
expr = 'sum by (code) (rate(http_requests_total{service="$service", code=~"5.."}[$__rate_interval]))'
legend = "{{code}}"

[[panels]]
title = "Process CPU"
unit = "percentunit"
[[panels.queries]]
expr = 'sum by (instance) (rate(process_cpu_seconds_total{job="$service"}[$__rate_interval]))'
legend = "{{instance}}"
"""
"""The ``checkout`` dashboard as a file would hold it."""

BUILTIN_DASHBOARDS = (
    BuiltinDashboard(
        Dashboard.model_validate(tomllib.loads(CHECKOUT_TOML)), "http_requests_total", "service", "checkout"
    ),
)
"""Every shipped dashboard."""
