"""The events the notifications service consumes: one `ConsumerSpec` per queue, and its handlers.

``rules`` keeps the copy of the pilots and their members (``pilot.published``, which also tells
the events that waited for their pilot) and applies the rules to every event a rule covers: it
writes inbox items and deliveries, never sends. Its handlers are the use cases of
``usecases/fanout.py`` (what happens when an event comes); a batch of events takes the locks of
the pilots it will write gathered items for (or wait for) first, in one order (``on_events``).
The ``dead-letters`` watcher (`consumers/dead_letters.py`) consumes the raw messages any consumer
dead-lettered. The ``sender``, a poller, is in ``workers/sender.py``.
"""

from services.notifications.domain.rules import RULES
from services.notifications.usecases.fanout import (
    on_event,
    on_events,
    on_pilot_published,
    on_pilots_published,
)
from shared.messaging.consumer import ConsumerSpec
from shared.messaging.events import EventType

RULES_CONSUMER = ConsumerSpec(
    "notifications",
    "rules",
    {EventType.PILOT_PUBLISHED.value: on_pilot_published}
    | dict.fromkeys(map(str, RULES), on_event),
    batch_handlers=dict.fromkeys(map(str, RULES), on_events)
    | {EventType.PILOT_PUBLISHED.value: on_pilots_published},
)

CONSUMERS: tuple[ConsumerSpec, ...] = (RULES_CONSUMER,)
