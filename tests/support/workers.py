"""Running relays and consumers in threads for a test, and waiting for what they do."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from shared.messaging.connection import BrokerWorker

W = TypeVar("W", bound=BrokerWorker)


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05
) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@contextmanager
def running(worker: W, timeout: float = 20) -> Iterator[W]:
    """Run a worker in a thread until the block ends; it must be ready within ``timeout``."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            worker.run()
        except BaseException as exc:
            failure.append(exc)
            raise

    thread = threading.Thread(target=target, name=worker.name, daemon=True)
    thread.start()
    try:
        if not worker.ready.wait(timeout):
            raise AssertionError(f"{worker.name} was not ready within {timeout}s: {failure}")
        yield worker
    finally:
        worker.stop()
        thread.join(30)
        assert not thread.is_alive(), f"{worker.name} did not stop within 30s"
    assert not failure, f"{worker.name} crashed: {failure[0]!r}"
