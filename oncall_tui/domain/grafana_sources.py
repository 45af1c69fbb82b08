"""Which Grafana data source a panel or target queries, from what the dashboard file says about it.

References come as names (``"Prometheus"``, legacy files), ``{type, uid}`` objects, ``${DS_…}``
inputs of an exported dashboard (``__inputs``: name → plugin id), data-source template variables
(``$datasource``, whose ``query`` is the plugin id) and the special ``-- Mixed --`` (each target
names its own), ``-- Grafana --`` and ``-- Dashboard --``. A bare name is recognised by the words
in it (``loki``, ``elastic``, ``thanos``…); anything else is unknown, and the importer decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PROMETHEUS_TYPES = frozenset({"prometheus"})
"""Plugin ids whose targets are PromQL the app can run."""
MIXED = "mixed"
"""What :meth:`DataSources.kind` answers for ``-- Mixed --``: look at each target."""

_MIXED_NAME = "-- Mixed --"
# Names that say what a data source is when a legacy file refers to it by name only.
_NAME_HINTS = (
    ("loki", "loki"),
    ("elastic", "elasticsearch"),
    ("opensearch", "opensearch"),
    ("influx", "influxdb"),
    ("graphite", "graphite"),
    ("testdata", "testdata"),
    ("tempo", "tempo"),
    ("jaeger", "jaeger"),
    ("zipkin", "zipkin"),
    ("mysql", "mysql"),
    ("postgres", "postgres"),
    ("cloudwatch", "cloudwatch"),
    ("pyroscope", "pyroscope"),
)


@dataclass(slots=True)
class DataSources:
    """What the file says about its data sources, to decide which targets are Prometheus."""

    inputs: dict[str, str]
    """``__inputs`` names (``DS_PROMETHEUS``) → plugin id."""
    variables: dict[str, str]
    """Data-source variables' names → plugin id (their ``query``)."""

    def kind(self, ref: object) -> str | None:
        """The plugin id of a data-source reference; ``mixed``; or None when the file does not say."""
        if ref is None:
            return None
        if isinstance(ref, dict):
            kind = ref.get("type")
            uid = ref.get("uid")
            if uid == _MIXED_NAME or kind == "mixed":
                return MIXED
            if kind == "datasource" and isinstance(uid, str):
                return {"-- Dashboard --": "dashboard", "-- Grafana --": "grafana"}.get(uid, "datasource")
            if isinstance(kind, str) and kind:
                return kind
            return self.kind(uid) if isinstance(uid, str) else None
        if not isinstance(ref, str) or not ref.strip():
            return None
        text = ref.strip()
        if text == _MIXED_NAME:
            return MIXED
        if text in ("-- Grafana --", "grafana"):
            return "grafana"
        if text == "-- Dashboard --":
            return "dashboard"
        var = re.fullmatch(r"\$\{?(\w+)(?::\w+)?\}?|\[\[(\w+)\]\]", text)
        if var:
            name = var.group(1) or var.group(2)
            return self.inputs.get(name) or self.variables.get(name)
        lowered = text.lower()
        if "prom" in lowered or "thanos" in lowered or "mimir" in lowered or "cortex" in lowered:
            return "prometheus"
        for hint, kind in _NAME_HINTS:
            if hint in lowered:
                return kind
        return None


def data_sources(dashboard: dict[str, Any], root: object) -> DataSources:
    """The inputs and data-source variables of ``dashboard`` (and of ``root``, an export wrapping it)."""
    inputs: dict[str, str] = {}
    for holder in (root, dashboard):
        items = holder.get("__inputs") if isinstance(holder, dict) else None
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    plugin = item.get("pluginId")
                    if isinstance(plugin, str) and plugin:
                        inputs[item["name"]] = plugin
    variables: dict[str, str] = {}
    templating = dashboard.get("templating")
    items = templating.get("list") if isinstance(templating, dict) else None
    if isinstance(items, list):
        for var in items:
            if isinstance(var, dict) and var.get("type") == "datasource":
                name, query = var.get("name"), var.get("query")
                if isinstance(name, str) and isinstance(query, str) and query:
                    variables[name] = query
    return DataSources(inputs, variables)
