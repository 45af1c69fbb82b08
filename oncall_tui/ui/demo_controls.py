"""Pause, resume and restart the demo's incident cycle (``--demo``): what the palette and ``:demo`` run.

A newcomer reading the detail pane should not see the critical alert resolve halfway through: the
demo's clock (:class:`~oncall_tui.clock.DemoClock`, shared by the app and the demo servers) is held
still, so the queue, the ages, the countdowns and the graphs stay as they are until resumed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from oncall_tui.clock import DemoClock

DEMO_ACTIONS = ("pause", "resume", "restart")
"""The arguments of ``:demo``."""

PALETTE: dict[str, tuple[str, str]] = {
    "pause": (
        "Demo: pause the incident cycle",
        "Hold the demo still: nothing resolves, fires or escalates until resumed (:demo pause)",
    ),
    "resume": ("Demo: resume", "Let the incident cycle run on from where it was paused (:demo resume)"),
    "restart": (
        "Demo: restart the incident cycle",
        "Back to the start, alerts of every severity firing (:demo restart)",
    ),
}
"""Palette title and help of each action."""


class DemoHost(Protocol):
    """What the controls need of the app."""

    @property
    def demo_clock(self) -> DemoClock | None: ...

    demo_paused: bool

    def refresh_sources(self) -> None: ...

    def notify(self, message: str, *, title: str = ..., severity: Any = ..., markup: bool = ...) -> None: ...


def offered(clock: DemoClock | None) -> list[str]:
    """The actions that make sense on ``clock`` now: pause or resume (whichever applies), and restart."""
    if clock is None:
        return []
    return ["resume" if clock.paused else "pause", "restart"]


def control(app: DemoHost, action: str) -> str | None:
    """Run ``action`` (``pause``, ``resume``, ``restart``) and toast what happened; an error, or None."""
    clock = app.demo_clock
    if clock is None:
        return "demo: only with --demo"
    if action == "pause":
        if clock.pause():
            message = "incident cycle paused: nothing resolves, fires or escalates — :demo resume"
        else:
            message = "already paused — :demo resume runs it on"
    elif action == "resume":
        message = "incident cycle resumed" if clock.resume() else "not paused — :demo pause holds it still"
    elif action == "restart":
        clock.restart()
        app.refresh_sources()
        message = "incident cycle restarted: alerts of every severity fire again"
        if clock.paused:
            message += " (still paused — :demo resume)"
    else:
        return f"demo: {action or 'what'}? ({', '.join(DEMO_ACTIONS)})"
    app.demo_paused = clock.paused
    app.notify(message, title="Demo", markup=False)
    return None
