"""Index keys: canonical elements, flat tuples, and their string form in JSON."""

from __future__ import annotations

from typing import Any

Key = tuple


def norm(value: Any) -> Any:
    """Canonical element: integral floats become ints, so 3.0 and 3 address the same entry."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def flat_key(values: list[Any] | tuple) -> Key:
    """One flat tuple from index values, tuples (elements of sets of pairs) spliced in."""
    key: list[Any] = []
    for v in values:
        if isinstance(v, tuple):
            key.extend(v)
        else:
            key.append(norm(v))
    return tuple(key)


def key_str(key: Key) -> str:
    """The string form of an index key used in JSON: elements joined by commas ('' for scalars)."""
    return ",".join(str(k) for k in key)
