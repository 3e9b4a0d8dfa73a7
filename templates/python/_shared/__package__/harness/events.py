"""The run's events (JSON or human lines) and its counts."""

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
from typing import TextIO

from .cli import Config

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
_ENDS = {"done": "completed", "fail": "failed", "timeout": "timed_out"}


class Recorder:
    """Writes one run's events and counts them, from any thread, the event loop
    or a signal handler; once the summary is out, it ignores every call."""

    def __init__(
        self,
        config: Config,
        *,
        out: TextIO | None = None,
        before_exit: Callable[[], None] | None = None,  # if stdout's reader goes
    ) -> None:
        self._config, self._out, self._before_exit = config, out, before_exit
        self._started_at = time.perf_counter()
        # Reentrant: a signal handler may call exit_now in the middle of an event.
        self._lock = threading.RLock()
        self._workers: dict[int, int | None] = {}  # the open jobs
        self._running: set[int] = set()
        self._counts: Counter[str] = Counter()
        self._depth = 0  # events this thread is in the middle of
        self._finished = self._exit_requested = False

    def submit(self, job: int) -> None:
        self._record("submit", job)

    def produce(self, job: int) -> None:  # submits it too
        self._record("produce", job, f"produced {job}")

    def consume(self, job: int, worker: int) -> None:
        self._record("consume", job, f"consumed {job}", worker)

    def start(self, job: int, worker: int | None = None) -> None:
        """Without ``worker``: on the worker that consumed ``job``, if any."""
        self._record("start", job, f"job {job} started", worker)

    def done(self, job: int, result: int) -> None:
        self._record("done", job, f"job {job} done: {result}", result=result)

    def fail(self, job: int, error: BaseException) -> None:
        message = str(error) or type(error).__name__
        self._record("fail", job, f"job {job} failed: {message}", error=message)

    def timeout(self, job: int) -> None:
        human = f"job {job}: request timed out after {self._config.timeout_ms} ms"
        self._record("timeout", job, human)

    def cancel(self, job: int) -> None:
        self._record("cancel", job, f"job {job} cancelled")

    def cancel_unfinished(self) -> None:
        with self._lock:
            for job in sorted(self._workers):
                self.cancel(job)

    def ready(self) -> None:
        self._record("ready", None, "ready: press Ctrl-C or send SIGTERM to stop")

    def stopping(self, signum: int) -> None:
        name, drain_ms = signal.Signals(signum).name, self._config.drain_ms
        human = f"received {name}: stopping intake, draining in-flight jobs"
        human = f"{human} (up to {drain_ms} ms)"
        self._record("stopping", None, human, signal_name=name)

    def finish(self, *, interrupted: bool = False) -> int:
        """Write the summary; return the exit code."""
        self._record("summary", None)
        failed = self._counts["failed"] + self._counts["cancelled"]
        return EXIT_INTERRUPTED if interrupted else int(failed > 0)

    def exit_now(self) -> None:
        """Cancel open jobs, write the summary, exit 130 (after any event it cut)."""
        with self._lock:
            self._exit_requested = True
            if not self._depth:
                self._exit_at_once()

    def _exit_at_once(self) -> None:
        self._depth += 1  # a signal arriving from here on only asks again
        self.cancel_unfinished()
        self._record("summary", None)
        os._exit(EXIT_INTERRUPTED)

    def _record(
        self,
        event: str,
        job: int | None,
        human: str = "",
        worker: int | None = None,
        signal_name: str | None = None,
        **outcome: object,
    ) -> None:
        with self._lock:
            if self._finished:
                return
            self._depth += 1
            try:
                fields = self._count(event, job, worker)
                fields |= {"signal": signal_name} if signal_name else {}
                if event == "start" and fields.get("worker") is not None:
                    human = f"worker {fields['worker']} processing job {job}"
                if human:
                    self._write(human, fields | {"t_ms": self._ms()} | outcome)
                elif event == "summary":
                    self._write_summary()
            finally:
                self._depth -= 1
                if self._exit_requested and not self._depth:
                    self._exit_at_once()

    def _count(
        self, event: str, job: int | None, worker: int | None
    ) -> dict[str, object]:
        if event in ("submit", "produce"):
            assert job is not None
            self._workers[job] = None
            self._counts["submitted"] += 1
        elif event in ("consume", "start"):
            assert job is not None
            opened = self._workers[job]  # KeyError: not open
            worker = self._workers[job] = worker or opened
            if event == "start":
                self._running.add(job)
                most = max(self._counts["max_concurrency"], len(self._running))
                self._counts["max_concurrency"] = most
        elif job is not None:  # one of the four ends
            worker = None if event == "timeout" else self._workers[job]
            del self._workers[job]
            self._running.discard(job)
            self._counts[_ENDS.get(event, "cancelled")] += 1
        subject = {"event": event, "job": job, "worker": worker}
        return {key: value for key, value in subject.items() if value is not None}

    def _ms(self) -> float:
        return round((time.perf_counter() - self._started_at) * 1000, 3)

    def _write_summary(self) -> None:
        c, pattern, target = self._counts, self._config.pattern, self._config.target
        self._finished = True
        counts = {key: c[key] for key in ("submitted", *_ENDS.values(), "cancelled")}
        most, ms = c["max_concurrency"], self._ms()
        self._write(
            f"summary: {c['submitted']} submitted, {c['completed']} completed,"
            f" {c['failed']} failed, {c['timed_out']} timed out,"
            f" {c['cancelled']} cancelled, max concurrency {most},"
            f" {int(ms + 0.5)} ms ({pattern} on {target})",
            {"event": "summary", "pattern": pattern, "target": target}
            | counts
            | {"max_concurrency": most, "elapsed_ms": ms},
        )

    def _write(self, human: str, fields: dict[str, object]) -> None:
        out = self._out or sys.stdout
        line = json.dumps(fields, separators=(",", ":")) if self._config.json else human
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
            os._exit(128 + signal.SIGPIPE)
