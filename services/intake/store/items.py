"""Storing accepted items: the statements that write a prepared batch's events, the client
profiles its referrals state and its outbox rows in one round trip (a file's batches by COPY into
a staging table), and the look-ups of stored events and client profiles that checking a batch
needs. What is checked, and what an item becomes, is ``usecases.items``; these are the
benchmarked statements, tuned for a constant text whatever the batch size and for index look-ups
whatever the table's size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.intake.domain.import_results import Source
from services.intake.domain.items import ClientProfile, ItemResult
from services.intake.store.tables import intake_event
from shared.db import driver_connection, driver_execute, outbox_insert_from
from shared.messaging.schema import outbox
from shared.principal import Principal


@dataclass
class Prepared:
    """A batch checked, pseudonymised and turned into events, ready to be written. Preparing reads
    (reference data, known events, client profiles) but writes nothing, so a bulk import prepares
    the next batch while the previous one is being written."""

    kind: str
    results: list[ItemResult]  # rejected, or a duplicate of an event stored earlier
    events: dict[tuple[str, str], str]  # (source system, source id) → the new event's id
    indexes: list[tuple[int, tuple[str, str]]]  # the items to store: (index, pair)
    repeated: list[tuple[int, tuple[str, str]]]  # the same pair again within the batch
    #: The new events as one JSON document ("[]" if none): per event its intake_event columns
    #: and its outbox row (type, headers, and the message body as a JSON value), so that the
    #: event's data is serialised and sent once, and parsed once by PostgreSQL.
    rows: str
    clients: list[dict[str, Any]]  # client profiles stated by referrals
    pilots: dict[tuple[str, str], str] = field(default_factory=dict)  # pair → the item's pilot
    #: The same events as COPY rows for the staging table (``prepare(for_copy=True)``), else None.
    copy_rows: bytes | None = None
    #: A file's batch: each item's source pair, as far as it loaded (``domain.import_results``),
    #: for the import's per-row results; None for items sent over the API.
    sources: list[Source] | None = None
    #: The items that named a case instead of the young person: index → (case id, who sent it),
    #: for the audit entry of recording by case.
    named_cases: dict[int, tuple[str, Principal]] = field(default_factory=dict)


# Batches are sent as one JSON document (json_to_recordset) rather than one bind parameter per
# value or arrays: the statement text stays the same whatever the batch size, so it is parsed and
# planned once, and a string costs the driver nothing to send (arrays are typed element by element
# in Python). Each wanted key must be one index lookup, whatever the table's size or statistics: a
# plain join — and a simple LATERAL subquery, which the planner flattens into one — may hash every
# event of the kind (100 ms per batch at 200,000 events, growing with the table). LIMIT 1 (the
# keys are unique) keeps the subquery a per-key index scan.
_EVENT_IDS = (
    "SELECT s.system, s.id, e.id, e.pilot_id FROM json_to_recordset(%(pairs)s::json) "
    "AS s(system text, id text) CROSS JOIN LATERAL (SELECT id, pilot_id FROM intake_event "
    "WHERE kind = %(kind)s AND source_system = s.system AND source_id = s.id LIMIT 1) AS e"
)
_CLIENTS = (
    "SELECT c.key_id, c.pseudonym, c.birth_year, c.birth_month, c.gender, c.home_region "
    "FROM json_to_recordset(%(keys)s::json) AS k(key_id text, pseudonym text) "
    "CROSS JOIN LATERAL (SELECT * FROM client WHERE client.key_id = k.key_id "
    "AND client.pseudonym = k.pseudonym LIMIT 1) AS c"
)
# The new events, the profiles their referrals state and their outbox rows, in one statement (one
# round trip): an event whose (kind, source system, source id) is already stored is skipped — a
# concurrent twin — and so are its profile and its outbox row.
# The profiles the stored referrals state (a CTE after ``stored``).
_PROFILES = (
    "profiles AS (INSERT INTO client AS c (key_id, pseudonym, birth_year, birth_month, gender, "
    "home_region) SELECT key_id, pseudonym, birth_year, birth_month, gender, home_region "
    "FROM json_to_recordset(%(clients)s::json) AS p(key_id text, pseudonym text, "
    "birth_year smallint, birth_month smallint, gender text, home_region text) "
    "WHERE (p.key_id, p.pseudonym) IN (SELECT key_id, pseudonym FROM stored) "
    "ON CONFLICT (key_id, pseudonym) DO UPDATE SET birth_year = excluded.birth_year, "
    "birth_month = excluded.birth_month, gender = excluded.gender, "
    "home_region = excluded.home_region, updated_at = now())"
)
_STORE_EVENTS = (
    "WITH r AS (SELECT * FROM json_to_recordset(%(rows)s::json) AS r(id text, kind text, "
    "source_system text, source_id text, pilot_id text, key_id text, pseudonym text, "
    "import_id text, event_type text, headers jsonb, payload json)), "
    "stored AS (INSERT INTO intake_event (id, kind, source_system, source_id, pilot_id, "
    "key_id, pseudonym, data, import_id) SELECT id, kind, source_system, source_id, pilot_id, "
    "key_id, pseudonym, payload -> 'data', import_id FROM r "
    "ON CONFLICT ON CONSTRAINT intake_event_source DO NOTHING RETURNING id, key_id, pseudonym), "
    f"{_PROFILES}, "
    f"queued AS ({outbox_insert_from('r', 'stored')}) "
    "SELECT id FROM stored"
)


def event_ids(
    session: Any, kind: str, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str | None, str]]:
    """The ids and pilots of stored events of ``kind`` by (source system, source id)."""
    if not pairs:
        return {}
    document = orjson.dumps([{"system": system, "id": source_id} for system, source_id in pairs])
    rows = driver_execute(
        session, _EVENT_IDS, {"pairs": document.decode(), "kind": kind}
    ).fetchall()
    return {(system, source_id): (event_id, pilot) for system, source_id, event_id, pilot in rows}


def client_profiles(
    session: Any, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], ClientProfile]:
    """The stored profiles of the clients with these (key id, pseudonym), by that pair; a client
    without one is left out."""
    found: dict[tuple[str, str], ClientProfile] = {}
    document = orjson.dumps([{"key_id": k, "pseudonym": p} for k, p in keys]).decode()
    cursor = driver_execute(session, _CLIENTS, {"keys": document})
    for key_id, value, birth_year, birth_month, gender, region in cursor.fetchall():
        found[(key_id, value)] = ClientProfile(birth_year, birth_month, gender or "unknown", region)
    return found


def store_events(session: Any, prepared: Prepared) -> set[str]:
    """Store the prepared events with their referrals' profiles and queue them in the outbox;
    returns the ids actually stored (a concurrent twin is skipped)."""
    if not prepared.events:
        return set()
    clients = orjson.dumps(prepared.clients).decode()
    if prepared.copy_rows is None:
        params = {"rows": prepared.rows, "clients": clients}
        return {row[0] for row in driver_execute(session, _STORE_EVENTS, params)}
    driver = driver_connection(session)
    driver.execute(_STAGING)
    with driver.cursor() as cursor, cursor.copy(_COPY_STAGED) as copy:
        copy.write(prepared.copy_rows)
    return {row[0] for row in driver.execute(_STORE_STAGED, {"clients": clients})}


_STAGED_COLUMNS = (
    "id, kind, source_system, source_id, pilot_id, key_id, pseudonym, import_id, import_row, "
    "event_type, headers, payload, data"
)
# A temporary table lives as long as the connection; ON COMMIT DELETE ROWS empties it at every
# commit (and a rollback takes its rows with it), so a batch finds it empty.
_STAGING = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS intake_staging (id text, kind text, "
    "source_system text, source_id text, pilot_id text, key_id text, pseudonym text, "
    "import_id text, import_row bigint, event_type text, headers jsonb, payload text, data json) "
    "ON COMMIT DELETE ROWS"
)
_COPY_STAGED = f"COPY intake_staging ({_STAGED_COLUMNS}) FROM STDIN"
_STORE_STAGED = (
    "WITH stored AS (INSERT INTO intake_event (id, kind, source_system, source_id, pilot_id, "
    "key_id, pseudonym, data, import_id, import_row) SELECT id, kind, source_system, source_id, "
    "pilot_id, key_id, pseudonym, data, import_id, import_row FROM intake_staging "
    "ON CONFLICT ON CONSTRAINT intake_event_source DO NOTHING RETURNING id, key_id, pseudonym), "
    f"{_PROFILES}, "
    "queued AS (INSERT INTO outbox (event_id, event_type, headers, payload) "
    "SELECT id, event_type, headers, convert_to(payload, 'UTF8') FROM intake_staging "
    "WHERE id IN (SELECT id FROM stored)) "
    "SELECT id FROM stored"
)
_COPY_ESCAPES = {ord("\\"): "\\\\", ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r"}


def copy_row(*values: str | bytes | None) -> bytes:
    """One row of COPY's text format: tab-separated, backslash, tab and line breaks escaped,
    ``\\N`` for NULL. (The JSON texts need only their backslashes doubled: orjson writes no raw
    control characters.)"""
    cells = []
    for value in values:
        if value is None:
            cells.append(b"\\N")
        elif isinstance(value, bytes):
            cells.append(value.replace(b"\\", b"\\\\"))
        else:
            cells.append(value.translate(_COPY_ESCAPES).encode())
    return b"\t".join(cells) + b"\n"


def event_state(session: Session, event_id: str) -> Any | None:
    """An event's stored row (id, kind, pilot, source system, time received) with its outbox row's
    ``sent_at`` and ``outbox_id`` (both None once the outbox row is purged), or None."""
    return session.execute(
        sa.select(
            intake_event.c.id,
            intake_event.c.kind,
            intake_event.c.pilot_id,
            intake_event.c.source_system,
            intake_event.c.received_at,
            outbox.c.sent_at,
            outbox.c.id.label("outbox_id"),
        )
        .select_from(intake_event.outerjoin(outbox, outbox.c.event_id == intake_event.c.id))
        .where(intake_event.c.id == event_id)
    ).first()
