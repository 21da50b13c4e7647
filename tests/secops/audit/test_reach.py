"""The reachability model of nftables rulesets and the PAM stack walk behind the SSH checks."""

from __future__ import annotations

from typing import Any

import pytest

from secops.audit.facts import PamLine
from secops.audit.pam_flow import can_succeed
from secops.audit.reach import EVERYWHERE, IPV4, IPV6, NOWHERE, Probe, Ruleset, network

SSH = Probe("tcp", 22)


def match(left: dict[str, Any], right: Any, op: str = "==") -> dict[str, Any]:
    return {"match": {"op": op, "left": left, "right": right}}


SADDR = {"payload": {"protocol": "ip", "field": "saddr"}}
DPORT = {"payload": {"protocol": "tcp", "field": "dport"}}


def ruleset(policy: str, *rules: list[Any], extra: list[Any] | None = None) -> Ruleset:
    items: list[Any] = [
        {"chain": {"family": "inet", "table": "t", "name": "in", "type": "filter",
                   "hook": "input", "prio": 0, "policy": policy}},
    ]  # fmt: skip
    items += [{"rule": {"family": "inet", "table": "t", "chain": "in", "expr": r}} for r in rules]
    return Ruleset(items + (extra or []))


def net(text: str) -> Any:
    found = network(text)
    assert found is not None
    return found


def test_sets_of_addresses_add_cut_and_print() -> None:
    a = net("10.0.0.0/24")
    assert (a - net("10.0.0.128/25")).networks() == ["10.0.0.0/25"]
    assert (a | net("10.0.1.0/24")).networks() == ["10.0.0.0/23"]
    assert not (a & net("10.0.1.0/24"))
    assert (IPV4 | IPV6) == EVERYWHERE and not EVERYWHERE.complement()
    assert net("10.1.2.*").networks() == ["10.1.2.0/24"] and network("not-an-address") is None
    assert net("2001:db8::/64").networks() == ["2001:db8::/64"]


def test_a_verdict_map_on_the_port_jumps_to_a_chain_that_goes_back() -> None:
    rules = ruleset(
        "drop",
        [{"vmap": {"key": DPORT, "data": {"set": [[22, {"jump": {"target": "ssh"}}]]}}}],
        extra=[
            {"chain": {"family": "inet", "table": "t", "name": "ssh"}},
            {"rule": {"family": "inet", "table": "t", "chain": "ssh",
                      "expr": [match(SADDR, {"prefix": {"addr": "10.0.0.0", "len": 8}}),
                               {"accept": None}]}},
        ],
    )  # fmt: skip
    assert rules.accepted(SSH).networks() == ["10.0.0.0/8"]
    assert rules.accepted(Probe("tcp", 80)) == NOWHERE


def test_a_goto_ends_the_calling_chain_and_its_remainder_meets_the_policy() -> None:
    rules = ruleset(
        "drop",
        [match(DPORT, 22), {"goto": {"target": "other"}}],
        [{"accept": None}],  # never reached by port 22: goto does not come back
        extra=[{"chain": {"family": "inet", "table": "t", "name": "other"}}],
    )
    assert rules.accepted(SSH) == NOWHERE
    assert rules.accepted(Probe("tcp", 80)) == EVERYWHERE


def test_a_named_set_with_timeouts_removes_only_its_members() -> None:
    banned = {"set": {"family": "inet", "table": "t", "name": "bans",
                      "elem": [{"elem": {"val": "203.0.113.7", "timeout": 600}},
                               {"range": ["198.51.100.1", "198.51.100.9"]}]}}  # fmt: skip
    rules = ruleset("accept", [match(SADDR, "@bans"), {"reject": None}], extra=[banned])
    open_ = rules.accepted(SSH)
    assert not (open_ & net("203.0.113.7")) and not (open_ & net("198.51.100.5"))
    assert open_ & net("198.51.100.10") and open_ & IPV6


def test_an_unknown_set_or_condition_never_drops_and_may_accept() -> None:
    drop_unknown = ruleset("accept", [match(SADDR, "@missing"), {"drop": None}])
    assert drop_unknown.accepted(SSH) == EVERYWHERE
    accept_mark = ruleset("drop", [match({"meta": {"key": "mark"}}, 1), {"accept": None}])
    assert accept_mark.accepted(SSH) == EVERYWHERE


def test_established_loopback_and_other_protocols_do_not_open_a_new_connection() -> None:
    rules = ruleset(
        "drop",
        [match({"ct": {"key": "state"}}, ["established", "related"], "in"), {"accept": None}],
        [match({"meta": {"key": "iif"}}, "lo"), {"accept": None}],
        [match({"meta": {"key": "l4proto"}}, {"set": [1, 58]}), {"accept": None}],
        [match({"payload": {"protocol": "udp", "field": "dport"}}, 22), {"accept": None}],
    )
    assert rules.accepted(SSH) == NOWHERE
    new = ruleset("drop", [match({"ct": {"key": "state"}}, "new", "in"), {"accept": None}])
    assert new.accepted(SSH) == EVERYWHERE


def test_an_ip_table_judges_ipv4_only() -> None:
    rules = Ruleset(
        [{"chain": {"family": "ip", "table": "t", "name": "in", "type": "filter",
                    "hook": "input", "policy": "drop"}}]
    )  # fmt: skip
    assert rules.accepted(SSH) == IPV6


def pam(*lines: str) -> list[PamLine]:
    found = []
    for line in lines:
        control, _, rest = line.partition(" ") if not line.startswith("[") else (
            line[: line.index("]") + 1], "", line[line.index("]") + 2 :]
        )  # fmt: skip
        module, *args = rest.split()
        found.append(PamLine("auth", control, module, tuple(args), "test"))
    return found


def otp_fails(line: PamLine) -> tuple[str, ...] | None:
    return ("auth_err",) if line.module == "pam_google_authenticator.so" else None


@pytest.mark.parametrize(
    ("stack", "skippable"),
    [
        (["required pam_google_authenticator.so", "required pam_permit.so"], False),
        (["requisite pam_google_authenticator.so", "optional pam_permit.so"], False),
        (["sufficient pam_google_authenticator.so", "required pam_unix.so"], True),
        (["[success=done default=ignore] pam_unix.so",
          "required pam_google_authenticator.so"], True),
        (["[success=1 default=ignore] pam_unix.so", "requisite pam_deny.so",
          "required pam_google_authenticator.so"], False),
        (["[success=1 default=ignore] pam_google_authenticator.so", "required pam_permit.so",
          "required pam_permit.so"], True),
        (["[default=ok] pam_google_authenticator.so", "required pam_permit.so"], False),
        (["[success=ok default=reset] pam_google_authenticator.so",
          "required pam_permit.so"], True),
        (["required pam_google_authenticator.so", "sufficient pam_permit.so"], False),
    ],
)  # fmt: skip
def test_the_pam_walk_finds_every_way_around_the_code(stack: list[str], skippable: bool) -> None:
    assert can_succeed(pam(*stack), otp_fails) is skippable
    assert can_succeed(pam(*stack), lambda line: None)  # some path lets a good code in
