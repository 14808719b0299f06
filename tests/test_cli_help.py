"""Every command's --help, walked: described options, no `<bool>` beside flags, no text eaten by markup, and
every numeric option range-checked by the command line (a usage error, exit code 2, before any work)."""

from __future__ import annotations

import re

import pytest
from cli_helpers import run_cli

from optagent.cli.main import command

ROOT = command()
# Checked by the library before any work instead (sandbox.Limits: "timeout_s=0.0 is not a positive number",
# exit code 1), with tests in test_sandbox_cli.py.
CHECKED_DOWNSTREAM = {("sandbox", "run", p) for p in ("timeout", "memory_mb", "solver_time_limit", "threads")}
# Rich markup would swallow "[default: $X]" or "[llm]": only typer's own, escaped, brackets may remain.
UNESCAPED_BRACKET = re.compile(r"(?<!\\)\[[A-Za-z$/]")


def commands(command=ROOT, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


COMMANDS = [path for path, _ in commands()]


def test_the_walk_finds_every_command():
    leaves = {" ".join(p) for p, c in commands() if not getattr(c, "commands", None)}
    assert {"solve", "chat", "bench run", "bench export", "finetune train", "smtt exact"} <= leaves
    assert len(leaves) >= 20


def help_text(path, capsys) -> str:
    """The help as `optagent ... --help` prints it (rendered in this process: it is the same command tree)."""
    with pytest.raises(SystemExit) as done:
        ROOT.main([*path, "--help"], prog_name="optagent")
    assert done.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "optagent")
def test_help_has_no_defects(path, capsys):
    command = dict(commands())[path]
    for param in command.params:
        where = f"{' '.join(path)} {param.name}"
        assert param.help, f"{where} has no description"
        assert not UNESCAPED_BRACKET.search(param.help), f"{where}: markup would eat {param.help!r}"
        kind = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        if kind in (int, float) and (*path, param.name) not in CHECKED_DOWNSTREAM:
            assert param.min is not None or param.callback is not None, f"{where} accepts any number"
    if path:
        assert command.help, f"{' '.join(path)} has no description"
    text = help_text(path, capsys)
    assert "Usage: optagent" in text and "Traceback" not in text
    assert "<bool>" not in text
    assert not re.search(r"\w \.(\s|$)", text, re.M), "a stray ' .' (text removed by markup) in the help"
    assert "[default: None]" not in text


@pytest.mark.slow
def test_finetune_train_marks_its_required_flags(capsys):
    text = help_text(("finetune", "train"), capsys)
    for flag in ("--base", "--data"):
        line = text[text.index(flag) :].split("\n\u2502 --", 1)[0]
        assert "Required" in line, f"{flag} does not say it is required: {line}"
    assert "<bool>" not in run_cli("finetune", "train", "--help", check_rc=0).stdout  # the console script too
    proc = run_cli("finetune", "train", "--base", "some/model")
    assert proc.returncode == 2 and "--base and --data are required" in proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["bench", "run", "logior", "--limit", "-5"],
        ["bench", "run", "logior", "--limit", "0"],
        ["bench", "run", "logior", "--workers", "0"],
        ["bench", "run", "logior", "--time-limit", "0"],
        ["bench", "report", "x.jsonl", "--tolerance", "-1"],
        ["solve", "x", "--budget", "-1"],
        ["solve", "x", "--llm-timeout", "0"],
        ["solve", "x", "--time-limit", "nan"],
        ["chat", "--llm-timeout", "-3"],
        ["smtt", "exact", "--set", "n20", "--time-limit", "-1"],
        ["smtt", "eval", "--heuristic", "edd", "--set", "n20", "--limit", "-2"],
        ["finetune", "train", "--base", "b", "--data", "d", "--learning-rate", "-0.1"],
        ["finetune", "data", "--out", "o.jsonl", "--threshold", "1.5"],
        ["formulation", "check", "f.json", "-s", "s.json", "--tolerance", "0"],
    ],
    ids=" ".join,
)
def test_numbers_out_of_range_are_usage_errors(args):
    proc = run_cli(*args)
    assert proc.returncode == 2, proc.stderr
    assert args[-2] in proc.stderr  # the option out of range is named (each case ends with it)
