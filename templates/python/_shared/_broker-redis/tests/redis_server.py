"""A real redis-server for the tests: on a free port, in a temporary folder.

Without ``redis-server`` on PATH the broker tests are skipped, with a plain
message; with ``REQUIRE_REDIS=1`` (CI) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

START_TIMEOUT_S = 5.0
SKIP_MESSAGE = "redis-server not found on PATH: broker tests skipped"


class RedisServer:
    """One ``redis-server`` process that keeps nothing on disk."""

    def __init__(self, executable: str, directory: Path) -> None:
        self._executable, self._directory = executable, directory
        self.port = free_port()
        self._process = self._spawn()

    @classmethod
    def start(cls, directory: Path) -> RedisServer:
        """A running server; skips the test (or fails it) without one."""
        executable = shutil.which("redis-server")
        if executable is None:
            if os.environ.get("REQUIRE_REDIS") == "1":
                pytest.fail(f"REQUIRE_REDIS=1 and {SKIP_MESSAGE}", pytrace=False)
            pytest.skip(SKIP_MESSAGE)
        return cls(executable, directory)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """A client of its own for the test; close it after."""
        return redis.Redis(port=self.port, decode_responses=True)

    def restart(self) -> None:
        """Stop it and start it again on the same port, its data gone."""
        self.stop()
        self._process = self._spawn()

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """The server stops answering, its connections open: like a hung host."""
        self._process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self._process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait()

    def _spawn(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [
                self._executable,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
                *("--dir", str(self._directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        with self.client() as client:
            while True:
                try:
                    client.ping()
                    return process
                except redis.ConnectionError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        process.kill()
                        process.wait()
                        raise
                    time.sleep(0.02)


def entries(client: redis.Redis, stream: str) -> list[dict[str, str]]:
    """The fields of every entry of ``stream``, oldest first."""
    return [
        {str(key): str(value) for key, value in (fields or {}).items()}
        for _, fields in client.xrange(stream) or []
    ]


def free_port() -> int:
    """A port that nothing listens on, for the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
