"""Rendering for people and LP/MPS export (re-read by HiGHS to prove the files are the same model)."""

import highspy
import pytest
from conftest import EXAMPLES

from optagent.errors import ExportError
from optagent.formulations import Formulation
from optagent.formulations import expr as E
from optagent.formulations.export import export
from optagent.formulations.render import render_latex, render_markdown, render_text, to_latex
from optagent.formulations.solve import solve


@pytest.fixture
def transport():
    return Formulation.load(EXAMPLES / "transportation.json")


def test_text_lists_every_element(transport):
    text = render_text(transport)
    for part in (
        "Sets:",
        "P = {",
        "Parameters:",
        "cost[p in P, m in M] = freight * dist[p, m]",
        "Variables:",
        "Objective: minimize",
        "capacity: sum(ship[p, m] for m in M) <= supply[p]  for all p in P",
    ):
        assert part in text


def test_markdown_has_tables_and_math(transport):
    md = render_markdown(transport)
    assert "| set | definition | description |" in md
    assert r"$$ \sum_{m \in M} \mathit{ship}_{p,m} \le \mathit{supply}_{p}\quad \forall p \in P $$" in md


def test_latex_document(transport):
    doc = render_latex(transport)
    assert doc.startswith(r"\documentclass{article}") and doc.rstrip().endswith(r"\end{document}")
    assert r"\text{(meet\_demand)}" in doc


@pytest.mark.parametrize(
    ("expr", "latex"),
    [
        ("a / (b + c)", r"\frac{a}{b + c}"),
        ("(a + b) * c", r"\left(a + b\right) \cdot c"),
        ("x ** 2", "x^{2}"),
        ("sqrt(x)", r"\sqrt{x}"),
        ("sum(x[i] for i in I if i != 1)", r"\sum_{i \in I : i \ne 1} x_{i}"),
        ("abs(x - y)", r"\left|x - y\right|"),
        ("a - (b - c)", r"a - \left(b - c\right)"),
    ],
)
def test_expression_latex(expr, latex):
    assert to_latex(E.parse(expr)) == latex


@pytest.mark.parametrize("name", ["transportation", "facility_location", "tsp_mtz"])
@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_export_reads_back_with_same_optimum(tmp_path, name, suffix):
    f = Formulation.load(EXAMPLES / f"{name}.json")
    path = export(f, tmp_path / f"model{suffix}")
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.run()
    expected = solve(f).objective
    assert h.getInfo().objective_function_value == pytest.approx(expected, rel=1e-7)


def test_export_refuses_nonlinear_and_bad_suffix(tmp_path):
    with pytest.raises(ExportError, match="NLP model cannot be written"):
        export(Formulation.load(EXAMPLES / "weber_location.json"), tmp_path / "m.lp")
    with pytest.raises(ExportError, match="cannot tell the format"):
        export(Formulation.load(EXAMPLES / "transportation.json"), tmp_path / "m.txt")
