from pathlib import Path

import yaml

from secops.lab import inventory

HOSTS = [
    inventory.InventoryHost("lab01", "10.213.0.11", "ssh-ed25519 AAAAC3Nza1 root@lab01"),
    inventory.InventoryHost("lab02", "10.213.0.12", "ssh-ed25519 AAAAC3Nza2 root@lab02"),
]


def write(tmp_path: Path) -> inventory.InventoryFiles:
    files = inventory.InventoryFiles.beside(tmp_path / "lab" / "hosts.yml")
    inventory.write(files, HOSTS, tmp_path / "keys" / "admin", collector="10.213.0.1:5514")
    return files


def test_ansible_inventory_names_address_user_key_and_known_hosts(tmp_path: Path) -> None:
    files = write(tmp_path)
    data = yaml.safe_load(files.inventory.read_text())
    hosts = data["all"]["children"]["lab"]["hosts"]
    assert hosts == {
        "lab01": {"ansible_host": "10.213.0.11"},
        "lab02": {"ansible_host": "10.213.0.12"},
    }
    variables = data["all"]["vars"]
    assert variables["ansible_user"] == "labadmin"
    assert variables["ansible_ssh_private_key_file"] == str(tmp_path / "keys" / "admin")
    assert f"UserKnownHostsFile={files.known_hosts}" in variables["ansible_ssh_common_args"]
    assert "StrictHostKeyChecking=yes" in variables["ansible_ssh_common_args"]
    assert variables["mlps_syslog_collector"] == "10.213.0.1:5514"


def test_known_hosts_lists_name_and_address_with_the_generated_key(tmp_path: Path) -> None:
    lines = [
        line
        for line in write(tmp_path).known_hosts.read_text().splitlines()
        if not line.startswith("#")
    ]
    assert lines == [
        "lab01,10.213.0.11 ssh-ed25519 AAAAC3Nza1",
        "lab02,10.213.0.12 ssh-ed25519 AAAAC3Nza2",
    ]


def test_no_file_ever_turns_host_key_checking_off(tmp_path: Path) -> None:
    files = write(tmp_path)
    for path in files.all():
        text = path.read_text().lower()
        assert "stricthostkeychecking=no" not in text
        assert "stricthostkeychecking no" not in text
        assert "host_key_checking" not in text
    assert "StrictHostKeyChecking yes" in files.ssh_config.read_text()


def test_remove_takes_all_three_files(tmp_path: Path) -> None:
    files = write(tmp_path)
    inventory.remove(files)
    assert not any(path.exists() for path in files.all())
