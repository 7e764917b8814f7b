"""Regression tests pinning the durable_rules defects escalade designs around (see
/work/shared/notes/durable-rules.md): duplicate events, long cases, session leaks, threads, failing
actions, several Engines, closing, and the cross-fact reference pattern behind issue #381."""

from __future__ import annotations

import gc
import json
import os
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from escalade import Engine, EngineClosed, RuleActionError, load_pack
from escalade.pack.compile import CASE_ALIAS, chained_actions, compile_pack
from escalade.pack.model import Advised, Pack

from .conftest import EXAMPLES, ROOT, base_case, contact, load_example

STATM = Path("/proc/self/statm")
needs_statm = pytest.mark.skipif(not STATM.exists(), reason="RSS is read from /proc/self/statm")


def rss_mb() -> float:
    """Resident set size of this process, in MiB."""
    gc.collect()
    return int(STATM.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def example_cases() -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((EXAMPLES / "cases").glob("*.json"))]


def varied_cases() -> list[dict[str, Any]]:
    """The example cases and variations on them: different rules fire for each."""
    cases = example_cases()
    for n in range(1, 7):
        calls = [contact(f"2026-03-10T{8 + i:02d}:00:00+08:00",
                         conduct=["insulted"] if i % 3 == 0 else []) for i in range(n)]
        cases.append(base_case(case_id=f"calls-{n}", events=calls))
        cases.append(base_case(case_id=f"agent-{n}", arrangement={
            **base_case()["arrangement"], "arranged_by": "third_party_agent", "status": "claimed",
            "agent": {"fee_paid_cny": 100 * n, "asked_for": ["sms_code"][: n % 2]}},
            events=calls))
    return cases


# -- the same event twice, long cases -----------------------------------------------------------


def test_the_same_event_pasted_twice(engine: Engine) -> None:
    """Events are counted, not asserted as durable facts: a duplicate is no 'already observed'
    error, and is counted like any other event."""
    case = load_example("s4-confirmed-yet-called")
    twice = {**case, "events": case["events"] + case["events"]}
    once_d, twice_d = engine.evaluate(case), engine.evaluate(twice)
    assert twice_d.findings["collector_contacts"] == 2 * once_d.findings["collector_contacts"]
    assert engine.evaluate(twice).model_dump_json() == twice_d.model_dump_json()
    same_event = base_case(events=[contact("2026-03-10T10:00:00+08:00")] * 2)
    assert engine.evaluate(same_event).findings["connected_calls_max_per_day"] == 2


def test_the_same_case_many_times_in_a_row(engine: Engine) -> None:
    """Identical fact content in consecutive sessions (content identity is per session)."""
    case = load_example("threat-of-violence")
    first = engine.evaluate(case).model_dump_json()
    assert all(engine.evaluate(case).model_dump_json() == first for _ in range(300))


def test_a_long_case_with_thousands_of_events(engine: Engine) -> None:
    calls = [contact(f"2026-02-{1 + i % 28:02d}T{8 + i % 12:02d}:{i % 60:02d}:00+08:00",
                     number=f"1380000{i % 50:04d}", answered=i % 4 != 0,
                     conduct=["insulted"] if i % 97 == 0 else [])
             for i in range(10_000)]  # the default limit of events
    checks = [{"type": "arrangement_check", "at": "2026-03-01T09:00:00+08:00", "via": "app",
               "result": "active"}]
    decision = engine.evaluate(base_case(events=checks + calls[:-1]))
    f = decision.findings
    assert f["collector_contacts"] == 9_999 and f["collector_numbers"] == 50
    assert f["conduct_insulted"] == len(range(0, 9_999, 97))
    assert decision.escalation == "file_with_regulator"


# -- sessions, memory, threads ------------------------------------------------------------------


@needs_statm
def test_twenty_thousand_evaluations_keep_memory_flat(engine: Engine) -> None:
    """Each evaluation's session is deleted: far past durable_rules' 1,024 live sessions, and
    without growth (an undeleted session costs about 440 KB: 20,000 would be ~8.6 GB)."""
    cases = [json.dumps(c) for c in varied_cases()]
    for case in cases * 40:  # warm up caches and allocator pools
        engine.evaluate(case)
    before = rss_mb()
    for i in range(20_000):
        engine.evaluate(cases[i % len(cases)])
    assert rss_mb() - before < 20


def test_eight_threads_on_one_engine_give_the_sequential_results(engine: Engine) -> None:
    cases = varied_cases()
    variants = [(c, lang, explain) for c in cases for lang in ("zh-CN", "en")
                for explain in (False, True)]
    expected = [engine.evaluate(c, lang=lang, explain=explain).model_dump_json()
                for c, lang, explain in variants]

    def worker(seed: int) -> list[tuple[int, str]]:
        order = list(range(len(variants))) * 3
        random.Random(seed).shuffle(order)
        out = []
        for i in order:
            case, lang, explain = variants[i]
            out.append((i, engine.evaluate(case, lang=lang, explain=explain).model_dump_json()))
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [r for batch in pool.map(worker, range(8)) for r in batch]
    assert len(results) == 8 * 3 * len(variants)
    mismatches = [i for i, got in results if got != expected[i]]
    assert mismatches == []


# -- failing actions ----------------------------------------------------------------------------


