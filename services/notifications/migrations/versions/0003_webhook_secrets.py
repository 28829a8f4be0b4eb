"""Notifications: webhook signing secrets leave ``webhook_endpoint`` in clear and live encrypted in
``webhook_secret`` (AES-256-GCM under ``WEBHOOK_SECRET_KEY_ID``, the endpoint's id as associated
data), with room for a replaced secret that still signs during its grace period; endpoints get a
version (``ETag``) and ``updated_at`` so that their URL and event types can be changed.

Existing secrets are sealed with the current key of the environment's settings; a withdrawn
endpoint's secret is not kept at all. The downgrade writes current secrets back in clear.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.notifications.adapters.webhooks import new_secret
from services.notifications.domain.signing_secrets import SealedSecret, SigningSecrets
from shared.config import Settings

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_endpoint = sa.table(
    "webhook_endpoint",
    sa.column("id", sa.Text),
    sa.column("secret", sa.Text),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("deleted_at", sa.DateTime(timezone=True)),
)
_secret = sa.table(
    "webhook_secret",
    sa.column("endpoint_id", sa.Text),
    sa.column("key_id", sa.Text),
    sa.column("nonce", sa.LargeBinary),
    sa.column("ciphertext", sa.LargeBinary),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("expires_at", sa.DateTime(timezone=True)),
)


def _signing_secrets() -> SigningSecrets:
    settings = Settings.from_env()
    return SigningSecrets.from_setting(settings.webhook_secret_keys, settings.webhook_secret_key_id)


def upgrade() -> None:
    signing = _signing_secrets()  # before any change: a bad key configuration changes nothing
    op.create_table(
        "webhook_secret",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("endpoint_id", sa.Text, sa.ForeignKey("webhook_endpoint.id"), nullable=False),
        sa.Column("key_id", sa.Text, nullable=False),
        sa.Column("nonce", sa.LargeBinary, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
    )
    op.create_index("webhook_secret_by_endpoint", "webhook_secret", ["endpoint_id", "id"])
    op.create_index(
        "webhook_secret_one_current",
        "webhook_secret",
        ["endpoint_id"],
        unique=True,
        postgresql_where=sa.text("expires_at IS NULL"),
    )
    connection = op.get_bind()
    live = connection.execute(
        sa.select(_endpoint.c.id, _endpoint.c.secret, _endpoint.c.created_at)
        .where(_endpoint.c.deleted_at.is_(None))
        .order_by(_endpoint.c.id)
    ).all()
    for endpoint_id, secret, created_at in live:
        sealed = signing.seal(endpoint_id, secret)
        connection.execute(
            sa.insert(_secret).values(
                endpoint_id=endpoint_id,
                key_id=sealed.key_id,
                nonce=sealed.nonce,
                ciphertext=sealed.ciphertext,
                created_at=created_at,
            )
        )
    op.drop_column("webhook_endpoint", "secret")
    op.add_column(
        "webhook_endpoint",
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    )
    op.add_column(
        "webhook_endpoint",
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )


def downgrade() -> None:
    signing = _signing_secrets()
    op.drop_column("webhook_endpoint", "updated_at")
    op.drop_column("webhook_endpoint", "version")
    op.add_column("webhook_endpoint", sa.Column("secret", sa.Text, nullable=True))
    connection = op.get_bind()
    current = connection.execute(
        sa.select(_secret.c.endpoint_id, _secret.c.key_id, _secret.c.nonce, _secret.c.ciphertext)
        .where(_secret.c.expires_at.is_(None))
        .order_by(_secret.c.endpoint_id)
    ).all()
    for endpoint_id, key_id, nonce, ciphertext in current:
        secret = signing.open(endpoint_id, SealedSecret(key_id, nonce, ciphertext))
        connection.execute(
            sa.update(_endpoint).where(_endpoint.c.id == endpoint_id).values(secret=secret)
        )
    # Withdrawn endpoints kept no secret; the old column needs one, never to be used.
    for (endpoint_id,) in connection.execute(
        sa.select(_endpoint.c.id).where(_endpoint.c.secret.is_(None))
    ).all():
        connection.execute(
            sa.update(_endpoint).where(_endpoint.c.id == endpoint_id).values(secret=new_secret())
        )
    op.alter_column("webhook_endpoint", "secret", nullable=False)
    op.drop_table("webhook_secret")
