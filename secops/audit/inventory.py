"""Audit targets from an Ansible inventory, read with Ansible's own inventory code.

Using Ansible's parser means every inventory an ops engineer already has works as it is: INI
or YAML, group_vars, host patterns for ``--limit``. Only connection variables are read; their
values are data for paramiko, never shell.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
from dataclasses import asdict, dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from secops.errors import GovsecError


class InventoryError(GovsecError):
    """An inventory that cannot be read, or a --limit that matches nothing."""


@dataclass(frozen=True)
class Target:
    """One host to audit and how to reach it."""

    name: str  # inventory name: data, possibly hostile, never a path or shell word
    address: str
    port: int
    user: str
    key_file: Path | None
    known_hosts: tuple[Path, ...]
    become: bool  # collect through `sudo -n` when the login user is not root


DEFAULT_KNOWN_HOSTS = (Path("~/.ssh/known_hosts").expanduser(),)


CACHE_VERSION = 1
# what makes an inventory's answer depend on more than its files: a script (dynamic
# inventory), an inventory plugin's config, a template (a lookup may read anything) or a vault
_NOT_STATIC = re.compile(rb"\{\{|\{%|\$ANSIBLE_VAULT|^plugin\s*:", re.MULTILINE)


def load_targets(
    inventory: Path, limit: str | None = None, cache: Path | None = None
) -> list[Target]:
    """The hosts of ``inventory`` matching ``limit`` (an Ansible host pattern).

    Args:
        inventory: an Ansible inventory file or folder.
        limit: an Ansible host pattern; None: every host.
        cache: a folder where the answer is kept for :func:`cached_targets` when the inventory
            is static (see there); None keeps nothing.
    """
    targets = _load_targets(inventory, limit)
    key = _static_key(inventory, limit) if cache is not None else None
    if cache is not None and key is not None:
        _store(cache / f"{key}.json", targets)
    return targets


def cached_targets(inventory: Path, limit: str | None, cache: Path) -> list[Target] | None:
    """What :func:`load_targets` answered last time, when nothing it read can have changed.

    Ansible's inventory code takes ~0.4 s to import and run, longer than auditing a host. A
    static inventory (files only: no script, no inventory plugin, no template, no vault) gives
    the same hosts as long as its files, its group_vars and host_vars, Ansible's configuration
    and version, the ANSIBLE_* variables and HOME are the same: all of them, byte for byte,
    make the cache key. None when there is no such answer.
    """
    key = _static_key(inventory, limit)
    if key is None:
        return None
    try:
        entries = json.loads((cache / f"{key}.json").read_text(encoding="utf-8"))
        return [_target_from(entry) for entry in entries]
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _static_key(inventory: Path, limit: str | None) -> str | None:
    """The cache key of a static inventory (see :func:`cached_targets`), None for others."""
    source = inventory.absolute()
    try:
        base = source if source.is_dir() else source.parent
        inputs = [source] if source.is_file() else []
        for folder in (source, base / "group_vars", base / "host_vars"):
            if folder.is_dir():
                inputs += sorted(p for p in folder.rglob("*") if p.is_file())
        if not inputs or any(os.access(p, os.X_OK) for p in inputs):
            return None
        configs = [
            Path(p).expanduser()
            for p in (os.environ.get("ANSIBLE_CONFIG", ""), "ansible.cfg", "~/.ansible.cfg")
            if p
        ] + [Path("/etc/ansible/ansible.cfg")]
        spec = find_spec("ansible")
        release = Path(spec.origin).parent / "release.py" if spec and spec.origin else None
        digest = hashlib.sha256()
        context = {
            "version": CACHE_VERSION,
            "inventory": str(source),
            "limit": limit,
            "env": sorted((k, v) for k, v in os.environ.items() if k.startswith("ANSIBLE_")),
            "home": os.environ.get("HOME", ""),
        }
        digest.update(json.dumps(context, sort_keys=True).encode())
        for path in [*inputs, *configs, *([release] if release else [])]:
            data = path.read_bytes() if path.is_file() else b""
            if path in inputs and _NOT_STATIC.search(data):
                return None
            digest.update(f"\0{path.absolute()}\0{len(data)}\0".encode() + data)
    except OSError:
        return None
    return digest.hexdigest()


def _store(path: Path, targets: list[Target]) -> None:
    """Keep ``targets`` at ``path`` (owner-only, replaced whole); a failure only costs time."""
    entries = [
        {
            **asdict(t),
            "key_file": str(t.key_file) if t.key_file else None,
            "known_hosts": [str(p) for p in t.known_hosts],
        }
        for t in targets
    ]
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            json.dump(entries, stream)
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)


def _target_from(entry: dict[str, Any]) -> Target:
    return Target(
        name=str(entry["name"]),
        address=str(entry["address"]),
        port=int(entry["port"]),
        user=str(entry["user"]),
        key_file=Path(entry["key_file"]) if entry["key_file"] else None,
        known_hosts=tuple(Path(p) for p in entry["known_hosts"]),
        become=bool(entry["become"]),
    )


def _load_targets(inventory: Path, limit: str | None) -> list[Target]:
    if not inventory.exists():
        raise InventoryError(f"{inventory}: no such inventory")
    # imported here: Ansible's modules take a quarter second to load, the local audit needs none
    from ansible.errors import AnsibleError
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    from ansible.vars.manager import VariableManager

    loader = DataLoader()
    try:
        manager = InventoryManager(loader=loader, sources=[str(inventory)])
        variables = VariableManager(loader=loader, inventory=manager)
        hosts = manager.get_hosts(pattern=limit or "all")
    except AnsibleError as exc:
        raise InventoryError(f"{inventory}: {exc}") from exc
    if not manager.hosts:
        raise InventoryError(f"{inventory}: no hosts (expected an Ansible INI or YAML inventory)")
    if not hosts:
        raise InventoryError(f"{inventory}: --limit {limit!r} matches no host")
    targets = []
    for host in hosts:
        found = variables.get_vars(host=host)
        templar = Templar(loader=loader, variables=found)
        targets.append(_target(host.name, found, templar, inventory))
    return targets


def _target(name: str, found: dict[str, Any], templar: Any, inventory: Path) -> Target:
    def value(key: str, default: str = "") -> str:
        raw = found.get(key, default)
        if isinstance(raw, str) and "{{" in raw:
            raw = templar.template(raw)
        return str(raw) if raw is not None else default

    address = value("ansible_host") or name
    port_text = value("ansible_port", "22") or "22"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InventoryError(
            f"{inventory}: host {name!r}: ansible_port: expected 1-65535, got {port_text!r}"
        )
    user = value("ansible_user") or "root"
    key = value("ansible_ssh_private_key_file") or value("ansible_private_key_file")
    known = _known_hosts(value("ansible_ssh_common_args") + " " + value("ansible_ssh_extra_args"))
    explicit = value("govsec_known_hosts")
    if explicit:
        known = (Path(explicit).expanduser(), *known)
    return Target(
        name=name,
        address=address,
        port=int(port_text),
        user=user,
        key_file=Path(key).expanduser() if key else None,
        known_hosts=known or DEFAULT_KNOWN_HOSTS,
        become=user != "root",
    )


def _known_hosts(ssh_args: str) -> tuple[Path, ...]:
    """UserKnownHostsFile values named in ssh arguments (``-o UserKnownHostsFile=…``)."""
    try:
        words = shlex.split(ssh_args)
    except ValueError:
        return ()
    found: list[Path] = []
    for word in words:
        key, sep, rest = word.partition("=")
        if sep and key.strip().lower() == "userknownhostsfile":
            found += [Path(p).expanduser() for p in rest.split() if p != "/dev/null"]
    return tuple(found)
