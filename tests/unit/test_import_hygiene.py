"""The headless core never imports Textual (ARCHITECTURE rule 1), checked in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import oncall_tui

UI_MODULES = ("oncall_tui.ui",)
"""Only these may import Textual; commands import the UI lazily, inside functions."""


def headless_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(oncall_tui.__path__, prefix="oncall_tui."):
        if info.name.startswith(UI_MODULES) or info.name == "oncall_tui.__main__":
            continue
        names.append(info.name)
    return names


def test_headless_core_does_not_import_textual() -> None:
    modules = headless_modules()
    assert "oncall_tui.domain.matchers" in modules and "oncall_tui.clients.prometheus" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"Textual imported by the headless core: {result.stdout}"
