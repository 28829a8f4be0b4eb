"""Who can be told, and how: the directory of recipients, their preferences, organisations'
contacts, the copy of the pilots and their members, and the admins' rule settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.notifications.domain.rules import DEFAULT_LANGUAGE, RULES, Rule
from services.notifications.store.tables import (
    organisation_contact,
    pilot,
    pilot_member,
    preference,
    recipient,
    rule_setting,
)
from shared import records
from shared.db import UnitOfWork
from shared.errors import PreconditionRequired
from shared.messaging.envelope import Envelope


@dataclass(frozen=True)
class Person:
    """A user as this service tells them: how, in which language, and at which address."""

    subject: str
    inbox: str
    email_mode: str
    language: str
    email: str | None
    active: bool


@dataclass(frozen=True)
class Contact:
    organisation: str
    email: str
    language: str


DEFAULT_PREFERENCES: dict[str, Any] = {"inbox": "immediate", "email": "immediate", "language": None}


def person(session: Session, subject: str) -> Person:
    """The user's channels, language and address: their preferences over the directory's entry
    (a user not in the directory has the inbox, but no e-mail address)."""
    entry = session.execute(
        sa.select(recipient.c.email, recipient.c.language, recipient.c.active).where(
            recipient.c.subject == subject
        )
    ).first()
    chosen = session.execute(
        sa.select(preference.c.inbox, preference.c.email, preference.c.language).where(
            preference.c.subject == subject
        )
    ).first()
    return Person(
        subject=subject,
        inbox=chosen.inbox if chosen else DEFAULT_PREFERENCES["inbox"],
        email_mode=chosen.email if chosen else DEFAULT_PREFERENCES["email"],
        language=(chosen and chosen.language) or (entry and entry.language) or DEFAULT_LANGUAGE,
        email=entry.email if entry else None,
        active=entry.active if entry else True,
    )


def language_of(session: Session, subject: str) -> str:
    return person(session, subject).language


def subjects_with_roles(session: Session, roles: tuple[str, ...]) -> list[str]:
    return list(
        session.execute(
            sa.select(recipient.c.subject)
            .where(recipient.c.role.in_(roles), recipient.c.active)
            .order_by(recipient.c.subject)
        ).scalars()
    )


def contact(session: Session, organisation: str) -> Contact | None:
    row = session.execute(
        sa.select(organisation_contact).where(organisation_contact.c.organisation == organisation)
    ).first()
    return Contact(row.organisation, row.email, row.language) if row else None


# --- the pilots' copy -------------------------------------------------------------------------


def apply_pilot(event: Envelope, uow: UnitOfWork) -> None:
    """Keep the copy of a pilot and its members from ``pilot.published``: an older version never
    overwrites a newer one, so duplicated and out-of-order events end in the same state."""
    d = event.data
    values = {
        "id": d["pilot_id"],
        "name_fi": d.get("name_fi") or d["pilot_id"],
        "name_sv": d.get("name_sv"),
        "name_en": d.get("name_en"),
        "lead_organisation_id": d.get("lead_organisation_id"),
        "partner_organisation_ids": list(d.get("partner_organisation_ids") or []),
        "active": d.get("active", True),
        "version": d["version"],
    }
    stmt = insert(pilot).values(**values)
    changed = uow.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[pilot.c.id],
            set_={name: stmt.excluded[name] for name in values if name != "id"},
            where=pilot.c.version < stmt.excluded.version,
        ).returning(pilot.c.id)
    ).first()
    if changed is None:
        return
    uow.session.execute(sa.delete(pilot_member).where(pilot_member.c.pilot_id == d["pilot_id"]))
    members = {m["subject"]: m["role"] for m in d.get("members") or []}
    if members:
        uow.session.execute(
            sa.insert(pilot_member),
            [{"pilot_id": d["pilot_id"], "subject": s, "role": r} for s, r in members.items()],
        )


def lock_pilot(session: Session, pilot_id: str) -> None:
    """Hold the pilot's id until the transaction ends: its publication and an event waiting for
    it (``usecases.fanout``) take it, so the one that commits second sees what the first did."""
    key = sa.func.hashtextextended(f"notifications.pilot/{pilot_id}", 0)
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def pilot_of(session: Session, pilot_id: str | None) -> Any | None:
    if not pilot_id:
        return None
    return session.execute(sa.select(pilot).where(pilot.c.id == pilot_id)).first()


def pilot_names(found: Any | None) -> dict[str, str] | None:
    """The pilot's name in each language it has one in."""
    if found is None:
        return None
    names = {"fi": found.name_fi, "sv": found.name_sv, "en": found.name_en}
    return {language: name for language, name in names.items() if name}


