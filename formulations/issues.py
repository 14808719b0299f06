"""Validation findings: each with a code, a location, a short message and a fix hint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    code: str
    location: str
    message: str
    hint: str = ""
    severity: Severity = "error"

    def format(self) -> str:
        text = f"[{self.severity} {self.code}] {self.location}: {self.message}"
        return f"{text} -> {self.hint}" if self.hint else text


@dataclass
class Report:
    """All findings of a validation run; ``ok`` when there is no error (warnings allowed)."""

    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(
        self, code: str, location: str, message: str, hint: str = "", severity: Severity = "error"
    ) -> None:
        issue = Issue(code, location, message, hint, severity)
        if issue not in self.issues:
            self.issues.append(issue)

    def codes(self) -> list[str]:
        return [i.code for i in self.issues]

    def format(self) -> str:
        """Text for people and for the LLM repair prompt: one finding per line, errors first."""
        if not self.issues:
            return "no problems found"
        ordered = self.errors + self.warnings
        return "\n".join(i.format() for i in ordered)

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues": [asdict(i) for i in self.issues],
        }


# Stable codes, one per rule (documented in README).
SCHEMA = "schema"
DUPLICATE = "duplicate-name"
RESERVED = "reserved-name"
SYNTAX = "syntax"
UNDEFINED = "undefined-symbol"
ARITY = "index-arity"
OUT_OF_SET = "index-out-of-set"
MISSING_DATA = "missing-data"
RAGGED_DATA = "ragged-data"
NON_NUMERIC = "non-numeric-data"
TYPE = "type-mismatch"
NONLINEAR = "nonlinear-in-linear-model"
INTEGRALITY = "integral-quantity-continuous"
SET_DEF = "set-definition"
BOUNDS = "bounds"
CONSTANT = "constant-constraint"
RELATION = "relation"
CYCLE = "cyclic-definition"
DOMAIN = "math-domain"
