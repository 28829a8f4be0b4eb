"""Pilots with their partners, regions and members; the query behind their list; the lifecycle
history and evidence; and the events by which other services keep their copies of the reference
data (pilots, activities, instruments)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.pilots.store.tables import (
    evidence,
    lifecycle_change,
    organisation,
    pilot,
    pilot_member,
    pilot_partner,
    pilot_region,
)
from services.pilots.store.versioned import Versioned
from shared import records
from shared.db import UnitOfWork
from shared.errors import Conflict, Unprocessable
from shared.messaging.envelope import Envelope, source_of
from shared.messaging.events import EventType

SOURCE = source_of("pilots")
PILOT_COLUMNS = (
    "name_fi",
    "name_sv",
    "name_en",
    "lead_organisation_id",
    "theme",
    "target_group",
    "starts_on",
    "ends_on",
    "idle_days",
    "active",
)
#: A pilot's own row, without its partners, regions and members.
PILOTS = Versioned(pilot, "id", "pilot")


@dataclass(frozen=True)
class PilotFilter:
    """Which pilots to list (every field optional)."""

    region: str | None = None
    phase: str | None = None
    organisation: str | None = None  # the lead or a partner
    active: bool | None = None


def find_pilots(
    session: Session, where: PilotFilter, cursor: str | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` pilots after the cursor, by id, the ``limit`` shown with their
    relations (the extra row only tells that there is a next page)."""
    stmt = sa.select(pilot)
    if where.region is not None:
        stmt = stmt.where(
            pilot.c.id.in_(
                sa.select(pilot_region.c.pilot_id).where(pilot_region.c.region_code == where.region)
            )
        )
    if where.phase is not None:
        stmt = stmt.where(pilot.c.phase == where.phase)
    if where.organisation is not None:
        org = where.organisation
        stmt = stmt.where(
            sa.or_(
                pilot.c.lead_organisation_id == org,
                pilot.c.id.in_(
                    sa.select(pilot_partner.c.pilot_id).where(
                        pilot_partner.c.organisation_id == org
                    )
                ),
            )
        )
    if where.active is not None:
        stmt = stmt.where(pilot.c.active == where.active)
    rows = records.page_rows(session, stmt, pilot.c.id, cursor, limit)
    return with_relations(session, rows[:limit]) + rows[limit:]


