"""A job on the wire: the ``payload`` of a stream entry, in every target alike.

A producer in any language writes ``{"work_ms": <int>, "fail": <bool>}``; a
worker does ``work_ms`` of its own ``--work`` and fails the job when
``fail`` is true, on every delivery (a poison job). Its result is
``job * 2``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .cli import Config
from .work import InjectedFailureError


class PayloadError(ValueError):
    """A payload without the fields a job needs: it can never succeed."""


@dataclass(frozen=True, slots=True)
class Payload:
    work_ms: int
    fail: bool

    @classmethod
    def for_job(cls, job: int, config: Config) -> Payload:
        """The producer's job: ``--work-ms``, failing every ``--fail-every``-th."""
        fail = config.fail_every > 0 and job % config.fail_every == 0
        return cls(config.work_ms, fail)

    @classmethod
    def parse(cls, fields: Mapping[str, object]) -> Payload:
        """The payload of a decoded entry; PayloadError if it is not one."""
        work_ms, fail = fields.get("work_ms"), fields.get("fail")
        # bool is an int in Python, and JSON keeps them apart.
        if type(work_ms) is not int or work_ms < 0 or type(fail) is not bool:
            raise PayloadError(f"bad payload {dict(fields)!r}: expected work_ms, fail")
        return cls(work_ms, fail)

    def to_json(self) -> dict[str, object]:
        return {"work_ms": self.work_ms, "fail": self.fail}

    def result(self, job: int) -> int:
        """``job * 2``, or InjectedFailureError for a poison job."""
        if self.fail:
            raise InjectedFailureError(f"injected failure in job {job}")
        return job * 2
