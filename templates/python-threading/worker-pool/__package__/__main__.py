"""Worker pool: --workers threads run --jobs jobs and every result is collected.

Run it as ``python -m`` with the package name; ``--help`` lists the flags.
"""

from __future__ import annotations

import contextlib
import itertools

from .harness import parse_config
from .pool import run_pool
from .runtime import TARGET, Run, block_stop_signals, run_cancellable


def run_jobs_on_a_pool(run: Run) -> None:
    jobs = range(1, run.config.jobs + 1)
    for job in jobs:
        run.recorder.submit(job)
    # The pool takes jobs from the source as workers free up; after a cancel
    # the source ends, and the jobs it never gave are reported as cancelled.
    source = itertools.takewhile(lambda _job: not run.cancel.is_set(), jobs)
    # closing(): should a result raise, the pool is closed at once, not
    # whenever the garbage collector gets to the generator.
    with contextlib.closing(
        run_pool(
            run.process,
            source,
            workers=run.config.workers,
            initializer=block_stop_signals,
        )
    ) as outcomes:
        for _job, outcome in outcomes:
            # run.process reports a job's own failure; what raises here is a
            # bug, and it must end the program with a traceback, not pass
            # unnoticed.
            outcome.result()


if __name__ == "__main__":
    config = parse_config(
        pattern="worker-pool", target=TARGET, description=__doc__, jobs=5, work_ms=500
    )
    run_cancellable(config, run_jobs_on_a_pool)
