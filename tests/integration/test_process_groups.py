"""No process outlives the one that started it: a killed import worker's preparers exit by
themselves, and the supervisor ends each process's whole group — on a clean stop, and before it
restarts one that died."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from shared.config import Settings
from tests.conftest import ROOT, worker_environment
from tests.support.workers import wait_until

pytestmark = pytest.mark.integration


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1].split()[0] != "Z"  # a zombie is gone too
    except FileNotFoundError:
        return False


def _parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().split(") ", 1)[1].split()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if _parent_of(int(entry)) == pid:
                    found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


def _read_pids(process: subprocess.Popen[str], count: int) -> list[int]:
    assert process.stdout is not None
    pids: list[int] = []
    while len(pids) < count:
        line = process.stdout.readline()
        assert line, "the process ended before printing its pids"
        if line.startswith("pid "):
            pids.append(int(line.split()[1]))
    return pids


def test_the_preparers_of_a_killed_import_worker_exit_by_themselves(settings: Settings) -> None:
    script = textwrap.dedent(
        """
        import multiprocessing, os, time
        from concurrent.futures import ProcessPoolExecutor
        from services.intake.workers.imports import _start_preparer
        from shared.config import Settings

        if __name__ == "__main__":
            pool = ProcessPoolExecutor(
                2, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_preparer, initargs=(Settings.from_env(),),
            )
            for _ in range(2):  # both preparers started and initialised
                pool.submit(os.getpid).result()
            print("pid", os.getpid(), flush=True)
            time.sleep(600)
        """
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=worker_environment(settings),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        _read_pids(worker, 1)
        preparers = _children(worker.pid)
        assert preparers and all(_alive(pid) for pid in preparers)
        worker.kill()  # as the OOM killer would: no clean-up at all
        worker.wait()
        wait_until(lambda: not any(map(_alive, preparers)), 15, "the preparers to exit")
    finally:
        worker.kill()
        worker.wait()
        assert worker.stdout is not None
        worker.stdout.close()


SUPERVISED = textwrap.dedent(
    """
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    print("pid", child.pid, flush=True)
    time.sleep(600)
    """
)


def _supervisor(settings: Settings) -> subprocess.Popen[str]:
    script = (
        "import sys\n"
        "from shared.supervisor import ProcessSpec, Supervisor\n"
        f"spec = ProcessSpec('parent', [sys.executable, '-c', {SUPERVISED!r}])\n"
        "sys.exit(Supervisor([spec], grace_seconds=3).run())\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=worker_environment(settings),
        stdout=subprocess.PIPE,
        text=True,
    )


def _pid_of_line(process: subprocess.Popen[str]) -> int:
    assert process.stdout is not None
    while True:
        line = process.stdout.readline()
        assert line, "the supervisor ended early"
        if "| pid " in line:
            return int(line.rsplit(" ", 1)[1])


def test_a_clean_stop_of_the_supervisor_ends_what_its_processes_started(
    settings: Settings,
) -> None:
    supervisor = _supervisor(settings)
    try:
        grandchild = _pid_of_line(supervisor)
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(30) == 0
        wait_until(lambda: not _alive(grandchild), 10, "the grandchild to end")
    finally:
        supervisor.kill()
        supervisor.wait()
        assert supervisor.stdout is not None
        supervisor.stdout.close()


def test_what_a_killed_process_left_running_is_ended_before_it_is_restarted(
    settings: Settings,
) -> None:
    supervisor = _supervisor(settings)
    try:
        first = _pid_of_line(supervisor)
        os.kill(_parent_of(first), signal.SIGKILL)  # the supervised process dies, not its child
        second = _pid_of_line(supervisor)  # the restarted process's own child
        assert second != first
        wait_until(lambda: not _alive(first), 10, "the killed process's child to end")
        assert _alive(second)
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(30)
        assert supervisor.stdout is not None
        supervisor.stdout.close()
