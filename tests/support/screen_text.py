"""What the terminal shows, line by line: read from the app's own screenshot (through every widget's
``render_line`` and its caches), never from helpers that build the cells again."""

from __future__ import annotations

import html
import re
from typing import Any

_TEXT = re.compile(
    r'<text [^>]*x="([\d.]+)"[^>]*textLength="([\d.]+)"[^>]*clip-path="url\(#terminal-\d+-line-(\d+)\)"[^>]*>'
    r"([^<]*)</text>"
)


def rendered_lines(app: Any) -> list[str]:
    """Every line of the screen as the user sees it (styles dropped; runs of blanks kept, since the
    SVG leaves blank cells out, each piece of text is put back at its column)."""
    pieces = [
        (int(line), float(x), float(length), html.unescape(text).replace("\xa0", " "))
        for x, length, line, text in _TEXT.findall(app.export_screenshot())
    ]
    widths = [length / len(text) for _, _, length, text in pieces if text and text.isascii()]
    cell = min(widths, default=1.0)
    lines: dict[int, list[str]] = {}
    for number, x, _, text in pieces:
        chars = lines.setdefault(number, [])
        column = round(x / cell)
        chars.extend(" " * (column - len(chars)))
        chars[column : column + len(text)] = list(text)
    return ["".join(lines.get(n, [])).rstrip() for n in range(max(lines, default=-1) + 1)]


def line_with(app: Any, needle: str) -> str:
    """The first rendered line containing ``needle`` ("" when none does)."""
    return next((line for line in rendered_lines(app) if needle in line), "")
