"""SM2 signatures (GB/T 32918) with SM3, by the key of the account that runs the audit.

The cryptography is OpenSSL's (Debian's libcrypto 3, maintained with the distribution's
security updates), driven through its command line: pyca/cryptography, govsec's other crypto
library, refuses the SM2 curve, and the pure-Python SM2 packages leave the signing nonce to the
caller and carry open interoperability bugs. Signatures are DER ``SEQUENCE {r, s}`` over SM3
with the user identity ``1234567812345678`` that GB/T 35276 (SM2 usage) sets as the default
(OpenSSL 3.0's own default is an empty identity, which other SM2 verifiers reject).

Keys never appear on a command line: OpenSSL reads the private key from its 0600 file and the
message from standard input; public keys and signatures go through a private temporary folder.

The key lives in ``<data dir>/keys/`` (``evidence-sm2.pem``, 0600, made on first use). Public
keys this account trusts besides its own go in ``<data dir>/keys/trusted/*.pem``.
"""

from __future__ import annotations

import base64
import getpass
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes

from secops.config import data_dir
from secops.files import file_mode, private_dir, write_atomic
from secops.report.errors import ReportError
from secops.report.labels import label

ALGORITHM = "SM2-SM3"
DISTID = "1234567812345678"  # GB/T 35276-2017's default signer identity
KEY_NAME = "evidence-sm2.pem"
PUBLIC_NAME = "evidence-sm2.pub.pem"
_PEM_BEGIN = "-----BEGIN PUBLIC KEY-----"
_PEM_END = "-----END PUBLIC KEY-----"
_SPKI_MAX = 512  # an SM2 public key's DER is 91 bytes; anything far larger is not one


@dataclass(frozen=True)
class SigningKey:
    """The account's key pair: where the private key is, the public key and its fingerprint."""

    path: Path
    public_pem: str
    fingerprint: str
    created: bool  # made by this call


def keys_dir() -> Path:
    """``<data dir>/keys``: the account's signing key and the public keys it trusts."""
    return data_dir() / "keys"


def signer_name() -> str:
    """Who signs: ``$GOVSEC_SIGNER``, else ``user@host``."""
    named = os.environ.get("GOVSEC_SIGNER", "").strip()
    if named:
        return named
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def fingerprint(public_pem: str) -> str:
    """``SM3:`` and the SM3 of the key's DER SubjectPublicKeyInfo, in hex."""
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(spki_der(public_pem))
    return "SM3:" + sm3.finalize().hex()


def spki_der(public_pem: str) -> bytes:
    """The DER bytes of one PEM public key; ReportError when it is not one."""
    text = public_pem.strip()
    if not (text.startswith(_PEM_BEGIN) and text.endswith(_PEM_END)):
        raise ReportError(label("error.sign_public_key", problem=label("sign.not_pem")))
    body = "".join(text[len(_PEM_BEGIN) : -len(_PEM_END)].split())
    try:
        der = base64.b64decode(body, validate=True)
    except ValueError as exc:
        raise ReportError(label("error.sign_public_key", problem=label("sign.bad_base64"))) from exc
    if not der or len(der) > _SPKI_MAX:
        raise ReportError(
            label("error.sign_public_key", problem=label("sign.bad_size", size=len(der)))
        )
    return der


def ensure_key(folder: Path | None = None) -> SigningKey:
    """The account's SM2 key in ``folder`` (default :func:`keys_dir`), made on first use."""
    folder = folder or keys_dir()
    key = folder / KEY_NAME
    public = folder / PUBLIC_NAME
    created = False
    if not key.is_file():
        _make_key(folder, key)
        created = True
    else:
        _require_private(key)
    if created or not public.is_file():
        pem = _openssl(["pkey", "-in", str(key), "-pubout"], b"").decode("ascii")
        _write_private(public, pem, file_mode())  # public, but govsec's files are private
    else:
        pem = public.read_text(encoding="ascii")
    return SigningKey(key, pem, fingerprint(pem), created)


