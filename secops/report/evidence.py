"""The audit's verdicts inside the evidence chain, and the chain's head signed with SM2.

A hash chain alone proves nothing against whoever holds the file: they can edit a record and
recompute every hash after it. So the audit (1) appends its verdicts to the chain — every
check's status, every control's verdict, the scores, and the SHA-256 and SM3 of results.json
itself — and (2) signs the chain's last hashes with the assessing account's SM2 key
(:mod:`secops.report.signing`) in ``evidence.sig.json`` beside the bundle. The signed fields::

    {"algorithm": "SM2-SM3", "bundle": "evidence.jsonl", "distid": "1234567812345678",
     "format": 1, "head_sha256": …, "head_sm3": …, "key_fingerprint": "SM3:…",
     "public_key": "-----BEGIN PUBLIC KEY-----…", "records": N, "signed_at": …,
     "signer": "name"}

are signed as canonical JSON (:func:`secops.report.bundle.canonical`); the file adds
``"signature"`` (base64 of the DER signature). :func:`check_evidence` replays the chains,
checks the signature and the signer's key against the keys this account trusts, and compares
results.json with the verdicts the signed chain holds: any difference is named.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from secops.files import write_atomic
from secops.report.bundle import BundleCheck, BundleWriter, canonical, digests, verify_bundle
from secops.report.errors import ReportError
from secops.report.labels import LABELS, label
from secops.report.signing import (
    ALGORITHM,
    DISTID,
    SigningKey,
    fingerprint,
    sign,
    signer_name,
    verify,
)

SIGNATURE_NAME = "evidence.sig.json"
SIGNATURE_FORMAT = 1
_SIGNED = (
    "algorithm", "bundle", "distid", "format", "head_sha256", "head_sm3", "key_fingerprint",
    "public_key", "records", "signed_at", "signer",
)  # fmt: skip


def signature_beside(bundle: Path) -> Path:
    """Where the signature of ``bundle`` is kept."""
    return bundle.with_name(SIGNATURE_NAME)


def results_digests(results_text: str) -> dict[str, str]:
    """SHA-256 and SM3 of a results.json's canonical form (its values, not its layout)."""
    return digests(canonical(json.loads(results_text)))


def verdict_records(results_text: str) -> list[dict[str, Any]]:
    """The records an audit appends after its facts: one per host, then the run's."""
    run = json.loads(results_text)
    records: list[dict[str, Any]] = [
        {
            "kind": "verdicts",
            "host": host["name"],
            "reachable": host["reachable"],
            "score": host.get("score"),
            "checks": {c["check_id"]: c["status"] for c in host.get("checks", [])},
            "controls": {c["control_id"]: c["verdict"] for c in host.get("controls", [])},
        }
        for host in run.get("hosts", [])
    ]
    records.append(
        {
            "kind": "results",
            "level": run.get("level"),
            "started": run.get("started"),
            "finished": run.get("finished"),
            "fleet_score": run.get("fleet_score"),
            "hosts": len(run.get("hosts", [])),
            "results": results_digests(results_text),
        }
    )
    return records


def sign_bundle(
    bundle: Path, key: SigningKey, signer: str | None = None, writer: BundleWriter | None = None
) -> dict[str, Any]:
    """Sign the bundle's head with ``key``; write and return the signature file.

    With ``writer`` (open on ``bundle``, holding its lock) the head is the one it wrote;
    otherwise the bundle is verified whole first.
    """
    if writer is not None:
        writer.sync()  # a signature never covers records that are not on disk yet
        chain = BundleCheck(
            True, writer.seq, None, None, "", writer.heads["sha256"], writer.heads["sm3"]
        )
    else:
        chain = verify_bundle(bundle)
    if not chain.ok:
        raise ReportError(
            label(
                "error.bundle_broken",
                path=bundle,
                seq=chain.first_bad_seq,
                line=chain.line,
                reason=chain.reason,
            )
        )
    fields: dict[str, Any] = {
        "algorithm": ALGORITHM,
        "bundle": bundle.name,
        "distid": DISTID,
        "format": SIGNATURE_FORMAT,
        "head_sha256": chain.head_sha256,
        "head_sm3": chain.head_sm3,
        "key_fingerprint": key.fingerprint,
        "public_key": key.public_pem,
        "records": chain.records,
        "signed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "signer": signer or signer_name(),
    }
    document = {**fields, "signature": base64.b64encode(sign(key, canonical(fields))).decode()}
    target = signature_beside(bundle)
    try:
        write_atomic(target, json.dumps(document, ensure_ascii=False, indent=2))
    except OSError as exc:
        raise ReportError(label("error.write", path=target, problem=exc.strerror)) from exc
    return document


