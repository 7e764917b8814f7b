"""The command line, run as a real subprocess."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from .conftest import EXAMPLES

Run = Callable[..., CompletedProcess[str]]
CASE = str(EXAMPLES / "cases" / "s4-collector-persists.json")


def test_evaluate_json_matches_contract(run_cli: Run) -> None:
    proc = run_cli("evaluate", CASE, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["schema_version"] == 1 and d["case_id"] == "s4-collector-persists"
    assert d["escalation"] == "confront_collector" and d["urgent"] is False
    assert set(d["pack"]) == {"name", "version", "sha256"}
    action = d["actions"][0]
    for key in ("action", "rung", "rule", "title", "why", "steps", "channels", "evidence",
                "cites", "due"):
        assert key in action
    assert d["findings"]["collector_contacts_after_informed"] == 2


def test_evaluate_text_is_a_plan(run_cli: Run) -> None:
    proc = run_cli("evaluate", CASE, "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Escalation: confront the collector (3/4)" in out
    assert "1. [confront the collector]" in out and "Steps:" in out
    assert "Keep as evidence:" in out and "not legal advice" in out


def test_evaluate_from_stdin_same_bytes(run_cli: Run) -> None:
    from_file = run_cli("evaluate", CASE, "--format", "json")
    from_stdin = run_cli("evaluate", "-", "--format", "json",
                         stdin=Path(CASE).read_text("utf-8"))
    assert from_stdin.stdout == from_file.stdout


def test_explain_adds_rules_not_fired(run_cli: Run) -> None:
    d = json.loads(run_cli("evaluate", CASE, "--format", "json", "--explain").stdout)
    assert any(not t["fired"] and "failed" in t for t in d["trace"])


def test_invalid_case_exit_2_one_line_per_problem(run_cli: Run) -> None:
    bad = json.dumps({"schema_version": 1, "case_id": "x", "as_of": "2026-01-01T00:00:00",
                      "product": "huabei", "colour": "red",
                      "events": [{"type": "collector_contact", "at": "2026-01-01T00:00:00",
                                  "channel": "fax"}]})
    proc = run_cli("evaluate", "-", stdin=bad)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert "events[0].channel: 'fax'" in proc.stderr and "colour: unknown field" in proc.stderr


def test_garbage_and_missing_file_exit_2(run_cli: Run, tmp_path: Path) -> None:
    for stdin in (b"\x00\xff garbage", b"", b"[]", b"{"):
        proc = run_cli("evaluate", "-", stdin=stdin)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr
    proc = run_cli("evaluate", str(tmp_path / "missing.json"))
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_validate_ok_and_broken_pack(run_cli: Run, pack_copy: Path) -> None:
    ok = run_cli("validate")
    assert ok.returncode == 0 and ok.stdout.startswith("ok: cn-huabei")
    path = pack_copy / "20-collector.yaml"
    path.write_text(path.read_text("utf-8").replace("- collector_informed: false",
                                                    "- collector_infromed: false"), "utf-8")
    proc = run_cli("validate", str(pack_copy))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "20-collector.yaml:" in proc.stderr and "[rule s4-explain-to-collector]" in proc.stderr
    assert "did you mean 'collector_informed'" in proc.stderr
    proc = run_cli("evaluate", CASE, "--pack", str(pack_copy))
    assert proc.returncode == 2 and "collector_infromed" in proc.stderr


def test_schema_commands(run_cli: Run) -> None:
    case = json.loads(run_cli("schema", "case").stdout)
    assert case["additionalProperties"] is False and "events" in case["properties"]
    decision = json.loads(run_cli("schema", "decision").stdout)
    assert "escalation" in decision["properties"]


def test_help_and_usage_errors(run_cli: Run) -> None:
    assert run_cli("--help").returncode == 0
    assert "--explain" in run_cli("evaluate", "--help").stdout
    assert run_cli("evaluate", CASE, "--format", "xml").returncode == 2
