"""The runbooks of the demo's alerts, shipped inside the package (``oncall_tui/demo/runbooks/``).

The demo alerts link to ``https://runbooks.example.com/<service>/<name>``; one URL rule maps that
prefix onto the packaged directory, the way a team maps its wiki's URLs onto a checkout.
"""

from __future__ import annotations

from pathlib import Path

from oncall_tui.config.runbooks import RunbookSettings, RunbookUrlRule

DEMO_RUNBOOK_DIR = Path(__file__).resolve().parent / "runbooks"
"""The packaged Markdown runbooks of the demo alerts."""
DEMO_RUNBOOK_PREFIX = "https://runbooks.example.com/"
"""Start of the demo alerts' ``runbook_url`` annotations."""


def demo_runbook_settings() -> RunbookSettings:
    """``[runbooks]`` of the demo: the packaged directory, and the URL rule onto it."""
    return RunbookSettings(
        dirs=[DEMO_RUNBOOK_DIR],
        url_rules=[RunbookUrlRule(prefix=DEMO_RUNBOOK_PREFIX, dir=DEMO_RUNBOOK_DIR)],
        command_timeout=10.0,
    )
