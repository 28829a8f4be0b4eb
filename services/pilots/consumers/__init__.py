"""The events the pilots service consumes: one `ConsumerSpec` per queue."""

from shared.messaging.consumer import ConsumerSpec

CONSUMERS: tuple[ConsumerSpec, ...] = ()
