"""Start the app: load config (or start the demo environment), then run the UI."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from oncall_tui.errors import ConfigError


def run(
    *,
    config_path: Path | None,
    context: str | None,
    theme: str | None,
    demo: bool,
    runbook: str | None = None,
) -> int:
    """Start the app (on the step-through of ``runbook``, a FILE, URL or ALERTNAME, when given)."""
    from oncall_tui.config.loader import load_settings
    from oncall_tui.config.locations import themes_dir

    if demo:
        from oncall_tui.demo import DemoEnvironment

        environment = DemoEnvironment()
        environment.start()
        try:
            return _run_app(
                environment.settings(),
                context="demo",
                theme=theme,
                demo=True,
                themes=themes_dir(),
                runbook=runbook,
            )
        finally:
            environment.stop()
    try:
        # The same validation as ``config check``: what it accepts starts, what it rejects does not.
        loaded = load_settings(
            config_path, overrides={"theme": theme} if theme else None, context=context, for_app=True
        )
    except ConfigError as exc:
        # A malformed config never starts the app half-configured.
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    settings = loaded.settings
    return _run_app(settings, context=context, theme=theme, demo=False, themes=themes_dir(), runbook=runbook)


def _log_to_file() -> Path | None:
    """Unexpected errors go, with their tracebacks, to a log file: the terminal belongs to the UI."""
    from oncall_tui.config.locations import cache_dir, ensure_dir
    from oncall_tui.redaction import ScrubbingFormatter

    try:
        path = ensure_dir(cache_dir()) / "oncall-tui.log"
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    # Every line scrubbed of the secrets the app sent (a logged error may quote a server's echo).
    handler.setFormatter(ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    package = logging.getLogger("oncall_tui")
    package.addHandler(handler)
    package.setLevel(logging.INFO)
    return path


def _run_app(
    settings: object,
    *,
    context: str | None,
    theme: str | None,
    demo: bool,
    themes: Path,
    runbook: str | None = None,
) -> int:
    from oncall_tui.config.settings import Settings
    from oncall_tui.ui.app import OncallApp

    assert isinstance(settings, Settings)
    _log_to_file()
    if runbook is not None:
        from oncall_tui.ui.runbook_app import RunbookApp

        app: OncallApp = RunbookApp(
            settings, runbook, context=context, demo=demo, theme_name=theme, user_themes_dir=themes
        )
    else:
        app = OncallApp(settings, context=context, demo=demo, theme_name=theme, user_themes_dir=themes)
    app.run()
    # Textual sets 1 when the app died of an unhandled error; a clean quit leaves 0 (or None).
    return app.return_code or 0