@dataclass
class EvidenceCheck:
    """What :func:`check_evidence` found. ``ok`` only when every part holds."""

    bundle: str
    chain: BundleCheck
    signature_file: str
    signed: bool = False  # a well-formed signature file exists
    signature_valid: bool = False  # it verifies with the public key it names
    trusted: bool = False  # and that key is one this account trusts
    signer: str = ""
    key_fingerprint: str = ""
    public_key: str = ""
    signed_at: str = ""
    signed_records: int = 0
    results_checked: bool = False  # a results.json was compared with the signed verdicts
    results_match: bool = False
    problems: list[str] = field(default_factory=list)
    # seq of the last "verdicts" record per host: what a finding cites as its evidence record
    verdict_seqs: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_evidence(
    bundle: Path, trusted: dict[str, str], results: Path | None = None
) -> EvidenceCheck:
    """Chain, signature, signer and (when given) results.json, each problem named."""
    verdicts: list[dict[str, Any]] = []  # the verdict records, gathered as the chain is replayed
    seqs: dict[str, int] = {}
    count = 0

    def keep(record: dict[str, Any]) -> None:
        nonlocal count
        count += 1
        if record.get("kind") in ("verdicts", "results"):
            verdicts.append(record)
            if record.get("kind") == "verdicts" and isinstance(record.get("host"), str):
                seqs[record["host"]] = count

    chain = verify_bundle(bundle, keep)
    check = EvidenceCheck(str(bundle), chain, str(signature_beside(bundle)), verdict_seqs=seqs)
    if not chain.ok:
        check.problems.append(
            label("bundle.altered", seq=chain.first_bad_seq, line=chain.line, reason=chain.reason)
        )
    elif chain.records == 0:
        check.problems.append(label("evidence.empty"))
    document = _read_signature(check)
    if document is not None:
        _check_signature(check, document, chain, trusted)
    if results is not None and chain.ok:  # an altered chain's verdicts prove nothing
        _check_results(check, verdicts, results)
    return check


def _read_signature(check: EvidenceCheck) -> dict[str, Any] | None:
    path = Path(check.signature_file)
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        check.problems.append(label("evidence.unsigned", path=path))
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        check.problems.append(label("evidence.sig_malformed", path=path, problem=exc))
        return None
    problem = _shape_problem(raw)
    if problem:
        check.problems.append(label("evidence.sig_malformed", path=path, problem=problem))
        return None
    return dict(raw)


def _shape_problem(raw: object) -> str:
    if not isinstance(raw, dict):
        return label(
            "evidence.field",
            field=label("evidence.type.top"),
            expected=label("evidence.type.object"),
        )
    for name in (*_SIGNED, "signature"):
        value = raw.get(name)
        wanted: type = int if name in ("format", "records") else str
        if type(value) is not wanted:
            return label(
                "evidence.field", field=name, expected=label(f"evidence.type.{wanted.__name__}")
            )
    if raw["format"] != SIGNATURE_FORMAT or raw["algorithm"] != ALGORITHM:
        return label("evidence.field", field="format/algorithm", expected=f"1/{ALGORITHM}")
    return ""


