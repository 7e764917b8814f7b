"""Turn the rules that fired into a decision: actions, rung, urgency, advice, trace."""

from __future__ import annotations

from datetime import date, timedelta

from .case import Case
from .decision import Action, Advice, Decision, FailedCondition, PackInfo, TraceEntry
from .facts import FactValue
from .pack.model import Advised, AnyOf, Condition, Pack, Rule, Test
from .runtime import Firing
from .vocab import LADDER, Rung


def assemble(case: Case, pack: Pack, facts: dict[str, FactValue], firings: list[Firing],
             lang: str, explain: bool = False) -> Decision:
    """The decision for ``case`` given the durable ``firings`` (order-independent)."""
    by_id: dict[str, Rule] = {}
    for r in pack.rules:
        by_id.setdefault(r.id, r)
    fired_rules = sorted({f.id for f in firings if f.kind == "rule"},
                         key=lambda rid: by_id[rid].position)
    fired_advice = {f.id for f in firings if f.kind == "advice"}
    by_action: dict[str, list[Rule]] = {}
    for rid in fired_rules:
        rule = by_id[rid]
        by_action.setdefault(rule.action, []).append(rule)
    actions = [_action(rules, facts, lang) for rules in by_action.values()]
    actions.sort(key=lambda a: (not a.urgent, _RANK[a.rung], by_id[a.rule].position))
    rung: Rung = max((a.rung for a in actions), key=_RANK.__getitem__, default="none")
    advice = [Advice(id=item.id, text=item.text[lang], cites=list(item.cites))
              for item in pack.advice if item.id in fired_advice]
    return Decision(
        case_id=case.case_id, as_of=case.as_of, lang=lang,
        pack=PackInfo(name=pack.name, version=pack.version, sha256=pack.sha256),
        escalation=rung, urgent=any(a.urgent for a in actions), actions=actions,
        findings=facts, advice=advice, notice=pack.notice.get(lang, ""),
        trace=_trace(pack, facts, firings, explain, set(by_action)),
    )


_RANK: dict[str, int] = {rung: i for i, rung in enumerate(LADDER)}


def _action(rules: list[Rule], facts: dict[str, FactValue], lang: str) -> Action:
    rule = rules[0]
    text = rule.text[lang]
    return Action(
        action=rule.action,  # type: ignore[arg-type]  # an ActionId, checked at load
        rung=rule.rung, rule=rule.id, title=text.title, why=text.why,
        steps=list(text.steps), channels=list(rule.channels), evidence=list(rule.evidence),
        cites=list(rule.cites), due=_due(rule, facts), urgent=any(r.urgent for r in rules),
        also_advised_by=[r.id for r in rules[1:]],
    )


def _due(rule: Rule, facts: dict[str, FactValue]) -> date | None:
    if rule.due is None:
        return None
    start = facts.get(rule.due.from_fact)
    if not isinstance(start, str) or not start:
        return None
    return date.fromisoformat(start) + timedelta(days=rule.due.days)


def _facts_read(conditions: tuple[Condition, ...]) -> list[str]:
    names: list[str] = []
    for cond in conditions:
        tests = cond.alternatives if isinstance(cond, AnyOf) else (
            (cond,) if isinstance(cond, Test) else ())
        names.extend(t.fact for t in tests if t.fact not in names)
    return names


_Item = tuple[str, str, tuple[Condition, ...], list[str], list[str]]
_ITEMS: dict[int, tuple[Pack, list[_Item]]] = {}


def _items(pack: Pack) -> list[_Item]:
    """The pack's rules and advice in pack order, with the facts and advised actions each reads.

    Computed once per pack (cached by identity; the cache holds at most a few packs).
    """
    cached = _ITEMS.get(id(pack))
    if cached is not None and cached[0] is pack:
        return cached[1]
    items = [("rule", r.id, r.when, r.position) for r in pack.rules] + [
        ("advice", a.id, a.when, a.position) for a in pack.advice]
    out = [(kind, item_id, when, _facts_read(when),
            [f"advised:{c.action}" for c in when if isinstance(c, Advised)])
           for kind, item_id, when, _ in sorted(items, key=lambda x: x[3])]
    if len(_ITEMS) >= 8:
        _ITEMS.clear()
    _ITEMS[id(pack)] = (pack, out)
    return out


def _trace(pack: Pack, facts: dict[str, FactValue], firings: list[Firing], explain: bool,
           advised: set[str]) -> list[TraceEntry]:
    seen = {(f.kind, f.id): f for f in firings}
    entries: list[TraceEntry] = []
    for kind, item_id, when, read, advised_keys in _items(pack):
        firing = seen.get((kind, item_id))
        if firing is not None:
            matched = {n: firing.case_fact[n] for n in read}
            matched.update(dict.fromkeys(advised_keys, True))
            entries.append(TraceEntry(rule=item_id, kind=kind,  # type: ignore[arg-type]
                                      fired=True, matched=matched))
        elif explain:
            entries.append(TraceEntry(rule=item_id, kind=kind,  # type: ignore[arg-type]
                                      fired=False, failed=_first_failed(when, facts, advised)))
    return entries


def _first_failed(conditions: tuple[Condition, ...], facts: dict[str, FactValue],
                  advised: set[str]) -> FailedCondition | None:
    for cond in conditions:
        if isinstance(cond, Advised):
            if cond.action not in advised:
                return FailedCondition(condition=cond.source,
                                       read={"advised": sorted(advised)})
        elif not cond.holds(facts):
            tests = cond.alternatives if isinstance(cond, AnyOf) else (cond,)
            return FailedCondition(condition=cond.source, read={t.fact: facts[t.fact]
                                                                 for t in tests})
    return None
