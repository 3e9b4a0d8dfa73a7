"""The run's events (JSON or human lines), its counts, and the stop signals."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass
from types import FrameType
from typing import Concatenate, NoReturn, ParamSpec, TextIO

from .cli import Config

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
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
    """Writes one run's events to stdout and counts them, from any thread, the
    event loop or a signal handler. A job is open from ``submit`` (or
    ``produce``) to its one end (``done``, ``fail``, ``timeout``, ``cancel``);
    an event for a job that is not open raises KeyError."""

    def __init__(
        self,
        config: Config,
        *,
        out: TextIO | None = None,
        before_exit: Callable[[], None] | None = None,
    ) -> None:
        """``before_exit()`` runs before the process exits because the reader
        of stdout is gone (``--json | head -1``)."""
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
        self.submit(job)
        self._emit(f"produced {job}", event="produce", job=job)

    @_event
    def consume(self, job: int, worker: int) -> None:
        self._workers[job] = worker
        self._emit(f"consumed {job}", event="consume", job=job, worker=worker)

    @_event
    def start(self, job: int, worker: int | None = None) -> None:
        """Without ``worker``, the worker that consumed ``job``, if any."""
        if job in self._running:
            raise RuntimeError(f"job {job} starts twice")
        worker = self._workers[job] = worker or self._workers[job]
        self._running.add(job)
        self._max_concurrency = max(self._max_concurrency, len(self._running))
        if worker is None:
            self._emit(f"job {job} started", event="start", job=job)
        else:
            human = f"worker {worker} processing job {job}"
            self._emit(human, event="start", job=job, worker=worker)

    @_event
    def done(self, job: int, result: int) -> None:
        self._end(job, "done", f"job {job} done: {result}", result=result)

    @_event
    def fail(self, job: int, error: BaseException) -> None:
        try:
            message = str(error) or type(error).__name__
        except Exception:  # as traceback does: a broken __str__ hides nothing
            message = type(error).__name__
        self._end(job, "fail", f"job {job} failed: {message}", error=message)

    @_event
    def timeout(self, job: int) -> None:
        ms = self._config.timeout_ms
        self._end(job, "timeout", f"job {job}: request timed out after {ms} ms")

    @_event
    def cancel(self, job: int) -> None:
        self._end(job, "cancel", f"job {job} cancelled")

    @_event
    def cancel_unfinished(self) -> None:
        for job in sorted(self._workers):
            self.cancel(job)

    @_event
    def ready(self) -> None:
        self._emit("ready: press Ctrl-C or send SIGTERM to stop", event="ready")

    @_event
    def stopping(self, signum: int) -> None:
        name, drain_ms = signal.Signals(signum).name, self._config.drain_ms
        human = f"received {name}: stopping intake, draining in-flight jobs"
        self._emit(f"{human} (up to {drain_ms} ms)", event="stopping", signal=name)

    def summary(self) -> Summary:
        with self._lock:
            c, ms = self._counts, (time.perf_counter() - self._started_at) * 1000
            counts = (c["submitted"], c["done"], c["fail"], c["timeout"], c["cancel"])
            return Summary(*counts, self._max_concurrency, round(ms, 3))

    def finish(self, *, interrupted: bool = False) -> int:
        """Write the summary; return 130 if ``interrupted``, else 1 when a job
        failed or was cancelled, else 0."""
        self._write_summary()
        s = self.summary()
        return EXIT_INTERRUPTED if interrupted else int(s.failed + s.cancelled > 0)

    def exit_now(self) -> None:
        """``cancel`` the open jobs, write the summary, ``os._exit(130)``; an
        event this call interrupted is written in full first."""
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

    def _end(self, job: int, event: str, human: str, **outcome: object) -> None:
        worker = self._workers.pop(job)
        self._running.discard(job)
        self._counts[event] += 1
        if event == "timeout":  # the operation's, not the worker's that ran it
            worker = None
        self._emit(human, event=event, job=job, worker=worker, **outcome)

    def _emit(self, human: str, **fields: object) -> None:
        if self._config.json:
            subject = {k: v for k, v in fields.items() if v is not None}
            subject["t_ms"] = self.summary().elapsed_ms
            subject |= {k: subject.pop(k) for k in ("result", "error") if k in subject}
            human = json.dumps(subject, separators=(",", ":"))
        self._write(human)

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


class StopSignals:
    """``handle`` calls ``on_first(signum)`` on the first SIGINT or SIGTERM,
    and ``before_exit()`` then ``recorder.exit_now()`` on the second. It fits
    ``signal.signal`` (``install``) and ``loop.add_signal_handler``."""

    def __init__(
        self,
        recorder: Recorder,
        on_first: Callable[[int], object],
        *,
        before_exit: Callable[[], None] | None = None,
    ) -> None:
        self._recorder, self._on_first = recorder, on_first
        self._before_exit = before_exit
        self.received = False

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self.handle)

    def handle(self, signum: int, frame: FrameType | None = None) -> None:
        if not self.received:
            self.received = True
            self._on_first(signum)
            return
        if self._before_exit is not None:
            self._before_exit()
        self._recorder.exit_now()

    def exit_with(self, code: int) -> NoReturn:
        """Ignore the stop signals (the run is over), then exit with ``code``."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        sys.exit(code)
