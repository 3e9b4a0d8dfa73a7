"""The demo program's plumbing: flags, simulated work, events and signals.

Only ``__main__`` and the benchmarks import it; the pattern never does.
"""

from .cli import Config, parse_config
from .events import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, Recorder, Summary
from .signals import STOP_SIGNALS, StopSignals
from .work import CpuWork, InjectedFailureError, burn, job_result

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_INTERRUPTED",
    "STOP_SIGNALS",
    "Config",
    "CpuWork",
    "InjectedFailureError",
    "Recorder",
    "StopSignals",
    "Summary",
    "burn",
    "job_result",
    "parse_config",
]
