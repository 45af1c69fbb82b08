"""The headless core never imports Textual, Rich or plotext (ARCHITECTURE rule 1), and no module of the
package imports itself back through others; checked in a fresh interpreter and on the import graph."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import grimp

import oncall_tui

UI_MODULES = ("oncall_tui.ui",)
"""Only these may import Textual, Rich and plotext; commands import the UI lazily, inside functions."""
UI_LIBRARIES = ("textual", "rich", "plotext", "textual_plotext")
"""Libraries of the terminal UI."""


def headless_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(oncall_tui.__path__, prefix="oncall_tui."):
        if info.name.startswith(UI_MODULES) or info.name == "oncall_tui.__main__":
            continue
        names.append(info.name)
    return names


def test_headless_core_does_not_import_the_ui_libraries() -> None:
    modules = headless_modules()
    assert "oncall_tui.domain.matchers" in modules and "oncall_tui.clients.prometheus" in modules
    code = (
        "import importlib, sys\n"
        # httpx imports Rich for its command-line client whenever Rich is installed (Textual needs it):
        # that is httpx's import, not ours; without it httpx only loses its CLI.
        "sys.modules['httpx._main'] = None\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"leaked = sorted(m for m in sys.modules if m.split('.')[0] in {UI_LIBRARIES!r})\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"UI libraries imported by the headless core: {result.stdout}"


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules importing each other (strongly connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        # Iterative Tarjan: (module, its imports still to visit).
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, pending = work[-1]
            step = next(pending, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph.find_modules_directly_imported_by(step)))))
                elif step in on_stack:
                    low[module] = min(low[module], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(name)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert import_cycles(graph) == [["pkg.a", "pkg.b"]]


def test_no_import_cycle_among_oncall_tui_modules() -> None:
    """Imports inside ``if TYPE_CHECKING:`` do not count; imports inside functions do (the UI included:
    screens reach the app through the ``AppServices`` protocol and the screen registry)."""
    graph = grimp.build_graph("oncall_tui", exclude_type_checking_imports=True)
    assert import_cycles(graph) == []
