"""``govsec serve``: /metrics for Prometheus and the Alertmanager webhook, over HTTP(S).

A small WSGI app on the standard library's threaded WSGI server — what client_python's
``start_wsgi_server`` runs — answering /metrics with client_python's own encoders and content
negotiation, with three things added:

- **The web config Prometheus' own servers read** (exporter-toolkit's ``--web.config.file``):
  ``tls_server_config`` (cert, key, optional client CA and client-certificate policy, minimum
  TLS version) and ``basic_auth_users`` (user: bcrypt hash). An operator who secured
  node_exporter can secure govsec the same way, with the same file.
- **Bounded work per connection**: the TLS handshake runs in the request's thread (a slow
  client cannot stall the accept loop), sockets time out, bodies are capped, and a correct
  password is remembered by its hash so a scrape does not pay bcrypt's cost every time.
- **Concurrent scrapes share one collection** (:class:`SharedExposition`): a site of a
  thousand hosts is a 14 MB exposition that takes about a second of CPU to build; two
  Prometheus replicas, a textfile run and a person's curl arriving together wait for the one
  being built and get the same bytes, instead of each paying the second under one GIL.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from base64 import b64decode
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any, Literal
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import bcrypt
import yaml
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from secops.errors import GovsecError

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

    from monitors.webhook import WebhookReceiver

log = logging.getLogger(__name__)

DEFAULT_LISTEN = ("127.0.0.1", 9713)
WEBHOOK_PATH = "/webhook/alertmanager"
MAX_BODY = 4 * 1024 * 1024
SOCKET_TIMEOUT = 30.0
AUTH_CACHE = 256  # remembered (user, password) hashes; bcrypt costs ~50-200 ms a check
SHARE_FOR = 1.0  # seconds a finished exposition is served to scrapes that arrive after it


class ServeError(GovsecError):
    """govsec serve cannot start: a bad web config, a port in use, a certificate missing."""


# -- the web config ----------------------------------------------------------------------------


class TlsServerConfig(BaseModel):
    """``tls_server_config`` of exporter-toolkit's web config (the keys govsec reads)."""

    model_config = ConfigDict(extra="forbid")
    cert_file: Path
    key_file: Path
    client_auth_type: Literal[
        "NoClientCert", "RequireAnyClientCert", "VerifyClientCertIfGiven",
        "RequireAndVerifyClientCert",
    ] = "NoClientCert"  # fmt: skip
    client_ca_file: Path | None = None
    min_version: Literal["TLS12", "TLS13"] = "TLS12"


