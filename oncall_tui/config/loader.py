"""Load ``config.toml``, apply ``ONCALL_*`` env and CLI overrides, and report every problem on one line.

Precedence, lowest to highest: the file < ``ONCALL_*`` environment variables < command-line
overrides. The three are merged as plain dicts and validated once, while a provenance map
remembers which env var or CLI option set (or created) each path; so a problem names the
place the bad value came from: the file, the env var, or the command line.

Why not pydantic-settings: its env source lower-cases names and cannot map
``ONCALL_CONTEXTS__PROD_EU__…`` onto a context the file spells ``prod-eu``, and its
errors cannot say which source a value came from. The equivalent here is small.

Env nesting: ``ONCALL_A__B__C=v`` sets ``a.b.c``. Each segment matches an existing key
case-insensitively with ``-`` and ``_`` treated alike (``PROD_EU`` finds ``prod-eu``);
a segment with no match becomes a new lower-case key. Values starting with ``[`` or ``{``
are parsed as JSON (``ONCALL_CONTEXTS__PROD__ALERTMANAGER__URLS='["http://a:9093"]'``).
Only variables whose first segment is a top-level setting are read, so an unrelated
``ONCALL_AM_TOKEN`` (say, a secret named by ``auth.secret.env``) is left alone.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from oncall_tui.config import locations
from oncall_tui.config.checks import config_problems
from oncall_tui.config.settings import Settings
from oncall_tui.errors import ConfigError

ENV_PREFIX = "ONCALL_"
"""Prefix of the environment variables that override the config file."""

ENV_NESTING = "__"
"""Separator of nested keys in an env variable name."""

CLI_ORIGIN = "command line"
"""How a problem with a command-line override names its origin."""

_MAX_ECHO = 40
"""Echoed input values are cut to this many characters: one line stays one line."""

# A value under one of these keys is never repeated in a message: it may be (or be
# mistaken for) a credential, e.g. ``token = "…"`` under auth, or a Slack webhook URL.
_SENSITIVE_KEYS = frozenset({"auth", "secret", "password", "token", "routing_key", "notifiers", "headers"})

_URL_USERINFO = re.compile(r"(://)[^/@\s]*@")

_TOML_POSITION = re.compile(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$", re.DOTALL)

Raw = dict[str, Any]
KeyPath = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    """Validated settings plus where they came from."""

    settings: Settings
    """The merged, validated configuration."""
    path: Path | None
    """The config file that was read, or None when there was none (defaults, env and CLI only)."""
    searched: Path
    """The file that was looked for (the ``--config`` path or the XDG default)."""
    env_vars: tuple[str, ...] = ()
    """Names (never values) of the ``ONCALL_*`` variables that were applied, sorted."""


def load_settings(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    context: str | None = None,
    for_app: bool = False,
) -> LoadedSettings:
    """Read, merge and validate the configuration: the one validation path of ``config check`` and app start.

    ``path`` is ``--config``: it must exist. Without it the XDG file is read if present,
    otherwise the defaults apply. ``env`` defaults to ``os.environ``. ``overrides`` is a
    nested dict of CLI values; ``None`` values are ignored (an option not given).
    ``for_app``: also run :func:`oncall_tui.config.checks.config_problems` (contexts exist,
    ``context`` names one, referenced files exist, keymap, peers), as app start and
    ``config check`` both do. Raises ConfigError with one line per problem, every problem of
    the config in one pass.
    """
    explicit = path is not None
    file_path = path.expanduser() if path is not None else locations.config_file()
    raw, found = _read_file(file_path, required=explicit)
    file_label = str(file_path)

    origins: dict[KeyPath, str] = {}
    problems: list[str] = []
    applied = _apply_env(raw, os.environ if env is None else env, origins, problems)
    _apply_overrides(raw, overrides or {}, (), origins)
    if problems:
        raise ConfigError(problems)
    checks = config_problems(raw, origins, file_label, context=context, found=found) if for_app else []
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        # ``from None``: the pydantic error echoes every input value; it must not ride along in a traceback.
        raise ConfigError(describe_validation_error(error, origins, file_label) + checks) from None
    if checks:
        raise ConfigError(checks)
    return LoadedSettings(
        settings=settings, path=file_path if found else None, searched=file_path, env_vars=applied
    )


def _read_file(path: Path, *, required: bool) -> tuple[Raw, bool]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ConfigError([f"{path}: config file not found"]) from None
        return {}, False
    except OSError as error:
        raise ConfigError([f"{path}: cannot read the config file ({error.strerror or error})"]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError([f"{path}: expected UTF-8 text (invalid byte at offset {error.start})"]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([_describe_toml_error(path, error)]) from None
    _resolve_relative_files(raw, path.parent)
    return raw, True


def _describe_toml_error(path: Path, error: tomllib.TOMLDecodeError) -> str:
    message = str(error)
    match = _TOML_POSITION.match(message)
    if match:
        where = f"line {match['line']}, column {match['col']}"
        return f"{path}: {where}: invalid TOML: {match['msg'].splitlines()[0]}"
    return f"{path}: invalid TOML: {message.splitlines()[0] if message else 'syntax error'}"


def _resolve_relative_files(raw: Raw, base: Path) -> None:
    # ``ca_file = "ca.pem"`` means next to the config file, not wherever the app was started.
    contexts = raw.get("contexts")
    if not isinstance(contexts, dict):
        return
    for context in contexts.values():
        if not isinstance(context, dict):
            continue
        for source in context.values():
            tls = source.get("tls") if isinstance(source, dict) else None
            if isinstance(tls, dict) and isinstance(tls.get("ca_file"), str) and tls["ca_file"]:
                ca = Path(tls["ca_file"]).expanduser()
                tls["ca_file"] = str(ca if ca.is_absolute() else base / ca)


def _norm(key: str) -> str:
    return key.lower().replace("-", "_")


def _apply_env(
    raw: Raw, env: Mapping[str, str], origins: dict[KeyPath, str], problems: list[str]
) -> tuple[str, ...]:
    top_level = set(Settings.model_fields)
    applied: list[str] = []
    for name in sorted(env):
        if not name.upper().startswith(ENV_PREFIX):
            continue
        parts = name[len(ENV_PREFIX) :].split(ENV_NESTING)
        if parts[0].lower() not in top_level:
            continue
        if any(not part for part in parts):
            problems.append(f"env {name}: empty key between '{ENV_NESTING}' separators")
            continue
        node: Raw = raw
        path: list[str] = []
        for index, part in enumerate(parts):
            candidates = [key for key in node if _norm(key) == _norm(part)]
            if len(candidates) > 1:
                where = ".".join([*path, part.lower()])
                problems.append(f"env {name}: {where}: ambiguous, matches {', '.join(sorted(candidates))}")
                break
            key = candidates[0] if candidates else part.lower()
            path.append(key)
            if index == len(parts) - 1:
                node[key] = _parse_env_value(env[name])
                origins[tuple(path)] = f"env {name}"
                applied.append(name)
                break
            child = node.get(key)
            if child is None:
                child = node[key] = {}
                origins.setdefault(tuple(path), f"env {name}")
            elif not isinstance(child, dict):
                problems.append(
                    f"env {name}: {'.'.join(path)}: is not a table, so it has no key '{parts[index + 1]}'"
                )
                break
            node = child
    return tuple(applied)


def _parse_env_value(value: str) -> Any:
    stripped = value.strip()
    if stripped[:1] in ("[", "{"):
        try:
            return json.loads(stripped)
        except ValueError:
            pass  # validation then reports "expected a list" for the string, which says enough
    return value


def _apply_overrides(
    raw: Raw, overrides: Mapping[str, Any], prefix: KeyPath, origins: dict[KeyPath, str]
) -> None:
    for key, value in overrides.items():
        if value is None:
            continue
        path = (*prefix, key)
        if isinstance(value, Mapping):
            child = raw.get(key)
            if not isinstance(child, dict):
                child = raw[key] = {}
                origins.setdefault(path, CLI_ORIGIN)
            _apply_overrides(child, value, path, origins)
        else:
            raw[key] = value
            origins[path] = CLI_ORIGIN


def describe_validation_error(
    error: ValidationError, origins: Mapping[KeyPath, str], file_label: str
) -> list[str]:
    """One line per pydantic error: ``ORIGIN: field.path: what was expected (got 'short value')``."""
    problems: list[str] = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        key = tuple(str(part) for part in loc)
        origin = file_label
        for length in range(len(key), 0, -1):
            if key[:length] in origins:
                origin = origins[key[:length]]
                break
        line = f"{origin}: {_field_path(loc)}: {_expectation(item, loc)}"
        if line not in problems:
            problems.append(line)
    return problems


def _field_path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        name = str(part)
        # A key with a newline or a control character (TOML allows quoted ones) is shown escaped, so
        # every problem stays one line.
        if not isinstance(part, int) and not (name and name.isprintable()):
            name = repr(name)
        text += f"[{part}]" if isinstance(part, int) else (f".{name}" if text else name)
    return text or "(top level)"


_EXPECTED = {
    "missing": "required, but not set",
    "url_parsing": "expected an http(s) URL",
    "url_scheme": "expected an http(s) URL",
    "url_type": "expected an http(s) URL",
    "url_syntax_violation": "expected an http(s) URL",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "int_parsing": "expected a whole number",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected a string",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
    "dict_type": "expected a table",
    "list_type": "expected a list",
}


def _expectation(item: Any, loc: tuple[Any, ...]) -> str:
    kind: str = item["type"]
    ctx: dict[str, Any] = item.get("ctx") or {}
    if kind == "extra_forbidden":
        # Never echo the value: an unknown key is often a misplaced secret (``token = "…"``).
        return _unknown_key_hint(loc)
    if kind in _EXPECTED:
        text = _EXPECTED[kind]
    elif kind == "greater_than":
        text = f"expected a number greater than {_num(ctx.get('gt'))}"
    elif kind == "less_than_equal":
        text = f"expected a number of at most {_num(ctx.get('le'))}"
    elif kind == "finite_number":
        text = "expected a finite number"
    elif kind == "greater_than_equal":
        text = f"expected a number of at least {_num(ctx.get('ge'))}"
    elif kind == "too_short":
        text = f"expected at least {ctx.get('min_length')} item(s)"
    elif kind == "literal_error":
        text = f"expected {ctx.get('expected')}"
    elif kind in ("value_error", "assertion_error"):
        text = str(ctx.get("error") or item["msg"]).removeprefix("Value error, ")
    else:
        text = str(item["msg"]).replace("Input should be", "expected", 1)
        text = text[:1].lower() + text[1:]
    if kind != "missing":
        text += _echo(item.get("input"), loc, containers=kind.endswith("_type"))
    return " ".join(text.split())


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _echo(value: Any, loc: tuple[Any, ...], *, containers: bool) -> str:
    """`` (got …)`` for a short scalar; for a table or list only when its type was the problem."""
    if any(str(part).lower() in _SENSITIVE_KEYS for part in loc):
        return ""
    if isinstance(value, bool | int | float):
        return f" (got {value!r})"
    if isinstance(value, str):
        value = _URL_USERINFO.sub(r"\1***@", value)  # ``https://user:pass@host``: never echo the password
        shown = value if len(value) <= _MAX_ECHO else value[: _MAX_ECHO - 1] + "…"
        return f" (got {shown!r})"
    if containers and isinstance(value, dict):
        return " (got a table)"
    if containers and isinstance(value, list):
        return " (got a list)"
    return ""


def _unknown_key_hint(loc: tuple[Any, ...]) -> str:
    model = _model_at(loc[:-1])
    if model is None or not loc:
        return "unknown key"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    if close:
        return f"unknown key (did you mean '{close[0]}'?)"
    return f"unknown key (expected one of: {', '.join(allowed)})"


def _unwrap_optional(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        args = [arg for arg in get_args(tp) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that validates the value at ``loc`` (for unknown-key hints)."""
    tp: Any = Settings
    for part in loc:
        tp = _unwrap_optional(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        else:
            return None
    tp = _unwrap_optional(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None
