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
import stat
import threading
import time
from base64 import b64decode
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any, Literal
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

import bcrypt
import yaml
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from secops.errors import GovsecError
from secops.i18n import Lang, register, t

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


MESSAGES: dict[str, dict[Lang, str]] = {
    "serve.web_config.open": {
        "en": "the web config {path} holds basic_auth_users but group or others may read it"
        " (mode {mode})",
        "zh": "Web 配置 {path} 含 basic_auth_users，但同组或其他用户可以读取（权限 {mode}）",
    },
    "serve.web_config.open.hint": {
        "en": "its password hashes can be cracked offline: chmod 600 {path}",
        "zh": "其中的口令哈希可被离线破解：chmod 600 {path}",
    },
    "serve.bad_host": {
        "en": "Host {host!r} is not this server's address ({allowed}); refused",
        "zh": "Host {host!r} 不是本服务的地址（{allowed}），已拒绝",
    },
    "serve.browser": {
        "en": "the webhook takes no requests from a browser ({header} present); refused",
        "zh": "webhook 不接受来自浏览器的请求（带有 {header}），已拒绝",
    },
    "serve.content_type": {
        "en": "the webhook takes application/json only, not {content_type!r}",
        "zh": "webhook 只接受 application/json，不接受 {content_type!r}",
    },
    "serve.refused": {
        "en": "govsec serve refused {method} {path} from {client}: {reason}",
        "zh": "govsec serve 拒绝了来自 {client} 的 {method} {path}：{reason}",
    },
}
register(MESSAGES)

