"""The events, the summary and the exit codes."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from __package__.harness import Config, InjectedFailureError, Recorder, parse_config

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "__package__"
# What a child process runs before the test's own lines: a recorder of JSON.
CHILD = f"""
import sys, threading
from {PACKAGE}.harness import Recorder, parse_config
config = parse_config(["--json"], pattern="worker-pool", target="go",
                      description="", jobs=5, work_ms=500)
"""


def config(*, json: bool = True) -> Config:
    flags = ["--json"] if json else []
    return parse_config(
        flags, pattern="worker-pool", target="go", description="", jobs=5, work_ms=500
    )


def run_python(
    script: str, stdout: int = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    """Run ``CHILD`` and ``script`` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", CHILD + script],
        cwd=PROJECT_ROOT,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=30,
        check=False,
    )


def record_every_event(recorder: Recorder) -> None:
    for job in (1, 4, 5):
        recorder.submit(job)
    recorder.start(4, worker=2)
    recorder.done(4, 8)
    recorder.timeout(1)
    recorder.cancel(5)
    recorder.produce(3)
    recorder.consume(3, worker=2)
    recorder.ready()
    recorder.stopping(signal.SIGTERM)
    recorder.start(3)
    recorder.fail(3, InjectedFailureError())
    recorder.finish()


def test_json_lines_are_exactly_the_contract_s() -> None:
    out = io.StringIO()
    record_every_event(Recorder(config(json=True), out=out))
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    times = [event.pop("t_ms", None) or event.pop("elapsed_ms") for event in events]
    assert times == sorted(times)
    assert events == [
        {"event": "start", "job": 4, "worker": 2},
        {"event": "done", "job": 4, "worker": 2, "result": 8},
        {"event": "timeout", "job": 1},
        {"event": "cancel", "job": 5},
        {"event": "produce", "job": 3},
        {"event": "consume", "job": 3, "worker": 2},
        {"event": "ready"},
        {"event": "stopping", "signal": "SIGTERM"},
        {"event": "start", "job": 3, "worker": 2},
        {"event": "fail", "job": 3, "worker": 2, "error": "injected failure"},
        {
            "event": "summary",
            "pattern": "worker-pool",
            "target": "go",
            "submitted": 4,
            "completed": 1,
            "failed": 1,
            "timed_out": 1,
            "cancelled": 1,
            "max_concurrency": 1,
        },
    ]
    lines = [list(json.loads(line)) for line in out.getvalue().splitlines()]
    assert lines[1] == ["event", "job", "worker", "t_ms", "result"]
    assert lines[7] == ["event", "signal", "t_ms"]


def test_human_lines_are_exactly_the_contract_s() -> None:
    out = io.StringIO()
    record_every_event(Recorder(config(json=False), out=out))
    lines = out.getvalue().splitlines()
    assert lines[:-1] == [
        "worker 2 processing job 4",
        "job 4 done: 8",
        "job 1: request timed out after 1000 ms",
        "job 5 cancelled",
        "produced 3",
        "consumed 3",
        "ready: press Ctrl-C or send SIGTERM to stop",
        "received SIGTERM: stopping intake, draining in-flight jobs (up to 5000 ms)",
        "worker 2 processing job 3",
        "job 3 failed: injected failure",
    ]
    assert lines[-1].startswith(
        "summary: 4 submitted, 1 completed, 1 failed, 1 timed out, 1 cancelled,"
        " max concurrency 1, "
    )
    assert lines[-1].endswith(" ms (worker-pool on go)")


def test_start_without_a_worker_and_a_failure_without_a_message() -> None:
    out = io.StringIO()
    recorder = Recorder(config(json=False), out=out)
    recorder.submit(1)
    recorder.start(1)
    recorder.fail(1, RuntimeError())
    assert out.getvalue().splitlines() == [
        "job 1 started",
        "job 1 failed: RuntimeError",
    ]


