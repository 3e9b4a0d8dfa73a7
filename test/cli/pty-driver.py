"""Drives a command in a real pseudo-terminal, as a person at a keyboard would.

Usage: python3 pty-driver.py '<json>' where the JSON object has
  "command": [argv...], "cwd": str,
  "steps": [{"expect": "text on screen", "send": "keys"}, ...],
  "timeout": seconds for the whole session.
Prints one JSON object: {"exit": code, "screen": everything the command wrote}.
A step whose text never shows up ends the session with "exit": null.
"""

import fcntl
import json
import os
import pty
import select
import struct
import sys
import termios
import time


def main() -> None:
    request = json.loads(sys.argv[1])
    deadline = time.monotonic() + request.get("timeout", 30)
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(request["cwd"])
        os.execvp(request["command"][0], request["command"])
    # A wide terminal, so that long messages are not wrapped mid-word.
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
    screen = b""

    def read_until(predicate) -> bool:
        nonlocal screen
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                return predicate()
            if not chunk:
                return predicate()
            screen += chunk
        return True

    for step in request["steps"]:
        seen = len(screen)
        if not read_until(lambda: step["expect"].encode() in screen[seen - 200 if seen > 200 else 0 :]):
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            print(json.dumps({"exit": None, "screen": screen.decode(errors="replace")}))
            return
        time.sleep(0.15)  # let the prompt finish drawing before typing
        os.write(fd, step["send"].encode())
    read_until(lambda: False)  # drain until the child closes the terminal or time runs out
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"exit": os.waitstatus_to_exitcode(status), "screen": screen.decode(errors="replace")}))


if __name__ == "__main__":
    main()
