"""Input files for programs written for somebody else's disk: point their ``open(...)`` at the work dir."""

from __future__ import annotations

import ast
import posixpath


def rebase_open_paths(code: str, names: set[str] | list[str]) -> tuple[str, list[str]]:
    """Rewrite ``open("/any/dir/NAME", ...)`` to ``open("NAME", ...)`` for every ``NAME`` in ``names``.

    Only string-literal first arguments of ``open`` calls are touched; returns the new code and the
    paths that were rewritten. Code that does not parse is returned unchanged (the sandbox reports the
    syntax error).
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return code, []
    wanted = set(names)
    edits: list[tuple[int, int, int, str, str]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        is_open = (isinstance(func, ast.Name) and func.id == "open") or (
            isinstance(func, ast.Attribute)
            and func.attr == "open"
            and isinstance(func.value, ast.Name)
            and func.value.id in ("io", "codecs")
        )
        arg = node.args[0]
        if not (is_open and isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            continue
        base = posixpath.basename(arg.value.replace("\\", "/"))
        if base in wanted and arg.value != base and arg.lineno == arg.end_lineno:
            edits.append((arg.lineno, arg.col_offset, arg.end_col_offset or 0, repr(base), arg.value))
    if not edits:
        return code, []
    lines = code.splitlines(keepends=True)
    for lineno, start, end, replacement, _ in sorted(edits, reverse=True):
        raw = lines[lineno - 1].encode()
        lines[lineno - 1] = (raw[:start] + replacement.encode() + raw[end:]).decode()
    return "".join(lines), [original for *_, original in edits]
