"""Resolve sets to elements and parameters to data tables, in dependency order, reporting every problem."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

from optagent.formulations import expr as E
from optagent.formulations import issues as I
from optagent.formulations import limits as L
from optagent.formulations.evaluate import Backend, Builder, EvalError, ResolvedSet, Table
from optagent.formulations.expand import Binding, domain, domain_keys, domain_size, reserve
from optagent.formulations.keys import flat_key, key_str, norm
from optagent.formulations.model import ParamDef, SetDef


def element(value: Any) -> Any:
    """JSON element -> canonical element (lists become tuples)."""
    if isinstance(value, list):
        return tuple(norm(v) for v in value)
    return norm(value)


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

    def __init__(self, report: I.Report, budget: L.Budget) -> None:
        self.report = report
        self.budget = budget
        self.sets: dict[str, ResolvedSet] = {}
        self.params: dict[str, Any] = {}

    def builder(self) -> Builder:
        return Builder(self.sets, self.params, Backend(), self.budget)

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
            self.budget.store(len(d.elements), loc)
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
                    reserve(self.budget, 1, [node], self.sets, f"{loc}.range.{part}")
                    value = self.builder().build(node)({})
                if not (isinstance(norm(value), int)):
                    self.report.add(
                        I.SET_DEF, loc, f"range {part} {value!r} is not an integer", "use integers"
                    )
                    return None
                ends.append(norm(value))
            if d.range.step == 0:
                self.report.add(I.SET_DEF, loc, "range step is 0", "use a non-zero step")
                return None
            start, end, step = ends[0], ends[1], d.range.step
            count = max(0, (end - start) // step + 1)  # exact for any size, unlike len(range(...))
            if count > L.MAX_SET_SIZE:
                self.report.add(
                    I.SET_DEF,
                    loc,
                    f"range has {count:,} elements (at most {L.MAX_SET_SIZE:,}; limit max_set_size)",
                    "check the range ends for a typo",
                )
                return None
            self.budget.store(count, loc)
            return list(range(start, end + (1 if step > 0 else -1), step))
        members = d.union or d.intersection or d.difference or d.product
        if members is not None:
            missing = [m for m in members if m not in self.sets]
            if missing:
                return None  # reported as undefined by the dependency check
            parts = [self.sets[m] for m in members]
            sizes = [len(p.elements) for p in parts]
            if d.product is not None:
                count = math.prod(sizes)
            else:  # a union holds at most the sum, an intersection or difference at most its first set
                count = sum(sizes) if d.union is not None else sizes[0] if sizes else 0
            if count > L.MAX_SET_SIZE:
                joint = " x " if d.product is not None else ", "
                self.report.add(
                    I.SET_DEF,
                    loc,
                    f"{d.kind} of {joint.join(f'{p.name} ({n:,})' for p, n in zip(parts, sizes))} would have "
                    f"{count:,} elements (at most {L.MAX_SET_SIZE:,}; limit max_set_size)",
                    "check the sets' sizes, or index by the sets separately instead of one big product",
                )
                return None
            self.budget.store(count, loc)
            if d.product is not None:
                return [flat_key(c) for c in itertools.product(*(p.elements for p in parts))]
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
        over = self.sets[binding[1]]
        self.budget.store(len(over.elements), loc)
        reserve(
            self.budget, len(over.elements), [cond], self.sets, f"{loc} ({len(over.elements):,} candidates)"
        )
        fn = self.builder().condition(cond)
        return [
            key if len(key) > 1 else key[0]
            for key, env in domain([binding], self.sets, self.budget)
            if fn(env)
        ]

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
        self.budget.store(domain_size(bindings, self.sets), loc)
        keys = domain_keys(bindings, self.sets)
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
                f"missing keys are not filled in: add them, or give parameter '{p.name}' "
                '"default": 0 (or the value that holds for all it leaves out)',
            )
            return
        self.params[p.name] = Table(p.name, entries, domain_text(bindings), p.default)

    def _derived(self, p: ParamDef, bindings: list[Binding], node: E.Node, loc: str) -> None:
        fn = self.builder().build(node)
        rows = domain_size(bindings, self.sets)
        self.budget.store(rows, loc)
        reserve(self.budget, rows, [node], self.sets, f"{loc} ({rows:,} entries)")
        if not bindings:
            try:
                self.params[p.name] = fn({})
            except EvalError as exc:
                self.report.add(exc.code, loc, exc.message, exc.hint)
            return
        entries = {}
        for key, env in domain(bindings, self.sets, self.budget):
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
        if not L.number_ok(value):
            self.report.add(I.NON_NUMERIC, loc, f"{path}: {L.bad_number(value)}", L.NUMBER_HINT)
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
            if _all_numbers(flat):
                return dict(zip(keys, flat))
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
        if len(sizes) == 1:
            out.extend(value)
            return True
        return all(self._dense(v, sizes[1:], bindings, loc, f"{path}[{k}]", out) for k, v in enumerate(value))


def _all_numbers(values: list[Any]) -> bool:
    """True when every value is an int or float, finite and within MAX_ABS_NUMBER (checked at C speed)."""
    if not values or not set(map(type, values)) <= {int, float}:
        return not values
    return (
        min(values) >= -L.MAX_ABS_NUMBER
        and max(values) <= L.MAX_ABS_NUMBER
        and math.isfinite(math.fsum(values))  # NaN escapes min/max but not the sum
    )


def _flatten_mapping(value: dict, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for k, v in value.items():
        path = (*prefix, *(part.strip() for part in str(k).split(",")))
        if isinstance(v, dict):
            yield from _flatten_mapping(v, path)
        else:
            yield path, v
