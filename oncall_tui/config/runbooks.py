"""Config of runbooks: where the Markdown files live and how ``runbook_url`` links map onto them.

Everything here is ``[runbooks]`` in config.toml. Example::

    [runbooks]
    dirs = ["~/src/team-runbooks", "~/src/prometheus-operator-runbooks/content/runbooks"]
    command_timeout = 30            # seconds
    output_lines = 20

    # https://runbooks.prometheus-operator.dev/runbooks/node/nodefilesystemspacefillingup/
    #   → ~/src/prometheus-operator-runbooks/content/runbooks/node/NodeFilesystemSpaceFillingUp.md
    [[runbooks.url_rules]]
    prefix = "https://runbooks.prometheus-operator.dev/runbooks/"
    dir = "~/src/prometheus-operator-runbooks/content/runbooks"

    # https://github.com/openshift/runbooks/blob/master/alerts/<operator>/<AlertName>.md
    [[runbooks.url_rules]]
    prefix = "https://github.com/openshift/runbooks/blob/master/"
    dir = "~/src/openshift-runbooks"

An alert's ``runbook_url`` is looked up as a local path, then as a name inside one of ``dirs``, then
through the first ``url_rules`` entry (longest prefix first) whose ``prefix`` starts the URL. Letter
case, a missing ``.md`` and a trailing ``/`` do not matter; a ``#anchor`` selects the section under
that heading. An alert without ``runbook_url`` is matched by its alertname against the file names in
``dirs`` and the rules' directories.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator


class RunbookUrlRule(BaseModel):
    """One ``[[runbooks.url_rules]]`` entry: URLs starting with ``prefix`` are files below ``dir``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prefix: str = Field(min_length=1)
    """Start of the URL, e.g. ``"https://runbooks.prometheus-operator.dev/runbooks/"``."""
    dir: Path
    """Directory the rest of the URL is looked up in (``~`` expanded)."""

    @field_validator("dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()


class RunbookSettings(BaseModel):
    """``[runbooks]``: runbook directories, URL rules, and limits for running a step's command."""

    model_config = ConfigDict(extra="forbid")

    dirs: list[Path] = Field(default_factory=list)
    """Directories of Markdown runbooks (``~`` expanded), searched in order."""
    url_rules: list[RunbookUrlRule] = Field(default_factory=list)
    """Prefix rules that map ``runbook_url`` URLs onto local directories."""
    command_timeout: float = Field(default=30.0, gt=0, le=3600)
    """Seconds a step's shell command may run before it is killed (and the timeout logged)."""
    output_lines: int = Field(default=20, ge=1, le=1000)
    """Lines of a command's output kept for the incident timeline."""

    @field_validator("dirs")
    @classmethod
    def _expand(cls, value: list[Path]) -> list[Path]:
        return [p.expanduser() for p in value]
