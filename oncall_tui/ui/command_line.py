"""The ``:`` command line, k9s-style: ``:alerts``, ``:ctx prod-eu``, ``:theme light``, ``:messages``.

Its words come from the screen registry (every registered screen by id), the contexts of the
config and the registered themes, so a new screen is a command without touching this module.
``:demo pause|resume|restart`` exists only with ``--demo``.
``tab`` (or ``→``) completes, ``↑``/``↓`` walk the history of this session, ``enter`` runs,
``escape`` closes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Key
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

from oncall_tui.ui.demo_controls import DEMO_ACTIONS, offered
from oncall_tui.ui.screen_registry import SCREENS

if TYPE_CHECKING:
    from oncall_tui.clock import DemoClock
    from oncall_tui.config.settings import Settings
    from oncall_tui.ui.notifications import Notice


class CommandHost(Protocol):
    """What the command line needs of the app (the app implements it; no import of the app here)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def available_themes(self) -> Iterable[str]: ...

    theme: str

    @property
    def messages(self) -> list[Notice]: ...

    def show_screen(self, screen_id: str) -> None: ...

    def switch_context(self, name: str) -> None: ...

    @property
    def demo_clock(self) -> DemoClock | None: ...

    def control_demo(self, action: str) -> str | None: ...

    def push_screen(self, screen: Any) -> Any: ...

    def exit(self) -> None: ...

    def action_help(self) -> None: ...

    def notify(self, message: str, *, title: str = ..., severity: Any = ..., markup: bool = ...) -> None: ...


HISTORY_SIZE = 50
"""Commands kept for ``↑``/``↓`` (per session)."""


@dataclass(frozen=True, slots=True)
class Command:
    """One word of the command line."""

    word: str
    """What is typed, e.g. ``alerts`` or ``ctx``."""
    help: str
    """One line for the completion hint."""
    run: Callable[[CommandHost, str], str | None]
    """Does it, given the argument; returns an error to show, or None."""
    arguments: Callable[[CommandHost], list[str]] | None = None
    """Completions of its argument (context names, theme names)."""
    offered: Callable[[CommandHost], bool] | None = None
    """Whether the app has this command now (``demo`` only with ``--demo``); None: always."""


def _show(screen_id: str) -> Callable[[CommandHost, str], str | None]:
    def run(app: CommandHost, _argument: str) -> str | None:
        app.show_screen(screen_id)
        return None

    return run


def _context(app: CommandHost, name: str) -> str | None:
    if not name:
        return f"ctx: which context? ({', '.join(app.settings.contexts)})"
    if name not in app.settings.contexts:
        return f"ctx: no context named {name!r} ({', '.join(app.settings.contexts)})"
    app.switch_context(name)
    return None


def _theme(app: CommandHost, name: str) -> str | None:
    themes = sorted(app.available_themes)
    if name not in app.available_themes:
        return f"theme: no theme named {name!r} ({', '.join(themes)})"
    app.theme = name
    return None


def _messages(app: CommandHost, _argument: str) -> str | None:
    from oncall_tui.ui.screens.messages import MessagesScreen

    app.push_screen(MessagesScreen(app.messages))
    return None


def _quit(app: CommandHost, _argument: str) -> str | None:
    app.exit()
    return None


def _help(app: CommandHost, _argument: str) -> str | None:
    app.action_help()
    return None


def _demo(app: CommandHost, action: str) -> str | None:
    return app.control_demo(action)


def _demo_arguments(app: CommandHost) -> list[str]:
    # What applies now first (pause or resume), so tab completes to it.
    now = offered(app.demo_clock)
    return now + [a for a in DEMO_ACTIONS if a not in now]


def commands(app: CommandHost) -> dict[str, Command]:
    """Every command the app has now, by word: the registered screens first, then the app's own."""
    table = {entry.id: Command(entry.id, entry.description, _show(entry.id)) for entry in SCREENS}
    for command in (
        Command("ctx", "switch to another context", _context, lambda app: list(app.settings.contexts)),
        Command("theme", "switch the colour theme", _theme, lambda app: sorted(app.available_themes)),
        Command("messages", "recent notifications with their times", _messages),
        Command(
            "demo",
            "pause, resume or restart the demo's incident cycle",
            _demo,
            _demo_arguments,
            lambda app: app.demo_clock is not None,
        ),
        Command("help", "every key of this screen", _help),
        Command("quit", "quit oncall-tui", _quit),
    ):
        if command.offered is None or command.offered(app):
            table.setdefault(command.word, command)
    return table