def pilot_member_subjects(session: Session, pilot_id: str, roles: tuple[str, ...]) -> list[str]:
    return list(
        session.execute(
            sa.select(pilot_member.c.subject)
            .where(pilot_member.c.pilot_id == pilot_id, pilot_member.c.role.in_(roles))
            .order_by(pilot_member.c.subject)
        ).scalars()
    )


# --- rule settings ----------------------------------------------------------------------------


def rule_enabled(session: Session, rule: Rule) -> bool:
    """Every rule is on unless an admin has switched it off."""
    enabled = session.execute(
        sa.select(rule_setting.c.enabled).where(rule_setting.c.event_type == rule.event_type)
    ).scalar()
    return enabled is not False


def rule_settings(session: Session) -> dict[str, dict[str, Any]]:
    rows = session.execute(sa.select(rule_setting)).mappings()
    return {row["event_type"]: dict(row) for row in rows if row["event_type"] in RULES}


def set_rule(
    session: Session, event_type: str, enabled: bool, by: str, expected_version: int
) -> dict[str, Any]:
    """Switch a rule, if its setting is still at ``expected_version`` (0: never switched);
    412 otherwise."""
    return records.put(
        session,
        rule_setting,
        "event_type",
        event_type,
        expected_version,
        {"enabled": enabled, "updated_by": by},
        "rule setting",
    )


# --- the directory's resources ----------------------------------------------------------------


def page_recipients(
    session: Session, filters: dict[str, Any], cursor: str | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` directory entries by subject, after the cursor (a subject);
    ``filters``: ``role``, ``organisation``."""
    stmt = sa.select(recipient)
    if "role" in filters:
        stmt = stmt.where(recipient.c.role == filters["role"])
    if "organisation" in filters:
        stmt = stmt.where(recipient.c.organisation == filters["organisation"])
    return records.page_rows(session, stmt, recipient.c.subject, cursor, limit)


def put_versioned(
    session: Session,
    table: sa.Table,
    key: str,
    value: str,
    values: dict[str, Any],
    expected_version: int | None,
) -> tuple[dict[str, Any], bool]:
    """Create the row (no ``If-Match``), or replace it if it is still at ``expected_version``
    (the caller's ``If-Match``): 428 if it exists and no version is named, 412 if the named
    version is not there — someone changed it first, or it does not exist (RFC 9110: an
    ``If-Match`` never creates). Returns (row, created)."""
    if expected_version is None:
        created = (
            session.execute(
                insert(table)
                .values(**{key: value}, **values)
                .on_conflict_do_nothing()
                .returning(table)
            )
            .mappings()
            .first()
        )
        if created is None:
            raise PreconditionRequired(
                "It exists already: send If-Match with the ETag you read to replace it."
            )
        return dict(created), True
    updated = records.update(
        session, table, key, value, expected_version, values, key, exists=lambda: None
    )
    return updated, False


def get_row(session: Session, table: sa.Table, key: str, value: str, what: str) -> dict[str, Any]:
    return records.get(session, table, key, value, what)


def get_recipient(session: Session, subject: str) -> dict[str, Any]:
    """The user's directory entry; not found if they have none."""
    return get_row(session, recipient, "subject", subject, "recipient")


def put_recipient(
    session: Session, subject: str, values: dict[str, Any], expected_version: int | None
) -> tuple[dict[str, Any], bool]:
    """Create the user's entry, or replace it from ``expected_version`` (``put_versioned``)."""
    return put_versioned(session, recipient, "subject", subject, values, expected_version)


def get_contact(session: Session, organisation: str) -> dict[str, Any]:
    """The organisation's contact person; not found if it has none."""
    return get_row(session, organisation_contact, "organisation", organisation, "contact")


def put_contact(
    session: Session, organisation: str, values: dict[str, Any], expected_version: int | None
) -> tuple[dict[str, Any], bool]:
    """Name the organisation's contact, or replace them from ``expected_version``."""
    return put_versioned(
        session, organisation_contact, "organisation", organisation, values, expected_version
    )


def preferences(session: Session, subject: str) -> dict[str, Any]:
    """The user's preferences; the defaults (version 0) if they never chose."""
    row = session.execute(sa.select(preference).where(preference.c.subject == subject)).first()
    if row is None:
        return {"subject": subject, **DEFAULT_PREFERENCES, "version": 0}
    return dict(row._mapping)


def put_preferences(
    session: Session, subject: str, values: dict[str, Any], expected_version: int
) -> dict[str, Any]:
    """Store the user's choice if their preferences are still at ``expected_version`` (0: they
    never chose); 412 if they changed meanwhile (in another tab)."""
    return records.put(
        session, preference, "subject", subject, expected_version, values, "preference"
    )
