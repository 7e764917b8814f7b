"""Phone numbers and notes never reach logs or output, unless the trace is asked for them."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest
from escalade import Engine, InvalidCase
from escalade.facts import CATALOGUE
from escalade.personal import event_types_for, is_classified

from .conftest import base_case, contact

Run = Callable[..., CompletedProcess[str]]
NUMBER = "+86-138-" + uuid.uuid4().hex[:8]
NOTE = "note-" + uuid.uuid4().hex


def personal_case(case_id: str = "p1") -> dict[str, Any]:
    """Collector calls that carry NUMBER and NOTE, enough to fire several rules."""
    calls = [contact(f"2026-03-10T{h:02d}:00:00+08:00", number=NUMBER, note=NOTE,
                     conduct=["insulted"]) for h in (8, 9, 10, 23)]
    check = {"type": "arrangement_check", "at": "2026-03-09T10:00:00+08:00", "via": "app",
             "result": "active", "note": NOTE}
    return base_case(case_id=case_id, events=[check, *calls])


def bad_cases() -> list[dict[str, Any]]:
    """Invalid cases whose numbers and notes are wrong in every way we can think of."""
    wrong = [
        {"number": NUMBER * 10},                    # too long
        {"note": NOTE + "x" * 10_001},              # too long
        {"number": {"value": NUMBER}},              # not a string
        {"note": [NOTE]},                           # not a string
        {"channel": "fax", "number": NUMBER, "note": NOTE},  # valid, next to an error
        {"at": NOTE, "number": NUMBER},             # the note text in a time
    ]
    # (A closed enumeration's wrong value IS echoed, by contract: "'fax' is not one of ...";
    # numbers and notes are free text and never are.)
    return [base_case(events=[{**contact("2026-03-10T10:00:00+08:00"), **w}]) for w in wrong]


def _seen(text: str) -> bool:
    return NUMBER in text or NOTE in text or NUMBER[:12] in text


def test_no_number_or_note_in_decision_or_logs(engine: Engine,
                                               caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="escalade"):
        decision = engine.evaluate(personal_case(), lang="en", explain=True)
    text = decision.model_dump_json()
    assert decision.actions and not _seen(text)
    assert all(t.events is None for t in decision.trace)
    assert any("p1" in r.getMessage() for r in caplog.records)  # the logs are useful ...
    assert not _seen(caplog.text)  # ... and hold nothing personal


def test_trace_personal_shows_the_events_behind_each_rule(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="escalade"):
        decision = engine.evaluate(personal_case(), lang="en", trace_personal=True)
    assert NUMBER in decision.model_dump_json() and NOTE in decision.model_dump_json()
    fired = [t for t in decision.trace if t.fired]
    for entry in fired:
        assert entry.events is not None
        wanted: set[str] = set()
        for fact in entry.matched:
            wanted |= event_types_for(fact)
        assert {e["type"] for e in entry.events} <= wanted
    calls = [t for t in fired if any(e["type"] == "collector_contact" for e in t.events or [])]
    assert calls
    event = next(e for e in calls[0].events or [] if e["type"] == "collector_contact")
    assert event["number"] == NUMBER and event["note"] == NOTE and event["index"] >= 1
    assert not _seen(caplog.text)
    # the option changes nothing else
    plain = engine.evaluate(personal_case(), lang="en")
    assert decision.model_copy(update={"trace": plain.trace}) == plain


@pytest.mark.parametrize("case", bad_cases())
def test_rejections_never_echo_a_number_or_note(engine: Engine, case: dict[str, Any],
                                               caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="escalade"), pytest.raises(InvalidCase) as exc:
        engine.evaluate(case)
    assert not _seen(str(exc.value))
    assert not any(_seen(p.path) or _seen(p.message) for p in exc.value.problems)
    assert caplog.records and not _seen(caplog.text)


def test_every_fact_is_classified_for_the_personal_trace() -> None:
    assert [s.name for s in CATALOGUE if not is_classified(s.name)] == []


def test_cli_logs_and_output_without_and_with_trace_personal(run_cli: Run,
                                                             tmp_path: Path) -> None:
    case = json.dumps(personal_case())
    for fmt in ("text", "json"):
        proc = run_cli("evaluate", "-", "-vv", "--format", fmt, "--explain", stdin=case)
        assert proc.returncode == 0 and "DEBUG" in proc.stderr
        assert not _seen(proc.stdout) and not _seen(proc.stderr)
    shown = run_cli("evaluate", "-", "-vv", "--format", "json", "--trace-personal", stdin=case)
    assert NUMBER in shown.stdout and NOTE in shown.stdout and not _seen(shown.stderr)

    src = tmp_path / "cases.jsonl"
    lines = [json.dumps(personal_case(f"p{i}")) for i in range(3)]
    lines += [json.dumps(c) for c in bad_cases()]
    src.write_text("\n".join(lines) + "\n", "utf-8")
    for jobs in ("1", "2"):
        batch = run_cli("evaluate", str(src), "-vv", "--jobs", jobs)
        assert batch.returncode == 2 and "line 4 rejected" in batch.stderr
        assert not _seen(batch.stdout) and not _seen(batch.stderr)
    traced = run_cli("evaluate", str(src), "-vv", "--jobs", "2", "--trace-personal")
    assert NUMBER in traced.stdout and not _seen(traced.stderr)
    assert all(not _seen(line) for line in traced.stdout.splitlines()[3:])  # the rejections
