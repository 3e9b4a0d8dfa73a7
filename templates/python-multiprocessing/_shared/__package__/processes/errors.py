"""How a job's error crosses from a child process to the parent.

An exception crosses pickled, and many cannot make the trip as themselves.
``crossable`` turns one into what can; ``ChildTraceback`` carries where it
was raised; ``decode`` reads a child's message in the parent without
letting one unreadable message end the run.
"""

from __future__ import annotations

import pickle
import traceback
from typing import Any


class WorkerDiedError(Exception):
    """A worker process ended in the middle of a job (a crash, the OOM killer)."""


class RemoteError(Exception):
    """A job's error that could not cross to the parent as itself.

    One that cannot be pickled (it holds a lock, a file, a lambda), that
    cannot be rebuilt from its pickle (its ``__init__`` takes other
    arguments than its ``args``), or whose ``str`` or ``repr`` raises (its
    message then says so), is replaced by this: its type's name, its
    message and, as its ``__cause__``, its traceback. Its ``str`` is the
    message, or the type's name when there is none.
    """

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(type_name, message)
        self.type_name = type_name
        self.message = message

    def __str__(self) -> str:
        return self.message or self.type_name


class UnreadableOutcomeError(Exception):
    """The parent could not unpickle what a child sent about a job.

    Its ``__cause__`` is the unpickling error. The child checks that an
    error survives the round trip before sending it, so this takes an object
    that the child can rebuild and the parent cannot (a module the parent
    lacks, say); it fails that job alone.
    """


class ChildTraceback(Exception):  # noqa: N818 (no error itself: where one was raised)
    """The traceback of an error raised in a child, as text: the error's cause."""

    def __str__(self) -> str:
        return f"raised in a child process\n\n{self.args[0].rstrip()}"


def crossable(error: Exception) -> tuple[Exception, str]:
    """In a child: ``error`` as it can cross to the parent, and its traceback."""
    kind = type(error)
    type_name = f"{kind.__module__}.{kind.__qualname__}"
    shown = "".join(traceback.format_exception(error))  # copes with a str() that fails
    try:
        # The parent writes str() and may show repr(): one that raises there
        # would end the whole run, not fail this job.
        message = str(error)
        repr(error)
    except Exception as broken:
        return RemoteError(type_name, f"<str() failed: {type(broken).__name__}>"), shown
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RemoteError(type_name, message), shown
    return error, shown


def decode(data: bytes) -> Any:
    """Unpickle a message a child sent; raise UnreadableOutcomeError if it fails.

    The caller knows which messages its children send, and types the result.
    """
    try:
        return pickle.loads(data)
    except Exception as error:
        reason = f"the parent cannot unpickle it: {error}"
        raise UnreadableOutcomeError(reason) from error
