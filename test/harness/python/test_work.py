"""A job's result and injected failure, and the calibrated CPU work."""

from __future__ import annotations

import multiprocessing
import pickle
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from __package__.harness import CpuWork, InjectedFailureError, burn, job_result


def test_a_job_s_result_is_twice_its_id() -> None:
    assert [job_result(job, fail_every=0) for job in (1, 2, 3)] == [2, 4, 6]


def test_every_k_th_job_fails() -> None:
    for job in (3, 6, 9):
        with pytest.raises(InjectedFailureError, match=r"^injected failure$"):
            job_result(job, fail_every=3)
    assert [job_result(job, fail_every=3) for job in (1, 2, 4, 5)] == [2, 4, 8, 10]


def test_an_injected_failure_survives_the_trip_from_a_child_process() -> None:
    error = pickle.loads(pickle.dumps(InjectedFailureError()))
    assert isinstance(error, InjectedFailureError)
    assert str(error) == "injected failure"


def test_burn_is_deterministic() -> None:
    assert burn(10_000) == burn(10_000)
    assert burn(10_000) != burn(10_001)


@pytest.fixture(scope="module")
def cpu() -> CpuWork:
    return CpuWork.calibrate()


def test_cpu_work_is_a_fixed_count_split_into_millisecond_chunks(cpu: CpuWork) -> None:
    chunks = list(cpu.chunks(20))
    assert sum(chunks) == 20 * cpu.iterations_per_ms
    assert len(chunks) == 20
    assert list(cpu.chunks(0)) == []


def test_calibrated_cpu_work_lasts_about_work_ms(cpu: CpuWork) -> None:
    # CPU time, which other processes cannot stretch; the lower bound is loose
    # because a loaded machine during calibration gives fewer iterations.
    started = time.process_time()
    cpu.run(100)
    cpu_ms = (time.process_time() - started) * 1000
    assert 25 < cpu_ms < 1000


def test_cpu_work_runs_in_a_child_process(cpu: CpuWork) -> None:
    # Not fork: forking a process that runs threads (faulthandler's watchdog)
    # is deprecated since Python 3.12.
    forkserver = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=1, mp_context=forkserver) as pool:
        assert pool.submit(burn, 1_000).result(timeout=10) == burn(1_000)
        assert pool.submit(cpu.run, 1).result(timeout=10) is None