def _check_signature(
    check: EvidenceCheck, document: dict[str, Any], chain: BundleCheck, trusted: dict[str, str]
) -> None:
    check.signed = True
    check.signer = document["signer"]
    check.public_key = document["public_key"]
    check.signed_at = document["signed_at"]
    check.signed_records = document["records"]
    try:
        check.key_fingerprint = fingerprint(document["public_key"])
        signature = base64.b64decode(document["signature"], validate=True)
    except (ReportError, ValueError) as exc:
        check.problems.append(
            label("evidence.sig_malformed", path=check.signature_file, problem=exc)
        )
        return
    fields = {name: document[name] for name in _SIGNED}
    check.signature_valid = (
        fields["key_fingerprint"] == check.key_fingerprint
        and document["distid"] == DISTID
        and verify(document["public_key"], canonical(fields), signature)
    )
    if not check.signature_valid:
        check.problems.append(label("evidence.sig_invalid"))
        return
    check.trusted = check.key_fingerprint in trusted
    if not check.trusted:
        check.problems.append(
            label("evidence.untrusted", fingerprint=check.key_fingerprint, signer=check.signer)
        )
    if not chain.ok:
        return  # the chain's own problem is already named
    if chain.records < check.signed_records:
        check.problems.append(
            label("evidence.truncated", records=chain.records, signed=check.signed_records)
        )
    elif chain.records > check.signed_records:
        check.problems.append(
            label("evidence.appended", extra=chain.records - check.signed_records)
        )
    elif (chain.head_sha256, chain.head_sm3) != (document["head_sha256"], document["head_sm3"]):
        check.problems.append(label("evidence.rehashed"))


def _check_results(check: EvidenceCheck, records: list[dict[str, Any]], results: Path) -> None:
    check.results_checked = True
    try:
        text = results.read_bytes().decode("utf-8")
        found = results_digests(text)
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: not UTF-8, JSON, or NaN
        check.problems.append(label("evidence.results_unreadable", path=results, problem=exc))
        return
    signed = _last_results(records)
    if signed is None:
        check.problems.append(label("evidence.no_verdicts"))
        return
    summary, hosts = signed
    if summary.get("results") == found:
        check.results_match = True
        return
    try:
        detail = _difference(text, hosts)
    except (KeyError, TypeError, AttributeError):  # not even shaped like results: say so
        detail = label("evidence.diff.other")
    check.problems.append(label("evidence.results_differ", path=results, detail=detail))


def _last_results(
    records: list[dict[str, Any]],
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The last run's "results" record and the "verdicts" records just before it."""
    for index in range(len(records) - 1, -1, -1):
        if records[index].get("kind") == "results":
            hosts: list[dict[str, Any]] = []
            for earlier in reversed(records[:index]):
                if earlier.get("kind") != "verdicts":
                    break
                hosts.insert(0, earlier)
            return records[index], hosts
    return None


def _shown(part: str, value: object) -> str:
    """A status or verdict in the report's words (the raw value when it is not one)."""
    key = f"{'status' if part == 'checks' else 'verdict'}.{value}"
    return label(key) if key in LABELS else str(value)


def _difference(results_text: str, signed_hosts: list[dict[str, Any]]) -> str:
    """The first verdict that differs between results.json and the signed records."""
    signed = {h.get("host"): h for h in signed_hosts}
    for record in verdict_records(results_text)[:-1]:
        host = record["host"]
        theirs = signed.get(host)
        if theirs is None:
            return label("evidence.diff.host", host=host)
        for part in ("checks", "controls"):
            for item, value in record[part].items():
                was = theirs.get(part, {}).get(item)
                if was != value:
                    now, then = _shown(part, value), _shown(part, was)
                    return label("evidence.diff.item", host=host, item=item, now=now, signed=then)
        if theirs.get("score") != record["score"]:
            return label(
                "evidence.diff.score", host=host, now=record["score"], signed=theirs.get("score")
            )
    return label("evidence.diff.other")
