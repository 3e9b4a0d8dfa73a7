"""The demo's plumbing, for ``__main__`` and the benchmarks only."""

from .cli import Config, parse_config
from .events import Recorder
from .work import CpuWork, InjectedFailureError, burn, job_result

__all__ = ["Config", "CpuWork", "InjectedFailureError", "Recorder"]
__all__ += ["burn", "job_result", "parse_config"]
