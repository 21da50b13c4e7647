"""Who can reach sshd, from where, and with how many factors (shared by two families).

- ``mfa_enforced`` (身份鉴别 d): ``sshd -T`` globally and per probed user/address
  (``sshd -T -C``), judged with the sshd PAM stack: every method list of every admitted user
  must combine two kinds of factor; keyboard-interactive counts as a one-time code only when
  the PAM stack cannot succeed without the OTP module (:mod:`secops.audit.pam_flow`). The one
  tolerated exception is a user named in a ``Match User … Address …`` block, single-factor from
  the management sources only, and it is shown as evidence.
- ``mgmt_source_restricted`` (入侵防范 c): the sources that can reach sshd through the loaded
  nftables ruleset (:mod:`secops.audit.reach`), intersected with the sources sshd admits
  (its Match Address blocks, AllowUsers user@host, the probe from outside), must lie within the
  declared management networks (/etc/govsec/mgmt-sources, or the check's ``networks``).
- ``host_firewall_default_deny`` (入侵防范 b/c): a new connection to a port no rule names is
  accepted from no source, over TCP and UDP, IPv4 and IPv6.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import PurePosixPath

from secops.audit.checks.base import (
    SSHD_CONFIG,
    Outcome,
    Params,
    ev,
    listing,
    na,
    sshd_settings,
    verdict,
)
from secops.audit.facts import FactMissing, Facts, PamLine, Setting, SshdProbe
from secops.audit.messages import Msg, Part, each, msg
from secops.audit.pam_flow import can_succeed
from secops.audit.reach import (
    EVERYWHERE,
    IPV4,
    IPV6,
    LOOPBACK,
    NOWHERE,
    Addresses,
    Probe,
    Ruleset,
    network,
)
from secops.audit.results import Evidence

OUTSIDE_PROBE = "192.0.2.1"  # TEST-NET-1: never a management network
ENROLMENT_FILE = "/etc/govsec/mfa-enrolment-until"
SOURCES_FILE = "/etc/govsec/mgmt-sources"
FACTOR = {
    "publickey": "key",
    "password": "password",
    "gssapi-with-mic": "kerberos",
    "hostbased": "host",
}


def match_blocks(facts: Facts) -> list[tuple[str, Setting]]:
    """Every sshd_config line with the Match criteria it sits under ("" outside Match)."""
    out: list[tuple[str, Setting]] = []
    criteria, current = "", ""
    for setting in facts.lines([SSHD_CONFIG, "/etc/ssh/sshd_config.d/*.conf"]):
        path = setting.source.rsplit(":", 1)[0]
        if path != current:  # a Match block ends with its file
            criteria, current = "", path
        word, _, rest = setting.value.replace("\t", " ").partition(" ")
        if word.lower() == "match":
            criteria = "" if rest.strip().lower() == "all" else rest.strip()
            continue
        out.append((criteria, setting))
    return out


def criteria_of(text: str) -> dict[str, list[str]]:
    """``User a,b Address x`` -> {"user": ["a", "b"], "address": ["x"]}."""
    words = text.split()
    found: dict[str, list[str]] = {}
    for key, value in zip(words[::2], words[1::2], strict=False):
        found.setdefault(key.lower(), []).extend(v for v in value.split(",") if v)
    return found


def patterns_match(patterns: str, value: str) -> bool:
    """sshd's pattern lists (``a*,!b``): any positive match and no negated one."""
    hit = False
    for pattern in patterns.replace(",", " ").split():
        if pattern.startswith("!"):
            if fnmatchcase(value, pattern[1:]):
                return False
        elif fnmatchcase(value, pattern):
            hit = True
    return hit


def user_groups(facts: Facts, user: str) -> set[str]:
    try:
        groups = facts.groups()
        accounts = {a.name: a for a in facts.accounts()}
    except FactMissing:
        return set()
    found = {g.name for g in groups.values() if user in g.members}
    account = accounts.get(user)
    if account is not None:
        found |= {g.name for g in groups.values() if g.gid == account.gid}
    return found


