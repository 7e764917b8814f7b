"""Compile a ``Pack`` into durable_rules' own JSON ruleset format.

Each rule and advice item becomes one durable rule over the single ``case`` fact that holds the
measured facts; a rule with ``advised: ACTION`` conditions also joins the ``advised`` facts that
firing rules assert. Patterns never reference another fact's fields (the out-of-bounds read of
durable_rules issue #381), and every condition compares one field with a constant.
"""

from __future__ import annotations

from typing import Any

from ..facts import FACTS
from .model import Advised, AnyOf, Condition, Pack, Test

CASE_ALIAS = "m"
RULE_PREFIX = "rule:"
ADVICE_PREFIX = "advice:"

Json = dict[str, Any]


def durable_name(kind: str, item_id: str) -> str:
    """The name of a pack rule (``rule``) or advice item (``advice``) inside durable_rules."""
    return (RULE_PREFIX if kind == "rule" else ADVICE_PREFIX) + item_id


def compile_pack(pack: Pack) -> Json:
    """The durable ruleset definition: ``{durable_name: {"all": [...], "pri": n}}``."""
    ruleset: Json = {}
    for rule in pack.rules:
        ruleset[durable_name("rule", rule.id)] = _rule(rule.when, rule.position)
    for item in pack.advice:
        ruleset[durable_name("advice", item.id)] = _rule(item.when, item.position)
    return ruleset


def chained_actions(pack: Pack) -> frozenset[str]:
    """Actions some rule chains on: firing rules that advise these assert an ``advised`` fact."""
    return frozenset(
        c.action for r in pack.rules for c in r.when if isinstance(c, Advised)
    )


def _rule(conditions: tuple[Condition, ...], position: int) -> Json:
    tests: list[Json] = [{"t": "case"}]
    patterns: list[Json] = []
    for i, cond in enumerate(conditions):
        if isinstance(cond, Advised):
            patterns.append({f"a{i}": {"$and": [{"t": "advised"}, {"action": cond.action}]}})
        elif isinstance(cond, AnyOf):
            tests.append({"$or": [_test(t) for t in cond.alternatives]})
        else:
            tests.append(_test(cond))
    patterns.append({CASE_ALIAS: {"$and": tests}})
    return {"all": patterns, "pri": min(position, 65535)}


def _test(test: Test) -> Json:
    assert test.fact in FACTS
    f, v = test.fact, test.value
    if test.op == "is":
        return {f: v}
    if test.op == "is_not":
        return {"$neq": {f: v}}
    if test.op == "one_of":
        assert isinstance(v, tuple)
        return {"$or": [{f: x} for x in v]}
    if test.op == "none_of":
        assert isinstance(v, tuple)
        return {"$and": [{"$neq": {f: x}} for x in v]}
    op = {"at_least": "$gte", "more_than": "$gt", "at_most": "$lte", "less_than": "$lt"}[test.op]
    return {op: {f: v}}
