"""The one origin of development: the web UI and the three APIs at ``:8080``.

``turvaverkko run`` starts it as the ``web`` process (``TURVAVERKKO_WEB_PORT``). It serves the
built UI from ``web/dist`` (``TURVAVERKKO_WEB_DIST``) — any path that names no file there gets
``index.html``, so a single-page app's deep links load; hashed files under ``/assets/`` are cached
for a year, everything else is revalidated — and proxies ``/api/intake/…``, ``/api/pilots/…`` and
``/api/notifications/…`` to the services, the prefix stripped: method, headers and body go up,
status, headers and body come back, with ``Location`` and ``Link`` given the prefix again.
Production does the same with nginx (``deploy/nginx/turvaverkko.conf``); both send the same
security headers (``SECURITY_HEADERS``).

Why this way: a plain WSGI app on gunicorn's gevent worker, proxying with ``httpx`` — all three
already dependencies of the project (intake's web processes are gevent workers, the webhooks
are sent with httpx), so nothing new is installed and the process is started, logged and stopped
like every other web process. Bodies are streamed both ways in 64 KiB pieces: an import upload
of 2 GB passes through in bounded memory (the request body is handed to httpx as an iterator over
``wsgi.input``, with the client's ``Content-Length`` kept; the answer is ``iter_raw``), and a
greenlet per request keeps a slow upload from holding up anything else. aiohttp would have done
as well but is a new framework for one small module; a hand-written socket proxy would have
re-implemented HTTP framing that h11 (under httpx) and gunicorn already get right.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from werkzeug.security import safe_join
from werkzeug.utils import send_file

from shared.config import SERVICE_PORTS, Settings

log = logging.getLogger("turvaverkko.web")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]

#: The services behind ``/api/<name>/``.
SERVICES = tuple(SERVICE_PORTS)

#: Sent with every answer, here and by nginx in production (a test compares the two). Styles may
#: be inline: the Suomi.fi components are styled-components, which write their CSS into <style>
#: elements at run time (a nonce cannot be given to static files); scripts may not.
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

#: Hashed build output (Vite's ``assets/``): its names change with its content.
ASSET_PREFIX = "/assets/"
ASSET_CACHE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

CHUNK_BYTES = 64 * 1024

#: Hop-by-hop headers (RFC 9110 §7.6.1) and what this hop sets itself: never passed on.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "expect",  # gunicorn has answered 100-continue already
        "host",
    }
)
#: Set again by gunicorn for the answer.
_RESPONSE_OWN = frozenset({"date", "server"})

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
}

_LINK_TARGET = re.compile(r"<(/(?!/)[^>]*)>")

NOT_BUILT = """<!doctype html>
<html lang="fi">
<meta charset="utf-8">
<title>Turvaverkko</title>
<h1>Turvaverkko</h1>
<p>Käyttöliittymää ei ole vielä rakennettu: aja <code>make web</code>.</p>
<p lang="sv">Användargränssnittet är inte byggt ännu: kör <code>make web</code>.</p>
<p lang="en">The UI is not built yet: run <code>make web</code>.
The APIs answer under <code>/api/intake/</code>, <code>/api/pilots/</code> and
<code>/api/notifications/</code>.</p>
</html>
"""


class Gateway:
    """The WSGI app: ``/api/<service>/…`` to the service, anything else from ``dist``."""

    def __init__(
        self, upstreams: dict[str, str], dist: Path, client: httpx.Client | None = None
    ) -> None:
        self.upstreams = upstreams
        self.dist = dist
        self._client = client

    @property
    def client(self) -> httpx.Client:
        # Made on first use, in the worker (after gunicorn's fork and gevent's patching).
        if self._client is None:
            self._client = httpx.Client(
                trust_env=False,  # never an HTTP_PROXY from the environment
                follow_redirects=False,
                timeout=httpx.Timeout(connect=5.0, read=300.0, write=300.0, pool=30.0),
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=32),
            )
        return self._client

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        if _escapes(path):
            return _problem(start_response, 400, "Bad Request", "The path is not allowed.")
        raw = _raw_path(environ)
        for service in self.upstreams:
            prefix = f"/api/{service}"
            if raw == prefix or raw.startswith(prefix + "/"):
                return self._proxy(service, raw[len(prefix) :] or "/", environ, start_response)
        if path == "/api" or path.startswith("/api/"):
            return _problem(start_response, 404, "Not Found", "No such API.")
        return self._static(path, environ, start_response)

    # --- the APIs -------------------------------------------------------------------------------

    def _proxy(
        self, service: str, path: str, environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        query = environ.get("QUERY_STRING", "")
        url = f"{self.upstreams[service]}{path}" + (f"?{query}" if query else "")
        headers = _request_headers(environ)
        # A body only when the client sent one: a length, or chunks (gunicorn then ends the
        # input itself, ``wsgi.input_terminated``) — never an empty chunked body for a GET.
        content: Iterator[bytes] | None = None
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if headers.get("content-length", "0") != "0" or chunked:
            content = _read(environ["wsgi.input"])
        request = httpx.Request(environ["REQUEST_METHOD"], url, headers=headers, content=content)
        try:
            response = self.client.send(request, stream=True)
        except httpx.TimeoutException:
            log.warning("gateway_timeout", extra={"service": service})
            return _problem(start_response, 504, "Gateway Timeout", f"{service} did not answer.")
        except httpx.TransportError as exc:
            log.warning(
                "gateway_unreachable", extra={"service": service, "error": type(exc).__name__}
            )
            return _problem(start_response, 502, "Bad Gateway", f"{service} does not answer.")
        prefix = f"/api/{service}"
        out: list[tuple[str, str]] = []
        for name, value in response.headers.multi_items():
            lowered = name.lower()
            if lowered in _HOP_BY_HOP or lowered in _RESPONSE_OWN:
                continue
            if lowered == "location":
                value = _prefixed_location(value, prefix, self.upstreams[service])
            elif lowered == "link":
                value = _LINK_TARGET.sub(lambda m: f"<{prefix}{m.group(1)}>", value)
            out.append((name, value))
        start_response(f"{response.status_code} {response.reason_phrase}", _secure(out))
        return _Body(response)

    # --- the UI ---------------------------------------------------------------------------------

    def _static(
        self, path: str, environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] not in {"GET", "HEAD"}:
            headers = [("Allow", "GET, HEAD")]
            return _problem(start_response, 405, "Method Not Allowed", "Only GET.", headers)
        index = self.dist / "index.html"
        if not index.is_file():
            body = NOT_BUILT.encode()
            start_response(
                "503 Service Unavailable",
                _secure(
                    [
                        ("Content-Type", "text/html; charset=utf-8"),
                        ("Content-Length", str(len(body))),
                        ("Cache-Control", "no-store"),
                    ]
                ),
            )
            return [body] if environ["REQUEST_METHOD"] == "GET" else []
        joined = safe_join(str(self.dist), path.lstrip("/")) if path != "/" else None
        target = Path(joined) if joined else None
        if target is not None and target.is_file():
            cache = ASSET_CACHE if path.startswith(ASSET_PREFIX) else REVALIDATE
            return self._file(target, cache, environ, start_response)
        if path.startswith(ASSET_PREFIX):  # a missing script is not the app's page
            return _problem(start_response, 404, "Not Found", "No such file.")
        return self._file(index, REVALIDATE, environ, start_response)

    def _file(
        self, target: Path, cache: str, environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        mimetype = _CONTENT_TYPES.get(target.suffix.lower()) or (
            mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        )
        response = send_file(target, environ, mimetype=mimetype, conditional=True, etag=True)
        response.headers["Cache-Control"] = cache
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        return response(environ, start_response)


class _Body:
    """The upstream answer's bytes as they come, closed with the WSGI response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def __iter__(self) -> Iterator[bytes]:
        yield from self.response.iter_raw(CHUNK_BYTES)

    def close(self) -> None:
        self.response.close()


