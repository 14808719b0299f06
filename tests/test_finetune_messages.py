"""Fine-tuning and local models without network: Hugging Face ids are looked up in the local cache first and
fail at once, with what to do, when they are not there; `finetune data` lists each dropped source once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from cli_helpers import run_cli
from conftest import EXAMPLES

from optagent.cli.finetune import print_dropped
from optagent.finetune.contamination import Dropped

MINI = EXAMPLES / "bench" / "mini.jsonl"


def offline_env(tmp_path, **extra: str) -> dict[str, str]:
    return {**os.environ, "HF_HOME": str(tmp_path / "hf"), "OMP_NUM_THREADS": "1", **extra}


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"HF_HUB_OFFLINE": "1"}, "is not in the local Hugging Face cache"),
        ({"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": "http://127.0.0.1:9"}, "the Hub cannot be reached"),
    ],
    ids=["HF_HUB_OFFLINE", "no-network"],
)
@pytest.mark.slow
def test_an_uncached_hub_id_fails_at_once_with_what_to_do(tmp_path, extra, says):
    data = tmp_path / "train.jsonl"
    data.write_text('{"messages": []}\n')
    start = time.monotonic()
    model, out, env = "some-org/some-model", tmp_path / "o", offline_env(tmp_path, **extra)
    train = run_cli("finetune", "train", "--base", model, "--data", str(data), "--output", str(out), env=env)
    solve = run_cli("solve", "A factory.", "--model", f"hf:{model}", env=env)
    seconds = time.monotonic() - start  # both commands: transformers alone retried for about a minute
    for proc in (train, solve):
        assert proc.returncode == 1 and says in proc.stderr, proc.stderr
        assert "hf download some-org/some-model" in proc.stderr and "internal error" not in proc.stderr
    assert seconds < 45
    assert not out.exists()


@pytest.mark.slow
def test_a_cached_hub_id_loads_offline(tmp_path):
    pytest.importorskip("transformers", reason="the [local] extra is not installed")
    from optagent.finetune.tiny_model import build_tiny_model

    repo, revision = tmp_path / "hf" / "hub" / "models--local--tiny", "a" * 40  # the cache's own layout
    build_tiny_model(repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    code = (
        "from optagent.agent.llm.transformers_backend import TransformersBackend\n"
        "llm = TransformersBackend('local/tiny'); print(llm.model_id, llm.model.config.num_hidden_layers)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
        env=offline_env(tmp_path, HF_HUB_OFFLINE="1"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["hf:local/tiny", "2"]


def test_dropped_examples_are_listed_once_per_source_then_how_many_more(capsys):
    dropped = []
    for k in range(25):  # each source dropped with two examples (its formulation and its program)
        dropped += [
            Dropped(f"e{k}a", f"run:d:{k}", f"eval:{k}", 0.9),
            Dropped(f"e{k}b", f"run:d:{k}", "x", 0.7),
        ]
    print_dropped(dropped, shown=20)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 21 and lines[-1].strip() == "... and 5 more dropped sources (--json lists them all)"
    assert lines[0].strip() == "dropped run:d:0 ~ eval:0 (similarity 0.9, 2 examples)"
    assert len({line.split()[1] for line in lines[:-1]}) == 20


def test_finetune_data_from_a_run_lists_each_dropped_source_once(tmp_path):
    rows = [json.loads(line) for line in MINI.read_text().splitlines() if '"answer": null' not in line]
    records = [
        {
            "dataset": str(MINI),
            "problem_id": row["id"],
            "verdict": "verified",
            "scores": {"strict": True},
            "formulation": json.loads((EXAMPLES / "bench" / "mini" / f"{row['id']}.json").read_text()),
            "code": (EXAMPLES / "bench" / "mini" / f"{row['id']}.py").read_text(),
        }
        for row in rows
    ]
    run = tmp_path / "run.jsonl"
    run.write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "train.jsonl"
    proc = run_cli(
        "finetune", "data", "--out", str(out), "--runs", str(run), "--eval-sets", str(MINI), check_rc=0
    )
    lines = [line.strip() for line in proc.stdout.splitlines() if line.strip().startswith("dropped")]
    assert "0 examples written" in proc.stdout and f"{2 * len(rows)} dropped" in proc.stdout
    assert sorted(lines) == sorted(
        f"dropped run:{MINI}:{row['id']} ~ {MINI}:{row['id']} (similarity 1.0, 2 examples)" for row in rows
    )


def test_tiny_model_writes_only_to_a_new_folder_or_over_its_own(tmp_path):
    theirs = tmp_path / "my-model"
    theirs.mkdir()
    (theirs / "config.json").write_text("{}")
    for target, says in ((theirs, "is not empty and holds no tiny model"), (MINI, "is a file")):
        proc = run_cli("finetune", "tiny-model", str(target))
        assert proc.returncode == 1 and says in proc.stderr, proc.stderr
    assert [p.name for p in theirs.iterdir()] == ["config.json"]  # left as it was
    assert (theirs / "config.json").read_text() == "{}"