class WebConfig(BaseModel):
    """exporter-toolkit's web config file: TLS and basic auth for govsec serve."""

    model_config = ConfigDict(extra="forbid")
    tls_server_config: TlsServerConfig | None = None
    basic_auth_users: dict[str, str] = Field(default_factory=dict)
    http_server_config: dict[str, Any] | None = None  # accepted, not used (HTTP/2 headers)

    def ssl_context(self) -> ssl.SSLContext | None:
        """The server's TLS context, or None for plain HTTP.

        Raises:
            ServeError: a certificate or key cannot be loaded.
        """
        tls = self.tls_server_config
        if tls is None:
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = (
            ssl.TLSVersion.TLSv1_3 if tls.min_version == "TLS13" else ssl.TLSVersion.TLSv1_2
        )
        try:
            context.load_cert_chain(tls.cert_file, tls.key_file)
            if tls.client_ca_file is not None:
                context.load_verify_locations(tls.client_ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ServeError(
                f"cannot load the TLS certificate or key of the web config: {exc}",
                hint="tls_server_config.cert_file / key_file / client_ca_file: readable PEM files",
            ) from None
        if tls.client_auth_type == "RequireAndVerifyClientCert":
            if tls.client_ca_file is None:
                raise ServeError(
                    "tls_server_config.client_auth_type RequireAndVerifyClientCert needs"
                    " client_ca_file"
                )
            context.verify_mode = ssl.CERT_REQUIRED
        elif tls.client_auth_type == "VerifyClientCertIfGiven" and tls.client_ca_file:
            context.verify_mode = ssl.CERT_OPTIONAL
        elif tls.client_auth_type == "RequireAnyClientCert":
            raise ServeError(
                "tls_server_config.client_auth_type RequireAnyClientCert (a certificate"
                " nobody verifies) is not supported",
                hint="use RequireAndVerifyClientCert with client_ca_file",
            )
        return context


def load_web_config(path: Path) -> WebConfig:
    """Read and check a web config file; relative paths in it are relative to the file.

    Raises:
        ServeError: the file cannot be read or does not match the format (names the field).
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ServeError(f"cannot read the web config {path}: {exc}") from None
    try:
        config = WebConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ServeError(
            f"{path}: {where}: {first['msg']}",
            hint="the format of Prometheus' --web.config.file (docs/monitoring.md)",
        ) from None
    for user, hashed in config.basic_auth_users.items():
        if not hashed.startswith(("$2a$", "$2b$", "$2y$")):
            raise ServeError(
                f"{path}: basic_auth_users.{user}: expected a bcrypt hash ($2b$...)",
                hint="make one with: htpasswd -nBC 10 '' | tr -d ':\\n' (never the password"
                " itself)",
            )
    tls = config.tls_server_config
    if tls is not None:
        base = path.parent
        tls.cert_file = base / tls.cert_file
        tls.key_file = base / tls.key_file
        if tls.client_ca_file is not None:
            tls.client_ca_file = base / tls.client_ca_file
    return config


@dataclass
class BasicAuth:
    """Checks ``Authorization: Basic`` against bcrypt hashes, remembering correct answers."""

    users: dict[str, str]
    _known: dict[bytes, bool] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allows(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = b64decode(header[6:], validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        hashed = self.users.get(user)
        if hashed is None:
            bcrypt.checkpw(b"x", _dummy_hash())  # the same time for an unknown user
            return False
        key = hashlib.sha256(f"{user}\0{password}\0{hashed}".encode()).digest()
        with self._lock:
            if self._known.get(key):
                return True
        ok = bcrypt.checkpw(password.encode(), hashed.encode())
        if ok:
            with self._lock:
                if len(self._known) >= AUTH_CACHE:
                    self._known.clear()
                self._known[key] = True
        return ok


@functools.cache
def _dummy_hash() -> bytes:
    """A hash to check unknown users against (made once, when auth is first used)."""
    return bcrypt.hashpw(b"govsec", bcrypt.gensalt(rounds=10))


# -- the app -----------------------------------------------------------------------------------


class SharedExposition:
    """The registry's exposition, built once for the scrapes that arrive while it is built.

    One lock: a scrape arriving during a build waits for it and takes its bytes; one arriving
    within :data:`SHARE_FOR` seconds after takes them too; later ones build anew. Every
    answer is therefore a whole collection, never a mix of two.
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        share_for: float = SHARE_FOR,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry
        self.share_for = share_for
        self.clock = clock
        self._lock = threading.Lock()
        self._built: dict[tuple[str, bool], tuple[float, bytes]] = {}

    def render(self, accept: str, *, gzipped: bool) -> tuple[bytes, str]:
        """The exposition in the format ``accept`` asks for (OpenMetrics or text), and its type."""
        encoder, content_type = choose_encoder(accept)
        key = (content_type, gzipped)
        with self._lock:
            built = self._built.get(key)
            if built is not None and self.clock() - built[0] <= self.share_for:
                return built[1], content_type
            data = encoder(self.registry)
            if gzipped:
                data = gzip.compress(data, compresslevel=1)  # 14 MB -> ~1 MB in 0.1 s
            self._built[key] = (self.clock(), data)
            return data, content_type


Handler = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]


