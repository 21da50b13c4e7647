import contextlib
from pathlib import Path

import pytest

from secops.audit.inventory import InventoryError, cached_targets, load_targets

YAML = """\
all:
  vars:
    ansible_user: labadmin
    ansible_ssh_private_key_file: /keys/admin
    ansible_ssh_common_args: -o UserKnownHostsFile=/inv/known_hosts -o StrictHostKeyChecking=yes
  children:
    web:
      hosts:
        web1: {ansible_host: 10.0.0.5}
        "a;touch /tmp/x": {ansible_host: 10.0.0.6, ansible_port: 2222}
    db:
      hosts:
        db1: {ansible_host: "{{ '10.0.0.' ~ 7 }}", ansible_user: root}
"""


def write(tmp_path: Path, text: str, name: str = "hosts.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_connection_variables_from_groups_and_hosts(tmp_path: Path) -> None:
    targets = {t.name: t for t in load_targets(write(tmp_path, YAML))}
    assert set(targets) == {"web1", "a;touch /tmp/x", "db1"}
    web = targets["web1"]
    assert (web.address, web.port, web.user, web.become) == ("10.0.0.5", 22, "labadmin", True)
    assert web.key_file == Path("/keys/admin")
    assert web.known_hosts == (Path("/inv/known_hosts"),)
    assert targets["a;touch /tmp/x"].port == 2222  # a hostile name stays a name
    db = targets["db1"]
    assert (db.address, db.user, db.become) == ("10.0.0.7", "root", False)


def test_limit_uses_ansible_patterns(tmp_path: Path) -> None:
    path = write(tmp_path, YAML)
    assert [t.name for t in load_targets(path, "db")] == ["db1"]
    assert {t.name for t in load_targets(path, "all:!db")} == {"web1", "a;touch /tmp/x"}
    with pytest.raises(InventoryError, match="matches no host"):
        load_targets(path, "nothing-here")


def test_ini_inventory_and_default_known_hosts(tmp_path: Path) -> None:
    path = write(tmp_path, "[lab]\nh1 ansible_host=192.0.2.10 ansible_user=ops\n", "hosts.ini")
    (target,) = load_targets(path)
    assert (target.address, target.user) == ("192.0.2.10", "ops")
    assert target.known_hosts == (Path("~/.ssh/known_hosts").expanduser(),)


def test_bad_port_names_host_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "all:\n  hosts:\n    h1: {ansible_port: seventy}\n")
    with pytest.raises(InventoryError, match=r"host 'h1': ansible_port: expected 1-65535"):
        load_targets(path)


def test_missing_or_empty_inventory_is_named(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="no such inventory"):
        load_targets(tmp_path / "absent.yml")
    with pytest.raises(InventoryError, match="no hosts"):
        load_targets(write(tmp_path, "# nothing\n"))


STATIC = "all:\n  hosts:\n    h1: {ansible_host: 192.0.2.10, ansible_user: ops}\n"


def test_a_static_inventory_is_answered_from_the_cache_until_a_file_changes(
    tmp_path: Path,
) -> None:
    path, cache = write(tmp_path, STATIC), tmp_path / "cache"
    assert cached_targets(path, None, cache) is None  # nothing kept yet
    first = load_targets(path, None, cache)
    assert cached_targets(path, None, cache) == first
    assert cached_targets(path, "h1", cache) is None  # another --limit is another answer
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text("ansible_port: 2222\n")
    assert cached_targets(path, None, cache) is None  # group_vars count
    second = load_targets(path, None, cache)
    assert cached_targets(path, None, cache) == second
    path.write_text(STATIC.replace("192.0.2.10", "192.0.2.11"))
    assert cached_targets(path, None, cache) is None


@pytest.mark.parametrize(
    "text",
    [
        YAML,  # a template: what it looks up may change without the file changing
        "plugin: constructed\n",  # an inventory plugin's configuration
    ],
)
def test_an_inventory_that_is_not_static_is_never_cached(tmp_path: Path, text: str) -> None:
    path, cache = write(tmp_path, text), tmp_path / "cache"
    with contextlib.suppress(InventoryError):  # the plugin's config is not complete: no matter
        load_targets(path, None, cache)
    assert cached_targets(path, None, cache) is None
    assert not cache.exists() or not list(cache.iterdir())


def test_an_executable_inventory_is_never_cached(tmp_path: Path) -> None:
    path, cache = write(tmp_path, STATIC), tmp_path / "cache"
    load_targets(path, None, cache)
    path.chmod(0o755)  # Ansible would run it as a script
    assert cached_targets(path, None, cache) is None


def test_a_damaged_cache_entry_is_ignored(tmp_path: Path) -> None:
    path, cache = write(tmp_path, STATIC), tmp_path / "cache"
    load_targets(path, None, cache)
    for entry in cache.iterdir():
        entry.write_text("[{")
    assert cached_targets(path, None, cache) is None