SECURITY_HEADERS = (
    # nothing govsec serves is a page: no script, frame, form or style may come from it
    (
        "Content-Security-Policy",
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
)
"""Sent with every answer, errors of the HTTP layer included."""
BROWSER_HEADERS = ("HTTP_ORIGIN", "HTTP_SEC_FETCH_SITE", "HTTP_SEC_FETCH_MODE", "HTTP_COOKIE")
"""Alertmanager sends none of these; a browser sends Origin with every cross-site POST."""
JSON_TYPE = "application/json"


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
        ServeError: the file cannot be read, does not match the format (names the field), or
            holds basic_auth_users while group or others may read it.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
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
    if config.basic_auth_users and mode & 0o077:
        # as Alertmanager's credentials file: a bcrypt hash is a password, offline
        raise ServeError(
            t("serve.web_config.open", path=path, mode=f"{mode:04o}"),
            hint=t("serve.web_config.open.hint", path=path),
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
            refused = _not_from_alertmanager(environ)
            if refused is not None:
                status, reason = refused
                _log_refusal(environ, reason)
                return _answer(start_response, status, {"error": reason})
            body = _body(environ)
            if body is None:
                return _answer(start_response, 413, {"error": f"body over {MAX_BODY} bytes"})
            status, answer = receiver.handle(body)
            return _answer(start_response, status, answer)
        return _answer(start_response, 404, {"error": f"no such path: {path[:200]}"})

    return app


def _not_from_alertmanager(environ: WSGIEnvironment) -> tuple[int, str] | None:
    """Why a webhook request is not Alertmanager's (status, reason), or None when it may be.

    A page on another site can make the operator's browser POST here (a form, or fetch with
    ``mode: "no-cors"``) but it cannot send ``Content-Type: application/json`` without a CORS
    preflight, which is never answered, and it cannot leave out ``Origin``.
    """
    for name in BROWSER_HEADERS:
        if environ.get(name) is not None:
            header = name.removeprefix("HTTP_").replace("_", "-").title()
            return 403, t("serve.browser", header=header)
    content_type = str(environ.get("CONTENT_TYPE") or "")
    if content_type.partition(";")[0].strip().lower() != JSON_TYPE:
        return 415, t("serve.content_type", content_type=content_type[:100])
    return None


def _log_refusal(environ: WSGIEnvironment, reason: str) -> None:
    """One line per refused request, no traceback."""
    log.warning(
        "%s",
        t(
            "serve.refused",
            method=str(environ.get("REQUEST_METHOD", ""))[:10],
            path=str(environ.get("PATH_INFO", ""))[:200],
            client=environ.get("REMOTE_ADDR", "?"),
            reason=reason,
        ),
    )


@dataclass(frozen=True)
class HostCheck:
    """The ``Host`` values this server answers to: a defence against DNS rebinding.

    A page whose name is made to resolve to this address is same-origin with it in the
    browser, but its requests still say ``Host: <that name>``. Accepted: the listen address
    itself; with a loopback address, also ``localhost``, ``127.0.0.1`` and ``[::1]``; with a
    wildcard address (0.0.0.0, ::), any IP address (a rebinding needs a name); and the
    names given with ``--allowed-host``. The port must be the one listened on.
    """

    port: int
    hosts: frozenset[str]
    any_address: bool = False

    @classmethod
    def for_listen(cls, host: str, port: int, names: Sequence[str] = ()) -> HostCheck:
        """The check for a server listening on ``host:port``, plus the extra ``names``."""
        hosts = {_bare(host)}
        if is_loopback(host):
            hosts |= {"localhost", "127.0.0.1", "::1"}
        hosts |= {_bare(name) for name in names}
        wildcard = host in ("0.0.0.0", "::", "")  # noqa: S104 - compared, not bound
        return cls(port, frozenset(hosts), any_address=wildcard)

    def allows(self, header: str | None) -> bool:
        """Whether a request's ``Host`` header names this server."""
        if not header:
            return False
        host, port = _split_host(header.strip().lower())
        if port is None:
            port = 80 if self.port == 80 else (443 if self.port == 443 else None)
        if port != self.port:
            return False
        if host in self.hosts:
            return True
        if self.any_address:
            try:
                ipaddress.ip_address(host)
            except ValueError:
                return False
            return True
        return False

    def describe(self) -> str:
        """The accepted values, for a refusal's message."""
        shown = sorted(f"[{h}]:{self.port}" if ":" in h else f"{h}:{self.port}" for h in self.hosts)
        if self.any_address:
            shown.append(f"<any IP>:{self.port}")
        return ", ".join(shown)


def _bare(host: str) -> str:
    """A host name or address as compared: lower case, no brackets, no trailing dot."""
    return host.strip().lower().strip("[]").rstrip(".")


def _split_host(value: str) -> tuple[str, int | None]:
    """``host[:port]`` or ``[v6][:port]`` as (host, port); port None when absent or bad."""
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port_text = rest.removeprefix(":") if rest.startswith(":") else ""
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
    else:
        host, port_text = value, ""
    if not port_text:
        return _bare(host), None
    if not port_text.isdigit():
        return _bare(host), -1
    return _bare(host), int(port_text)


def guarded(app: Handler, hosts: HostCheck) -> Handler:
    """``app`` answering only to ``hosts``, with :data:`SECURITY_HEADERS` on every answer."""

    def guard(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def with_headers(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            present = {name.lower() for name, _ in headers}
            extra = [(n, v) for n, v in SECURITY_HEADERS if n.lower() not in present]
            return start_response(status, [*headers, *extra], exc_info)

        host = environ.get("HTTP_HOST")
        if not hosts.allows(host):
            reason = t("serve.bad_host", host=str(host)[:100], allowed=hosts.describe())
            _log_refusal(environ, reason)
            return _answer(with_headers, 421, {"error": reason})
        return app(environ, with_headers)

    return guard


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
    403: "Forbidden",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    421: "Misdirected Request",
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


class _Handler(ServerHandler):
    """wsgiref's handler without its ``Server: WSGIServer/0.2 CPython/3.x`` banner."""

    server_software = ""


class _Quiet(WSGIRequestHandler):
    """No access log on stderr (a scrape every 15 s would flood it); errors go to logging.

    No ``Server`` banner, and the HTTP layer's own errors (a bad request line, a line too
    long) carry :data:`SECURITY_HEADERS` like every other answer.
    """

    timeout = SOCKET_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("govsec serve: %s " + format, self.address_string(), *args)

    def handle(self) -> None:
        # WSGIRequestHandler.handle, with a handler that announces nothing
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline, self.request_version, self.command = "", "", ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _Handler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]  # as WSGIRequestHandler.handle passes it
            self.get_stderr(),
            self.get_environ(),
            multithread=False,
        )
        handler.request_handler = self  # type: ignore[attr-defined]  # wsgiref logs through it
        handler.run(self.server.get_app())  # type: ignore[attr-defined]

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.close_connection = True
        text = STATUS_TEXT.get(code) or self.responses.get(code, ("Error",))[0]
        data = json.dumps({"error": message or text}).encode()
        self.log_error("code %d, message %s", code, message)
        self.send_response_only(code, text)
        for name, value in (
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("Connection", "close"),
            *SECURITY_HEADERS,
        ):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(data)


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

    def __init__(
        self,
        host: str,
        port: int,
        app: Handler,
        tls: ssl.SSLContext | None,
        *,
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        """Bind ``host:port`` (port 0: any free one, see :attr:`port`).

        Every answer carries :data:`SECURITY_HEADERS`; a request whose ``Host`` is not this
        server's (:class:`HostCheck`, plus ``allowed_hosts``) is refused with 421.

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
        self.hosts = HostCheck.for_listen(host, self.port, allowed_hosts)
        self.httpd.set_app(guarded(app, self.hosts))
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
