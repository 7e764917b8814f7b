"""The example cases in examples/ (copies of shared/examples, plus the project's own) agree."""

from __future__ import annotations

import json

import pytest
from escalade import Engine
from escalade.vocab import LADDER

from .conftest import EXAMPLES, load_example

EXPECTED: dict[str, dict[str, object]] = json.loads(
    (EXAMPLES / "expected.json").read_text("utf-8"))


def test_every_case_file_has_an_expectation() -> None:
    files = {p.stem for p in (EXAMPLES / "cases").glob("*.json")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_agrees(engine: Engine, name: str) -> None:
    exp = EXPECTED[name]
    d = engine.evaluate(load_example(name))
    got = {a.action for a in d.actions}
    if "escalation" in exp:
        assert d.escalation == exp["escalation"]
    if "min" in exp:
        assert LADDER.index(d.escalation) >= LADDER.index(str(exp["min"]))
    if "max" in exp:
        assert LADDER.index(d.escalation) <= LADDER.index(str(exp["max"]))
    if "urgent" in exp:
        assert d.urgent is exp["urgent"]
    assert set(exp.get("include", [])) <= got  # type: ignore[arg-type]
    assert not set(exp.get("exclude", [])) & got  # type: ignore[arg-type]
