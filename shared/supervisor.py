"""A small foreground process supervisor for ``turvaverkko run``.

It starts every process, prefixes each output line with the process name, restarts a process that
dies (with back-off), and on Ctrl-C or SIGTERM stops them all: SIGTERM first, SIGKILL for any
still running after the grace period.

Each process leads a process group of its own, and signals go to the whole group: what a process
started (the import worker's preparers, say) ends with it, and what is left of the group of a
process that died is killed before the process is started again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO


@dataclass
class ProcessSpec:
    name: str
    argv: Sequence[str]
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class _Running:
    spec: ProcessSpec
    process: subprocess.Popen[bytes]
    started: float
    restarts: int = 0


class Supervisor:
    def __init__(
        self, specs: Sequence[ProcessSpec], grace_seconds: float = 10.0, out: IO[str] | None = None
    ) -> None:
        self.specs = list(specs)
        self.grace_seconds = grace_seconds
        self.out = out or sys.stdout
        self._width = max(len(s.name) for s in self.specs)
        self._stop = threading.Event()
        self._print_lock = threading.Lock()
        self._running: dict[str, _Running] = {}

    def say(self, name: str, line: str) -> None:
        with self._print_lock:
            self.out.write(f"{name.ljust(self._width)} | {line}\n")
            self.out.flush()

    def _start(self, spec: ProcessSpec, restarts: int = 0) -> None:
        process = subprocess.Popen(
            list(spec.argv),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **spec.env},
            start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops the children
        )
        self._running[spec.name] = _Running(spec, process, time.monotonic(), restarts)
        threading.Thread(target=self._pump, args=(spec.name, process), daemon=True).start()

    def _pump(self, name: str, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            self.say(name, raw.decode("utf-8", "replace").rstrip())

    def run(self) -> int:
        """Run until interrupted; returns the exit status for the command."""
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            for spec in self.specs:
                self._start(spec)
            while not self._stop.wait(0.5):
                self._restart_dead()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.say("supervisor", f"{signal.Signals(signum).name}: stopping every process")
        self._stop.set()

    def _restart_dead(self) -> None:
        for name, running in list(self._running.items()):
            code = running.process.poll()
            if code is None:
                continue
            _signal_group(running.process.pid, signal.SIGKILL)  # what it left running
            uptime = time.monotonic() - running.started
            restarts = 0 if uptime > 60 else running.restarts + 1
            delay = min(30.0, 0.5 * 2 ** min(restarts, 6))
            self.say("supervisor", f"{name} exited with {code}; restarting in {delay:.1f}s")
            if self._stop.wait(delay):
                return
            self._start(running.spec, restarts)

    def _stop_all(self) -> None:
        for running in self._running.values():
            _signal_group(running.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        for running in self._running.values():
            remaining = max(0.0, deadline - time.monotonic())
            try:
                running.process.wait(remaining)
            except subprocess.TimeoutExpired:
                self.say("supervisor", f"{running.spec.name} did not stop; killing it")
                running.process.kill()
                running.process.wait()
            # Whatever of its group outlived it (children that ignored SIGTERM or were orphaned).
            _signal_group(running.process.pid, signal.SIGKILL)
        self.say("supervisor", "all processes stopped")


def _signal_group(leader: int, signum: int) -> None:
    """Signal the process group a child leads (it was started in a session of its own)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(leader, signum)
