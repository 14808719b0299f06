"""The expression language accepts its whitelist and rejects everything else with a hint."""

import pytest

from optagent.formulations import expr as E


def test_parses_sum_with_tuple_loop_and_condition():
    node = E.parse("sum(c[i, j] * x[i, j] for (i, j) in A if i != j)")
    assert isinstance(node, E.Reduce)
    assert node.loops == (E.Loop(("i", "j"), "A"),)
    assert isinstance(node.conditions[0], E.Compare)
    assert isinstance(node.body, E.BinOp) and node.body.op == "*"


def test_membership_and_chained_relation():
    m = E.parse("(i, j) not in A")
    assert isinstance(m, E.Membership) and m.negated and m.set_name == "A" and len(m.items) == 2
    c = E.parse("0 <= x[i] <= u[i]")
    assert isinstance(c, E.Compare) and c.ops == ("<=", "<=")


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo hi')",
        "x.__class__",
        "open('/etc/passwd')",
        "lambda: 1",
        "[i for i in I]",
        "x[1:3]",
        "eval('1')",
        "{1: 2}",
        "x if True else y",
        "f(x)[0]",
    ],
)
def test_rejects_everything_outside_the_whitelist(text):
    with pytest.raises(E.ExprSyntaxError):
        E.parse(text)


def test_hints_for_common_mistakes():
    with pytest.raises(E.ExprSyntaxError) as eq:
        E.parse("sum(x[i] for i in I) = 5")
    assert "==" in eq.value.hint
    with pytest.raises(E.ExprSyntaxError) as pw:
        E.parse("x ^ 2")
    assert "**" in pw.value.hint
    with pytest.raises(E.ExprSyntaxError) as fn:
        E.parse("foo(x)")
    assert "unknown function 'foo'" in fn.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("i in I", (("i",), "I")), ("(i, j) in A", (("i", "j"), "A")), ("I", ((), "I"))],
)
def test_bindings(text, expected):
    assert E.parse_binding(text) == expected


def test_bad_binding_has_hint():
    with pytest.raises(E.ExprSyntaxError) as exc:
        E.parse_binding("i of I")
    assert "i in I" in exc.value.hint
