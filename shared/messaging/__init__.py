"""Messaging over RabbitMQ: the CloudEvents envelope, the event catalogue, the topology, the
transactional outbox and its relay, and the idempotent consumer base."""
