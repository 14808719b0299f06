"""Lowering to solver arrays: the vectorised path gives exactly the rows of the row-by-row reference."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import EXAMPLES

from optagent.errors import FormulationInvalid
from optagent.formulations import Formulation, validate
from optagent.formulations.lower import Lowered, NotDirect, lower
from optagent.formulations.prepare import prepare

MODELS = sorted(EXAMPLES.glob("*.json")) + sorted((EXAMPLES / "logior").glob("prob_*.json"))
NONLINEAR = [p for p in MODELS if prepare(Formulation.load(p)).problem_class.value in ("NLP", "MINLP")]

# Every construct of the language that the vectorised path takes, in linear rows and a quadratic objective.
CONSTRUCTS = {
    "name": "constructs",
    "sets": [
        {"name": "I", "range": {"start": 1, "end": 4}},
        {"name": "J", "elements": ["a", "b", "c"]},
        {"name": "T", "range": {"start": 1, "end": 5}},
        {"name": "IJ", "product": ["I", "J"]},
        {"name": "A", "filter": {"over": "(i, j) in IJ", "condition": "i % 2 == 1 or j == 'b'"}},
    ],
    "parameters": [
        {"name": "c", "index": ["i in I", "j in J"], "value": [[1, 2, 3], [4, 5, 6], [7, 8, 9], [2, 1, 2]]},
        {"name": "d", "index": ["j in J"], "value": {"a": 3, "b": 4}, "default": 2},
        {"name": "w", "value": 2.5},
        {"name": "e", "index": ["i in I"], "expr": "c[i, 'a'] * 2 + w"},
    ],
    "variables": [
        {"name": "x", "index": ["i in I", "j in J"], "lower": 0},
        {"name": "y", "index": ["(i, j) in A"], "lower": 0, "upper": 9},
        {"name": "z", "index": ["t in T"], "where": "t != 3", "lower": None},
        {"name": "s", "lower": None},
        {"name": "u", "index": ["j in J"], "type": "integer", "upper": "d[j] + 1"},
    ],
    "objective": {
        "sense": "minimize",
        "expr": "sum(c[i, j] * x[i, j] for i in I for j in J) + sum(y[i, j] for (i, j) in A) + 2 * s"
        " + sum(z[t] / 2 for t in T if t != 3) - sum(u[j] for j in J) + 7",
    },
    "constraints": [
        {"name": "cover", "forall": ["j in J"], "expr": "sum(x[i, j] for i in I) >= d[j]"},
        {"name": "link", "forall": ["(i, j) in A"], "expr": "y[i, j] <= x[i, j] * e[i]"},
        {
            "name": "chain",
            "forall": ["t in T"],
            "where": "t > 1 and t != 3 and t - 1 != 3",
            "expr": "z[t] - z[t - 1] <= 2",
        },
        {"name": "cond", "forall": ["t in T"], "expr": "(z[t] if t != 3 else 0) + s >= -5"},
        {"name": "band", "forall": ["i in I"], "expr": "1 <= sum(x[i, j] for j in J if j != 'c') <= 10 + i"},
        {"name": "left", "expr": "w <= s + sum(u[j] for j in J)"},
        {
            "name": "mem",
            "forall": ["i in I", "j in J"],
            "where": "(i, j) in A",
            "expr": "x[i, j] >= card(J) / 6",
        },
        {
            "name": "mod",
            "forall": ["t in T"],
            "where": "t % 2 == 0 and t != 2",
            "expr": "z[t] + z[t % 4 + 1] <= max(w, 3)",
        },
        {
            "name": "agg",
            "expr": "sum(min(c[i, j], 3) * x[i, j] for i in I for j in J if c[i, j] > 1)"
            " <= prod(d[j] for j in J) * 5",
        },
        {"name": "pairs", "forall": ["k in I"], "expr": "sum(y[i, j] for (i, j) in A if i == k) <= 1 + k"},
        {"name": "both", "forall": ["j in J"], "expr": "x[1, j] + 1 <= x[2, j] + d[j] + 3 * s"},
        {"name": "scalar", "expr": "-s >= -100"},
        {"name": "neg", "forall": ["j in J"], "expr": "-(x[3, j] - 2 * x[4, j]) <= 10 % 4"},
    ],
}


def dense(lw: Lowered) -> np.ndarray:
    starts, index, values = lw.matrix
    out = np.zeros((lw.num_rows, lw.num_cols))
    for r in range(lw.num_rows):
        np.add.at(out[r], index[starts[r] : starts[r + 1]], values[starts[r] : starts[r + 1]])
    return out


def assert_same(a: Lowered, b: Lowered) -> None:
    assert [(blk.name, blk.keys) for blk in a.con_blocks] == [(blk.name, blk.keys) for blk in b.con_blocks]
    assert [(blk.name, blk.keys) for blk in a.var_blocks] == [(blk.name, blk.keys) for blk in b.var_blocks]
    np.testing.assert_allclose(dense(a), dense(b), rtol=1e-12, atol=1e-12)
    for field in ("row_lower", "row_upper", "side_sign", "side_offset", "col_lower", "col_upper", "cost"):
        np.testing.assert_allclose(
            getattr(a, field), getattr(b, field), rtol=1e-12, atol=1e-12, err_msg=field
        )
    assert a.offset == pytest.approx(b.offset)
    for qa, qb in zip(a.obj_quad, b.obj_quad):
        np.testing.assert_allclose(qa, qb)
    for qa, qb in zip(a.row_quad, b.row_quad):
        np.testing.assert_allclose(np.sort(qa), np.sort(qb))


@pytest.mark.parametrize("path", [p for p in MODELS if p not in NONLINEAR], ids=lambda p: p.stem)
def test_vectorised_rows_equal_row_by_row_rows_on_every_example(path):
    f = Formulation.load(path)
    fast = lower(prepare(f))
    assert fast.row_wise == [], "the examples are all within the vectorised subset"
    assert_same(fast, lower(prepare(f), vectorize=False))


def test_only_the_nonlinear_example_has_no_matrix_form():
    assert [p.stem for p in NONLINEAR] == ["weber_location"]
    with pytest.raises(NotDirect, match="sqrt"):
        lower(prepare(Formulation.load(EXAMPLES / "weber_location.json")))


def test_every_construct_vectorises_and_matches_the_reference():
    f = Formulation.from_data(copy.deepcopy(CONSTRUCTS))
    assert validate(f).ok, validate(f).format()
    fast = lower(prepare(f))
    assert fast.row_wise == []
    slow = lower(prepare(f), vectorize=False)
    assert slow.row_wise == [c["name"] for c in CONSTRUCTS["constraints"]]
    assert_same(fast, slow)
    rows = {blk.name: blk for blk in fast.con_blocks}
    assert rows["chain"].keys == [(2,), (5,)]  # t=4 dropped by 't - 1 != 3', t=3 by 't != 3'
    assert rows["mod"].keys == [(4,)]
    assert len(rows["cond"].keys) == 5  # t = 3 keeps the row through s
    # The data side stands on the left of 'left': its constant reads back as w = 2.5 with the sign flipped.
    i = rows["left"].start
    assert fast.side_sign[i] == -1 and -fast.row_upper[i] + fast.side_offset[i] == pytest.approx(2.5)


def test_a_construct_outside_the_vectorised_subset_goes_row_by_row():
    data = copy.deepcopy(CONSTRUCTS)
    data["constraints"].append({"name": "prodvar", "expr": "prod(x[i, 'a'] for i in I if i == 2) <= 5"})
    fast = lower(prepare(Formulation.from_data(data)))
    assert fast.row_wise == ["prodvar"]
    assert_same(fast, lower(prepare(Formulation.from_data(data)), vectorize=False))
    blk = fast.con_blocks[-1]
    assert dense(fast)[blk.start].nonzero()[0].tolist() == [3] and fast.row_upper[blk.start] == 5


def test_quadratic_terms_vectorise_and_match():
    data = copy.deepcopy(CONSTRUCTS)
    data["objective"]["expr"] = "sum(c[i, j] * x[i, j] ** 2 for i in I for j in J) + (s - 1) * (z[1] + 2 * s)"
    data["constraints"].append(
        {"name": "ball", "forall": ["i in I"], "expr": "x[i, 'a'] * x[i, 'b'] <= e[i]"}
    )
    f = Formulation.from_data(data)
    fast = lower(prepare(f))
    assert fast.row_wise == []
    assert_same(fast, lower(prepare(f), vectorize=False))
    c1, c2, q = fast.obj_quad
    s_col = next(b for b in fast.var_blocks if b.name == "s").start
    terms = dict(zip(zip(c1.tolist(), c2.tolist()), q.tolist()))
    assert terms[(s_col, s_col)] == pytest.approx(2.0)  # (s - 1) * 2s -> 2 s^2
    assert fast.offset == pytest.approx(0.0)  # -1 * 0: no constant left in (s - 1)(z1 + 2s)
    assert len(fast.row_quad[0]) == 4


def test_evaluation_errors_are_reported_as_validation_reports_them(base):
    base["constraints"][1]["where"] = None  # stock[t - 1] now reaches stock[0], outside T
    f = Formulation.from_data(base)
    with pytest.raises(FormulationInvalid) as exc:
        lower(prepare(f))
    assert (
        [i.code for i in exc.value.report.errors]
        == [i.code for i in validate(f).errors]
        == ["index-out-of-set"]
    )
    assert "stock[0]" in exc.value.report.errors[0].message


def test_a_row_false_on_data_alone_is_reported(base):
    base["constraints"].append({"name": "impossible", "forall": ["t in T"], "expr": "demand[t] <= 4"})
    with pytest.raises(FormulationInvalid) as exc:
        lower(prepare(Formulation.from_data(base)))
    assert (
        exc.value.report.errors[0].code == "constant-constraint"
        and "t=2" in exc.value.report.errors[0].message
    )


def test_duplicate_terms_are_summed_and_zeros_dropped(base):
    base["constraints"] = [{"name": "twice", "expr": "x['a', 1] + x['a', 1] - x['b', 2] + x['b', 2] <= 3"}]
    lw = lower(prepare(Formulation.from_data(base)))
    _, index, values = lw.matrix
    assert index.tolist() == [0] and values.tolist() == [2.0]


def test_large_data_is_never_wrapped_around(base):
    # numpy's int64 power wraps 2**70 around to 0 without a word; data arithmetic runs in float64, and numbers
    # beyond 1e15 are left to the row-by-row interpreter (which owns the limits on numbers).
    base["constraints"] = [
        {"name": "big", "expr": "x['a', 1] * 2 ** 70 <= 5"},
        {"name": "small", "forall": ["t in T"], "expr": "x['b', t] * 2 ** 10 <= 5"},
    ]
    lw = lower(prepare(Formulation.from_data(base)))
    assert lw.row_wise == ["big"]
    _, index, values = lw.matrix
    assert index.tolist() == [0, 3, 4, 5]  # x['a', 1], then x['b', t] for t = 1, 2, 3
    assert values[0] == pytest.approx(2.0**70) and values[1:].tolist() == [1024.0] * 3