def make_app(
    registry: CollectorRegistry,
    receiver: WebhookReceiver | None = None,
    *,
    auth: BasicAuth | None = None,
) -> Handler:
    """The WSGI app: /metrics, POST /webhook/alertmanager, /-/healthy, /-/ready."""
    shared = SharedExposition(registry)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if auth is not None and not auth.allows(environ.get("HTTP_AUTHORIZATION")):
            return _answer(
                start_response, 401, {"error": "unauthorized"}, [("WWW-Authenticate", "Basic")]
            )
        if path == "/metrics":
            if method not in ("GET", "HEAD"):
                return _answer(start_response, 405, {"error": "GET /metrics"})
            gzipped = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
            data, content_type = shared.render(environ.get("HTTP_ACCEPT", ""), gzipped=gzipped)
            headers = [("Content-Type", content_type), ("Content-Length", str(len(data)))]
            if gzipped:
                headers.append(("Content-Encoding", "gzip"))
            start_response("200 OK", headers)
            return [b""] if method == "HEAD" else [data]
        if path in ("/-/healthy", "/-/ready"):
            return _answer(start_response, 200, {"status": "ok"})
        if path == WEBHOOK_PATH:
            if receiver is None:
                return _answer(start_response, 404, {"error": "no webhook receiver here"})
            if method != "POST":
                return _answer(start_response, 405, {"error": f"POST {WEBHOOK_PATH}"})
            body = _body(environ)
            if body is None:
                return _answer(start_response, 413, {"error": f"body over {MAX_BODY} bytes"})
            status, answer = receiver.handle(body)
            return _answer(start_response, status, answer)
        return _answer(start_response, 404, {"error": f"no such path: {path[:200]}"})

    return app


def _body(environ: WSGIEnvironment) -> bytes | None:
    """The request body, or None when it is over :data:`MAX_BODY`."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return None
    stream = environ["wsgi.input"]
    return bytes(stream.read(length)) if length > 0 else b""


STATUS_TEXT = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _answer(
    start_response: StartResponse,
    status: int,
    body: dict[str, Any],
    headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    data = json.dumps(body, ensure_ascii=False).encode()
    start_response(
        f"{status} {STATUS_TEXT.get(status, 'Error')}",
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(data))),
            *(headers or []),
        ],
    )
    return [data]


# -- the server --------------------------------------------------------------------------------


class _Quiet(WSGIRequestHandler):
    """No access log on stderr (a scrape every 15 s would flood it); errors go to logging."""

    timeout = SOCKET_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("govsec serve: %s " + format, self.address_string(), *args)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    tls: ssl.SSLContext | None = None

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        # the handshake in this thread, so one slow client never holds the accept loop
        if self.tls is not None:
            try:
                request.settimeout(SOCKET_TIMEOUT)
                request = self.tls.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError) as exc:
                log.debug("govsec serve: TLS handshake with %s failed: %s", client_address, exc)
                self.shutdown_request(request)
                return
        super().process_request_thread(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.warning("govsec serve: error answering %s", client_address, exc_info=True)


class _Server6(_Server):
    address_family = socket.AF_INET6


class Server:
    """govsec serve's HTTP(S) server on one address, in a thread of its own or the caller's."""

    def __init__(self, host: str, port: int, app: Handler, tls: ssl.SSLContext | None) -> None:
        """Bind ``host:port`` (port 0: any free one, see :attr:`port`).

        Raises:
            ServeError: the address cannot be bound.
        """
        cls = _Server6 if _is_v6(host) else _Server
        try:
            self.httpd = make_server(host, port, app, server_class=cls, handler_class=_Quiet)
        except OSError as exc:
            raise ServeError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                hint="another process holds the port? pick one with --listen HOST:PORT",
            ) from None
        self.httpd.tls = tls
        self.host = host
        self.port = int(self.httpd.server_address[1])
        self.scheme = "https" if tls is not None else "http"
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if _is_v6(self.host) else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> Server:
        """Serve from a daemon thread (tests, and the CLI's signal handling)."""
        self._thread = threading.Thread(target=self.serve_forever, name="govsec-serve", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join()


def _is_v6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False


def is_loopback(host: str) -> bool:
    """Whether ``host`` only reaches this machine (``localhost`` counts)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
