"""Accepting items — referrals, participations, outcomes: the one path by which client-level data
enters, for the API's single items and lists, attendance registers and file imports alike.

Each item is validated (``domain.validation``), checked against intake's reference data, the case
map and the caller's pilots (``domain.checks``), de-duplicated by (kind, source system, source id),
pseudonymised, turned into its event (``domain.items``) and stored with the event in the outbox
(``store.items``) — all in one transaction, so nothing is half-stored. ``accept`` is what a POST
of items does: a single item shares a transaction with others arriving meanwhile
(``store.group_commit``), and an ``Idempotency-Key`` keeps the first answer for the same request.
``event_state`` is what ``GET /v1/events/{id}`` answers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from services.intake.domain.cases import MappedCase
from services.intake.domain.checks import reference_errors, source_taken
from services.intake.domain.items import (
    EVENT_TYPES,
    ClientProfile,
    ItemResult,
    earlier_pseudonyms,
    event_data,
    profile_for,
    pseudonym_of,
    referral_profile,
)
from services.intake.domain.pseudonym import Pseudonym, Pseudonymiser
from services.intake.domain.validation import Validated, validate_item, validate_items
from services.intake.store import audit, case_map, idempotency
from services.intake.store import items as items_store
from services.intake.store.group_commit import GroupCommit
from services.intake.store.items import Prepared, copy_row
from services.intake.store.reference_data import ReferenceData
from services.intake.usecases.access import works_in
from shared.db import UnitOfWork
from shared.errors import Conflict, NotFound
from shared.messaging.envelope import Envelope, source_of
from shared.principal import Principal

SOURCE = source_of("intake")


class Intake:
    """The one path by which items enter: the HTTP endpoints, attendance registers and file
    imports all use it. It holds what every request shares: the pseudonymiser, the unit of work
    factory and the reference data's snapshot."""

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
            items_store.event_ids(
                session, kind, {(i["source_system"], i["source_id"]) for _, i in loaded}
            )
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
            mine = works_in(principals[index], item["pilot_id"])
            # Only for one of the caller's pilots is an item ever a duplicate: anyone else is
            # refused below, learning nothing of what that pilot has (nor an event id).
            found = known.get(pair)
            if found is not None and mine:
                event_id, stored_pilot = found
                if stored_pilot != item["pilot_id"]:
                    # Not a duplicate, and no other pilot's event id is given away.
                    results.append(ItemResult(index, "rejected", errors=source_taken()))
                elif event_id is None:  # the same pair earlier in this batch
                    prepared.repeated.append((index, pair))
                else:
                    results.append(ItemResult(index, "duplicate", event_id))
                continue
            errors = reference_errors(kind, item, mine, pilots, activities, instruments, cases)
            if errors:
                if not look_up_stored and mine:
                    refused.append((index, pair, errors, item["pilot_id"]))
                else:
                    results.append(ItemResult(index, "rejected", errors=errors))
                continue
            activity = activities.get(item.get("activity_id") or "")
            case = cases.get(item["case_id"]) if "case_id" in item else None
            if case is not None:
                by_case[index] = case
                prepared.named_cases[index] = (case.case_id, principals[index])
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
            stored = items_store.event_ids(session, kind, {pair for _, pair, _, _ in refused})
            for index, pair, errors, pilot_id in refused:
                found = stored.get(pair)
                if found is None:
                    results.append(ItemResult(index, "rejected", errors=errors))
                elif found[1] != pilot_id:
                    results.append(ItemResult(index, "rejected", errors=source_taken()))
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
                    copy_row(
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
        inserted = items_store.store_events(session, prepared)
        originals = items_store.event_ids(
            session, prepared.kind, {p for p, e in events.items() if e not in inserted}
        )
        results = list(prepared.results)

        def twin(index: int, pair: tuple[str, str]) -> ItemResult:
            """An item stored first by a concurrent request or an earlier batch."""
            original, pilot_id = originals.get(pair, (events[pair], prepared.pilots[pair]))
            if pilot_id != prepared.pilots[pair]:
                return ItemResult(index, "rejected", errors=source_taken())
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
        if prepared.named_cases:
            _audit_named_cases(session, prepared, results)
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
        found = items_store.client_profiles(session, keys) if keys else {}
        unknown = ClientProfile()
        return {key: found.get(key, unknown) for key in keys}


@dataclass(frozen=True)
class Answer:
    """What a POST of items is answered: 201 and the result for one item accepted, 200 for a
    duplicate or a list (counts and each item's result), 422 and the errors for one item
    rejected. It is what an ``Idempotency-Key`` keeps and replays (``replayed``)."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


class IdempotencyKeyReused(Exception):
    """The ``Idempotency-Key`` was used before by this caller with another request."""


def _audit_named_cases(session: Any, prepared: Prepared, results: list[ItemResult]) -> None:
    """Recording by case is client-level work on that case: one audit entry per caller with the
    cases its accepted items named (the young person's right to know who processed their data)."""
    by_caller: dict[Principal, set[str]] = {}
    for result in results:
        named = prepared.named_cases.get(result.index)
        if named is not None and result.status == "accepted":
            by_caller.setdefault(named[1], set()).add(named[0])
    for principal, cases in by_caller.items():
        audit.record(
            session, principal, f"record_{prepared.kind}_by_case", sorted(cases), "case_work"
        )


def answer(results: list[ItemResult], single: bool) -> Answer:
    """The answer to a request of one item (``single``) or a list."""
    if single:
        result = results[0]
        if result.status == "rejected":
            return Answer(422, {"errors": result.errors})
        return Answer(201 if result.status == "accepted" else 200, result.as_dict())
    counts = {s: sum(r.status == s for r in results) for s in ("accepted", "duplicate", "rejected")}
    return Answer(
        200,
        {
            "accepted": counts["accepted"],
            "duplicates": counts["duplicate"],
            "rejected": counts["rejected"],
            "results": [r.as_dict() for r in results],
        },
    )


def caller_key(principal: Principal) -> str:
    """Whom a stored answer belongs to: the SHA-256 of the role, organisation, subject and sorted
    pilots of the token. A token with the same subject and any other of these is another caller,
    whose request is checked on its own (its pilots may not be the first one's); the hash keeps
    the subject out of the table."""
    caller = [principal.role, principal.organisation, principal.subject, sorted(principal.pilots)]
    return hashlib.sha256(orjson.dumps(caller)).hexdigest()


def fingerprint(kind: str, body: bytes) -> str:
    """What makes two requests with one ``Idempotency-Key`` the same: the kind and the body."""
    return hashlib.sha256(kind.encode() + b"\0" + body).hexdigest()


def accept(
    principal: Principal,
    intake: Intake,
    group_commit: GroupCommit,
    kind: str,
    items: list[Any],
    single: bool,
    idempotency_key: str | None = None,
    body: bytes = b"",
) -> Answer:
    """Accept what can be accepted of a request's items (``single``: one item, not a list) and
    answer for each. With an ``idempotency_key`` (and the request's ``body``), the first answer
    is kept with the items, in their transaction, and replayed to the same request sent again;
    ``IdempotencyKeyReused`` if the key came with another request, ``Conflict`` if a request with
    the key is being processed meanwhile."""
    if idempotency_key is None and single:
        # One item: stored together with other requests arriving meanwhile (see group_commit).
        result = group_commit.submit(kind, validate_item(kind, items[0]), principal)
        return answer([result], single)
    if idempotency_key is None:
        return answer(intake.submit(kind, items, principal), single)
    key = idempotency_key
    caller = caller_key(principal)
    request = fingerprint(kind, body)
    with intake.unit_of_work() as uow:
        kept = idempotency.stored_answer(uow.session, caller, key)
    if kept is not None:
        if kept.fingerprint != request:
            raise IdempotencyKeyReused()
        return Answer(kept.status, kept.body, replayed=True)

    def remember(uow: UnitOfWork, results: list[ItemResult]) -> None:
        first = answer(results, single)
        if not idempotency.keep_answer(uow.session, caller, key, request, first.status, first.body):
            # a concurrent request with the same key won; nothing is stored here
            raise Conflict("A request with this Idempotency-Key is being processed; retry it.")

    return answer(intake.submit(kind, items, principal, extra=remember), single)


def event_state(principal: Principal, uow: UnitOfWork, event_id: str) -> dict[str, Any]:
    """The state of an accepted event of the caller's pilots: stored, or published (confirmed by
    the broker); ``NotFound`` for an event of another pilot as for none."""
    with uow:
        row = items_store.event_state(uow.session, event_id)
    if row is None or not works_in(principal, row.pilot_id):
        raise NotFound("No such event among your pilots.")
    # A missing outbox row was published and later purged: rows leave only after the confirm.
    published = row.outbox_id is None or row.sent_at is not None
    return {
        "id": row.id,
        "kind": row.kind,
        "pilot_id": row.pilot_id,
        "source_system": row.source_system,
        "received_at": row.received_at,
        "state": "published" if published else "stored",
        "published_at": row.sent_at,
    }