def sign(key: SigningKey, message: bytes) -> bytes:
    """The DER SM2 signature of ``message`` (SM3, default identity) by ``key``."""
    return _openssl(
        ["pkeyutl", "-sign", "-inkey", str(key.path), "-rawin", "-digest", "sm3",
         "-pkeyopt", f"distid:{DISTID}"],
        message,
    )  # fmt: skip


def verify(public_pem: str, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``public_pem``'s SM2 signature of ``message``."""
    spki_der(public_pem)  # refuse what is not one public key before OpenSSL parses it
    with tempfile.TemporaryDirectory(prefix="govsec-verify-") as scratch:
        pub = Path(scratch) / "key.pem"
        sig = Path(scratch) / "signature.der"
        pub.write_text(public_pem, encoding="ascii")
        sig.write_bytes(signature)
        result = _run(
            ["pkeyutl", "-verify", "-pubin", "-inkey", str(pub), "-rawin", "-digest", "sm3",
             "-pkeyopt", f"distid:{DISTID}", "-sigfile", str(sig)],
            message,
        )  # fmt: skip
    # 0: verified; 1: a signature that does not match (or is not one): both mean "no"
    return result.returncode == 0


def trusted_keys(extra: list[Path] | None = None) -> dict[str, str]:
    """Fingerprint -> PEM of the keys a verification accepts: the account's own public key,
    ``<data dir>/keys/trusted/*.pem`` and ``extra`` files (``--key``)."""
    found: dict[str, str] = {}
    own = keys_dir() / PUBLIC_NAME
    files = [own] if own.is_file() else []
    trusted = keys_dir() / "trusted"
    if trusted.is_dir():
        files += sorted(trusted.glob("*.pem"))
    files += extra or []
    for file in files:
        try:
            pem = file.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise ReportError(label("error.sign_key_file", path=file, problem=exc)) from exc
        try:
            found[fingerprint(pem)] = pem
        except ReportError as exc:
            raise ReportError(label("error.sign_key_file", path=file, problem=exc)) from exc
    return found


def _require_private(key: Path) -> None:
    """Refuse a key that others could read or that another user owns, as ssh does."""
    info = key.stat()
    if info.st_mode & 0o077 or info.st_uid != os.geteuid():
        raise ReportError(
            label("error.sign_key_open", path=key, mode=f"{info.st_mode & 0o777:o}"),
            label("error.sign_key_open.hint", path=key),
        )


def _make_key(folder: Path, key: Path) -> None:
    try:
        private_dir(folder)  # its missing parents (the data dir) too, not only the last
    except OSError as exc:
        raise ReportError(label("error.write", path=folder, problem=exc.strerror)) from exc
    # OpenSSL writes the PEM to stdout, which goes straight into a 0600 file of ours
    pem = _openssl(["genpkey", "-algorithm", "SM2"], b"").decode("ascii")
    _write_private(key, pem, 0o600)


def _write_private(path: Path, text: str, mode: int) -> None:
    """Write ``text`` to ``path`` whole, with ``mode`` (the temporary file is 0600 until then)."""
    try:
        write_atomic(path, text, mode=mode)
    except OSError as exc:
        raise ReportError(label("error.write", path=path, problem=exc.strerror)) from exc


def _openssl(arguments: list[str], stdin: bytes) -> bytes:
    result = _run(arguments, stdin)
    if result.returncode != 0:
        problem = result.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        raise ReportError(
            label("error.sign_openssl", step=arguments[0], problem=" ".join(problem) or "?")
        )
    return result.stdout


def _run(arguments: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise ReportError(label("error.sign_no_openssl"), label("error.sign_no_openssl.hint"))
    return subprocess.run(  # fixed arguments, no shell; data on stdin
        [openssl, *arguments],
        input=stdin,
        capture_output=True,
        check=False,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
    )
