"""Expansion over index sets: the combinations of a list of bindings, the loops of sum/prod/min/max, and
the estimate of their cost that is booked against the budget before they run."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from optagent.errors import ModelTooLarge
from optagent.formulations import expr as E
from optagent.formulations import limits as L
from optagent.formulations.keys import Key, flat_key

Env = dict[str, Any]
Fn = Callable[[Env], Any]
Binding = tuple[tuple[str, ...], str]
TICK_EVERY = 4096  # combinations between two deadline checks


class SizedSet(Protocol):
    name: str
    elements: list[Any]
    dim: int


def domain_size(bindings: list[Binding], sets: dict[str, SizedSet]) -> int:
    """Number of combinations of the bindings' sets; ModelTooLarge past MAX_COMBINATIONS."""
    size = math.prod(len(sets[s].elements) for _, s in bindings)
    if size > L.MAX_COMBINATIONS:
        names = " x ".join(f"{s} ({len(sets[s].elements)})" for _, s in bindings)
        raise ModelTooLarge(
            f"the index domain {names} has {size:,} combinations (at most {L.MAX_COMBINATIONS:,}; "
            "limit max_combinations)",
            hint=L.SIZE_HINT,
        )
    return size


def domain(
    bindings: list[Binding], sets: dict[str, SizedSet], budget: L.Budget | None = None
) -> Iterator[tuple[Key, Env]]:
    """(flat key, index environment) for every combination of the bindings' sets.

    Raises ModelTooLarge before iterating when there would be more than MAX_COMBINATIONS; checks the
    budget's deadline as it goes.
    """
    domain_size(bindings, sets)
    combos = itertools.product(*(sets[s].elements for _, s in bindings))
    simple = all(len(t) == 1 and sets[s].dim == 1 for t, s in bindings)
    names = [t[0] for t, _ in bindings] if simple else []
    while chunk := list(itertools.islice(combos, TICK_EVERY)):
        if budget is not None:
            budget.tick()
        if simple:  # elements are canonical scalars: the combination is the key
            for combo in chunk:
                yield combo, dict(zip(names, combo))
        else:
            for combo in chunk:
                yield flat_key(combo), env_of(bindings, combo)


def env_of(bindings: list[Binding], combo: tuple) -> Env:
    """The index environment of one combination (one element per binding)."""
    env: Env = {}
    for (targets, _), el in zip(bindings, combo):
        if len(targets) == 1:
            env[targets[0]] = el
        elif targets:
            env.update(zip(targets, el))
    return env


def split_key(key: Key, dims: list[int]) -> tuple:
    """The combination (one element per binding) behind a flat key, given each binding's set dimension."""
    parts, at = [], 0
    for dim in dims:
        parts.append(key[at] if dim == 1 else key[at : at + dim])
        at += dim
    return tuple(parts)


@dataclass(frozen=True)
class Level:
    """One loop of a reduction, with the conditions that can be tested once its targets are bound."""

    targets: tuple[str, ...]
    elements: list[Any]
    cond: Fn | None


def plan(
    loops: list[tuple[tuple[str, ...], list[Any]]], conditions: list[tuple[Fn, set[str]]]
) -> list[Level]:
    """Place each condition (its function and the names it uses) at the outermost loop that binds them.

    Conditions keep their order: one never moves outside a condition written before it, so the same
    conditions are evaluated, in the same order, as when all are tested at the innermost loop.
    """
    depth_of = {t: d for d, (targets, _) in enumerate(loops) for t in targets}
    placed: list[list[Fn]] = [[] for _ in loops]
    floor = 0
    for fn, names in conditions:
        floor = max([floor, *(depth_of[n] for n in names if n in depth_of)])
        placed[floor].append(fn)
    return [Level(t, els, _conjunction(fns)) for (t, els), fns in zip(loops, placed)]


def _conjunction(fns: list[Fn]) -> Fn | None:
    if not fns:
        return None
    if len(fns) == 1:
        return fns[0]
    return lambda env: all(f(env) for f in fns)


def expand(levels: list[Level], body: Fn, env: Env) -> list[Any]:
    """body evaluated at every combination of the loops that satisfies the conditions, in loop order."""
    if any(not level.elements for level in levels):
        return []
    out: list[Any] = []
    _run(levels, 0, body, dict(env), out)
    return out


def _run(levels: list[Level], depth: int, body: Fn, local: Env, out: list[Any]) -> None:
    targets, pool, cond = levels[depth].targets, levels[depth].elements, levels[depth].cond
    if depth == len(levels) - 1 and len(targets) == 1:
        t = targets[0]
        if cond is None:
            out.extend([body(local) for local[t] in pool])
        else:
            out.extend([body(local) for local[t] in pool if cond(local)])
        return
    for element in pool:
        if len(targets) == 1:
            local[targets[0]] = element
        else:
            local.update(zip(targets, element))
        if cond is None or cond(local):
            if depth == len(levels) - 1:
                out.append(body(local))
            else:
                _run(levels, depth + 1, body, local, out)


def cost(node: E.Node, sets: dict[str, SizedSet]) -> int:
    """Expression nodes one evaluation of ``node`` visits at most (loops multiplied out)."""
    if isinstance(node, E.Reduce):
        combos = math.prod(len(sets[lp.set_name].elements) if lp.set_name in sets else 0 for lp in node.loops)
        inner = cost(node.body, sets) + sum(cost(c, sets) for c in node.conditions)
        return 1 + combos * inner
    return 1 + sum(cost(child, sets) for child in E.children(node))


def reserve(
    budget: L.Budget, rows: int, nodes: list[E.Node | None], sets: dict[str, SizedSet], what: str
) -> None:
    """Book ``rows`` evaluations of ``nodes`` against the budget before they run."""
    budget.reserve(rows * sum(cost(n, sets) for n in nodes if n is not None), what)


def domain_keys(bindings: list[Binding], sets: dict[str, SizedSet]) -> list[Key]:
    """The flat keys of :func:`domain`, without building environments."""
    domain_size(bindings, sets)
    pools = [sets[s].elements for _, s in bindings]
    if all(sets[s].dim == 1 for _, s in bindings):
        return list(itertools.product(*pools))
    return [flat_key(combo) for combo in itertools.product(*pools)]
