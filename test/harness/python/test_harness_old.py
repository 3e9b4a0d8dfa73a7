"""Tests of the program's plumbing: flags, events, summary, exit codes, work."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from <%= packageName %> import harness
from <%= packageName %>.harness import (
    Config,
    CpuWork,
    InjectedFailureError,
    Recorder,
    StopSignals,
    burn,
    job_result,
    parse_config,
)

PACKAGE = "<%= packageName %>"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def parse(*argv: str, work: harness.Work = "io", cpu_supported: bool = True) -> Config:
    return parse_config(
        list(argv),
        pattern="worker-pool",
        target="python-test",
        description="A test program.",
        jobs=5,
        work_ms=500,
        work=work,
        cpu_supported=cpu_supported,
    )


def config(*, json: bool = True) -> Config:
    return Config(
        pattern="worker-pool",
        target="go",
        jobs=5,
        workers=3,
        work_ms=500,
        work="io",
        fail_every=0,
        timeout_ms=1000,
        buffer=2,
        drain_ms=5000,
        json=json,
    )


class FakeClock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


def run_python(script: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter that can import the project."""
    return subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", textwrap.dedent(script)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# Flags


def test_defaults_come_from_the_pattern_and_the_contract() -> None:
    assert parse() == Config(
        pattern="worker-pool",
        target="python-test",
        jobs=5,
        workers=3,
        work_ms=500,
        work="io",
        fail_every=0,
        timeout_ms=1000,
        buffer=2,
        drain_ms=5000,
        json=False,
    )


def test_a_target_can_default_to_cpu_work() -> None:
    assert parse(work="cpu").work == "cpu"
    assert parse("--work", "io", work="cpu").work == "io"


def test_flags_take_separate_or_attached_values() -> None:
    flags = parse(
        "--jobs=0",
        "--workers",
        "7",
        "--work-ms=0",
        "--work=cpu",
        "--fail-every",
        "2",
        "--timeout-ms=1",
        "--buffer",
        "1",
        "--drain-ms=0",
        "--json",
    )
    assert (flags.jobs, flags.workers, flags.work_ms, flags.work) == (0, 7, 0, "cpu")
    assert (flags.fail_every, flags.timeout_ms, flags.buffer) == (2, 1, 1)
    assert (flags.drain_ms, flags.json) == (0, True)


