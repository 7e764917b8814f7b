"""The feature files as written: parsed with gherkin-official, checked, counted.

``check_feature`` finds the silent traps of ``shared/notes/pytest-bdd.md`` (each keeps the suite
green while a scenario disappears); ``FeatureDoc.runs`` counts the test runs a file should yield
(a Scenario Outline once per Examples row). The conventions test and the living-documentation
plugin both read the features through this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from gherkin.errors import ParserError
from gherkin.parser import Parser

LANGUAGE_HEADER = "# language: zh-CN"
BLOCK_KEYWORDS = ("场景大纲", "剧本大纲", "场景", "剧本", "功能", "背景", "例子", "规则", "Rule")
FULL_WIDTH_COLON = re.compile(r"^\s*(?:" + "|".join(BLOCK_KEYWORDS) + r")\s*：")
# A feature cites the article's section (文章 §四), FACTS.md, or a regulation by its title 《…》.
CITATION = re.compile(
    r"文章\s*§[一二三四五六七八九](?:\(\d\))?|FACTS\.md(?:\s*“[^”]*”)?|《[^》]+》")
PLACEHOLDER = re.compile(r"<([^<>]+)>")


@dataclass(frozen=True)
class StepLine:
    keyword: str
    text: str
    line: int
    kind: str  # Context, Action, Outcome, Conjunction, Unknown


@dataclass(frozen=True)
class ExampleRow:
    index: int  # position among all Examples rows of the scenario (pytest-bdd's parameter index)
    line: int
    values: tuple[str, ...]


@dataclass(frozen=True)
class ExamplesTable:
    name: str
    line: int
    header: tuple[str, ...]
    rows: tuple[ExampleRow, ...]


@dataclass(frozen=True)
class ScenarioDoc:
    keyword: str
    name: str
    line: int
    description: str
    rule: str | None
    steps: tuple[StepLine, ...]
    examples: tuple[ExamplesTable, ...]

    @property
    def rows(self) -> tuple[ExampleRow, ...]:
        return tuple(row for table in self.examples for row in table.rows)

    @property
    def runs(self) -> int:
        """How many test runs pytest-bdd makes of it: one, or one per Examples row."""
        return len(self.rows) if self.examples else 1


@dataclass(frozen=True)
class FeatureDoc:
    path: Path
    rel: str  # relative to the features directory, with "/"
    name: str
    line: int
    description: str
    tags: tuple[str, ...]
    background: tuple[StepLine, ...]
    scenarios: tuple[ScenarioDoc, ...]

    @property
    def citations(self) -> list[str]:
        """What the title and description cite (article section, FACTS.md, a regulation)."""
        return [m.group(0).strip() for m in CITATION.finditer(f"{self.name}\n{self.description}")]

    @property
    def runs(self) -> int:
        return sum(s.runs for s in self.scenarios)


class FeatureParseError(Exception):
    """gherkin-official could not parse a feature file."""


def _steps(raw: list[dict[str, Any]]) -> tuple[StepLine, ...]:
    return tuple(StepLine(s["keyword"].strip(), s["text"], s["location"]["line"],
                          s.get("keywordType", "Unknown")) for s in raw)


def _scenario(raw: dict[str, Any], rule: str | None) -> ScenarioDoc:
    tables: list[ExamplesTable] = []
    index = 0
    for ex in raw.get("examples", []):
        rows = []
        for body in ex.get("tableBody", []):
            rows.append(ExampleRow(index, body["location"]["line"],
                                   tuple(c["value"] for c in body["cells"])))
            index += 1
        header = ex.get("tableHeader")
        tables.append(ExamplesTable(ex.get("name", ""), ex["location"]["line"],
                                    tuple(c["value"] for c in header["cells"]) if header else (),
                                    tuple(rows)))
    return ScenarioDoc(raw["keyword"].strip(), raw["name"].strip(), raw["location"]["line"],
                       raw.get("description", "").strip(), rule, _steps(raw["steps"]),
                       tuple(tables))


def _raw_tags(raw: dict[str, Any]) -> list[str]:
    return [t["name"].lstrip("@") for t in raw.get("tags", [])]


def parse_feature(path: Path, base: Path) -> FeatureDoc:
    """Parse one feature file (raises ``FeatureParseError``)."""
    text = path.read_text("utf-8")
    try:
        doc = cast("dict[str, Any]", Parser().parse(text))
    except ParserError as exc:
        raise FeatureParseError(f"{path.name}: {exc}") from None
    feature = doc.get("feature")
    if not feature:
        raise FeatureParseError(f"{path.name}: no 功能 (Feature) in the file")
    background: tuple[StepLine, ...] = ()
    scenarios: list[ScenarioDoc] = []
    for child in feature.get("children", []):
        if "background" in child:
            background = _steps(child["background"]["steps"])
        elif "scenario" in child:
            scenarios.append(_scenario(child["scenario"], None))
        elif "rule" in child:
            rule = child["rule"]
            for sub in rule.get("children", []):
                if "scenario" in sub:
                    scenarios.append(_scenario(sub["scenario"], rule["name"].strip()))
    return FeatureDoc(path, path.relative_to(base).as_posix(), feature["name"].strip(),
                      feature["location"]["line"], feature.get("description", "").strip(),
                      tuple(_raw_tags(feature)), background, tuple(scenarios))


def feature_paths(base: Path) -> list[Path]:
    return sorted(base.rglob("*.feature"))


def all_tags(path: Path) -> set[str]:
    """Every tag written in a feature file (feature, rule, scenario, Examples), parse or not."""
    text = path.read_text("utf-8")
    return {t.lstrip("@") for line in text.splitlines() if line.strip().startswith("@")
            for t in line.split() if t.startswith("@")}


def check_feature(path: Path, base: Path) -> list[str]:
    """Every convention the file breaks, as ``file:line: problem`` strings."""
    rel = path.relative_to(base).as_posix()
    lines = path.read_text("utf-8").splitlines()
    problems: list[str] = []
    if not lines or lines[0].strip() != LANGUAGE_HEADER:
        problems.append(f"{rel}:1: the first line must be '{LANGUAGE_HEADER}'")
    for n, line in enumerate(lines, 1):
        if FULL_WIDTH_COLON.match(line):
            problems.append(f"{rel}:{n}: full-width colon '：' after a keyword (use ':'): "
                            "the block would be swallowed into a description")
    try:
        feature = parse_feature(path, base)
    except FeatureParseError as exc:
        return [*problems, f"{rel}: does not parse: {exc}"]
    if not feature.citations:
        problems.append(f"{rel}:{feature.line}: the feature cites no source in its title or "
                        "description (文章 §N, FACTS.md, or 《regulation》)")
    if not feature.scenarios:
        problems.append(f"{rel}:{feature.line}: the feature has no scenarios")
    seen: dict[str, int] = {}
    for sc in feature.scenarios:
        where = f"{rel}:{sc.line}"
        if sc.name in seen:
            problems.append(f"{where}: duplicate scenario name {sc.name!r} (first at line "
                            f"{seen[sc.name]}): pytest-bdd runs only the last one")
        seen.setdefault(sc.name, sc.line)
        if not sc.name:
            problems.append(f"{where}: scenario without a name")
        if not sc.steps:
            problems.append(f"{where}: scenario {sc.name!r} has no steps")
        elif not any(s.kind == "Outcome" for s in sc.steps):
            problems.append(f"{where}: scenario {sc.name!r} has no 那么 (Then) step")
        problems.extend(_check_outline(where, sc))
    for step in (*feature.background, *(s for sc in feature.scenarios for s in sc.steps)):
        raw = lines[step.line - 1].strip()
        if not raw.startswith(step.keyword + " "):
            problems.append(f"{rel}:{step.line}: '{raw[:20]}' was read as the step keyword "
                            f"'{step.keyword}' glued to text; write '{step.keyword} ' or reword")
    return problems


def _check_outline(where: str, sc: ScenarioDoc) -> list[str]:
    problems: list[str] = []
    used = {m for s in sc.steps for m in PLACEHOLDER.findall(s.text)}
    if sc.keyword in ("场景大纲", "剧本大纲") and not sc.rows:
        problems.append(f"{where}: outline {sc.name!r} has no Examples rows")
    if used and not sc.examples:
        problems.append(f"{where}: scenario {sc.name!r} uses <{'>, <'.join(sorted(used))}> "
                        "but has no 例子 (Examples)")
    seen_rows: set[tuple[str, ...]] = set()
    for table in sc.examples:
        missing = used - set(table.header)
        if missing:
            problems.append(f"{where}: Examples at line {table.line} lack the column(s) "
                            f"{', '.join(sorted(missing))}")
        for row in table.rows:
            if row.values in seen_rows:
                problems.append(f"{where}: duplicate Examples row at line {row.line}")
            seen_rows.add(row.values)
    return problems
