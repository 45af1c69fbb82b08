"""Read dashboards-as-code files (``<config dir>/dashboards/*.toml|*.yaml|*.yml``).

Every file is validated on its own: a broken file is reported (naming the file, the
panel and the field) and skipped, and the others still load.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from oncall_tui.config.dashboards import PANEL_KINDS, Dashboard
from oncall_tui.config.loader import describe_validation_error

SUFFIXES = (".toml", ".yaml", ".yml")
"""File name endings read as dashboards."""

_KIND_IN_PATH = re.compile(r"(panels\[\d+\])\.(?:" + "|".join(PANEL_KINDS) + r")\b")
_SLUG = re.compile(r"[^a-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class DashboardFile:
    """A dashboard read from a file."""

    name: str
    """The dashboard's ``name``, else the file stem made into a slug."""
    dashboard: Dashboard
    """The validated dashboard."""
    path: Path
    """Where it was read from."""


@dataclass(frozen=True, slots=True)
class DashboardFiles:
    """Everything found in the dashboards directory."""

    dashboards: list[DashboardFile] = field(default_factory=list)
    """Valid dashboards in file-name order."""
    problems: list[str] = field(default_factory=list)
    """One line per problem: file, panel and field, and what was expected."""


def stem_name(path: Path) -> str:
    """The name a dashboard file gets when it does not set one (``Checkout RED.toml`` → ``checkout-red``)."""
    return _SLUG.sub("-", path.stem.lower()).strip("-.") or "dashboard"


def load_dashboards(directory: Path) -> DashboardFiles:
    """Every dashboard file in ``directory``; a missing directory is no dashboards and no problem."""
    if not directory.is_dir():
        return DashboardFiles()
    loaded: list[DashboardFile] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in sorted(p for p in directory.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file()):
        result = load_dashboard_file(path)
        if isinstance(result, list):
            problems.extend(result)
            continue
        if result.name in seen:
            problems.append(f"{path}: name: {result.name!r} is already the name of {seen[result.name]}")
            continue
        seen[result.name] = path
        loaded.append(result)
    return DashboardFiles(loaded, problems)


def load_dashboard_file(path: Path) -> DashboardFile | list[str]:
    """One dashboard file, or the lines describing what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [f"{path}: cannot read the file ({getattr(error, 'strerror', None) or error})"]
    try:
        raw = _parse(path, text)
    except ValueError as error:
        return [f"{path}: {error}"]
    if not isinstance(raw, dict):
        return [f"{path}: expected a table of dashboard settings at the top level"]
    try:
        dashboard = Dashboard.model_validate(raw)
    except ValidationError as error:
        return _describe(error, raw, path)
    problems = [
        f"{path}: {_panel_label(raw, index)}panels[{index}].{where}: ${name} is not a declared variable"
        for index, where, name in dashboard.undeclared_variables()
    ]
    if problems:
        return problems
    return DashboardFile(dashboard.name or stem_name(path), dashboard, path)


def _parse(path: Path, text: str) -> Any:
    if path.suffix.lower() == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"invalid TOML: {str(error).splitlines()[0]}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or "syntax error"
        raise ValueError(f"{where}invalid YAML: {problem}") from None


def _panel_label(raw: dict[str, Any], index: int) -> str:
    panels = raw.get("panels")
    if isinstance(panels, list) and index < len(panels) and isinstance(panels[index], dict):
        title = panels[index].get("title")
        if isinstance(title, str) and title:
            return f"panel {title!r}: "
    return ""


def _describe(error: ValidationError, raw: dict[str, Any], path: Path) -> list[str]:
    origins: dict[tuple[str, ...], str] = {}
    panels = raw.get("panels")
    if isinstance(panels, list):
        for index in range(len(panels)):
            label = _panel_label(raw, index)
            if label:
                origins[("panels", str(index))] = f"{path}: {label.rstrip(': ')}"
    lines = describe_validation_error(error, origins, str(path))
    # The panel kind is how pydantic picked the model, not a key the user wrote.
    return [_KIND_IN_PATH.sub(r"\1", line) for line in lines]
