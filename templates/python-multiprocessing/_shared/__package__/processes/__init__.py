"""The process pool every pattern here is built on.

- ``pool``: ``ProcessPool``, numbered worker processes that run one job at a
  time, tell ``OnStart`` when each starts and hand back each job's
  ``Outcome``; ``Intake``, a job source read only as workers free up;
  ``Stop``, the event that ends a run;
- ``messages``: what a worker reports about each job (``Started``, then
  ``Finished`` with its outcome), and how it makes sure that can cross;
- ``children``: how a child process starts, ignores Ctrl-C, ends with its
  parent, and is reaped;
- ``errors``: how a job's error crosses back to the parent.
"""

from .children import CONTEXT, kill_children, start_helper_processes
from .errors import RemoteError, UnreadableOutcomeError, WorkerDiedError
from .pool import Intake, OnStart, ProcessPool, Stop, require_at_least_one

__all__ = [
    "CONTEXT",
    "Intake",
    "OnStart",
    "ProcessPool",
    "RemoteError",
    "Stop",
    "UnreadableOutcomeError",
    "WorkerDiedError",
    "kill_children",
    "require_at_least_one",
    "start_helper_processes",
]
