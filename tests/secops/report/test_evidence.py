"""The verdicts in the chain and the SM2-signed head: what an auditee who edits them can and
cannot get past ``check_evidence`` (issue 16: "a report never states intact for edited
verdicts")."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from secops.audit.results import AuditRun
from secops.audit.runner import write
from secops.report.bundle import BundleWriter, canonical, link
from secops.report.errors import ReportError
from secops.report.evidence import (
    SIGNATURE_NAME,
    EvidenceCheck,
    check_evidence,
    sign_bundle,
    verdict_records,
)
from secops.report.signing import DISTID, SigningKey, ensure_key, fingerprint, sign, verify


@pytest.fixture
def key(tmp_path: Path) -> SigningKey:
    return ensure_key(tmp_path / "keys")


@pytest.fixture
def audit(tmp_path: Path, run: AuditRun, key: SigningKey) -> Path:
    """An audit folder as `govsec audit` leaves it: results, bundle with verdicts, signature."""
    folder = tmp_path / "audit"
    write(run, [], folder, key)
    return folder


def checked(folder: Path, key: SigningKey, results: bool = True) -> EvidenceCheck:
    trusted = {key.fingerprint: key.public_pem}
    found = folder / "results.json"
    return check_evidence(folder / "evidence.jsonl", trusted, found if results else None)


def rewrite_chain(bundle: Path, records: list[dict[str, object]]) -> None:
    """What an attacker without the key can do: write any records with correct chains."""
    bundle.unlink()
    with BundleWriter(bundle) as writer:
        for record in records:
            writer.add(record)


def records_of(bundle: Path) -> list[dict[str, object]]:
    return [json.loads(line)["record"] for line in bundle.read_bytes().splitlines()]


def test_an_untouched_audit_verifies(audit: Path, key: SigningKey, run: AuditRun) -> None:
    found = checked(audit, key)
    assert found.ok, found.problems
    assert found.signed and found.signature_valid and found.trusted and found.results_match
    assert found.key_fingerprint == key.fingerprint and found.signer
    signature = json.loads((audit / SIGNATURE_NAME).read_text())
    assert signature["records"] == found.chain.records == len(run.hosts) + 2
    assert (signature["head_sha256"], signature["head_sm3"]) == (
        found.chain.head_sha256,
        found.chain.head_sm3,
    )


def test_the_verdicts_are_records_of_the_chain(audit: Path, run: AuditRun) -> None:
    records = records_of(audit / "evidence.jsonl")
    verdicts = [r for r in records if r["kind"] == "verdicts"]
    assert [v["host"] for v in verdicts] == [h.name for h in run.hosts]
    host = run.hosts[0]
    assert verdicts[0]["checks"] == {c.check_id: c.status for c in host.checks}
    assert verdicts[0]["controls"] == {c.control_id: c.verdict for c in host.controls}
    assert records[-1]["kind"] == "results"
    assert records[-1]["fleet_score"] == run.fleet_score


def test_verdicts_flipped_in_results_json_are_named(audit: Path, key: SigningKey) -> None:
    """The hostile auditee: every fail made a pass, every score 100."""
    results = audit / "results.json"
    data = json.loads(results.read_text())
    flipped = 0
    for host in data["hosts"]:
        for check in host["checks"]:
            if check["status"] == "fail":
                check["status"] = "pass"
                flipped += 1
        host["score"] = 100.0 if host["reachable"] else None
    data["fleet_score"] = 100.0
    results.write_text(json.dumps(data, indent=2))
    assert flipped
    found = checked(audit, key)
    assert not found.ok and not found.results_match
    assert found.signature_valid and found.trusted  # the bundle itself is untouched
    [problem] = found.problems
    assert "differs from the verdicts in the signed bundle" in problem
    assert "Pass in the file, Fail in the bundle" in problem


def test_results_json_reformatted_but_not_changed_still_matches(
    audit: Path, key: SigningKey
) -> None:
    results = audit / "results.json"
    results.write_text(json.dumps(json.loads(results.read_text()), sort_keys=True))
    assert checked(audit, key).ok


def test_a_score_alone_changed_is_named(audit: Path, key: SigningKey) -> None:
    results = audit / "results.json"
    data = json.loads(results.read_text())
    data["hosts"][0]["score"] = 99.5
    results.write_text(json.dumps(data))
    [problem] = checked(audit, key).problems
    assert f"host {data['hosts'][0]['name']}, score 99.5 in the file" in problem


def test_a_rehashed_forgery_fails_on_the_signature(audit: Path, key: SigningKey) -> None:
    """A verdict record edited and both chains recomputed: the chain alone says intact."""
    bundle = audit / "evidence.jsonl"
    records = records_of(bundle)
    verdicts = next(r for r in records if r["kind"] == "verdicts")
    assert isinstance(verdicts["checks"], dict)
    verdicts["checks"] = dict.fromkeys(verdicts["checks"], "pass")
    rewrite_chain(bundle, records)
    found = checked(audit, key, results=False)
    assert found.chain.ok  # what verify_bundle alone would have said
    assert not found.ok
    assert any("last hashes differ from the signed ones" in p for p in found.problems)


def test_a_forgery_that_also_edits_the_signed_head_breaks_the_signature(
    audit: Path, key: SigningKey
) -> None:
    bundle = audit / "evidence.jsonl"
    records = records_of(bundle)
    records[-1]["fleet_score"] = 100.0
    rewrite_chain(bundle, records)
    forged = check_evidence(bundle, {})
    signature = json.loads((audit / SIGNATURE_NAME).read_text())
    signature["head_sha256"] = forged.chain.head_sha256
    signature["head_sm3"] = forged.chain.head_sm3
    (audit / SIGNATURE_NAME).write_text(json.dumps(signature))
    found = checked(audit, key, results=False)
    assert not found.ok and not found.signature_valid
    assert any("SM2 signature does not verify" in p for p in found.problems)


def test_a_forgery_signed_with_the_attackers_own_key_is_not_trusted(
    audit: Path, key: SigningKey, tmp_path: Path
) -> None:
    bundle = audit / "evidence.jsonl"
    records = records_of(bundle)
    records[-1]["fleet_score"] = 100.0
    rewrite_chain(bundle, records)
    theirs = ensure_key(tmp_path / "attacker")
    sign_bundle(bundle, theirs, signer="auditor@agency")
    found = checked(audit, key, results=False)
    assert found.signature_valid and not found.trusted and not found.ok
    [problem] = found.problems
    assert theirs.fingerprint in problem and "does not trust" in problem
    # the same bundle verifies for whoever does trust that key (e.g. --key)
    assert check_evidence(bundle, {theirs.fingerprint: theirs.public_pem}).ok


def test_a_bundle_cut_at_a_record_boundary_is_truncated(audit: Path, key: SigningKey) -> None:
    bundle = audit / "evidence.jsonl"
    lines = bundle.read_bytes().splitlines(keepends=True)
    bundle.write_bytes(b"".join(lines[:-2]))
    found = checked(audit, key)
    assert found.chain.ok and not found.ok
    assert any(
        f"holds {len(lines) - 2} records, the signature covers {len(lines)}" in p
        for p in found.problems
    )


def test_an_empty_bundle_fails(audit: Path, key: SigningKey) -> None:
    (audit / "evidence.jsonl").write_bytes(b"")
    found = checked(audit, key)
    assert not found.ok
    assert "the bundle holds no record" in found.problems
    assert any("the signature covers" in p for p in found.problems)
    assert any("no verdicts of an audit" in p for p in found.problems)


def test_records_appended_after_signing_are_named(audit: Path, key: SigningKey) -> None:
    with BundleWriter(audit / "evidence.jsonl") as writer:
        writer.add({"kind": "note", "text": "added later"})
    [problem] = checked(audit, key).problems
    assert "1 records were added after the signature" in problem


def test_an_unsigned_bundle_is_not_verified(audit: Path, key: SigningKey) -> None:
    (audit / SIGNATURE_NAME).unlink()
    found = checked(audit, key)
    assert not found.ok and not found.signed
    assert any("no signature" in p for p in found.problems)


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda s: s.pop("signature"), "field signature: expected a string"),
        (lambda s: s.update(records="12"), "field records: expected an integer"),
        (lambda s: s.update(algorithm="RSA"), "field format/algorithm"),
        (lambda s: s.update(signature="***"), "not a govsec evidence signature"),
        (lambda s: s.update(public_key="garbage"), "not a PEM PUBLIC KEY"),
    ],
)
def test_a_malformed_signature_file_is_named(
    audit: Path, key: SigningKey, edit: object, named: str
) -> None:
    path = audit / SIGNATURE_NAME
    signature = json.loads(path.read_text())
    edit(signature)  # type: ignore[operator]
    path.write_text(json.dumps(signature))
    found = checked(audit, key)
    assert not found.ok
    assert any(named in p for p in found.problems), found.problems


def test_a_signature_file_that_is_not_json(audit: Path, key: SigningKey) -> None:
    (audit / SIGNATURE_NAME).write_bytes(b"\xff\xfe{")
    [problem] = checked(audit, key).problems
    assert SIGNATURE_NAME in problem and "not a govsec evidence signature" in problem


def test_the_key_is_private_and_made_once(tmp_path: Path) -> None:
    first = ensure_key(tmp_path / "keys")
    assert first.created and first.path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700
    again = ensure_key(tmp_path / "keys")
    assert not again.created and again.fingerprint == first.fingerprint
    assert first.fingerprint.startswith("SM3:") and len(first.fingerprint) == 4 + 64


def test_signatures_are_sm2_with_the_standard_identity(key: SigningKey, tmp_path: Path) -> None:
    """OpenSSL itself, asked separately, agrees; with OpenSSL's empty default identity the same
    signature does not verify, so the GB/T 35276 identity is really in use."""
    message = canonical({"head": "x" * 64})
    signature = sign(key, message)
    assert verify(key.public_pem, message, signature)
    assert not verify(key.public_pem, message + b" ", signature)
    pub = tmp_path / "pub.pem"
    pub.write_text(key.public_pem)
    sig = tmp_path / "sig.der"
    sig.write_bytes(signature)
    text = subprocess.run(
        ["openssl", "pkey", "-pubin", "-in", str(pub), "-text", "-noout"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "SM2" in text
    base = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(pub), "-rawin",
            "-digest", "sm3", "-sigfile", str(sig)]  # fmt: skip
    with_id = subprocess.run([*base, "-pkeyopt", f"distid:{DISTID}"], input=message, check=False)
    without = subprocess.run(base, input=message, check=False, capture_output=True)
    assert with_id.returncode == 0 and without.returncode != 0


def test_a_public_key_that_is_not_one_is_refused() -> None:
    with pytest.raises(ReportError, match="not an SM2 public key"):
        fingerprint("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----")


def test_without_openssl_signing_stops_with_the_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ReportError) as raised:
        ensure_key(tmp_path / "keys")
    assert "openssl" in str(raised.value) and "openssl" in str(raised.value.hint)
    assert not (tmp_path / "keys" / "evidence-sm2.pem").exists()


def test_verdict_records_follow_the_results(run: AuditRun) -> None:
    records = verdict_records(run.to_json())
    assert len(records) == len(run.hosts) + 1
    assert records[-1]["results"]["sha256"] != records[-1]["results"]["sm3"]
    # each record can be chained (canonical JSON values only)
    for record in records:
        link("sm3", 1, "0" * 64, record)


def test_a_key_others_can_read_is_refused(tmp_path: Path) -> None:
    key = ensure_key(tmp_path / "keys")
    key.path.chmod(0o640)
    with pytest.raises(ReportError, match="readable by others") as raised:
        ensure_key(tmp_path / "keys")
    assert "chmod 600" in str(raised.value.hint)


@pytest.mark.parametrize(
    "results",
    [b'{"hosts": [{}], "x": 1}', b'{"hosts": NaN}', b"\xff", b"[", b'"just a string"'],
)
def test_hostile_results_beside_a_bundle_are_named_not_crashed_on(
    audit: Path, key: SigningKey, results: bytes
) -> None:
    (audit / "results.json").write_bytes(results)
    found = checked(audit, key)
    assert not found.ok and not found.results_match
    assert len(found.problems) == 1, found.problems
