"""The multiprocessing harness: the simulated job, its events, and how the program ends.

The program's exits are tested through the program itself, in a child
interpreter in its own process group (as a terminal runs a command), on two
ten-second jobs: every pattern takes the same flags.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from concurrent.futures import CancelledError
from pathlib import Path

import pytest

from __package__.harness import Config, CpuWork, InjectedFailureError, Recorder
from __package__.harness.program import SimulatedJob, record
from __package__.outcome import Outcome

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LONG_RUN = ["--jobs", "2", "--workers", "2", "--work-ms", "10000", "--work", "io"]
LONG_RUN += ["--timeout-ms", "60000", "--json"]


def test_a_simulated_job_waits_or_computes_then_gives_the_result() -> None:
    assert SimulatedJob(work_ms=1, fail_every=0)(4) == 8
    with pytest.raises(InjectedFailureError):
        SimulatedJob(work_ms=0, fail_every=2)(4)
    assert SimulatedJob(work_ms=5, fail_every=0, cpu=CpuWork(1000))(3) == 6


def test_a_simulated_job_pickles_to_a_worker_process() -> None:
    job = SimulatedJob(work_ms=5, fail_every=3, cpu=CpuWork(1000))
    assert pickle.loads(pickle.dumps(job)) == job


def test_each_outcome_ends_its_job_with_one_event() -> None:
    config = Config(
        pattern="test",
        target="test",
        jobs=3,
        workers=1,
        work_ms=0,
        work="io",
        fail_every=0,
        timeout_ms=1000,
        buffer=1,
        drain_ms=0,
        json=True,
    )
    out = io.StringIO()
    recorder = Recorder(config, out=out)
    for job in (1, 2, 3):
        recorder.submit(job)
    record(recorder, Outcome(1, 2))
    record(recorder, Outcome(2, error=ValueError("bad")))
    record(recorder, Outcome(3, error=CancelledError()))
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(e["event"], e["job"]) for e in events] == [
        ("done", 1),
        ("fail", 2),
        ("cancel", 3),
    ]


def start_program(*flags: str, **streams: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-X", "dev", "-m", "__package__", *flags],
        cwd=PROJECT_ROOT,
        stdout=streams.get("stdout", subprocess.PIPE),
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_two_starts(program: subprocess.Popen[str]) -> None:
    assert program.stdout is not None
    starts = 0
    while starts < 2:
        line = program.stdout.readline()
        assert line, "the program ended before its jobs started"
        starts += json.loads(line)["event"] == "start"


def live_processes_in_group(group: int) -> list[int]:
    """The pids of the process group's members that are not zombies."""
    listing = subprocess.run(
        ["ps", "-A", "-o", "pid=", "-o", "pgid=", "-o", "stat="],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    members = [line.split() for line in listing.splitlines()]
    return [
        int(pid)
        for pid, pgid, stat in members
        if int(pgid) == group and not stat.startswith("Z")
    ]


def assert_nothing_outlives(program: subprocess.Popen[str]) -> None:
    """Fail unless the program's whole process group ends within 3 seconds.

    multiprocessing's helpers (the forkserver, the resource tracker) end by
    themselves once the program has: they see its end of their pipes close.
    """
    deadline = time.monotonic() + 3
    while (
        left := live_processes_in_group(program.pid)
    ) and time.monotonic() < deadline:
        time.sleep(0.05)
    if left:
        os.killpg(program.pid, signal.SIGKILL)
        pytest.fail(f"processes of the program's group outlived it: {left}")


@pytest.mark.timeout(60)
def test_a_second_signal_exits_130_at_once_and_leaves_nothing() -> None:
    with start_program(*LONG_RUN) as program:
        wait_for_two_starts(program)
        os.killpg(program.pid, signal.SIGINT)
        time.sleep(0.2)
        os.kill(program.pid, signal.SIGTERM)
        stdout, stderr = program.communicate(timeout=10)
    # Exiting at once skips the finalizers of producer-consumer's queue: the
    # resource tracker then unlinks its semaphores itself and says so. That
    # warning is all stderr may hold.
    tracker_warnings = ("resource_tracker: There appear to be", "warnings.warn(")
    unexpected = [
        line
        for line in stderr.splitlines()
        if not any(warning in line for warning in tracker_warnings)
    ]
    assert (program.returncode, unexpected) == (130, [])
    assert json.loads(stdout.splitlines()[-1])["event"] == "summary"
    assert_nothing_outlives(program)


@pytest.mark.timeout(60)
def test_a_reader_gone_ends_the_run_with_141_and_leaves_nothing() -> None:
    # stdout is a pipe whose reader has already gone (``--json | head -1``):
    # the first event fails, and the program kills its children and exits,
    # quietly, where it would otherwise wait for ten-second jobs. Without
    # -W error, which would turn a warning at exit (from the resource
    # tracker, say) into an exception that prints nothing.
    reader, writer = os.pipe()
    os.close(reader)
    started = time.monotonic()
    with start_program(*LONG_RUN, stdout=writer) as program:
        os.close(writer)
        _, stderr = program.communicate(timeout=20)
    assert (program.returncode, stderr) == (141, "")
    assert time.monotonic() - started < 8  # not after the ten-second jobs
    assert_nothing_outlives(program)
