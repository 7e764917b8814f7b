"""The documentation tells the truth: rules/README.md's example pack and facts table."""

from __future__ import annotations

import re

from escalade import Engine, load_pack
from escalade.facts import CATALOGUE

from .conftest import ROOT, base_case, contact

README = (ROOT / "rules" / "README.md").read_text("utf-8")
MINIMAL = ROOT / "examples" / "packs" / "minimal"


def test_readme_example_is_the_minimal_pack_verbatim() -> None:
    blocks = re.findall(r"```yaml\n# (\S+)\n(.*?)```", README, flags=re.S)
    assert [name for name, _ in blocks] == ["pack.yaml", "rules.yaml"]
    for name, body in blocks:
        on_disk = (MINIMAL / name).read_text("utf-8")
        strip = [re.sub(r"\s+#.*$", "", line).rstrip() for line in body.splitlines()]
        assert [s for s in strip if s] == [s.rstrip() for s in on_disk.splitlines() if s.strip()]


def test_minimal_pack_runs() -> None:
    calls = [contact(f"2026-03-10T1{i}:00:00+08:00") for i in range(4)]
    with Engine(load_pack(MINIMAL)) as engine:
        decision = engine.evaluate(base_case(events=calls), lang="en")
    assert [a.rule for a in decision.actions] == ["too-many-calls"]


def test_facts_table_lists_every_fact() -> None:
    facts_section = README.split("## Facts", 1)[1]
    documented = re.findall(r"^\| `([a-z0-9_]+)` \|", facts_section, flags=re.M)
    assert documented == [spec.name for spec in CATALOGUE]
