"""What the terminal shows, line by line: read from the app's own screenshot (through every widget's
``render_line`` and its caches), never from helpers that build the cells again."""

from __future__ import annotations

import html
import re
from typing import Any

_TEXT = re.compile(r'<text [^>]*clip-path="url\(#terminal-\d+-line-(\d+)\)"[^>]*>([^<]*)</text>')


def rendered_lines(app: Any) -> list[str]:
    """Every line of the screen as the user sees it (styles dropped, trailing spaces kept)."""
    lines: dict[int, list[str]] = {}
    for number, text in _TEXT.findall(app.export_screenshot()):
        lines.setdefault(int(number), []).append(html.unescape(text).replace("\xa0", " ").rstrip("\n"))
    return ["".join(lines.get(n, [])) for n in range(max(lines, default=-1) + 1)]


def line_with(app: Any, needle: str) -> str:
    """The first rendered line containing ``needle`` ("" when none does)."""
    return next((line for line in rendered_lines(app) if needle in line), "")
