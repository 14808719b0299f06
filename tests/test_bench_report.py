"""`bench report`: tables that hold their shape, verdict precision, readings beside the strict score, the
ambiguous problems, miss triage on small self-written formulations, per-problem details, plots, terminal
rendering, and the data/model/prompt each number rests on. Run files are written here from records."""

from __future__ import annotations

import copy
import io
import json
import os
import random
import re
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cli_helpers import run_cli
from rich.console import Console

from optagent.evaluation import stats
from optagent.evaluation.report import accuracy_figure, html_report, load_runs, markdown, triage_runs
from optagent.evaluation.scoring import RULES
from optagent.evaluation.triage import triage_record
from optagent.reporting import markdown as md
from optagent.reporting.html_page import markdown_html
from optagent.reporting.terminal import ReportMarkdown

# maximize 3x + 2y  s.t.  x + y <= 4, x <= 3  ->  x = 3, y = 1, optimum 11
LP = {
    "name": "two_products",
    "problem_type": "LP",
    "sets": [],
    "parameters": [],
    "variables": [{"name": "x", "lower": 0}, {"name": "y", "lower": 0}],
    "objective": {"sense": "maximize", "expr": "3 * x + 2 * y"},
    "constraints": [{"name": "cap", "expr": "x + y <= 4"}, {"name": "x_max", "expr": "x <= 3"}],
}
CAP_5 = {"constraints": [{"name": "cap", "expr": "x + y <= 5"}]}  # another reading: optimum 13
ILP = {**LP, "name": "two_products_int", "problem_type": "ILP"}
ILP["variables"] = [{"name": v, "type": "integer", "lower": 0} for v in ("x", "y")]


def reading(text: str, objective: float | None, *, literal=False, edit=None, proven=True, status="optimal"):
    return {
        "text": text,
        "literal": literal,
        "edit": edit or {},
        "status": status,
        "objective": objective,
        "proven_optimal": proven and objective is not None,
        "message": "",
    }


def record(pid: str, label, answer, *, verdict="agreed", formulation=LP, readings=None, **extra) -> dict:
    """A record as `bench run` writes it (runner.make_record's fields), scored here; ``label`` None is a
    label without a number."""
    infeasible = label == "infeasible"
    rec = {
        "schema": 2,
        "dataset": "logior",
        "dataset_hash": "f897d62b3a8e",
        "subset_ids": None,
        "model": "gpt-test",
        "prompt_version": "p1-test",
        "mode": "full",
        "config": {"solver": "auto", "budget": 4, "time_limit": 60.0},
        "problem_id": pid,
        "problem_type": "LP",
        "size": "Toy",
        "expected": {
            "objective": None if infeasible else label,
            "infeasible": infeasible,
            "raw": str(label or "n/a"),
        },
        "predicted": {"objective": answer, "status": "optimal" if answer is not None else "none"},
        "verdict": verdict,
        "latency_s": 1.0,
        "attempts": ["formulate:ok", "solve_ir:ok"],
        "tokens": {"prompt": 100, "completion": 50},
        "cost_usd": 0.001,
        "llm_calls": 2,
        "formulation": copy.deepcopy(formulation) if formulation else None,
        "code": "def solve():\n    return 11\n",
        "readings": readings
        if readings is not None
        else (
            [reading("as formulated (the most literal reading)", answer, literal=True)] if formulation else []
        ),
        "steps": [
            {
                "node": "formulate",
                "outcome": "ok",
                "summary": "formulation 'two_products' (LP) is valid",
                "feedback": "",
            },
            {
                "node": "diagnose",
                "outcome": "repair",
                "summary": "formulation and program disagree",
                "feedback": "the program returned 12 <script>alert(1)</script>; the formulation 11",
            },
        ],
        "checks": ["formulation: solved by highs, objective 11 (proven optimal)"],
        **extra,
    }
    rec["scores"] = stats.rescore(rec, [RULES["strict"]])
    return rec


