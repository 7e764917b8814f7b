"""Every rule and advice item of the built-in pack is fired by at least one feature scenario.

The rule ids come from the loaded pack, the fired ones from the real decisions' trace, recorded
by the When step (``record_fired``) while the scenarios run. This test is marked
``after_features`` (the livingdoc plugin runs it after them) and reads that record when every
scenario ran in this session; otherwise (``-k``, a single file) it runs the scenarios itself in a
subprocess. A rule added to the pack without a scenario fails it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from escalade.pack.model import Pack

from .conftest import ROOT
from .livingdoc import record_of


def _fired_in_this_session(config: pytest.Config) -> set[str] | None:
    runs = list(record_of(config).runs.values())
    if not runs or any(r.outcome not in ("passed", "failed") for r in runs):
        return None
    return {rule for r in runs for rule in r.fired}


def _fired_in_a_fresh_run(tmp_path: Path) -> set[str]:
    out = tmp_path / "record.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--bdd-record={out}",
         "tests/test_features.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    runs = json.loads(out.read_text("utf-8"))["runs"]
    assert runs, "no scenario was collected"
    return {rule for r in runs for rule in r["fired"]}


@pytest.mark.after_features
def test_every_rule_and_advice_item_is_fired_by_a_scenario(
        request: pytest.FixtureRequest, pack: Pack, tmp_path: Path) -> None:
    fired = _fired_in_this_session(request.config)
    if fired is None:
        fired = _fired_in_a_fresh_run(tmp_path)
    rules = [r.id for r in pack.rules]
    advice = [a.id for a in pack.advice]
    assert [r for r in rules if r not in fired] == [], "rules no scenario fires"
    assert [a for a in advice if a not in fired] == [], "advice no scenario fires"
    assert fired <= set(rules) | set(advice)
