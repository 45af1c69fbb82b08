"""The embedded demo environment behind ``oncall-tui --demo``.

Prometheus-, Alertmanager- and Jaeger-compatible HTTP APIs served from inside the
process on ephemeral loopback ports, driven by a deterministic scenario. Import
:class:`DemoEnvironment` from here.
"""

from oncall_tui.demo.environment import DemoEnvironment

__all__ = ["DemoEnvironment"]
