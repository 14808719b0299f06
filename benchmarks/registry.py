"""Every dataset optagent reads, where its original file lies, how it is loaded and how it is scored."""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from optagent.benchmarks.families import coe, optibench, orthought, qa_jsonl, user_jsonl
from optagent.benchmarks.problem import Problem
from optagent.errors import InputError


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    benchmark: str  # versions of one benchmark share this (their scores must not be added)
    path: str  # relative to the data directory
    load: Callable[[str, Path], list[Problem]]
    rules: tuple[str, ...]  # published scoring rules, besides the strict one every dataset gets
    hub: str = ""  # a Hugging Face dataset id where one exists (not reachable from here)
    user_file: bool = False  # a user's own JSONL file: ``path`` is the file itself, not under the data dir


def _orthought(folder: str) -> Callable[[str, Path], list[Problem]]:
    def load(name: str, path: Path) -> list[Problem]:
        processed = path.parents[1] / "processed" / folder
        return orthought.load(name, path, processed if processed.exists() else None)

    return load


LLMOPT = ("rel-5pct-rounded",)
SIRL = ("rel-1e-6",)
SPECS = [
    DatasetSpec(
        "optibench", "optibench", "optibench/data/OptiBench.json", optibench.load, ("optibench-all-keys",)
    ),
    DatasetSpec("nl4opt-e", "nl4opt", "nl4opt-e/data/NL4OPT-E.json", optibench.load, ("optibench-all-keys",)),
    DatasetSpec(
        "logior",
        "logior",
        "logior/datasets/summary/summary_logior.json",
        _orthought("LogiOR"),
        ("orthought-abs-0.01",),
    ),
    DatasetSpec(
        "industryor-orthought",
        "industryor",
        "industryor-orthought/datasets/summary/summary_industryor.json",
        _orthought("IndustryOR"),
        ("orthought-abs-0.01",),
    ),
    DatasetSpec(
        "nlp4lp-orthought",
        "nlp4lp",
        "nlp4lp-orthought/datasets/summary/summary_nlp4lp.json",
        _orthought("NLP4LP"),
        ("orthought-abs-0.01",),
        hub="udell-lab/NLP4LP",
    ),
    DatasetSpec(
        "complexor-orthought",
        "complexor",
        "complexor-orthought/datasets/summary/summary_complexor.json",
        _orthought("ComplexOR"),
        ("orthought-abs-0.01",),
    ),
    DatasetSpec("complexor-coe", "complexor", "complexor-coe/dataset/ComplexOR", coe.load, ()),
    DatasetSpec(
        "industryor-sirl",
        "industryor",
        "industryor-sirl/test_data/IndustryOR_fixedV2.json",
        qa_jsonl.load,
        SIRL,
    ),
    DatasetSpec(
        "mamo-easylp",
        "mamo-easylp",
        "mamo-easylp/data/optimization/Easy_LP/mamo_easy_lp.jsonl",
        qa_jsonl.load,
        LLMOPT,
    ),
    DatasetSpec(
        "mamo-complexlp",
        "mamo-complexlp",
        "mamo-complexlp/data/optimization/Complex_LP/mamo_complex_lp.jsonl",
        qa_jsonl.load,
        LLMOPT,
    ),
    DatasetSpec(
        "mamo-easylp-sirl",
        "mamo-easylp",
        "mamo-easylp-sirl/test_data/MAMO_EasyLP_fixed.jsonl",
        qa_jsonl.load,
        SIRL,
    ),
    DatasetSpec(
        "mamo-complexlp-sirl",
        "mamo-complexlp",
        "mamo-complexlp-sirl/test_data/MAMO_ComplexLP_fixed.jsonl",
        qa_jsonl.load,
        SIRL,
    ),
    DatasetSpec("nl4opt-sirl", "nl4opt", "nl4opt-sirl/test_data/NL4OPT.jsonl", qa_jsonl.load, SIRL),
    DatasetSpec(
        "optmath-bench",
        "optmath",
        "optmath-bench/benchmark/OptMATH_Bench.json",
        qa_jsonl.load,
        ("rel-5pct", "rel-1e-6"),
    ),
    DatasetSpec(
        "optmath-bench-193-sirl",
        "optmath",
        "optmath-bench-193-sirl/test_data/OptMATH_Bench_193.jsonl",
        qa_jsonl.load,
        SIRL,
    ),
    DatasetSpec(
        "optibench-llmopt",
        "optibench",
        "optibench-llmopt/data/testset/optibench.jsonl",
        qa_jsonl.load,
        LLMOPT,
    ),
    DatasetSpec(
        "industryor-llmopt",
        "industryor",
        "industryor-llmopt/data/testset/industryor.jsonl",
        qa_jsonl.load,
        LLMOPT,
    ),
    DatasetSpec("nlp4lp-llmopt", "nlp4lp", "nlp4lp-llmopt/data/testset/nlp4lp.jsonl", qa_jsonl.load, LLMOPT),
    DatasetSpec(
        "complexor-llmopt",
        "complexor",
        "complexor-llmopt/data/testset/complexor.jsonl",
        qa_jsonl.load,
        LLMOPT,
    ),
    DatasetSpec(
        "nl4opt-llmopt", "nl4opt", "nl4opt-llmopt/data/testset/nl4opt_test.jsonl", qa_jsonl.load, LLMOPT
    ),
    DatasetSpec(
        "mamo-easylp-llmopt",
        "mamo-easylp",
        "mamo-easylp-llmopt/data/testset/mamo_easy_test.jsonl",
        qa_jsonl.load,
        LLMOPT,
    ),
    DatasetSpec(
        "mamo-complexlp-llmopt",
        "mamo-complexlp",
        "mamo-complexlp-llmopt/data/testset/mamo_complex_test.jsonl",
        qa_jsonl.load,
        LLMOPT,
    ),
    DatasetSpec(
        "optmath-bench-llmopt",
        "optmath",
        "optmath-bench-llmopt/data/testset/optmath_bench.jsonl",
        qa_jsonl.load,
        LLMOPT,
    ),
    DatasetSpec(
        "icml-task3-llmopt",
        "optibench",
        "icml-task3-llmopt/data/testset/task3_test.jsonl",
        qa_jsonl.load,
        LLMOPT,
    ),
]
REGISTRY = {spec.name: spec for spec in SPECS}