def fired_of_kind(eng: Engine, case: dict[str, Any], kind: str) -> str:
    """The durable name of an item that fires for ``case``: a ``plain`` rule, an ``advising``
    rule (its action is chained on: it asserts an ``advised`` fact), a ``meta`` rule (fired by
    that fact), or an ``advice`` item. Derived from the pack, so rule renames do not matter."""
    pack = eng.pack
    chained = chained_actions(pack)
    fired = [t for t in eng.evaluate(case, explain=True).trace if t.fired]
    for t in fired:
        if t.kind == "advice":
            if kind == "advice":
                return f"advice:{t.rule}"
            continue
        rule = pack.rule(t.rule)
        is_meta = any(isinstance(c, Advised) for c in rule.when)
        is_advising = rule.action in chained
        if {"meta": is_meta, "advising": is_advising,
                "plain": not is_meta and not is_advising}.get(kind):
            return f"rule:{t.rule}"
    raise AssertionError(f"no {kind} item fires for {case['case_id']}")


@pytest.mark.parametrize("kind", ["plain", "advising", "meta", "advice"])
def test_an_action_that_raises_names_the_rule_and_the_engine_recovers(pack: Pack,
                                                                      kind: str) -> None:
    case = load_example("s6-too-frequent")
    with Engine(pack) as eng:
        name = fired_of_kind(eng, case, kind)
        good = eng.evaluate(case).model_dump_json()
        original = eng._runtime._actions[name]

        def boom(_: object) -> None:
            raise KeyError("injected")

        eng._runtime._actions[name] = boom
        for _ in range(1_100):  # more failures than live sessions: each one's state is deleted
            with pytest.raises(RuleActionError) as info:
                eng.evaluate(case)
        item = name.partition(":")[2]
        assert info.value.rule == item
        assert f"rule {item!r} failed in its action: KeyError: 'injected'" == str(info.value)
        eng._runtime._actions[name] = original
        assert eng.evaluate(case).model_dump_json() == good
        assert eng.evaluate(load_example("all-quiet")).escalation == "none"


# -- several engines, closing -------------------------------------------------------------------


def test_two_engines_with_the_same_pack_in_one_process(pack: Pack) -> None:
    cases = varied_cases()
    with Engine(pack) as a, Engine(pack) as b:
        assert a._runtime._name != b._runtime._name
        for case in cases * 3:
            assert a.evaluate(case).model_dump_json() == b.evaluate(case).model_dump_json()
        a.close()
        with pytest.raises(EngineClosed):
            a.evaluate(cases[0])
        assert b.evaluate(cases[0]).escalation  # the other one is untouched
    with Engine(load_pack()) as c:  # the same pack loaded again from disk
        assert c.evaluate(cases[0]).model_dump_json() == Engine(pack).evaluate(
            cases[0]).model_dump_json()


@needs_statm
def test_closing_an_engine_frees_its_ruleset(pack: Pack) -> None:
    """Measured: 300 Engines created, used and closed grow RSS by ~3 MB; left open (garbage
    collected in Python, their C rulesets never freed) by ~100 MB."""
    case = load_example("s6-too-frequent")
    Engine(pack).close()
    before = rss_mb()
    for _ in range(300):
        eng = Engine(pack)
        eng.evaluate(case)
        eng.close()
        with pytest.raises(EngineClosed):
            eng.evaluate(case)
    assert rss_mb() - before < 30


# -- the crash pattern --------------------------------------------------------------------------

OPERATORS = {"$gt", "$gte", "$lt", "$lte", "$neq"}


def comparisons(node: Any) -> list[tuple[str, Any]]:
    """Every ``field: operand`` comparison in a compiled pattern; fails on anything else."""
    if isinstance(node, list):
        return [c for item in node for c in comparisons(item)]
    assert isinstance(node, dict) and node, node
    out: list[tuple[str, Any]] = []
    for key, value in node.items():
        if key in ("$and", "$or"):
            assert isinstance(value, list) and value
            out += comparisons(value)
        elif key in OPERATORS:
            assert isinstance(value, dict) and len(value) == 1, value
            out += list(value.items())
        else:
            assert not key.startswith("$"), f"unexpected operator {key}"
            out.append((key, value))
    return out


PACKS = [None, ROOT / "examples" / "packs" / "minimal"]


@pytest.mark.parametrize("pack_dir", PACKS, ids=["builtin", "minimal"])
def test_no_compiled_rule_references_another_fact(pack_dir: Path | None) -> None:
    """Issue #381: a pattern joining a field of one fact to another's (``m.at > c.a.at``) reads
    out of bounds. Every compiled comparison must be field against constant, and every pattern
    one of the two fact types; the check runs on the JSON durable_rules actually received."""
    pack = load_pack(pack_dir)
    with Engine(pack) as eng:
        registered = eng._runtime._host.get_ruleset(eng._runtime._name)
        definition = json.loads(json.dumps(compile_pack(pack)))
        assert set(eng._runtime.definition) == set(definition)
        assert registered is not None
        for name, rule in definition.items():
            assert set(rule) == {"all", "pri"}, name
            assert 0 <= rule["pri"] <= 65535
            for pattern in rule["all"]:
                (alias, expression), = pattern.items()
                found = comparisons(expression)
                assert ("t", "case" if alias == CASE_ALIAS else "advised") in found, name
                for field, operand in found:
                    assert isinstance(operand, (str, int, bool)) and not isinstance(
                        operand, dict), (name, field, operand)
                    assert not (isinstance(operand, str) and operand.startswith("$")), name
