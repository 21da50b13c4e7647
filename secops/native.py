"""Compiled builds of the intake's hot modules, used only when built from these very sources.

The parsers, the syslog framing and the readers run once per log line: compiled with mypyc
(the compiler mypy and black ship themselves with) they take a quarter less time, with no
change to their source. ``python -m secops.native build`` (run by ``make setup``) compiles
:data:`MODULES` into ``build/native/<digest>/``, the digest covering their sources and the
interpreter. :func:`activate`, called by the packages that hold them, puts that directory
first on the package's ``__path__`` only if it exists, so an edited source is never shadowed
by an old build: it runs as Python until the next build. ``GOVSEC_NATIVE=0`` forces Python.

Nothing else changes: the compiled modules are the same code, tested by the same suite
(tests/secops/ingest/test_native.py checks that both give byte-identical events).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The directory holding the ``secops`` package: the repository in a checkout."""

MODULES = (
    "secops/ingest/ecs.py",
    "secops/ingest/parse.py",
    "secops/ingest/readers.py",
    "secops/ingest/syslog.py",
    "secops/ingest/text.py",
    *(
        f"secops/ingest/parsers/{name}.py"
        for name in ("accounts", "auditd", "cron", "kernel", "pam", "sshd", "su", "sudo")
    ),
    "secops/ingest/parsers/systemd.py",
    "secops/ingest/parsers/web.py",
    "secops/ingest/pipeline.py",
    "secops/store/sqlite.py",
    "secops/detect/compile.py",
    "secops/detect/correlate.py",
    "secops/detect/engine.py",
    "secops/detect/runner.py",
)
COMPLETE = "complete"  # written last: a build cut short is never used


def digest(root: Path = ROOT) -> str:
    """What a build depends on: the compiled sources and the interpreter's ABI."""
    sha = hashlib.sha256(f"{sys.implementation.cache_tag} {sysconfig.get_platform()}".encode())
    for module in MODULES:
        sha.update(module.encode() + b"\0" + (root / module).read_bytes() + b"\0")
    return sha.hexdigest()[:20]


def build_dir(root: Path = ROOT) -> Path:
    """Where the build for the current sources goes."""
    return root / "build" / "native" / digest(root)


@functools.cache
def _usable() -> Path | None:
    if os.environ.get("GOVSEC_NATIVE", "1") == "0":
        return None
    try:
        target = build_dir()
        return target if (target / COMPLETE).is_file() else None
    except OSError:  # a source missing, a build this user may not read: run as Python
        return None


def activate(package: str, path: list[str]) -> None:
    """Let ``package`` (its ``__name__`` and ``__path__``) load compiled modules if built."""
    target = _usable()
    if target is None:
        return
    where = target.joinpath(*package.split("."))
    if not where.is_dir():
        return
    if str(target) not in sys.path:
        sys.path.append(str(target))  # mypyc's shared library is a top-level module
    path.insert(0, str(where))


def active() -> bool:
    """Whether the compiled modules are in use in this process."""
    from secops.ingest import parse

    return parse.__file__ is not None and not parse.__file__.endswith(".py")


def build(root: Path = ROOT) -> Path:
    """Compile :data:`MODULES` into :func:`build_dir` (nothing to do if it is there).

    Raises:
        subprocess.CalledProcessError: mypyc or the C compiler failed.
    """
    target = build_dir(root)
    if (target / COMPLETE).is_file():
        return target
    with tempfile.TemporaryDirectory(prefix="govsec-native-") as work:
        # mypyc compiles in place and type-checks what the modules import: a copy of the
        # package keeps the checkout free of .so files that would shadow its sources
        shutil.copytree(root / "secops", Path(work) / "secops", ignore=_not_python)
        subprocess.run(
            [sys.executable, "-m", "mypyc", *MODULES],
            cwd=work,
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "MYPY_CACHE_DIR": str(Path(work) / ".mypy_cache")},
        )
        staging = Path(tempfile.mkdtemp(prefix=".build-", dir=_parent(target)))
        staging.chmod(0o755)  # mkdtemp's 0700 would keep the build from other users
        for library in Path(work).glob("*__mypyc.*"):
            shutil.copy2(library, staging / library.name)
        for module in MODULES:
            stem = Path(work, module).with_suffix("")
            for built in stem.parent.glob(f"{stem.name}.*"):
                if built.suffix != ".py":
                    relative = built.relative_to(work)
                    (staging / relative.parent).mkdir(parents=True, exist_ok=True)
                    shutil.copy2(built, staging / relative)
        (staging / COMPLETE).write_text(digest(root) + "\n")
    for old in target.parent.iterdir():  # builds of other sources are never used again
        if old != staging:
            shutil.rmtree(old, ignore_errors=True)
    staging.rename(target)
    return target


def _parent(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.parent


def _not_python(directory: str, names: list[str]) -> set[str]:
    return {name for name in names if name == "__pycache__" or name.endswith((".so", ".pyd"))}


def main(argv: list[str] | None = None) -> int:
    """``build``: compile; ``status``: say whether this process would use a build."""
    command = (argv if argv is not None else sys.argv[1:]) or ["status"]
    if command[0] == "build":
        try:
            target = build()
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"govsec: intake modules not compiled ({exc}); they run as Python")
            return 1
        print(f"govsec: intake modules compiled in {target.relative_to(ROOT)}")
        return 0
    print("compiled (mypyc)" if _usable() is not None else "pure Python")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
