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
from typing import Any, NamedTuple

from ._durable import Host, dre
from .errors import EngineClosed, RuleActionError
from .facts import FactValue
from .pack.compile import ADVICE_PREFIX, CASE_ALIAS, RULE_PREFIX, chained_actions, compile_pack
from .pack.model import Pack

_NOT_HANDLED = 1  # durable_rules: no rule matched the fact
SENTINEL = "sentinel:case"  # matches every case fact (see Runtime.__init__)
# One encoder for every call (json.dumps builds a new one each time); compact separators make the
# fact text (which durable copies into every activation message) shorter; facts are flat, so
# there is nothing circular to check.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
_names = itertools.count(1)


class Firing(NamedTuple):
    """A durable rule that fired: ``kind`` rule or advice, the pack id, the case fact it saw.

    ``case_fact`` is the fact as asserted to durable_rules: the facts some compiled condition
    reads (so every fact a firing rule matched), with ``sid``, ``id`` and ``t``.
    """

    kind: str
    id: str
    case_fact: dict[str, Any]


ActionFn = Callable[["_Activation"], None]


class _Activation:
    """One firing of a durable rule, handed to its action.

    ``case_fact`` is the case fact as asserted (the only ``case`` fact of the session, so the one
    the rule matched); ``message`` is durable's own activation (``{alias: fact}``), decoded from
    its JSON only when an action reads it (decoding it for every firing was the largest cost).
    One object serves a whole session: ``Runtime.fire`` sets ``name`` and the raw message before
    each action runs.
    """

    __slots__ = ("_message", "_raw", "case_fact", "firings", "handle", "name", "sid")

    def __init__(self, handle: int, sid: str, firings: list[Firing],
                 case_fact: dict[str, Any]) -> None:
        self.handle = handle
        self.name = ""
        self._raw = ""
        self._message: dict[str, Any] | None = None
        self.sid = sid
        self.firings = firings
        self.case_fact = case_fact

    @property
    def message(self) -> dict[str, Any]:
        if self._message is None:
            (_, matched), = json.loads(self._raw).items()
            self._message = matched
        return self._message


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
            self._actions[name] = _make_action(kind, item_id, advises)
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
        # Only the facts some compiled condition reads go to durable (smaller JSON both ways).
        self._read = _fields_read(self.definition)

    def fire(self, facts: dict[str, FactValue]) -> list[Firing]:
        """The rules and advice items that fire for ``facts``, in firing order."""
        with self._lock:
            if self._handle is None:
                raise EngineClosed("this Engine is closed")
            handle = self._handle
            sid = str(next(self._sids))
            sent = {name: facts[name] for name in self._read}
            sent["sid"] = sid
            sent["id"] = "case"
            sent["t"] = "case"
            firings: list[Firing] = []
            try:
                code, state = dre.assert_fact(handle, _ENCODE(sent))
                if code == _NOT_HANDLED:
                    return firings
                result = dre.start_action_for_state(handle, state)
                message = result[1] if result else None
                actions = self._actions
                act = _Activation(handle, sid, firings, sent)
                while message:
                    # The name is the message's first key, {"rule:id":{"m":{...}}}: read from
                    # its head (names are plain ASCII ids), not by decoding the whole message.
                    name = message[2:message.find('":', 2)]
                    action = actions.get(name)
                    if action is None:  # not expected
                        (name, _), = json.loads(message).items()
                        action = actions[name]
                    act.name = name
                    act._raw = message
                    act._message = None
                    try:
                        action(act)
                    except Exception as exc:
                        dre.abandon_action(handle, state)
                        raise RuleActionError(name.partition(":")[2], exc) from exc
                    message = dre.complete_and_start_action(handle, state)
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


def _make_action(kind: str, item_id: str, advises: str | None) -> ActionFn:
    kind_name = "rule" if kind + ":" == RULE_PREFIX else "advice"
    assert kind + ":" in (RULE_PREFIX, ADVICE_PREFIX)
    if advises is None:
        def action(act: _Activation) -> None:
            act.firings.append(Firing(kind_name, item_id, act.case_fact))
    else:
        tail = _advised_tail(item_id, advises)

        def action(act: _Activation) -> None:
            act.firings.append(Firing(kind_name, item_id, act.case_fact))
            dre.assert_fact(act.handle, '{"sid":"' + act.sid + '",' + tail)

    return action


def _advised_tail(rule_id: str, action: str) -> str:
    """The JSON of the ``advised`` fact ``rule_id`` asserts, after its ``sid`` (built once;
    sids are digits, so ``'{"sid":"' + sid + '",' + tail`` is the whole fact)."""
    return _ENCODE({"id": f"advised:{rule_id}", "t": "advised", "action": action,
                    "rule": rule_id})[1:]


def _fields_read(definition: dict[str, Any]) -> tuple[str, ...]:
    """The case fields the compiled patterns of the ``case`` alias compare (in first-use order)."""
    names: dict[str, None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("$"):
                    walk(value)
                elif key != "t":
                    names[key] = None

    for rule in definition.values():
        for pattern in rule["all"]:
            if CASE_ALIAS in pattern:
                walk(pattern[CASE_ALIAS])
    return tuple(names)
