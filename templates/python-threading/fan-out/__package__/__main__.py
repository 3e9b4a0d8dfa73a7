"""Fan-out: start every job at once, each on its own thread, and wait for all.

Run it as ``python -m`` with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

from .fan_out import fan_out
from .harness import parse_config
from .runtime import TARGET, Run, block_stop_signals, run_cancellable


def fan_out_jobs(run: Run) -> None:
    jobs = range(1, run.config.jobs + 1)
    for job in jobs:
        run.recorder.submit(job)
    for outcome in fan_out(run.process, jobs, initializer=block_stop_signals):
        # run.process reports a job's own failure; what raises here is a bug,
        # and it must end the program with a traceback, not pass unnoticed.
        outcome.result()


if __name__ == "__main__":
    config = parse_config(
        pattern="fan-out", target=TARGET, description=__doc__, jobs=3, work_ms=1000
    )
    run_cancellable(config, fan_out_jobs)
