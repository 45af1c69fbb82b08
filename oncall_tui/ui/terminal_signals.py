"""SIGTERM and SIGHUP end the app the way ``q`` does: terminal restored, incident log closed, exit 0.

Python's default for both is to die on the spot, leaving the terminal in the alternate screen
with mouse tracking on and the cursor hidden (``kill``, a system shutdown, a dropped SSH
connection). Here they ask the app to exit instead, so Textual's driver writes its restore
sequences and ``on_unmount`` closes the sources and the incident log.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from textual.app import App

EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
"""Signals that end the app cleanly."""


def exit_cleanly_on_signals(app: App[Any]) -> None:
    """Route :data:`EXIT_SIGNALS` to ``app.exit()``; call from inside the app's event loop."""
    loop = asyncio.get_running_loop()
    for signum in EXIT_SIGNALS:
        try:
            loop.add_signal_handler(signum, _exit, app, signum)
        except (NotImplementedError, RuntimeError, ValueError):
            # Not the main thread (an app in a test thread) or no signals on this platform:
            # the default behaviour stays, nothing else to do.
            return


def _exit(app: App[Any], signum: int) -> None:
    loop = asyncio.get_running_loop()
    # A second signal while shutting down would run this again: let it kill as usual instead.
    loop.remove_signal_handler(signum)
    app.exit()
