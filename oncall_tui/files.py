"""Write a file atomically: a reader (or a crash) sees the old file or the whole new one, never half.

The text goes to a temporary file in the target's directory (same filesystem, so the rename is
atomic), is flushed to disk, then renamed over the target. Any failure removes the temporary file
and raises an :class:`~oncall_tui.errors.OncallError` naming the path and the reason.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from oncall_tui.errors import OncallError


class WriteError(OncallError):
    """A file could not be written (nothing was left behind)."""

    title = "Export"


def write_text_atomic(path: Path, text: str, *, what: str = "file") -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the absolute path written.

    The parent directory must exist. The new file is private to the user (mode 0600): exports
    hold incident details. Raises WriteError ("cannot write the <what> to <path>: <reason>").
    """
    target = path.expanduser().absolute()
    fd = -1
    temp: str | None = None
    try:
        if target.is_dir():
            raise IsADirectoryError(21, "is a directory")
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            fd = -1  # the file object owns it now
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
        temp = None
        _sync_dir(target.parent)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise WriteError(f"cannot write the {what} to {target}: {reason}") from None
    finally:
        if fd >= 0:
            os.close(fd)
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    return target


def _sync_dir(directory: Path) -> None:
    # The rename itself is durable only once the directory entry is on disk.
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
