"""What became of one job: the value its handler returned, or what it raised.

Every component hands back one ``Outcome`` per job as the job finishes. A job
that raises is that job's failure, never the component's: the exception is
kept here, the worker goes on with the next job, and the caller decides what
a failure means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar, cast

J = TypeVar("J")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Outcome(Generic[J, R]):
    """One finished job: ``error`` is ``None`` when the handler returned ``value``."""

    job: J
    value: R | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def result(self) -> R:
        """The value, or the job's exception raised again."""
        if self.error is not None:
            raise self.error
        # value is an R whenever error is None; None itself may be an R.
        return cast(R, self.value)