def test_a_start_learnt_late_is_written_at_the_time_it_happened() -> None:
    out = io.StringIO()
    recorder = Recorder(config(), out=out)
    began = time.monotonic()
    recorder.submit(1)
    time.sleep(0.2)  # as a parent reading a worker's report late
    recorder.consume(1, 2, began)
    recorder.start(1, 2, began)
    recorder.done(1, 2)
    consumed, started, done = (json.loads(line) for line in out.getvalue().splitlines())
    assert consumed["t_ms"] == started["t_ms"] < done["t_ms"] - 150


def summary_of(out: io.StringIO) -> dict[str, object]:
    summary: dict[str, object] = json.loads(out.getvalue().splitlines()[-1])
    assert summary["event"] == "summary"
    return summary


def test_max_concurrency_is_the_most_jobs_running_at_once() -> None:
    out = io.StringIO()
    recorder = Recorder(config(), out=out)
    for job in range(1, 5):
        recorder.submit(job)
    recorder.start(1)
    recorder.start(2)
    recorder.done(1, 2)
    recorder.start(3)
    recorder.timeout(3)
    recorder.start(4)
    recorder.done(4, 8)
    recorder.done(2, 4)
    recorder.finish()
    summary = summary_of(out)
    assert summary["max_concurrency"] == 2
    assert (summary["submitted"], summary["completed"], summary["timed_out"]) == (
        4,
        3,
        1,
    )


@pytest.mark.parametrize(
    ("ending", "interrupted", "exit_code"),
    [
        ("done", False, 0),
        ("timeout", False, 0),
        ("fail", False, 1),
        ("cancel", False, 1),
        ("done", True, 130),
    ],
)
def test_exit_code_follows_the_outcomes(
    ending: str, interrupted: bool, exit_code: int
) -> None:
    recorder = Recorder(config(), out=io.StringIO())
    recorder.submit(1)
    recorder.start(1)
    {
        "done": lambda: recorder.done(1, 2),
        "timeout": lambda: recorder.timeout(1),
        "fail": lambda: recorder.fail(1, InjectedFailureError()),
        "cancel": lambda: recorder.cancel(1),
    }[ending]()
    assert recorder.finish(interrupted=interrupted) == exit_code


def test_no_jobs_is_a_summary_of_zeros_and_exit_0() -> None:
    out = io.StringIO()
    assert Recorder(config(), out=out).finish() == 0
    assert summary_of(out)["submitted"] == summary_of(out)["max_concurrency"] == 0


@pytest.mark.parametrize(
    "misuse",
    [
        lambda r: r.done(9, 18),
        lambda r: r.start(9),
        lambda r: r.start(9, worker=1),
        lambda r: r.consume(9, worker=1),
        lambda r: (r.done(1, 2), r.fail(1, InjectedFailureError())),
        lambda r: (r.cancel(1), r.start(1)),
    ],
)
def test_an_event_for_a_job_that_is_not_open_raises(
    misuse: Callable[[Recorder], object],
) -> None:
    recorder = Recorder(config(), out=io.StringIO())
    recorder.submit(1)
    with pytest.raises(KeyError):
        misuse(recorder)


def test_cancel_unfinished_cancels_open_jobs_in_id_order() -> None:
    out = io.StringIO()
    recorder = Recorder(config(json=False), out=out)
    for job in (3, 1, 2):
        recorder.submit(job)
    recorder.start(2, worker=1)
    recorder.cancel_unfinished()
    assert out.getvalue().splitlines()[-3:] == [
        "job 1 cancelled",
        "job 2 cancelled",
        "job 3 cancelled",
    ]


def test_nothing_is_written_after_the_summary() -> None:
    out = io.StringIO()
    recorder = Recorder(config(), out=out)
    recorder.submit(1)
    recorder.start(1)
    recorder.finish()
    written = out.getvalue()
    recorder.done(1, 2)
    recorder.stopping(signal.SIGINT)
    recorder.finish()
    assert out.getvalue() == written


