"""The events the pilots service consumes: one `ConsumerSpec` per queue.

``case-events`` builds case timelines from what intake publishes: a referral opens a case, a
participation or an outcome lands on the young person's timeline (and may move the case) —
``usecases/case_events.py`` says how.
``aggregates`` keeps the roll-up of distinct young people behind the coordinators' tables.
"""

from services.pilots.usecases import rollup
from services.pilots.usecases.case_events import (
    on_outcome,
    on_outcomes,
    on_participation,
    on_participations,
    on_referral,
    on_referrals,
)
from shared.config import Settings
from shared.messaging.consumer import ConsumerSpec, unconfigured
from shared.messaging.events import EventType

CASE_EVENTS = ConsumerSpec(
    "pilots",
    "case-events",
    {
        EventType.REFERRAL_RECEIVED.value: on_referral,
        EventType.PARTICIPATION_RECORDED.value: on_participation,
        EventType.OUTCOME_RECORDED.value: on_outcome,
    },
    # A batched message in a few set-based statements, its locks taken in one global order.
    batch_handlers={
        EventType.REFERRAL_RECEIVED.value: on_referrals,
        EventType.PARTICIPATION_RECORDED.value: on_participations,
        EventType.OUTCOME_RECORDED.value: on_outcomes,
    },
)

#: The roll-up behind the coordinators' aggregates: one upsert per event, never a re-scan.
_ROLLED_UP = (
    EventType.REFERRAL_RECEIVED.value,
    EventType.PARTICIPATION_RECORDED.value,
    EventType.OUTCOME_RECORDED.value,
)


def _aggregates(settings: Settings) -> ConsumerSpec:
    handlers = rollup.Rollup(settings)
    return ConsumerSpec(
        "pilots",
        "aggregates",
        dict.fromkeys(_ROLLED_UP, handlers.add_event),
        batch_handlers=dict.fromkeys(_ROLLED_UP, handlers.add_events),
    )


#: Its handlers are made from the consumer's settings (the record-key secret) as it is built.
AGGREGATES = ConsumerSpec(
    "pilots", "aggregates", dict.fromkeys(_ROLLED_UP, unconfigured), configure=_aggregates
)

CONSUMERS: tuple[ConsumerSpec, ...] = (CASE_EVENTS, AGGREGATES)