def admitted(facts: Facts, probe: SshdProbe) -> bool:
    """Whether sshd lets ``probe.user`` from ``probe.address`` try to authenticate."""
    settings = probe.settings
    if not settings:
        return False  # sshd -T refused the connection spec: nothing to judge as admitted
    user = probe.user
    if user == "root" and settings.get("permitrootlogin", Setting("", "")).value == "no":
        return False

    def users_match(setting: Setting | None) -> bool:
        for entry in setting.value.split() if setting else []:
            name, _, host = entry.partition("@")
            if fnmatchcase(user, name) and (not host or host_matches(host, probe.address)):
                return True
        return False

    groups = user_groups(facts, user)
    deny_groups = settings.get("denygroups")
    allow_groups = settings.get("allowgroups")
    if users_match(settings.get("denyusers")):
        return False
    if "allowusers" in settings and not users_match(settings.get("allowusers")):
        return False
    if deny_groups and any(fnmatchcase(g, p) for g in groups for p in deny_groups.value.split()):
        return False
    return not allow_groups or any(
        fnmatchcase(g, p) for g in groups for p in allow_groups.value.split()
    )


def host_matches(pattern: str, address: str) -> bool:
    net, found = network(pattern), network(address)
    if net is not None and found is not None:
        return not (found - net)
    return fnmatchcase(address, pattern)


# -- 身份鉴别 d ------------------------------------------------------------------------------


def otp_required(facts: Facts, modules: set[str]) -> tuple[bool, list[PamLine], list[Evidence]]:
    """Whether the sshd auth stack cannot succeed unless an OTP module succeeds."""
    stack = [line for line in facts.pam("sshd") if line.kind == "auth"]
    found = [line for line in stack if PurePosixPath(line.module).name in modules]
    if not found:
        expected = msg("sa.one_of_required", modules=sorted(modules))
        return False, [], [ev(msg("none_paren"), "/etc/pam.d/sshd", expected)]
    skippable = can_succeed(
        stack,
        lambda line: ("auth_err",) if PurePosixPath(line.module).name in modules else None,
    )
    shown = listing(
        [f"{line.control} {line.module} {' '.join(line.args)}".strip() for line in found]
    )
    how = msg("sa.skippable") if skippable else msg("sa.every_path")
    seen = ev(msg("sa.lines_how", lines=shown, how=how), found[0].source, msg("sa.otp_required"))
    return not skippable, found, [seen]


def enrolment(facts: Facts, lines: Sequence[PamLine]) -> tuple[bool, Evidence | None]:
    """nullok is tolerated only until the declared enrolment date (on the host's clock)."""
    nullok = [line for line in lines if line.arg("nullok") is not None]
    if not nullok:
        return True, None
    text = (facts.file(ENROLMENT_FILE) or "").strip()
    where = f"{nullok[0].source}, {ENROLMENT_FILE}"
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        seen = (
            msg("sa.nullok_undeclared")
            if not text
            else msg("sa.nullok_date", date=f"'{text[:20]}'")
        )
        return False, ev(seen, where, msg("sa.no_nullok_or_period"))
    try:
        until = calendar.timegm(time.strptime(text, "%Y-%m-%d")) + 86400  # the whole day, UTC
    except ValueError:
        return False, ev(msg("sa.nullok_date", date=text), where, msg("sa.valid_date"))
    today = facts.now()
    if today >= until:
        return False, ev(msg("sa.nullok_after", date=text), where, msg("sa.no_nullok"))
    return True, ev(msg("sa.nullok_until", date=text), where, msg("sa.period_declared"))


def kinds(methods: str, interactive: frozenset[str]) -> list[set[str]]:
    """Each method list as the set of factor kinds it asks for.

    ``interactive``: what keyboard-interactive asks through PAM ("otp", "password").
    """
    found = []
    for alternative in methods.split():
        asked: set[str] = set()
        for method in alternative.split(","):
            name = method.split(":", 1)[0].lower()
            asked |= interactive if name == "keyboard-interactive" else {FACTOR.get(name, name)}
        found.append(asked - {"none", "host", ""})
    return found


def two_factors(methods: str, interactive: frozenset[str]) -> bool:
    """Every method list needs the one-time code and one other kind of factor."""
    if methods.strip().lower() in ("", "any"):
        return False
    return all("otp" in k and len(k) >= 2 for k in kinds(methods, interactive))


def interactive_kinds(facts: Facts, otp: bool, usepam: bool) -> frozenset[str]:
    """What sshd's keyboard-interactive step proves: the code, and a password if required."""
    if not usepam:
        return frozenset({"password"})
    stack = [line for line in facts.pam("sshd") if line.kind == "auth"]
    unix = [line for line in stack if PurePosixPath(line.module).name == "pam_unix.so"]
    password = bool(unix) and not can_succeed(
        stack,
        lambda line: ("auth_err",) if PurePosixPath(line.module).name == "pam_unix.so" else None,
    )
    found = ({"otp"} if otp else set()) | ({"password"} if password or not otp else set())
    return frozenset(found)


