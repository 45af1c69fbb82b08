"""``oncall-tui config check`` and ``oncall-tui config path``.

``check`` exits 0 with one OK line on stdout, or 2 with one line per problem on stderr,
each naming the file (or env var), the field path and what was expected. Warnings (e.g.
TLS verification switched off) go to stderr and do not fail the check. Secrets are never
resolved here: the check must not prompt, block on a keyring, or print a token.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from oncall_tui.config import locations
from oncall_tui.config.checks import SOURCE_NAMES
from oncall_tui.config.dashboard_files import load_dashboards
from oncall_tui.config.loader import LoadedSettings, load_settings
from oncall_tui.config.settings import Settings, SourceSettings
from oncall_tui.errors import ConfigError

EXIT_OK = 0
"""The config is valid."""
EXIT_INVALID = 2
"""The config has problems (listed on stderr)."""


def check(config_path: Path | None, context: str | None = None) -> int:
    """Validate the config (file, ``ONCALL_*`` env, ``--context``) as app start does, and the dashboard files.

    Returns the exit code.
    """
    dashboards = load_dashboards(locations.dashboards_dir(config_path))
    try:
        loaded = load_settings(config_path, context=context, for_app=True)
    except ConfigError as error:
        _write_lines(sys.stderr, [*error.problems, *dashboards.problems])
        return EXIT_INVALID
    origin = str(loaded.path) if loaded.path else str(loaded.searched)
    problems, warnings = _check_references(loaded.settings, origin)
    problems.extend(dashboards.problems)
    _write_lines(sys.stderr, [f"warning: {line}" for line in warnings])
    if problems:
        _write_lines(sys.stderr, problems)
        return EXIT_INVALID
    count = len(dashboards.dashboards)
    summary = _summary(loaded) + (f"; {count} dashboard file{'s' if count != 1 else ''}" if count else "")
    sys.stdout.write(summary + "\n")
    return EXIT_OK


def show_paths(config_path: Path | None) -> int:
    """Print where the config, the incident log and the themes live; always exit 0."""
    from oncall_tui.theme_files import shipped_themes_dir

    config = config_path.expanduser().resolve() if config_path else locations.config_file()
    rows = [
        ("config file", locations.describe_missing(config)),
        ("data dir", locations.describe_missing(locations.data_dir())),
        ("database", locations.describe_missing(locations.database_path())),
        ("user themes", locations.describe_missing(locations.themes_dir())),
        ("dashboards", locations.describe_missing(locations.dashboards_dir(config_path))),
        ("shipped themes", locations.describe_missing(shipped_themes_dir())),
        ("cache dir", locations.describe_missing(locations.cache_dir())),
    ]
    width = max(len(label) for label, _ in rows) + 1
    _write_lines(sys.stdout, [f"{label + ':':<{width}} {value}" for label, value in rows])
    return EXIT_OK


def _check_references(settings: Settings, origin: str) -> tuple[list[str], list[str]]:
    # Problems are the loader's (one path with app start); only warnings are left here.
    warnings: list[str] = []
    for name, context in settings.contexts.items():
        for source_name in SOURCE_NAMES:
            source: SourceSettings | None = getattr(context, source_name)
            if source is not None and source.tls.insecure_skip_verify:
                warnings.append(
                    f"{origin}: contexts.{name}.{source_name}.tls.insecure_skip_verify: server certificates"
                    f" are NOT verified for {name}/{source_name}"
                )
    theme_problem = _check_theme(settings.theme, origin)
    if theme_problem:
        warnings.append(theme_problem)
    return [], warnings


def _check_theme(theme: str, origin: str) -> str | None:
    # A warning, not a failure: the app falls back to the default theme and says so.
    from oncall_tui.theme_files import discover_themes

    themes, _ = discover_themes(locations.themes_dir())
    names = sorted(t.name for t in themes)
    if theme in names:
        return None
    found = ", ".join(names) or "none"
    return f"{origin}: theme: no theme named {theme!r} (found: {found}); the default is used"


def _summary(loaded: LoadedSettings) -> str:
    settings = loaded.settings
    names = settings.context_names()
    where = str(loaded.path) if loaded.path else f"no config file ({loaded.searched} not found), defaults"
    contexts = f"{len(names)} context{'s' if len(names) != 1 else ''}"
    if names:
        contexts += f" ({', '.join(names)}), opens {settings.initial_context()}"
    env = f"; env overrides: {', '.join(loaded.env_vars)}" if loaded.env_vars else ""
    return f"OK: {where}: {contexts}{env}"


def _write_lines(stream: TextIO, lines: list[str]) -> None:
    # Plain writes rather than print(): commands/ keeps ruff's no-print rule (only cli.py is exempt).
    for line in lines:
        stream.write(line + "\n")
