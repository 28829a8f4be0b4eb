"""The answers kept for ``Idempotency-Key``: each request's first answer (status and body) under
its caller and key, with the fingerprint of the request it answered, so that the same request sent
again is answered the same and the key with another request is refused (``usecases.items``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.intake.store.tables import idempotent_request


def stored_answer(session: Session, caller: str, key: str) -> Any | None:
    """The kept answer (``fingerprint``, ``status``, ``body``) of this caller's key, or None."""
    return session.execute(
        sa.select(idempotent_request).where(
            idempotent_request.c.caller == caller, idempotent_request.c.key == key
        )
    ).first()


def keep_answer(
    session: Session, caller: str, key: str, fingerprint: str, status: int, body: dict[str, Any]
) -> bool:
    """Keep the answer in the request's transaction; False if a concurrent request with the same
    caller and key has kept one first (then nothing is kept here)."""
    stored = session.execute(
        insert(idempotent_request).on_conflict_do_nothing().returning(idempotent_request.c.key),
        {
            "caller": caller,
            "key": key,
            "fingerprint": fingerprint,
            "status": status,
            "body": body,
        },
    ).first()
    return stored is not None
