"""Resolve sets to elements and parameters to data tables, in dependency order, reporting every problem."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

from optagent.errors import ModelTooLarge
from optagent.formulations import expr as E
from optagent.formulations import issues as I
from optagent.formulations.evaluate import (
    Backend,
    Builder,
    EvalError,
    ResolvedSet,
    Table,
    flat_key,
    key_str,
    norm,
)
from optagent.formulations.model import ParamDef, SetDef

Binding = tuple[tuple[str, ...], str]


def element(value: Any) -> Any:
    """JSON element -> canonical element (lists become tuples)."""
    if isinstance(value, list):
        return tuple(norm(v) for v in value)
    return norm(value)


MAX_COMBINATIONS = 5_000_000


def domain(bindings: list[Binding], sets: dict[str, ResolvedSet]) -> Iterator[tuple[tuple, dict[str, Any]]]:
    """(flat key, index environment) for every combination of the bindings' sets.

    Raises ModelTooLarge before iterating when there would be more than ``MAX_COMBINATIONS``.
    """
    pools = [sets[s].elements for _, s in bindings]
    size = math.prod(len(p) for p in pools)
    if size > MAX_COMBINATIONS:
        names = " x ".join(f"{s} ({len(sets[s].elements)})" for _, s in bindings)
        raise ModelTooLarge(
            f"the index domain {names} has {size:,} combinations (at most {MAX_COMBINATIONS:,})",
            hint="check set ranges for typos (e.g. 1..1000000) or aggregate the model",
        )
    for combo in itertools.product(*pools):
        env: dict[str, Any] = {}
        for (targets, _), el in zip(bindings, combo):
            if len(targets) == 1:
                env[targets[0]] = el
            elif targets:
                env.update(zip(targets, el))
        yield flat_key(list(combo)), env


def domain_text(bindings: list[Binding], where: str | None = None) -> str:
    """' (I × J where cond)': how messages name an index domain."""
    condition = f" where {where}" if where else ""
    return " (" + " × ".join(s for _, s in bindings) + condition + ")"


def static_set_dims(defs: list[SetDef]) -> dict[str, int | None]:
    """Dimension of every set from its definition alone (None when it cannot be told)."""
    by_name = {d.name: d for d in defs}
    dims: dict[str, int | None] = {}

    def dim(name: str, seen: frozenset[str]) -> int | None:
        if name in dims:
            return dims[name]
        d = by_name.get(name)
        if d is None or name in seen:
            return None
        seen = seen | {name}
        if d.elements is not None:
            first = d.elements[0] if d.elements else None
            result: int | None = len(first) if isinstance(first, list) else 1
        elif d.range is not None:
            result = 1
        elif d.product is not None:
            parts = [dim(p, seen) for p in d.product]
            result = None if None in parts else sum(parts)  # type: ignore[arg-type]
        elif d.filter is not None:
            try:
                _, over = E.parse_binding(d.filter.over)
            except E.ExprSyntaxError:
                return None
            result = dim(over, seen)
        else:
            members = d.union or d.intersection or d.difference or []
            result = dim(members[0], seen) if members else None
        dims[name] = result
        return result

    for d in defs:
        dim(d.name, frozenset())
    return dims


class DataResolver:
    """Builds ``sets`` and ``params`` from the definitions; problems go to ``report``."""

    def __init__(self, report: I.Report) -> None:
        self.report = report
        self.sets: dict[str, ResolvedSet] = {}
        self.params: dict[str, Any] = {}

    def builder(self) -> Builder:
        return Builder(self.sets, self.params, Backend())

    def evaluate_data(self, node: E.Node, env: dict[str, Any]) -> Any:
        return self.builder().build(node)(env)

    # -- sets -----------------------------------------------------------------------------------------------
    def resolve_set(self, d: SetDef, parsed: dict[str, Any]) -> None:
        loc = f"set '{d.name}'"
        try:
            elements = self._set_elements(d, parsed, loc)
        except EvalError as exc:
            self.report.add(exc.code, loc, exc.message, exc.hint)
            return
        if elements is None:
            return
        dims = {len(e) if isinstance(e, tuple) else 1 for e in elements}
        if len(dims) > 1:
            self.report.add(
                I.SET_DEF,
                loc,
                f"elements mix tuples of different lengths {sorted(dims)}",
                "give all elements one shape",
            )
            return
        unique = list(dict.fromkeys(elements))
        if len(unique) < len(elements):
            dup = [e for e in unique if elements.count(e) > 1]
            self.report.add(
                I.SET_DEF,
                loc,
                f"duplicate elements {dup[:5]} were dropped",
                "list each element once",
                "warning",
            )
        self.sets[d.name] = ResolvedSet(d.name, unique, dims.pop() if dims else 1)

    def _set_elements(self, d: SetDef, parsed: dict[str, Any], loc: str) -> list[Any] | None:
        if d.elements is not None:
            bad = [e for e in d.elements if isinstance(e, float) and not e.is_integer()]
            if bad:
                self.report.add(
                    I.SET_DEF, loc, f"fractional elements {bad[:3]}", "use integers or names as elements"
                )
                return None
            return [element(e) for e in d.elements]
        if d.range is not None:
            ends = []
            for part in ("start", "end"):
                value = getattr(d.range, part)
                if isinstance(value, str):
                    node = parsed.get(f"range.{part}")
                    if node is None:
                        return None
                    value = self.evaluate_data(node, {})
                if not (isinstance(norm(value), int)):
                    self.report.add(
                        I.SET_DEF, loc, f"range {part} {value!r} is not an integer", "use integers"
                    )
                    return None
                ends.append(norm(value))
            if d.range.step == 0:
                self.report.add(I.SET_DEF, loc, "range step is 0", "use a non-zero step")
                return None
            stop = ends[1] + (1 if d.range.step > 0 else -1)
            span = range(ends[0], stop, d.range.step)
            if len(span) > MAX_COMBINATIONS:
                self.report.add(
                    I.SET_DEF,
                    loc,
                    f"range has {len(span):,} elements (at most {MAX_COMBINATIONS:,})",
                    "check the range ends for a typo",
                )
                return None
            return list(span)
        members = d.union or d.intersection or d.difference or d.product
        if members is not None:
            missing = [m for m in members if m not in self.sets]
            if missing:
                return None  # reported as undefined by the dependency check
            parts = [self.sets[m] for m in members]
            if d.product is not None:
                combos = itertools.product(*(p.elements for p in parts))
                return [flat_key(list(c)) for c in combos]
            if len({p.dim for p in parts}) > 1:
                self.report.add(
                    I.SET_DEF, loc, "combines sets of different dimensions", "combine sets of one shape"
                )
                return None
            if d.union is not None:
                return [e for p in parts for e in p.elements]
            if d.intersection is not None:
                return [e for e in parts[0].elements if all(e in p.members for p in parts[1:])]
            if len(parts) != 2:
                self.report.add(
                    I.SET_DEF, loc, "difference needs exactly two sets [A, B]", "write [A, B] for A \\ B"
                )
                return None
            return [e for e in parts[0].elements if e not in parts[1].members]
        assert d.filter is not None
        binding, cond = parsed.get("filter.over"), parsed.get("filter.condition")
        if binding is None or cond is None or binding[1] not in self.sets:
            return None
        fn = self.builder().build(cond)
        return [key if len(key) > 1 else key[0] for key, env in domain([binding], self.sets) if fn(env)]

    # -- parameters -----------------------------------------------------------------------------------------
    def resolve_param(self, p: ParamDef, bindings: list[Binding], expr_node: E.Node | None) -> None:
        loc = f"parameter '{p.name}'"
        if any(s not in self.sets for _, s in bindings):
            return
        if expr_node is not None:
            self._derived(p, bindings, expr_node, loc)
            return
        if not bindings:
            value = self._number(p.value, loc, "value")
            if value is not None:
                self.params[p.name] = value
            return
        keys = [k for k, _ in domain(bindings, self.sets)]
        entries = self._entries(p, bindings, keys, loc)
        if entries is None:
            return
        missing = [k for k in keys if k not in entries]
        if missing and p.default is None:
            shown = ", ".join(f"[{key_str(k)}]" for k in missing[:5])
            self.report.add(
                I.MISSING_DATA,
                loc,
                f"no value for {len(missing)} of {len(keys)} index combination(s): {shown}"
                + (" ..." if len(missing) > 5 else ""),
                "add the values, or set 'default' for the combinations left out",
            )
            return
        self.params[p.name] = Table(p.name, entries, domain_text(bindings), p.default)

    def _derived(self, p: ParamDef, bindings: list[Binding], node: E.Node, loc: str) -> None:
        fn = self.builder().build(node)
        if not bindings:
            try:
                self.params[p.name] = fn({})
            except EvalError as exc:
                self.report.add(exc.code, loc, exc.message, exc.hint)
            return
        entries = {}
        for key, env in domain(bindings, self.sets):
            try:
                entries[key] = fn(env)
            except EvalError as exc:
                where = ", ".join(f"{k}={v}" for k, v in env.items())
                self.report.add(exc.code, loc, f"{exc.message} (at {where})", exc.hint)
                return
        self.params[p.name] = Table(p.name, entries, domain_text(bindings))

    def _number(self, value: Any, loc: str, path: str) -> float | int | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            hint = "write numbers without quotes" if isinstance(value, str) else "give a number"
            self.report.add(I.NON_NUMERIC, loc, f"{path} = {value!r} is not a number", hint)
            return None
        return value

    def _store(self, entries: dict[tuple, Any], key: tuple, raw: Any, loc: str, path: str) -> bool:
        """Store one data value if it is a number; report it and return False otherwise."""
        num = self._number(raw, loc, path)
        if num is not None:
            entries[key] = num
        return num is not None

    def _entries(self, p: ParamDef, bindings: list[Binding], keys: list[tuple], loc: str) -> dict | None:
        value = p.value
        ok = True
        entries: dict[tuple, Any] = {}
        if isinstance(value, dict):
            lookup = {key_str(k): k for k in keys}
            for path, raw in _flatten_mapping(value):
                k = lookup.get(",".join(path))
                if k is None:
                    self.report.add(
                        I.OUT_OF_SET,
                        loc,
                        f"key [{','.join(path)}] is not in its index set{domain_text(bindings)}",
                        "use element names exactly as declared in the sets",
                    )
                    ok = False
                    continue
                ok &= self._store(entries, k, raw, loc, f"value[{','.join(path)}]")
            return entries if ok else None
        if isinstance(value, list):
            sizes = [len(self.sets[s].elements) for _, s in bindings]
            flat: list[Any] = []
            if not self._dense(value, sizes, bindings, loc, "value", flat):
                return None
            for k, raw in zip(keys, flat):
                ok &= self._store(entries, k, raw, loc, f"value[{key_str(k)}]")
            return entries if ok else None
        self.report.add(
            I.NON_NUMERIC,
            loc,
            f"indexed over {', '.join(s for _, s in bindings)} but value is {type(value).__name__}",
            "give a list in set order or a mapping from element to value",
        )
        return None

    def _dense(
        self, value: Any, sizes: list[int], bindings: list[Binding], loc: str, path: str, out: list
    ) -> bool:
        if not sizes:
            out.append(value)
            return True
        set_name = bindings[len(bindings) - len(sizes)][1]
        if not isinstance(value, list) or len(value) != sizes[0]:
            got = f"{len(value)} entries" if isinstance(value, list) else f"a {type(value).__name__}"
            self.report.add(
                I.RAGGED_DATA,
                loc,
                f"{path} has {got}, expected {sizes[0]} (one per element of {set_name})",
                f"give exactly |{set_name}| = {sizes[0]} entries in set order",
            )
            return False
        return all(self._dense(v, sizes[1:], bindings, loc, f"{path}[{k}]", out) for k, v in enumerate(value))


def _flatten_mapping(value: dict, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for k, v in value.items():
        path = (*prefix, *(part.strip() for part in str(k).split(",")))
        if isinstance(v, dict):
            yield from _flatten_mapping(v, path)
        else:
            yield path, v
