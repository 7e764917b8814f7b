"""Turn the rules that fired into a decision: actions, rung, urgency, advice, trace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from operator import itemgetter
from typing import Any

from .case import Case
from .decision import Decision
from .facts import FactValue
from .pack.model import Advised, AnyOf, Condition, Pack, Rule, Test
from .runtime import Firing
from .vocab import LADDER

Json = dict[str, Any]


def assemble(case: Case, pack: Pack, facts: dict[str, FactValue], firings: list[Firing],
             lang: str, explain: bool = False) -> Decision:
    """The decision for ``case`` given the durable ``firings`` (order-independent).

    The decision is built as plain data from the pack's texts (prepared once per pack and
    language, see ``_layout``) and validated in one ``Decision.model_validate`` call, nested
    models included: the same validation as building each model on its own, one call into
    pydantic instead of one per action, advice item and trace entry.
    """
    layout = _layout(pack, lang)
    seen = {(f.kind, f.id): f for f in firings}
    items = layout.items
    fired = [items[i] for i in sorted(map(layout.index.__getitem__, seen))]  # in pack order
    by_action: dict[str, list[_RuleOut]] = {}
    for item in fired:
        rule = item.rule
        if rule is not None:
            group = by_action.get(rule.action)
            if group is None:
                by_action[rule.action] = [rule]
            else:
                group.append(rule)
    ranked: list[tuple[tuple[bool, int, int], Json]] = []
    for group in by_action.values():
        first = group[0]
        urgent = any(r.urgent for r in group)
        ranked.append(((not urgent, first.rank, first.position), {
            **first.fields, "due": _due(first.rule, facts), "urgent": urgent,
            "also_advised_by": [r.rule.id for r in group[1:]]}))
    ranked.sort(key=itemgetter(0))  # urgent first, then up the ladder, then pack order
    if explain:
        trace = _explained(layout, facts, seen, set(by_action))
    else:
        trace = [_fired(item, seen[item.key]) for item in fired]
    return Decision.model_validate({
        "case_id": case.case_id, "as_of": case.as_of, "lang": lang, "pack": layout.pack_info,
        "escalation": LADDER[max([key[1] for key, _ in ranked], default=0)],
        "urgent": any([not key[0] for key, _ in ranked]),
        "actions": [action for _, action in ranked], "findings": facts,
        "advice": [advice for key, advice in layout.advice if key in seen],
        "notice": layout.notice, "trace": trace,
    })


_RANK: dict[str, int] = {rung: i for i, rung in enumerate(LADDER)}


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


@dataclass(frozen=True)
class _RuleOut:
    """A rule as ``assemble`` uses it: its ordering keys and its ``Action`` fields in one
    language (all but ``due``, ``urgent`` and ``also_advised_by``, which depend on the case)."""

    rule: Rule
    action: str
    position: int
    rank: int
    urgent: bool
    fields: Json


@dataclass(frozen=True)
class _Item:
    """A rule or advice item in the trace: the facts and advised actions its conditions read."""

    kind: str
    id: str
    key: tuple[str, str]  # (kind, id), as in ``Firing``
    rule: _RuleOut | None  # None for an advice item
    when: tuple[Condition, ...]
    read: tuple[str, ...]
    advised: Json  # {"advised:ACTION": True} for each ``advised`` condition


@dataclass(frozen=True)
class _Layout:
    """What ``assemble`` needs of a pack in one language, computed once."""

    advice: list[tuple[tuple[str, str], Json]]  # (("advice", id), ``Advice`` fields), pack order
    items: list[_Item]  # rules and advice items in pack order (the trace's order)
    index: dict[tuple[str, str], int]  # (kind, id) -> position in ``items``
    pack_info: Json
    notice: str


_LAYOUTS: dict[tuple[int, str], tuple[Pack, _Layout]] = {}


def _layout(pack: Pack, lang: str) -> _Layout:
    """The layout of ``pack`` in ``lang``, cached by the pack's identity (a few packs at most).

    The cached field dicts are never handed out: validation copies every list and dict.
    """
    cached = _LAYOUTS.get((id(pack), lang))
    if cached is not None and cached[0] is pack:
        return cached[1]
    rules: dict[str, _RuleOut] = {}
    for r in pack.rules:  # ids are unique in a pack (across rules and advice: load checks it)
        text = r.text[lang]
        rules[r.id] = _RuleOut(r, r.action, r.position, _RANK[r.rung], r.urgent, {
            "action": r.action, "rung": r.rung, "rule": r.id, "title": text.title,
            "why": text.why, "steps": list(text.steps), "channels": list(r.channels),
            "evidence": list(r.evidence), "cites": list(r.cites)})
    ordered = sorted([("rule", r.id, r.when, r.position) for r in pack.rules]
                     + [("advice", a.id, a.when, a.position) for a in pack.advice],
                     key=lambda x: x[3])
    items = [_Item(kind, item_id, (kind, item_id), rules[item_id] if kind == "rule" else None,
                   when, tuple(_facts_read(when)),
                   {f"advised:{c.action}": True for c in when if isinstance(c, Advised)})
             for kind, item_id, when, _ in ordered]
    layout = _Layout(
        advice=[(("advice", a.id), {"id": a.id, "text": a.text[lang], "cites": list(a.cites)})
                for a in pack.advice],
        items=items,
        index={(item.kind, item.id): i for i, item in enumerate(items)},
        pack_info={"name": pack.name, "version": pack.version, "sha256": pack.sha256},
        notice=pack.notice.get(lang, ""),
    )
    if len(_LAYOUTS) >= 16:
        _LAYOUTS.clear()
    _LAYOUTS[(id(pack), lang)] = (pack, layout)
    return layout


def _explained(layout: _Layout, facts: dict[str, FactValue],
               seen: dict[tuple[str, str], Firing], advised: set[str]) -> list[Json]:
    """The trace with ``explain``: every item, with the first failed condition of the others."""
    entries: list[Json] = []
    for item in layout.items:
        firing = seen.get(item.key)
        if firing is not None:
            entries.append(_fired(item, firing))
        else:
            entries.append({"rule": item.id, "kind": item.kind, "fired": False,
                            "failed": _first_failed(item.when, facts, advised)})
    return entries


def _fired(item: _Item, firing: Firing) -> Json:
    """The trace entry of an item that fired: the facts it matched (as durable saw them)."""
    case_fact = firing.case_fact
    matched = {n: case_fact[n] for n in item.read}
    if item.advised:
        matched.update(item.advised)
    return {"rule": item.id, "kind": item.kind, "fired": True, "matched": matched}


def _first_failed(conditions: tuple[Condition, ...], facts: dict[str, FactValue],
                  advised: set[str]) -> Json | None:
    for cond in conditions:
        if isinstance(cond, Advised):
            if cond.action not in advised:
                return {"condition": cond.source, "read": {"advised": sorted(advised)}}
        elif not cond.holds(facts):
            tests = cond.alternatives if isinstance(cond, AnyOf) else (cond,)
            return {"condition": cond.source, "read": {t.fact: facts[t.fact] for t in tests}}
    return None