def _read(stream: Any) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK_BYTES):
        yield chunk


def _escapes(path: str) -> bool:
    """A dot segment, a backslash or a NUL: nothing a link of the UI or the APIs has."""
    segments = unquote(path).replace("\\", "/").split("/")
    return "\x00" in path or any(s in {".", ".."} for s in segments)


def _raw_path(environ: Environ) -> str:
    """The request's path as sent (still percent-encoded, so that an encoded ``/`` in a path
    parameter reaches the service as it was)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        return str(environ.get("PATH_INFO", "/"))
    path = urlsplit(raw).path if not raw.startswith("/") else raw.split("?", 1)[0]
    return path or "/"


def _request_headers(environ: Environ) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
            if name not in _HOP_BY_HOP and not name.startswith("x-forwarded-"):
                headers[name] = value
    for key, name in (("CONTENT_TYPE", "content-type"), ("CONTENT_LENGTH", "content-length")):
        if environ.get(key):
            headers[name] = environ[key]
    headers["x-forwarded-for"] = environ.get("REMOTE_ADDR", "")
    headers["x-forwarded-proto"] = environ.get("wsgi.url_scheme", "http")
    if environ.get("HTTP_HOST"):
        headers["x-forwarded-host"] = environ["HTTP_HOST"]
    return headers


def _prefixed_location(value: str, prefix: str, upstream: str) -> str:
    if value.startswith(upstream + "/"):
        value = value[len(upstream) :]
    if value.startswith("/") and not value.startswith("//"):
        return prefix + value
    return value


def _secure(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    present = {name.lower() for name, _ in headers}
    return headers + [(n, v) for n, v in SECURITY_HEADERS.items() if n.lower() not in present]


def _problem(
    start_response: StartResponse,
    status: int,
    title: str,
    detail: str,
    extra: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    body = (
        f'{{"type":"about:blank","title":"{title}","status":{status},"detail":"{detail}"}}'
    ).encode()
    headers = [
        ("Content-Type", "application/problem+json"),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
        *(extra or []),
    ]
    start_response(f"{status} {title}", _secure(headers))
    return [body]


def upstreams(settings: Settings) -> dict[str, str]:
    """Each service's address as the gateway reaches it (a wildcard bind is reached on
    loopback)."""
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "", "::"} else settings.host  # noqa: S104
    return {name: f"http://{host}:{settings.port(name)}" for name in SERVICES}


def wsgi_app() -> Gateway:
    """The gunicorn entry point of ``turvaverkko run``'s ``web`` process."""
    from shared.observability import configure_logging

    settings = Settings.from_env()
    configure_logging("web", settings.log_level)
    return Gateway(upstreams(settings), Path(settings.web_dist).resolve())