def data_dir(explicit: str | Path | None = None) -> Path:
    """--data-dir, else $OPTAGENT_BENCHMARKS, else ../shared/benchmarks beside the working dir or checkout."""
    if explicit:
        return Path(explicit)
    if os.environ.get("OPTAGENT_BENCHMARKS"):
        return Path(os.environ["OPTAGENT_BENCHMARKS"])
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        candidate = base.parent / "shared" / "benchmarks"
        if candidate.exists():
            return candidate
    return Path.cwd().parent / "shared" / "benchmarks"


def is_user_file(name: str) -> bool:
    """A dataset named by a path to the user's own JSONL file (``bench run my_problems.jsonl``)."""
    return name not in REGISTRY and name.lower().endswith(".jsonl")


def user_file_spec(name: str) -> DatasetSpec:
    """The spec of a user's JSONL file (see ``families/user_jsonl.py``): scored by the strict rule only."""
    path = os.path.normpath(name)
    return DatasetSpec(path, f"file:{Path(path).stem}", path, user_jsonl.load, (), user_file=True)


def spec(name: str) -> DatasetSpec:
    if is_user_file(name):
        return user_file_spec(name)
    if name not in REGISTRY:
        close = difflib.get_close_matches(name, REGISTRY, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "run `optagent bench datasets` for the list"
        hint += " (or give a .jsonl file of your own problems)"
        raise InputError(f"unknown dataset {name!r}", hint=hint)
    return REGISTRY[name]


def path_of(name: str, root: Path) -> Path:
    found = spec(name)
    return Path(found.path) if found.user_file else root / found.path


def available(root: Path) -> list[DatasetSpec]:
    return [s for s in SPECS if (root / s.path).exists()]


def load(name: str, root: Path | None = None) -> list[Problem]:
    found = spec(name)
    path = path_of(name, data_dir(root))
    if found.user_file and not path.is_file():
        raise InputError(f"{path}: no such file", hint="give the path of a JSONL file of problems")
    if not path.exists():
        raise InputError(
            f"dataset {name!r} is not at {path}",
            hint="set --data-dir or OPTAGENT_BENCHMARKS to the folder holding the original files",
        )
    return found.load(found.name, path)


def version_hash(problems: list[Problem]) -> str:
    """Content hash of a dataset as loaded: changes when any text or label changes."""
    digest = hashlib.sha256()
    for problem in problems:
        digest.update(f"{problem.id}:{problem.content_hash}\n".encode())
    return digest.hexdigest()[:12]


def load_from_hub(hub_id: str, split: str = "test") -> list[dict]:
    """Rows of a dataset on the Hugging Face Hub via ``datasets`` (needs network; not reachable here)."""
    try:
        from datasets import load_dataset
    except ImportError:
        raise InputError(
            "loading from the hub needs `datasets`", hint='pip install "optagent[finetune]"'
        ) from None
    return [dict(row) for row in load_dataset(hub_id, split=split)]
