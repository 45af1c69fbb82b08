"""Every dashboard a context can show: built-in, discovered from the server, and from files.

Discovery asks the server a handful of cheap questions (metadata, metric names, the label
names of a few metrics, one label's values per built-in) and builds dashboards from the
answers. A file whose dashboard has the name of a built-in or discovered one replaces it:
the user's version wins.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.config.dashboard_files import load_dashboards
from oncall_tui.config.dashboards import Dashboard
from oncall_tui.domain.builtin_dashboards import BUILTIN_DASHBOARDS
from oncall_tui.domain.metric_discovery import ServerCatalog, discover, metrics_needing_labels
from oncall_tui.errors import SourceError

Origin = Literal["built-in", "discovered", "file"]
"""Where a dashboard comes from."""


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One dashboard and where it comes from."""

    name: str
    """Unique name (``dashboards show NAME``)."""
    dashboard: Dashboard
    """The dashboard."""
    origin: Origin
    """built-in, discovered or file."""
    path: Path | None = None
    """The file, for ``file`` dashboards."""


@dataclass(frozen=True, slots=True)
class Catalog:
    """The dashboards of one context, in listing order, plus the problems met building it."""

    entries: tuple[CatalogEntry, ...]
    """Built-in first, then discovered, then files; names unique."""
    problems: tuple[str, ...] = ()
    """Dashboard files that did not load, and discovery questions the server did not answer."""

    def get(self, name: str) -> CatalogEntry | None:
        """The entry called ``name``, if any."""
        return next((e for e in self.entries if e.name == name), None)


async def server_catalog(client: PrometheusClient) -> tuple[ServerCatalog, list[str]]:
    """Ask the server what it has. Metric names are required; metadata and labels are best effort."""
    names_result, metadata_result = await asyncio.gather(
        client.label_values("__name__"), client.metadata(), return_exceptions=True
    )
    if isinstance(names_result, BaseException):
        raise names_result
    problems: list[str] = []
    types: dict[str, str] = {}
    if isinstance(metadata_result, SourceError):
        # Some stores answer no metadata; discovery then reads types from names alone.
        problems.append(f"metadata unavailable: {metadata_result}")
    elif isinstance(metadata_result, BaseException):
        raise metadata_result
    else:
        types = {name: entries[0].type for name, entries in metadata_result.metrics.items() if entries}
    names = frozenset(names_result.names)
    wanted = metrics_needing_labels(names)
    answers = await asyncio.gather(*(client.labels([m]) for m in wanted), return_exceptions=True)
    labels: dict[str, frozenset[str]] = {}
    for metric, answer in zip(wanted, answers, strict=True):
        if isinstance(answer, SourceError):
            problems.append(f"labels of {metric} unavailable: {answer}")
        elif isinstance(answer, BaseException):
            raise answer
        else:
            labels[metric] = frozenset(answer.names)
    return ServerCatalog(names, types, labels), problems


async def _builtins(client: PrometheusClient, catalog: ServerCatalog) -> list[Dashboard]:
    candidates = [b for b in BUILTIN_DASHBOARDS if catalog.has(b.metric)]
    answers = await asyncio.gather(
        *(client.label_values(b.label, [b.metric]) for b in candidates), return_exceptions=True
    )
    shown: list[Dashboard] = []
    for builtin, answer in zip(candidates, answers, strict=True):
        if isinstance(answer, BaseException):
            if not isinstance(answer, SourceError):
                raise answer
            continue
        if builtin.value in answer.names:
            shown.append(builtin.dashboard)
    return shown


async def build_catalog(client: PrometheusClient | None, dashboards_dir: Path) -> Catalog:
    """Built-in and discovered dashboards of ``client``'s server (none without one) plus the files.

    Raises SourceError when the server cannot even list its metric names.
    """
    entries: dict[str, CatalogEntry] = {}
    problems: list[str] = []
    if client is not None:
        catalog, problems = await server_catalog(client)
        for dashboard in await _builtins(client, catalog):
            name = dashboard.name or "builtin"
            entries[name] = CatalogEntry(name, dashboard, "built-in")
        for dashboard in discover(catalog):
            name = dashboard.name or "discovered"
            entries.setdefault(name, CatalogEntry(name, dashboard, "discovered"))
    files = load_dashboards(dashboards_dir)
    problems.extend(files.problems)
    for loaded in files.dashboards:
        entries[loaded.name] = CatalogEntry(loaded.name, loaded.dashboard, "file", loaded.path)
    order: dict[Origin, int] = {"built-in": 0, "discovered": 1, "file": 2}
    ranked = sorted(entries.values(), key=lambda e: order[e.origin])
    return Catalog(tuple(ranked), tuple(problems))


async def variable_values(client: PrometheusClient, dashboard: Dashboard) -> dict[str, list[str]]:
    """Label values behind each label-sourced variable of ``dashboard`` (fixed lists need no query)."""
    wanted = [v for v in dashboard.variables if v.label is not None]
    answers = await asyncio.gather(
        *(client.label_values(v.label or "", [v.metric] if v.metric else []) for v in wanted)
    )
    return {v.name: list(a.names) for v, a in zip(wanted, answers, strict=True)}
