"""Timeout: --jobs operations, --workers at a time, each under --timeout-ms.

Run it as ``python -m`` with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from .harness import job_result, parse_config
from .runtime import (
    TARGET,
    Run,
    WorkCancelledError,
    block_stop_signals,
    run_cancellable,
)
from .timeout import Deadline, call_with_timeout


def run_operations(run: Run) -> None:
    config, recorder = run.config, run.recorder

    def operation(job: int, deadline: Deadline) -> int:
        run.work.run(deadline)
        return job_result(job, config.fail_every)

    def run_operation(job: int) -> None:
        if run.cancel.is_set():
            return  # never started: reported as cancelled at the end
        recorder.start(job)
        try:
            result = call_with_timeout(
                lambda deadline: operation(job, deadline),
                config.timeout_ms / 1000,
                run.cancel,
            )
        except TimeoutError:
            recorder.timeout(job)
        except WorkCancelledError:
            recorder.cancel(job)
        except Exception as error:
            recorder.fail(job, error)
        else:
            recorder.done(job, result)

    jobs = range(1, config.jobs + 1)
    with ThreadPoolExecutor(
        max_workers=config.workers,
        thread_name_prefix="operation",
        initializer=block_stop_signals,
    ) as pool:
        for job in jobs:
            recorder.submit(job)
        outcomes = [pool.submit(run_operation, job) for job in jobs]
    for outcome in outcomes:
        # run_operation reports every outcome of an operation; what raises
        # here is a bug, and it must end the program with a traceback.
        outcome.result()


if __name__ == "__main__":
    config = parse_config(
        pattern="timeout", target=TARGET, description=__doc__, jobs=1, work_ms=2000
    )
    run_cancellable(config, run_operations)
