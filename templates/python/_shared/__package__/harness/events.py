"""The run's events: written as JSON or human lines, counted for the summary.

Pattern code reports what happens to each job (``start``, ``done``, ...) and
the Recorder writes the line, keeps the counts and works out the exit code.
Every method is safe to call from any thread and from the asyncio event loop:
one lock serialises the writes, so lines never interleave.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import NoReturn, TextIO

from .cli import Config

EXIT_INTERRUPTED = 130
"""Exit code of a run cut short by a signal (128 + SIGINT, as shells report it)."""

EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
"""Exit code once the reader of stdout is gone (141: what a shell reports for
a program killed by SIGPIPE, as a C or Go program would be)."""


@dataclass(frozen=True, slots=True)
class Summary:
    """The counts of a run so far."""

    submitted: int
    completed: int
    failed: int
    timed_out: int
    cancelled: int
    max_concurrency: int
    elapsed_ms: float

    @property
    def exit_code(self) -> int:
        """1 when a job failed or was cancelled, else 0 (a timeout is an outcome)."""
        return 1 if self.failed or self.cancelled else 0


@dataclass(slots=True)
class _OpenJob:
    worker: int | None = None
    consumed: bool = False
    started: bool = False


class Recorder:
    """Writes the events of one run to stdout and keeps its counts.

    A job is open from ``submit`` (or ``produce``) until its one terminal event
    (``done``, ``fail``, ``timeout``, ``cancel``). An event out of that order
    raises RuntimeError: it is a bug in the pattern. Once the summary is
    written (``finish`` or ``exit_now``), every call is ignored, so a worker
    still winding down cannot print after it.
    """

    def __init__(
        self,
        config: Config,
        *,
        out: TextIO | None = None,
        clock: Callable[[], float] = time.perf_counter,
        before_exit: Callable[[], None] | None = None,
    ) -> None:
        """Start the run's clock; ``t_ms`` of every event counts from here.

        ``out`` defaults to ``sys.stdout`` as it is when a line is written;
        ``clock`` returns seconds from a monotonic clock. ``before_exit()``
        runs when a write finds the reader gone, just before the process
        exits: what must not outlive it, such as child processes, goes there.
        """
        self._config = config
        self._out = out
        self._clock = clock
        self._before_exit = before_exit
        self._started_at = clock()
        # Reentrant, because a signal handler may run in the main thread while
        # that thread is inside a method here (see exit_now).
        self._lock = threading.RLock()
        self._open: dict[int, _OpenJob] = {}
        self._submitted = 0
        self._ended: Counter[str] = Counter()
        self._in_flight = 0
        self._max_concurrency = 0
        self._finished = False
        # How many events this thread is in the middle of: more than one when
        # a signal handler writes an event while interrupting another.
        self._depth = 0
        self._exit_requested = False

    def submit(self, job: int) -> None:
        """Hand ``job`` to the pattern. Writes nothing; ``produce`` also submits."""
        with self._section() as live:
            if live:
                self._submit(job)

    def produce(self, job: int) -> None:
        """The producer is about to offer ``job`` to the buffer (submits it)."""
        with self._section() as live:
            if live:
                self._submit(job)
                self._emit({"event": "produce", "job": job}, f"produced {job}")

    def consume(self, job: int, worker: int) -> None:
        """Consumer ``worker`` has just taken ``job`` out of the buffer."""
        with self._section() as live:
            if not live:
                return
            state = self._job(job, "consume")
            if state.consumed or state.started:
                raise RuntimeError(f"job {job} is consumed twice")
            state.consumed = True
            state.worker = worker
            self._emit(
                {"event": "consume", "job": job, "worker": worker}, f"consumed {job}"
            )

    def start(self, job: int, worker: int | None = None) -> None:
        """``job`` starts running, on ``worker`` when a worker handles it.

        Without ``worker``, a consumed job runs on the consumer that took it.
        Later events of the job carry the same worker.
        """
        with self._section() as live:
            if not live:
                return
            state = self._job(job, "start")
            if state.started:
                raise RuntimeError(f"job {job} starts twice")
            state.started = True
            if worker is not None:
                state.worker = worker
            self._in_flight += 1
            self._max_concurrency = max(self._max_concurrency, self._in_flight)
            if state.worker is None:
                self._emit({"event": "start", "job": job}, f"job {job} started")
            else:
                self._emit(
                    {"event": "start", "job": job, "worker": state.worker},
                    f"worker {state.worker} processing job {job}",
                )

    def done(self, job: int, result: int) -> None:
        """``job`` succeeded with ``result``."""
        with self._section() as live:
            if live:
                self._end(job, "done", {"result": result}, f"job {job} done: {result}")

    def fail(self, job: int, error: BaseException) -> None:
        """``job`` failed with ``error`` (its message, or its type when empty)."""
        message = _message_of(error)
        with self._section() as live:
            if live:
                self._end(
                    job, "fail", {"error": message}, f"job {job} failed: {message}"
                )

    def timeout(self, job: int) -> None:
        """``job`` passed its deadline and was cancelled."""
        human = f"job {job}: request timed out after {self._config.timeout_ms} ms"
        with self._section() as live:
            if live:
                self._end(job, "timeout", {}, human)

    def cancel(self, job: int) -> None:
        """``job`` was cancelled (by a signal or the drain deadline)."""
        with self._section() as live:
            if live:
                self._end(job, "cancel", {}, f"job {job} cancelled")

    def cancel_unfinished(self) -> None:
        """Write ``cancel`` for every open job, in id order.

        Call it once nothing can end a job any more (the workers have
        stopped), for jobs that were submitted but never reached their end.
        """
        with self._section() as live:
            if live:
                self._cancel_unfinished()

    def ready(self) -> None:
        """The program accepts signals (graceful-stop, before its first job)."""
        with self._section() as live:
            if live:
                self._emit(
                    {"event": "ready"}, "ready: press Ctrl-C or send SIGTERM to stop"
                )

    def stopping(self, signum: int) -> None:
        """The first stop signal arrived: intake stops, in-flight jobs drain."""
        name = signal.Signals(signum).name
        human = (
            f"received {name}: stopping intake, draining in-flight jobs"
            f" (up to {self._config.drain_ms} ms)"
        )
        with self._section() as live:
            if live:
                self._emit({"event": "stopping", "signal": name}, human)

    def summary(self) -> Summary:
        """The counts so far; writes nothing."""
        with self._lock:
            return self._summary()

    def finish(self, *, interrupted: bool = False) -> int:
        """Write the summary, ignore every later call, return the exit code.

        The exit code is 130 when ``interrupted`` (a signal cancelled the
        run), else 1 if a job failed or was cancelled, else 0.
        """
        with self._section() as live:
            summary = self._summary()
            if live:
                self._write_summary(summary)
                self._finished = True
        return EXIT_INTERRUPTED if interrupted else summary.exit_code

    def exit_now(self) -> None:
        """Exit the process at once with 130: the second stop signal's action.

        Writes ``cancel`` for the open jobs and the summary (unless already
        written), then ``os._exit(130)``: no cleanup, no waiting for threads
        or children. Called from a signal handler that interrupted this
        thread in the middle of an event, it lets that event's line finish
        first, so no line is cut in half or counted without being written.
        """
        with self._lock:
            if self._depth:
                self._exit_requested = True
                return
            self._exit_at_once()

    @contextmanager
    def _section(self) -> Iterator[bool]:
        """Hold the lock for one event; yield False once the summary is out."""
        with self._lock:
            if self._finished:
                yield False
                return
            self._depth += 1
            try:
                yield True
            finally:
                self._depth -= 1
                if self._exit_requested and not self._depth:
                    self._exit_at_once()

    def _exit_at_once(self) -> None:
        # A signal arriving from here on only asks again; this call exits.
        self._depth += 1
        if not self._finished:
            self._cancel_unfinished()
            self._write_summary(self._summary())
            self._finished = True
        os._exit(EXIT_INTERRUPTED)

    def _submit(self, job: int) -> None:
        if job < 1 or job in self._open:
            raise RuntimeError(f"job {job} cannot be submitted: ids are new and >= 1")
        self._open[job] = _OpenJob()
        self._submitted += 1

    def _job(self, job: int, event: str) -> _OpenJob:
        try:
            return self._open[job]
        except KeyError:
            raise RuntimeError(
                f"{event} for job {job}, which is not open"
                " (never submitted, or already ended)"
            ) from None

    def _end(
        self, job: int, event: str, outcome: dict[str, object], human: str
    ) -> None:
        state = self._job(job, event)
        del self._open[job]
        self._ended[event] += 1
        if state.started:
            self._in_flight -= 1
        subject: dict[str, object] = {"event": event, "job": job}
        # A timeout belongs to the operation, not to whoever ran it.
        if state.worker is not None and event != "timeout":
            subject["worker"] = state.worker
        self._emit(subject, human, outcome)

    def _cancel_unfinished(self) -> None:
        for job in sorted(self._open):
            self._end(job, "cancel", {}, f"job {job} cancelled")

    def _elapsed_ms(self) -> float:
        return round((self._clock() - self._started_at) * 1000, 3)

    def _summary(self) -> Summary:
        return Summary(
            submitted=self._submitted,
            completed=self._ended["done"],
            failed=self._ended["fail"],
            timed_out=self._ended["timeout"],
            cancelled=self._ended["cancel"],
            max_concurrency=self._max_concurrency,
            elapsed_ms=self._elapsed_ms(),
        )

    def _write_summary(self, summary: Summary) -> None:
        pattern, target = self._config.pattern, self._config.target
        if self._config.json:
            fields = {
                "event": "summary",
                "pattern": pattern,
                "target": target,
                "submitted": summary.submitted,
                "completed": summary.completed,
                "failed": summary.failed,
                "timed_out": summary.timed_out,
                "cancelled": summary.cancelled,
                "max_concurrency": summary.max_concurrency,
                "elapsed_ms": summary.elapsed_ms,
            }
            self._write_line(json.dumps(fields, separators=(",", ":")))
            return
        # Half away from zero, like Go and JavaScript (round() goes to even).
        whole_ms = math.floor(summary.elapsed_ms + 0.5)
        self._write_line(
            f"summary: {summary.submitted} submitted, {summary.completed} completed,"
            f" {summary.failed} failed, {summary.timed_out} timed out,"
            f" {summary.cancelled} cancelled, max concurrency"
            f" {summary.max_concurrency}, {whole_ms} ms ({pattern} on {target})"
        )

    def _emit(
        self,
        subject: dict[str, object],
        human: str,
        outcome: dict[str, object] | None = None,
    ) -> None:
        """Write one event: JSON keys in the contract's order, or ``human``.

        ``subject`` holds the event and what it concerns (job, worker,
        signal); ``t_ms`` follows it, then the ``outcome`` (result, error).
        """
        if not self._config.json:
            self._write_line(human)
            return
        fields = subject | {"t_ms": self._elapsed_ms()} | (outcome or {})
        self._write_line(json.dumps(fields, separators=(",", ":")))

    def _write_line(self, line: str) -> None:
        out = self._out or sys.stdout
        try:
            out.write(line + "\n")
            # Per line, so that a reader sees each event as it happens, and so
            # that os._exit (which skips flushing) loses nothing.
            out.flush()
        except BrokenPipeError:
            self._exit_for_broken_pipe(out)

    def _exit_for_broken_pipe(self, out: TextIO) -> NoReturn:
        """The reader of ``out`` is gone (``--json | head -1``): exit quietly.

        Python ignores SIGPIPE, so where a C or Go program would be killed
        by it, every write raises BrokenPipeError instead, and the traceback
        would land on stderr. Nobody reads the events any more: the run ends
        here, from whichever thread wrote, with EXIT_BROKEN_PIPE. As the
        ``signal`` module's docs advise, the output first goes to devnull,
        so that nothing can fail writing to it again (``before_exit``, or a
        flush of the lines still buffered); ``os._exit`` then ends the
        process without waiting for threads that would only write more.
        """
        self._finished = True  # we hold the lock: nothing is written after this
        with suppress(OSError, ValueError):  # no file descriptor: nothing to redirect
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out.fileno())
            os.close(devnull)
        if self._before_exit is not None:
            self._before_exit()
        os._exit(EXIT_BROKEN_PIPE)


def _message_of(error: BaseException) -> str:
    """``error``'s message; its type's name when that is empty or unreadable."""
    try:
        message = str(error)
    except Exception:
        # As traceback does: a broken __str__ must not hide the failure itself.
        message = ""
    return message or type(error).__name__
