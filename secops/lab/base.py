"""The lab's Debian base: built once with debootstrap, cached, shared read-only by every host.

A base is identified by its recipe (suite, packages, what govsec adds): a new recipe builds a
new base beside the old one, so a lab that is up never has its lower layer change under it.
A build goes to a temporary folder and is renamed into place only when complete.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path

from secops.i18n import t
from secops.lab.proc import LabError, run

SUITE = "bookworm"
PACKAGES: tuple[str, ...] = (
    "openssh-server", "python3", "python3-apt", "sudo", "iproute2", "procps", "tini",
    "ca-certificates",
)  # fmt: skip
ADMIN_USER = "labadmin"
ADMIN_SUDOERS = f"{ADMIN_USER} ALL=(ALL:ALL) NOPASSWD: ALL\n"
BASE_MIB = 1024  # debootstrap needs ~300 MB; room for its downloads and a margin
RECIPE_VERSION = 1


def _init_script() -> str:
    return files("secops.lab").joinpath("scripts/lab-init.sh").read_text(encoding="utf-8")


def recipe_id() -> str:
    """A short hash of everything that goes into the base."""
    recipe = {
        "suite": SUITE,
        "packages": PACKAGES,
        "version": RECIPE_VERSION,
        "init": _init_script(),
        "sudoers": ADMIN_SUDOERS,
        "admin": ADMIN_USER,
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:12]


def free_mib(path: Path) -> int:
    """Free space, in MiB, on the file system that holds ``path`` (or its nearest parent)."""
    probe = path
    while not probe.exists():
        probe = probe.parent
    stat = os.statvfs(probe)
    return stat.f_bavail * stat.f_frsize // (1024 * 1024)


def require_space(path: Path, need_mib: int) -> None:
    """Raise a LabError naming ``path`` when it has less than ``need_mib`` free."""
    free = free_mib(path)
    if free < need_mib:
        raise LabError(t("lab.no_space", path=path, need=need_mib, free=free))


def cached_base(cache: Path) -> Path | None:
    """The root file system of the current recipe's base, if it is built."""
    home = cache / "lab-base" / recipe_id()
    return home / "rootfs" if (home / "complete").is_file() else None


def ensure_base(cache: Path, mirror: str, say: Callable[[str], None]) -> Path:
    """The base's root file system, built first if the cache does not hold it."""
    ready = cached_base(cache)
    if ready is not None:
        return ready
    bases = cache / "lab-base"
    bases.mkdir(parents=True, exist_ok=True)
    with _locked(bases / ".lock"):
        ready = cached_base(cache)  # another govsec built it while we waited
        if ready is not None:
            return ready
        if shutil.which("debootstrap") is None:
            raise LabError(
                t("lab.missing_tools", tools="debootstrap"),
                t("lab.missing_tools.hint", packages="debootstrap"),
            )
        for stale in bases.glob(".build-*"):
            shutil.rmtree(stale, ignore_errors=True)
        require_space(bases, BASE_MIB)
        say(t("lab.building_base", suite=SUITE, mirror=mirror))
        build = bases / f".build-{recipe_id()}"
        try:
            _debootstrap(build, cache / "debootstrap-debs", mirror)
            _customize(build / "rootfs")
            (build / "recipe.json").write_text(
                json.dumps({"suite": SUITE, "packages": PACKAGES, "mirror": mirror}, indent=2)
            )
            (build / "complete").touch()
            build.rename(bases / recipe_id())
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise
    return bases / recipe_id() / "rootfs"


def purge(cache: Path) -> None:
    """Remove every cached base and the debootstrap package cache."""
    shutil.rmtree(cache / "lab-base", ignore_errors=True)
    shutil.rmtree(cache / "debootstrap-debs", ignore_errors=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _debootstrap(build: Path, debs: Path, mirror: str) -> None:
    debs.mkdir(parents=True, exist_ok=True)
    build.mkdir()
    log = build / "debootstrap.log"
    with log.open("w") as out:
        code = subprocess.call(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(PACKAGES)}",
                f"--cache-dir={debs}",
                SUITE,
                str(build / "rootfs"),
                mirror,
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if code != 0:
        kept = build.parent / "debootstrap-failed.log"
        shutil.copyfile(log, kept)
        raise LabError(t("lab.base_failed", code=code, log=kept))


def _customize(rootfs: Path) -> None:
    """What govsec adds to plain Debian: its init, the admin account, no shared host keys."""
    for key in (rootfs / "etc" / "ssh").glob("ssh_host_*"):
        key.unlink()  # every host generates its own
    init = rootfs / "usr" / "local" / "sbin" / "govsec-lab-init"
    init.write_text(_init_script())
    init.chmod(0o755)
    run(
        [
            "chroot",
            str(rootfs),
            "useradd",
            "--create-home",
            "--shell",
            "/bin/bash",
            "--groups",
            "sudo",
            "--comment",
            "govsec lab administrator",
            ADMIN_USER,
        ]
    )
    sudoers = rootfs / "etc" / "sudoers.d" / "govsec-lab"
    sudoers.write_text(ADMIN_SUDOERS)
    sudoers.chmod(0o440)
    run(["chroot", str(rootfs), "visudo", "-cq", "-f", "/etc/sudoers.d/govsec-lab"])
    # apt lists and caches are refreshed through the lab's proxy; the base stays small
    for leftover in (rootfs / "var" / "cache" / "apt" / "archives").glob("*.deb"):
        leftover.unlink()
