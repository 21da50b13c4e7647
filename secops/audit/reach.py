"""Which source addresses a new inbound connection is accepted from, by the loaded nftables ruleset.

The model behind ``mgmt_source_restricted`` and ``host_firewall_default_deny``: a probe (a
new TCP or UDP connection to one port, or to "a port no rule names") is walked through every
base chain on the input and prerouting hooks of ``nft -j list ruleset``, the source address
being the one unknown. The answer is a set of addresses (IPv4 and IPv6 in one number line).

The walk over-approximates what is accepted, never the reverse: a condition it cannot judge
(an unknown match, a concatenation, a rate limit) is taken to match an ``accept`` and not to
match a ``drop``/``reject``. So a ban set (fail2ban's ``@addr-set-sshd``) or a reject of some
addresses only removes those addresses: it never turns into an allow-list.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

V6_BASE = 1 << 32
TOP = V6_BASE + (1 << 128) - 1
HOOKS = ("input", "prerouting")
MAX_DEPTH = 16


@dataclass(frozen=True)
class Addresses:
    """A set of addresses as sorted, disjoint, inclusive intervals (IPv6 after IPv4)."""

    spans: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, spans: Iterable[tuple[int, int]]) -> Addresses:
        merged: list[tuple[int, int]] = []
        for low, high in sorted(s for s in spans if s[0] <= s[1]):
            if merged and low <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], high))
            else:
                merged.append((low, high))
        return cls(tuple(merged))

    def __or__(self, other: Addresses) -> Addresses:
        return Addresses.of(self.spans + other.spans)

    def __and__(self, other: Addresses) -> Addresses:
        out, i, j = [], 0, 0
        while i < len(self.spans) and j < len(other.spans):
            low = max(self.spans[i][0], other.spans[j][0])
            high = min(self.spans[i][1], other.spans[j][1])
            if low <= high:
                out.append((low, high))
            if self.spans[i][1] < other.spans[j][1]:
                i += 1
            else:
                j += 1
        return Addresses(tuple(out))

    def __sub__(self, other: Addresses) -> Addresses:
        return self & other.complement()

    def complement(self) -> Addresses:
        out, start = [], 0
        for low, high in self.spans:
            if low > start:
                out.append((start, low - 1))
            start = high + 1
        if start <= TOP:
            out.append((start, TOP))
        return Addresses(tuple(out))

    def __bool__(self) -> bool:
        return bool(self.spans)

    def networks(self) -> list[str]:
        """The set as CIDRs, for evidence."""
        found: list[str] = []
        for low, high in self.spans:
            for base, top, kind in ((0, V6_BASE - 1, 4), (V6_BASE, TOP, 6)):
                a, b = max(low, base), min(high, top)
                if a > b:
                    continue
                first: ipaddress.IPv4Address | ipaddress.IPv6Address
                last: ipaddress.IPv4Address | ipaddress.IPv6Address
                if kind == 4:
                    first, last = ipaddress.IPv4Address(a), ipaddress.IPv4Address(b)
                else:
                    first, last = ipaddress.IPv6Address(a - base), ipaddress.IPv6Address(b - base)
                found += [str(n) for n in ipaddress.summarize_address_range(first, last)]
        return found


EVERYWHERE = Addresses(((0, TOP),))
NOWHERE = Addresses()
IPV4 = Addresses(((0, V6_BASE - 1),))
IPV6 = Addresses(((V6_BASE, TOP),))
LOOPBACK = Addresses(
    (
        (int(ipaddress.IPv4Address("127.0.0.0")), int(ipaddress.IPv4Address("127.255.255.255"))),
        (V6_BASE + 1, V6_BASE + 1),
    )
)


def network(text: str) -> Addresses | None:
    """``10.0.0.1``, ``10.0.0.0/24``, ``2001:db8::/32`` (``10.0.0.*`` too) as a set; None if not."""
    text = text.strip()
    if text.count(".") == 3 and text.endswith(".*"):  # sshd's wildcard form, whole octets only
        parts = text.split(".")
        stars = len(parts) - next(i for i in range(len(parts), 0, -1) if parts[i - 1] != "*")
        text = ".".join([*parts[: 4 - stars], *["0"] * stars]) + f"/{32 - 8 * stars}"
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    base = 0 if net.version == 4 else V6_BASE
    return Addresses(((base + int(net.network_address), base + int(net.broadcast_address)),))


@dataclass(frozen=True)
class Probe:
    """A new inbound connection: protocol and destination port (None: a port no rule names)."""

    proto: str
    port: int | None


Verdict = tuple[str, str | None]  # ("accept"|"drop"|"jump"|"goto"|"return"|"", target chain)


class Ruleset:
    """The chains, rules and named sets of ``nft -j list ruleset``."""

    def __init__(self, items: Sequence[Mapping[str, Any]]) -> None:
        self.chains: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.rules: dict[tuple[str, str, str], list[list[Any]]] = {}
        self.sets: dict[tuple[str, str, str], list[Any]] = {}
        for item in items:
            if not isinstance(item, Mapping):
                continue
            for kind, body in item.items():
                if not isinstance(body, Mapping):
                    continue
                key = (str(body.get("family")), str(body.get("table")), str(body.get("name")))
                if kind == "chain":
                    self.chains[key] = dict(body)
                elif kind in ("set", "map"):
                    elems = body.get("elem")
                    self.sets[key] = list(elems) if isinstance(elems, list) else []
                elif kind == "rule":
                    chain = (key[0], key[1], str(body.get("chain")))
                    expr = body.get("expr")
                    self.rules.setdefault(chain, []).append(
                        list(expr) if isinstance(expr, list) else []
                    )

    def base_chains(self) -> list[tuple[tuple[str, str, str], dict[str, Any]]]:
        """Filter chains on the input path, in the families that see IP traffic."""
        return [
            (key, chain)
            for key, chain in self.chains.items()
            if chain.get("hook") in HOOKS
            and chain.get("type", "filter") == "filter"
            and key[0] in ("ip", "ip6", "inet")
        ]

    def accepted(self, probe: Probe) -> Addresses:
        """Every source a new connection of ``probe`` is accepted from (before the socket)."""
        reach = EVERYWHERE
        for key, chain in self.base_chains():
            scope = {"ip": IPV4, "ip6": IPV6}.get(key[0], EVERYWHERE)
            taken, rest = self._chain(key, scope, probe, 0)
            if str(chain.get("policy", "accept")) == "accept":
                taken = taken | rest
            reach = reach & (taken | scope.complement())
        return reach

    # -- the walk ----------------------------------------------------------------------

    def _chain(
        self, key: tuple[str, str, str], pending: Addresses, probe: Probe, depth: int
    ) -> tuple[Addresses, Addresses]:
        """(accepted, falling through) for the sources ``pending`` entering chain ``key``."""
        accepted, returned = NOWHERE, NOWHERE
        if depth > MAX_DEPTH:
            return pending, NOWHERE  # too deep to follow: assume the worst
        for expr in self.rules.get(key, []):
            if not pending:
                break
            where, sure, verdicts = self._rule(key, expr, probe)
            hit = pending & where
            if not hit:
                continue
            for verdict, target in verdicts:
                if verdict == "accept":
                    accepted = accepted | hit
                elif verdict in ("jump", "goto") and target is not None:
                    took, back = self._chain((key[0], key[1], target), hit, probe, depth + 1)
                    accepted = accepted | took
                    if verdict == "goto" and sure:
                        returned = returned | back
                    elif sure:
                        pending = (pending - hit) | back
                        hit = NOWHERE
                elif verdict == "return":
                    returned = returned | hit
            if (
                sure
                and len(verdicts) == 1
                and verdicts[0][0] in ("accept", "drop", "return", "goto")
            ):
                pending = pending - hit
        return accepted, pending | returned

    def _rule(
        self, key: tuple[str, str, str], expr: list[Any], probe: Probe
    ) -> tuple[Addresses, bool, list[Verdict]]:
        """(sources the rule matches, whether surely, its verdicts) for ``probe``."""
        where, sure, verdicts = EVERYWHERE, True, list[Verdict]()
        for statement in expr:
            if not isinstance(statement, Mapping) or len(statement) != 1:
                sure = False
                continue
            ((kind, body),) = statement.items()
            if kind == "match" and isinstance(body, Mapping):
                outcome = self._match(key, body, probe)
                if outcome is None:
                    sure = False
                elif isinstance(outcome, Addresses):
                    where = where & outcome
                elif not outcome:
                    return NOWHERE, True, []
            elif kind in ("accept", "drop", "reject", "return"):
                verdicts = [("drop" if kind == "reject" else kind, None)]
            elif kind in ("jump", "goto") and isinstance(body, Mapping):
                verdicts = [(kind, str(body.get("target")))]
            elif kind == "vmap" and isinstance(body, Mapping):
                choices = self._vmap(key, body, probe)
                if choices is None:
                    return where, False, [("accept", None)]
                verdicts = choices
            elif kind in ("queue", "synproxy"):
                verdicts, sure = [("accept", None)], False
            elif kind in ("counter", "log", "set", "notrack", "mangle", "meta", "ct", "quota"):
                if kind == "quota":
                    sure = False
            elif kind in ("limit", "xt", "meter", "dup", "fwd", "tproxy", "nat", "masquerade"):
                sure = False
            else:
                sure = False
        if not verdicts:
            return NOWHERE, True, []
        if not sure:
            # an unjudged condition: it may match an accept, it is not counted on to drop
            verdicts = [v for v in verdicts if v[0] != "drop"]
            if not verdicts:
                return NOWHERE, True, []
        return where, sure, verdicts

    def _match(
        self, key: tuple[str, str, str], body: Mapping[str, Any], probe: Probe
    ) -> Addresses | bool | None:
        """A match as a set of sources, True/False, or None when it cannot be judged."""
        op = str(body.get("op", "=="))
        left, right = body.get("left"), body.get("right")
        negate = op == "!="
        if op not in ("==", "!=", "in"):
            return None
        if not isinstance(left, Mapping):
            return None
        payload, meta, ct = left.get("payload"), left.get("meta"), left.get("ct")
        if isinstance(payload, Mapping):
            proto, field = payload.get("protocol"), payload.get("field")
            if field == "saddr" and proto in ("ip", "ip6"):
                scope = IPV4 if proto == "ip" else IPV6
                found = self._addresses(key, right)
                if found is None:
                    return None
                return scope & (found.complement() if negate else found)
            if field == "dport" and proto in ("tcp", "udp", "th", "sctp", "dccp"):
                if proto in ("tcp", "udp", "sctp", "dccp") and proto != probe.proto:
                    return False
                ports = self._ports(key, right)
                if ports is None:
                    return None
                inside = probe.port is not None and any(a <= probe.port <= b for a, b in ports)
                return inside != negate
            if (field == "protocol" and proto == "ip") or (field == "nexthdr" and proto == "ip6"):
                scope = IPV4 if proto == "ip" else IPV6
                same = self._names(key, right, probe.proto)
                if same is None:
                    return None
                return scope if same != negate else NOWHERE
            if proto in ("tcp", "udp"):
                return False if proto != probe.proto else None
            return None
        if isinstance(meta, Mapping):
            what = meta.get("key")
            if what == "l4proto":
                same = self._names(key, right, probe.proto)
                return None if same is None else same != negate
            if what == "nfproto":
                family = {"ipv4": IPV4, "ipv6": IPV6}.get(str(right))
                if family is None:
                    return None
                return family.complement() if negate else family
            if what in ("iif", "iifname") and right == "lo":
                return negate  # traffic from other hosts never arrives on lo
            return None
        if isinstance(ct, Mapping) and ct.get("key") == "state":
            states = right if isinstance(right, list) else [right]
            if isinstance(right, Mapping) and isinstance(right.get("set"), list):
                states = right["set"]
            names = {str(s) for s in states}
            return ("new" in names) != negate
        return None

    def _elements(self, key: tuple[str, str, str], right: Any) -> list[Any] | None:
        if isinstance(right, str) and right.startswith("@"):
            found = self.sets.get((key[0], key[1], right[1:]))
            return found if found is not None else None
        if isinstance(right, Mapping) and isinstance(right.get("set"), list):
            return list(right["set"])
        return [right]

    def _addresses(self, key: tuple[str, str, str], right: Any) -> Addresses | None:
        elements = self._elements(key, right)
        if elements is None:
            return None
        found = NOWHERE
        for element in elements:
            one = element_addresses(element)
            if one is None:
                return None
            found = found | one
        return found

    def _ports(self, key: tuple[str, str, str], right: Any) -> list[tuple[int, int]] | None:
        elements = self._elements(key, right)
        if elements is None:
            return None
        found = []
        for element in elements:
            if isinstance(element, Mapping) and isinstance(element.get("elem"), Mapping):
                element = element["elem"].get("val")
            if isinstance(element, int):
                found.append((element, element))
            elif isinstance(element, Mapping) and isinstance(element.get("range"), list):
                low, high = element["range"]
                if not isinstance(low, int) or not isinstance(high, int):
                    return None
                found.append((low, high))
            else:
                return None  # a service name or something else: not judged
        return found

    def _names(self, key: tuple[str, str, str], right: Any, proto: str) -> bool | None:
        elements = self._elements(key, right)
        if elements is None:
            return None
        numbers = {"tcp": 6, "udp": 17}
        return any(e == proto or e == numbers.get(proto) for e in elements)

    def _vmap(
        self, key: tuple[str, str, str], body: Mapping[str, Any], probe: Probe
    ) -> list[Verdict] | None:
        """The verdict a map gives ``probe``; None when its key cannot be judged."""
        left, data = body.get("key"), body.get("data")
        pairs = self._elements(key, data)
        if not isinstance(left, Mapping) or pairs is None:
            return None
        for pair in pairs:
            if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[1], Mapping):
                return None
            outcome = self._match(key, {"op": "==", "left": left, "right": pair[0]}, probe)
            if outcome is None or isinstance(outcome, Addresses):
                return None
            if outcome:
                ((verdict, target),) = pair[1].items() if len(pair[1]) == 1 else ((None, None),)
                if verdict in ("accept", "drop", "reject", "return"):
                    return [("drop" if verdict == "reject" else str(verdict), None)]
                if verdict in ("jump", "goto") and isinstance(target, Mapping):
                    return [(str(verdict), str(target.get("target")))]
                return None
        return []


def element_addresses(element: Any) -> Addresses | None:
    """One set element (address, prefix, range, or an element with a timeout) as addresses."""
    if isinstance(element, Mapping) and isinstance(element.get("elem"), Mapping):
        element = element["elem"].get("val")
    if isinstance(element, str):
        return network(element)
    if isinstance(element, Mapping):
        prefix = element.get("prefix")
        if isinstance(prefix, Mapping):
            return network(f"{prefix.get('addr')}/{prefix.get('len')}")
        bounds = element.get("range")
        if isinstance(bounds, list) and len(bounds) == 2:
            low, high = network(str(bounds[0])), network(str(bounds[1]))
            if low is None or high is None:
                return None
            return Addresses.of([(low.spans[0][0], high.spans[0][1])])
    return None
