"""What runs before the first frame imports no more than a bare Textual app needs.

The first frame of ``oncall-tui`` (and ``--demo``) waits only for the CLI parser, the app class and
its starting screen; pydantic, PyYAML, httpx, SQLite and the demo servers load after it, in a
thread. Checked in a fresh interpreter (the benchmark, benchmarks/bench_terminal.py, has the times).
"""

from __future__ import annotations

import subprocess
import sys

BEFORE_FIRST_FRAME = (
    "import oncall_tui.cli as cli; cli.build_parser().parse_args(['--demo']); "
    "import oncall_tui.commands.run_cmd, oncall_tui.config.locations, oncall_tui.ui.app, "
    "oncall_tui.ui.screens.starting"
)
HEAVY = ("pydantic", "yaml", "httpx", "sqlite3", "msgspec", "oncall_tui.demo", "oncall_tui.services")
"""Packages whose import the first frame must not wait for."""


def test_the_first_frame_waits_for_no_heavy_import() -> None:
    script = f"import sys; {BEFORE_FIRST_FRAME}; print('\\n'.join(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    heavy = [m for m in loaded if m.startswith(HEAVY)]
    assert heavy == []