def test_events_from_many_threads_stay_whole_and_counted() -> None:
    out = io.StringIO()
    recorder = Recorder(config(), out=out)
    threads_count, jobs_per_thread = 8, 200
    barrier = threading.Barrier(threads_count)

    def record(first_job: int) -> None:
        barrier.wait()
        for job in range(first_job, first_job + jobs_per_thread):
            recorder.submit(job)
            recorder.start(job, worker=first_job)
            recorder.done(job, job * 2)

    threads = [
        threading.Thread(target=record, args=(1 + n * jobs_per_thread,))
        for n in range(threads_count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorder.finish()
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    total = threads_count * jobs_per_thread
    assert len(events) == 2 * total + 1
    assert (events[-1]["submitted"], events[-1]["completed"]) == (total, total)
    assert 1 <= events[-1]["max_concurrency"] <= threads_count
    times = [event["t_ms"] for event in events[:-1]]
    assert times == sorted(times)


def test_exit_now_cancels_open_jobs_writes_the_summary_and_exits_130() -> None:
    result = run_python("""
recorder = Recorder(config)
for job in (1, 2, 3):
    recorder.submit(job)
recorder.start(1, worker=2)
recorder.done(1, 2)
recorder.start(2, worker=1)
recorder.exit_now()
print("still running")
""")
    assert result.returncode == 130, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["event"], e.get("job"), e.get("worker")) for e in events] == [
        ("start", 1, 2),
        ("done", 1, 2),
        ("start", 2, 1),
        ("cancel", 2, 1),
        ("cancel", 3, None),
        ("summary", None, None),
    ]


def test_exit_now_in_the_middle_of_an_event_lets_its_line_finish_first() -> None:
    # A signal handler runs in the main thread between two bytecodes, so it can
    # interrupt the recorder half way through an event: here, inside write().
    result = run_python("""
import io
class InterruptedOnce(io.StringIO):
    def write(self, text):
        if "start" in text:
            recorder.exit_now()
        sys.stdout.write(text)
        return len(text)

recorder = Recorder(config, out=InterruptedOnce())
recorder.submit(1)
recorder.start(1, worker=1)
print("still running")
""")
    assert result.returncode == 130, result.stderr
    events = [json.loads(line)["event"] for line in result.stdout.splitlines()]
    assert events == ["start", "cancel", "summary"]


def test_exit_now_from_a_signal_handler_exits_130_at_once() -> None:
    script = """
import signal
recorder = Recorder(config)
recorder.submit(1)
recorder.start(1, worker=1)
signal.signal(signal.SIGTERM, lambda _signum, _frame: recorder.exit_now())
recorder.ready()
threading.Event().wait(30)  # a drain that would never end by itself
"""
    with subprocess.Popen(
        [sys.executable, "-X", "dev", "-W", "error", "-c", CHILD + script],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        assert json.loads(child.stdout.readline())["event"] == "start"
        assert json.loads(child.stdout.readline())["event"] == "ready"
        child.send_signal(signal.SIGTERM)
        rest = [json.loads(line)["event"] for line in child.stdout]
        assert child.wait(timeout=10) == 130
    assert rest == ["cancel", "summary"]


def test_a_closed_stdout_ends_the_run_quietly_with_141_from_any_thread() -> None:
    # As once `head -1` has its line and exits: the first write fails.
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = run_python(
            """
def before_exit():
    print("before exit", file=sys.stderr)

recorder = Recorder(config, before_exit=before_exit)
recorder.submit(1)
worker = threading.Thread(target=recorder.start, args=(1, 1))
worker.start()
worker.join()
print("still running", file=sys.stderr)
""",
            stdout=writer,
        )
    finally:
        os.close(writer)
    assert result.returncode == 141  # 128 + SIGPIPE, as if killed by it
    assert result.stderr == "before exit\n"
