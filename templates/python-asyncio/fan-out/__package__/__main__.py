"""Fan-out / fan-in: start every job at once, then gather every outcome."""

from __future__ import annotations

from .fan_out import fan_out
from .harness import parse_config
from .runtime import TARGET, Jobs, run_until_cancelled


async def main(jobs: Jobs) -> None:
    """Start jobs 1..N together and wait for all of them."""
    jobs.submit_all()
    # Each job reports its own start and end as it happens (jobs.run), so
    # the outcomes fan_out returns are already on screen.
    await fan_out(jobs.run(job) for job in jobs.ids())


if __name__ == "__main__":
    config = parse_config(
        pattern="fan-out",
        target=TARGET,
        description=__doc__,
        jobs=3,
        work_ms=1000,
    )
    jobs = Jobs.start(config)
    run_until_cancelled(jobs, main(jobs))