def exceptions(facts: Facts, interactive: frozenset[str]) -> dict[str, str]:
    """Users named (no wildcard) in a Match User … Address … block lowering the methods."""
    found: dict[str, str] = {}
    for criteria, setting in match_blocks(facts):
        word, _, methods = setting.value.partition(" ")
        if word.lower() != "authenticationmethods" or two_factors(methods, interactive):
            continue
        parsed = criteria_of(criteria)
        if set(parsed) != {"user", "address"}:
            continue
        for user in parsed["user"]:
            if not re.search(r"[*?!]", user):
                found[user] = f"Match {criteria}: {setting.value} ({setting.source})"
    return found


def mfa_outcome(facts: Facts, params: Params) -> Outcome:
    both = sshd_settings(facts)
    if both is None:
        return na(msg("sshd_absent"))
    live, _ = both
    otp, lines, evidence = otp_required(facts, set(params["modules"]))
    usepam = live.get("usepam", Setting("yes", "sshd -T")).value.lower() == "yes"
    otp = otp and usepam
    interactive = interactive_kinds(facts, otp, usepam)
    failures: list[Msg] = []
    ok_enrol, enrol_seen = enrolment(facts, lines)
    if enrol_seen is not None:
        evidence.append(enrol_seen)
    if not ok_enrol:
        failures.append(msg("sa.nullok_lets_in"))
    methods = live.get("authenticationmethods", Setting("any", "sshd -T"))
    evidence.append(ev(methods.value, "sshd -T", msg("sa.every_list_two")))
    if not two_factors(methods.value, interactive):
        failures.append(msg("sa.one_factor", methods=methods.value))
    allowed = exceptions(facts, interactive)
    declared = declared_networks(facts, params)
    single: list[str | Msg] = []
    excepted: list[str | Msg] = []
    for probe in facts.sshd_probes():
        if not admitted(facts, probe):
            continue
        found = probe.settings.get("authenticationmethods", Setting("any", ""))
        if two_factors(found.value, interactive):
            continue
        inside = (
            declared is not None
            and bool(network(probe.address))
            and not ((network(probe.address) or NOWHERE) - declared)
        )
        login = msg("sa.user_from", user=probe.user, address=probe.address, methods=found.value)
        if probe.user in allowed and inside and probe.address != OUTSIDE_PROBE:
            excepted.append(login)
        else:
            single.append(login)
    for line in allowed.values():
        evidence.append(ev(line, SSHD_CONFIG, msg("sa.explicit_exception")))
    limit = int(params.get("max_exceptions", 1))
    if len(allowed) > limit:
        failures.append(msg("sa.too_many_exempt", count=len(allowed), limit=limit))
    if excepted:
        evidence.append(ev(listing(excepted), "sshd -T -C", msg("sa.exception_mgmt_only")))
    if single:
        evidence.append(ev(listing(single), "sshd -T -C", msg("sa.two_for_every_user")))
        failures.append(msg("sa.some_one_factor"))
    evidence.append(
        ev(
            msg("sa.key_totp") if otp else msg("sa.key_only"),
            "sshd -T, /etc/pam.d/sshd",
            msg("sa.one_crypto_factor"),
        )
    )
    return verdict(not failures, evidence, each(failures))


# -- 入侵防范 c and the host firewall ----------------------------------------------------------


def declared_networks(facts: Facts, params: Params) -> Addresses | None:
    """The management networks: /etc/govsec/mgmt-sources and the check's ``networks``."""
    found = NOWHERE
    texts = [s.value for s in facts.declared_sources(SOURCES_FILE)]
    texts += [str(n) for n in params.get("networks", [])]
    for text in texts:
        one = network(text)
        if one is not None:
            found = found | one
    return found or None


def firewall(facts: Facts) -> Ruleset | None:
    items = facts.nft_json()
    return None if items is None else Ruleset(items)


def input_chains(rules: Ruleset) -> Part:
    shown = [
        f"{key[0]} {key[1]} {key[2]} policy {chain.get('policy', 'accept')}"
        for key, chain in rules.base_chains()
    ]
    return listing(shown) or msg("sa.no_input_chain")


def shown(found: Addresses) -> Part:
    """A set of sources for evidence: "every IPv6 address" rather than 128 prefixes."""
    if not found:
        return msg("none")
    if not (EVERYWHERE - LOOPBACK - found):
        return msg("sa.every_address")
    parts: list[str | Msg] = []
    for family, name in ((IPV4, "IPv4"), (IPV6, "IPv6")):
        mine = found & family
        if mine and not (family - LOOPBACK - mine):
            parts.append(msg("sa.every_family", family=name))
        elif mine:
            parts += mine.networks()
    return listing(parts)


