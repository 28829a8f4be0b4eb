"""What the notifications tests share: a real local SMTP server (aiosmtpd), a local webhook
receiver that answers as scripted, a self-signed certificate for a TLS mail server, a server that accepts connections and never answers, and
an empty notifications database. Also: a webhook receiver whose every answer a test decides (and
that may speak TLS with a certificate for names of the test's choosing), and one that answers a
byte at a time."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pika
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from services.notifications.store.tables import metadata
from shared.config import Settings
from shared.messaging import topology
from shared.messaging.envelope import Envelope
from shared.messaging.events import EventType
from shared.messaging.schema import outbox, platform_metadata, processed_event
from tests.support.api import bearer
from tests.support.stack import free_port

#: Every notifications table a test may empty: not the audit log, which refuses to be emptied
#: (tests look at their own dead letters' entries).
NOTIFICATIONS_TABLES = tuple(
    sorted({*metadata.tables, *platform_metadata.tables} - {"audit_entry"})
)


def loopback_allowed(settings: Settings) -> Settings:
    """The tests' webhook receivers listen on 127.0.0.1: that network (only) is allowed."""
    return dataclasses.replace(settings, webhook_allowed_networks=("127.0.0.0/8",))


def empty_notifications(engine: Engine) -> None:
    """Every table of the notifications database emptied."""
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {', '.join(NOTIFICATIONS_TABLES)}"))


# --- SMTP -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, made for a test: ``cert`` is also
    the CA file a client trusts it by."""

    cert: Path
    key: Path


def self_signed_certificate(directory: Path) -> Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Turvaverkko test mail server")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, key_file = directory / "mail.crt", directory / "mail.key"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert, key_file)


def certificate_for(directory: Path, *names: str) -> Certificate:
    """A self-signed certificate for these DNS names only (e.g. ``a.test``), made for a test:
    ``cert`` is also the CA file a client trusts it by."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, key_file = directory / f"{names[0]}.crt", directory / f"{names[0]}.key"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert, key_file)


@dataclass
class Received:
    """One e-mail as the SMTP server received it."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    tls: bool = False  # whether the session was encrypted

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    #: Replies to give to DATA before accepting (e.g. "451 4.3.0 Try again later").
    data_replies: list[str] = field(default_factory=list)
    #: A reply to every RCPT (e.g. "550 5.1.1 No such user"); None accepts.
    rcpt_reply: str | None = None
    logins: list[tuple[str, str]] = field(default_factory=list)
    require_login: bool = False
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.require_login and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        with self.arrived:
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.content,
                    tls=session.ssl is not None  # STARTTLS
                    or server.transport.get_extra_info("ssl_object") is not None,  # implicit
                )
            )
            self.arrived.notify_all()
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login.decode(), data.password.decode()))
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


class SmtpServer:
    """A real SMTP server on 127.0.0.1 at a free port; ``received`` is what it was sent."""

    def __init__(
        self,
        require_login: bool = False,
        tls: str = "none",
        certificate: Certificate | None = None,
    ) -> None:
        """``tls``: ``none``, ``starttls`` (required before MAIL) or ``tls`` (implicit, the
        whole connection), with ``certificate``."""
        self.handler = _Handler()
        self.port = free_port()
        options: dict[str, Any] = {}
        if require_login:
            # The handler refuses mail from a session that has not logged in. Without TLS, AUTH
            # is offered in the clear (a plain test server); with it, only after TLS.
            self.handler.require_login = True
            options = {
                "authenticator": self.handler.authenticate,
                "auth_require_tls": tls != "none",
            }
        if tls != "none":
            assert certificate is not None
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certificate.cert, certificate.key)
            if tls == "starttls":
                options |= {"tls_context": context, "require_starttls": True}
            else:
                options |= {"ssl_context": context}
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


# --- HTTP -------------------------------------------------------------------------------------


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers with the scripted
    statuses in turn (then ``then``)."""

    def __init__(
        self, statuses: Iterable[int] = (), then: int = 204, set_cookie: str | None = None
    ) -> None:
        self.script = list(statuses)
        self.then = then
        self.set_cookie = set_cookie
        self.requests: list[Request] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.script.pop(0) if receiver.script else receiver.then
                receiver.requests.append(
                    Request(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body, status
                    )
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                if receiver.set_cookie:
                    self.send_header("Set-Cookie", receiver.set_cookie)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/turvaverkko"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


class HookReceiver:
    """A webhook receiver on 127.0.0.1 — over TLS when given a certificate, and HTTP/1.1 with
    keep-alive, as a real server is — that records every POST as it arrives and answers with the
    status ``answer(request)`` gives (204 without one).
    ``answer`` may wait (for the test to let it go) before it answers; ``wait_for(n)`` waits
    until n requests have arrived."""

    def __init__(
        self,
        answer: Callable[[Request], int] | None = None,
        certificate: Certificate | None = None,
    ) -> None:
        self.requests: list[Request] = []
        self.arrived = threading.Condition()
        self.scheme = "https" if certificate is not None else "http"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps a connection open for the next request

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Request(self.path, headers, body, 0)
                with receiver.arrived:
                    receiver.requests.append(request)
                    receiver.arrived.notify_all()
                request.answered = answer(request) if answer is not None else 204
                self.send_response(request.answered)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certificate.cert, certificate.key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}/hooks/turvaverkko"

    def wait_for(self, count: int, timeout: float = 10) -> None:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"timed out after {timeout}s waiting for {count} requests")

    def __enter__(self) -> HookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


