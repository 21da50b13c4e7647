"""One ``govsec audit``: collect from every host in parallel, evaluate, write the results.

A host that cannot be reached, refuses our key or fails to answer is recorded with the reason
and the run goes on. The output folder holds ``results.json`` and ``evidence.jsonl``: every
raw section collected, then every verdict and the hashes of results.json, hash-chained (SM3
and SHA-256), and ``evidence.sig.json``: the chain's head signed with the account's SM2 key, so
an assessor can check that neither the evidence nor the verdicts were altered.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from secops import __version__
from secops.audit.inventory import Target
from secops.audit.results import AuditRun, HostResult, describe_error
from secops.audit.transport import Collected, TransportError, collect_local, collect_ssh
from secops.files import private_dir, write_atomic
from secops.i18n import current_lang

if TYPE_CHECKING:
    from secops.audit.facts import Facts
    from secops.catalog.model import Catalog
    from secops.report.signing import SigningKey

# Only what collection needs is imported here, so the hosts are being collected while the
# checks, the catalog and the report (a third of a second of imports) load: see run_audit.

RESULTS = "results.json"
EVIDENCE = "evidence.jsonl"
WORKERS = 32  # hosts collected at once: they mostly wait, on the network or on their own CPU


@dataclass(frozen=True)
class HostRun:
    result: HostResult
    facts: Facts | None


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Collection:
    """What came back from one host: its output, or why there is none."""

    name: str
    address: str
    started: str
    seconds: float
    collected: Collected | None
    error: TransportError | None = None


def collect_host(name: str, address: str, collect: Callable[[], Collected]) -> Collection:
    """Run the collector on one host; a transport failure becomes the reason."""
    started, clock = now(), time.monotonic()
    try:
        collected = collect()
    except TransportError as exc:
        return Collection(name, address, started, time.monotonic() - clock, None, exc)
    return Collection(name, address, started, time.monotonic() - clock, collected)


def evaluate_collection(done: Collection, catalog: Catalog, level: int) -> HostRun:
    """Parse and evaluate one host's output into its result."""
    from secops.audit.evaluate import evaluate_host
    from secops.audit.facts import Facts

    clock = time.monotonic()
    facts = (
        Facts.from_output(done.collected.raw, done.collected.boundary) if done.collected else None
    )
    if facts is None or not facts.sections:
        key, fields = (done.error.key, done.error.fields) if done.error else ("", {})
        if not key and done.collected is not None:
            # the host's own last line of stderr, as it wrote it: a value, not our sentence
            last = done.collected.stderr.strip().splitlines()[-1:]
            key, fields = (
                "audit.err.collector",
                {"reason": last[0] if last else "audit.reason.no_output"},
            )
        failed = HostResult(
            done.name,
            done.address,
            reachable=False,
            error=describe_error(current_lang(), key, fields) if key else "",
            error_key=key,
            error_fields=fields,
            started=done.started,
            seconds=done.seconds,
        )
        return HostRun(failed, None)
    evaluation = evaluate_host(facts, catalog, level)
    result = HostResult(
        done.name,
        done.address,
        reachable=True,
        os=facts.os_release.get("PRETTY_NAME", ""),
        as_root=facts.is_root,
        started=done.started,
        seconds=done.seconds + time.monotonic() - clock,
        score=evaluation.score,
        checks=evaluation.checks,
        controls=evaluation.controls,
    )
    return HostRun(result, facts)


def run_audit(
    targets: list[Target] | None,
    prepare: Callable[[], Catalog],
    level: int,
    out_dir: Path,
    inventory: str = "",
    on_host: Callable[[HostResult], None] | None = None,
    key: SigningKey | None = None,
) -> AuditRun:
    """Audit ``targets`` (None: this machine) and write results and evidence to ``out_dir``.

    Hosts are collected in parallel threads, which mostly wait on the network; meanwhile
    ``prepare`` loads the catalog (and whatever else the caller needs) on this thread.
    Evaluation is pure Python, so it runs here too, host by host as each one answers.
    """
    started = now()
    jobs: list[tuple[str, str, Callable[[], Collected]]]
    if targets is None:
        jobs = [(socket.gethostname(), "localhost", collect_local)]
    else:
        jobs = [(t.name, t.address, _ssh(t)) for t in targets]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {pool.submit(collect_host, *job): index for index, job in enumerate(jobs)}
        catalog = prepare()
        runs: dict[int, HostRun] = {}
        for future in as_completed(futures):
            done = evaluate_collection(future.result(), catalog, level)
            runs[futures[future]] = done
            if on_host is not None:
                on_host(done.result)
    ordered = [runs[index] for index in range(len(jobs))]
    from secops.audit.evaluate import fleet_score

    run = AuditRun(
        level=level,
        tool_version=__version__,
        catalog_version=catalog.version,
        started=started,
        finished=now(),
        inventory=inventory,
        hosts=[r.result for r in ordered],
        fleet_score=fleet_score([r.result.score for r in ordered if r.result.reachable]),
    )
    write(run, ordered, out_dir, key)
    return run


def write(run: AuditRun, runs: list[HostRun], out_dir: Path, key: SigningKey | None = None) -> None:
    """results.json, the hash-chained evidence of every raw section followed by the verdicts,
    and the chain's head signed with ``key`` (default: the account's, made on first use)."""
    from secops.report.bundle import BundleWriter
    from secops.report.evidence import sign_bundle, verdict_records
    from secops.report.signing import ensure_key

    private_dir(out_dir)
    with BundleWriter(out_dir / EVIDENCE) as bundle:
        bundle.add(
            {
                "kind": "audit",
                "level": run.level,
                "started": run.started,
                "tool_version": run.tool_version,
                "catalog_version": run.catalog_version,
            }
        )
        for host_run in runs:
            if host_run.facts is None:
                bundle.add(
                    {
                        "kind": "unreachable",
                        "host": host_run.result.name,
                        "error": host_run.result.error,
                    }
                )
                continue
            for name, section in sorted(host_run.facts.sections.items()):
                bundle.add(
                    {
                        "kind": "fact",
                        "host": host_run.result.name,
                        "section": name,
                        "rc": section.rc,
                        "sha256": hashlib.sha256(section.data).hexdigest(),
                        "content_b64": base64.b64encode(section.data).decode(),
                    }
                )
        # the verdicts are evidence too: results.json is bound to the chain by its hashes
        results = run.to_json()
        for record in verdict_records(results):
            bundle.add(record)
        write_atomic(out_dir / RESULTS, results, sync=False)
        # signed while the bundle is still locked: no other writer can slip a record in
        sign_bundle(out_dir / EVIDENCE, key or ensure_key(), writer=bundle)


def _ssh(target: Target) -> Callable[[], Collected]:
    return lambda: collect_ssh(target)
