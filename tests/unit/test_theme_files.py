"""Shipped and user theme files: validated, semantic variables present, errors name file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.errors import ConfigError
from oncall_tui.models.theme_colours import SEMANTIC_VARIABLES
from oncall_tui.theme_files import discover_themes, load_theme_file, shipped_themes_dir


def test_every_shipped_theme_is_valid_and_defines_every_semantic_variable() -> None:
    themes, problems = discover_themes(None)
    assert problems == []
    assert {t.name for t in themes} >= {"dark", "light", "high-contrast", "colorblind-safe"}
    for theme in themes:
        # Shipped themes spell out every meaning-carrying colour rather than leaning on defaults.
        assert set(theme.variables) >= set(SEMANTIC_VARIABLES), theme.name


def test_colorblind_theme_does_not_rely_on_red_versus_green_for_up_and_down() -> None:
    themes = {t.name: t for t in discover_themes(None)[0]}
    safe = themes["colorblind-safe"].all_variables()
    assert safe["source-up"] != themes["dark"].all_variables()["source-up"]
    assert len({safe["severity-critical"], safe["severity-warning"], safe["severity-info"]}) == 3


def test_invalid_colour_names_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\nprimary: '#12'\nvariables:\n  severity-critical: red\n")
    with pytest.raises(ConfigError) as caught:
        load_theme_file(path)
    problems = caught.value.problems
    assert any(str(path) in p and "primary" in p and "#rrggbb" in p for p in problems)
    assert any("variables" in p and "severity-critical" in p for p in problems)


def test_user_themes_add_and_override_and_bad_ones_are_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "night.yaml").write_text("name: night\nprimary: '#336699'\n")
    (tmp_path / "dark.yaml").write_text("name: dark\nprimary: '#010203'\n")
    (tmp_path / "junk.yaml").write_text("- just\n- a list\n")
    themes, problems = discover_themes(tmp_path)
    by_name = {t.name: t for t in themes}
    assert by_name["night"].primary == "#336699"
    assert by_name["night"].all_variables()["severity-critical"] == SEMANTIC_VARIABLES["severity-critical"]
    assert by_name["dark"].primary == "#010203"
    assert problems == [f"{tmp_path / 'junk.yaml'}: expected a mapping of theme fields"]


def test_shipped_themes_dir_exists() -> None:
    assert (shipped_themes_dir() / "dark.yaml").is_file()
