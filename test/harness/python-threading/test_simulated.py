"""Tests of the threading harness: simulated work that a stop ends, and its events."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import CancelledError
from pathlib import Path

import pytest

from __package__.harness import (
    CpuWork,
    InjectedFailureError,
    Recorder,
    parse_config,
)
from __package__.harness.simulated import (
    TARGET,
    SimulatedWork,
    report,
)
from __package__.outcome import (
    Outcome,
)


@pytest.fixture(scope="module")
def cpu() -> CpuWork:
    return CpuWork.calibrate()


@pytest.mark.parametrize("kind", ["io", "cpu"])
def test_work_stops_soon_after_its_stop_is_set(kind: str, cpu: CpuWork) -> None:
    work = SimulatedWork(ms=10_000, cpu=cpu if kind == "cpu" else None)
    stop = threading.Event()
    timer = threading.Timer(0.1, stop.set)
    timer.start()
    started = time.monotonic()
    with pytest.raises(CancelledError):
        work.run(1, stop)
    timer.join()
    assert time.monotonic() - started < 3.0  # not the work's 10 s


@pytest.mark.parametrize("kind", ["io", "cpu"])
def test_work_ends_by_itself_with_the_job_s_result(kind: str, cpu: CpuWork) -> None:
    work = SimulatedWork(ms=20, cpu=cpu if kind == "cpu" else None)
    assert work.run(7, threading.Event()) == 14


def test_every_k_th_job_fails() -> None:
    work = SimulatedWork(ms=0, cpu=None, fail_every=3)
    assert work.run(2, threading.Event()) == 4
    with pytest.raises(InjectedFailureError):
        work.run(6, threading.Event())


def recorder_with_jobs(out: io.StringIO, jobs: int) -> Recorder:
    config = parse_config(
        ["--json"],
        pattern="worker-pool",
        target=TARGET,
        description="",
        jobs=jobs,
        work_ms=0,
    )
    recorder = Recorder(config, out=out)
    for job in range(1, jobs + 1):
        recorder.submit(job)
        recorder.start(job, 1)
    return recorder


def test_each_outcome_becomes_its_terminal_event() -> None:
    out = io.StringIO()
    recorder = recorder_with_jobs(out, 4)
    report(recorder, Outcome(1, value=2))
    report(recorder, Outcome(2, error=TimeoutError()))
    report(recorder, Outcome(3, error=CancelledError()))
    report(recorder, Outcome(4, error=InjectedFailureError()))
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["event"] for e in events if e["event"] != "start"] == [
        "done",
        "timeout",
        "cancel",
        "fail",
    ]


def test_an_unplanned_error_is_a_bug_and_is_raised() -> None:
    recorder = recorder_with_jobs(io.StringIO(), 1)
    with pytest.raises(ZeroDivisionError):
        report(recorder, Outcome(1, error=ZeroDivisionError()))


def files_the_readme_says_to_delete(readme: str) -> list[str]:
    """The backquoted names of the "Delete ..." sentence, and ``__main__.py``."""
    section = readme.partition("## Build your service from it")[2]
    # Up to the sentence's end or its next clause: ", and write ...".
    sentence = re.search(r"Delete\s((?:`[^`]*`|(?!,\sand\s)[^.`])*)", section)
    assert sentence, "the README says what to delete"
    return [*re.findall(r"`([^`]*)`", sentence[1]), "__main__.py"]


@pytest.mark.timeout(120)
def test_the_project_without_what_its_readme_deletes_passes_its_tests(
    tmp_path: Path,
) -> None:
    original = Path(__file__).resolve().parents[2]
    project = tmp_path / "service"
    shutil.copytree(
        original,
        project,
        ignore=shutil.ignore_patterns("harness", "__pycache__", ".*"),
    )
    readme = (original / "README.md").read_text(encoding="utf-8")
    for name in files_the_readme_says_to_delete(readme):
        where = project if name.startswith("tests/") else project / "__package__"
        path = where / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
