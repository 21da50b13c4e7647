"""剩余信息保护 (ce.ri.*): core dumps.

Each evaluator is registered under its check id in
``secops/catalog/checks/residual.yaml``.
"""

from __future__ import annotations

from secops.audit.checks.base import (
    Outcome,
    Params,
    Range,
    as_int,
    ev,
    evaluator,
    installed,
    judge_choice,
    judge_number,
    na,
    sysctl_check,
    verdict,
)
from secops.audit.facts import Facts
from secops.audit.messages import msg


@evaluator
def sysctl_suid_dumpable(facts: Facts, params: Params) -> Outcome:
    return sysctl_check(facts, ["fs.suid_dumpable"], params["allowed"])


@evaluator
def core_dumps_disabled(facts: Facts, params: Params) -> Outcome:
    """A hard limit of 0 on core files for everybody (the last matching line wins)."""
    limits = [
        lim
        for lim in facts.limits()
        if lim.domain == "*" and lim.item == "core" and lim.kind in ("hard", "-")
    ]
    if not limits:
        found = ev(msg("ri.unlimited"), "/etc/security/limits.conf", "* hard core 0")
        return verdict(False, [found], msg("ri.dumps"))
    last = limits[-1]
    return verdict(
        as_int(last.value) == 0,
        [ev(f"* {last.kind} core {last.value}", last.source, "* hard core 0")],
        msg("ri.dumps"),
    )


@evaluator
def coredump_storage_none(facts: Facts, params: Params) -> Outcome:
    """systemd-coredump, when installed, stores nothing."""
    if not installed(facts, ["systemd-coredump"]):
        return na(msg("ri.no_coredump"))
    conf, where = facts.coredump_conf(), "/etc/systemd/coredump.conf"
    ok_store, store = judge_choice(
        conf.get("Storage"), where, ["none"], "external", msg("note.systemd")
    )
    ok_size, size = judge_number(conf.get("ProcessSizeMax"), where, Range(0, 0), None, None)
    return verdict(ok_store and ok_size, [store, size], msg("ri.keeps_images"))
