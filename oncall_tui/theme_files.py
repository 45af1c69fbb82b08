"""Theme files as data: find, parse and validate them (no Textual here; ui/theme.py converts)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from oncall_tui.errors import ConfigError
from oncall_tui.models.theme_colours import SEMANTIC_VARIABLES

_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


def _check_colour(value: str) -> str:
    if not _COLOUR.match(value):
        raise ValueError(f"expected a colour like #rrggbb (got {value!r})")
    return value


class ThemeFile(BaseModel):
    """One theme file (YAML)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    """Theme name used in config and the command palette."""
    dark: bool = True
    """Whether it is a dark theme (Textual derives shades from it)."""
    primary: str
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    success: str | None = None
    warning: str | None = None
    error: str | None = None
    variables: dict[str, str] = Field(default_factory=dict)
    """Semantic variables (severity-*, stale, …); missing ones take the defaults."""

    @field_validator(
        "primary",
        "secondary",
        "accent",
        "foreground",
        "background",
        "surface",
        "panel",
        "success",
        "warning",
        "error",
    )
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        return None if value is None else _check_colour(value)

    @field_validator("variables")
    @classmethod
    def _variable_colours(cls, value: dict[str, str]) -> dict[str, str]:
        for key, colour in value.items():
            try:
                _check_colour(colour)
            except ValueError as exc:
                raise ValueError(f"variables.{key}: {exc}") from None
        return value

    def all_variables(self) -> dict[str, str]:
        """Semantic variables with defaults filled in."""
        return {**SEMANTIC_VARIABLES, **self.variables}


def shipped_themes_dir() -> Path:
    """Where the themes shipped with the app are: inside the wheel, or ``themes/`` in a checkout."""
    packaged = Path(__file__).parent / "_themes"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "themes"


def load_theme_file(path: Path) -> ThemeFile:
    """Parse one theme file; errors name the file and field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([f"{path}: cannot read theme: {str(exc).splitlines()[0]}"]) from None
    if not isinstance(raw, dict):
        raise ConfigError([f"{path}: expected a mapping of theme fields"])
    try:
        return ThemeFile.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{path}: {'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ConfigError(problems) from None


def discover_themes(user_dir: Path | None) -> tuple[list[ThemeFile], list[str]]:
    """All shipped themes, then user themes (which may override by name); plus one line per invalid file."""
    themes: dict[str, ThemeFile] = {}
    problems: list[str] = []
    dirs = [shipped_themes_dir()]
    if user_dir is not None and user_dir.is_dir():
        dirs.append(user_dir)
    for directory in dirs:
        for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
            try:
                theme = load_theme_file(path)
            except ConfigError as exc:
                problems.extend(exc.problems)
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems
