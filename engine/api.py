"""The Python API: ``Engine``, ``evaluate``."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from .assemble import assemble
from .case import Case, parse_case
from .decision import Decision
from .errors import EscaladeError
from .facts import measure
from .limits import DEFAULT_LIMITS, Limits
from .pack.load import load_pack
from .pack.model import Pack
from .runtime import Runtime

DEFAULT_LANG = "zh-CN"


class UnsupportedLanguage(EscaladeError, ValueError):
    """The pack has no texts in the language asked for."""


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

    def evaluate(self, case: Case | dict[str, Any] | str | bytes, *, lang: str = DEFAULT_LANG,
                 explain: bool = False) -> Decision:
        """The decision for one case (a validated ``Case``, a dict, or JSON text/bytes).

        Raises ``InvalidCase`` (every problem, by JSON path) for input that does not validate
        or exceeds the Engine's ``limits``.
        """
        if lang not in self.pack.languages:
            raise UnsupportedLanguage(
                f"pack {self.pack.name!r} has no {lang!r} texts "
                f"(it has: {', '.join(self.pack.languages)})")
        validated = case if isinstance(case, Case) else parse_case(case, limits=self.limits)
        facts = measure(validated, self.pack.quiet_hours)
        firings = self._runtime.fire(facts)
        return assemble(validated, self.pack, facts, firings, lang, explain)

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
             explain: bool = False) -> Decision:
    """Evaluate ``case`` with the built-in cn-huabei pack."""
    return default_engine().evaluate(case, lang=lang, explain=explain)
