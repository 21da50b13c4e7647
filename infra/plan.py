"""Plan a landing zone without a cloud: ``infra.program.build`` under Pulumi's mocks.

The mock monitor records every registered resource (components too) with its type, name,
URN, parent URN and inputs as the engine sees them (camelCase, ids of other resources as
``"<name>_id"``). The policies (``infra.policies``) read the resulting :class:`Plan`.

Each call runs in a fresh ``contextvars.Context`` and its own event loop, so plans are
independent and can be made several times in one process (both providers in a test).
RPCs the SDK would hand to a thread pool run inline: there is no engine to wait for.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import gc
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import mocks as _mocks
from pulumi.runtime import resource as _resource
from pulumi.runtime import rpc
from pulumi.runtime.proto import resource_pb2, source_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from infra.topology import INTERNET, Topology

PROJECT = "govcloud-secops"
STACK_TYPE = "pulumi:pulumi:Stack"
ACCOUNT_ID = "1234567890123456"


@dataclass(frozen=True)
class PlanResource:
    type: str  # Pulumi type token: "alicloud:vpc/network:Network", "govsec:landing:LandingZone"
    name: str  # logical name
    urn: str
    parent: str | None  # parent's urn (None for the root component)
    props: Mapping[str, Any]  # inputs, camelCase; ids of other resources are "<name>_id"


@dataclass(frozen=True)
class Plan:
    provider: str  # "alicloud" | "openstack"
    topology: Topology
    resources: tuple[PlanResource, ...]
    outputs: Mapping[str, Any]  # stack outputs (incl. "inventory", "not_offered")

    def counts(self) -> dict[str, int]:
        """Resources per type token."""
        return dict(Counter(r.type for r in self.resources))

    def zone_graph(self) -> list[tuple[str, str, str]]:
        """The declared flows, zone to zone: (from ref, to ref, "tcp/443,8443")."""
        edges: dict[tuple[str, str, str], list[int]] = {}
        for flow in self.topology.flows:
            srcs = [z.ref for z in self.topology.resolve(flow.from_)]
            dsts = [z.ref for z in self.topology.resolve(flow.to) if z.ref != INTERNET]
            for s in srcs:
                for d in dsts:
                    edges.setdefault((s, d, flow.protocol), []).extend(flow.ports)
        return [
            (s, d, f"{proto}/{','.join(str(p) for p in sorted(set(ports)))}" if ports else proto)
            for (s, d, proto), ports in edges.items()
        ]


# --- mocks -----------------------------------------------------------------------------------

# outputs a provider computes that the program reads (everything else: inputs as state)
_COMPUTED: dict[str, Callable[[str], dict[str, Any]]] = {
    "alicloud:vpc/network:Network": lambda n: {"routeTableId": f"{n}_rt_id"},
    "alicloud:vpc/natGateway:NatGateway": lambda n: {
        "snatTableIds": f"{n}_snat_id",
        "forwardTableIds": f"{n}_fwd_id",
    },
    "alicloud:ecs/eipAddress:EipAddress": lambda n: {"ipAddress": "198.51.100.10"},
    "openstack:networking/routerInterface:RouterInterface": lambda n: {"portId": f"{n}_port_id"},
    "openstack:networking/floatingIp:FloatingIp": lambda n: {"address": "198.51.100.10"},
}
_CALLS: dict[str, dict[str, Any]] = {
    "alicloud:index/getAccount:getAccount": {"id": ACCOUNT_ID},
    "alicloud:index/getCallerIdentity:getCallerIdentity": {
        "accountId": ACCOUNT_ID,
        "id": ACCOUNT_ID,
        "arn": f"acs:ram::{ACCOUNT_ID}:root",
        "identityType": "Account",
    },
}


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        state = dict(args.inputs)
        computed = _COMPUTED.get(args.typ)
        if computed is not None:
            state.update(computed(args.name))
        return f"{args.name}_id", state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return dict(_CALLS.get(args.token, {})), []


class _Monitor(_mocks.MockMonitor):
    """The SDK's mock monitor, also recording (type, name, urn, parent, inputs)."""

    def __init__(self, mocks: _Mocks) -> None:
        super().__init__(mocks)
        self.records: list[PlanResource] = []
        self.stack_urn = ""

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            self.stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()  # type: ignore[no-untyped-call]
        inputs = rpc.deserialize_properties(request.object)
        args = _mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        id_, state = self.mocks.new_resource(args)
        id_ = id_ or ""
        obj = _drive(rpc.serialize_properties(state, {}))
        self.resources[urn] = _mocks.MockMonitor.ResourceRegistration(urn, id_, state)
        parent = request.parent or None
        self.records.append(
            PlanResource(
                request.type,
                request.name,
                urn,
                None if parent == self.stack_urn else parent,
                inputs,
            )
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=obj)


def _drive(coro: Any) -> Any:
    """Run a coroutine that never really suspends (serializing plain data) without pumping
    the event loop: the monitor runs inline, inside a task of that loop."""
    try:
        while True:
            coro.send(None)
    except StopIteration as done:
        return done.value


class _InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs the SDK's 'blocking' monitor calls inline: the mock monitor never blocks."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        fut: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the awaiting task
            fut.set_exception(exc)
        return fut


def _no_stack_trace() -> Any:
    """No source positions under mocks: the SDK walks the whole Python stack per resource
    to tell the engine where it was declared, a third of the time of a large plan."""
    return source_pb2.StackTrace()


def _run(topology: Topology, provider: str) -> Plan:
    from infra.program import build  # the program imports the SDKs: only when planning

    mocks = _Mocks()
    monitor = _Monitor(mocks)
    loop = asyncio.new_event_loop()
    loop.set_default_executor(_InlineExecutor(max_workers=1))
    asyncio.set_event_loop(loop)
    try:
        pulumi.runtime.set_mocks(
            mocks,
            project=PROJECT,
            stack=topology.name,
            preview=False,
            monitor=monitor,
            logger=logging.getLogger("infra.plan"),
        )
        outputs: dict[str, Any] = {}

        def program() -> None:
            result = build(topology, provider)
            resolved: Any = _sync_await(pulumi.Output.from_input(result).future())
            outputs.update(resolved or {})

        saved = _resource._get_stack_trace
        _resource._get_stack_trace = _no_stack_trace
        try:
            loop.run_until_complete(run_pulumi_func(program))
        finally:
            _resource._get_stack_trace = saved
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return Plan(provider, topology, tuple(monitor.records), outputs)


def plan(topology: Topology, provider: str | None = None) -> Plan:
    """Run the landing-zone program for ``topology`` on ``provider`` (default: its ``cloud``)
    under mocks and return every resource it would create, with the stack outputs."""
    # The SDK allocates millions of short-lived objects (an Output and four futures per
    # property); the cyclic GC scanning them makes a 50-department plan 3x slower. Nothing
    # here needs it mid-run: collect once at the end instead.
    enabled = gc.isenabled()
    gc.disable()
    try:
        result = contextvars.Context().run(_run, topology, provider or topology.cloud)
    finally:
        if enabled:
            gc.enable()
    return result
