"""One import namespace: every package folder is mapped under optagent, no generic top-level modules."""

import importlib
import importlib.util

import tomllib
from conftest import ROOT


def test_every_package_folder_is_declared():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = set(config["tool"]["setuptools"]["packages"])
    mapping = config["tool"]["setuptools"]["package-dir"]
    found = set()
    for package, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *rel.parts]))
    assert found == declared


def test_namespace_imports_and_no_generic_modules():
    for name in (
        "optagent",
        "optagent.cli",
        "optagent.agent",
        "optagent.formulations",
        "optagent.evaluation",
    ):
        importlib.import_module(name)
    for generic in ("formulations", "agent", "benchmarks", "evaluation", "prompts", "core"):
        assert importlib.util.find_spec(generic) is None, f"'{generic}' must not be importable at top level"


def test_the_core_install_solves_every_class_without_extras():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    core = {dep.split(">")[0].split("=")[0].strip().lower() for dep in config["project"]["dependencies"]}
    assert {"highspy", "pyscipopt", "pyomo"} <= core  # HiGHS and SCIP (global, nonlinear) in every install
    assert "gurobipy" not in core  # a commercial licence stays optional
    from optagent.formulations.solvers import SOLVERS

    every = set().union(*(s.classes for s in SOLVERS.values() if s.name in ("highs", "scip")))
    assert every == set().union(*(s.classes for s in SOLVERS.values()))
