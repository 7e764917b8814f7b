"""pytest plugin: what the feature scenarios did, and the living documentation page.

Loaded by ``pytest_plugins`` in ``tests/conftest.py``. For every scenario item pytest-bdd
collects (one per Examples row) it records the feature file, the scenario line, the row, the
outcome (passed / failed with the message and the failing step / skipped / not run) and the rule
ids the step definitions report through ``record_fired``. Options:

- ``--living-doc=PATH``: write one self-contained HTML page (``tests/living_page.py``) from the
  feature files and this record, whatever the outcome of the run.
- ``--bdd-record=PATH``: write the record as JSON (read by the coverage tests).

It also registers the tags used in the feature files as markers (the suite runs with
``--strict-markers``) and moves tests marked ``after_features`` to the end of the run, so they
can read the record of the scenarios that ran before them.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd.scenario import scenario_wrapper_template_registry

from .gherkin_files import all_tags, feature_paths


@dataclass
class Run:
    """One scenario run (one Examples row of an outline)."""

    nodeid: str
    feature: str  # path relative to the features directory
    line: int  # the scenario's line
    row: int | None  # index among the scenario's Examples rows; None for a plain scenario
    outcome: str = "not run"  # passed, failed, skipped, not run
    message: str = ""
    step: str = ""  # the step that failed, or was not found
    fired: list[str] = field(default_factory=list)


@dataclass
class Record:
    features_dir: Path | None
    runs: dict[str, Run] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"features_dir": str(self.features_dir) if self.features_dir else None,
                "runs": [asdict(r) for r in self.runs.values()]}


RECORD = pytest.StashKey[Record]()


def record_of(config: pytest.Config) -> Record:
    return config.stash[RECORD]


def record_fired(request: pytest.FixtureRequest, rules: Iterable[str]) -> None:
    """Note the rules a scenario's evaluation fired (called from a When step)."""
    run = request.config.stash[RECORD].runs.get(request.node.nodeid)
    if run is not None:
        run.fired.extend(r for r in rules if r not in run.fired)


def features_dir(config: pytest.Config) -> Path | None:
    value = config.getini("bdd_features_base_dir")
    return (config.rootpath / str(value)).resolve() if value else None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("living documentation")
    group.addoption("--living-doc", metavar="PATH", default=None,
                    help="write the living documentation (one self-contained HTML page: every "
                         "feature, scenario and Examples row with its result) to PATH")
    group.addoption("--bdd-record", metavar="PATH", default=None,
                    help="write what every feature scenario did (JSON) to PATH")


def pytest_configure(config: pytest.Config) -> None:
    base = features_dir(config)
    config.stash[RECORD] = Record(base)
    config.addinivalue_line("markers", "after_features: run after the feature scenarios "
                                       "(reads what they recorded)")
    if base is not None and base.is_dir():
        for tag in sorted({t for p in feature_paths(base) for t in all_tags(p)}):
            config.addinivalue_line("markers", f"{tag}: a tag of the feature files")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Note every scenario item (before -k/-m deselect any) and run ``after_features`` last."""
    record = record_of(config)
    for item in items:
        obj = getattr(item, "obj", None)
        template = scenario_wrapper_template_registry.get(obj) if callable(obj) else None
        if template is None:
            continue
        path = Path(template.feature.filename).resolve()
        base = record.features_dir
        rel = path.relative_to(base).as_posix() if base and path.is_relative_to(base) \
            else path.as_posix()
        callspec = getattr(item, "callspec", None)
        row = callspec.indices.get("_pytest_bdd_example") if callspec is not None else None
        record.runs[item.nodeid] = Run(item.nodeid, rel, template.line_number, row)
    items.sort(key=lambda it: it.get_closest_marker("after_features") is not None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    run = record_of(item.config).runs.get(item.nodeid)
    if run is not None:
        _note_outcome(run, report)
    return report


def _note_outcome(run: Run, report: pytest.TestReport) -> None:
    if report.failed:
        if run.outcome != "failed":
            run.outcome = "failed"
            run.message = _message(report)
    elif report.skipped:
        run.outcome = "skipped"
        run.message = _message(report)
    elif report.when == "call" and run.outcome == "not run":
        run.outcome = "passed"


def _message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        text = str(crash.message)
    elif isinstance(report.longrepr, tuple):  # a skip: (file, line, reason)
        text = str(report.longrepr[2])
    else:
        text = str(report.longrepr)
    if report.when != "call":
        text = f"({report.when}) {text}"
    return text[:2000]


def pytest_bdd_step_error(request: pytest.FixtureRequest, step: Any, **_: Any) -> None:
    _note_step(request, step, "")


def pytest_bdd_step_func_lookup_error(request: pytest.FixtureRequest, step: Any,
                                      **_: Any) -> None:
    _note_step(request, step, "step not defined: ")


def _note_step(request: pytest.FixtureRequest, step: Any, prefix: str) -> None:
    run = record_of(request.config).runs.get(request.node.nodeid)
    if run is not None:
        run.step = f"{prefix}{step.keyword} {step.name} (line {step.line_number})"


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    record = record_of(config)
    out = config.getoption("--bdd-record")
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(record.to_json(), ensure_ascii=False, indent=1), "utf-8")
    page = config.getoption("--living-doc")
    if page:
        from .living_page import render

        if record.features_dir is None:
            raise pytest.UsageError("--living-doc needs bdd_features_base_dir in the ini file")
        Path(page).parent.mkdir(parents=True, exist_ok=True)
        Path(page).write_text(render(record.features_dir, list(record.runs.values())), "utf-8")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    page = config.getoption("--living-doc")
    if page:
        terminalreporter.write_line(f"living documentation: {Path(page).resolve()}")