@pytest.mark.parametrize(
    "argv",
    [
        ["--jobs", "-1"],
        ["--jobs", "x"],
        ["--jobs", "1.5"],
        ["--jobs", " 7"],
        ["--jobs", "1_000"],
        ["--jobs="],
        ["--workers", "0"],
        ["--work-ms", "-5"],
        ["--timeout-ms", "0"],
        ["--buffer", "0"],
        ["--fail-every", "-1"],
        ["--drain-ms", "ten"],
        ["--work", "gpu"],
        ["--job", "3"],
        ["--unknown"],
        ["stray"],
        ["--jobs"],
    ],
)
def test_bad_flags_exit_2_with_a_message_on_stderr(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse(*argv)
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "error:" in err


def test_cpu_work_where_a_pattern_cannot_do_it_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert parse(cpu_supported=False).work == "io"
    with pytest.raises(SystemExit) as exit_info:
        parse("--work", "cpu", cpu_supported=False)
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "error: --work cpu is not supported by worker-pool on python-test\n"


def test_help_prints_usage_on_stdout_and_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse("--help")
    assert exit_info.value.code == 0
    out, err = capsys.readouterr()
    assert out.startswith("usage: python -m ")
    assert "--drain-ms MS" in out
    assert err == ""


# Events


def record_every_event(recorder: Recorder, clock: FakeClock) -> None:
    """The contract's example events, at the contract's example times."""
    for job in (1, 4, 5):
        recorder.submit(job)
    steps: list[tuple[float, Callable[[], object]]] = [
        (0.012503, lambda: recorder.start(4, worker=2)),
        (0.513118, lambda: recorder.done(4, 8)),
        (1.0017, lambda: recorder.timeout(1)),
        (2.0013, lambda: recorder.cancel(5)),
        (0.0041, lambda: recorder.produce(3)),
        (0.0043, lambda: recorder.consume(3, worker=2)),
        (0.0009, recorder.ready),
        (0.7024, lambda: recorder.stopping(signal.SIGTERM)),
        (0.513, lambda: recorder.start(3)),
        (0.5132, lambda: recorder.fail(3, InjectedFailureError())),
        (1.0042, recorder.finish),
    ]
    for seconds, step in steps:
        clock.seconds = seconds
        step()


def test_json_lines_are_exactly_the_contract_s() -> None:
    out, clock = io.StringIO(), FakeClock()
    record_every_event(Recorder(config(json=True), out=out, clock=clock), clock)
    assert out.getvalue().splitlines() == [
        '{"event":"start","job":4,"worker":2,"t_ms":12.503}',
        '{"event":"done","job":4,"worker":2,"t_ms":513.118,"result":8}',
        '{"event":"timeout","job":1,"t_ms":1001.7}',
        '{"event":"cancel","job":5,"t_ms":2001.3}',
        '{"event":"produce","job":3,"t_ms":4.1}',
        '{"event":"consume","job":3,"worker":2,"t_ms":4.3}',
        '{"event":"ready","t_ms":0.9}',
        '{"event":"stopping","signal":"SIGTERM","t_ms":702.4}',
        '{"event":"start","job":3,"worker":2,"t_ms":513.0}',
        '{"event":"fail","job":3,"worker":2,"t_ms":513.2,"error":"injected failure"}',
        '{"event":"summary","pattern":"worker-pool","target":"go","submitted":4,'
        '"completed":1,"failed":1,"timed_out":1,"cancelled":1,"max_concurrency":1,'
        '"elapsed_ms":1004.2}',
    ]


def test_human_lines_are_exactly_the_contract_s() -> None:
    out, clock = io.StringIO(), FakeClock()
    record_every_event(Recorder(config(json=False), out=out, clock=clock), clock)
    assert out.getvalue().splitlines() == [
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
        "summary: 4 submitted, 1 completed, 1 failed, 1 timed out, 1 cancelled,"
        " max concurrency 1, 1004 ms (worker-pool on go)",
    ]


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


def test_a_failure_whose_message_cannot_be_read_is_still_reported() -> None:
    class UnprintableError(Exception):
        def __str__(self) -> str:
            raise RuntimeError("__str__ is broken")

    out = io.StringIO()
    recorder = Recorder(config(json=False), out=out)
    recorder.submit(1)
    recorder.start(1)
    recorder.fail(1, UnprintableError())
    assert recorder.finish() == 1
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["job 1 started", "job 1 failed: UnprintableError"]
    assert len(lines) == 3


def test_human_summary_rounds_half_milliseconds_up() -> None:
    out, clock = io.StringIO(), FakeClock()
    recorder = Recorder(config(json=False), out=out, clock=clock)
    clock.seconds = 0.0025
    recorder.finish()
    assert out.getvalue().endswith(", 3 ms (worker-pool on go)\n")


def test_max_concurrency_is_the_most_jobs_running_at_once() -> None:
    recorder = Recorder(config(), out=io.StringIO())
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
    summary = recorder.summary()
    assert summary.max_concurrency == 2
    assert (summary.submitted, summary.completed, summary.timed_out) == (4, 3, 1)


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
    summary = json.loads(out.getvalue())
    assert summary["event"] == "summary"
    assert summary["submitted"] == summary["max_concurrency"] == 0


@pytest.mark.parametrize(
    "misuse",
    [
        lambda r: r.done(9, 18),
        lambda r: r.start(9),
        lambda r: r.consume(9, worker=1),
        lambda r: r.submit(1),
        lambda r: r.submit(0),
        lambda r: (r.start(1), r.start(1)),
        lambda r: (r.done(1, 2), r.fail(1, InjectedFailureError())),
        lambda r: (r.cancel(1), r.start(1)),
        lambda r: (r.consume(1, worker=1), r.consume(1, worker=2)),
        lambda r: (r.start(1, worker=1), r.consume(1, worker=1)),
    ],
)
def test_an_event_out_of_order_is_a_bug_and_raises(
    misuse: Callable[[Recorder], object],
) -> None:
    recorder = Recorder(config(), out=io.StringIO())
    recorder.submit(1)
    with pytest.raises(RuntimeError, match="job"):
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
    summary = recorder.summary()
    assert (summary.submitted, summary.cancelled) == (3, 3)


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
    summary = events[-1]
    assert (summary["submitted"], summary["completed"]) == (total, total)
    assert 1 <= summary["max_concurrency"] <= threads_count
    times = [event["t_ms"] for event in events[:-1]]
    assert times == sorted(times)


# Forced exit (a second signal); these exit the process, so they run in a child


def test_exit_now_cancels_open_jobs_writes_the_summary_and_exits_130() -> None:
    result = run_python(f"""
        from {harness.__name__} import Recorder
        from tests.test_harness import config

        recorder = Recorder(config())
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
    assert (events[-1]["completed"], events[-1]["cancelled"]) == (1, 2)


def test_exit_now_in_the_middle_of_an_event_lets_its_line_finish_first() -> None:
    # A signal handler runs in the main thread between two bytecodes, so it can
    # interrupt the recorder half way through an event: here, inside write().
    result = run_python(f"""
        import io, sys
        from {harness.__name__} import Recorder
        from tests.test_harness import config

        class InterruptedOnce(io.StringIO):
            def write(self, text):
                if "start" in text:
                    recorder.exit_now()
                sys.stdout.write(text)
                return len(text)

        recorder = Recorder(config(), out=InterruptedOnce())
        recorder.submit(1)
        recorder.start(1, worker=1)
        print("still running")
    """)
    assert result.returncode == 130, result.stderr
    events = [json.loads(line)["event"] for line in result.stdout.splitlines()]
    assert events == ["start", "cancel", "summary"]


def test_second_stop_signal_exits_130_at_once() -> None:
    script = f"""
        import sys, threading
        from {harness.__name__} import Recorder, StopSignals
        from tests.test_harness import config

        def before_exit():
            print("before exit", file=sys.stderr)

        recorder = Recorder(config())
        recorder.submit(1)
        recorder.start(1, worker=1)
        StopSignals(recorder, recorder.stopping, before_exit=before_exit).install()
        recorder.ready()
        threading.Event().wait(30)  # a drain that would never end by itself
    """
    with subprocess.Popen(
        [sys.executable, "-X", "dev", "-W", "error", "-c", textwrap.dedent(script)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        assert json.loads(child.stdout.readline())["event"] == "start"
        assert json.loads(child.stdout.readline())["event"] == "ready"
        child.send_signal(signal.SIGTERM)
        assert json.loads(child.stdout.readline())["signal"] == "SIGTERM"
        child.send_signal(signal.SIGINT)
        rest = [json.loads(line)["event"] for line in child.stdout]
        assert child.wait(timeout=10) == 130
        assert child.stderr is not None
        assert child.stderr.read() == "before exit\n"
    assert rest == ["cancel", "summary"]


def test_exit_with_keeps_its_code_when_a_signal_comes_during_shutdown() -> None:
    result = run_python(f"""
        import os, signal
        from {harness.__name__} import Recorder, StopSignals
        from tests.test_harness import config

        class LateSignal:
            def __del__(self):
                # Runs as the interpreter tears down, after Python has put
                # back the default handlers: a plain sys.exit dies of SIGINT.
                os.kill(os.getpid(), signal.SIGINT)

        late = LateSignal()
        recorder = Recorder(config())
        stop = StopSignals(recorder, recorder.stopping)
        stop.install()
        recorder.finish()
        stop.exit_with(3)
    """)
    assert result.returncode == 3, result.stderr


def test_first_stop_signal_calls_on_first_once() -> None:
    received: list[int] = []
    stop = StopSignals(Recorder(config(), out=io.StringIO()), received.append)
    before = stop.received
    stop.handle(signal.SIGINT)
    assert (before, stop.received, received) == (False, True, [signal.SIGINT])


# A reader of stdout that goes away (`python -m app --json | head -1`)


def run_with_closed_stdout(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -X dev -W error *args`` with stdout a pipe nobody reads.

    The read end is closed before the program starts, so its first write
    fails, as it would once ``head -1`` has its line and exits.
    """
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [sys.executable, "-X", "dev", "-W", "error", *args],
            cwd=PROJECT_ROOT,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=30,
            check=False,
        )
    finally:
        os.close(writer)


def test_a_closed_stdout_ends_the_run_quietly_with_141_from_any_thread() -> None:
    result = run_with_closed_stdout(
        "-c",
        textwrap.dedent(f"""
            import sys, threading
            from {harness.__name__} import Recorder
            from tests.test_harness import config

            def before_exit():
                print("before exit", file=sys.stderr)

            recorder = Recorder(config(), before_exit=before_exit)
            recorder.submit(1)
            worker = threading.Thread(target=recorder.start, args=(1, 1))
            worker.start()
            worker.join()
            print("still running", file=sys.stderr)
        """),
    )
    assert result.returncode == harness.EXIT_BROKEN_PIPE == 141
    assert result.stderr == "before exit\n"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("output", [["--json"], []])
def test_the_program_exits_quietly_when_its_reader_is_gone(output: list[str]) -> None:
    # The whole program of this target and pattern, child processes included:
    # no traceback from any of them, just the exit status of a SIGPIPE.
    flags = ["--jobs", "3", "--work-ms", "0", "--work", "io", *output]
    result = run_with_closed_stdout("-m", PACKAGE, *flags)
    assert (result.returncode, result.stderr) == (141, "")


# Work


def test_a_job_s_result_is_twice_its_id() -> None:
    assert [job_result(job, fail_every=0) for job in (1, 2, 3)] == [2, 4, 6]


def test_every_k_th_job_fails() -> None:
    for job in (3, 6, 9):
        with pytest.raises(InjectedFailureError, match=r"^injected failure$"):
            job_result(job, fail_every=3)
    assert [job_result(job, fail_every=3) for job in (1, 2, 4, 5)] == [2, 4, 8, 10]


def test_an_injected_failure_survives_the_trip_from_a_child_process() -> None:
    error = pickle.loads(pickle.dumps(InjectedFailureError()))
    assert isinstance(error, InjectedFailureError)
    assert str(error) == "injected failure"


def test_burn_is_deterministic() -> None:
    assert burn(10_000) == burn(10_000)
    assert burn(10_000) != burn(10_001)


@pytest.fixture(scope="module")
def cpu() -> CpuWork:
    return CpuWork.calibrate()


def test_cpu_work_is_a_fixed_count_split_into_millisecond_chunks(cpu: CpuWork) -> None:
    chunks = list(cpu.chunks(20))
    assert sum(chunks) == cpu.iterations(20) == 20 * cpu.iterations_per_ms
    assert len(chunks) == 20
    assert list(cpu.chunks(0)) == []


def test_calibrated_cpu_work_lasts_about_work_ms(cpu: CpuWork) -> None:
    # CPU time, which other processes cannot stretch; the lower bound is loose
    # because a loaded machine during calibration gives fewer iterations.
    started = time.process_time()
    cpu.run(100)
    cpu_ms = (time.process_time() - started) * 1000
    assert 25 < cpu_ms < 1000


def test_cpu_work_runs_in_a_child_process(cpu: CpuWork) -> None:
    # Not fork: forking a process that runs threads (faulthandler's watchdog)
    # is deprecated since Python 3.12.
    forkserver = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=1, mp_context=forkserver) as pool:
        assert pool.submit(burn, 1_000).result(timeout=10) == burn(1_000)
        assert pool.submit(cpu.run, 1).result(timeout=10) is None
