"""Dashboard variables: the choices offered and the value each one substitutes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from oncall_tui.config.dashboards import Dashboard, Variable
from oncall_tui.domain.promql import ALL_VALUE

ALL_CHOICE = "All"
"""The choice that stands for every value (substituted as ``.*``)."""


def choices_of(variable: Variable, found: Sequence[str]) -> list[str]:
    """What the picker offers: "All" first when allowed, then the fixed or found values."""
    values = list(variable.values) if variable.values is not None else list(found)
    return [ALL_CHOICE, *values] if variable.include_all else values


def initial_choice(variable: Variable, choices: Sequence[str]) -> str:
    """The choice selected at first: the default if offered (or fixed), else the first choice."""
    if variable.default is not None and (variable.default in choices or not choices):
        return variable.default
    return choices[0] if choices else ""


def substitution(choice: str) -> str:
    """The text a choice puts into expressions ("All" → ``.*``)."""
    return ALL_VALUE if choice == ALL_CHOICE else choice


def resolve(
    dashboard: Dashboard,
    found: Mapping[str, Sequence[str]],
    chosen: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """``name → choice`` for every variable: the user's choice, else the initial one."""
    chosen = chosen or {}
    out: dict[str, str] = {}
    for variable in dashboard.variables:
        if variable.name in chosen:
            out[variable.name] = chosen[variable.name]
        else:
            out[variable.name] = initial_choice(variable, choices_of(variable, found.get(variable.name, ())))
    return out


def substitutions(choices: Mapping[str, str]) -> dict[str, str]:
    """``name → text`` to substitute for each chosen value."""
    return {name: substitution(choice) for name, choice in choices.items()}
