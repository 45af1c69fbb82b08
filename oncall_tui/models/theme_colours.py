"""The theme variables that carry meaning and their defaults (no imports: the first frame needs them)."""

from __future__ import annotations

SEMANTIC_VARIABLES: dict[str, str] = {
    "severity-critical": "#ff5f5f",
    "severity-warning": "#ffaf00",
    "severity-info": "#5fafff",
    "severity-none": "#8a8a8a",
    "stale": "#d7af5f",
    "source-up": "#5fd75f",
    "source-down": "#ff5f5f",
    "threshold-breach": "#ff5f5f",
    "span-error": "#ff5f5f",
    "critical-path": "#ffaf5f",
    "demo-badge": "#af5fff",
}
"""Theme variables that carry meaning, with the defaults used when a theme leaves one out."""
