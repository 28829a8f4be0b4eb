"""The one typed settings reader: every setting comes from the environment, with localhost defaults.

Every variable is prefixed ``TURVAVERKKO_``. ``Settings.from_env()`` reads them once; the services,
workers and CLI receive the resulting frozen object instead of reading ``os.environ`` themselves.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import urlsplit, urlunsplit

PREFIX = "TURVAVERKKO_"

#: The services and the HTTP port each listens on by default.
SERVICE_PORTS: dict[str, int] = {"intake": 8001, "pilots": 8002, "notifications": 8003}


class ConfigError(ValueError):
    """A setting in the environment has a value that cannot be used."""


def _parse(name: str, raw: str, kind: Any) -> Any:
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind == tuple[str, ...]:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        return raw
    except ValueError:
        raise ConfigError(f"{PREFIX}{name.upper()} has an invalid value for a {kind}") from None


@dataclass(frozen=True)
class Settings:
    """Configuration of one process. Field ``x_y`` is read from ``TURVAVERKKO_X_Y``."""

    #: ``development`` or ``production``; production refuses the development token issuer.
    env: str = "development"
    #: PostgreSQL server URL without a database name; each service appends its own database.
    postgres_url: str = field(default="postgresql+psycopg://root@127.0.0.1:5432", repr=False)
    #: Database names are ``<prefix><service>``; tests use a per-session prefix.
    database_prefix: str = "turvaverkko_"
    amqp_url: str = field(default="amqp://guest:guest@127.0.0.1:5672/%2F", repr=False)
    #: The durable topic exchange that carries every domain event.
    events_exchange: str = "turvaverkko.events"
    #: Where rejected messages go; every consumer queue has its dead-letter queue bound here.
    dead_letter_exchange: str = "turvaverkko.dead-letter"
    #: How many times a message is delivered before it is dead-lettered.
    delivery_limit: int = 5
    #: Upper bound on a consumer queue's length; beyond it the broker rejects publishes.
    queue_max_length: int = 1_000_000
    consumer_prefetch: int = 64
    consumer_concurrency: int = 4
    relay_batch_size: int = 3000
    #: Up to this many events of one type travel in one message (a CloudEvents batch); 1 sends
    #: every event as a message of its own.
    relay_events_per_message: int = 100
    relay_batches_in_flight: int = 3
    relay_poll_interval: float = 0.1
    relay_confirm_timeout: float = 30.0
    outbox_retention_hours: int = 168
    #: Longest wait between reconnection attempts to the broker, in seconds.
    reconnect_max_delay: float = 3.0
    # Auth: production verifies tokens against the identity provider's JWKS.
    jwt_issuer: str = "turvaverkko-dev"
    jwt_audience: str = "turvaverkko"
    jwks_url: str = ""
    jwt_algorithms: tuple[str, ...] = ("RS256", "ES256", "PS256")
    #: Seconds a token is still accepted after its ``exp`` (and before its ``nbf``/``iat``): the
    #: clock skew allowed between the identity provider and this host. NTP-synchronised hosts
    #: differ by well under a second; 5 s covers that with room, while an expired (perhaps
    #: leaked) token stays usable for no more than those seconds. 0–60.
    jwt_leeway_seconds: int = 5
    dev_jwt_secret: str = field(
        default="turvaverkko-development-signing-key-not-for-production", repr=False
    )
    dev_token_ttl_seconds: int = 8 * 3600
    # Intake: keyed pseudonyms. Keys are ``id:base64`` pairs kept outside the database (the
    # environment or a secret store); new pseudonyms use ``pseudonym_key_id``.
    pseudonym_keys: str = field(
        default="dev:dHVydmF2ZXJra28tZGV2ZWxvcG1lbnQtcHNldWRvbnltLWtleQ==", repr=False
    )
    pseudonym_key_id: str = "dev"
    # Coordinators' aggregates: disclosure control. Cells of fewer distinct young people than the
    # threshold are suppressed (never below 3); the record-key secret makes the cell-key noise
    # unpredictable (kept outside the database, like the pseudonym keys).
    disclosure_threshold: int = 5
    record_key_secret: str = field(default="turvaverkko-development-record-key-secret", repr=False)
    max_items_per_request: int = 1000
    #: The largest file one import may upload (the whole API otherwise stops at max_body_bytes).
    import_max_bytes: int = 2 * 1024**3
    #: Seconds between the pilots service's scheduled checks (tasks due and overdue, idle cases).
    scheduler_interval: float = 60.0
    #: Months after a case ended (closed or declined) before it is made anonymous: the pseudonym
    #: link and its free text erased, its figures kept. Two years cover a pilot's follow-up
    #: measurements (6–12 months after the end) and the programme's yearly reporting on them.
    case_retention_months: int = 24
    #: Cases made anonymous per transaction of the retention pass.
    retention_batch: int = 500
    #: Processes that validate and prepare an import's rows in parallel (0: in the import worker).
    import_preparers: int = 2
    #: An import that has not ended this long after its upload is failed and its file erased:
    #: the longest an uploaded file (sealed, but with identity codes inside) stays stored.
    import_max_hours: float = 24.0
    # Notifications. Links in notifications point into the web UI at this address.
    notifications_link_base: str = "http://127.0.0.1:8080"
    #: The hour (Finnish time, 0–23) at which daily digests are sent.
    notifications_digest_hour: int = 7
    #: E-mail: the SMTP server, its credentials (none if the user name is empty), and ``none``,
    #: ``starttls`` or ``tls`` (implicit TLS, usually port 465).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_security: str = "none"
    smtp_timeout: float = 10.0
    #: A PEM file of the certificate authorities to trust for the mail server's TLS certificate
    #: (e.g. the organisation's internal CA); empty: the system's.
    smtp_ca_file: str = ""
    mail_from: str = "Turvaverkko <no-reply@turvaverkko.example.org>"
    #: Webhooks: seconds to wait for a receiver; networks a receiver may be in although they are
    #: not public (CIDRs, comma-separated, e.g. a regional system's private network). Empty:
    #: public addresses only — never loopback, private, link-local, multicast or reserved.
    webhook_timeout: float = 10.0
    webhook_allowed_networks: tuple[str, ...] = ()
    # Webhook signing secrets are kept encrypted (AES-256-GCM) under these keys: ``id:base64``
    # pairs of 32 bytes kept outside the database, like the pseudonym keys; new encryptions use
    # ``webhook_secret_key_id``, older ids stay readable for rotation.
    webhook_secret_keys: str = field(
        default="dev:dHVydmF2ZXJra28tZGV2LXdlYmhvb2stc2VjcmV0cyE=", repr=False
    )
    webhook_secret_key_id: str = "dev"  # noqa: S105
    #: After a new signing secret is made, the one it replaces still signs (a second signature)
    #: for this many hours, so that receivers can switch at their own pace.
    webhook_secret_grace_hours: float = 24.0
    #: Failed e-mails and webhooks are retried with exponential back-off and full jitter: the
    #: n-th retry waits at most base·2ⁿ⁻¹ seconds (never more than the cap), for up to the
    #: window from the first attempt; then the delivery is failed.
    delivery_retry_base_seconds: float = 30.0
    delivery_retry_max_delay_seconds: float = 3600.0
    delivery_retry_window_hours: float = 24.0
    #: The sender: deliveries claimed at a time, sent in parallel, seconds between polls when
    #: idle, and how long a claimed delivery is left to its sender before another may take it.
    sender_batch_size: int = 50
    sender_concurrency: int = 8
    sender_poll_interval: float = 1.0
    sender_lease_seconds: float = 300.0
    #: Inbox items and finished deliveries (with their attempts) are erased this many days after
    #: they were made or finished; nothing still to be sent is.
    notifications_retention_days: int = 180
    # HTTP
    max_body_bytes: int = 5 * 1024 * 1024
    rate_limit: str = "600 per minute"
    rate_limit_storage_uri: str = "memory://"
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    intake_port: int = SERVICE_PORTS["intake"]
    pilots_port: int = SERVICE_PORTS["pilots"]
    notifications_port: int = SERVICE_PORTS["notifications"]
    #: The one origin (``turvaverkko run``'s ``web`` process): the built UI and the three APIs
    #: under ``/api/<service>/``; the address notification links point at.
    web_port: int = 8080
    #: The built UI the ``web`` process serves (relative to the working directory).
    web_dist: str = "web/dist"
    web_workers: int = 2
    #: Threads per web process: a request waiting on the database leaves the CPU to the others,
    #: and concurrent single-item requests share a transaction (intake's group commit).
    web_threads: int = 8
    #: Requests served at once per web process of a gevent service (intake): greenlets, not
    #: threads, so many cost little; they share the process's database connections.
    web_connections: int = 64

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every ``TURVAVERKKO_*`` variable; ``overrides`` win over the environment."""
        environ = os.environ if environ is None else environ
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _parse(f.name, raw, hints[f.name])
        values.update(overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.env not in {"development", "production"}:
            raise ConfigError(f"{PREFIX}ENV must be development or production, not {self.env!r}")
        if self.env == "production" and not self.jwks_url:
            raise ConfigError(f"{PREFIX}JWKS_URL is required in production")
        if self.env == "production":
            self._refuse_development_keys()
        if self.disclosure_threshold < 3:
            raise ConfigError(f"{PREFIX}DISCLOSURE_THRESHOLD may not be below 3")
        for name in ("delivery_limit", "relay_batch_size", "relay_events_per_message"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{PREFIX}{name.upper()} must be at least 1")
        if any(alg.upper().startswith("HS") or alg == "none" for alg in self.jwt_algorithms):
            raise ConfigError(f"{PREFIX}JWT_ALGORITHMS may list only asymmetric algorithms")
        if not 0 <= self.jwt_leeway_seconds <= 60:
            raise ConfigError(f"{PREFIX}JWT_LEEWAY_SECONDS must be 0–60 (clock skew, not a grace)")
        if self.smtp_security not in {"none", "starttls", "tls"}:
            raise ConfigError(f"{PREFIX}SMTP_SECURITY must be none, starttls or tls")
        if self.env == "production" and self.smtp_username and self.smtp_security == "none":
            raise ConfigError(
                f"{PREFIX}SMTP_SECURITY must be starttls or tls in production when "
                f"{PREFIX}SMTP_USERNAME is set: the password would cross the network in the clear"
            )
        if self.smtp_ca_file and not Path(self.smtp_ca_file).is_file():
            raise ConfigError(f"{PREFIX}SMTP_CA_FILE names no file")
        if not 0 <= self.notifications_digest_hour <= 23:
            raise ConfigError(f"{PREFIX}NOTIFICATIONS_DIGEST_HOUR must be 0–23")
        for network in self.webhook_allowed_networks:
            try:
                ipaddress.ip_network(network)
            except ValueError:
                raise ConfigError(
                    f"{PREFIX}WEBHOOK_ALLOWED_NETWORKS must list networks such as 10.20.0.0/16"
                ) from None
        if not 0 < self.import_max_hours <= 24 * 7:
            raise ConfigError(f"{PREFIX}IMPORT_MAX_HOURS must be more than 0 and at most 168")
        if not 1 <= self.case_retention_months <= 1200:
            raise ConfigError(f"{PREFIX}CASE_RETENTION_MONTHS must be from 1 to 1200")
        if not 1 <= self.retention_batch <= 100_000:
            raise ConfigError(f"{PREFIX}RETENTION_BATCH must be from 1 to 100000")
        if self.notifications_retention_days < 1:
            raise ConfigError(f"{PREFIX}NOTIFICATIONS_RETENTION_DAYS must be at least 1")
        if self.webhook_secret_grace_hours < 0:
            raise ConfigError(f"{PREFIX}WEBHOOK_SECRET_GRACE_HOURS may not be negative")
        if self.sender_lease_seconds <= 2 * max(self.smtp_timeout, self.webhook_timeout):
            raise ConfigError(
                f"{PREFIX}SENDER_LEASE_SECONDS must exceed twice the SMTP and webhook timeouts"
            )

    def _refuse_development_keys(self) -> None:
        """Production refuses every key this repository publishes — recognised by its value,
        under whatever id it is listed — and the development key ids."""
        development = _DEVELOPMENT_DEFAULTS
        for name, key_id_name in (
            ("pseudonym_keys", "pseudonym_key_id"),
            ("webhook_secret_keys", "webhook_secret_key_id"),
        ):
            published = set(_key_values(getattr(development, name)))
            if getattr(self, key_id_name) == "dev" or published & set(
                _key_values(getattr(self, name))
            ):
                raise ConfigError(
                    f"{PREFIX}{name.upper()} and _KEY_ID must be set in production, with keys of "
                    "its own (a development key is refused by its value, under any id)"
                )
        if self.record_key_secret.strip() == development.record_key_secret:
            raise ConfigError(f"{PREFIX}RECORD_KEY_SECRET must be set in production")
        if self.record_key_secret.startswith("turvaverkko-dev"):
            raise ConfigError(f"{PREFIX}RECORD_KEY_SECRET must be set in production")

    def database_name(self, service: str) -> str:
        return f"{self.database_prefix}{service}"

    def database_url(self, service: str) -> str:
        """The SQLAlchemy URL of a service's own database."""
        return f"{self.postgres_url.rstrip('/')}/{self.database_name(service)}"

    def port(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))

    @property
    def amqp_address(self) -> str:
        """The broker address without credentials, safe to print."""
        return _without_credentials(self.amqp_url)

    @property
    def postgres_address(self) -> str:
        """The database server address without credentials, safe to print."""
        return _without_credentials(self.postgres_url)


def _key_values(setting: str) -> list[bytes]:
    """The key material of an ``id:base64key[,…]`` setting, however its entries are spaced or
    padded (what cannot be decoded is left to the setting's own reader to refuse)."""
    values: list[bytes] = []
    for entry in setting.split(","):
        encoded = entry.partition(":")[2].strip()
        try:
            values.append(base64.b64decode(encoded + "=" * (-len(encoded) % 4)))
        except (binascii.Error, ValueError):
            continue
    return [value for value in values if value]


#: The settings as this repository ships them: their keys are public, so never production's.
_DEVELOPMENT_DEFAULTS = Settings()


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
