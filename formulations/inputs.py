"""Checks of raw formulation input before the schema: size, nesting depth, numbers and text.

They run on every way a formulation is made (a file, an LLM reply given as data, an edit), so hostile
input is refused with the limit it hit before anything recurses into it or expands it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from optagent.errors import InputError
from optagent.formulations import limits as L

MAX_PROBLEMS_SHOWN = 8


def _parse_int(text: str) -> int | float:
    # Integers past MAX_INT_DIGITS become floats (inf when huge), which the number check then refuses,
    # instead of Python's int parser failing on thousands of digits.
    return int(text) if len(text) <= L.MAX_INT_DIGITS else float(text)


def load_json(text: str, source: str) -> Any:
    """Parse JSON text with the input limits applied; raises InputError naming the limit."""
    if len(text) > L.MAX_INPUT_BYTES:
        raise _too_big(source, len(text))
    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            hint="fix the JSON syntax; `optagent formulation schema` prints the expected structure",
        ) from None
    except RecursionError:
        raise _too_deep(source, "more than Python's JSON reader can take") from None


def read_file(path: Path) -> str:
    """The text of a formulation file, refused before reading when it is over MAX_INPUT_BYTES."""
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="give the path of a formulation JSON file")
    size = path.stat().st_size
    if size > L.MAX_INPUT_BYTES:
        raise _too_big(str(path), size)
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})", hint="save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from None


def check_raw(data: Any) -> None:
    """Walk raw data without recursion; raise InputError listing every depth, number and text problem."""
    if not isinstance(data, (dict, list)):
        return  # the schema reports it
    problems: list[str] = []
    size = 0
    stack: list[tuple[Any, tuple, int]] = [(data, (), 1)]
    while stack:
        node, path, depth = stack.pop()
        if depth > L.MAX_JSON_DEPTH:
            raise _too_deep("", f"{_path(path)} is nested {depth} levels deep")
        if isinstance(node, dict):
            for key in node:
                if isinstance(key, str) and not key.isascii():
                    _check_text(key, path, problems, what="a key")
            items: Any = node.items()
        else:
            items = enumerate(node)
        size += len(node)
        for key, value in items:
            kind = type(value)
            if kind is str:
                size += len(value)
                if not value.isascii():
                    _check_text(value, (*path, key), problems)
            elif kind is int or kind is float:
                if not -L.MAX_ABS_NUMBER <= value <= L.MAX_ABS_NUMBER:
                    problems.append(f"{_path((*path, key))}: {L.bad_number(value)}")
            elif kind is dict or kind is list or kind is tuple:
                stack.append((value, (*path, key), depth + 1))
        if size > L.MAX_INPUT_BYTES:
            raise _too_big("", size)
        if len(problems) >= MAX_PROBLEMS_SHOWN:
            break
    if problems:
        hints = [L.NUMBER_HINT] if any("surrogate" not in p for p in problems) else []
        if any("surrogate" in p for p in problems):
            hints.append("write text as valid Unicode: escape sequences like \\ud800 alone are not")
        raise InputError(
            "the input has values optagent cannot take:\n"
            + "\n".join(f"  - {p}" for p in problems[:MAX_PROBLEMS_SHOWN]),
            hint="; ".join(hints),
            code="input-limit",
        )


def _check_text(text: str, path: tuple, problems: list[str], what: str = "text") -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        problems.append(
            f"{_path(path)}: {what} with a lone surrogate {text[exc.start]!a} (not valid Unicode)"
        )


def _path(path: tuple) -> str:
    return ".".join(str(p) for p in path) or "<root>"


def _too_big(source: str, size: int) -> InputError:
    where = f"{source}: " if source else ""
    return InputError(
        f"{where}the formulation is {size:,} bytes, over the {L.MAX_INPUT_BYTES:,} allowed "
        "(limit max_input_bytes)",
        hint="give large data compactly (ranges, defaults, derived parameters) or aggregate the model",
        code="input-limit",
    )


def _too_deep(source: str, detail: str) -> InputError:
    where = f"{source}: " if source else ""
    return InputError(
        f"{where}the JSON nests deeper than {L.MAX_JSON_DEPTH} levels: {detail} (limit max_json_depth)",
        hint="data nests once per index set: a parameter over 3 sets needs 3 levels",
        code="input-limit",
    )
