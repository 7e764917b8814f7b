"""A plain-Python interpreter of a compiled pack: the benchmark's baseline and the tests' oracle.

``ReferenceEvaluator(pack)`` reads the same durable JSON ruleset the engine loads into
durable_rules (``compile_pack(pack)``) and evaluates it without durable_rules: the same ``case``
fact, the same conditions (``$and $or $gt $gte $lt $lte $neq`` and equality), the same
``advised`` facts asserted by rules whose action meta-rules chain on, joined to a fixpoint. It
returns the same firings as ``Runtime.fire`` (as a multiset: durable's firing order is its own)
and goes through the same ``assemble``, so the engine and the reference must produce the same
decision for every case.

It is not the engine: the decision of record is made by durable_rules. Differences between the
two point at a compiler, runtime or durable_rules defect.
"""

from __future__ import annotations

import heapq
import itertools
import math
import operator
from collections.abc import Callable
from typing import Any

from .assemble import assemble
from .case import Case, parse_case
from .decision import Decision
from .facts import FactValue, measure
from .pack.compile import ADVICE_PREFIX, RULE_PREFIX, chained_actions, compile_pack
from .pack.model import Pack
from .runtime import Firing

Fact = dict[str, Any]
Matcher = Callable[[Fact], int]

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": operator.gt, "$gte": operator.ge, "$lt": operator.lt, "$lte": operator.le,
}


def _same(value: Any, expected: Any) -> bool:
    """Equality without Python's ``True == 1``: durable compares typed JSON values."""
    return value == expected and (type(value) is bool) == (type(expected) is bool)


def compile_matcher(expr: Fact) -> Matcher:
    """How many ways one fact satisfies a durable pattern expression (0: no match).

    durable_rules expands a pattern into its disjunctive normal form and activates a rule once
    per satisfied term: a fact that satisfies two alternatives of an ``$or`` fires the rule
    twice. So ``$or`` adds the counts of its parts, ``$and`` (and the keys of one object)
    multiplies them, and a comparison counts 1 or 0.
    """
    parts: list[Matcher] = []
    for key, value in expr.items():
        if key == "$and":
            parts.append(_product([compile_matcher(e) for e in value]))
        elif key == "$or":
            parts.append(_sum([compile_matcher(e) for e in value]))
        elif key == "$neq":
            (name, const), = value.items()
            parts.append(_compare(name, const, lambda v, c: not _same(v, c)))
        elif key in _ORDER:
            (name, const), = value.items()
            parts.append(_compare(name, const, _ordered(_ORDER[key])))
        elif key.startswith("$"):
            raise ValueError(f"the reference evaluator does not know the operator {key!r}")
        else:
            parts.append(_compare(key, value, _same))
    return parts[0] if len(parts) == 1 else _product(parts)


def _compare(name: str, const: Any, test: Callable[[Any, Any], bool]) -> Matcher:
    """1 when the fact has field ``name`` and ``test(value, const)`` holds (a missing field
    never matches, as in durable_rules), else 0."""

    def count(fact: Fact) -> int:
        return int(name in fact and test(fact[name], const))

    return count


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """An order comparison on numbers (never on booleans)."""

    def test(value: Any, const: Any) -> bool:
        return type(value) is not bool and op(value, const)

    return test


def _sum(alternatives: list[Matcher]) -> Matcher:
    def count(fact: Fact) -> int:
        return sum(a(fact) for a in alternatives)

    return count


def _product(parts: list[Matcher]) -> Matcher:
    def count(fact: Fact) -> int:
        total = 1
        for part in parts:
            total *= part(fact)
            if not total:
                return 0
        return total

    return count


class _Rule:
    """One compiled durable rule: its name, salience and one matcher per alias, in order."""

    def __init__(self, name: str, body: Fact, advises: str | None) -> None:
        self.name = name
        self.kind, _, self.item_id = name.partition(":")
        self.pri = int(body.get("pri", 0))
        self.aliases: list[tuple[str, Matcher]] = []
        for pattern in body["all"]:
            (alias, expr), = pattern.items()
            self.aliases.append((alias, compile_matcher(expr)))
        self.advises = advises


class ReferenceEvaluator:
    """Evaluate cases against a pack's compiled ruleset in plain Python (no durable_rules)."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.definition = compile_pack(pack)
        chained = chained_actions(pack)
        self._rules: list[_Rule] = []
        for name, body in self.definition.items():
            kind, _, item_id = name.partition(":")
            advises = None
            if kind + ":" == RULE_PREFIX:
                action = pack.rule(item_id).action
                advises = action if action in chained else None
            else:
                assert kind + ":" == ADVICE_PREFIX
            self._rules.append(_Rule(name, body, advises))

    def fire(self, facts: dict[str, FactValue]) -> list[Firing]:
        """The rules and advice items that fire for ``facts``, like ``Runtime.fire``.

        Activations are kept on an agenda ordered by salience (``pri``, lower first) and then by
        creation; a firing rule that advises a chained action adds an ``advised`` fact, which
        may activate further rules (each combination of facts activates a rule once).
        """
        case_fact: Fact = {**facts, "sid": "reference", "id": "case", "t": "case"}
        ids: set[str] = set()
        # matches[r][a]: (index, ways) of the working facts alias ``a`` of rule ``r`` matches
        matches: list[list[list[tuple[int, int]]]] = [
            [[] for _ in rule.aliases] for rule in self._rules]
        seen: set[tuple[int, tuple[int, ...]]] = set()
        agenda: list[tuple[int, int, _Rule]] = []
        counter = itertools.count()
        firings: list[Firing] = []
        n_facts = 0

        def add(fact: Fact) -> None:
            """Assert ``fact`` (ignored if a fact with its id exists) and activate rules."""
            nonlocal n_facts
            if fact["id"] in ids:
                return
            ids.add(fact["id"])
            index = n_facts
            n_facts += 1
            for r, rule in enumerate(self._rules):
                hit = False
                for a, (_, match) in enumerate(rule.aliases):
                    ways = match(fact)
                    if ways:
                        matches[r][a].append((index, ways))
                        hit = True
                if not hit:
                    continue
                for combo in itertools.product(*matches[r]):
                    key = (r, tuple(i for i, _ in combo))
                    if index in key[1] and key not in seen:
                        seen.add(key)
                        for _ in range(math.prod(ways for _, ways in combo)):
                            heapq.heappush(agenda, (rule.pri, next(counter), rule))

        add(case_fact)
        while agenda:
            _, _, rule = heapq.heappop(agenda)
            firings.append(Firing("rule" if rule.kind + ":" == RULE_PREFIX else "advice",
                                  rule.item_id, case_fact))
            if rule.advises is not None:
                add({"sid": "reference", "id": f"advised:{rule.item_id}", "t": "advised",
                     "action": rule.advises, "rule": rule.item_id})
        return firings

    def evaluate(self, case: Case | dict[str, Any] | str | bytes, *, lang: str = "zh-CN",
                 explain: bool = False) -> Decision:
        """The decision for one case, like ``Engine.evaluate`` but without durable_rules."""
        validated = case if isinstance(case, Case) else parse_case(case)
        facts = measure(validated, self.pack.quiet_hours)
        return assemble(validated, self.pack, facts, self.fire(facts), lang, explain)
