"""Start the app: load config (or start the demo environment), then run the UI."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall_tui.errors import ConfigError

if TYPE_CHECKING:
    from oncall_tui.clock import Clock
    from oncall_tui.config.settings import Settings


def run(
    *,
    config_path: Path | None,
    context: str | None,
    theme: str | None,
    demo: bool,
    low_bandwidth: bool = False,
    runbook: str | None = None,
) -> int:
    """Start the app (on the step-through of ``runbook``, a FILE, URL or ALERTNAME, when given)."""
    from oncall_tui.config.locations import themes_dir

    if demo:
        from oncall_tui.clock import DemoClock

        started: list[Any] = []
        # Shared by the app and the demo servers: paused, both stand still (``:demo pause``).
        clock = DemoClock()

        def start_demo() -> Settings:
            # Runs in the app's start-up thread, after its first frame is on screen.
            from oncall_tui.demo import DemoEnvironment

            environment = DemoEnvironment(clock)
            started.append(environment)
            environment.start()
            return environment.settings()

        try:
            return _run_app(
                start_demo,
                context="demo",
                theme=theme,
                demo=True,
                themes=themes_dir(),
                low_bandwidth=low_bandwidth,
                runbook=runbook,
                clock=clock,
            )
        finally:
            for environment in started:
                environment.stop()
    # A real config is read and validated like the demo environment is built: in the app's start-up
    # thread, after its first frame (the config models cost ~250 ms of imports). A config it
    # rejects never starts anything: the app ends at once, exit status 2, with the very lines
    # ``config check`` prints.
    return _run_app(
        _settings_loader(config_path, theme=theme, context=context),
        context=context,
        theme=theme,
        demo=False,
        themes=themes_dir(),
        low_bandwidth=low_bandwidth or _config_wants_low_bandwidth(config_path),
        runbook=runbook,
    )


def _settings_loader(
    config_path: Path | None, *, theme: str | None, context: str | None
) -> Callable[[], Settings]:
    """The settings of the config, validated as ``config check`` does; raises ConfigError with its lines."""

    def load() -> Settings:
        from oncall_tui.config.loader import load_settings

        loaded = load_settings(
            config_path, overrides={"theme": theme} if theme else None, context=context, for_app=True
        )
        settings = loaded.settings
        if context is not None and context not in settings.contexts:
            names = ", ".join(settings.contexts) or "none"
            raise ConfigError([f"--context: no context named {context!r} (defined: {names})"])
        if not settings.contexts:
            raise ConfigError(
                [
                    "no contexts configured: write one in the config file"
                    " (oncall-tui config path shows where),",
                    "or try the built-in demo: oncall-tui --demo",
                ]
            )
        return settings

    return load


def _config_wants_low_bandwidth(config_path: Path | None) -> bool:
    """``low_bandwidth = true`` in the config file or the environment, read before Textual is imported
    (it picks its colour system then); the full validation comes after the first frame."""
    if os.environ.get("ONCALL_LOW_BANDWIDTH", "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    import tomllib

    from oncall_tui.config.locations import config_file

    try:
        with (config_path or config_file()).open("rb") as handle:
            return tomllib.load(handle).get("low_bandwidth") is True
    except (OSError, tomllib.TOMLDecodeError):
        return False  # the validation after the first frame says what is wrong


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
    settings: Callable[[], Settings],
    *,
    context: str | None,
    theme: str | None,
    demo: bool,
    themes: Path,
    low_bandwidth: bool,
    runbook: str | None = None,
    clock: Clock | None = None,
) -> int:
    if low_bandwidth:
        # Read by Textual when it is imported: 16 colours (shorter escape codes), no animation.
        os.environ.setdefault("TEXTUAL_COLOR_SYSTEM", "standard")
        os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    from oncall_tui.ui.app import OncallApp

    _log_to_file()
    options: dict[str, Any] = {
        "context": context,
        "demo": demo,
        "theme_name": theme,
        "user_themes_dir": themes,
        "low_bandwidth": low_bandwidth,
        "clock": clock,
    }
    if runbook is not None:
        from oncall_tui.ui.runbook_app import RunbookApp

        app: OncallApp = RunbookApp(settings, runbook, **options)
    else:
        app = OncallApp(settings, **options)
    app.run()
    # Why it could not start (a config it rejects): after the terminal is restored, on stderr.
    for line in app.start_problems:
        print(line, file=sys.stderr)
    # Textual sets 1 when the app died of an unhandled error; a clean quit leaves 0 (or None).
    return app.return_code or 0
