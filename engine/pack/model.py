"""A loaded, validated rule pack: plain typed objects, independent of YAML and of durable_rules."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time
from typing import Literal

from ..facts import FactValue, QuietHours
from ..vocab import Rung

Op = Literal["is", "is_not", "at_least", "more_than", "at_most", "less_than", "one_of", "none_of"]
OPS: tuple[str, ...] = (
    "is", "is_not", "at_least", "more_than", "at_most", "less_than", "one_of", "none_of"
)
ORDER_OPS = ("at_least", "more_than", "at_most", "less_than")
Scalar = int | bool | str


@dataclass(frozen=True)
class Test:
    """``fact <op> value``; ``value`` is already resolved (parameters substituted)."""

    fact: str
    op: Op
    value: Scalar | tuple[Scalar, ...]
    source: str  # how the pack wrote it, e.g. "connected_calls_max_per_day more_than 3"

    def holds(self, facts: dict[str, FactValue]) -> bool:
        v = facts[self.fact]
        if self.op == "is":
            return v == self.value and type(v) is type(self.value)
        if self.op == "is_not":
            return not (v == self.value and type(v) is type(self.value))
        if self.op == "one_of":
            return v in self.value  # type: ignore[operator]
        if self.op == "none_of":
            return v not in self.value  # type: ignore[operator]
        assert isinstance(v, int) and isinstance(self.value, int)
        return _COMPARE[self.op](v, self.value)


_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "at_least": operator.ge, "more_than": operator.gt, "at_most": operator.le,
    "less_than": operator.lt,
}


@dataclass(frozen=True)
class AnyOf:
    """At least one of the alternatives holds."""

    alternatives: tuple[Test, ...]
    source: str

    def holds(self, facts: dict[str, FactValue]) -> bool:
        return any(t.holds(facts) for t in self.alternatives)


@dataclass(frozen=True)
class Advised:
    """Another rule in this evaluation has advised ``action`` (meta-rules chain on this)."""

    action: str
    source: str


Condition = Test | AnyOf | Advised


@dataclass(frozen=True)
class Text:
    title: str
    why: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Due:
    """``days`` after the date in fact ``from_fact`` (an empty date means no due date)."""

    from_fact: str
    days: int


@dataclass(frozen=True)
class Rule:
    id: str
    action: str
    rung: Rung
    when: tuple[Condition, ...]
    urgent: bool
    channels: tuple[str, ...]
    evidence: tuple[str, ...]
    cites: tuple[str, ...]
    due: Due | None
    text: dict[str, Text]
    file: str
    line: int
    position: int  # declaration order across the pack: the tie-breaker of every ordering


@dataclass(frozen=True)
class AdviceItem:
    id: str
    when: tuple[Condition, ...]
    cites: tuple[str, ...]
    text: dict[str, str]
    file: str
    line: int
    position: int


@dataclass(frozen=True)
class Parameter:
    name: str
    value: int | str | list[str]
    type: str
    source: str
    confidence: Literal["C", "S", "U"]


@dataclass(frozen=True)
class Pack:
    name: str
    version: str
    languages: tuple[str, ...]
    description: str
    sha256: str
    directory: str
    parameters: dict[str, Parameter]
    labels: dict[str, dict[str, dict[str, str]]]  # group -> id -> language -> label
    notice: dict[str, str]
    rules: tuple[Rule, ...]
    advice: tuple[AdviceItem, ...]
    quiet_hours: QuietHours = field(default_factory=lambda: QuietHours(time(22), time(8)))

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)
