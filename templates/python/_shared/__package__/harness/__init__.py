"""The demo's plumbing, for ``__main__`` and the benchmarks only."""

from .cli import Config, parse_config
from .events import EXIT_BROKEN_PIPE, STOP_SIGNALS, Recorder, StopSignals
from .work import CpuWork, InjectedFailureError, burn, job_result

__all__ = ["EXIT_BROKEN_PIPE", "STOP_SIGNALS", "Config", "CpuWork", "Recorder"]
__all__ += ["InjectedFailureError", "StopSignals", "burn", "job_result", "parse_config"]
