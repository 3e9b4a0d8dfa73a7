"""Worker pool: a fixed number of workers process a stream of jobs."""

from __future__ import annotations

from .harness import parse_config
from .runtime import TARGET, Jobs, run_until_cancelled
from .worker_pool import run_pool


async def main(jobs: Jobs) -> None:
    """Feed jobs 1..N to the pool and collect every outcome."""
    jobs.submit_all()

    async def process(worker: int, job: int) -> int:
        return await jobs.run(job, worker)

    # Each job reports its own start and end as it happens (jobs.run), so
    # the outcomes run_pool returns are already on screen.
    await run_pool(process, jobs.ids(), workers=jobs.config.workers)


if __name__ == "__main__":
    config = parse_config(
        pattern="worker-pool",
        target=TARGET,
        description=__doc__,
        jobs=5,
        work_ms=500,
    )
    jobs = Jobs.start(config)
    run_until_cancelled(jobs, main(jobs))
