import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from secops.report.bundle import GENESIS, BundleWriter, digest, verify_bundle
from secops.report.errors import ReportError

RECORDS = 5


def record(n: int) -> dict[str, object]:
    content = f"# /etc/login.defs on lab0{n}\nPASS_MAX_DAYS\t99999\n# 口令 $(rm -rf /)\n".encode()
    return {
        "host": f"lab0{n}",
        "section": "file:/etc/login.defs",
        "rc": 0,
        "sha256": hashlib.sha256(content).hexdigest(),
        "content_b64": base64.b64encode(content).decode(),
        "note": "ünïcödé 中文 \x1b[0m",
    }


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "evidence.jsonl"
    with BundleWriter(path) as writer:
        for n in range(1, RECORDS + 1):
            writer.add(record(n))
    return path


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def rewrite(path: Path, new: list[bytes]) -> None:
    path.write_bytes(b"".join(new))


def assert_bad(path: Path, at: int, reason: str) -> None:
    check = verify_bundle(path)
    assert not check.ok
    assert (check.first_bad_seq, check.line) == (at, at), check
    assert reason in check.reason, check.reason


def test_intact_bundle_verifies(bundle: Path) -> None:
    check = verify_bundle(bundle)
    assert check.ok and check.records == RECORDS and check.first_bad_seq is None
    last = json.loads(lines(bundle)[-1])
    assert (check.head_sha256, check.head_sm3) == (last["sha256"], last["sm3"])


def test_a_third_party_can_recompute_both_chains(bundle: Path) -> None:
    """The rule in docs/report.md, implemented from scratch."""
    prev = {"sha256": "0" * 64, "sm3": "0" * 64}
    for n, raw in enumerate(lines(bundle), start=1):
        entry = json.loads(raw)
        assert entry["seq"] == n
        for name in ("sha256", "sm3"):
            body = json.dumps(
                {"seq": n, "prev": prev[name], "record": entry["record"]},
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
            ).encode()
            if name == "sha256":
                value = hashlib.sha256(body).hexdigest()
            else:
                sm3 = hashes.Hash(hashes.SM3())
                sm3.update(body)
                value = sm3.finalize().hex()
            assert entry[name] == value
            prev[name] = value
        assert (
            raw
            == json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
            + b"\n"
        )


