"""Every event type that crosses a service boundary, in one place.

The type is also the routing key on the events exchange, so a consumer binds its queue to the
types it handles. Adding an event type starts here.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    # intake → pilots, notifications
    REFERRAL_RECEIVED = "referral.received"
    PARTICIPATION_RECORDED = "participation.recorded"
    OUTCOME_RECORDED = "outcome.recorded"
    IMPORT_FINISHED = "import.finished"
    IMPORT_FAILED = "import.failed"
    # pilots → intake (reference data), notifications
    PILOT_PUBLISHED = "pilot.published"
    ACTIVITY_PUBLISHED = "activity.published"
    INSTRUMENT_PUBLISHED = "instrument.published"
    #: A case opened by a referral (a first one, or a new episode after a closed or declined
    #: case): its id, case code, pilot, the young person's pseudonym (for intake's case map
    #: only) and the opening referral's source, so the referring system learns the case code.
    CASE_OPENED = "case.opened"
    #: A case past its retention time made anonymous: the pseudonym link is gone.
    CASE_ANONYMISED = "case.anonymised"
    CASE_TRANSITIONED = "case.transitioned"
    CASE_IDLE = "case.idle"
    TASK_DUE = "task.due"
    TASK_OVERDUE = "task.overdue"
    LIFECYCLE_PHASE_CHANGED = "lifecycle.phase_changed"
    # platform
    MESSAGE_DEAD_LETTERED = "message.dead_lettered"
    #: A diagnostic event that checks the whole path: outbox → relay → broker → consumer.
    PLATFORM_PROBE = "platform.probe"


ALL_EVENT_TYPES: frozenset[str] = frozenset(t.value for t in EventType)
