"""Accepting items: validate each, check it against reference data and the caller's pilots,
de-duplicate by (kind, source system, source id), pseudonymise, and store the accepted ones with
their events in the outbox — all in one transaction, so nothing is half-stored."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa

from services.intake.domain.cases import NOT_AN_OPEN_CASE, MappedCase
from services.intake.domain.import_results import Source
from services.intake.domain.items import (
    EVENT_TYPES,
    ClientProfile,
    earlier_pseudonyms,
    event_data,
    profile_for,
    pseudonym_of,
    referral_profile,
)
from services.intake.domain.pseudonym import Pseudonym, Pseudonymiser
from services.intake.domain.validation import Validated, validate_items
from services.intake.store import case_map
from services.intake.store.tables import (
    activity_ref,
    instrument_ref,
    pilot_ref,
)
from shared.db import UnitOfWork, driver_connection, driver_execute, outbox_insert_from
from shared.messaging.envelope import Envelope, source_of
from shared.principal import Principal

SOURCE = source_of("intake")


@dataclass
class ItemResult:
    index: int
    status: str  # accepted | duplicate | rejected
    event_id: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "status": self.status}
        if self.event_id:
            out["event_id"] = self.event_id
        if self.errors:
            out["errors"] = self.errors
        return out


def _error(pointer: str, detail: str) -> list[dict[str, str]]:
    return [{"pointer": pointer, "detail": detail}]


def _source_taken() -> list[dict[str, str]]:
    """The source system already sent an item with this id, for another pilot: an id names one
    item, and the other pilot's event is not given away."""
    return _error("#/source_id", "This source id already names an item of another pilot.")


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


