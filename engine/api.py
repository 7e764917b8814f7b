"""The Python API: ``Engine``, ``evaluate``."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from .assemble import assemble
from .case import Case, parse_case
from .decision import Decision
from .errors import EscaladeError, InvalidCase
from .facts import measure
from .limits import DEFAULT_LIMITS, Limits
from .pack.load import load_pack
from .pack.model import Pack
from .personal import with_personal_trace
from .runtime import Runtime

DEFAULT_LANG = "zh-CN"

# Records carry case ids, rungs, counts and JSON paths; never a phone number or a note.
log = logging.getLogger("escalade")


class UnsupportedLanguage(EscaladeError, ValueError):
    """The pack has no texts in the language asked for."""


def require_language(pack: Pack, lang: str) -> None:
    """Raise ``UnsupportedLanguage`` unless ``pack`` has texts in ``lang``."""
    if lang not in pack.languages:
        raise UnsupportedLanguage(f"pack {pack.name!r} has no {lang!r} texts "
                                  f"(it has: {', '.join(pack.languages)})")


class Engine:
    """A rule pack compiled and loaded into its own durable_rules host.

    Reuse one Engine for many cases; ``evaluate`` is safe to call from several threads (calls
    are serialised). Close it (or use it as a context manager) to free the ruleset.
    """

    def __init__(self, pack: Pack | str | Path | None = None, *,
                 limits: Limits | None = None) -> None:
        self.pack = pack if isinstance(pack, Pack) else load_pack(pack)
        self.limits = limits or DEFAULT_LIMITS
        self._runtime = Runtime(self.pack)
        log.info("engine ready: pack %s %s, %d rules, %d advice items", self.pack.name,
                 self.pack.version, len(self.pack.rules), len(self.pack.advice))

    def evaluate(self, case: Case | dict[str, Any] | str | bytes, *, lang: str = DEFAULT_LANG,
                 explain: bool = False, trace_personal: bool = False) -> Decision:
        """The decision for one case (a validated ``Case``, a dict, or JSON text/bytes).

        Raises ``InvalidCase`` (every problem, by JSON path) for input that does not validate
        or exceeds the Engine's ``limits``. ``trace_personal`` adds to each fired rule's trace
        entry the case events behind it, phone numbers and notes included; without it none
        appears in the decision.
        """
        require_language(self.pack, lang)
        try:
            validated = (case if isinstance(case, Case)
                         else parse_case(case, limits=self.limits))
        except InvalidCase as exc:
            log.debug("case rejected: %d problem(s) at %s", len(exc.problems),
                      ", ".join(p.path or "(case)" for p in exc.problems))
            raise
        facts = measure(validated, self.pack.quiet_hours)
        firings = self._runtime.fire(facts)
        decision = assemble(validated, self.pack, facts, firings, lang, explain)
        if trace_personal:
            decision = with_personal_trace(decision, validated)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("case %s: %s%s, %d action(s), %d rule(s) fired, %d event(s)",
                      validated.case_id, decision.escalation,
                      " (urgent)" if decision.urgent else "", len(decision.actions),
                      sum(1 for t in decision.trace if t.fired), len(validated.events))
        return decision

    def close(self) -> None:
        """Free the durable ruleset. Idempotent."""
        self._runtime.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The process-wide Engine for the built-in pack, created on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Engine()
        return _default


def evaluate(case: Case | dict[str, Any] | str | bytes, *, lang: str = DEFAULT_LANG,
             explain: bool = False, trace_personal: bool = False) -> Decision:
    """Evaluate ``case`` with the built-in cn-huabei pack."""
    return default_engine().evaluate(case, lang=lang, explain=explain,
                                     trace_personal=trace_personal)
