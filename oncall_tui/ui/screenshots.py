"""Where the palette's Screenshot command saves: a directory that exists.

Textual's own default is the Downloads directory, which servers and containers often lack (the
command then failed with nothing saved); here it is ``$XDG_DATA_HOME/oncall-tui/screenshots``,
else the current directory.
"""

from __future__ import annotations

from pathlib import Path


def screenshot_dir() -> Path:
    """Where screenshots go: the data dir's ``screenshots`` (created), else the current directory."""
    from oncall_tui.config.locations import data_dir, ensure_dir

    try:
        return ensure_dir(data_dir() / "screenshots")
    except OSError:
        return Path.cwd()
