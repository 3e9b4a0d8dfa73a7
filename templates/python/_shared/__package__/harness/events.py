"""The run's events, written as JSON or human lines and counted for the summary."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import asdict, dataclass
from typing import Concatenate, ParamSpec, TextIO

from .cli import Config

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class Summary:
    submitted: int
    completed: int
    failed: int
    timed_out: int
    cancelled: int
    max_concurrency: int
    elapsed_ms: float


def _event(
    write: Callable[Concatenate[Recorder, P], None],
) -> Callable[Concatenate[Recorder, P], None]:
    """Write under the lock, and not at all once the summary is out."""

    def locked(self: Recorder, /, *args: P.args, **kwargs: P.kwargs) -> None:
        with self._lock:
            if self._finished:
                return
            self._depth += 1
            try:
                write(self, *args, **kwargs)
            finally:
                self._depth -= 1
                if self._exit_requested and not self._depth:
                    self._exit_at_once()

    return locked


class Recorder:
    """Writes the events of one run to stdout and keeps its counts.

    Safe from any thread, the event loop and a signal handler. A job is open
    from ``submit`` (or ``produce``) to its one terminal event; an event for
    a job that is not open raises KeyError.
    """

    def __init__(
        self,
        config: Config,
        *,
        out: TextIO | None = None,
        before_exit: Callable[[], None] | None = None,
    ) -> None:
        """Start the run's clock. ``before_exit()`` runs just before the process
        exits because the reader of stdout is gone (``--json | head -1``)."""
        self._config, self._out, self._before_exit = config, out, before_exit
        self._started_at = time.perf_counter()
        # Reentrant: a signal handler may call exit_now in the middle of an event.
        self._lock = threading.RLock()
        self._workers: dict[int, int | None] = {}  # the open jobs
        self._running: set[int] = set()
        self._counts: Counter[str] = Counter()
        self._max_concurrency = self._depth = 0
        self._finished = self._exit_requested = False

    @_event
    def submit(self, job: int) -> None:
        self._workers[job] = None
        self._counts["submitted"] += 1

    @_event
    def produce(self, job: int) -> None:
        """``job`` is about to enter the buffer (this submits it)."""
        self.submit(job)
        self._emit(f"produced {job}", {"event": "produce", "job": job})

    @_event
    def consume(self, job: int, worker: int) -> None:
        """Consumer ``worker`` took ``job``: its later events carry ``worker``."""
        self._workers[job] = worker
        self._emit(
            f"consumed {job}", {"event": "consume", "job": job, "worker": worker}
        )

    @_event
    def start(self, job: int, worker: int | None = None) -> None:
        if job in self._running:
            raise RuntimeError(f"job {job} starts twice")
        worker = self._workers[job] = worker or self._workers[job]
        self._running.add(job)
        self._max_concurrency = max(self._max_concurrency, len(self._running))
        if worker is None:
            self._emit(f"job {job} started", {"event": "start", "job": job})
        else:
            subject = {"event": "start", "job": job, "worker": worker}
            self._emit(f"worker {worker} processing job {job}", subject)

    @_event
    def done(self, job: int, result: int) -> None:
        self._end(job, "done", f"job {job} done: {result}", {"result": result})

    @_event
    def fail(self, job: int, error: BaseException) -> None:
        try:
            message = str(error) or type(error).__name__
        except Exception:  # as traceback does: a broken __str__ hides nothing
            message = type(error).__name__
        self._end(job, "fail", f"job {job} failed: {message}", {"error": message})

    @_event
    def timeout(self, job: int) -> None:
        ms = self._config.timeout_ms
        self._end(job, "timeout", f"job {job}: request timed out after {ms} ms")

    @_event
    def cancel(self, job: int) -> None:
        self._end(job, "cancel", f"job {job} cancelled")

    @_event
    def cancel_unfinished(self) -> None:
        """``cancel`` every open job, once nothing else can end one."""
        for job in sorted(self._workers):
            self.cancel(job)

    @_event
    def ready(self) -> None:
        self._emit("ready: press Ctrl-C or send SIGTERM to stop", {"event": "ready"})

    @_event
    def stopping(self, signum: int) -> None:
        name, drain_ms = signal.Signals(signum).name, self._config.drain_ms
        human = f"received {name}: stopping intake, draining in-flight jobs"
        subject = {"event": "stopping", "signal": name}
        self._emit(f"{human} (up to {drain_ms} ms)", subject)

    def summary(self) -> Summary:
        with self._lock:
            counts = self._counts
            return Summary(
                submitted=counts["submitted"],
                completed=counts["done"],
                failed=counts["fail"],
                timed_out=counts["timeout"],
                cancelled=counts["cancel"],
                max_concurrency=self._max_concurrency,
                elapsed_ms=round((time.perf_counter() - self._started_at) * 1000, 3),
            )

    def finish(self, *, interrupted: bool = False) -> int:
        """Write the summary; return the exit code: 130 if ``interrupted``,
        else 1 when a job failed or was cancelled, else 0."""
        self._write_summary()
        s = self.summary()
        return EXIT_INTERRUPTED if interrupted else int(s.failed + s.cancelled > 0)

    def exit_now(self) -> None:
        """The second signal: ``cancel`` the open jobs, write the summary, then
        ``os._exit(130)``; an event it interrupted is written in full first."""
        with self._lock:
            self._exit_requested = True
            if not self._depth:
                self._exit_at_once()

    def _exit_at_once(self) -> None:
        self._depth += 1  # a signal arriving from here on only asks again
        self.cancel_unfinished()
        self._write_summary()
        os._exit(EXIT_INTERRUPTED)

    @_event
    def _write_summary(self) -> None:
        s, pattern, target = self.summary(), self._config.pattern, self._config.target
        self._finished = True
        if self._config.json:
            fields = {"event": "summary", "pattern": pattern, "target": target}
            self._write(json.dumps(fields | asdict(s), separators=(",", ":")))
            return
        self._write(
            f"summary: {s.submitted} submitted, {s.completed} completed,"
            f" {s.failed} failed, {s.timed_out} timed out, {s.cancelled} cancelled,"
            f" max concurrency {s.max_concurrency}, {int(s.elapsed_ms + 0.5)} ms"
            f" ({pattern} on {target})"
        )

    def _end(
        self, job: int, event: str, human: str, outcome: dict[str, object] | None = None
    ) -> None:
        worker = self._workers.pop(job)
        self._running.discard(job)
        self._counts[event] += 1
        subject: dict[str, object] = {"event": event, "job": job}
        if worker is not None and event != "timeout":  # a timeout is the operation's
            subject["worker"] = worker
        self._emit(human, subject, outcome)

    def _emit(
        self,
        human: str,
        subject: Mapping[str, object],
        outcome: Mapping[str, object] | None = None,
    ) -> None:
        if not self._config.json:
            self._write(human)
            return
        fields = {**subject, "t_ms": self.summary().elapsed_ms, **(outcome or {})}
        self._write(json.dumps(fields, separators=(",", ":")))

    def _write(self, line: str) -> None:
        out = self._out or sys.stdout
        try:
            out.write(line + "\n")
            out.flush()  # per line: a reader sees each event, os._exit loses none
        except BrokenPipeError:
            # Python ignores SIGPIPE: exit quietly, as a program killed by it
            # would, with stdout on devnull so that nothing fails writing again.
            self._finished = True
            with suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
            if self._before_exit is not None:
                self._before_exit()
            os._exit(EXIT_BROKEN_PIPE)
