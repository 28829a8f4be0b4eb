"""Settings come from TURVAVERKKO_* variables, typed, with localhost defaults and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config import ConfigError, Settings


def test_defaults_point_at_localhost() -> None:
    settings = Settings.from_env({})
    assert (
        settings.database_url("intake")
        == "postgresql+psycopg://root@127.0.0.1:5432/turvaverkko_intake"
    )
    assert settings.amqp_url.startswith("amqp://guest:guest@127.0.0.1:5672")
    assert settings.port("notifications") == 8003


def test_variables_are_read_and_typed() -> None:
    settings = Settings.from_env(
        {
            "TURVAVERKKO_DELIVERY_LIMIT": "7",
            "TURVAVERKKO_RELAY_POLL_INTERVAL": "0.5",
            "TURVAVERKKO_DATABASE_PREFIX": "x_",
            "TURVAVERKKO_JWT_ALGORITHMS": "RS256, ES256",
        }
    )
    assert settings.delivery_limit == 7
    assert settings.relay_poll_interval == 0.5
    assert settings.database_name("pilots") == "x_pilots"
    assert settings.jwt_algorithms == ("RS256", "ES256")


def test_a_bad_number_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="TURVAVERKKO_DELIVERY_LIMIT"):
        Settings.from_env({"TURVAVERKKO_DELIVERY_LIMIT": "five"})


def test_production_needs_a_jwks_url_and_refuses_symmetric_algorithms() -> None:
    with pytest.raises(ConfigError, match="JWKS_URL"):
        Settings.from_env({"TURVAVERKKO_ENV": "production"})
    with pytest.raises(ConfigError, match="asymmetric"):
        Settings.from_env({"TURVAVERKKO_JWT_ALGORITHMS": "HS256"})


def test_addresses_shown_to_people_carry_no_password() -> None:
    settings = Settings.from_env(
        {
            "TURVAVERKKO_AMQP_URL": "amqp://user:s3cret@mq.example:5672/prod",
            "TURVAVERKKO_POSTGRES_URL": "postgresql+psycopg://app:s3cret@db.example:5432",
        }
    )
    assert "s3cret" not in settings.amqp_address + settings.postgres_address
    assert settings.amqp_address == "amqp://mq.example:5672/prod"


def test_the_disclosure_threshold_is_never_below_three_and_production_needs_its_own_secret() -> (
    None
):
    with pytest.raises(ConfigError, match="DISCLOSURE_THRESHOLD"):
        Settings.from_env({"TURVAVERKKO_DISCLOSURE_THRESHOLD": "2"})
    assert Settings.from_env({"TURVAVERKKO_DISCLOSURE_THRESHOLD": "3"}).disclosure_threshold == 3
    production = {
        "TURVAVERKKO_ENV": "production",
        "TURVAVERKKO_JWKS_URL": "https://idp.example/jwks",
        "TURVAVERKKO_PSEUDONYM_KEYS": "k1:" + "a" * 44,
        "TURVAVERKKO_PSEUDONYM_KEY_ID": "k1",
        "TURVAVERKKO_WEBHOOK_SECRET_KEYS": "w1:" + "b" * 44,
        "TURVAVERKKO_WEBHOOK_SECRET_KEY_ID": "w1",
    }
    with pytest.raises(ConfigError, match="RECORD_KEY_SECRET"):
        Settings.from_env(production)


def test_webhook_secret_keys_have_a_development_default_that_production_refuses() -> None:
    development = Settings.from_env({})
    assert development.webhook_secret_key_id == "dev"
    assert development.webhook_secret_keys.startswith("dev:")
    assert development.webhook_secret_grace_hours == 24
    production = {
        "TURVAVERKKO_ENV": "production",
        "TURVAVERKKO_JWKS_URL": "https://idp.example/jwks",
        "TURVAVERKKO_PSEUDONYM_KEYS": "k1:" + "a" * 44,
        "TURVAVERKKO_PSEUDONYM_KEY_ID": "k1",
        "TURVAVERKKO_RECORD_KEY_SECRET": "a-production-secret",
    }
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET_KEYS and _KEY_ID"):
        Settings.from_env(production)
    chosen = Settings.from_env(
        production
        | {
            "TURVAVERKKO_WEBHOOK_SECRET_KEYS": "w1:" + "b" * 44,
            "TURVAVERKKO_WEBHOOK_SECRET_KEY_ID": "w1",
            "TURVAVERKKO_WEBHOOK_SECRET_GRACE_HOURS": "48",
        }
    )
    assert (chosen.webhook_secret_key_id, chosen.webhook_secret_grace_hours) == ("w1", 48)
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET_GRACE_HOURS"):
        Settings.from_env({"TURVAVERKKO_WEBHOOK_SECRET_GRACE_HOURS": "-1"})


def test_notifications_are_kept_at_least_a_day() -> None:
    assert Settings.from_env({}).notifications_retention_days == 180
    assert (
        Settings.from_env(
            {"TURVAVERKKO_NOTIFICATIONS_RETENTION_DAYS": "30"}
        ).notifications_retention_days
        == 30
    )
    with pytest.raises(ConfigError, match="NOTIFICATIONS_RETENTION_DAYS"):
        Settings.from_env({"TURVAVERKKO_NOTIFICATIONS_RETENTION_DAYS": "0"})


def test_a_mail_server_ca_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SMTP_CA_FILE"):
        Settings.from_env({"TURVAVERKKO_SMTP_CA_FILE": str(tmp_path / "missing.pem")})
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    chosen = Settings.from_env({"TURVAVERKKO_SMTP_CA_FILE": str(tmp_path / "ca.pem")})
    assert chosen.smtp_ca_file == str(tmp_path / "ca.pem")


def test_no_secret_shows_in_the_settings_repr() -> None:
    """Settings end up in tracebacks and debug logs: their repr leaves out keys, passwords and
    URLs that may carry one."""
    settings = Settings.from_env(
        {
            "TURVAVERKKO_SMTP_PASSWORD": "smtp-pass-marker",
            "TURVAVERKKO_POSTGRES_URL": "postgresql+psycopg://u:pg-pass-marker@db:5432",
            "TURVAVERKKO_AMQP_URL": "amqp://u:mq-pass-marker@mq:5672/%2F",
            "TURVAVERKKO_RECORD_KEY_SECRET": "record-key-marker",
        }
    )
    shown = repr(settings)
    for marker in ("smtp-pass", "pg-pass", "mq-pass", "record-key", "dHVydmF2", "signing-key"):
        assert marker not in shown, marker
    assert "smtp_host='127.0.0.1'" in shown  # the rest is still there to debug with


def test_production_refuses_an_smtp_password_in_the_clear() -> None:
    production = {
        "TURVAVERKKO_ENV": "production",
        "TURVAVERKKO_JWKS_URL": "https://idp.example.org/jwks",
        "TURVAVERKKO_PSEUDONYM_KEYS": "k1:" + "a" * 44,
        "TURVAVERKKO_PSEUDONYM_KEY_ID": "k1",
        "TURVAVERKKO_RECORD_KEY_SECRET": "r" * 40,
        "TURVAVERKKO_WEBHOOK_SECRET_KEYS": "w1:" + "b" * 44,
        "TURVAVERKKO_WEBHOOK_SECRET_KEY_ID": "w1",
        "TURVAVERKKO_SMTP_USERNAME": "turvaverkko",
    }
    with pytest.raises(ConfigError, match="SMTP_SECURITY"):
        Settings.from_env(production)
    assert Settings.from_env(production | {"TURVAVERKKO_SMTP_SECURITY": "starttls"}).smtp_username


def test_production_refuses_a_development_key_by_its_value_under_any_id() -> None:
    """``PSEUDONYM_KEYS=prod:<the development key>`` used to pass: only the id was checked."""
    development = Settings.from_env({})
    dev_pseudonym_key = development.pseudonym_keys.partition(":")[2]
    dev_webhook_key = development.webhook_secret_keys.partition(":")[2]
    production = {
        "TURVAVERKKO_ENV": "production",
        "TURVAVERKKO_JWKS_URL": "https://idp.example/jwks",
        "TURVAVERKKO_PSEUDONYM_KEYS": "k1:" + "a" * 44,
        "TURVAVERKKO_PSEUDONYM_KEY_ID": "k1",
        "TURVAVERKKO_WEBHOOK_SECRET_KEYS": "w1:" + "b" * 44,
        "TURVAVERKKO_WEBHOOK_SECRET_KEY_ID": "w1",
        "TURVAVERKKO_RECORD_KEY_SECRET": "a-production-secret",
    }
    assert Settings.from_env(production).env == "production"
    for name, value in (
        ("TURVAVERKKO_PSEUDONYM_KEYS", f"k1: {dev_pseudonym_key} "),
        ("TURVAVERKKO_PSEUDONYM_KEYS", f"k1:{'a' * 44},k0:{dev_pseudonym_key.rstrip('=')}"),
        ("TURVAVERKKO_WEBHOOK_SECRET_KEYS", f"w1:{dev_webhook_key}"),
        ("TURVAVERKKO_RECORD_KEY_SECRET", development.record_key_secret),
    ):
        with pytest.raises(ConfigError, match=name.removeprefix("TURVAVERKKO_")) as refused:
            Settings.from_env(production | {name: value})
        assert dev_pseudonym_key not in str(refused.value) and dev_webhook_key not in str(
            refused.value
        )


def test_the_jwt_leeway_is_a_few_seconds_by_default_and_never_negative_or_beyond_a_minute() -> None:
    assert Settings.from_env({}).jwt_leeway_seconds == 5
    assert Settings.from_env({"TURVAVERKKO_JWT_LEEWAY_SECONDS": "0"}).jwt_leeway_seconds == 0
    for bad in ("-1", "61"):
        with pytest.raises(ConfigError, match="JWT_LEEWAY_SECONDS"):
            Settings.from_env({"TURVAVERKKO_JWT_LEEWAY_SECONDS": bad})
