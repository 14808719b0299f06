"""The size and time limits of formulations, in one place, and the budget that enforces them.

A formulation may come from an LLM reply, so it is hostile input: every limit below is checked before the
work it bounds is done (sizes are computed, not discovered by expanding), and what slips past the estimates
is stopped by a deadline checked inside the expansion loops. Each refusal names the limit it hit.
"""

from __future__ import annotations

import math
import time

from optagent.errors import ModelTooLarge

# -- raw input (files and LLM replies, before the schema) ---------------------------------------------------
MAX_INPUT_BYTES = 20_000_000  # a formulation file, or the JSON of one formulation given as data
MAX_JSON_DEPTH = 32  # nesting of lists/objects (data nests once per index set)
MAX_ABS_NUMBER = 1e30  # every number in the data and every number computed from it is finite and at most this
MAX_INT_DIGITS = 31  # longer integer literals are read as floats and so checked against MAX_ABS_NUMBER
# -- expressions --------------------------------------------------------------------------------------------
MAX_EXPRESSION_CHARS = 10_000  # one expression, condition or binding
MAX_EXPRESSION_DEPTH = 100  # nesting of one expression (a + b + c + ... nests once per term)
# -- expansion ----------------------------------------------------------------------------------------------
MAX_SET_SIZE = 1_000_000  # elements of one set (range, product, union, filter)
MAX_COMBINATIONS = 1_000_000  # index combinations of one variable, parameter, constraint or filter
MAX_TERMS = 5_000_000  # entries one model holds: set elements, data, variable indices, rows and sum terms
MAX_STEPS = 50_000_000  # expression nodes evaluated (estimated before each expansion), over one operation
MAX_SECONDS = 60.0  # wall time of one validation or compilation (prepare + rows)

SIZE_HINT = "check set ranges and loops for typos (e.g. 1..1000000) or aggregate the model"


def number_ok(value: float | int) -> bool:
    """Finite and at most MAX_ABS_NUMBER in magnitude (False for NaN; ints of any size compare exactly)."""
    return -MAX_ABS_NUMBER <= value <= MAX_ABS_NUMBER


def bad_number(value: float | int) -> str:
    """Why a number that fails :func:`number_ok` is refused, short even for thousands of digits."""
    if value != value:
        return "NaN is not a number"
    if isinstance(value, float) and math.isinf(value):
        return "Infinity is not a finite number (numbers too large for a float read as Infinity)"
    if isinstance(value, int):
        digits = len(str(abs(value))) if abs(value) < 10**4000 else "over 4000"
        return f"an integer of {digits} digits exceeds {MAX_ABS_NUMBER:g} in magnitude"
    return f"{value:g} exceeds {MAX_ABS_NUMBER:g} in magnitude"


NUMBER_HINT = f"numbers must be finite and at most {MAX_ABS_NUMBER:g} in magnitude (limit max_abs_number)"


class Budget:
    """Work allowed to one operation (a validation, a compilation, a solution check).

    ``reserve`` books the estimated evaluation steps of an expansion before it starts; ``store`` books the
    entries a set, a table, a variable or a constraint will hold before they are built, and ``add_terms``
    the terms sums expand to as they are built (both memory); ``tick`` checks the deadline from inside loops.
    """

    def __init__(self) -> None:
        self.seconds = MAX_SECONDS
        self.deadline = time.monotonic() + self.seconds
        self.steps = 0
        self.terms = 0
        self._ticks = 0

    def reserve(self, steps: int, what: str) -> None:
        """Book ``steps`` for ``what`` (e.g. "constraint 'c' (400 rows)"); refuse past MAX_STEPS."""
        self.steps += steps
        if self.steps > MAX_STEPS:
            raise ModelTooLarge(
                f"{what} would evaluate about {steps:.2g} expression nodes, taking the model past the "
                f"{MAX_STEPS:,} it may evaluate (limit max_steps)",
                hint=SIZE_HINT,
            )
        self.tick()

    def store(self, count: int, what: str) -> None:
        """Book ``count`` entries that ``what`` will hold; refuse past MAX_TERMS."""
        self.terms += count
        if self.terms > MAX_TERMS:
            raise ModelTooLarge(
                f"{what} would bring the model to more than {MAX_TERMS:,} entries (set elements, data, "
                "variable indices, rows and sum terms) (limit max_terms)",
                hint=SIZE_HINT,
            )

    def add_terms(self, count: int, limit: int, where: str) -> None:
        """Count ``count`` terms expanded at ``where``; refuse past ``limit`` (the caller reads MAX_TERMS)."""
        self.terms += count
        if self.terms > limit:
            raise ModelTooLarge(
                f"the expressions expand to more than {limit:,} terms (at '{where}') (limit max_terms)",
                hint=SIZE_HINT,
            )
        self._ticks += 1
        if not self._ticks & 255:
            self.tick()

    def tick(self) -> None:
        """Refuse once the deadline has passed."""
        if time.monotonic() > self.deadline:
            raise ModelTooLarge(
                f"expanding the model took longer than {self.seconds:g} s (limit max_seconds)",
                hint=SIZE_HINT,
            )
