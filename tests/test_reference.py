"""The plain-Python reference evaluator agrees with durable_rules (the tests' oracle).

Both read the same compiled pack; the engine runs it in durable_rules, the reference interprets
it in Python. On a seeded corpus of realistic cases (bench/corpus.py) and on every example case
they must give byte-identical decision JSON and the same firings (as multisets: durable fires a
rule once per satisfied alternative of an ``$or``, and the reference counts the same way).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from escalade import Engine, parse_case
from escalade.facts import measure
from escalade.pack.model import Pack
from escalade.reference import ReferenceEvaluator, compile_matcher
from escalade.runtime import Firing

from bench.corpus import SIZES, generate

from .conftest import EXAMPLES, ROOT, base_case, contact


def _corpus() -> list[dict[str, Any]]:
    cases = [c for n, k in ((1, 60), (3, 60), (10, 60), (100, 8)) for c in generate(11, n, k)]
    cases += generate(12, 1000, 1)
    cases += [json.loads(p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("cases/*.json"))]
    return cases


def _multiset(firings: list[Firing]) -> Counter[tuple[str, str]]:
    return Counter((f.kind, f.id) for f in firings)


@pytest.fixture(scope="module")
def reference(pack: Pack) -> ReferenceEvaluator:
    return ReferenceEvaluator(pack)


def test_engine_and_reference_agree_on_the_corpus(engine: Engine,
                                                  reference: ReferenceEvaluator) -> None:
    disagree = []
    for case in _corpus():
        facts = measure(parse_case(case), engine.pack.quiet_hours)
        if _multiset(engine._runtime.fire(facts)) != _multiset(reference.fire(facts)):
            disagree.append((case["case_id"], "firings"))
        for lang, explain in (("zh-CN", False), ("en", True)):
            mine = engine.evaluate(case, lang=lang, explain=explain).model_dump_json()
            theirs = reference.evaluate(case, lang=lang, explain=explain).model_dump_json()
            if mine != theirs:
                disagree.append((case["case_id"], lang))
    assert disagree == []


def test_corpus_is_reproducible_and_valid() -> None:
    assert generate(3, 10, 5) == generate(3, 10, 5)
    assert generate(3, 10, 5) != generate(4, 10, 5)
    for n in SIZES:
        for case in generate(1, n, 2):
            assert len(case["events"]) == n
            parse_case(case)  # raises if the generator wrote an invalid case


def test_corpus_reaches_every_rung_and_most_rules(engine: Engine) -> None:
    fired: set[str] = set()
    rungs: set[str] = set()
    for case in _corpus():
        d = engine.evaluate(case)
        rungs.add(d.escalation)
        fired.update(t.rule for t in d.trace)
    assert rungs == {"none", "re_verify", "contact_support", "confront_collector",
                     "file_with_regulator"}
    every = {r.id for r in engine.pack.rules} | {a.id for a in engine.pack.advice}
    assert len(fired) >= len(every) - 2, sorted(every - fired)


def test_or_counts_each_satisfied_alternative(engine: Engine,
                                              reference: ReferenceEvaluator) -> None:
    # Four connected calls in one day, two of them in quiet hours: two alternatives of
    # s6-too-frequent hold, so durable_rules fires it twice, and the reference says so too.
    calls = [contact(f"2026-03-10T{h}:00:00+08:00") for h in ("07", "10", "11", "23")]
    facts = measure(parse_case(base_case(events=calls)), engine.pack.quiet_hours)
    mine, theirs = _multiset(engine._runtime.fire(facts)), _multiset(reference.fire(facts))
    assert mine == theirs
    assert mine[("rule", "s6-too-frequent")] == 2


def test_matcher_semantics() -> None:
    m = compile_matcher({"$and": [{"t": "case"}, {"$or": [{"n": 1}, {"$gt": {"n": 0}}]},
                                  {"$neq": {"b": True}}]})
    assert m({"t": "case", "n": 1, "b": False}) == 2
    assert m({"t": "case", "n": 2, "b": False}) == 1
    assert m({"t": "case", "n": 2, "b": True}) == 0
    assert compile_matcher({"b": 1})({"b": True}) == 0  # JSON true is not 1
    assert compile_matcher({"$gte": {"n": 1}})({}) == 0  # a missing field never matches
    with pytest.raises(ValueError, match=r"\$mt"):
        compile_matcher({"$mt": {"s": "x"}})


def test_bench_script_runs_in_smoke_mode(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", str(out), "--compare",
         str(tmp_path / "none.json")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(out.read_text("utf-8"))
    assert figures["reference_agrees"] is True
    assert set(figures["sizes"]) == {"10", "100", "1000"}
    assert set(figures["targets"]) == {"throughput_100", "ratio_100", "linear", "rss", "cold",
                                       "batch"}
    assert "targets:" in done.stdout


def test_validation_floor_script_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.floor", "--events", "10", "--cases", "3", "--repeats", "1"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert "budget is 200" in lines[0]
    assert any(line.strip().startswith("Case.model_validate(dict)") for line in lines)
    assert len(lines) == 12  # the heading and eleven measurements


def test_counts_after_a_moment_match_one_by_one_comparisons(pack: Pack) -> None:
    # measure() counts "contacts after X" on keys (each time's wall clock at one offset) when
    # that orders the times as Python does, and falls back to comparing datetimes otherwise
    # (naive times on both sides of a daylight-saving change). Both must equal comparing one by
    # one.
    import random

    from escalade.case import BasisRequested, CollectorContact, CollectorInformed

    rng = random.Random(5)
    checked = 0
    for case in generate(21, 30, 40):
        case["timezone"] = rng.choice(["America/New_York", "Asia/Shanghai", "UTC"])
        naive_share = rng.choice([0.0, 0.3])
        for event in case["events"]:
            if rng.random() < naive_share and "+" in event["at"][10:]:
                event["at"] = event["at"][:19]  # naive: read in the case's zone
        try:
            parsed = parse_case(case)
        except Exception:  # a shifted time may now be after as_of: not this test's business
            continue
        events = sorted(parsed.events, key=lambda e: e.at)
        contacts = [e for e in events if isinstance(e, CollectorContact)]

        def after(moment: Any, contacts: list[CollectorContact] = contacts) -> int:
            return 0 if moment is None else sum(1 for c in contacts if c.at > moment)

        informed = next((e.at for e in events if isinstance(e, CollectorInformed)), None)
        basis = next((e.at for e in events if isinstance(e, BasisRequested)), None)
        a = parsed.arrangement
        f = measure(parsed, pack.quiet_hours)
        assert f["collector_contacts"] == len(contacts)
        assert f["collector_contacts_after_informed"] == after(informed)
        assert f["collector_contacts_after_basis_requested"] == after(basis)
        assert f["collector_contacts_after_approval"] == after(a.approved_at if a else None)
        checked += 1
    assert checked >= 20
