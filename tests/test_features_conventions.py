"""The feature files keep the conventions that stop scenarios from silently disappearing.

See shared/notes/pytest-bdd.md: a full-width colon, a duplicate scenario name, a step keyword
glued to text, and so on each keep the suite green while a scenario is lost. ``check_feature``
finds them; these tests run it on the real files and prove it catches every trap. The count test
compares what pytest collects with what the files say (a Scenario Outline once per row).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest
from escalade.vocab import LADDER, ActionId

from .conftest import ROOT
from .gherkin_files import check_feature, feature_paths, parse_feature
from .steps.words import ACTIONS, RUNGS

FEATURES = ROOT / "features"

GOOD = """# language: zh-CN
功能: 样例
  出处：文章 §四。

  场景: 一
    假如 甲
    当 乙
    那么 丙

  场景大纲: 二
    假如 甲 <x>
    那么 丙

    例子:
      | x |
      | 1 |
      | 2 |
"""

# (what the trap is, how to plant it in GOOD, a phrase the problem report must contain)
TRAPS = [
    ("no language header", lambda t: t.replace("# language: zh-CN\n", ""), "first line"),
    ("English language header", lambda t: t.replace("zh-CN", "en", 1), "first line"),
    ("full-width colon on a scenario", lambda t: t.replace("场景: 一", "场景：一"),
     "full-width colon"),
    ("full-width colon on Examples", lambda t: t.replace("例子:", "例子："), "full-width colon"),
    ("duplicate scenario name", lambda t: t.replace("场景大纲: 二", "场景大纲: 一"),
     "duplicate scenario name"),
    ("scenario without a Then", lambda t: t.replace("    那么 丙\n\n", "\n", 1), "no 那么"),
    ("feature without its citation", lambda t: t.replace("出处：文章 §四。", "没有出处。"),
     "cites no source"),
    ("description line read as a step",
     lambda t: t.replace("场景: 一\n", "场景: 一\n    当天的说明\n"), "glued to text"),
    ("outline without Examples rows", lambda t: t.replace("      | 1 |\n      | 2 |\n", ""),
     "no Examples rows"),
    ("placeholder without a column", lambda t: t.replace("甲 <x>", "甲 <y>"), "lack the column"),
    ("duplicate Examples row", lambda t: t.replace("| 2 |", "| 1 |"), "duplicate Examples row"),
    ("file that does not parse", lambda t: t.replace("功能: 样例", "样例"), "does not parse"),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sample.feature"
    path.write_text(text, "utf-8")
    return path


def test_the_sample_is_clean(tmp_path: Path) -> None:
    assert check_feature(_write(tmp_path, GOOD), tmp_path) == []


@pytest.mark.parametrize(("plant", "phrase"), [(t[1], t[2]) for t in TRAPS],
                         ids=[t[0] for t in TRAPS])
def test_the_checker_catches_each_trap(tmp_path: Path, plant: object, phrase: str) -> None:
    text = plant(GOOD)  # type: ignore[operator]
    assert text != GOOD
    problems = check_feature(_write(tmp_path, text), tmp_path)
    assert any(phrase in p for p in problems), problems


def test_there_are_features() -> None:
    assert len(feature_paths(FEATURES)) >= 13


@pytest.mark.parametrize("path", feature_paths(FEATURES), ids=lambda p: p.name)
def test_feature_file_keeps_the_conventions(path: Path) -> None:
    assert check_feature(path, FEATURES) == []


def test_every_article_section_has_a_feature() -> None:
    cited = " ".join(c for p in feature_paths(FEATURES)
                     for c in parse_feature(p, FEATURES).citations)
    for section in "一二三四五六七八九":
        assert f"§{section}" in cited, f"no feature cites 文章 §{section}"


def test_the_step_words_cover_the_contract() -> None:
    assert sorted(ACTIONS.values()) == sorted(get_args(ActionId))
    assert sorted(RUNGS.values()) == sorted(LADDER)


def test_collected_scenarios_equal_the_scenarios_written(tmp_path: Path) -> None:
    """pytest collects each written scenario once, and each Examples row once."""
    out = tmp_path / "record.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         f"--bdd-record={out}", "tests/test_features.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    runs = json.loads(out.read_text("utf-8"))["runs"]
    collected: dict[tuple[str, int], list[int | None]] = {}
    for run in runs:
        collected.setdefault((run["feature"], run["line"]), []).append(run["row"])
    written: dict[tuple[str, int], list[int | None]] = {}
    for path in feature_paths(FEATURES):
        feature = parse_feature(path, FEATURES)
        for sc in feature.scenarios:
            rows: list[int | None] = [r.index for r in sc.rows] if sc.examples else [None]
            written[(feature.rel, sc.line)] = rows
    assert {k: sorted(v, key=str) for k, v in collected.items()} == \
        {k: sorted(v, key=str) for k, v in written.items()}
    assert len(runs) == sum(len(v) for v in written.values())
    items = [line for line in proc.stdout.splitlines() if "::" in line]
    assert len(items) == len(runs)


def test_every_feature_has_a_runnable_example() -> None:
    """Each feature's situation can be run with `escalade evaluate examples/cases/NAME.json`:
    some scenario of it starts from an example case that exists."""
    from .conftest import EXAMPLES, ROOT

    for path in sorted((ROOT / "features").glob("*.feature")):
        names = re.findall(r"示例案例“([^”]+)”", path.read_text("utf-8"))
        assert names, f"{path.name}: no scenario starts from an example case"
        for name in names:
            if name.startswith("<"):
                continue  # an outline column: its Examples rows name the cases
            assert (EXAMPLES / "cases" / f"{name}.json").is_file(), f"{path.name}: {name}"
