"""Files govsec writes whole (never half) and secret files it reads (never open to others)."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from secops.errors import GovsecError


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


def read_secret(path: Path, what: str, error: type[GovsecError] = GovsecError) -> str:
    """The first line of a file holding a secret, refused when group or others may use it.

    Args:
        path: the file (one line: a password, a ``user:password``, a token URL).
        what: what it holds, for messages ("DingTalk robot URL").
        error: the error class to raise (the caller's package's).

    Raises:
        error: the file cannot be read, is open to group or others, or is empty.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise error(
                f"the {what} file {path} is open to group or others (mode {mode:04o})",
                hint=f"it holds a secret: chmod 600 {path}",
            )
        lines = path.read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise error(
            f"cannot read the {what} from {path}: {exc}",
            hint="the file holds one line (mode 0600)",
        ) from None
    if not lines or not lines[0].strip():
        raise error(f"the {what} file {path} is empty")
    return lines[0].strip()
