"""The benchmark command's arguments: one line and exit status 2 before any benchmark runs
(the benchmarks themselves are measured by the command, never by tests)."""

from __future__ import annotations

import pytest

from experiments.bench import cli


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--repeat", "0"], "error: --repeat: must be an integer >= 1, got 0"),
        (["--repeat", "abc"], "error: argument --repeat: invalid int value: 'abc'"),
        (["--design", "--twin"], "error: --design and --twin: one study's benchmark at a time"),
        (["--tournament", "--robustness"], "error: --tournament and --robustness: one study"),
        (["--scenarios", "3"], "error: --scenarios: only with --robustness"),
    ],
)
def test_bad_arguments_are_one_line(capsys, argv, said):
    with pytest.raises(SystemExit) as stop:
        cli.parse_args(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.startswith(said) and err.count("\n") == 1, err


@pytest.mark.parametrize("content", ["{bad", "[1, 2]"])
def test_a_damaged_bench_json_is_refused_before_any_benchmark(tmp_path, capsys, content):
    (tmp_path / "bench.json").write_text(content)
    with pytest.raises(SystemExit) as stop:
        cli.main(["--design", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.startswith(f"error: {tmp_path / 'bench.json'}: not a")
    assert (tmp_path / "bench.json").read_text() == content  # left as it was


def test_the_tournaments_run_store_is_checked_first(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--tournament", "/proc/x", "--out", str(tmp_path)])
    assert stop.value.code == 2
    assert capsys.readouterr().err.startswith("error: --tournament: cannot create '/proc/x'")
