"""The one origin (``services/gateway.py``): the gateway as ``turvaverkko run`` starts it (the same
gunicorn command, a free port), in front of the three services' apps served on free ports of
this process, and a built UI of a few files in a temporary ``dist``."""

from __future__ import annotations

import dataclasses
import http.client
import io
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.test import Client

from services.gateway import SECURITY_HEADERS, Gateway
from services.registry import web_gateway_arguments
from shared.auth import mint_dev_token
from shared.config import Settings
from tests.conftest import ROOT, worker_environment
from tests.support.stack import free_port
from tests.support.workers import wait_until

pytestmark = pytest.mark.integration

INDEX = b"<!doctype html><html lang='fi'><title>Turvaverkko</title><div id=root></div></html>"
SCRIPT = b"console.log('turvaverkko');"


@dataclasses.dataclass
class RunningGateway:
    url: str
    port: int
    process: subprocess.Popen[bytes]

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        [pid] = children.split()
        return int(pid)

    def memory_kib(self, field: str) -> int:
        for line in Path(f"/proc/{self.worker_pid()}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise AssertionError(field)


def _serve(app: Flask) -> tuple[BaseWSGIServer, threading.Thread]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_bytes(INDEX)
    (folder / "assets" / "index-4f2a9c.js").write_bytes(SCRIPT)
    (folder / "assets" / "index-4f2a9c.css").write_text("body{margin:0}")
    (tmp_path / "secret.txt").write_text("outside the dist")
    return folder


@pytest.fixture
def gateway(
    settings: Settings,
    intake_app: Flask,
    pilots_app: Flask,
    notifications_app: Flask,
    dist: Path,
    tmp_path: Path,
) -> Iterator[RunningGateway]:
    servers = {
        name: _serve(app)
        for name, app in (
            ("intake", intake_app),
            ("pilots", pilots_app),
            ("notifications", notifications_app),
        )
    }
    port = free_port()
    env = worker_environment(settings) | {
        f"TURVAVERKKO_{name.upper()}_PORT": str(server.server_port)
        for name, (server, _) in servers.items()
    }
    env |= {"TURVAVERKKO_WEB_PORT": str(port), "TURVAVERKKO_WEB_DIST": str(dist)}
    arguments = web_gateway_arguments(dataclasses.replace(settings, web_port=port))
    with (tmp_path / "gateway.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *arguments],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
    running = RunningGateway(f"http://127.0.0.1:{port}", port, process)

    def live() -> bool:
        try:
            return httpx.get(f"{running.url}/api/pilots/health/live", timeout=2).status_code == 200
        except httpx.TransportError:
            return process.poll() is not None

    try:
        wait_until(live, 30, "the gateway to answer", interval=0.1)
        assert process.poll() is None, (tmp_path / "gateway.log").read_text()
        yield running
    finally:
        process.terminate()
        process.wait(20)
        for server, thread in servers.values():
            server.shutdown()
            server.server_close()
            thread.join(5)


def _secure(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name


def test_each_api_answers_under_its_prefix_with_the_security_headers(
    gateway: RunningGateway,
) -> None:
    for service in ("intake", "pilots", "notifications"):
        response = httpx.get(f"{gateway.url}/api/{service}/health/live", timeout=5)
        assert response.status_code == 200, service
        _secure(response)
    unknown = httpx.get(f"{gateway.url}/api/nothing/health/live", timeout=5)
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"] == "application/problem+json"


def test_an_authorised_update_passes_if_match_and_gets_412_and_etags_back(
    settings: Settings, gateway: RunningGateway
) -> None:
    admin = {"Authorization": f"Bearer {mint_dev_token(settings, 'admin', subject='gw-admin')}"}
    api = f"{gateway.url}/api/pilots"
    with httpx.Client(headers=admin, timeout=10) as client:
        created = client.post(
            f"{api}/v1/organisations",
            json={"id": "gw-org", "name": "Gateway", "type": "ngo"},
            headers={"X-Request-Id": "gateway-test-1"},
        )
        assert created.status_code == 201, created.text
        assert created.headers["Location"] == "/api/pilots/v1/organisations/gw-org"
        assert created.headers["X-Request-Id"] == "gateway-test-1"
        read = client.get(f"{gateway.url}{created.headers['Location']}")
        assert read.status_code == 200 and read.headers["ETag"] == created.headers["ETag"]
        stale = client.patch(
            f"{api}/v1/organisations/gw-org", json={"name": "Later"}, headers={"If-Match": '"99"'}
        )
        assert stale.status_code == 412
        assert stale.headers["Content-Type"] == "application/problem+json"
        patched = client.patch(
            f"{api}/v1/organisations/gw-org",
            json={"name": "Renamed"},
            headers={"If-Match": read.headers["ETag"]},
        )
        assert patched.status_code == 200 and patched.json()["name"] == "Renamed"
        assert patched.headers["ETag"] != read.headers["ETag"]
        _secure(patched)


def test_the_next_page_link_is_rewritten_with_the_prefix_and_can_be_followed(
    settings: Settings, gateway: RunningGateway
) -> None:
    admin = {"Authorization": f"Bearer {mint_dev_token(settings, 'admin', subject='gw-admin')}"}
    with httpx.Client(headers=admin, timeout=10) as client:
        for n in range(3):
            body = {"id": f"gw-page-{n}", "name": f"Page {n}", "type": "ngo"}
            assert client.post(f"{gateway.url}/api/pilots/v1/organisations", json=body).is_success
        first = client.get(f"{gateway.url}/api/pilots/v1/organisations?limit=1")
        assert first.status_code == 200
        link = first.headers["Link"]
        assert link.startswith("</api/pilots/v1/organisations?") and link.endswith('rel="next"')
        following = client.get(gateway.url + link[1 : link.index(">")])
        assert following.status_code == 200
        assert following.json()["items"][0]["id"] != first.json()["items"][0]["id"]


def test_a_large_upload_streams_through_in_bounded_memory(
    settings: Settings, gateway: RunningGateway
) -> None:
    """50 MB through the gateway to intake's import: the gateway worker's peak memory grows by
    far less than the file (it would grow by all of it if the body were read whole)."""
    token = mint_dev_token(settings, "integration", subject="gw-uploader", organisation="org-a")
    line = b"not,parsed,until,the,import,worker,reads,it," + b"x" * 55 + b"\n"
    pieces, per_piece = 50, (1024 * 1024) // len(line)
    size = pieces * per_piece * len(line)

    def body() -> Iterator[bytes]:
        for _ in range(pieces):
            yield line * per_piece

    peak_before = gateway.memory_kib("VmHWM")
    response = httpx.post(
        f"{gateway.url}/api/intake/v1/imports?kind=referral",
        content=body(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "text/csv",
            "Content-Length": str(size),
        },
        timeout=120,
    )
    assert response.status_code == 202, response.text
    assert response.json()["bytes"] == size
    assert response.headers["Location"].startswith("/api/intake/v1/imports/")
    grown_kib = gateway.memory_kib("VmHWM") - peak_before
    assert grown_kib < 20 * 1024, f"the gateway's peak memory grew by {grown_kib} KiB"


def test_the_ui_deep_links_load_index_and_assets_come_with_their_type_and_cache(
    gateway: RunningGateway,
) -> None:
    for path in ("/", "/cases/3f0c2a", "/pilots/pilot-a/cases?state=referred"):
        page = httpx.get(gateway.url + path, timeout=5)
        assert page.status_code == 200 and page.content == INDEX, path
        assert page.headers["Content-Type"].startswith("text/html")
        assert page.headers["Cache-Control"] == "no-cache"
        _secure(page)
    script = httpx.get(f"{gateway.url}/assets/index-4f2a9c.js", timeout=5)
    assert script.status_code == 200 and script.content == SCRIPT
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    _secure(script)
    style = httpx.get(f"{gateway.url}/assets/index-4f2a9c.css", timeout=5)
    assert style.headers["Content-Type"].startswith("text/css")
    assert httpx.get(f"{gateway.url}/assets/gone-000000.js", timeout=5).status_code == 404
    assert httpx.post(f"{gateway.url}/cases", timeout=5).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/api/pilots/../intake/health/live",
    ],
)
def test_a_path_escaping_dist_is_refused(gateway: RunningGateway, path: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=5)
    try:
        connection.request("GET", path)  # sent as written: no client normalises it
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 400, path
    assert b"outside the dist" not in body


def test_without_a_built_ui_a_page_says_how_to_build_it(tmp_path: Path) -> None:
    client: Client[Any] = Client(Gateway({}, tmp_path / "nothing-here"))
    for path in ("/", "/cases/abc"):
        response = client.get(path)
        assert response.status_code == 503
        assert "make web" in response.get_data(as_text=True)
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_request_headers_go_up_and_retry_after_and_absolute_locations_come_back(
    tmp_path: Path,
) -> None:
    """The gateway in this process before a stand-in service: what it passes each way."""
    seen: list[httpx.Request] = []

    def service(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            503,
            headers={
                "Retry-After": "5",
                "Location": "http://127.0.0.1:1/v1/cases/c-1",
                "Connection": "close",
                "Content-Type": "application/problem+json",
            },
            stream=httpx.ByteStream(b"{}"),
        )

    upstream = httpx.Client(transport=httpx.MockTransport(service))
    client: Client[Any] = Client(
        Gateway({"pilots": "http://127.0.0.1:1"}, tmp_path, client=upstream)
    )
    sent = {
        "Authorization": "Bearer t",
        "If-Match": '"3"',
        "X-Purpose": "supervision",
        "Idempotency-Key": "k-1",
        "X-Request-Id": "r-1",
        "X-Forwarded-For": "203.0.113.9",  # a client's claim is not passed on as ours
    }
    response = client.patch("/api/pilots/v1/cases/c-1?x=%2F", headers=sent, data=b'{"a":1}')
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.headers["Location"] == "/api/pilots/v1/cases/c-1"
    assert "Connection" not in response.headers
    [request] = seen
    assert request.method == "PATCH" and request.url.raw_path == b"/v1/cases/c-1?x=%2F"
    for name, value in sent.items():
        if name != "X-Forwarded-For":
            assert request.headers[name] == value, name
    assert request.headers["X-Forwarded-For"] != "203.0.113.9"
    assert request.content == b'{"a":1}'
    # Without a body (gunicorn marks every input terminated), none goes up: no empty chunks.
    client.get("/api/pilots/v1/cases", environ_overrides={"wsgi.input_terminated": True})
    assert "transfer-encoding" not in seen[-1].headers and seen[-1].content == b""
    chunked = {"Transfer-Encoding": "chunked"}
    client.post(
        "/api/pilots/v1/cases",
        headers=chunked,
        input_stream=io.BytesIO(b"streamed"),
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )
    assert seen[-1].headers["transfer-encoding"] == "chunked" and seen[-1].content == b"streamed"


def test_a_service_that_does_not_answer_is_a_502_problem(tmp_path: Path) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    upstream = httpx.Client(transport=httpx.MockTransport(down))
    client: Client[Any] = Client(Gateway({"intake": "http://127.0.0.1:1"}, tmp_path, upstream))
    response = client.get("/api/intake/v1/imports")
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.get_json()["status"] == 502