class TricklingReceiver:
    """A webhook receiver on 127.0.0.1 that answers every POST a byte at a time, one byte each
    ``interval`` seconds — never slow enough for a single read to time out, and never done in
    time. ``body=True`` sends the status and headers at once and trickles a body instead. It
    stops when the client goes away or the receiver is closed."""

    STATUS = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 64\r\n\r\n"

    def __init__(self, interval: float, body: bool = False) -> None:
        self.requests: list[Request] = []
        self._closed = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body_in = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.requests.append(Request(self.path, headers, body_in, 200))
                self.close_connection = True
                answer = receiver.STATUS + b"." * 64
                if body:
                    self.wfile.write(receiver.STATUS)
                    answer = answer[len(receiver.STATUS) :]
                try:
                    for byte in answer:
                        if receiver._closed.wait(interval):
                            return
                        self.wfile.write(bytes([byte]))
                except OSError:  # the client has gone
                    return

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/slow"

    def __enter__(self) -> TricklingReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


class Silent:
    """A TCP server that accepts connections and never says a word — an SMTP server that hangs.
    Closing it closes the connections, so that whoever waits on them stops waiting."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._accepted: list[socket.socket] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        self._listener.settimeout(0.05)  # to see the close in time
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._accepted.append(connection)

    @property
    def connections(self) -> int:
        return len(self._accepted)

    def __enter__(self) -> Silent:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._closed.set()
        self._thread.join(10)
        self._listener.close()
        for connection in self._accepted:
            connection.close()


# --- events as their producers make them ------------------------------------------------------


def pilot_published(
    pilot_id: str,
    members: dict[str, str],
    *,
    version: int = 1,
    lead: str = "org-lead",
    partners: tuple[str, ...] = (),
    name_fi: str = "Nuorten polku",
    name_sv: str | None = "Ungas stig",
) -> Envelope:
    """``pilot.published`` as the pilots service publishes it (``store.pilots.pilot_event``)."""
    return Envelope.new(
        EventType.PILOT_PUBLISHED,
        "/turvaverkko/pilots",
        {
            "pilot_id": pilot_id,
            "version": version,
            "active": True,
            "name_fi": name_fi,
            "name_sv": name_sv,
            "name_en": None,
            "lead_organisation_id": lead,
            "partner_organisation_ids": list(partners),
            "regions": ["08"],
            "starts_on": "2026-01-01",
            "ends_on": None,
            "idle_days": 30,
            "phase": "idea",
            "members": [{"subject": s, "role": r} for s, r in members.items()],
        },
        subject=f"pilot/{pilot_id}",
    )


def task_event(kind: str, assignee: str, pilot_id: str, due_on: str = "2026-11-27") -> Envelope:
    """``task.due`` / ``task.overdue`` as the pilots scheduler publishes them."""
    task_id, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    return Envelope.new(
        kind,
        "/turvaverkko/pilots",
        {
            "task_id": task_id,
            "case_id": case_id,
            "pilot_id": pilot_id,
            "title": "Soita Virtasen perheelle",  # case content: never in a notification
            "assignee": assignee,
            "due_on": due_on,
        },
        subject=f"{kind}/{task_id}",
    )


def idle_event(
    pilot_id: str, responsible_worker: str | None = None, at: datetime | None = None
) -> Envelope:
    """``case.idle`` as the pilots scheduler publishes it (``usecases.scheduled_checks.run_checks``),
    made at ``at`` (the scheduler's tick) if given."""
    case_id = str(uuid.uuid4())
    event = Envelope.new(
        EventType.CASE_IDLE,
        "/turvaverkko/pilots",
        {
            "case_id": case_id,
            "pilot_id": pilot_id,
            "state": "referred",
            "responsible_worker": responsible_worker,
            "last_activity_at": "2024-03-01T00:00:00+02:00",
            "idle_days": 30,
        },
        subject=f"case.idle/{case_id}",
    )
    return dataclasses.replace(event, time=at) if at is not None else event


def referral_event(pilot_id: str) -> Envelope:
    """``referral.received`` as intake publishes it (``domain.items.event_data``)."""
    return Envelope.new(
        EventType.REFERRAL_RECEIVED,
        "/turvaverkko/intake",
        {
            "identified_by": "identity_code",
            "temporary_identity": False,
            "pilot_id": pilot_id,
            "source_system": "apotti-test",
            "key_id": "dev",
            "pseudonym": "Q2xpZW50LXBzZXVkb255bS0xMjM0NTY3ODkw",
            "gender": "female",
            "home_region": "08",
            "age_band": "13-15",
            "referring_organisation_type": "child_welfare",
            "reason": "family_situation",
            "referred_on": "2026-09-15",
        },
        subject=f"pilot/{pilot_id}",
    )


def case_opened(
    organisation: str | None,
    pilot_id: str,
    *,
    source_system: str | None = "apotti-test",
    source_id: str | None = "R-1",
    previous_case_id: str | None = None,
) -> Envelope:
    """``case.opened`` as the pilots service publishes it for a case a referral opened: with the
    young person's pseudonym (for intake's case map only) and the referral's source and
    organisation (the organisation claim of whoever sent it to intake)."""
    case_id = str(uuid.uuid4())
    return Envelope.new(
        EventType.CASE_OPENED,
        "/turvaverkko/pilots",
        {
            "case_id": case_id,
            "case_code": "K7QM-3XPD",
            "pilot_id": pilot_id,
            "key_id": "dev-key-2026",
            "pseudonym": "Q2xpZW50LXBzZXVkb255bS0xMjM0NTY3ODkw",
            "previous_case_id": previous_case_id,
            "opened_at": "2026-10-01T12:00:00+03:00",
            "referral": {
                "event_id": str(uuid.uuid4()),
                "source_system": source_system,
                "source_id": source_id,
                "organisation": organisation,
            },
        },
        subject=f"case/{case_id}",
    )


def import_finished(
    organisation: str, uploaded_by: str = "apotti-sync", uploaded_by_role: str = "integration"
) -> Envelope:
    """``import.finished`` as intake publishes it (``usecases.importing.job_event``)."""
    import_id = str(uuid.uuid4())
    return Envelope.new(
        EventType.IMPORT_FINISHED,
        "/turvaverkko/intake",
        {
            "import_id": import_id,
            "kind": "referral",
            "status": "finished",
            "rows_read": 3,
            "accepted": 3,
            "duplicates": 0,
            "rejected": 0,
            "uploaded_by": uploaded_by,
            "uploaded_by_role": uploaded_by_role,
            "organisation": organisation,
        },
        subject=f"import/{import_id}",
    )


# --- the broker, the database and the API, as the tests look at them -------------------------


def purge(settings: Settings, queues: list[str]) -> None:
    """Empty the queues that exist (events of other tests must not reach this one's consumers,
    nor this test's events theirs)."""
    connection = pika.BlockingConnection(topology.connection_parameters(settings))
    try:
        for queue in queues:
            channel = connection.channel()
            try:
                channel.queue_purge(queue)
                channel.close()
            except pika.exceptions.ChannelClosedByBroker:  # no such queue
                pass
    finally:
        connection.close()


def processed(engine: Engine, event_ids: list[str]) -> bool:
    """Whether the notifications consumer has taken every one of these events."""
    with engine.connect() as connection:
        done = connection.execute(
            sa.select(sa.func.count()).where(
                processed_event.c.consumer == "notifications.rules",
                processed_event.c.event_id.in_(event_ids),
            )
        ).scalar_one()
    return done == len(event_ids)


def published(engine: Engine, event_type: str) -> list[Envelope]:
    """What a service has put in its outbox, of one type."""
    with engine.connect() as connection:
        payloads = connection.execute(
            sa.select(outbox.c.payload)
            .where(outbox.c.event_type == event_type)
            .order_by(outbox.c.id)
        ).scalars()
        return [Envelope.from_json_bytes(p) for p in payloads]


def told(client: FlaskClient, settings: Settings, subject: str) -> list[dict[str, Any]]:
    """The user's inbox, as the web UI reads it."""
    r = client.get("/v1/notifications", headers=bearer(settings, subject=subject))
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def register(
    client: FlaskClient,
    settings: Settings,
    subject: str,
    role: str,
    language: str = "fi",
    email: str | None = None,
    organisation: str | None = None,
) -> None:
    """Add a user to the directory, as an admin does."""
    body = {"role": role, "language": language, "email": email, "organisation": organisation}
    r = client.put(f"/v1/recipients/{subject}", json=body, headers=bearer(settings, "admin"))
    assert r.status_code == 201, r.get_json()
