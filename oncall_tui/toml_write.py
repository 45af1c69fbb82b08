"""Write plain data (dicts, lists, strings, numbers, booleans) as TOML that people read and edit.

The standard library reads TOML (``tomllib``) but cannot write it; this covers what the app's
own files hold. Top-level scalars first, then a table's dicts of scalars as inline tables
(``thresholds = { warning = 1, critical = 2 }``), lists of dicts as arrays of tables
(``[[panels]]`` / ``[[panels.queries]]``). Strings prefer the literal form (``'…'``, no
escapes: PromQL is full of double quotes and backslashes) and fall back to escaped basic
strings when they must.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# TOML forbids control characters other than tab in literal strings.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_EXCEPT_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class TomlWriteError(ValueError):
    """The data holds something TOML cannot represent (None, a mixed-type value, a non-string key)."""


def key(name: object) -> str:
    """A TOML key: bare when it can be, else quoted."""
    if not isinstance(name, str):
        raise TomlWriteError(f"TOML keys are strings, not {type(name).__name__}")
    return name if _BARE_KEY.fullmatch(name) else basic_string(name)


def basic_string(text: str) -> str:
    """``text`` as a double-quoted TOML string with escapes."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def string(text: str) -> str:
    """The most readable TOML spelling of ``text`` that reads back unchanged."""
    if "'" not in text and not _CONTROL.search(text):
        return f"'{text}'"
    if "\n" in text and "'" not in text and not _CONTROL_EXCEPT_NEWLINE.search(text):
        # The newline right after the opening ''' is dropped by readers; the text starts after it.
        return f"'''\n{text}'''"
    return basic_string(text)


def value(item: object) -> str:
    """One TOML value (inline form)."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if math.isnan(item):
            return "nan"
        if math.isinf(item):
            return "inf" if item > 0 else "-inf"
        text = repr(item)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(item, str):
        return string(item)
    if isinstance(item, Mapping):
        if not item:
            return "{}"
        return "{ " + ", ".join(f"{key(k)} = {value(v)}" for k, v in item.items()) + " }"
    if isinstance(item, Sequence):
        return "[" + ", ".join(value(v) for v in item) + "]"
    raise TomlWriteError(f"TOML cannot hold {type(item).__name__}")


def _is_table_array(item: object) -> bool:
    return (
        isinstance(item, Sequence)
        and not isinstance(item, str)
        and bool(item)
        and all(isinstance(v, Mapping) for v in item)
    )


def _table(data: Mapping[str, Any], path: str, lines: list[str]) -> None:
    arrays: list[tuple[str, Sequence[Mapping[str, Any]]]] = []
    for name, item in data.items():
        if item is None:
            continue  # TOML has no null: an unset optional field is simply absent
        if _is_table_array(item):
            arrays.append((name, item))
        else:
            lines.append(f"{key(name)} = {value(item)}")
    for name, tables in arrays:
        full = f"{path}.{key(name)}" if path else key(name)
        for table in tables:
            lines.append("")
            lines.append(f"[[{full}]]")
            _table(table, full, lines)


def dumps(data: Mapping[str, Any]) -> str:
    """``data`` as a TOML document (ends with a newline)."""
    lines: list[str] = []
    _table(data, "", lines)
    return "\n".join(lines).lstrip("\n") + "\n"
