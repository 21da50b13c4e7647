"""Kernel: segfaults, tainting modules, firewall log lines."""

from __future__ import annotations

import pytest

from tests.secops.ingest.conftest import syslog


def test_segfault() -> None:
    event = syslog(
        "kernel",
        "[ 8123.456789] crash[4242]: segfault at 0 ip 000055d0c0a0b1c2 sp 00007ffd5e0c8a10 error 4"
        " in crash[55d0c0a0a000+1000] likely on CPU 1 (core 1, socket 0)",
    )
    assert event["event"]["dataset"] == "kernel"
    assert event["event"]["action"] == "segfault"
    assert event["process"] == {"name": "crash", "pid": 4242}
    assert event["kernel"]["fault"]["address"] == "0"
    assert event["kernel"]["fault"]["object"] == "crash"


def test_module_verification_failed() -> None:
    event = syslog(
        "kernel",
        "rootkit: module verification failed: signature and/or required key missing - tainting"
        " kernel",
    )
    assert event["event"]["category"] == ["driver"]
    assert event["event"]["action"] == "module_unsigned"
    assert event["kernel"]["module"] == "rootkit"


@pytest.mark.parametrize(
    ("prefix", "verdict"),
    [
        ("[UFW BLOCK] ", "denied"),
        ("nft-drop: ", "denied"),
        ("iptables-accept: ", "allowed"),
        ("", "info"),
    ],
)
def test_firewall_lines(prefix: str, verdict: str) -> None:
    event = syslog(
        "kernel",
        f"[12345.678901] {prefix}IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00"
        " SRC=10.0.0.9 DST=10.0.0.1 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=54321 DF PROTO=TCP"
        " SPT=5555 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0",
    )
    assert event["event"]["category"] == ["network"]
    assert event["event"]["type"] == ["connection", verdict]
    assert event["source"] == {"address": "10.0.0.9", "ip": "10.0.0.9", "port": 5555}
    assert event["destination"]["port"] == 22
    assert event["network"]["transport"] == "tcp"
    assert event["observer"]["ingress"]["interface"]["name"] == "eth0"
    assert event["related"]["ip"] == ["10.0.0.9", "10.0.0.1"]


def test_unknown_kernel_line() -> None:
    event = syslog("kernel", "BIOS-provided physical RAM map:")
    assert event["event"]["dataset"] == "kernel"
    assert "category" not in event["event"]