def write_run(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


# --- the five triage cases, each on a formulation written above --------------------------------------


def test_triage_a_some_reading_gives_the_label():
    rec = record(
        "amb",
        13,
        11,
        verdict="ambiguous",
        readings=[
            reading("as formulated", 11, literal=True),
            reading("the cap is 5 in total", 13, edit=CAP_5),
        ],
    )
    found = triage_record(rec)
    assert found.case == "a" and "reading 2 'the cap is 5 in total' gives 13" in found.finding
    assert found.solves == 0  # read from the run, nothing solved


def test_triage_b_label_better_than_every_proven_optimum():
    rec = record(
        "above",
        20,
        11,
        readings=[reading("as formulated", 11, literal=True), reading("cap 5", 13, edit=CAP_5)],
    )
    found = triage_record(rec)
    assert found.case == "b"
    assert found.finding == "above the maximum of every reading (best 13) by 7"
    assert found.solves == 0  # both optima are proven: the label cannot be reached


def test_triage_b_without_a_proof_solves_with_the_objective_fixed():
    rec = record("unproven", 20, 11, readings=[reading("as formulated", 11, literal=True, proven=False)])
    found = triage_record(rec)
    assert found.case == "b" and found.solves == 1 and "above the maximum" in found.finding


def test_triage_b_label_says_infeasible_but_readings_solve():
    found = triage_record(record("inf", "infeasible", 11))
    assert found.case == "b" and "the label says there is no solution" in found.finding


def test_triage_c_label_feasible_but_worse():
    # 3x + 2y = 7 at x = 1, y = 2: feasible, 4 below the optimum 11
    found = triage_record(record("worse", 7, 11))
    assert found.case == "c" and found.solves == 1
    assert "its proven maximum 11 is better by 4" in found.finding


def test_triage_c_checks_each_reading_through_its_edit():
    # 12 is above the formulation's optimum (11, proven) but below reading 2's (13): feasible there only
    rec = record(
        "r2", 12, 11, readings=[reading("as formulated", 11, literal=True), reading("cap 5", 13, edit=CAP_5)]
    )
    found = triage_record(rec)
    assert found.case == "c" and "reading 2 'cap 5'" in found.finding and found.solves == 1


def test_triage_e_label_worse_but_unattainable():
    # integers: 3x + 2y never equals 1, though 1 is below the optimum 11
    found = triage_record(record("odd", 1, 11, formulation=ILP))
    assert found.case == "e" and "infeasible in every reading" in found.finding


@pytest.mark.parametrize(
    ("rec", "words"),
    [
        (record("nof", 11.5, 3, formulation=None, mode="code"), "no formulation in the record (mode code"),
        (
            record(
                "noans",
                5,
                None,
                verdict="failed",
                readings=[reading("as formulated", None, status="infeasible")],
            ),
            "no solution of the agent's: every reading is infeasible",
        ),
        (record("unread", None, 11), "the label 'n/a' holds no number"),
    ],
)
def test_triage_d_not_checkable(rec, words):
    found = triage_record(rec)
    assert found.case == "d" and words in found.finding


def test_triage_says_when_a_solve_ran_out_of_time():
    rng = random.Random(7)
    weights = [2 * rng.randint(10**5, 10**6) for _ in range(36)]
    cap = sum(weights) // 2
    subset_sum = {
        "name": "subset_sum",
        "problem_type": "ILP",
        "sets": [{"name": "I", "range": {"start": 1, "end": len(weights)}}],
        "parameters": [{"name": "w", "index": ["i in I"], "value": weights}, {"name": "cap", "value": cap}],
        "variables": [{"name": "x", "index": ["i in I"], "type": "binary"}],
        "objective": {"sense": "maximize", "expr": "sum(w[i] * x[i] for i in I)"},
        "constraints": [{"name": "capacity", "expr": "sum(w[i] * x[i] for i in I) <= cap"}],
    }
    label = float(cap - cap % 2)  # is there a subset summing to exactly this? hard to decide
    rec = record(
        "hard",
        label,
        label - 1000,
        formulation=subset_sum,
        readings=[reading("as formulated", label - 1000, literal=True, proven=False, status="time_limit")],
    )
    found = triage_record(rec, seconds=0.3)
    assert found.case == "d" and found.ran_out == 1
    assert "time limit" in found.finding and "1 solve(s) stopped by the 0.3 s limit" in found.finding


def test_triage_of_an_old_record_solves_its_formulation():
    old = record("old", 7, 11, verdict="verified")
    for field in ("readings", "steps", "checks", "schema", "subset_ids"):
        old.pop(field)
    found = triage_record(old)
    assert found.case == "c" and found.solves == 2  # its optimum first (not in the record), then the label


def test_triage_does_not_trust_the_program_value_as_the_formulation_optimum():
    rec = record(
        "prog", 20, 25, answer_from="program"
    )  # the program said 25; the formulation's optimum is 11
    found = triage_record(rec)
    assert found.case == "b" and "best 11" in found.finding and found.solves == 1


def test_triage_says_when_the_best_optimum_it_quotes_is_not_proven():
    from optagent.evaluation.triage import _decide, _Probe, _Solves

    probes = [
        _Probe("as formulated", optimum=53.15, proven=False, at_label="infeasible"),  # time-limited
        _Probe("per week", optimum=60.0, proven=True, at_label="infeasible"),
    ]
    found = _decide("p", 35.0, "minimize", probes, _Solves(2.0))
    assert found.case == "b" and "best 53.15, not proven optimal" in found.finding
    probes[0].proven = True
    assert "best 53.15)" in _decide("p", 35.0, "minimize", probes, _Solves(2.0)).finding


# --- the report ---------------------------------------------------------------------------------------


def tricky_run() -> list[dict]:
    """Records whose texts carry every character that used to break the tables."""
    amb = record(
        "prob_|1",
        13,
        11,
        verdict="ambiguous",
        readings=[
            reading("as formulated: `cap` per *period*", 11, literal=True),
            reading("cap | total <b>5</b> & x_max_", 13, edit=CAP_5),
        ],
    )
    return [
        record("prob_2", 11, 11),
        record("prob_10", 11, 11),
        record("prob_3", 7, 11),  # c
        record("prob_4", 20, 11, verdict="solved"),  # b
        amb,  # a
        record("prob_5", 11.5, 3, formulation=None, verdict="solved", mode="code"),  # d
        record("prob_6", 5, None, verdict="failed", formulation=None),
    ]


def table_blocks(text: str) -> list[list[str]]:
    blocks, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks + ([current] if current else [])


def cells(line: str) -> list[str]:
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


class Rows(HTMLParser):
    """Per table: the th count of its header and the td count of each row; text outside <pre>."""

    def __init__(self):
        super().__init__()
        self.tables, self.text, self.pre = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append(0)
        elif tag in ("td", "th"):
            self.tables[-1][-1] += 1
        elif tag == "pre":
            self.pre += 1

    def handle_endtag(self, tag):
        if tag == "pre":
            self.pre -= 1

    def handle_data(self, data):
        if not self.pre:
            self.text.append(data)


def test_every_table_row_has_as_many_cells_as_its_header(tmp_path):
    runs = load_runs([write_run(tmp_path / "a.jsonl", tricky_run())])
    text = markdown(runs)
    blocks = table_blocks(text)
    assert len(blocks) >= 5  # accuracy, verdicts, ambiguous, triage, breakdowns
    for block in blocks:
        width = len(cells(block[0]))
        assert all(len(cells(line)) == width for line in block), block
    accuracy = next(b for b in blocks if b[0].startswith("| rule | definition"))
    strict = cells(next(line for line in accuracy if line.startswith("| strict")))
    assert strict[2].strip() == "28.6% (2/7; 95% CI 8.2-64.1)"

    page = Rows()
    page.feed(html_report(runs))
    for rows in page.tables:
        assert len(set(rows)) == 1, rows  # header and every row: the same number of cells
    outside_pre = "".join(page.text)
    data = "as formulated: `cap` per *period*"  # a reading's own text, with backticks of its own
    assert data in outside_pre
    assert "`" not in outside_pre.replace(data, "")  # code spans rendered, never shown as backticks
    assert "|pred - gt| / (|gt| + 1) < 1e-6" in outside_pre
    assert "cap | total <b>5</b> & x_max_" in outside_pre  # reading text shown as written, not as markup


@pytest.mark.parametrize(
    "value",
    [
        "a|b",
        "`x`",
        "``y`` z",
        "*b* _i_ x_y_z",
        "<b>bold</b>",
        "&amp; &copy;",
        "back\\slash",
        "[l](u)",
        "~~s~~",
    ],
)
def test_escaped_text_renders_as_itself_in_a_table_cell(value):
    html = markdown_html("\n".join(md.table(["h"], [[md.text(value)]])))
    cell = re.search(r"<td>(.*)</td>", html).group(1)
    assert unescape(cell) == value
    code = markdown_html("\n".join(md.table(["h"], [[md.code(value, cell=True)]])))
    assert unescape(re.search(r"<td><code>(.*)</code></td>", code).group(1)) == value


def test_accuracy_verdict_precision_and_readings_beside_it(tmp_path):
    records = tricky_run()
    text = markdown(load_runs([write_run(tmp_path / "a.jsonl", records)]))
    accuracy = next(line for line in text.splitlines() if line.startswith("| strict |"))
    assert "28.6% (2/7" in accuracy and cells(accuracy)[3].strip() == "3/7 (42.9%)"  # + the ambiguous one
    verdicts = {
        cells(line)[0].strip(): [c.strip() for c in cells(line)] for line in table_blocks(text)[1][2:]
    }
    assert verdicts["`agreed`"] == ["`agreed`", "3", "2/3 (66.7%)", "2/3 (66.7%)"]
    assert verdicts["`ambiguous`"] == ["`ambiguous`", "1", "0/1 (0.0%)", "0/1 (0.0%)"]
    assert verdicts["`failed`"][1:3] == ["1", "0/1 (0.0%)"]
    assert list(verdicts) == ["`agreed`", "`solved`", "`ambiguous`", "`failed`"]  # the vocabulary's order


def test_ambiguous_problems_list_each_reading_and_which_gives_the_label(tmp_path):
    text = markdown(load_runs([write_run(tmp_path / "a.jsonl", tricky_run())]))
    block = next(b for b in table_blocks(text) if b[0].startswith("| problem | label | reading"))
    rows = [[c.strip() for c in cells(line)] for line in block[2:]]
    assert rows[0][:2] == ["`prob_\\|1`", "13"] and rows[0][3:] == ["11", "optimal (proven)", "no"]
    assert (
        rows[1][0] == ""
        and rows[1][2].startswith("2. cap \\| total")
        and rows[1][3:] == ["13", "optimal (proven)", "yes"]
    )


def test_triage_table_in_the_report(tmp_path):
    runs = load_runs([write_run(tmp_path / "a.jsonl", tricky_run())])
    text = markdown(runs, triage=triage_runs(runs, 1.0), triage_seconds=1.0)
    block = next(b for b in table_blocks(text) if b[0].startswith("| problem | label | answer"))
    cases = {cells(line)[0].strip(): cells(line)[4].strip() for line in block[2:]}
    assert cases == {
        "`prob_3`": "(c) label feasible, not optimal",
        "`prob_4`": "(b) label beats every optimum",
        "`prob_\\|1`": "(a) a reading gives the label",
        "`prob_5`": "(d) not checkable",
        "`prob_6`": "(d) not checkable",
    }
    assert "at most 1 s per solve" in text and "- (c) label feasible, not optimal, 1: a constraint" in text


def test_every_section_names_data_model_prompts_and_subset(tmp_path):
    whole = tricky_run()
    subset = [dict(r, subset_ids=["prob_2", "prob_3"]) for r in whole[:3]]
    old = [{k: v for k, v in r.items() if k not in ("schema", "subset_ids")} for r in whole[:2]]
    many = [
        dict(r, problem_id=f"p{k}", subset_ids=[f"p{i}" for i in range(50)]) for k, r in enumerate(whole * 8)
    ]
    texts = {
        name: markdown(load_runs([write_run(tmp_path / f"{name}.jsonl", recs)]))
        for name, recs in (("whole", whole), ("subset", subset), ("old", old), ("many", many[:50]))
    }
    assert "- data: `logior`, version `f897d62b3a8e` (the whole dataset); all 7 problems" in texts["whole"]
    assert "a subset of 2 problems, 3 in the file: `prob_2`, `prob_3`, `prob_10`" in texts["subset"]
    assert "(hash of the problems run); 2 problems: `prob_2`, `prob_10`" in texts["old"]
    assert re.search(
        r"`p0` \.\.\. `p49` \(sha256 of the sorted ids, one a line: `[0-9a-f]{12}`\)", texts["many"]
    )
    for text in texts.values():
        assert "- model `gpt-test`; mode `full`; prompts `p1-test`; solver `auto`" in text
        assert "Strict accuracy by problem type" in text or "Strict accuracy by size" in text


def test_html_shows_each_step_feedback_formulation_and_program(tmp_path):
    page = html_report(load_runs([write_run(tmp_path / "a.jsonl", tricky_run())]))
    assert page.count("<h2>Problems of a</h2>") == 1
    block = page[page.index("<b>prob_3</b>") :]
    block = block[: block.index("<details><summary><b>", 10)]
    assert "misses the label, case (c) label feasible, not optimal (strict)" in block
    assert "formulation and program disagree" in block  # the step's summary
    assert (
        "the program returned 12 &lt;script&gt;alert(1)&lt;/script&gt;; the formulation 11" in block
    )  # feedback
    feedback = tricky_run()[2]["steps"][1]["feedback"]
    assert f"<details><summary>{len(feedback)} characters</summary><pre>" in block
    assert "Objective: maximize 3 * x + 2 * y" in block  # the formulation rendered
    assert "<summary>program</summary><pre>def solve():\n    return 11\n</pre>" in block
    assert "<script>" not in page


def test_old_run_files_stay_readable(tmp_path):
    old = []
    for r in tricky_run()[:4]:
        r = {
            k: v
            for k, v in r.items()
            if k not in ("readings", "steps", "checks", "schema", "subset_ids", "config")
        }
        old.append({**r, "verdict": "verified" if r["verdict"] == "agreed" else r["verdict"]})
    runs = load_runs([write_run(tmp_path / "old.jsonl", old)])
    text = markdown(runs)
    assert "| `verified` | 3 | 2/3 (66.7%) |" in text and "`verified` comes from runs written before" in text
    assert "| strict |" in text and "| n/a |" in text  # no readings: the column says so
    assert "<b>prob_3</b>" in html_report(runs)


def test_plot_has_fixed_axes_and_visible_zero_bars():
    zero = [record("p1", 5, 11, verdict="solved"), record("p2", 7, 11, verdict="solved")]  # LP, 0 %
    other = [dict(record("p3", 11, 11), problem_type="ILP")]  # ILP only, 100 %
    fig = accuracy_figure([("zero", zero), ("other", other)])
    assert fig is not None, "matplotlib is part of the [report] extra the tests install"
    ax = fig.axes[0]
    assert ax.get_ylim() == (0.0, 100.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ILP", "LP"]
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [0.0, 0.0, 100.0, 0.0]  # zero: (ILP absent, LP 0 %); other: (ILP 100 %, LP absent)
    assert (
        ax.patches[1].get_linewidth() > 0 and ax.patches[0].get_linewidth() == 0
    )  # 0 % outlined, absent not
    assert [t.get_text() for t in ax.texts] == ["", "0", "100", ""]  # every measured bar says its value


def test_terminal_rendering_shows_tables_not_markdown(tmp_path):
    runs = load_runs([write_run(tmp_path / "a.jsonl", tricky_run())])
    out = io.StringIO()
    Console(file=out, width=160, force_terminal=True, color_system=None).print(ReportMarkdown(markdown(runs)))
    shown = out.getvalue()
    assert "|---" not in shown and "| rule |" not in shown
    assert "`" not in shown.replace("as formulated: `cap` per *period*", "")  # data keeps its own
    assert re.search(r"strict +\|pred - gt\| / \(\|gt\| \+ 1\) < 1e-6", shown)  # a table row, cells aligned
    assert "optagent benchmark report" in shown.splitlines()[1] and not shown.splitlines()[1].startswith(" ")


@pytest.mark.slow
def test_cli_report_renders_in_a_terminal_and_writes_markdown_to_a_pipe(tmp_path):
    run = write_run(tmp_path / "a.jsonl", tricky_run())
    piped = run_cli("bench", "report", str(run), check_rc=0)
    assert (
        piped.stdout.startswith("# optagent benchmark report\n") and "| rule | definition |" in piped.stdout
    )
    env = {**os.environ, "TTY_COMPATIBLE": "1", "NO_COLOR": "1", "COLUMNS": "160"}
    term = run_cli("bench", "report", str(run), "--triage-time", "1", check_rc=0, env=env)
    assert "| rule |" not in term.stdout and "Miss triage" in term.stdout and "label feasible" in term.stdout
    md_file, html_file = tmp_path / "r.md", tmp_path / "r.html"
    run_cli("bench", "report", str(run), "--md", str(md_file), "--html", str(html_file), check_rc=0)
    assert md_file.read_text() == piped.stdout
    assert "<details>" in html_file.read_text()


def test_smtt_report_does_not_import_the_evaluation_layer():
    code = (
        "import sys, optagent.benchmarks.smtt.report as r; "
        "bad = sorted(m for m in sys.modules if m.startswith('optagent.evaluation')); "
        "assert not bad, bad; assert r.markdown_page.__module__ == 'optagent.reporting.html_page'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