def completions(app: CommandHost, text: str) -> list[str]:
    """Full command lines that start with ``text`` (a word, or a word and an argument)."""
    table = commands(app)
    word, space, argument = text.lstrip().partition(" ")
    if not space:
        return [w for w in table if w.startswith(word)]
    command = table.get(word)
    if command is None or command.arguments is None:
        return []
    return [f"{word} {a}" for a in command.arguments(app) if a.startswith(argument.strip())]


def run(app: CommandHost, text: str) -> str | None:
    """Run one command line; an error message (unknown command, bad argument) or None."""
    word, _, argument = text.strip().partition(" ")
    if not word:
        return None
    table = commands(app)
    command = table.get(word)
    if command is None:
        matches = [w for w in table if w.startswith(word)]
        if len(matches) != 1:
            known = ", ".join(table)
            return f"unknown command {word!r} (known: {known})"
        command = table[matches[0]]
    return command.run(app, argument.strip())


class _Completer(Suggester):
    def __init__(self, app: CommandHost) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._app = app

    async def get_suggestion(self, value: str) -> str | None:
        found = completions(self._app, value)
        return found[0] if found and found[0] != value else None


class CommandLine(ModalScreen[None]):
    """A one-line prompt at the bottom of the screen."""

    DEFAULT_CSS = """
    CommandLine { align: left bottom; background: $background 0%; }
    CommandLine > #command-hint {
        height: 1; width: 100%; padding: 0 1; background: $panel; color: $text-muted;
    }
    CommandLine > Input { height: 1; width: 100%; border: none; padding: 0 0; background: $panel; }
    """

    BINDINGS: ClassVar[list[Binding]] = [  # type: ignore[assignment]
        Binding("escape", "close", "Close", id="command-close", tooltip="Close the command line"),
        Binding("tab", "complete", "Complete", id="command-complete", tooltip="Complete the word"),
        Binding("up", "history(-1)", "Previous", id="command-previous", tooltip="Previous command"),
        Binding("down", "history(1)", "Next", id="command-next", tooltip="Next command"),
    ]

    def __init__(self, history: list[str]) -> None:
        super().__init__()
        self.history = history
        """Commands run this session, oldest first (shared with the app: kept between openings)."""
        self._position = len(history)
        self._prompt_focused = False

    @property
    def _app(self) -> CommandHost:
        return cast(CommandHost, self.app)

    def compose(self) -> ComposeResult:
        yield Static(self._hint(""), id="command-hint")
        yield Input(placeholder="alerts, ctx NAME, theme NAME, messages …", suggester=_Completer(self._app))

    @property
    def input(self) -> Input:
        """The prompt."""
        return self.query_one(Input)

    def on_mount(self) -> None:
        self.input.focus()

    def on_descendant_focus(self) -> None:
        # Queued after every key that reached this screen before the prompt had focus.
        self._prompt_focused = True

    async def on_key(self, event: Key) -> None:
        # Keys typed (or pasted) right after ":" reach this screen before its prompt has focus:
        # they belong in the prompt.
        if self._prompt_focused:
            return
        if event.is_printable and event.character:
            self.input.insert_text_at_cursor(event.character)
        elif event.key == "enter":
            await self.input.action_submit()
        else:
            return
        event.stop()
        event.prevent_default()

    def _hint(self, text: str) -> str:
        found = completions(self._app, text)
        if not found:
            return "no such command — tab completes, ↑/↓ history, esc closes"
        table = commands(self._app)
        shown = found[:6]
        word = text.strip().partition(" ")[0]
        if word in table and " " in text:
            return "  ".join(shown)
        return "  ".join(f":{w}" for w in shown) + (
            f" — {table[shown[0]].help}" if len(shown) == 1 and shown[0] in table else ""
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#command-hint", Static).update(self._hint(event.value))

    def action_complete(self) -> None:
        found = completions(self._app, self.input.value)
        if found:
            table = commands(self._app)
            self.input.value = found[0] + (" " if found[0] in table and table[found[0]].arguments else "")
            self.input.cursor_position = len(self.input.value)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._position = min(max(self._position + step, 0), len(self.history))
        self.input.value = self.history[self._position] if self._position < len(self.history) else ""
        self.input.cursor_position = len(self.input.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip().removeprefix(":")
        if text:
            if text in self.history:
                self.history.remove(text)
            self.history.append(text)
            del self.history[:-HISTORY_SIZE]
        self.dismiss()
        error = run(self._app, text)
        if error is not None:
            self._app.notify(error, title="Command", severity="error", markup=False)

    def action_close(self) -> None:
        self.dismiss()


__all__ = ["Command", "CommandLine", "commands", "completions", "run"]
