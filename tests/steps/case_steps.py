"""Step definitions for the zh-CN feature files (loaded by ``pytest_plugins`` in conftest)."""

from __future__ import annotations

import json
from typing import Any

from escalade import Engine
from escalade.decision import Decision
from pytest_bdd import given, parsers, then, when

from ..conftest import EXAMPLES


@given(parsers.parse("示例案例“{name}”"), target_fixture="case")
def example_case(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "cases" / f"{name}.json").read_text("utf-8"))
    return data


@when("评估该案例", target_fixture="decision")
def evaluate_case(engine: Engine, case: dict[str, Any]) -> Decision:
    return engine.evaluate(case)


@then(parsers.parse("升级阶段为“{rung}”"))
def rung_is(decision: Decision, rung: str) -> None:
    assert decision.escalation == rung


@then(parsers.parse("建议的行动包括“{action}”"))
def includes(decision: Decision, action: str) -> None:
    assert action in {a.action for a in decision.actions}


@then(parsers.parse("建议的行动不包括“{action}”"))
def excludes(decision: Decision, action: str) -> None:
    assert action not in {a.action for a in decision.actions}
