"""The program's plumbing, the same for every pattern.

- ``cli``: the flags, parsed into a ``Config``;
- ``events``: the ``Recorder``, which writes each event (JSON or human
  line), counts them and decides the exit code (and exits quietly once
  the reader of stdout is gone);
- ``work``: the result and failure rules, and calibrated CPU work;
- ``signals``: the first stop signal stops the run, the second exits.

The pattern component stays free of it where it can: the program glue
(``__main__``) wires the component to the recorder.
"""

from .cli import Config, Work, parse_config
from .events import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, Recorder, Summary
from .signals import STOP_SIGNALS, StopSignals
from .work import CHUNK_MS, CpuWork, InjectedFailureError, burn, job_result

__all__ = [
    "CHUNK_MS",
    "EXIT_BROKEN_PIPE",
    "EXIT_INTERRUPTED",
    "STOP_SIGNALS",
    "Config",
    "CpuWork",
    "InjectedFailureError",
    "Recorder",
    "StopSignals",
    "Summary",
    "Work",
    "burn",
    "job_result",
    "parse_config",
]