def with_relations(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pilot rows with their partner organisations, regions and members (three queries)."""
    ids = [r["id"] for r in rows]
    partners: dict[str, list[str]] = {i: [] for i in ids}
    regions: dict[str, list[str]] = {i: [] for i in ids}
    members: dict[str, list[dict[str, str]]] = {i: [] for i in ids}
    if ids:
        for p, o in session.execute(
            sa.select(pilot_partner.c.pilot_id, pilot_partner.c.organisation_id)
            .where(pilot_partner.c.pilot_id.in_(ids))
            .order_by(pilot_partner.c.organisation_id)
        ):
            partners[p].append(o)
        for p, code in session.execute(
            sa.select(pilot_region.c.pilot_id, pilot_region.c.region_code)
            .where(pilot_region.c.pilot_id.in_(ids))
            .order_by(pilot_region.c.region_code)
        ):
            regions[p].append(code)
        for p, subject, role in session.execute(
            sa.select(pilot_member.c.pilot_id, pilot_member.c.subject, pilot_member.c.role)
            .where(pilot_member.c.pilot_id.in_(ids))
            .order_by(pilot_member.c.subject)
        ):
            members[p].append({"subject": subject, "role": role})
    return [
        r
        | {"partner_organisation_ids": partners[r["id"]], "regions": regions[r["id"]]}
        | {"members": members[r["id"]]}
        for r in rows
    ]


def get_pilot(session: Session, pilot_id: str) -> dict[str, Any]:
    return with_relations(session, [records.get(session, pilot, "id", pilot_id, "pilot")])[0]


def create_pilot(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, Any]:
    session = uow.session
    _check_organisations(session, data)
    records.create(
        session,
        pilot,
        {"id": data["id"], **{c: data[c] for c in PILOT_COLUMNS if c in data}},
        "pilot",
    )
    _replace_relations(session, data["id"], data)
    created = get_pilot(session, data["id"])
    uow.publish(pilot_event(created))
    return created


def update_pilot(
    uow: UnitOfWork, pilot_id: str, expected_version: int, data: dict[str, Any]
) -> dict[str, Any]:
    session = uow.session
    _check_organisations(session, data)
    records.update(
        session,
        pilot,
        "id",
        pilot_id,
        expected_version,
        {c: data[c] for c in PILOT_COLUMNS if c in data},
        "pilot",
    )
    _replace_relations(session, pilot_id, data)
    updated = get_pilot(session, pilot_id)
    uow.publish(pilot_event(updated))
    return updated


def _check_organisations(session: Session, data: dict[str, Any]) -> None:
    wanted = {data[k] for k in ("lead_organisation_id",) if k in data}
    wanted |= set(data.get("partner_organisation_ids") or ())
    if not wanted:
        return
    found = set(
        session.execute(sa.select(organisation.c.id).where(organisation.c.id.in_(wanted))).scalars()
    )
    errors = []
    if "lead_organisation_id" in data and data["lead_organisation_id"] not in found:
        errors.append({"pointer": "#/lead_organisation_id", "detail": "No such organisation."})
    for i, org in enumerate(data.get("partner_organisation_ids") or ()):
        if org not in found:
            errors.append(
                {"pointer": f"#/partner_organisation_ids/{i}", "detail": "No such organisation."}
            )
    if errors:
        raise Unprocessable(errors=errors)


def _replace_relations(session: Session, pilot_id: str, data: dict[str, Any]) -> None:
    """Replace the partners, regions or members that ``data`` names (a PATCH may omit them)."""
    replacements: list[tuple[sa.Table, list[dict[str, str]]]] = []
    if "partner_organisation_ids" in data:
        partners = _unique(data["partner_organisation_ids"])
        replacements.append(
            (pilot_partner, [{"pilot_id": pilot_id, "organisation_id": o} for o in partners])
        )
    if "regions" in data:
        regions = _unique(data["regions"])
        replacements.append(
            (pilot_region, [{"pilot_id": pilot_id, "region_code": r} for r in regions])
        )
    if "members" in data:
        replacements.append((pilot_member, _members(pilot_id, data["members"])))
    for table, rows in replacements:
        session.execute(sa.delete(table).where(table.c.pilot_id == pilot_id))
        if rows:
            session.execute(sa.insert(table), rows)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _members(pilot_id: str, members: list[dict[str, str]]) -> list[dict[str, str]]:
    by_subject: dict[str, str] = {}
    for m in members:
        if by_subject.get(m["subject"], m["role"]) != m["role"]:
            raise Conflict("A member is listed twice with different roles.")
        by_subject[m["subject"]] = m["role"]
    return [{"pilot_id": pilot_id, "subject": s, "role": r} for s, r in by_subject.items()]


def change_phase(
    uow: UnitOfWork, current: dict[str, Any], change: dict[str, Any], by: str
) -> dict[str, Any]:
    """Record a lifecycle change (the caller has checked that it is allowed) and publish it."""
    session = uow.session
    records.update(
        session,
        pilot,
        "id",
        current["id"],
        current["version"],
        {"phase": change["to_phase"]},
        "pilot",
    )
    row = (
        session.execute(
            sa.insert(lifecycle_change)
            .values(
                pilot_id=current["id"],
                from_phase=current["phase"],
                to_phase=change["to_phase"],
                changed_on=change["changed_on"],
                reason=change["reason"],
                changed_by=by,
            )
            .returning(lifecycle_change)
        )
        .mappings()
        .one()
    )
    uow.publish(
        Envelope.new(
            EventType.LIFECYCLE_PHASE_CHANGED,
            SOURCE,
            {
                "pilot_id": current["id"],
                "pilot_name_fi": current["name_fi"],
                "from_phase": current["phase"],
                "to_phase": change["to_phase"],
                "changed_on": change["changed_on"].isoformat(),
                "reason": change["reason"],
            },
            subject=f"pilot/{current['id']}",
        )
    )
    uow.publish(pilot_event(get_pilot(session, current["id"])))
    return dict(row)


def add_evidence(session: Session, pilot_id: str, data: dict[str, Any], by: str) -> dict:
    values = {"id": str(uuid.uuid4()), "pilot_id": pilot_id, "recorded_by": by, **data}
    return dict(
        session.execute(sa.insert(evidence).values(**values).returning(evidence)).mappings().one()
    )


def lifecycle(session: Session, pilot_id: str) -> tuple[list[dict], list[dict]]:
    history = session.execute(
        sa.select(lifecycle_change)
        .where(lifecycle_change.c.pilot_id == pilot_id)
        .order_by(lifecycle_change.c.id)
    ).mappings()
    found = session.execute(
        sa.select(evidence)
        .where(evidence.c.pilot_id == pilot_id)
        .order_by(evidence.c.recorded_on, evidence.c.recorded_at)
    ).mappings()
    return [dict(r) for r in history], [dict(r) for r in found]


# --- the published copies ---------------------------------------------------------------------


def pilot_event(p: dict[str, Any]) -> Envelope:
    return Envelope.new(
        EventType.PILOT_PUBLISHED,
        SOURCE,
        {
            "pilot_id": p["id"],
            "version": p["version"],
            "active": p["active"],
            "name_fi": p["name_fi"],
            "name_sv": p["name_sv"],
            "name_en": p["name_en"],
            "lead_organisation_id": p["lead_organisation_id"],
            "partner_organisation_ids": p["partner_organisation_ids"],
            "regions": p["regions"],
            "starts_on": p["starts_on"].isoformat(),
            "ends_on": p["ends_on"].isoformat() if p["ends_on"] else None,
            "idle_days": p["idle_days"],
            "phase": p["phase"],
            "members": p["members"],
        },
        subject=f"pilot/{p['id']}",
    )


def activity_event(a: dict[str, Any]) -> Envelope:
    return Envelope.new(
        EventType.ACTIVITY_PUBLISHED,
        SOURCE,
        {
            "activity_id": a["id"],
            "pilot_id": a["pilot_id"],
            "activity_type": a["activity_type"],
            "name": a["name"],
            "workers": list(a["workers"]),
            "active": a["active"],
            "version": a["version"],
        },
        subject=f"pilot/{a['pilot_id']}",
    )


def instrument_event(i: dict[str, Any]) -> Envelope:
    return Envelope.new(
        EventType.INSTRUMENT_PUBLISHED,
        SOURCE,
        {
            "code": i["code"],
            "name": i["name"],
            "min_value": float(i["min_value"]) if i["min_value"] is not None else None,
            "max_value": float(i["max_value"]) if i["max_value"] is not None else None,
            "active": i["active"],
            "version": i["version"],
        },
        subject=f"instrument/{i['code']}",
    )
