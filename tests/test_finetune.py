"""Fine-tuning: data building, contamination, LoRA steps on a tiny model built here, resume, merge, reload."""

from __future__ import annotations

import json
import os

import pytest

pytest.importorskip("trl", reason="the [finetune] extra (trl, peft, transformers, torch) is not installed")

from agent_fixtures import FORMULATION, GOOD_CODE, PROBLEM
from cli_helpers import run_cli
from conftest import EXAMPLES, shared_dir

from optagent.agent.llm import LLMRequest, Message, ScriptedLLM
from optagent.agent.llm.transformers_backend import TransformersBackend
from optagent.finetune import build
from optagent.finetune import examples as ex
from optagent.finetune.contamination import ContaminationIndex
from optagent.finetune.tiny_model import build_tiny_model
from optagent.finetune.train import TrainConfig, merge, train
from optagent.prompts import render
from optagent.sandbox import Limits, WorkerPool


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(1, limits=Limits(timeout_s=60)) as workers:
        yield workers


def test_examples_use_the_agents_own_prompts():
    example = ex.problem_to_formulation(PROBLEM, FORMULATION, "test")
    system, user, assistant = example.messages
    assert system["content"] == render("system").text
    assert user["content"] == render("formulate", problem=PROBLEM, asks="").text
    assert json.loads(assistant["content"].strip("`").removeprefix("json\n")) == FORMULATION
    assert example.to_dict()["prompt_version"].startswith("p1-")


def test_reference_examples_are_solver_verified():
    root = shared_dir("logior").parent
    examples = build.from_references(root, EXAMPLES / "logior")
    assert len(examples) == 16 and {e.task for e in examples} == {"problem_to_formulation"}
    assert all(e.source.startswith("logior:prob_") for e in examples)


def test_inline_data_makes_optimus_programs_self_contained():
    code = (
        'import json\nwith open("/Users/a/parameters.json") as f:\n    data = json.load(f)\nx = data["A"]\n'
    )
    inlined = build.inline_data(code, '{"A": 3}')
    assert "open(" not in inlined and "data = json.loads('{\"A\": 3}')" in inlined
    namespace: dict = {}
    exec(compile(inlined, "program.py", "exec"), namespace)  # the result is a valid program
    assert namespace["x"] == 3
    assert build.inline_data("x = 1\n", "{}") is None


def test_copied_and_reworded_evaluation_problems_are_dropped():
    evaluation = [
        ("optibench:7", PROBLEM),
        ("other:1", "A school bus company plans routes for 12 buses " * 3),
    ]
    index = ContaminationIndex(evaluation)
    copied = ex.problem_to_code(PROBLEM, GOOD_CODE, "copied")
    reworded = ex.problem_to_code(
        PROBLEM.replace("furniture maker", "carpenter").replace("Each week", "Weekly"), GOOD_CODE, "reworded"
    )
    unrelated = ex.problem_to_code(
        "Blend three oils into a fuel of given octane at least cost.", GOOD_CODE, "new"
    )
    kept, dropped = index.filter([copied, reworded, unrelated])
    assert [e.source for e in kept] == ["new"]
    assert {(d.source, d.matched) for d in dropped} == {
        ("copied", "optibench:7"),
        ("reworded", "optibench:7"),
    }
    assert next(d for d in dropped if d.source == "copied").similarity == 1.0


@pytest.mark.slow
def test_data_cli_checks_against_the_evaluation_sets(tmp_path):
    root = shared_dir("logior").parent
    out = tmp_path / "train.jsonl"
    args = [
        "finetune",
        "data",
        "--out",
        str(out),
        "--references",
        str(EXAMPLES / "logior"),
        "--data-dir",
        str(root),
    ]
    report = json.loads(run_cli(*args, "--eval-sets", "optibench", "--json", check_rc=0).stdout)
    assert report["examples"] == 16 and report["dropped"] == []
    from datasets import load_dataset

    assert len(load_dataset("json", data_files=str(out), split="train")) == 16
    leaked = json.loads(run_cli(*args, "--eval-sets", "logior", "--json", check_rc=0).stdout)
    assert leaked["examples"] == 0 and len(leaked["dropped"]) == 16  # training on the test set is refused


def test_synthesis_keeps_only_verified_problems(pool):
    good = [json.dumps(FORMULATION), PROBLEM, GOOD_CODE]
    wrong_code = [json.dumps(FORMULATION), PROBLEM, GOOD_CODE.replace("(400, 450)", "(400, 10**9)")]
    teacher = ScriptedLLM(good + wrong_code)
    kept, rejected = build.synthesize(teacher, pool, 2)
    assert [e.task for e in kept] == ["problem_to_formulation", "problem_to_code"]
    assert len(rejected) == 1 and "the program gives 3600" in rejected[0]


def test_runs_give_examples_from_verified_correct_records(tmp_path):
    root = shared_dir("logior").parent
    record = {
        "schema": 1,
        "dataset": "logior",
        "problem_id": "prob_023",
        "verdict": "agreed",
        "scores": {"strict": True},
        "formulation": FORMULATION,
        "code": GOOD_CODE,
    }
    run = tmp_path / "run.jsonl"
    run.write_text(
        json.dumps(record)
        + "\n"
        + json.dumps({**record, "problem_id": "prob_001", "verdict": "solved"})
        + "\n"
    )
    examples = build.from_runs([run], root)
    assert [e.task for e in examples] == ["problem_to_formulation", "problem_to_code"]
    assert all(e.source == "run:logior:prob_023" for e in examples)


