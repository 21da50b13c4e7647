"""Writing a file so that a reader sees the old content or the new, never half of either."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str, *, mode: int = 0o644, sync: bool = True) -> None:
    """Replace ``path`` with ``text``: a temporary file beside it, then one rename.

    Args:
        path: the file; its folder is created (mode 0700) when missing.
        text: the whole new content (UTF-8).
        mode: the new file's permissions.
        sync: fsync before the rename, so a power cut leaves the old or the new file, not an
            empty one (state others rely on); off for files rewritten every few seconds.

    Raises:
        OSError: the folder or the file cannot be written; the old file is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        temporary.chmod(mode)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
