"""`turvaverkko run` as a test starts it: this session's databases and vhost, free ports."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from shared.config import Settings
from tests.conftest import ROOT, worker_environment
from tests.support.workers import wait_until

TURVAVERKKO = str(Path(sys.executable).parent / "turvaverkko")
SERVICE_NAMES = ("intake", "pilots", "notifications")
#: The ports a stack listens on: each service's and the web process's (the one origin).
PORT_NAMES = (*SERVICE_NAMES, "web")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as r:
            return json.load(r)["status"] == "ready"
    except OSError:
        return False


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    ports: dict[str, int]
    #: Everything printed so far: read as it comes by a thread of its own, so that a busy stack
    #: never fills the pipe and blocks on its own logging (the demo's traffic once did).
    lines: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.reader = threading.Thread(
            target=lambda: self.lines.extend(self.process.stdout or ()), daemon=True
        )
        self.reader.start()

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> str:
        """Ctrl-C, as a person would; returns everything the supervisor printed."""
        import signal

        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=40)
        finally:
            self.process.kill()
            if self.reader is not None:
                self.reader.join(timeout=10)
            if self.process.stdout is not None:
                self.process.stdout.close()
        return self.output


def start_stack(
    settings: Settings, run_dir: Path, wait_for: tuple[str, ...] = SERVICE_NAMES
) -> RunningStack:
    """Start `turvaverkko run` and wait until the named services answer /health/ready."""
    ports = {name: free_port() for name in PORT_NAMES}
    env = (
        worker_environment(settings)
        | {f"TURVAVERKKO_{name.upper()}_PORT": str(port) for name, port in ports.items()}
        | {"TURVAVERKKO_RUN_DIR": str(run_dir), "TURVAVERKKO_WEB_WORKERS": "1"}
    )
    process = subprocess.Popen(
        [TURVAVERKKO, "run"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stack = RunningStack(process, ports)
    try:
        wait_until(
            lambda: all(ready(ports[s]) for s in wait_for) or process.poll() is not None,
            60,
            f"{', '.join(wait_for)} to be ready",
            interval=0.25,
        )
    except AssertionError:
        raise AssertionError(stack.stop()) from None
    assert process.poll() is None, stack.stop()
    return stack
