"""Run a compiled pack in durable_rules: which rules fire for a set of facts.

Each ``Engine`` owns its own durable host (with no background timer threads), registers the
compiled ruleset under a name of its own, and drives the C matcher directly: one session (``sid``)
per evaluation, always deleted, one evaluation at a time behind a lock. Each rule is bound by name
to an action that records the firing and, for actions that meta-rules chain on, asserts an
``advised`` fact, which may fire further rules.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._durable import Host, dre
from .errors import EngineClosed, RuleActionError
from .facts import FactValue
from .pack.compile import ADVICE_PREFIX, CASE_ALIAS, RULE_PREFIX, chained_actions, compile_pack
from .pack.model import Pack

_NOT_HANDLED = 1  # durable_rules: no rule matched the fact
SENTINEL = "sentinel:case"  # matches every case fact (see Runtime.__init__)
_names = itertools.count(1)


@dataclass(frozen=True)
class Firing:
    """A durable rule that fired: ``kind`` rule or advice, the pack id, the case fact it saw."""

    kind: str
    id: str
    case_fact: dict[str, Any]


ActionFn = Callable[["_Activation"], None]


@dataclass
class _Activation:
    name: str
    message: dict[str, Any]
    sid: str
    firings: list[Firing]


class _QuietHost(Host):  # type: ignore[misc]
    """A durable host without the stock timer threads; actions resolve through ``actions``."""

    def __init__(self, actions: dict[str, ActionFn]) -> None:
        self._actions = actions
        super().__init__()

    def _run(self) -> None:  # the stock host starts two dispatch threads here
        return None

    def get_action(self, action_name: str) -> ActionFn:
        return self._actions[action_name]


class Runtime:
    """A pack compiled into a durable_rules ruleset, ready to fire for fact sets."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self.definition = compile_pack(pack)
        chained = chained_actions(pack)
        self._actions: dict[str, ActionFn] = {}
        for name in self.definition:
            kind, _, item_id = name.partition(":")
            advises = None
            if kind + ":" == RULE_PREFIX:
                action = pack.rule(item_id).action
                advises = action if action in chained else None
            self._actions[name] = _make_action(kind, item_id, advises, self)
        # durable_rules frees an uninitialised pointer when deleting a session whose fact matched
        # no rule (seen as "free(): invalid pointer" / SIGSEGV in deleteStateNode). A catch-all
        # rule with a no-op action makes every case fact match, so sessions are always complete.
        self._actions[SENTINEL] = _ignore
        self._name = f"escalade-{pack.name}-{next(_names)}"
        self._host = _QuietHost(self._actions)
        bound = {n: {**copy.deepcopy(r), "run": n} for n, r in self.definition.items()}
        bound[SENTINEL] = {"all": [{CASE_ALIAS: {"t": "case"}}], "pri": 65535, "run": SENTINEL}
        self._host.set_rulesets({self._name: bound})
        self._handle: int | None = self._host.get_ruleset(self._name)._handle
        self._lock = threading.Lock()
        self._sids = itertools.count(1)

    def assert_advised(self, sid: str, rule_id: str, action: str) -> None:
        fact = {"sid": sid, "id": f"advised:{rule_id}", "t": "advised", "action": action,
                "rule": rule_id}
        dre.assert_fact(self._handle, json.dumps(fact))

    def fire(self, facts: dict[str, FactValue]) -> list[Firing]:
        """The rules and advice items that fire for ``facts``, in firing order."""
        with self._lock:
            if self._handle is None:
                raise EngineClosed("this Engine is closed")
            handle = self._handle
            sid = str(next(self._sids))
            fact = {**facts, "sid": sid, "id": "case", "t": "case"}
            firings: list[Firing] = []
            try:
                code, state = dre.assert_fact(handle, json.dumps(fact, ensure_ascii=False))
                if code == _NOT_HANDLED:
                    return firings
                result = dre.start_action_for_state(handle, state)
                while result:
                    message = json.loads(result[1])
                    (name, matched), = message.items()
                    try:
                        self._actions[name](_Activation(name, matched, sid, firings))
                    except Exception as exc:
                        dre.abandon_action(handle, state)
                        raise RuleActionError(name.partition(":")[2], exc) from exc
                    nxt = dre.complete_and_start_action(handle, state)
                    result = (None, nxt) if nxt else None
                return firings
            finally:
                dre.delete_state(handle, sid)

    def close(self) -> None:
        """Free the C ruleset; later ``fire`` calls raise ``EngineClosed``."""
        with self._lock:
            if self._handle is not None:
                dre.delete_ruleset(self._handle)
                self._handle = None


def _ignore(_: _Activation) -> None:
    """The sentinel rule's action: nothing."""


def _make_action(kind: str, item_id: str, advises: str | None, runtime: Runtime) -> ActionFn:
    kind_name = "rule" if kind + ":" == RULE_PREFIX else "advice"
    assert kind + ":" in (RULE_PREFIX, ADVICE_PREFIX)

    def action(act: _Activation) -> None:
        act.firings.append(Firing(kind_name, item_id, act.message[CASE_ALIAS]))
        if advises is not None:
            runtime.assert_advised(act.sid, item_id, advises)

    return action
