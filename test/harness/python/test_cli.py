"""The program's flags: defaults, bad values, help."""

from __future__ import annotations

import pytest

from __package__.harness import Config, parse_config


def parse(*argv: str) -> Config:
    return parse_config(
        list(argv),
        pattern="worker-pool",
        target="python-test",
        description="A test program.",
        jobs=5,
        work_ms=500,
    )


def test_defaults_come_from_the_pattern_and_the_contract() -> None:
    assert parse() == Config(
        pattern="worker-pool",
        target="python-test",
        jobs=5,
        workers=3,
        work_ms=500,
        work="io",
        fail_every=0,
        timeout_ms=1000,
        buffer=2,
        drain_ms=5000,
        json=False,
    )


def test_flags_take_separate_or_attached_values() -> None:
    flags = parse(
        *("--jobs=0", "--workers", "7", "--work-ms=0", "--work=cpu"),
        *("--fail-every", "2", "--timeout-ms=1", "--buffer", "1", "--drain-ms=0"),
        "--json",
    )
    assert (flags.jobs, flags.workers, flags.work_ms, flags.work) == (0, 7, 0, "cpu")
    assert (flags.fail_every, flags.timeout_ms, flags.buffer) == (2, 1, 1)
    assert (flags.drain_ms, flags.json) == (0, True)


@pytest.mark.parametrize(
    "argv",
    [
        ["--jobs", "-1"],
        ["--jobs", "x"],
        ["--jobs", "1.5"],
        ["--jobs", " 7"],
        ["--jobs", "+7"],
        ["--jobs", "1_000"],
        ["--jobs="],
        ["--workers", "0"],
        ["--work-ms", "-5"],
        ["--timeout-ms", "0"],
        ["--buffer", "0"],
        ["--fail-every", "-1"],
        ["--drain-ms", "ten"],
        ["--work", "gpu"],
        ["--job", "3"],
        ["--unknown"],
        ["stray"],
        ["--jobs"],
    ],
)
def test_bad_flags_exit_2_with_a_message_on_stderr(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse(*argv)
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "error:" in err


def test_help_prints_usage_on_stdout_and_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse("--help")
    assert exit_info.value.code == 0
    out, err = capsys.readouterr()
    assert out.startswith("usage: python -m __package__")
    assert "--drain-ms" in out
    assert err == ""