def test_sm3_is_the_national_standard() -> None:
    # GB/T 32905-2016, example 1
    assert (
        digest("sm3", b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert GENESIS == "0" * 64


def test_flipped_byte_in_a_middle_records_content(bundle: Path) -> None:
    data = lines(bundle)
    entry = json.loads(data[2])
    flipped = entry["record"]["content_b64"]
    entry["record"]["content_b64"] = ("B" if flipped[0] != "B" else "C") + flipped[1:]
    data[2] = (
        json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        + b"\n"
    )
    rewrite(bundle, data)
    assert_bad(bundle, 3, "SHA-256 does not match")


@pytest.mark.parametrize("algorithm", ["sha256", "sm3"])
def test_flipped_byte_in_a_hash(bundle: Path, algorithm: str) -> None:
    data = lines(bundle)
    entry = json.loads(data[2])
    value = entry[algorithm]
    entry[algorithm] = value[:10] + ("0" if value[10] != "0" else "1") + value[11:]
    data[2] = (
        json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        + b"\n"
    )
    rewrite(bundle, data)
    assert_bad(bundle, 3, f"{'SHA-256' if algorithm == 'sha256' else 'SM3'} does not match")


def test_changed_seq(bundle: Path) -> None:
    data = lines(bundle)
    data[2] = data[2].replace(b'"seq":3', b'"seq":7')
    rewrite(bundle, data)
    assert_bad(bundle, 3, "seq 7 where 3 was expected")


def test_deleted_line(bundle: Path) -> None:
    data = lines(bundle)
    del data[2]
    rewrite(bundle, data)
    assert_bad(bundle, 3, "seq 4 where 3 was expected")
    assert verify_bundle(bundle).records == RECORDS - 1


def test_two_lines_swapped(bundle: Path) -> None:
    data = lines(bundle)
    data[1], data[2] = data[2], data[1]
    rewrite(bundle, data)
    assert_bad(bundle, 2, "seq 3 where 2 was expected")


def test_truncated_last_line(bundle: Path) -> None:
    data = lines(bundle)
    data[-1] = data[-1][:-30]
    rewrite(bundle, data)
    assert_bad(bundle, RECORDS, "the file was truncated")
    data[-1] = b""
    rewrite(bundle, data)  # a whole line gone from the end: only the recorded head shows it
    assert verify_bundle(bundle).ok and verify_bundle(bundle).records == RECORDS - 1


def test_recomputed_hashes_after_an_edit_still_show(bundle: Path) -> None:
    """Someone who edits a record and fixes its own hashes breaks the next record's link."""
    data = lines(bundle)
    entry = json.loads(data[1])
    entry["record"]["rc"] = 1
    prev = {a: json.loads(data[0])[a] for a in ("sha256", "sm3")}
    for a in ("sha256", "sm3"):
        body = json.dumps(
            {"prev": prev[a], "record": entry["record"], "seq": 2},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        entry[a] = digest(a, body)
    data[1] = (
        json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        + b"\n"
    )
    rewrite(bundle, data)
    assert_bad(bundle, 3, "does not match")


def test_any_single_byte_changed_anywhere_is_found_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "small.jsonl"
    with BundleWriter(path) as writer:
        for n in range(1, 4):
            writer.add(record(n))
    original = path.read_bytes()
    starts = [0]
    for raw in lines(path):
        starts.append(starts[-1] + len(raw))
    for offset in range(len(original)):
        line = next(i for i in range(3) if starts[i] <= offset < starts[i + 1]) + 1
        for mask in (0x01, 0x20):
            changed = bytearray(original)
            changed[offset] ^= mask
            path.write_bytes(bytes(changed))
            check = verify_bundle(path)
            assert not check.ok, (offset, mask)
            assert check.line == line, (offset, mask, check)


@pytest.mark.parametrize(
    "garbage",
    [
        b"not json at all\n",
        b"[1, 2, 3]\n",
        b"\n",
        b'{"seq": 3}\n',
        b"\xff\xfe\x00\n",
        b'{"record":{"x":NaN},"seq":3,"sha256":"0","sm3":"0"}\n',
        b"[" * 100000 + b"\n",
    ],
)
def test_malformed_lines_are_reported_not_crashed_on(bundle: Path, garbage: bytes) -> None:
    data = lines(bundle)
    data[2] = garbage
    rewrite(bundle, data)
    check = verify_bundle(bundle)
    assert not check.ok and check.line == 3 and check.first_bad_seq == 3 and check.reason


def test_writer_continues_the_chain_and_refuses_an_altered_bundle(bundle: Path) -> None:
    with BundleWriter(bundle) as writer:
        writer.add({"host": "lab09", "section": "cmd:sshd -T", "rc": 0})
    check = verify_bundle(bundle)
    assert check.ok and check.records == RECORDS + 1
    data = lines(bundle)
    data[0] = data[0].replace(b'"rc":0', b'"rc":9')
    rewrite(bundle, data)
    with pytest.raises(ReportError, match=r"record 1 \(line 1\)"):
        BundleWriter(bundle)


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "evidence.jsonl"
    with BundleWriter(path), pytest.raises(ReportError, match="another writer"):
        BundleWriter(path)


def test_records_that_are_not_json_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evidence.jsonl"
    with BundleWriter(path) as writer:
        with pytest.raises(ReportError, match="record 1"):
            writer.add({"bad": {1, 2}})
        with pytest.raises(ReportError, match="record 1"):
            writer.add({"bad": "\udc80"})
        with pytest.raises(ReportError, match="record 1"):
            writer.add({"bad": float("nan")})
        writer.add({"good": 1})
    assert verify_bundle(path).ok and verify_bundle(path).records == 1


def test_empty_and_missing_bundles(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert verify_bundle(empty).ok and verify_bundle(empty).records == 0
    with pytest.raises(ReportError, match="no such evidence bundle"):
        verify_bundle(tmp_path / "missing.jsonl")
