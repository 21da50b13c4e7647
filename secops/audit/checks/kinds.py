"""Generic evaluators for checks declared as data (``kind:`` in ``secops/catalog/checks``).

Many checks differ only in what they read: a set of sysctl keys, a server's packages and ports,
the audit rules they want.
Such a check names its kind and the kind's fixed ``args`` in the catalog instead of a
one-line function; :func:`register_declared` registers, under the check's id, the kind's
evaluator, so ``EVALUATORS[check_id]`` finds every check's evaluator alike.
"""

from __future__ import annotations

from collections.abc import Callable

from secops.audit.checks.audit import audit_rules_check, missing_syscalls, missing_watches
from secops.audit.checks.base import (
    EVALUATORS,
    Evaluator,
    Outcome,
    Params,
    ev,
    installed,
    listener,
    listing,
    sysctl_check,
    verdict,
)
from secops.audit.facts import Facts
from secops.audit.messages import Msg, Part, described, msg
from secops.catalog.model import Catalog


def sysctl(facts: Facts, params: Params) -> Outcome:
    """Each of ``keys`` configured and live among ``allowed`` (see ``sysctl_check``)."""
    return sysctl_check(facts, params["keys"], params["allowed"])


def server_absent(facts: Facts, params: Params) -> Outcome:
    """Neither the server's ``packages`` installed nor its ``ports`` listening."""
    what: Part = params["what"]
    packages = installed(facts, params["packages"])
    ports = {str(p) for p in params.get("ports", [])}
    sockets = facts.listening() if ports else []
    listeners: list[str | Msg] = [
        listener(f"{s.proto}/{s.port}", s.address)
        for s in sockets
        if f"{s.proto}/{s.port}" in ports
    ]
    seen = listing([f"{n} {v}" for n, v in packages]) or msg("kd.none_installed")
    evidence = [ev(seen, msg("src.packages"), msg("kd.no_package", what=what))]
    if ports:
        expected = msg("kd.nothing_on", ports=sorted(ports))
        evidence.append(ev(listing(listeners) or msg("kd.none_listening"), "ss -tuln", expected))
    failed = msg("kd.installed_or_listening", what=what)
    return verdict(not packages and not listeners, evidence, failed)


def audit_rules(facts: Facts, params: Params) -> Outcome:
    """The ``syscalls`` audited, the ``paths`` watched for writes and the ``commands`` for
    execution, in rules.d and loaded (see ``audit_rules_check``)."""
    syscalls = missing_syscalls(params.get("syscalls", []))
    writes = missing_watches(params.get("paths", []), "wa")
    runs = missing_watches(params.get("commands", []), "x")
    return audit_rules_check(
        facts, lambda rules: syscalls(rules) + writes(rules) + runs(rules), params["what"]
    )


KINDS: dict[str, Callable[[Facts, Params], Outcome]] = {
    "sysctl": sysctl,
    "server_absent": server_absent,
    "audit_rules": audit_rules,
}


def declared(check_id: str, kind: str) -> Evaluator:
    """The evaluator of a declared check: its kind's function, named by the check's id."""
    judge = KINDS[kind]

    def evaluate(facts: Facts, params: Params) -> Outcome:
        if "what" not in params:
            return judge(facts, params)
        return judge(facts, {**params, "what": described(check_id, str(params["what"]))})

    evaluate.__name__ = evaluate.__qualname__ = check_id
    evaluate.__doc__ = f"{check_id}: declared as kind {kind} ({judge.__doc__})"
    return evaluate


def register_declared(catalog: Catalog) -> None:
    """Register the evaluator of every check of ``catalog`` declared by its kind."""
    for check in catalog.checks.values():
        if check.kind == "evaluator":
            continue
        if check.id in EVALUATORS:
            raise ValueError(f"{check.id} is declared as kind {check.kind} and has a function too")
        EVALUATORS[check.id] = declared(check.id, check.kind)
