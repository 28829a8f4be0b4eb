"""A relay or probe consumer in its own process, optionally dying at a chosen point.

    python -m tests.support.worker_process relay SERVICE [--crash-after-confirm]
    python -m tests.support.worker_process consumer NAME [--crash-before-ack]

Dying is ``os._exit(CRASH_EXIT)``: no clean-up, no ack, no commit, as a killed process would.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from shared.config import Settings
from shared.db import UnitOfWork, make_engine, make_session_factory
from shared.messaging.connection import BrokerWorker
from shared.messaging.consumer import Consumer, Outcome
from shared.messaging.outbox import Batch, OutboxRelay
from shared.observability import configure_logging
from tests.support.probe import probe_consumer

CRASH_EXIT = 17


class RelayDyingBeforeMarkingSent(OutboxRelay):
    """Publishes a batch, receives every confirm, and dies before marking the rows sent."""

    def _finish(self, batch: Batch) -> None:
        print(f"confirmed {len(batch.acked)} rows; dying before marking them sent", flush=True)
        os._exit(CRASH_EXIT)


class ConsumerDyingBeforeAck(Consumer):
    """Commits the handler's effect, then dies before the ack reaches the broker."""

    def _settle(self, channel, delivery_tag, outcome):  # type: ignore[no-untyped-def]
        if outcome is Outcome.ACK:
            print("effect committed; dying before the ack", flush=True)
            os._exit(CRASH_EXIT)
        super()._settle(channel, delivery_tag, outcome)


def application_name(kind: str, target: str) -> str:
    return f"test-{kind}-{target}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["relay", "consumer"])
    parser.add_argument("target", help="the service (relay) or the consumer name (consumer)")
    parser.add_argument("--crash-after-confirm", action="store_true")
    parser.add_argument("--crash-before-ack", action="store_true")
    args = parser.parse_args()
    settings = Settings.from_env()
    configure_logging(f"test-{args.kind}", "INFO")
    worker: BrokerWorker
    # Named, so that a test can wait until this process's database sessions are over: a COMMIT
    # it sent just before dying may still be processed after it has gone.
    name = application_name(args.kind, args.target)
    if args.kind == "relay":
        engine = make_engine(settings.database_url(args.target), application_name=name)
        cls = RelayDyingBeforeMarkingSent if args.crash_after_confirm else OutboxRelay
        worker = cls(settings, engine, args.target)
    else:
        engine = make_engine(settings.database_url("notifications"), application_name=name)
        sessions = make_session_factory(engine)
        cls = ConsumerDyingBeforeAck if args.crash_before_ack else Consumer
        worker = cls(settings, probe_consumer(args.target), lambda: UnitOfWork(sessions))
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    worker.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
