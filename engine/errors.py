"""The exceptions escalade raises on purpose; anything else is a bug."""

from __future__ import annotations

from dataclasses import dataclass


class EscaladeError(Exception):
    """Base class of every error escalade raises deliberately."""


@dataclass(frozen=True)
class CaseProblem:
    """One thing wrong with a case: where (a JSON path such as ``events[3].channel``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InvalidCase(EscaladeError, ValueError):
    """The case was rejected whole; ``problems`` lists every reason."""

    def __init__(self, problems: list[CaseProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"invalid case ({len(problems)} problem(s)):\n{lines}")


@dataclass(frozen=True)
class PackProblem:
    """One thing wrong with a rule pack, located by file, line and rule id where known."""

    file: str
    line: int | None
    rule: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        rule = f" [rule {self.rule}]" if self.rule else ""
        return f"{where}{rule}: {self.message}"


class InvalidPack(EscaladeError, ValueError):
    """The rule pack was rejected at load; ``problems`` lists every reason."""

    def __init__(self, problems: list[PackProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"invalid rule pack ({len(problems)} problem(s)):\n{lines}")


class RuleActionError(EscaladeError, RuntimeError):
    """A rule's action raised while durable_rules ran it; the evaluation produced no decision."""

    def __init__(self, rule: str, cause: BaseException) -> None:
        self.rule = rule
        super().__init__(f"rule {rule!r} failed in its action: {type(cause).__name__}: {cause}")


class EngineClosed(EscaladeError, RuntimeError):
    """``evaluate`` was called on an Engine after ``close()``."""
