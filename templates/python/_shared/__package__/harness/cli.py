"""The program's command line: the contract's flags, parsed into a Config."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias, cast

Work: TypeAlias = Literal["io", "cpu"]

# "python -m my_app" rather than argparse's guess ("__main__.py") in usage lines.
_PROG = f"python -m {__name__.partition('.')[0]}"


@dataclass(frozen=True, slots=True)
class Config:
    """One run of the program: which pattern on which target, and its flags."""

    pattern: str
    target: str
    jobs: int
    workers: int
    work_ms: int
    work: Work
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
    work: Work = "io",
    cpu_supported: bool = True,
) -> Config:
    """Parse the program's flags (``sys.argv[1:]`` when ``argv`` is None).

    ``jobs``, ``work_ms`` and ``work`` are the defaults of this pattern on this
    target. Every program accepts every flag, used or not, so that one command
    line works against any pattern. Bad flags, and ``--work cpu`` where
    ``cpu_supported`` is False, print a message on stderr and exit with 2;
    ``--help`` prints usage on stdout and exits with 0.
    """
    parser = argparse.ArgumentParser(
        prog=_PROG, description=description, allow_abbrev=False
    )
    count = _integer(minimum=0)
    positive = _integer(minimum=1)
    parser.add_argument(
        "--jobs",
        type=count,
        default=jobs,
        metavar="N",
        help="jobs to submit; graceful-stop: 0 = endless (default: %(default)s)",
    )
    parser.add_argument(
        "--workers",
        type=positive,
        default=3,
        metavar="N",
        help="jobs at once; fan-out starts all (default: %(default)s)",
    )
    parser.add_argument(
        "--work-ms",
        type=count,
        default=work_ms,
        metavar="MS",
        help="simulated work per job (default: %(default)s)",
    )
    parser.add_argument(
        "--work",
        choices=("io", "cpu"),
        default=work,
        help="io waits, cpu computes for about --work-ms (default: %(default)s)",
    )
    parser.add_argument(
        "--fail-every",
        type=count,
        default=0,
        metavar="K",
        help="every K-th job fails; 0: none (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout-ms",
        type=positive,
        default=1000,
        metavar="MS",
        help="deadline per operation, timeout pattern (default: %(default)s)",
    )
    parser.add_argument(
        "--buffer",
        type=positive,
        default=2,
        metavar="N",
        help="queue capacity, producer-consumer (default: %(default)s)",
    )
    parser.add_argument(
        "--drain-ms",
        type=count,
        default=5000,
        metavar="MS",
        help="how long a graceful stop waits for in-flight jobs (default: %(default)s)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON event per line"
    )
    flags = parser.parse_args(argv)
    if flags.work == "cpu" and not cpu_supported:
        # The contract's exact line, which every target prints the same way.
        parser.exit(2, f"error: --work cpu is not supported by {pattern} on {target}\n")
    return Config(
        pattern=pattern,
        target=target,
        jobs=flags.jobs,
        workers=flags.workers,
        work_ms=flags.work_ms,
        work=cast(Work, flags.work),
        fail_every=flags.fail_every,
        timeout_ms=flags.timeout_ms,
        buffer=flags.buffer,
        drain_ms=flags.drain_ms,
        json=flags.json,
    )


def _integer(*, minimum: int) -> Callable[[str], int]:
    """An argparse type: a plain decimal integer, at least ``minimum``."""

    def parse(text: str) -> int:
        # int() alone would also take " 7", "+7" and "1_000"; the contract wants digits.
        if not (text.isascii() and text.isdigit()) or int(text) < minimum:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {minimum}, got {text!r}"
            )
        return int(text)

    return parse
