"""``govsec inventory from-stack``: stack outputs to an Ansible inventory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.inventory import InventoryError, build_inventory, read_outputs, write_atomic
from tests.conftest import govsec

ENV = {**os.environ, "GOVSEC_LANG": "en"}


def outputs(**changes: Any) -> dict[str, Any]:
    """Stack outputs as `pulumi stack output --json` prints them, with ``changes`` applied."""
    inventory: dict[str, Any] = {
        "bastion": {"name": "bastion", "public_ip": "203.0.113.5", "private_ip": "10.254.0.5"},
        "mlps_level": 3,
        "hosts": [
            {"name": "fin-app-1", "dept": "finance", "zone": "business", "ip": "10.1.0.10",
             "subnet": "app-h", "az": "cn-hangzhou-h"},
            {"name": "fin-db-1", "dept": "finance", "zone": "data", "ip": "10.1.16.10",
             "subnet": "db-h", "az": "cn-hangzhou-h"},
            {"name": "hrss-app-1", "dept": "hrss", "zone": "business", "ip": "10.2.0.10",
             "subnet": "app-i", "az": "cn-hangzhou-i"},
            {"name": "siem-1", "dept": "shared", "zone": "management", "ip": "10.254.0.20",
             "subnet": "ops-h", "az": "cn-hangzhou-h"},
        ],
    }  # fmt: skip
    inventory.update(changes)
    return {"vpc_ids": ["vpc-1"], "inventory": inventory}


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def test_from_stack_writes_a_grouped_inventory(tmp_path: Path) -> None:
    source = write(tmp_path / "outputs.json", outputs())
    target = tmp_path / "inventories" / "prod" / "hosts.yml"
    result = govsec(
        "inventory", "from-stack", str(source), "-o", str(target), "--format", "json", env=ENV
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["hosts"] == 5
    assert summary["bastion"] == "bastion"
    assert summary["output"] == str(target)
    groups = yaml.safe_load(target.read_text(encoding="utf-8"))["all"]["children"]
    assert set(groups["dept_finance"]["children"]) == {"finance_business", "finance_data"}
    assert set(groups["zone_business"]["children"]) == {"finance_business", "hrss_business"}
    assert set(groups["dept_shared"]["children"]) == {"shared_management"}
    app = groups["finance_business"]["hosts"]["fin-app-1"]
    assert app == {
        "ansible_host": "10.1.0.10",
        "govsec_dept": "finance",
        "govsec_zone": "business",
        "govsec_subnet": "app-h",
        "govsec_az": "cn-hangzhou-h",
        "mlps_level": 3,
        "ansible_ssh_common_args": "-o ProxyJump=203.0.113.5",
    }
    bastion = groups["shared_management"]["hosts"]["bastion"]
    assert bastion["ansible_host"] == "203.0.113.5"  # reached directly, on its public address
    assert "ansible_ssh_common_args" not in bastion
    assert groups["bastions"]["hosts"] == {"bastion": {}}


def test_table_output_and_default_path(tmp_path: Path) -> None:
    source = write(tmp_path / "outputs.json", outputs())
    result = subprocess_in(tmp_path, "inventory", "from-stack", str(source), "--stack", "dev")
    assert result.returncode == 0, result.stderr
    assert "5 hosts" in result.stderr and "bastion" in result.stderr
    assert (tmp_path / "inventories" / "dev" / "hosts.yml").is_file()
    missing = subprocess_in(tmp_path, "inventory", "from-stack", str(source))
    assert missing.returncode == 1
    assert "give -o FILE or --stack NAME" in missing.stderr


def subprocess_in(cwd: Path, *args: str) -> Any:
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "secops", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**ENV, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        check=False,
        timeout=60,
    )


def test_without_bastion_no_proxy_jump() -> None:
    built = build_inventory(read_outputs(Path("o.json"), json.dumps(outputs(bastion=None))))
    hosts = built.data["all"]["children"]["finance_data"]["hosts"]
    assert "ansible_ssh_common_args" not in hosts["fin-db-1"]
    assert built.bastion is None
    assert "bastions" not in built.data["all"]["children"]
    assert built.hosts == 4


def test_bastion_listed_among_hosts_once() -> None:
    data = outputs()
    data["inventory"]["hosts"].append(
        {
            "name": "bastion",
            "dept": "shared",
            "zone": "management",
            "ip": "10.254.0.5",
            "subnet": "ops-h",
            "az": "cn-hangzhou-h",
        }
    )
    built = build_inventory(read_outputs(Path("o.json"), json.dumps(data)))
    bastion = built.data["all"]["children"]["shared_management"]["hosts"]["bastion"]
    assert bastion["ansible_host"] == "203.0.113.5"
    assert bastion["govsec_subnet"] == "ops-h"
    assert built.hosts == 5


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        ("{not json", ":1:2: not valid JSON", "Expecting property name"),
        ("[1, 2]", ": (top level): expected a JSON object", "stack outputs"),
        ({"other": 1}, ": inventory: required field missing", ""),
        (outputs(mlps_level=4), ": inventory.mlps_level: expected 2 or 3", ""),
        (outputs(hosts=[{"name": "a"}]), ": inventory.hosts[0].dept: required field missing", ""),
        (outputs(hosts="x"), ": inventory.hosts: ", "list"),
        (outputs(bastion={"name": "b", "private_ip": "10.0.0.300"}),
         ": inventory.bastion.private_ip", "IPv4"),
        (outputs(extra=1), ": inventory.extra: unknown field", ""),
    ],
)  # fmt: skip
def test_malformed_outputs_name_the_json_path(
    tmp_path: Path, data: Any, where: str, words: str
) -> None:
    source = write(tmp_path / "outputs.json", data)
    with pytest.raises(InventoryError) as caught:
        read_outputs(source)
    assert caught.value.message.startswith(f"{source}{where}"), caught.value.message
    assert words in caught.value.message


@pytest.mark.parametrize(
    "name",
    ["web;reboot", "$(id)", "a b", "-o", "x\nall:", "host'", "UPPER", "a" * 70, "ünicode", ""],
)
def test_hostile_host_names_are_refused(name: str) -> None:
    data = outputs()
    data["inventory"]["hosts"][0]["name"] = name
    with pytest.raises(InventoryError, match=r"inventory\.hosts\[0\]\.name: expected a name"):
        read_outputs(Path("o.json"), json.dumps(data))


@pytest.mark.parametrize(
    ("field", "value"),
    [("dept", "fin ance"), ("zone", "internet"), ("subnet", "a;b"), ("ip", "10.1.0.1 -oX"),
     ("az", "h`id`")],
)  # fmt: skip
def test_hostile_values_are_refused(field: str, value: str) -> None:
    data = outputs()
    data["inventory"]["hosts"][1][field] = value
    with pytest.raises(InventoryError, match=rf"inventory\.hosts\[1\]\.{field}: "):
        read_outputs(Path("o.json"), json.dumps(data))


def test_duplicate_host_names_are_refused() -> None:
    data = outputs()
    data["inventory"]["hosts"][2]["name"] = "fin-app-1"
    with pytest.raises(InventoryError, match="'fin-app-1' appears twice"):
        read_outputs(Path("o.json"), json.dumps(data))


def test_cli_reports_malformed_outputs_and_keeps_the_old_file(tmp_path: Path) -> None:
    source = write(tmp_path / "outputs.json", outputs(hosts=[{"name": "x;y"}]))
    target = write(tmp_path / "hosts.yml", "old: inventory\n")
    result = govsec("inventory", "from-stack", str(source), "-o", str(target), env=ENV)
    assert result.returncode == 1
    assert f"{source}: inventory.hosts[0].name" in result.stderr
    assert target.read_text(encoding="utf-8") == "old: inventory\n"


def test_write_replaces_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = write(tmp_path / "hosts.yml", "old\n")
    inode = target.stat().st_ino
    write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert target.stat().st_ino != inode  # a new file renamed over the old, not rewritten
    assert [p.name for p in tmp_path.iterdir()] == ["hosts.yml"]  # no temporary left

    def fail(self: Path, other: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(InventoryError, match="cannot write: No space left"):
        write_atomic(target, "newer\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["hosts.yml"]


def test_inventory_is_what_ansible_reads(tmp_path: Path) -> None:
    """The written file parses as the inventory YAML plugin expects: hosts under groups."""
    built = build_inventory(read_outputs(Path("o.json"), json.dumps(outputs())))
    from infra.inventory import render

    text = render(built, "outputs.json")
    assert text.startswith("# Generated by `govsec inventory from-stack` from outputs.json")
    data = yaml.safe_load(text)
    for name, group in data["all"]["children"].items():
        assert set(group) <= {"hosts", "children"}, name
        for child in group.get("children", {}):
            assert child in data["all"]["children"]