class Intake:
    """The one path by which items enter: the HTTP endpoints and file imports both use it."""

    def __init__(
        self, pseudonymiser: Pseudonymiser, unit_of_work: Callable[[], UnitOfWork]
    ) -> None:
        self.pseudonymiser = pseudonymiser
        self.unit_of_work = unit_of_work
        self.reference = ReferenceData()

    def submit(
        self,
        kind: str,
        raw_items: Sequence[Any],
        principal: Principal,
        *,
        import_id: str | None = None,
        extra: Callable[[UnitOfWork, list[ItemResult]], None] | None = None,
    ) -> list[ItemResult]:
        """Accept what can be accepted; report each item. ``extra`` runs in the same transaction
        just before the commit (the Idempotency-Key record, an import's progress)."""
        validated = validate_items(kind, raw_items)
        with self.unit_of_work() as uow:
            prepared = self.prepare(uow.session, kind, validated, principal, import_id)
            return self.write(uow, prepared, extra)

    def prepare(
        self,
        session: Any,
        kind: str,
        validated: Sequence[Validated],
        principal: Principal | Sequence[Principal],
        import_id: str | None = None,
        *,
        look_up_stored: bool = True,
        for_copy: bool = False,
        row_numbers: Sequence[int] | None = None,
    ) -> Prepared:
        """Check each validated item against the reference data, the caller's pilots (one
        principal for all items, or one per item) and the events already stored; pseudonymise
        the rest and build their events.

        ``look_up_stored=False`` skips the look-up of stored events for items that pass the
        checks: storing them finds a stored twin anyway (``store`` reports it as the duplicate it
        is), so a single new item costs no round trip for it. Items that fail a check are still
        looked up, since a stored item sent again is a duplicate even if, say, its pilot has
        closed since.
        ``for_copy=True`` (a file's batches) also writes the events as rows of PostgreSQL's COPY
        text format (``copy_rows``), which ``store`` then copies into a staging table: COPY reads
        its rows for a fraction of what the JSON document costs to parse, and the batches of a
        file are stored one at a time, in order, on one connection, so what the database spends
        per row there bounds the whole import. ``row_numbers`` (a file's batch, with
        ``for_copy``): each item's row in its file, copied with its event (``import_row``).
        """
        principals = [principal] * len(validated) if isinstance(principal, Principal) else principal
        results: list[ItemResult] = []
        loaded: list[tuple[int, dict[str, Any]]] = []
        for index, (item, errors) in enumerate(validated):
            if item is None:
                results.append(ItemResult(index, "rejected", errors=errors))
            else:
                loaded.append((index, item))
        prepared = Prepared(kind, results, {}, [], [], "[]", [])
        if not loaded:
            return prepared
        pilots, activities, instruments = self.reference.snapshot(session)
        # Items naming a case: the map as it is now (one round trip, and none without them).
        named = {item["case_id"] for _, item in loaded if "case_id" in item}
        cases = case_map.resolve(session, named) if named else {}
        known = (
            _event_ids(session, kind, {(i["source_system"], i["source_id"]) for _, i in loaded})
            if look_up_stored
            else {}
        )
        # Items refused by a check, when stored events were not looked up: (index, pair, errors)
        refused: list[tuple[int, tuple[str, str], list[dict[str, str]], str]] = []

        # (index, item, pseudonym, activity type) of the items that pass every check
        pending: list[tuple[int, dict[str, Any], Pseudonym, str | None]] = []
        by_case: dict[int, MappedCase] = {}  # the pending items that name a case
        for index, item in loaded:
            pair = (item["source_system"], item["source_id"])
            # Only for one of the caller's pilots is an item ever a duplicate: anyone else is
            # refused below, learning nothing of what that pilot has (nor an event id).
            found = known.get(pair)
            if found is not None and _submits_for(principals[index], item["pilot_id"]):
                event_id, stored_pilot = found
                if stored_pilot != item["pilot_id"]:
                    # Not a duplicate, and no other pilot's event id is given away.
                    results.append(ItemResult(index, "rejected", errors=_source_taken()))
                elif event_id is None:  # the same pair earlier in this batch
                    prepared.repeated.append((index, pair))
                else:
                    results.append(ItemResult(index, "duplicate", event_id))
                continue
            errors = _reference_errors(
                kind, item, principals[index], pilots, activities, instruments, cases
            )
            if errors:
                if not look_up_stored and _submits_for(principals[index], item["pilot_id"]):
                    refused.append((index, pair, errors, item["pilot_id"]))
                else:
                    results.append(ItemResult(index, "rejected", errors=errors))
                continue
            activity = activities.get(item.get("activity_id") or "")
            case = cases.get(item["case_id"]) if "case_id" in item else None
            if case is not None:
                by_case[index] = case
            pending.append(
                (
                    index,
                    item,
                    case.pseudonym
                    if case is not None and case.pseudonym is not None
                    else pseudonym_of(item, self.pseudonymiser),
                    activity.activity_type if activity else None,
                )
            )
            # A later item with the same pair in this batch is a duplicate (for the same pilot).
            known[pair] = (None, item["pilot_id"])
            prepared.pilots[pair] = item["pilot_id"]

        if refused:
            stored = _event_ids(session, kind, {pair for _, pair, _, _ in refused})
            for index, pair, errors, pilot_id in refused:
                found = stored.get(pair)
                if found is None:
                    results.append(ItemResult(index, "rejected", errors=errors))
                elif found[1] != pilot_id:
                    results.append(ItemResult(index, "rejected", errors=_source_taken()))
                else:
                    results.append(ItemResult(index, "duplicate", found[0]))

        profiles = self._profiles(session, kind, pending, prepared.clients)
        rows: list[bytes] = []
        copied: list[bytes] = []
        for index, item, pseudonym, activity_type in pending:
            if kind == "referral":
                profile = referral_profile(item)
            else:
                profile = profile_for(item, profiles[(pseudonym.key_id, pseudonym.value)])
            data = event_data(
                kind, item, pseudonym, profile, activity_type, principals[index].organisation
            )
            case = by_case.get(index)
            if case is not None:
                # The other pseudonyms the case is known by (those its opening carried).
                if case.other_pseudonyms:
                    data["earlier_pseudonyms"] = dict(case.other_pseudonyms)
            elif self.pseudonymiser.earlier_key_ids:
                data["earlier_pseudonyms"] = earlier_pseudonyms(item, self.pseudonymiser)
            event = Envelope.new(
                EVENT_TYPES[kind], SOURCE, data, subject=f"pilot/{item['pilot_id']}"
            )
            pair = (item["source_system"], item["source_id"])
            prepared.events[pair] = event.id
            prepared.indexes.append((index, pair))
            columns = (
                b""
                if for_copy
                else orjson.dumps(
                    {
                        "id": event.id,
                        "kind": kind,
                        "source_system": pair[0],
                        "source_id": pair[1],
                        "pilot_id": item["pilot_id"],
                        "key_id": pseudonym.key_id,
                        "pseudonym": pseudonym.value,
                        "import_id": import_id,
                    }
                )
            )
            if for_copy:
                # The data serialised once, for its column and inside the message body.
                data_json = orjson.dumps(data)
                body = event.to_dict() | {"data": orjson.Fragment(data_json)}
                copied.append(
                    _copy_row(
                        event.id,
                        kind,
                        pair[0],
                        pair[1],
                        item["pilot_id"],
                        pseudonym.key_id,
                        pseudonym.value,
                        import_id,
                        str(row_numbers[index]) if row_numbers is not None else None,
                        event.type,
                        orjson.dumps(event.amqp_headers()),
                        orjson.dumps(body),
                        data_json,
                    )
                )
            else:
                # serialised here, where the CPU is: the columns and the outbox row in one object
                rows.append(columns[:-1] + b"," + event.serialized().outbox_row[1:])
        prepared.rows = (b"[" + b",".join(rows) + b"]").decode()
        if for_copy:
            prepared.copy_rows = b"".join(copied)
        return prepared

    def write(
        self,
        uow: UnitOfWork,
        prepared: Prepared,
        extra: Callable[[UnitOfWork, list[ItemResult]], None] | None = None,
    ) -> list[ItemResult]:
        """Store the prepared events with their outbox rows, run ``extra``, and commit."""
        results = self.store(uow, prepared)
        if extra is not None:
            extra(uow, results)
        uow.commit()
        return results

    def store(self, uow: UnitOfWork, prepared: Prepared) -> list[ItemResult]:
        """Store the prepared events and queue them for the outbox, without committing. An item
        stored meanwhile by someone else (a concurrent request, an earlier batch) is reported as
        its duplicate."""
        session = uow.session
        events = prepared.events
        inserted = _store_events(session, prepared)
        originals = _event_ids(
            session, prepared.kind, {p for p, e in events.items() if e not in inserted}
        )
        results = list(prepared.results)

        def twin(index: int, pair: tuple[str, str]) -> ItemResult:
            """An item stored first by a concurrent request or an earlier batch."""
            original, pilot_id = originals.get(pair, (events[pair], prepared.pilots[pair]))
            if pilot_id != prepared.pilots[pair]:
                return ItemResult(index, "rejected", errors=_source_taken())
            return ItemResult(index, "duplicate", original)

        for index, pair in prepared.indexes:
            event_id = events[pair]
            if event_id in inserted:  # and queued in the outbox by the same statement
                results.append(ItemResult(index, "accepted", event_id))
            else:
                results.append(twin(index, pair))
        for index, pair in prepared.repeated:
            results.append(twin(index, pair))
        results.sort(key=lambda r: r.index)
        return results

    def _profiles(
        self, session: Any, kind: str, pending: list[Any], clients: list[dict[str, Any]]
    ) -> dict[tuple[str, str], ClientProfile]:
        """Referrals state the client's profile (collected into ``clients``, to be stored); other
        items read it (or 'unknown')."""
        if kind == "referral":
            rows = {}
            for _, item, pseudonym, _ in pending:
                p = referral_profile(item)
                rows[(pseudonym.key_id, pseudonym.value)] = {
                    "key_id": pseudonym.key_id,
                    "pseudonym": pseudonym.value,
                    "birth_year": p.birth_year,
                    "birth_month": p.birth_month,
                    "gender": p.gender,
                    "home_region": p.home_region,
                }
            clients.extend(rows.values())
            return {}
        keys = {(p.key_id, p.value) for _, _, p, _ in pending}
        found: dict[tuple[str, str], ClientProfile] = {}
        if keys:
            document = orjson.dumps([{"key_id": k, "pseudonym": p} for k, p in keys]).decode()
            cursor = driver_execute(session, _CLIENTS, {"keys": document})
            for key_id, value, birth_year, birth_month, gender, region in cursor.fetchall():
                found[(key_id, value)] = ClientProfile(
                    birth_year, birth_month, gender or "unknown", region
                )
        unknown = ClientProfile()
        return {key: found.get(key, unknown) for key in keys}


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


