"""Decision assembly: ``assemble`` builds the decision as plain data (from texts prepared once per
pack and language) and validates it in one call; it must give exactly the decision of building
each model on its own, straight from the pack, as the oracle below does. Also: the firings the
runtime records, and decisions that share nothing mutable with each other or with the cache."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from escalade import Engine, load_pack, parse_case
from escalade.assemble import assemble
from escalade.decision import Action, Advice, Decision, FailedCondition, PackInfo, TraceEntry
from escalade.facts import FactValue, measure
from escalade.pack import model
from escalade.pack.model import Advised, AnyOf, Condition, Pack, Rule
from escalade.reference import ReferenceEvaluator
from escalade.runtime import Firing, _advised_tail
from escalade.vocab import LADDER
from hypothesis import given

from bench.corpus import generate

from .conftest import EXAMPLES, ROOT
from .strategies import valid_cases

RANK = {rung: i for i, rung in enumerate(LADDER)}


def oracle(case: Any, pack: Pack, facts: dict[str, FactValue], firings: list[Firing], lang: str,
           explain: bool) -> Decision:
    """The decision built model by model from the pack, with nothing cached or precomputed."""
    fired = {f.id for f in firings if f.kind == "rule"}
    fired_rules = sorted((r for r in pack.rules if r.id in fired), key=lambda r: r.position)
    by_action: dict[str, list[Rule]] = {}
    for rule in fired_rules:
        by_action.setdefault(rule.action, []).append(rule)
    actions = []
    for rules in by_action.values():
        rule, text = rules[0], rules[0].text[lang]
        due = None
        start = facts.get(rule.due.from_fact) if rule.due else None
        if rule.due and isinstance(start, str) and start:
            due = date.fromisoformat(start) + timedelta(days=rule.due.days)
        actions.append(Action(
            action=rule.action,  # type: ignore[arg-type]
            rung=rule.rung, rule=rule.id, title=text.title, why=text.why,
            steps=list(text.steps), channels=list(rule.channels), evidence=list(rule.evidence),
            cites=list(rule.cites), due=due, urgent=any(r.urgent for r in rules),
            also_advised_by=[r.id for r in rules[1:]]))
    position = {r.id: r.position for r in pack.rules}
    actions.sort(key=lambda a: (not a.urgent, RANK[a.rung], position[a.rule]))
    advice = [Advice(id=a.id, text=a.text[lang], cites=list(a.cites)) for a in pack.advice
              if any(f.kind == "advice" and f.id == a.id for f in firings)]
    seen = {(f.kind, f.id): f for f in firings}
    trace = []
    items = sorted([("rule", r.id, r.when, r.position) for r in pack.rules]
                   + [("advice", a.id, a.when, a.position) for a in pack.advice],
                   key=lambda x: x[3])
    for kind, item_id, when, _ in items:
        firing = seen.get((kind, item_id))
        if firing is not None:
            matched: dict[str, Any] = {}
            for cond in when:
                if isinstance(cond, Advised):
                    continue
                for t in cond.alternatives if isinstance(cond, AnyOf) else (cond,):
                    matched.setdefault(t.fact, firing.case_fact[t.fact])
            matched.update({f"advised:{c.action}": True for c in when if isinstance(c, Advised)})
            trace.append(TraceEntry(rule=item_id, kind=kind,  # type: ignore[arg-type]
                                    fired=True, matched=matched))
        elif explain:
            trace.append(TraceEntry(rule=item_id, kind=kind,  # type: ignore[arg-type]
                                    fired=False, failed=first_failed(when, facts, set(by_action))))
    return Decision(
        case_id=case.case_id, as_of=case.as_of, lang=lang,
        pack=PackInfo(name=pack.name, version=pack.version, sha256=pack.sha256),
        escalation=max((a.rung for a in actions), key=RANK.__getitem__, default="none"),
        urgent=any(a.urgent for a in actions), actions=actions, findings=facts, advice=advice,
        notice=pack.notice.get(lang, ""), trace=trace)


def first_failed(conditions: tuple[Condition, ...], facts: dict[str, FactValue],
                 advised: set[str]) -> FailedCondition | None:
    for cond in conditions:
        if isinstance(cond, Advised):
            if cond.action not in advised:
                return FailedCondition(condition=cond.source, read={"advised": sorted(advised)})
        elif not cond.holds(facts):
            tests: tuple[model.Test, ...] = (
                cond.alternatives if isinstance(cond, AnyOf) else (cond,))
            return FailedCondition(condition=cond.source,
                                   read={t.fact: facts[t.fact] for t in tests})
    return None


def assert_same(mine: Decision, theirs: Decision) -> None:
    """Equal as models, in JSON, as Python data, and in which fields were set (at every level)."""
    assert mine == theirs
    assert mine.model_dump_json() == theirs.model_dump_json()
    assert mine.model_dump() == theirs.model_dump()
    assert mine.model_dump(exclude_unset=True) == theirs.model_dump(exclude_unset=True)
    assert repr(mine) == repr(theirs)  # types too: True is not 1


def check(engine: Engine, reference: ReferenceEvaluator, raw: dict[str, Any]) -> None:
    case = parse_case(raw)
    facts = measure(case, engine.pack.quiet_hours)
    for firings in (engine._runtime.fire(facts), reference.fire(facts)):
        for lang in engine.pack.languages:
            for explain in (False, True):
                assert_same(assemble(case, engine.pack, facts, firings, lang, explain),
                            oracle(case, engine.pack, facts, firings, lang, explain))


@pytest.fixture(scope="module", params=["builtin", "minimal"])
def engines(request: pytest.FixtureRequest) -> Any:
    pack = load_pack(None if request.param == "builtin" else
                     ROOT / "examples" / "packs" / "minimal")
    with Engine(pack) as eng:
        yield eng, ReferenceEvaluator(pack)


def test_assemble_equals_model_by_model_on_the_corpus_and_examples(engines: Any) -> None:
    engine, reference = engines
    cases = [c for n, k in ((1, 40), (10, 40), (100, 10)) for c in generate(7, n, k)]
    cases += [json.loads(p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("cases/*.json"))]
    for raw in cases:
        check(engine, reference, raw)


@pytest.fixture(scope="module")
def reference(pack: Pack) -> ReferenceEvaluator:
    return ReferenceEvaluator(pack)


@given(case=valid_cases())
def test_assemble_equals_model_by_model_on_generated_cases(
        engine: Engine, reference: ReferenceEvaluator, case: dict[str, Any]) -> None:
    check(engine, reference, case)


def test_the_comparison_can_tell(engine: Engine) -> None:
    """``assert_same`` sees a difference in order, in the fields set, and between False and 0."""
    case = parse_case(json.loads((EXAMPLES / "cases" / "s6-too-frequent.json").read_text()))
    facts = measure(case, engine.pack.quiet_hours)
    good = assemble(case, engine.pack, facts, engine._runtime.fire(facts), "en")
    assert len(good.actions) > 1
    swapped = good.model_copy(update={"actions": good.actions[::-1]})
    unset = good.model_copy()
    object.__setattr__(unset, "__pydantic_fields_set__", good.model_fields_set - {"notice"})
    name, value = next((k, v) for k, v in good.findings.items() if isinstance(v, bool))
    retyped = good.model_copy(update={"findings": {**good.findings, name: int(value)}})
    for bad in (swapped, unset, retyped):
        assert_same(good, good)
        with pytest.raises(AssertionError):
            assert_same(bad, good)


def test_decisions_share_no_mutable_data(engine: Engine) -> None:
    """Lists and dicts of a decision are its own: changing them leaves the next one alone."""
    raw = json.loads((EXAMPLES / "cases" / "s6-too-frequent.json").read_text())
    first = engine.evaluate(raw, lang="en")
    expected = first.model_dump_json()
    for action in first.actions:
        for values in (action.steps, action.channels, action.evidence, action.cites,
                       action.also_advised_by):
            values.append("changed")
    for advice in first.advice:
        advice.cites.append("changed")
    for entry in first.trace:
        entry.matched["changed"] = 1
    first.findings["changed"] = 1
    assert engine.evaluate(raw, lang="en").model_dump_json() == expected


def test_firings_record_the_fact_as_durable_saw_it(engine: Engine) -> None:
    """The case fact of a firing holds every fact its item's conditions read, as measured."""
    pack = engine.pack
    whens = {("rule", r.id): r.when for r in pack.rules}
    whens.update({("advice", a.id): a.when for a in pack.advice})
    checked = 0
    for raw in generate(3, 10, 40):
        facts = measure(parse_case(raw), pack.quiet_hours)
        for firing in engine._runtime.fire(facts):
            assert firing.case_fact["t"] == firing.case_fact["id"] == "case"
            for cond in whens[firing.kind, firing.id]:
                tests = () if isinstance(cond, Advised) else (
                    cond.alternatives if isinstance(cond, AnyOf) else (cond,))
                for t in tests:
                    assert firing.case_fact[t.fact] == facts[t.fact]
                    assert type(firing.case_fact[t.fact]) is type(facts[t.fact])
                    checked += 1
    assert checked > 100


def test_the_advised_fact_text() -> None:
    sid = "123"
    text = '{"sid":"' + sid + '",' + _advised_tail("s6-too-frequent", "file_with_regulator")
    assert json.loads(text) == {"sid": sid, "id": "advised:s6-too-frequent", "t": "advised",
                                "action": "file_with_regulator", "rule": "s6-too-frequent"}
