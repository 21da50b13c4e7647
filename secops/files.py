"""Files govsec writes whole (never half) and secret files it reads (never open to others).

One permission rule for everything govsec writes under its data dir or an output folder
(stores, results, reports, evidence, spool, quarantine, keys, status files): files 0600 and
folders 0700, or 0640/0750 when ``files.group_read`` lets a SOC group read them
(docs/configuration.md, "Permissions").
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from secops.errors import GovsecError

_group_read = False


def set_group_read(enabled: bool) -> None:
    """Let the group of govsec's files read them (``files.group_read``), or not (default)."""
    global _group_read  # one process-wide rule, settled once by the CLI
    _group_read = enabled


def file_mode() -> int:
    """The mode of a file govsec writes: 0600, or 0640 with ``files.group_read``."""
    return 0o640 if _group_read else 0o600


def dir_mode() -> int:
    """The mode of a folder govsec makes: 0700, or 0750 with ``files.group_read``."""
    return 0o750 if _group_read else 0o700


def private_umask() -> int:
    """The umask that gives what :func:`file_mode` and :func:`dir_mode` say, at most."""
    return 0o027 if _group_read else 0o077


@contextmanager
def private_files() -> Iterator[None]:
    """Everything created inside (by govsec or a library it calls) is private: the umask."""
    before = os.umask(private_umask())
    try:
        yield
    finally:
        os.umask(before)


def private_dir(path: Path) -> Path:
    """Make ``path`` and every missing parent with :func:`dir_mode`; return ``path``.

    A folder that exists already is left as it is: it may be /tmp or the user's own choice.

    Raises:
        OSError: a folder cannot be made.
    """
    missing: list[Path] = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=dir_mode())
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue
        folder.chmod(dir_mode())  # mkdir's mode passes through the umask; this does not
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with :func:`file_mode` when it is missing (its folder with
    :func:`private_dir`), so a library that opens it later (SQLite) keeps that mode.

    Raises:
        OSError: the file cannot be created.
    """
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, file_mode())
    except FileExistsError:
        return path
    try:
        os.fchmod(fd, file_mode())
    finally:
        os.close(fd)
    return path


def make_private(path: Path) -> Path:
    """Give a file another library wrote (a spreadsheet, a PDF) :func:`file_mode`.

    Raises:
        OSError: the mode cannot be changed.
    """
    path.chmod(file_mode())
    return path


def write_atomic(path: Path, text: str, *, mode: int | None = None, sync: bool = True) -> None:
    """Replace ``path`` with ``text`` (UTF-8), whole or not at all: :func:`atomic_writer`."""
    with atomic_writer(path, mode=mode, sync=sync) as stream:
        stream.write(text.encode("utf-8"))


@contextmanager
def atomic_writer(path: Path, *, mode: int | None = None, sync: bool = True) -> Iterator[BinaryIO]:
    """A binary stream that replaces ``path`` when the block ends: a temporary file beside it,
    then one rename — for a library that writes to a file object (a PDF, a spreadsheet) too.

    Args:
        path: the file; its missing folders are made with :func:`private_dir`.
        mode: the new file's permissions; default :func:`file_mode` (0600).
        sync: fsync before the rename, so a power cut leaves the old or the new file, not an
            empty one (state others rely on); off for files rewritten every few seconds.

    Raises:
        OSError: the folder or the file cannot be written; the old file is left as it was
            (as it is when the block raises anything else).
    """
    private_dir(path.parent)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            if sync:
                stream.flush()
                os.fsync(stream.fileno())
        temporary.chmod(file_mode() if mode is None else mode)
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
