"""Cross-site request forgery against the webhook, in a real browser (issue 17).

A page served from another loopback port (so another origin) is opened in Debian's headless
Chromium, as on an operator's machine, and tries every way a page can POST to govsec serve's
webhook: ``fetch`` with ``mode: "no-cors"`` (a text/plain body, and with a JSON content type
the browser drops), a CORS ``fetch`` with ``application/json`` (a preflight), and forms
(``text/plain``, url-encoded, multipart) submitted into frames. The requests reach the
server, and nothing is recorded: ``govsec alerts notifications`` lists nothing.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from prometheus_client.registry import CollectorRegistry

from monitors.server import Server, make_app
from monitors.webhook import NotificationStore, WebhookReceiver
from tests.conftest import govsec
from tests.monitors.test_webhook import alert, payload
from tests.secops.report.conftest import require_tool
from tests.secops.report.test_browser import ARGS, CHROMIUM

if TYPE_CHECKING:
    from playwright.sync_api import Browser

playwright = pytest.importorskip("playwright.sync_api")

FORGED = payload(
    alert("forged-1", alertname="CSRF_FORGED_ALERT", severity="critical", host="prod-db01")
)

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>waiting</title></head><body>
<iframe name="f1"></iframe><iframe name="f2"></iframe><iframe name="f3"></iframe>
<form id="plain" method="post" enctype="text/plain" target="f1" action="__URL__">
  <input type="hidden" id="plain-field"></form>
<form id="urlencoded" method="post" target="f2" action="__URL__">
  <input type="hidden" name="payload" id="urlencoded-field"></form>
<form id="multipart" method="post" enctype="multipart/form-data" target="f3" action="__URL__">
  <input type="hidden" name="payload" id="multipart-field"></form>
<script>
const url = "__URL__";
const body = JSON.stringify(__PAYLOAD__);
const outcomes = [];
async function attempt(name, options) {
  try {
    const answer = await fetch(url, Object.assign({method: "POST", body: body}, options));
    outcomes.push(name + ":" + answer.type + ":" + answer.status);
  } catch (error) {
    outcomes.push(name + ":blocked");
  }
}
async function main() {
  await attempt("no-cors", {mode: "no-cors"});
  await attempt("no-cors-json", {mode: "no-cors", headers: {"Content-Type": "application/json"}});
  await attempt("no-cors-credentials", {mode: "no-cors", credentials: "include"});
  await attempt("cors-json", {mode: "cors", headers: {"Content-Type": "application/json"}});
  // text/plain form: name + "=" + value makes the JSON body '{…,"x":"=" }'
  const field = document.getElementById("plain-field");
  field.name = body.slice(0, -1) + ',"x":"';
  field.value = '"}';
  const loads = ["f1", "f2", "f3"].map((name) => new Promise((resolve) => {
    document.querySelector(`iframe[name=${name}]`).addEventListener("load", resolve, {once: true});
  }));
  document.getElementById("urlencoded-field").value = body;
  document.getElementById("multipart-field").value = body;
  for (const id of ["plain", "urlencoded", "multipart"]) document.getElementById(id).submit();
  await Promise.all(loads);
  document.title = "done " + outcomes.join(" ");
}
main();
</script></body></html>
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_tool(CHROMIUM)
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def attacker() -> Iterator[tuple[ThreadingHTTPServer, dict[str, str]]]:
    """A second loopback server on its own port: the other origin, serving the page."""
    content = {"page": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = content["page"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, content
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_of_another_origin_cannot_post_an_alert(
    browser: Browser,
    attacker: tuple[ThreadingHTTPServer, dict[str, str]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "serve" / "notifications.db"
    caplog.set_level(logging.WARNING, logger="monitors")
    with NotificationStore(path) as store:
        app = make_app(CollectorRegistry(), WebhookReceiver(store))
        webhook = Server("127.0.0.1", 0, app, None).start()
        try:
            site, content = attacker
            assert site.server_address[1] != webhook.port  # another origin
            url = f"{webhook.url}/webhook/alertmanager"
            content["page"] = PAGE.replace("__URL__", url).replace(
                "__PAYLOAD__", json.dumps(FORGED)
            )
            page = browser.new_page()
            try:
                page.goto(f"http://127.0.0.1:{site.server_address[1]}/", wait_until="load")
                page.wait_for_function("document.title.startsWith('done')", timeout=30_000)
                outcomes = page.title().split()[1:]
            finally:
                page.close()
        finally:
            webhook.stop()
        assert store.list() == []
    # the no-cors fetches are opaque (the page learns nothing), the CORS one never leaves
    # its preflight, and every POST that reached the server was refused
    assert "cors-json:blocked" in outcomes, outcomes
    refused = [r.getMessage() for r in caplog.records if "refused POST" in r.getMessage()]
    assert len(refused) >= 6, refused  # 3 no-cors fetches and 3 forms reached it
    assert all("from a browser" in message for message in refused), refused
    listed = govsec(
        "alerts", "notifications", "--store-path", str(path), "--format", "json",
        env={**os.environ, "GOVSEC_HOME": str(tmp_path / "home"), "GOVSEC_LANG": "en"},
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    assert "CSRF_FORGED_ALERT" not in listed.stdout
