"""The runtime: durable_rules decides, one session per evaluation, several engines per process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from escalade import Engine, EngineClosed, RuleActionError, evaluate, load_pack
from escalade.pack.compile import compile_pack

from .conftest import base_case, contact, load_example

NEW_RULE = """
rules:
  - id: test-advise-police-on-any-sms
    action: report_to_police
    urgent: true
    when:
      - collector_contacts: {at_least: 1}
    cites: ["test only"]
    text:
      zh-CN: {title: 测试, why: 测试, steps: [测试]}
      en: {title: test, why: test, steps: [test]}
"""


def test_a_rule_added_to_the_pack_changes_the_decision(pack_copy: Path) -> None:
    case = load_example("s2-outdated-contact-details")
    with Engine(pack_copy) as before:
        assert before.evaluate(case).escalation == "re_verify"
    (pack_copy / "99-extra.yaml").write_text(NEW_RULE, "utf-8")
    with Engine(pack_copy) as after:
        decision = after.evaluate(case)
    assert decision.escalation == "file_with_regulator" and decision.urgent
    assert decision.actions[0].rule == "test-advise-police-on-any-sms"


def test_removing_a_rule_file_removes_its_actions(pack_copy: Path) -> None:
    (pack_copy / "40-agent.yaml").unlink()
    with Engine(pack_copy) as eng:
        d = eng.evaluate(load_example("title-agent-claimed-deferral"))
    assert {a.action for a in d.actions} == {"reverify_arrangement"}


def test_meta_rule_chains_on_advised_action(engine: Engine) -> None:
    calls = [contact(f"2026-03-10T1{i}:00:00+08:00") for i in range(4)]
    d = engine.evaluate(base_case(events=calls))
    actions = [a.action for a in d.actions]
    assert "file_with_regulator" in actions and "file_complaint_with_lender" in actions
    chained = next(t for t in d.trace if t.rule == "lender-complaint-first")
    assert chained.matched == {"lender_complaint": "none", "advised:file_with_regulator": True}


def test_no_lender_complaint_advised_when_one_exists(engine: Engine) -> None:
    calls = [contact(f"2026-03-10T1{i}:00:00+08:00") for i in range(4)]
    filed = {"type": "complaint_filed", "at": "2026-03-10T18:00:00+08:00", "to": "lender"}
    d = engine.evaluate(base_case(events=[*calls, filed]))
    assert "file_complaint_with_lender" not in {a.action for a in d.actions}


def test_deterministic_bytes(engine: Engine) -> None:
    case = load_example("s6-too-frequent")
    first = engine.evaluate(case).model_dump_json()
    with Engine() as other:
        assert other.evaluate(case).model_dump_json() == first
    assert evaluate(case).model_dump_json() == first


def test_rung_order_urgent_first_then_ladder(engine: Engine) -> None:
    d = engine.evaluate(load_example("threat-of-violence"))
    assert d.actions[0].action == "report_to_police" and d.actions[0].urgent
    rungs = [a.rung for a in d.actions[1:]]
    assert rungs == sorted(rungs, key=["re_verify", "contact_support", "confront_collector",
                                       "file_with_regulator"].index)


def test_explain_lists_rules_not_fired_with_first_failed_condition(engine: Engine) -> None:
    d = engine.evaluate(load_example("s4-confirmed-yet-called"), explain=True)
    not_fired = {t.rule: t for t in d.trace if not t.fired}
    demand = not_fired["s4-demand-basis"].failed
    assert demand is not None
    assert demand.condition == "collector_informed is true"
    assert demand.read == {"collector_informed": False}
    assert all(t.failed is None for t in d.trace if t.fired)
    plain = engine.evaluate(load_example("s4-confirmed-yet-called"))
    assert all(t.fired for t in plain.trace)
    assert "failed" not in json.loads(plain.model_dump_json())["trace"][0]


def test_due_date_from_the_lender_complaint(engine: Engine) -> None:
    filed = {"type": "complaint_filed", "at": "2026-02-20T10:00:00+08:00", "to": "lender"}
    d = engine.evaluate(base_case(events=[filed]))
    action = next(a for a in d.actions if a.rule == "regulator-after-lender-deadline")
    assert action.due is not None and action.due.isoformat() == "2026-03-07"


def test_english_texts(engine: Engine) -> None:
    d = engine.evaluate(load_example("s4-confirmed-yet-called"), lang="en")
    assert d.actions[0].title.startswith("Tell the collector")
    assert d.notice.startswith("Practical steps")


def test_action_exception_surfaces_and_engine_still_works(pack_copy: Path) -> None:
    with Engine(pack_copy) as eng:
        name = "rule:s4-explain-to-collector"
        original = eng._runtime._actions[name]

        def boom(_: object) -> None:
            raise ValueError("injected")

        eng._runtime._actions[name] = boom
        with pytest.raises(RuleActionError, match=r"s4-explain-to-collector.*injected"):
            eng.evaluate(load_example("s4-confirmed-yet-called"))
        eng._runtime._actions[name] = original
        assert eng.evaluate(load_example("s4-confirmed-yet-called")).escalation == (
            "confront_collector")


def test_closed_engine_refuses(pack_copy: Path) -> None:
    eng = Engine(pack_copy)
    eng.close()
    eng.close()
    with pytest.raises(EngineClosed):
        eng.evaluate(load_example("all-quiet"))


def test_many_evaluations_do_not_leak_sessions(engine: Engine) -> None:
    case = load_example("s6-too-frequent")
    for _ in range(2000):  # above durable_rules' 1024 live-session limit
        engine.evaluate(case)


def _leaves(node: object) -> list[tuple[str, object]]:
    """Every ``{field: operand}`` comparison in a compiled pattern."""
    out: list[tuple[str, object]] = []
    if isinstance(node, list):
        for item in node:
            out += _leaves(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("$and", "$or"):
                out += _leaves(value)
            elif key in ("$gt", "$gte", "$lt", "$lte", "$neq"):
                out += list(value.items())
            else:
                out.append((key, value))
    return out


def test_compiled_rules_compare_fields_with_constants_only(pack_copy: Path) -> None:
    """No cross-fact references: the pattern behind durable_rules' out-of-bounds read (#381)."""
    for rule in compile_pack(load_pack(pack_copy)).values():
        for pattern in rule["all"]:
            (_, expression), = pattern.items()
            leaves = _leaves(expression)
            assert leaves
            assert all(isinstance(v, (int, str, bool)) for _, v in leaves), leaves


def test_case_matching_no_rule_does_not_crash_the_process(run_cli: object) -> None:
    """durable_rules freed an uninitialised pointer when deleting a session whose fact matched
    no rule (SIGABRT/SIGSEGV at the CLI's exit); the runtime's sentinel rule prevents it."""
    import subprocess
    import sys

    from .conftest import EXAMPLES, ROOT

    minimal = str(ROOT / "examples" / "packs" / "minimal")
    quiet = str(EXAMPLES / "cases" / "all-quiet.json")
    assert callable(run_cli)
    for _ in range(3):
        proc = run_cli("evaluate", quiet, "--pack", minimal, "--lang", "en", "--format", "json")
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["actions"] == []
    script = (
        "import json, sys\n"
        "from escalade import Engine, load_pack\n"
        f"case = json.load(open({quiet!r}))\n"
        f"engines = [Engine(load_pack({minimal!r})) for _ in range(3)]\n"
        "for i in range(3000):\n"
        "    assert engines[i % 3].evaluate(case, lang='en').actions == []\n"
        "for e in engines:\n"
        "    e.close()\n"
        "print('done')\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "done", proc.stderr[-2000:]
