"""nginx and Apache access and error logs."""

from __future__ import annotations

from tests.secops.ingest.conftest import parse

ACCESS = (
    '203.0.113.9 - admin [21/Nov/2026:08:00:00 +0800] "GET /wp-login.php?a=1&b=2 HTTP/1.1" 404 153'
    ' "https://example.org/" "Mozilla/5.0 (X11; Linux x86_64) \\"quoted\\""'
)


def test_combined_access_line() -> None:
    event = parse(ACCESS)
    assert event["event"]["dataset"] == "nginx.access"
    assert event["event"]["category"] == ["web"]
    assert event["event"]["outcome"] == "failure"
    assert event["@timestamp"] == "2026-11-21T08:00:00.000000+08:00"
    assert event["source"]["ip"] == "203.0.113.9"
    assert event["user"]["name"] == "admin"
    assert event["http"]["request"] == {"method": "GET", "referrer": "https://example.org/"}
    assert event["http"]["response"] == {"status_code": 404, "body": {"bytes": 153}}
    assert event["url"] == {
        "original": "/wp-login.php?a=1&b=2",
        "path": "/wp-login.php",
        "query": "a=1&b=2",
    }
    assert event["user_agent"]["original"] == 'Mozilla/5.0 (X11; Linux x86_64) \\"quoted\\"'


def test_access_line_hint_names_apache_and_zone_is_kept() -> None:
    event = parse(
        '10.0.0.1 - - [21/Nov/2026:00:00:00 +0000] "GET / HTTP/1.0" 200 -', source="apache.access"
    )
    assert event["event"]["dataset"] == "apache.access"
    assert event["@timestamp"] == "2026-11-21T00:00:00.000000+00:00"
    assert "bytes" not in event["http"]["response"].get("body", {})


def test_garbage_request_line_is_kept_as_url_original() -> None:
    event = parse('10.0.0.1 - - [21/Nov/2026:00:00:00 +0000] "\\x16\\x03\\x01" 400 157 "-" "-"')
    assert event["url"]["original"] == "\\x16\\x03\\x01"
    assert "user_agent" not in event


def test_nginx_error() -> None:
    event = parse(
        '2026/11/21 08:00:00 [error] 1234#1235: *5 open() "/usr/share/nginx/html/x" failed (2: No'
        ' such file or directory), client: 10.0.0.1, server: localhost, request: "GET /x HTTP/1.1",'
        ' host: "lab01"'
    )
    assert event["event"]["dataset"] == "nginx.error"
    assert event["event"]["type"] == ["error"]
    assert event["log"]["level"] == "error"
    assert event["process"] == {"pid": 1234, "thread": {"id": 1235}}
    assert event["source"]["ip"] == "10.0.0.1"
    assert event["url"]["path"] == "/x"
    assert event["@timestamp"] == "2026-11-21T08:00:00.000000+08:00"


def test_apache_24_error() -> None:
    event = parse(
        "[Sat Nov 21 08:00:00.123456 2026] [core:error] [pid 12:tid 34] [client 10.0.0.1:5555]"
        " AH00126: Invalid URI in request GET /../x HTTP/1.1"
    )
    assert event["event"]["dataset"] == "apache.error"
    assert event["@timestamp"] == "2026-11-21T08:00:00.123456+08:00"
    assert event["log"] == {"level": "error", "logger": "core"}
    assert event["process"] == {"pid": 12, "thread": {"id": 34}}
    assert event["source"] == {"address": "10.0.0.1", "ip": "10.0.0.1", "port": 5555}
    assert event["error"]["code"] == "AH00126"
    assert event["message"] == "Invalid URI in request GET /../x HTTP/1.1"


def test_apache_22_error_and_notice() -> None:
    event = parse(
        "[Sun Dec 04 04:47:44 2005] [error] [client 10.0.0.1] Directory index forbidden by rule:"
        " /var/www/html/"
    )
    assert event["event"]["dataset"] == "apache.error"
    assert event["source"]["ip"] == "10.0.0.1"
    assert event["@timestamp"] == "2005-12-04T04:47:44.000000+08:00"
    notice = parse("[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/w.p")
    assert notice["event"]["type"] == ["info"]
    assert "outcome" not in notice["event"]


def test_nginx_through_syslog() -> None:
    event = parse(
        "Nov 21 07:59:01 web01 nginx: 10.0.0.1 - - [21/Nov/2026:07:59:01 +0800]"
        ' "POST /login HTTP/2.0" 302 0 "-" "curl/8.5.0"'
    )
    assert event["event"]["dataset"] == "nginx.access"
    assert event["http"]["request"]["method"] == "POST"
    assert event["host"]["name"] == "web01"
