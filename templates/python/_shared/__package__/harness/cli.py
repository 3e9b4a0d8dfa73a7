"""The program's command line: the contract's flags, parsed into a Config."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Config:
    pattern: str
    target: str
    jobs: int
    workers: int
    work_ms: int
    work: Literal["io", "cpu"]
    fail_every: int
    timeout_ms: int
    buffer: int
    drain_ms: int
    json: bool


def parse_config(
    argv: Sequence[str] | None = None,
    *,
    pattern: str,
    target: str,
    description: str,
    jobs: int,
    work_ms: int,
    work: Literal["io", "cpu"] = "io",
) -> Config:
    """Parse ``argv``; bad flags exit with 2."""
    package = __name__.partition(".")[0]
    parser = argparse.ArgumentParser(
        prog=f"python -m {package}", description=description, allow_abbrev=False
    )
    count, positive = _integer(minimum=0), _integer(minimum=1)
    for flag, kind, default, meaning in (
        ("--jobs", count, jobs, "jobs to submit; graceful-stop: 0 = endless"),
        ("--workers", positive, 3, "jobs at once; fan-out starts all"),
        ("--work-ms", count, work_ms, "simulated work per job"),
        ("--fail-every", count, 0, "every K-th job fails; 0: none"),
        ("--timeout-ms", positive, 1000, "deadline per operation, timeout pattern"),
        ("--buffer", positive, 2, "queue capacity, producer-consumer"),
        ("--drain-ms", count, 5000, "how long a graceful stop waits for jobs"),
    ):
        help_text = f"{meaning} (default: %(default)s)"
        parser.add_argument(flag, type=kind, default=default, help=help_text)
    parser.add_argument(
        "--work", choices=("io", "cpu"), default=work, help="io waits, cpu computes"
    )
    parser.add_argument("--json", action="store_true", help="one JSON event per line")
    flags = parser.parse_args(argv)
    return Config(pattern, target, **vars(flags))


def _integer(*, minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        # int() alone would take " 7", "+7" and "1_000"; the contract wants digits.
        if text.isascii() and text.isdigit() and int(text) >= minimum:
            return int(text)
        raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}: {text!r}")

    return parse
