"""Rendering for people (text, Markdown, LaTeX) and LP/MPS export.

The renders must state the model as it is (every domain and bound, set definition and derived parameter),
their math must parse with matplotlib's mathtext and the LaTeX documents must compile with a real TeX
engine; exports are re-read by HiGHS to prove that they are the model, without float noise.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import highspy
import numpy as np
import pytest
from conftest import EXAMPLES, FIXTURES
from matplotlib.mathtext import MathTextParser
from rich.console import Console

from optagent.cli.output import solution_table
from optagent.errors import ExportError, InputError
from optagent.formulations import Formulation, prepare
from optagent.formulations import expr as E
from optagent.formulations.compile_pyomo import compile_formulation
from optagent.formulations.evaluate import Table
from optagent.formulations.export import export
from optagent.formulations.latex import latex_name, number_latex, tex_text, to_latex
from optagent.formulations.numtext import number_text, tidy_numbers
from optagent.formulations.render import RENDERERS, render_latex, render_markdown, render_text
from optagent.formulations.result import SolutionStatus, SolveResult, Termination
from optagent.formulations.solve import solve

MODELS = sorted([*EXAMPLES.glob("*.json"), *(EXAMPLES / "logior").glob("*.json")])
ODD = FIXTURES / "render_odd_names.json"
ALL = [*MODELS, ODD]


def _id(path: Path) -> str:
    return path.stem


@pytest.fixture
def transport():
    return Formulation.load(EXAMPLES / "transportation.json")


# -- numbers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (90 * 2.2, "198"),  # 198.00000000000003
        (90 * 1.4, "126"),  # 125.99999999999999
        (0.1 + 0.2, "0.3"),
        (sum([0.1] * 10), "1"),
        (-0.0, "0"),
        (90.0, "90"),
        (2.5, "2.5"),
        (-3.0, "-3"),
        (1e-7, "1e-07"),
        (1e30, "1e+30"),
        (12345678901234.5, "12345678901234.5"),
        (1 / 3, "0.333333333333333"),
        (7, "7"),
    ],
)
def test_number_text_drops_representation_noise(value, text):
    assert number_text(value) == text


def test_number_text_with_digits_and_never_minus_zero():
    assert number_text(4.123105625617661, 6) == "4.12311"
    assert number_text(-0.0, 6) == "0"
    assert number_text(-1e-300 * 1e-300) == "0"  # underflows to -0.0


def test_numbers_of_up_to_fourteen_digits_are_written_exactly():
    rng = random.Random(13)
    for _ in range(20000):
        digits = rng.randint(1, 14)
        x = float(f"{rng.randint(10 ** (digits - 1), 10**digits - 1)}e{rng.randint(-300, 290)}")
        assert float(number_text(x)) == x


def test_tidy_numbers_rewrites_whole_number_tokens_only():
    text = (
        "+198.00000000000003 x(1_2)\n-0.0 <= y2 <= +inf\n c_u_k(1.5)_ 99.000000000000014 -2.50 e1\n+1 z ^ 2"
    )
    assert tidy_numbers(text) == "+198 x(1_2)\n0 <= y2 <= +inf\n c_u_k(1.5)_ 99 -2.5 e1\n+1 z ^ 2"


# -- expressions and names -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "latex"),
    [
        ("a / (b + c)", r"\frac{a}{b + c}"),
        ("(a + b) * c", r"\left(a + b\right) \cdot c"),
        ("x ** 2", "x^{2}"),
        ("(a / b) ** 2", r"\left(\frac{a}{b}\right)^{2}"),
        ("sqrt(x)", r"\sqrt{x}"),
        ("sum(x[i] for i in I if i != 1)", r"\sum_{i \in I : i \neq 1} x_{i}"),
        ("abs(x - y)", r"\left\vert x - y\right\vert"),
        ("card(N) - 1", r"\left\vert N\right\vert - 1"),
        ("a - (b - c)", r"a - \left(b - c\right)"),
        ("a - -b", r"a - \left(-b\right)"),
        ("-0.0 + a", "0 + a"),
        ("min_make[p] <= make[p]", r"\mathit{min\_make}_{p} \leq \mathit{make}_{p}"),
        ("x['D', t] + x[0, j] >= 1", r"x_{\text{D},t} + x_{0,j} \geq 1"),
        ("x[t % card(T) + 1]", r"x_{t \;\mathrm{mod}\; \left\vert T\right\vert + 1}"),
        ("a % (b * c)", r"a \;\mathrm{mod}\; \left(b \cdot c\right)"),
        (
            "sum(y[i, j] for (i, j) in A if i < j and d[i] > 0)",
            r"\sum_{(i, j) \in A : i < j \wedge d_{i} > 0} y_{i,j}",
        ),
        ("a if t > 1 else b", r"\left(a \;\text{if}\; t > 1 \;\text{else}\; b\right)"),
        ("not (a or b) and c", r"\neg\left(a \vee b\right) \wedge c"),
        ("(a and b) or c", r"\left(a \wedge b\right) \vee c"),
        ("(i, j) not in A", r"(i, j) \notin A"),
        ("1.5e-7 * x + 1e20", r"1.5 \cdot 10^{-7} \cdot x + 10^{20}"),
        (
            "max(a, b) + floor(c) + round(d, 2)",
            r"\max\left\{a, b\right\} + \lfloor c \rfloor + \mathrm{round}\left(d, 2\right)",
        ),
        ("0 <= x - y <= 10", r"0 \leq x - y \leq 10"),
        ("log(x) + log10(y) + exp(z)", r"\ln\left(x\right) + \log_{10}\left(y\right) + \exp\left(z\right)"),
    ],
)
def test_expression_latex(expr, latex):
    assert to_latex(E.parse(expr)) == latex


def test_names_and_text_are_escaped():
    assert latex_name("x") == "x"
    assert latex_name("min_make") == r"\mathit{min\_make}"
    assert latex_name("d_pl") == r"\mathit{d\_pl}"  # not the double subscript d_{pl}
    assert tex_text("R&D 50% $5 #1 a_b {x} ^~\\ <|>") == (
        r"R\&D 50\% \$5 \#1 a\_b \{x\} \textasciicircum{}\textasciitilde{}\textbackslash{} "
        r"\textless{}\textbar{}\textgreater{}"
    )
    assert tex_text("Zürich — 5 € × 2 中") == r"Zürich --- 5 \texteuro{} \texttimes{} 2 [U+4E2D]"
    assert number_latex(-0.0) == "0" and number_latex(2.5e-8) == r"2.5 \cdot 10^{-8}"


# -- what the renders state ------------------------------------------------------------------------
def test_the_issue_cases_state_their_bounds():
    sched = Formulation.load(EXAMPLES / "machine_scheduling.json")
    tsp = Formulation.load(EXAMPLES / "tsp_mtz.json")
    ship = Formulation.load(EXAMPLES / "transportation.json")
    assert "start[j] ∈ ℝ, start[j] >= r[j]  for all j in J" in render_text(sched)
    assert "before[i, j] ∈ {0,1}  for all (i, j) in Pairs" in render_text(sched)
    assert "u[i] ∈ ℝ, 2 <= u[i] <= card(N)  for all i in C" in render_text(tsp)
    assert "ship[p, m] ∈ ℝ, ship[p, m] >= 0  for all p in P, m in M" in render_text(ship)
    for render in (render_markdown, render_latex):
        assert r"\mathit{start}_{j} \in \mathbb{R},\; \mathit{start}_{j} \geq r_{j}\quad \forall j \in J" in (
            render(sched)
        )
        assert r"\mathit{before}_{i,j} \in \{0,1\}\quad \forall (i, j) \in \mathit{Pairs}" in render(sched)
        assert r"u_{i} \in \mathbb{R},\; 2 \leq u_{i} \leq \left\vert N\right\vert\quad \forall i \in C" in (
            render(tsp)
        )
        assert r"\mathit{ship}_{p,m} \in \mathbb{R},\; \mathit{ship}_{p,m} \geq 0" in render(ship)
    for f in (sched, tsp, ship):
        for render in RENDERERS.values():
            assert "inf" not in render(f) and "bounds [" not in render(f)


def _expected_bounds(v) -> tuple[str, list[str], list[str]]:
    """(domain, lower and upper bound as text, the same in LaTeX), as the test reads the variable."""
    lo, up = v.lower, v.upper
    if v.type.value == "binary":
        lo = None if lo in (0, None) else lo
        up = None if up in (1, None) else up
    as_text = [None if b is None else b if isinstance(b, str) else number_text(b) for b in (lo, up)]
    as_latex = [
        None if b is None else to_latex(E.parse(b)) if isinstance(b, str) else number_latex(b)
        for b in (lo, up)
    ]
    return v.type.value, as_text, as_latex


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_every_format_states_every_domain_and_bound(path):
    f = Formulation.load(path)
    text, markdown, latex = render_text(f), render_markdown(f), render_latex(f)
    domains_text = {"continuous": "ℝ", "integer": "ℤ", "binary": "{0,1}"}
    domains_latex = {"continuous": r"\mathbb{R}", "integer": r"\mathbb{Z}", "binary": r"\{0,1\}"}
    for v in f.variables:
        kind, (lo, up), (lo_tex, up_tex) = _expected_bounds(v)
        line = next(x for x in text.splitlines() if re.match(rf"  {v.name}(\[[^\]]*\])? ∈ ", x))
        sym = re.escape(line.split(" ∈ ")[0].strip())
        assert f" ∈ {domains_text[kind]}" in line
        if lo is not None and up is not None:
            assert re.search(rf"{re.escape(lo)} <= {sym} <= {re.escape(up)}", line), line
        elif lo is not None:
            assert re.search(rf"{sym} >= {re.escape(lo)}(  |$)", line), line
        elif up is not None:
            assert re.search(rf"{sym} <= {re.escape(up)}(  |$)", line), line
        else:
            assert "<=" not in line.split("for all")[0] and ">=" not in line, line
        for doc in (markdown, latex):
            head = re.escape(latex_name(v.name)) + r"(?:_\{[^}]*\})?"
            stmt = re.search(rf"{head} \\in {re.escape(domains_latex[kind])}([^$\n]*)", doc)
            assert stmt, (v.name, kind)
            rest = stmt.group(1)
            if lo_tex is not None:
                assert f"{lo_tex} \\leq " in rest or f"\\geq {lo_tex}" in rest, rest
            if up_tex is not None:
                assert f"\\leq {up_tex}" in rest, rest
            if lo_tex is None and up_tex is None:
                assert r"\leq" not in rest.split(r"\forall")[0] and r"\geq" not in rest, rest


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_every_format_shows_set_definitions_and_derived_parameters(path):
    f = Formulation.load(path)
    text, markdown, latex = render_text(f), render_markdown(f), render_latex(f)
    for s in f.sets:
        if s.filter is not None:
            assert f"{{{s.filter.over} | {s.filter.condition}}}" in text
            condition = to_latex(E.parse(s.filter.condition))
            assert f": {condition}\\}}" in markdown and f": {condition}\\}}" in latex
        for member in s.product or s.union or s.intersection or s.difference or []:
            assert f"{s.name} = " in text and latex_name(member) in markdown and latex_name(member) in latex
        if s.range is not None:
            assert f"{{{s.range.start} .. {s.range.end}" in text
    for p in f.parameters:
        if p.expr is not None:
            assert f"{p.name}" in text and p.expr in text
            definition = to_latex(E.parse(p.expr))
            assert f" = {definition}" in markdown and f" = {definition}" in latex


def test_range_and_set_algebra_in_latex():
    md = render_markdown(Formulation.load(ODD))
    assert r"\mathit{T2} = \{1, 4, 7, 10\}" in md  # the step's true last element, not the written end 10
    assert r"T = \{0 + 2 k : k \in \mathbb{Z}, k \geq 0, 0 + 2 k \leq \mathit{horizon}\}" in md
    assert r"U = T \cup \mathit{Dif}" in md and r"\mathit{Dif} = \mathit{T2} \setminus T" in md
    assert r"X = U \cap \mathit{T2}" in md and r"\mathit{ST} = S \times T" in md
    assert r"P = \{(1, 2), (2, 3)\}" in md
    assert (
        r"\mathit{n\_lots}_{l} \in \mathbb{Z},\; 0 \leq \mathit{n\_lots}_{l} \leq 3\quad \forall l \in" in md
    )
    assert r"\mathit{slack} \in \mathbb{R}" in md and "slack ∈ ℝ (free)" in render_text(Formulation.load(ODD))


def test_latex_document_includes_the_data(transport):
    doc = render_latex(transport)
    assert doc.startswith(r"\documentclass") and doc.rstrip().endswith(r"\end{document}")
    assert r"\text{(meet\_demand)}" in doc
    assert r"$\text{Seattle}$ & $2.5$ & $1.7$ & $1.8$ & $2.2$ \\" in doc  # dist, a matrix by market
    assert r"$\text{Seattle}$ & $225$ & $153$ & $162$ & $198$ \\" in doc  # cost, computed, without noise
    assert "198.00000000000003" not in doc and "Values (computed; 6 significant digits)." in doc
    assert r"\mathit{freight} = 90" in doc


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_latex_document_lists_every_value(path):
    f = Formulation.load(path)
    doc = render_latex(f)
    prep = prepare(f)
    for p in f.parameters:
        value = prep.params[p.name]
        digits = 6 if p.expr is not None else None
        if not isinstance(value, Table):
            assert f"{latex_name(p.name)} = {number_latex(value, digits)}$" in doc, p.name
            continue
        for number in value.entries.values():
            assert f"${number_latex(number, digits)}$" in doc, (p.name, number)


# -- math that parses and documents that compile ---------------------------------------------------
def _math(doc: str) -> list[str]:
    """Every math expression of a Markdown or LaTeX render: align rows, $$...$$ and $...$."""
    out = []
    for block in re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", doc, re.S):
        out += [row.replace("&", " ").strip() for row in block.split("\\\\\n") if row.strip()]
    doc = re.sub(r"\\begin\{align\*\}.*?\\end\{align\*\}", "", doc, flags=re.S)
    out += re.findall(r"\$\$(.+?)\$\$", doc)
    doc = re.sub(r"\$\$(.+?)\$\$", "", doc)
    return out + re.findall(r"(?<!\\)\$(.+?)(?<!\\)\$", doc)


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_every_math_expression_parses_with_mathtext(path):
    f = Formulation.load(path)
    parser = MathTextParser("path")
    expressions = sorted(set(_math(render_markdown(f)) + _math(render_latex(f))))
    assert len(expressions) > 2 * (len(f.variables) + len(f.constraints))
    for expression in expressions:
        parser.parse(f"${expression}$")  # raises ValueError on anything mathtext does not know


def test_mathtext_check_catches_commands_it_does_not_know():
    with pytest.raises(ValueError):
        MathTextParser("path").parse(r"$x \le y$")


_TEX = shutil.which("pdflatex")


@pytest.mark.skipif(
    _TEX is None and not os.environ.get("OPTAGENT_REQUIRE_TEX"),
    reason="pdflatex is not installed (apt-get install texlive-latex-base; CI sets OPTAGENT_REQUIRE_TEX=1)",
)
@pytest.mark.parametrize("path", ALL, ids=_id)
def test_latex_document_compiles_with_pdflatex(path, tmp_path):
    assert _TEX is not None, "OPTAGENT_REQUIRE_TEX is set but pdflatex is not installed"
    (tmp_path / "model.tex").write_text(render_latex(Formulation.load(path)), encoding="utf-8")
    run = subprocess.run(
        [_TEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "model.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [line for line in run.stdout.splitlines() if line.startswith("!")]
    assert run.returncode == 0 and not errors, "\n".join(errors) or run.stdout[-2000:]
    assert (tmp_path / "model.pdf").stat().st_size > 1000


# -- no "-0" ---------------------------------------------------------------------------------------
_MINUS_ZERO = re.compile(r"(?<![\w.])-0(\.0*)?(?![\w.])")


def test_no_minus_zero_in_renders_exports_or_solution_tables(tmp_path):
    f = Formulation.load(ODD)  # -0.0 as data, as a default, as a bound and as a scalar
    assert _MINUS_ZERO.search(f.model_dump_json()) is not None
    for render in RENDERERS.values():
        assert not _MINUS_ZERO.search(render(f)), render.__name__
    linear = Formulation.from_data(
        {
            "parameters": [{"name": "z", "value": -0.0}],
            "variables": [{"name": "x", "lower": -0.0, "upper": 4}, {"name": "y", "lower": None}],
            "objective": {"sense": "minimize", "expr": "x + y"},
            "constraints": [{"name": "c", "expr": "x + y >= z"}, {"name": "d", "expr": "y >= -5"}],
        }
    )
    for suffix in (".lp", ".mps"):
        written = export(linear, tmp_path / f"m{suffix}").read_text()
        assert not _MINUS_ZERO.search(written), written
    result = SolveResult(
        termination=Termination.optimal,
        solution_status=SolutionStatus.optimal,
        objective=-0.0,
        values={"x": {"a,1": -0.0, "b,2": 2.0}, "y": -0.0},
        solver="highs",
        time_limit=10,
        threads=1,
    )
    console = Console(record=True, width=100)
    console.print(solution_table(result, show_zero=True))
    table = console.export_text()
    assert "a,1" in table and not _MINUS_ZERO.search(table), table


# -- export ----------------------------------------------------------------------------------------
def _read(path: Path) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) != highspy.HighsStatus.kError  # Pyomo's MPS integer bounds warn
    return h


@pytest.mark.parametrize("name", ["transportation", "facility_location", "tsp_mtz"])
@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_export_reads_back_with_same_optimum(tmp_path, name, suffix):
    f = Formulation.load(EXAMPLES / f"{name}.json")
    h = _read(export(f, tmp_path / f"model{suffix}"))
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(solve(f).objective, rel=1e-7)


@pytest.mark.parametrize("path", [p for p in MODELS if p.stem not in ("weber_location", "prob_083")], ids=_id)
@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_export_drops_float_noise_and_keeps_every_coefficient(tmp_path, path, suffix):
    f = Formulation.load(path)
    written = export(f, tmp_path / f"tidy{suffix}")
    raw = tmp_path / f"raw{suffix}"  # what Pyomo writes, noise and all
    fmt = {".lp": "lp", ".mps": "mps"}[suffix]
    compile_formulation(f).model.write(str(raw), format=fmt, io_options={"symbolic_solver_labels": True})
    for token in re.findall(r"(?<!\S)[+-]?\d+\.\d+(?:[eE][+-]?\d+)?(?!\S)", written.read_text()):
        assert len(re.sub(r"\D", "", token.split("e")[0].lstrip("+-0."))) <= 15, token
    tidy, noisy = _read(written).getModel(), _read(raw).getModel()
    a, b = tidy.lp_, noisy.lp_
    assert (a.num_col_, a.num_row_) == (b.num_col_, b.num_row_)
    np.testing.assert_array_equal(tidy.hessian_.index_, noisy.hessian_.index_)
    np.testing.assert_allclose(tidy.hessian_.value_, noisy.hessian_.value_, rtol=5e-15, atol=0)
    for part in ("col_cost_", "col_lower_", "col_upper_", "row_lower_", "row_upper_"):
        np.testing.assert_allclose(getattr(a, part), getattr(b, part), rtol=5e-15, atol=0, err_msg=part)
    np.testing.assert_array_equal(a.a_matrix_.index_, b.a_matrix_.index_)
    np.testing.assert_allclose(a.a_matrix_.value_, b.a_matrix_.value_, rtol=5e-15, atol=0)
    np.testing.assert_array_equal(a.integrality_, b.integrality_)


def test_transportation_export_has_no_noise(tmp_path, transport):
    raw = tmp_path / "raw.lp"
    compile_formulation(transport).model.write(
        str(raw), format="lp", io_options={"symbolic_solver_labels": True}
    )
    assert "198.00000000000003" in raw.read_text()  # the noise this export removes
    lp = export(transport, tmp_path / "m.lp").read_text()
    assert "+198 ship(Seattle_Austin)" in lp and "+126 ship(SanDiego_Topeka)" in lp
    assert "0 <= ship(Seattle_NewYork) <= +inf" in lp


def test_export_refuses_nonlinear_and_bad_suffix(tmp_path):
    with pytest.raises(ExportError, match="NLP model cannot be written"):
        export(Formulation.load(EXAMPLES / "weber_location.json"), tmp_path / "m.lp")
    with pytest.raises(ExportError, match="cannot tell the format"):
        export(Formulation.load(EXAMPLES / "transportation.json"), tmp_path / "m.txt")


# -- text and Markdown ---------------------------------------------------------------------------
def test_text_lists_every_element(transport):
    text = render_text(transport)
    for part in (
        "Sets:",
        'P = {"Seattle", "SanDiego", "Denver"}',
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
    assert r"$$ \sum_{m \in M} \mathit{ship}_{p,m} \leq \mathit{supply}_{p}\quad \forall p \in P $$" in md
    assert r"| $\mathit{cost}$ | $\mathit{cost}_{p,m} = \mathit{freight} \cdot \mathit{dist}_{p,m}" in md


def test_long_data_is_cut_with_a_count(base):
    base["sets"].append({"name": "K", "range": {"start": 1, "end": 450}})
    base["parameters"].append({"name": "big", "index": ["k in K"], "expr": "k * 1.5"})
    doc = render_latex(Formulation.from_data(base))
    assert "First 400 of 450 entries shown." in doc
    assert r"$400$ & $600$ \\" in doc and r"$401$ & $601.5$" not in doc


def test_text_shows_a_broken_model_as_written_and_math_renders_refuse_it_clearly(base):
    base["constraints"][0]["forall"] = ["t in"]
    base["constraints"][1]["expr"] = "stock[t] >="
    text = render_text(Formulation.from_data(base))
    assert "meet: sum(x[i, t] for i in I) >= demand[t]  for all t in" in text
    assert "balance: stock[t] >=  for all t in T where t > 1" in text
    with pytest.raises(InputError, match="bad index binding 't in'"):
        render_markdown(Formulation.from_data(base))


def test_a_bare_set_binding_gets_an_index_name_no_symbol_uses(base):
    base["parameters"].append({"name": "i", "value": 2})
    base["variables"].append({"name": "y", "index": ["I", "T"], "type": "integer", "upper": "i"})
    f = Formulation.from_data(base)
    assert "y[i1, t] ∈ ℤ, 0 <= y[i1, t] <= i  for all i1 in I, t in T" in render_text(f)
    assert r"y_{i1,t} \in \mathbb{Z},\; 0 \leq y_{i1,t} \leq i\quad \forall i1 \in I, t \in T" in (
        render_markdown(f)
    )