def chat_rows(count: int) -> str:
    rows = []
    for k in range(count):
        rows.append(
            {
                "messages": [
                    {"role": "system", "content": "You model problems."},
                    {"role": "user", "content": f"Maximize profit with capacity {k}."},
                    {"role": "assistant", "content": '{"name": "production_mix", "problem_type": "LP"}'},
                ]
            }
        )
    return "".join(json.dumps(r) + "\n" for r in rows)


@pytest.mark.slow
def test_lora_steps_lower_the_loss_resume_merge_and_serve(tmp_path):
    base = build_tiny_model(tmp_path / "base").folder
    data = tmp_path / "data.jsonl"
    data.write_text(chat_rows(24))
    settings = dict(
        base=str(base),
        data=str(data),
        output=str(tmp_path / "adapter"),
        batch_size=4,
        grad_accum=1,
        max_length=256,
        save_steps=4,
        logging_steps=1,
        report_to=[],
        learning_rate=1e-2,
        lora_r=8,
        target_modules=["q_proj", "v_proj"],
    )
    first = train(TrainConfig(**settings, max_steps=4))
    assert first["steps"] == 4 and first["losses"][-1] < first["losses"][0]
    assert (tmp_path / "adapter" / "checkpoint-4").exists()
    resumed = train(TrainConfig(**settings, max_steps=8), resume=True)
    assert resumed["steps"] == 8
    assert resumed["resumed_from"].endswith("checkpoint-4") and resumed["steps_run"] == 4  # steps 5-8 only
    assert first["steps_run"] == 4 and first["resumed_from"] is None
    assert resumed["losses"][-1] < first["losses"][0] and "eval_loss" in resumed

    request = LLMRequest((Message("user", "Maximize profit with capacity 3."),), max_tokens=6)
    with_adapter = TransformersBackend(str(base), adapter=str(tmp_path / "adapter"))
    assert with_adapter.model_id.endswith("+" + str(tmp_path / "adapter"))
    text = with_adapter.complete(request).text
    merged = merge(str(base), str(tmp_path / "adapter"), str(tmp_path / "merged"))
    assert TransformersBackend(str(merged)).complete(request).text == text  # merged == base + adapter


def test_yaml_config_and_errors(tmp_path):
    config = tmp_path / "train.yaml"
    data = tmp_path / "d.jsonl"
    data.write_text(chat_rows(2))
    config.write_text(f"base: some/model\ndata: {data}\nlora_r: 4\n")
    settings = TrainConfig.from_yaml(config, max_steps=3)
    assert settings.lora_r == 4 and settings.max_steps == 3
    config.write_text("base: x\ndata: y\nlora_rank: 4\n")
    from optagent.errors import InputError

    with pytest.raises(InputError, match="unknown settings"):
        TrainConfig.from_yaml(config)
    with pytest.raises(InputError, match="does not exist"):
        TrainConfig(base="x", data=str(tmp_path / "missing.jsonl"))


@pytest.mark.slow
def test_train_and_merge_from_the_command_line(tmp_path):
    base = build_tiny_model(tmp_path / "base").folder
    data = tmp_path / "data.jsonl"
    data.write_text(chat_rows(12))
    config = tmp_path / "ft.yaml"
    config.write_text(
        f"base: {base}\ndata: {data}\noutput: {tmp_path / 'adapter'}\nbatch_size: 4\ngrad_accum: 1\n"
        "max_length: 256\nsave_steps: 2\nreport_to: []\nlora_r: 4\ntarget_modules: [q_proj, v_proj]\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    trained = run_cli(
        "finetune", "train", "--config", str(config), "--max-steps", "2", "--json", check_rc=0, env=env
    )
    metrics = _last_json(trained.stdout)
    assert metrics["steps"] == 2
    proc = run_cli(
        "finetune",
        "merge",
        "--base",
        str(base),
        "--adapter",
        str(tmp_path / "adapter"),
        "--output",
        str(tmp_path / "merged"),
        check_rc=0,
        env=env,
    )
    assert "merged model written" in proc.stdout and (tmp_path / "merged" / "config.json").exists()
    missing = run_cli(
        "finetune", "train", "--base", str(base), "--data", str(tmp_path / "none.jsonl"), env=env
    )
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def _last_json(text: str) -> dict:
    """The JSON object printed last (training libraries may print progress before it)."""
    return json.loads(text[text.rindex("\n{") + 1 :] if "\n{" in text else text)


@pytest.mark.slow
def test_nlp4lp_programs_become_verified_code_and_repair_examples(pool):
    root = shared_dir("nlp4lp-orthought").parent
    examples = build.from_nlp4lp(root, pool)
    code = [e for e in examples if e.task == "problem_to_code"]
    repairs = [e for e in examples if e.task == "repair_code"]
    assert len(code) >= 150 and len(repairs) == len(code)
    assert "parameters.json" not in code[0].messages[2]["content"]  # the data is inside the program
    assert "'gurobipy.Model' object has no attribute 'optimise'" in repairs[0].messages[1]["content"]
