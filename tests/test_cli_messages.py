"""Messages that used to mislead: model specs, usage errors (exit code 2), oversized problem texts, the API's
discoverability."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from cli_helpers import run_cli

import optagent
from optagent.agent.config import RunConfig
from optagent.agent.llm.model_spec import parse_model_spec
from optagent.errors import InputError
from optagent.limits import MAX_PROBLEM_CHARS

NO_KEYS = {
    k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPTAGENT_MODEL")
}


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("garbage", "'garbage' is not an OpenAI model name"),
        ("foo:bar:baz", "'foo' is not a provider optagent knows"),
        ("scripted:", "names no file of recorded replies"),
        ("hf:", "names no model name or path"),
        ("deepseek-chat", "did you mean deepseek:deepseek-chat?"),
    ],
)
@pytest.mark.slow
def test_a_bad_model_spec_says_what_is_wrong_and_lists_the_forms(spec, says):
    proc = run_cli("solve", "A factory makes chairs.", "--model", spec, env=NO_KEYS)
    assert proc.returncode == 1
    assert says in proc.stderr and "accepted forms of --model" in proc.stderr
    assert "API key" not in proc.stderr


def test_model_specs_that_are_fine():
    assert parse_model_spec("gpt-4o") == ("openai", "gpt-4o")
    assert parse_model_spec("o3-mini") == ("openai", "o3-mini")
    assert parse_model_spec("ft:gpt-4o-mini:org::abc") == ("openai", "ft:gpt-4o-mini:org::abc")
    assert parse_model_spec("ollama:qwen2.5:14b") == ("ollama", "qwen2.5:14b")
    assert parse_model_spec("hf:/models/x+runs/ft") == ("hf", "/models/x+runs/ft")
    assert parse_model_spec("my:served:model", base_url="http://127.0.0.1:8000/v1") == (
        "openai",
        "my:served:model",
    )
    with pytest.raises(InputError, match="empty"):
        parse_model_spec("  ")


@pytest.mark.slow
def test_a_real_openai_name_without_a_key_still_asks_for_the_key():
    proc = run_cli("solve", "A factory makes chairs.", "--model", "gpt-4o", env=NO_KEYS)
    assert proc.returncode == 1 and "needs an API key: set OPENAI_API_KEY" in proc.stderr


def test_no_problem_is_a_usage_error():
    for args in (["solve"], ["solve", "   "]):
        proc = run_cli(*args)
        assert proc.returncode == 2 and "no problem given" in proc.stderr


def test_a_problem_text_over_the_limit_is_refused_before_any_llm_call(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("A factory makes chairs. " * 100_000)  # 2.4 MB
    replay = tmp_path / "never.json"
    replay.write_text(json.dumps({"replies": []}))
    proc = run_cli("solve", "-f", str(big), "--model", f"scripted:{replay}")
    assert proc.returncode == 1 and f"at most {MAX_PROBLEM_CHARS:,} characters" in proc.stderr
    just_over = "x" * (MAX_PROBLEM_CHARS + 1)
    proc = run_cli("solve", just_over, "--model", f"scripted:{replay}")
    assert proc.returncode == 1 and f"{MAX_PROBLEM_CHARS + 1:,} characters" in proc.stderr
    with pytest.raises(InputError, match="at most"):  # the Python API refuses it too
        optagent.solve(just_over, model=f"scripted:{replay}")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    proc = run_cli("solve", "-f", str(empty))
    assert proc.returncode == 1 and "is empty" in proc.stderr


def test_dir_lists_the_api_and_import_stays_light():
    names = dir(optagent)
    for name in ("solve", "stream", "Answer", "RunConfig", "InputError", "formulations", "__version__"):
        assert name in names
    assert "Any" not in names and "annotations" not in names
    assert set(optagent.__all__) <= set(names)
    heavy = ("optagent.agent", "langgraph", "pyomo")
    code = f"import sys, optagent; print(sorted(m for m in {heavy} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_help_of_solve_documents_every_option():
    doc = optagent.solve.__doc__
    assert doc.count("\n") > 10
    for name in ("model", "mode", "solver", "budget", "samples", "llm", "executor"):
        assert f"{name}:" in doc
    for option in RunConfig.__dataclass_fields__:
        assert f"``{option}``" in doc or f"{option}:" in doc, f"option {option} is not documented"
    assert "help(optagent.solve)" in optagent.stream.__doc__
