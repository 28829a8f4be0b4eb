"""The events the notifications service consumes: one `ConsumerSpec` per queue."""

from shared.messaging.consumer import ConsumerSpec

CONSUMERS: tuple[ConsumerSpec, ...] = ()
