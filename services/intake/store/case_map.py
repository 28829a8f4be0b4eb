"""The case map's repository: cases stored as ``case.opened`` announces them, their link to the
young person erased by ``case.anonymised``, found by pseudonym (a worker's look-up) or by id (an
item or register naming a case). Nothing here is cached: each read sees the map as it is, so an
anonymised case is refused from the moment its event is applied."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.intake.domain.cases import MappedCase, OpenedCase
from services.intake.domain.pseudonym import Pseudonym
from services.intake.store.tables import case_map, case_pseudonym
from shared.db import driver_execute


def store_opened(session: Session, case: OpenedCase) -> bool:
    """Store an opened case and every pseudonym it is known by; False if the case is already in
    the map (a duplicate, or anonymised before this event arrived: nothing changes then)."""
    inserted = session.execute(
        insert(case_map)
        .values(
            case_id=case.case_id,
            case_code=case.case_code,
            pilot_id=case.pilot_id,
            key_id=case.pseudonym.key_id,
            pseudonym=case.pseudonym.value,
            previous_case_id=case.previous_case_id,
            state="open",
            opened_at=case.opened_at,
        )
        .on_conflict_do_nothing(index_elements=[case_map.c.case_id])
        .returning(case_map.c.case_id)
    ).first()
    if inserted is None:
        return False
    known = {case.pseudonym.key_id: case.pseudonym.value} | case.earlier_pseudonyms
    session.execute(
        insert(case_pseudonym).on_conflict_do_nothing(),
        [
            {"key_id": key_id, "pseudonym": value, "case_id": case.case_id}
            for key_id, value in sorted(known.items())
        ],
    )
    return True


def store_anonymised(session: Session, case_id: str, pilot_id: str) -> None:
    """Erase the case's link to the young person (code, pseudonyms, previous episode), keeping
    its id, pilot and opening time; a case not yet in the map is stored already anonymised."""
    statement = insert(case_map).values(case_id=case_id, pilot_id=pilot_id, state="anonymised")
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[case_map.c.case_id],
            set_={
                "state": "anonymised",
                "case_code": None,
                "key_id": None,
                "pseudonym": None,
                "previous_case_id": None,
            },
        )
    )
    session.execute(sa.delete(case_pseudonym).where(case_pseudonym.c.case_id == case_id))
    # A later episode no longer points back at it.
    session.execute(
        sa.update(case_map)
        .where(case_map.c.previous_case_id == case_id)
        .values(previous_case_id=None)
    )


def store_ended(session: Session, case_id: str, at: Any) -> None:
    """The case was closed or declined at ``at`` (the first such move counts; a case not in the
    map yet is left alone — it is opened before it can end)."""
    session.execute(
        sa.update(case_map)
        .where(case_map.c.case_id == case_id, case_map.c.ended_at.is_(None))
        .values(ended_at=at)
    )


def find_open(
    session: Session, pseudonyms: Iterable[Pseudonym], pilots: Collection[str] | None
) -> list[dict[str, Any]]:
    """The open cases known by any of ``pseudonyms``, in ``pilots`` (None: every pilot), newest
    first."""
    keys = [{"key_id": p.key_id, "pseudonym": p.value} for p in pseudonyms]
    if not keys or (pilots is not None and not pilots):
        return []
    pairs = sa.tuple_(case_pseudonym.c.key_id, case_pseudonym.c.pseudonym).in_(
        [(k["key_id"], k["pseudonym"]) for k in keys]
    )
    query = (
        sa.select(
            case_map.c.case_id,
            case_map.c.case_code,
            case_map.c.pilot_id,
            case_map.c.opened_at,
            case_map.c.previous_case_id,
            case_map.c.ended_at,
        )
        .where(
            case_map.c.case_id.in_(sa.select(case_pseudonym.c.case_id).where(pairs)),
            case_map.c.state == "open",
        )
        .order_by(case_map.c.opened_at.desc(), case_map.c.case_id)
    )
    if pilots is not None:
        query = query.where(case_map.c.pilot_id.in_(sorted(pilots)))
    return [dict(row) for row in session.execute(query).mappings()]


# One statement, one round trip, whatever the number of ids: each case with the pseudonyms it is
# known by besides the one it was opened with.
_RESOLVE = (
    "SELECT m.case_id, m.pilot_id, m.state, m.ended_at, m.key_id, m.pseudonym, "
    "(SELECT coalesce(json_object_agg(p.key_id, p.pseudonym), '{}') FROM case_pseudonym p "
    "WHERE p.case_id = m.case_id AND p.key_id <> m.key_id) "
    "FROM case_map m WHERE m.case_id = ANY(%(ids)s::text[])"
)


def resolve(session: Session, case_ids: Collection[str]) -> dict[str, MappedCase]:
    """The cases of the map among ``case_ids``, by id (an id not in the map is absent)."""
    if not case_ids:
        return {}
    rows = driver_execute(session, _RESOLVE, {"ids": sorted(case_ids)}).fetchall()
    found: dict[str, MappedCase] = {}
    for case_id, pilot_id, state, ended_at, key_id, value, others in rows:
        open_ = state == "open" and ended_at is None and key_id is not None
        found[case_id] = MappedCase(
            case_id,
            pilot_id,
            open_,
            Pseudonym(key_id, value) if open_ else None,
            _as_dict(others) if open_ else {},
        )
    return found


def _as_dict(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str | bytes):
        return dict(orjson.loads(value))
    return {}