def _event_ids(
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


def _store_events(session: Any, prepared: Prepared) -> set[str]:
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


def _copy_row(*values: str | bytes | None) -> bytes:
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


class ReferenceData:
    """An in-process snapshot of the reference-data copy (pilots, activities, instruments), read
    again when older than ``max_age`` seconds. They are few and change seldom; reading them for
    every request would cost more round trips than the items themselves. A pilot closed or an
    activity added is therefore seen within ``max_age``."""

    def __init__(self, max_age: float = 2.0) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._loaded_at = -max_age
        self._tables: tuple[dict[str, Any], dict[str, Any], dict[str, Any]] = ({}, {}, {})

    def snapshot(self, session: Any) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        with self._lock:
            if time.monotonic() - self._loaded_at >= self.max_age:
                self._tables = (
                    {r.id: r for r in session.execute(sa.select(pilot_ref))},
                    {r.id: r for r in session.execute(sa.select(activity_ref))},
                    {r.code: r for r in session.execute(sa.select(instrument_ref))},
                )
                self._loaded_at = time.monotonic()
            return self._tables

    def invalidate(self) -> None:
        with self._lock:
            self._loaded_at = -self.max_age


def _submits_for(principal: Principal, pilot_id: str) -> bool:
    return principal.role == "admin" or pilot_id in principal.pilots


def _reference_errors(
    kind: str,
    item: dict[str, Any],
    principal: Principal,
    pilots: dict,
    activities: dict,
    instruments: dict,
    cases: dict[str, MappedCase],
) -> list[dict[str, str]]:
    """Checks against the reference data copy, the case map and the caller's pilots."""
    errors: list[dict[str, str]] = []
    pilot = pilots.get(item["pilot_id"])
    if pilot is None:
        return _error("#/pilot_id", "Unknown pilot.")
    if not _submits_for(principal, item["pilot_id"]):
        return _error("#/pilot_id", "Not one of your pilots.")
    if not pilot.active:
        errors += _error("#/pilot_id", "The pilot is not active.")
    if "case_id" in item:
        # Unknown, anonymised or another pilot's: the same answer, telling nothing of which.
        case = cases.get(item["case_id"])
        if case is None or not case.takes_items_of(item["pilot_id"]):
            errors += _error("#/case_id", NOT_AN_OPEN_CASE)
    if kind == "participation":
        activity = activities.get(item["activity_id"])
        if activity is None or activity.pilot_id != item["pilot_id"]:
            errors += _error("#/activity_id", "Unknown activity for this pilot.")
    if kind == "outcome":
        instrument = instruments.get(item["instrument"])
        if instrument is None or not instrument.active:
            errors += _error("#/instrument", "Not an instrument of the catalogue.")
        else:
            low, high = instrument.min_value, instrument.max_value
            if (low is not None and item["value"] < float(low)) or (
                high is not None and item["value"] > float(high)
            ):
                errors += _error(
                    "#/value", f"Must be between {low} and {high} for this instrument."
                )
    return errors
