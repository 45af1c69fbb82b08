"""Which Markdown file an alert's ``runbook_url`` means.

Three kinds of reference resolve: a local path (or ``file://`` URL); a name relative to one of the
runbook directories; and a URL whose start matches a ``[[runbooks.url_rules]]`` prefix, the rest of it
then being a name inside that rule's directory. Names match regardless of letter case, with or
without ``.md`` and a trailing ``/`` (a directory's ``index.md``, ``_index.md`` or ``README.md``),
so all three link styles of real rule sets land on their file:

* ``https://runbooks.prometheus-operator.dev/runbooks/node/nodefilesystemspacefillingup/`` →
  ``node/NodeFilesystemSpaceFillingUp.md`` (Hugo lower-cases the path; the file keeps its case);
* ``https://github.com/openshift/runbooks/blob/master/alerts/<operator>/<AlertName>.md`` → that path
  in a checkout of the repository;
* ``…/runbook.md#alert-name-kubeapidown`` → ``runbook.md``, anchor ``alert-name-kubeapidown`` (the
  parser then keeps only the section under that heading).

An alert without ``runbook_url`` is matched by alertname against file names (``TargetDown`` finds
``TargetDown.md`` and ``target-down.md``). Everything reads the file system through a
:class:`FileSystem` passed in, so this module does no IO of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol
from urllib.parse import unquote, urlsplit

from oncall_tui.config.runbooks import RunbookUrlRule

MARKDOWN_SUFFIXES = (".md", ".markdown")
"""File endings tried after the name as written."""
INDEX_NAMES = ("index.md", "_index.md", "README.md")
"""Files that stand for a directory (Hugo's ``_index.md`` included)."""
MAX_SEARCH_DEPTH = 6
"""How deep the alertname search walks below a runbook directory."""
MAX_SEARCH_ENTRIES = 20_000
"""Directory entries the alertname search looks at before giving up (a mis-set dir such as ``~``)."""


class FileSystem(Protocol):
    """The little of a file system the lookup needs (a fake one in tests)."""

    def is_file(self, path: Path) -> bool:
        """True for an existing regular file."""
        ...

    def list_dir(self, path: Path) -> list[str]:
        """Entry names of a directory; empty when it is no readable directory."""
        ...


@dataclass(frozen=True, slots=True)
class RunbookLocation:
    """Where a runbook reference points."""

    path: Path
    """The Markdown file."""
    anchor: str | None
    """A heading anchor (``alert-name-kubeapidown``) naming a section of the file, else None."""
    via: str
    """How it was found, for the UI and ``--list`` (``rule https://… → /dir``, ``dir /x``, ``local path``)."""


@dataclass(frozen=True, slots=True)
class NoRunbook:
    """A reference that resolves to no file, and why (naming the rules or directories tried)."""

    reason: str
    """One line: what was looked for and where."""


def is_url(ref: str) -> bool:
    """True for an ``http(s)://`` or ``file://`` reference."""
    return re.match(r"^(https?|file)://", ref.strip(), re.IGNORECASE) is not None


def resolve_reference(
    ref: str, dirs: Sequence[Path], rules: Sequence[RunbookUrlRule], fs: FileSystem
) -> RunbookLocation | NoRunbook:
    """The file ``ref`` (a ``runbook_url`` value, a path, or a name inside ``dirs``) points at."""
    ref = ref.strip()
    if not ref:
        return NoRunbook("empty runbook reference")
    if ref.lower().startswith("file://"):
        parts = urlsplit(ref)
        return _local(Path(unquote(parts.path)), parts.fragment or None, fs, ref)
    if is_url(ref):
        return _by_rule(ref, rules, fs)
    name, _, fragment = ref.partition("#")
    anchor = fragment or None
    path = _expand(Path(name))
    if path.is_absolute():
        return _local(path, anchor, fs, ref)
    for root in dirs:
        found = find_in(root, name, fs)
        if found is not None:
            return RunbookLocation(found, anchor, f"dir {root}")
    if fs.is_file(path):
        return RunbookLocation(path, anchor, "local path")
    where = ", ".join(str(d) for d in dirs) or "no [runbooks] dirs configured"
    return NoRunbook(f"runbook {name!r}: no such file here nor in the runbook dirs ({where})")


def _expand(path: Path) -> Path:
    # ``~nobody-such`` cannot be expanded: then it is a relative name like any other.
    try:
        return path.expanduser()
    except RuntimeError:
        return path


def _local(path: Path, anchor: str | None, fs: FileSystem, ref: str) -> RunbookLocation | NoRunbook:
    if fs.is_file(path):
        return RunbookLocation(path, anchor, "local path")
    found = find_in(path.parent, path.name, fs)
    if found is not None:
        return RunbookLocation(found, anchor, "local path")
    return NoRunbook(f"runbook {ref!r}: no such file")


def _by_rule(url: str, rules: Sequence[RunbookUrlRule], fs: FileSystem) -> RunbookLocation | NoRunbook:
    base, _, fragment = url.partition("#")
    base = base.split("?", 1)[0]
    anchor = unquote(fragment) or None
    matching = sorted((r for r in rules if base.startswith(r.prefix)), key=lambda r: -len(r.prefix))
    if not matching:
        tried = ", ".join(r.prefix for r in rules) if rules else "no [[runbooks.url_rules]] configured"
        return NoRunbook(f"runbook_url {url}: no rule matches (prefixes tried: {tried})")
    misses = []
    for rule in matching:
        rest = unquote(base[len(rule.prefix) :])
        found = find_in(rule.dir, rest, fs)
        if found is not None:
            return RunbookLocation(found, anchor, f"rule {rule.prefix} → {rule.dir}")
        misses.append(f"{rule.prefix} → {rule.dir}/{rest.strip('/') or '.'}[.md]")
    return NoRunbook(f"runbook_url {url}: no file where the rule points ({'; '.join(misses)})")


def find_in(root: Path, name: str, fs: FileSystem) -> Path | None:
    """``name`` (``a/b``, ``a/b.md``, ``a/b/``) below ``root``, ignoring case; never outside ``root``."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "/")]
    if ".." in parts:
        return None
    current = root
    for part in parts[:-1]:
        child = _child(current, part, fs)
        if child is None:
            return None
        current = child
    if parts:
        last = parts[-1]
        for candidate in (last, *(last + s for s in MARKDOWN_SUFFIXES)):
            child = _child(current, candidate, fs)
            if child is not None and fs.is_file(child):
                return child
        sub = _child(current, last, fs)
        if sub is None:
            return None
        current = sub
    for index in INDEX_NAMES:
        child = _child(current, index, fs)
        if child is not None and fs.is_file(child):
            return child
    return None


def _child(parent: Path, name: str, fs: FileSystem) -> Path | None:
    exact = parent / name
    entries = fs.list_dir(parent)
    if name in entries:
        return exact
    folded = name.casefold()
    return next((parent / e for e in sorted(entries) if e.casefold() == folded), None)


def _norm(name: str) -> str:
    return re.sub(r"[-_\s]", "", name).casefold()


def find_by_alertname(alertname: str, roots: Sequence[Path], fs: FileSystem) -> RunbookLocation | NoRunbook:
    """The first Markdown file below ``roots`` named after ``alertname`` (case, ``-`` and ``_`` ignored)."""
    wanted = _norm(alertname)
    if not wanted:
        return NoRunbook("no alertname to look a runbook up by")
    seen = 0
    for root in roots:
        level = [root]
        for _ in range(MAX_SEARCH_DEPTH):
            below: list[Path] = []
            for directory in level:
                for entry in sorted(fs.list_dir(directory)):
                    seen += 1
                    if seen > MAX_SEARCH_ENTRIES:
                        return NoRunbook(f"no runbook named {alertname}: search stopped after {seen} entries")
                    path = directory / entry
                    stem, dot, suffix = entry.rpartition(".")
                    if dot and f".{suffix.lower()}" in MARKDOWN_SUFFIXES and _norm(stem) == wanted:
                        if fs.is_file(path):
                            return RunbookLocation(path, None, f"alertname in {root}")
                    elif not entry.startswith("."):
                        below.append(path)
            level = below
            if not level:
                break
    where = ", ".join(str(r) for r in roots) or "no runbook dirs configured"
    return NoRunbook(f"no runbook named {alertname} in {where}")