def sshd_admits(facts: Facts, live: dict[str, Setting]) -> tuple[Addresses, list[Evidence]]:
    """The sources sshd lets log in: everybody, unless the outside probe is refused."""
    probes = facts.sshd_probes()
    outside = [p for p in probes if p.address == OUTSIDE_PROBE]
    let_in = [p.user for p in outside if admitted(facts, p)]
    if not outside or let_in:
        seen = (
            msg("sa.admits", users=listing(let_in), address=OUTSIDE_PROBE)
            if let_in
            else msg("sa.not_probed")
        )
        return EVERYWHERE, [ev(seen, "sshd -T -C", msg("sa.no_outside_login"))]
    allowed = EVERYWHERE
    lines: list[str] = []
    for criteria, setting in match_blocks(facts):
        parsed = criteria_of(criteria)
        deny_all = re.fullmatch(r"(?i)deny(users|groups)\s+\*", setting.value.strip())
        if set(parsed) != {"address"} or not deny_all:
            continue
        plus = [network(p) for p in parsed["address"] if not p.startswith("!")]
        minus = [network(p[1:]) for p in parsed["address"] if p.startswith("!")]
        if any(n is None for n in plus + minus) and "*" not in parsed["address"]:
            continue
        denied = EVERYWHERE if "*" in parsed["address"] else NOWHERE
        for n in plus:
            denied = denied | (n or NOWHERE)
        for n in minus:
            denied = denied - (n or NOWHERE)
        allowed = allowed - denied
        lines.append(f"Match Address {','.join(parsed['address'])}: {setting.value}")
    users = live.get("allowusers")
    if users and all("@" in u for u in users.value.split()):
        hosts = [network(u.split("@", 1)[1]) for u in users.value.split()]
        if all(h is not None for h in hosts):
            only = NOWHERE
            for h in hosts:
                only = only | (h or NOWHERE)
            allowed = allowed & only
            lines.append(f"AllowUsers {users.value}")
    said = listing(lines) or msg("sa.refuses_probe")
    return allowed, [ev(said, SSHD_CONFIG, msg("sa.mgmt_logins_only"))]


def mgmt_outcome(facts: Facts, params: Params) -> Outcome:
    both = sshd_settings(facts)
    if both is None:
        return na(msg("sshd_absent"))
    live, _ = both
    declared = declared_networks(facts, params)
    evidence = [
        ev(
            listing(declared.networks()) if declared else msg("sa.none_declared"),
            msg("sa.sources_param", file=SOURCES_FILE),
            msg("sa.mgmt_networks"),
        )
    ]
    rules = firewall(facts)
    listen = (live.get("listenaddress") or Setting("", "")).value.split()
    local_only = bool(listen) and all(
        a.startswith(("127.", "[::1]", "::1", "localhost")) for a in listen
    )
    reach = NOWHERE
    if not local_only:
        ports = [
            int(p) for p in (live.get("port") or Setting("22", "")).value.split() if p.isdigit()
        ]
        for port in ports or [22]:
            reach = reach | (rules.accepted(Probe("tcp", port)) if rules else EVERYWHERE)
    reach = reach - LOOPBACK
    where: Part = "nft -j list ruleset" if rules else msg("sa.nft_absent")
    evidence.append(ev(shown(reach), where, msg("sa.reachable_mgmt_only")))
    admits, seen = sshd_admits(facts, live)
    evidence += seen
    effective = reach & admits
    if declared is None:
        return verdict(False, evidence, msg("sa.no_network_declared"))
    outside = effective - declared
    evidence.append(ev(shown(outside), msg("sa.firewall_and_sshd"), msg("sa.none_outside")))
    return verdict(not outside, evidence, msg("sa.outside_logins"))


def firewall_outcome(facts: Facts, params: Params) -> Outcome:
    rules = firewall(facts)
    if rules is None:
        seen = ev(msg("sa.nft_absent"), "nft", msg("sa.drop_by_default"))
        return verdict(False, [seen], msg("sa.no_firewall"))
    evidence = [ev(input_chains(rules), "nft -j list ruleset", msg("sa.input_drop"))]
    failures = []
    for proto in ("tcp", "udp"):
        open_ = rules.accepted(Probe(proto, None)) - LOOPBACK
        evidence.append(
            ev(
                msg("sa.accepted_from", sources=shown(open_)),
                "nft -j list ruleset",
                msg("sa.unnamed_port_dropped", proto=proto),
            )
        )
        if open_:
            failures.append(proto)
    return verdict(not failures, evidence, msg("sa.accepts_any_port", protos="/".join(failures)))
