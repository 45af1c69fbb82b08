"""Checks of a config beyond its types: the one list both ``config check`` and app start report.

They run on the merged raw data (file + ``ONCALL_*`` env + command line), so they report their
problems in the same pass as the type errors, even when those stop the model from being built.
Each line names where the value came from and the field, as the loader's do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from oncall_tui.keys import keymap_problems

SOURCE_NAMES = ("prometheus", "alertmanager", "jaeger")
"""Source fields of a context, in display order."""


def config_problems(
    raw: Mapping[str, Any],
    origin_of: Mapping[tuple[str, ...], str],
    file_label: str,
    *,
    context: str | None = None,
    found: bool = True,
) -> list[str]:
    """Problems of the merged config ``raw``; ``origin_of`` names the env var or option that set a path."""

    def where(*path: str) -> str:
        for length in range(len(path), 0, -1):
            if path[:length] in origin_of:
                return origin_of[path[:length]]
        return file_label

    problems: list[str] = []
    contexts = raw.get("contexts")
    names = list(contexts) if isinstance(contexts, dict) else []
    if not names:
        looked = f"{file_label} has none" if found else f"no config file at {file_label}"
        problems.append(
            f"{where('contexts')}: contexts: no context configured ({looked});"
            " write one (oncall-tui config path shows where), or try the built-in demo: oncall-tui --demo"
        )
    if context is not None and names and context not in names:
        problems.append(f"--context: no context named {context!r} (defined: {', '.join(names)})")
    if isinstance(contexts, dict):
        for name, settings in contexts.items():
            if isinstance(settings, dict):
                problems.extend(_context_problems(str(name), settings, where))
    keymap = raw.get("keymap")
    if isinstance(keymap, dict):
        problems.extend(keymap_problems(keymap, where("keymap")))
    return problems


def _context_problems(name: str, context: Mapping[str, Any], where: Callable[..., str]) -> list[str]:
    problems: list[str] = []
    for source_name in SOURCE_NAMES:
        source = context.get(source_name)
        if not isinstance(source, dict):
            continue
        tls = source.get("tls")
        ca_file = tls.get("ca_file") if isinstance(tls, dict) else None
        if isinstance(ca_file, str) and ca_file:
            path = Path(ca_file)
            if not path.is_file():
                what = "a directory" if path.is_dir() else "missing"
                field: tuple[str, ...] = ("contexts", name, source_name, "tls", "ca_file")
                problems.append(
                    f"{where(*field)}: {'.'.join(field)}: expected an existing PEM file ({path} is {what})"
                )
    alertmanager = context.get("alertmanager")
    urls = alertmanager.get("urls") if isinstance(alertmanager, dict) else None
    if isinstance(urls, list):
        seen: set[str] = set()
        for index, url in enumerate(urls):
            if not isinstance(url, str):
                continue
            key = url.strip().rstrip("/").lower()
            if key in seen:
                peers: tuple[str, ...] = ("contexts", name, "alertmanager", "urls")
                problems.append(
                    f"{where(*peers)}: {'.'.join(peers)}[{index}]: {url!r} is listed twice"
                    " (each peer once, or its alerts and actions would count double)"
                )
            seen.add(key)
    return problems
